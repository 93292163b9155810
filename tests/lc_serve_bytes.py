"""A one-file HTTP server on 127.0.0.1 for import-from-url tests.

    with serve_bytes(b"text\\nhi\\n", "text/csv", path="/t.csv") as url: ...

``before()`` (optional) runs in the server thread when a request arrives, before the
body is sent: a test can act while the client waits for the download.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def serve_bytes(
    body: bytes,
    content_type: str,
    *,
    path: str = "/file",
    before: Callable[[], object] | None = None,
) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if before is not None:
                before()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        server.shutdown()
        server.server_close()
