"""A fake Label Studio ML backend on 127.0.0.1 speaking both dialects, and test helpers."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import threading
import time
from typing import Any

from labelcore import User
from labelcore.net import NetPolicy

LOCAL = NetPolicy(allow_loopback=True, timeout=10.0)
MANAGER = User(id=1, name="Mia", roles=frozenset({"manager"}))
CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>'
    "</View>"
)


def choice(value: str, score: float | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "from_name": "sentiment",
        "to_name": "text",
        "type": "choices",
        "value": {"choices": [value]},
    }
    if score is not None:
        item["score"] = score
    return item


def sentiment(text: str) -> str:
    return "pos" if "good" in text else "neg"


class FakeMLServer:
    """``dialect``: "webhook" (current servers: health has model_class, START_TRAINING on
    /webhook) or "legacy" (label-studio-ml 1.0.x: health has model_dir/v2, /train).
    ``mode``: "good", "invalid", "short" (one result too few for batches), "always_wrong"
    (two results per task), "slow" (sleeps ``delay`` on /predict), "slow_health"."""

    def __init__(
        self, dialect: str = "webhook", mode: str = "good", auth: tuple[str, str] | None = None
    ) -> None:
        self.dialect, self.mode, self.auth = dialect, mode, auth
        self.delay = 3.0
        self.calls: list[tuple[str, Any]] = []
        self.version = "fake-1"
        self.train_broken = False
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(raw)

            def _authorized(self) -> bool:
                if server.auth is None:
                    return True
                want = "Basic " + base64.b64encode(":".join(server.auth).encode()).decode()
                if self.headers.get("Authorization") != want:
                    self._reply(401, {"message": "bad credentials"})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                if not self._authorized():
                    return
                server.calls.append(("GET " + self.path, None))
                if server.mode == "slow_health":
                    time.sleep(server.delay)
                if self.path in ("/health", "/"):
                    if server.dialect == "legacy":
                        self._reply(200, {"status": "UP", "model_dir": "/tmp/m", "v2": None})
                    else:
                        self._reply(200, {"status": "UP", "model_class": "Fake"})
                else:
                    self._reply(404, {"message": "no such path"})

            def do_POST(self) -> None:  # noqa: N802
                if not self._authorized():
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.calls.append((self.path, body))
                if self.path == "/setup":
                    self._reply(200, {"model_version": server.version})
                elif self.path == "/predict":
                    self._reply(200, server.predict(body))
                elif self.path == "/webhook":
                    action = body.get("action")
                    if server.dialect == "legacy" and action == "START_TRAINING":
                        self._reply(500, {"message": "unknown event"})
                    else:
                        self._reply(201, {"status": "ok", "result": {"seen": action}})
                elif self.path == "/train" and server.dialect == "legacy":
                    if server.train_broken:
                        self._reply(500, {"detail": "TypeError: ModelWrapper is not iterable"})
                    elif not body.get("annotations"):
                        self._reply(400, "No annotations found.")
                    else:
                        self._reply(201, {"job": "j1"})
                else:
                    self._reply(404, {"message": "no such path"})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def predict(self, body: dict[str, Any]) -> dict[str, Any]:
        tasks = body["tasks"]
        if self.mode == "slow":
            time.sleep(self.delay)
        context = (body.get("params") or {}).get("context")
        results: list[Any] = []
        for task in tasks:
            label = sentiment(task["data"]["text"])
            if context:
                label = context["result"][0]["value"]["choices"][0]
            item = {"result": [choice(label)], "score": 0.9 if label == "pos" else 0.4}
            if self.mode == "invalid" and "bad" in task["data"]["text"]:
                item = {"result": [{**choice(label), "from_name": "nope"}]}
            results.append(item)
        if self.mode == "short" and len(tasks) > 1:
            results = results[:-1]
        if self.mode == "always_wrong":
            results = results * 2
        if self.dialect == "legacy":
            return {"results": results, "model_version": self.version}
        return {"results": results}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
