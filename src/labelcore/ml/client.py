"""HTTP client for Label Studio's ML backend protocol (``label-studio-ml`` servers).

    client = MLBackendClient("http://models.internal:9090", net_policy=NetPolicy(...))
    client.health(); version = client.setup("1.1700000000", label_config_xml)
    results = client.predict(tasks, project_uid="1.1700000000", label_config=xml).results

Both dialects are spoken: current servers train on ``POST /webhook`` with
``{"action": "START_TRAINING"}``; older ones (``label-studio-ml`` 1.0.x) train on
``POST /train`` with the annotated tasks. Every request goes through the SSRF guard
(``labelcore.net``), so a model URL on loopback works only when the host's ``NetPolicy``
says so.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from labelcore._jsondepth import loads
from labelcore.errors import LabelcoreError
from labelcore.ml.predictor import Rejected
from labelcore.net import FetchError, NetPolicy, open_url

if TYPE_CHECKING:
    from labelcore.config import LabelConfig

__all__ = ["HTTPPredictor", "MLBackendClient", "MLBackendError", "PredictResponse"]

MAX_RESPONSE: Final = 64 * 1024 * 1024
DIALECTS: Final = frozenset({"auto", "webhook", "legacy"})


class MLBackendError(LabelcoreError):
    """The ML backend could not be reached or answered badly (HTTP 502; 504 on timeout)."""

    status = 502
    code = "ml.backend_error"


@attrs.frozen
class PredictResponse:
    results: list[Any]
    model_version: str | None = None


def _snippet(body: bytes) -> str:
    """A short, readable reason from an error body (JSON ``message``/``detail``/``error``)."""
    text = body[:4000].decode("utf-8", "replace")
    try:
        data = loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    if isinstance(data, Mapping):
        for key in ("message", "detail", "error", "errors"):
            if data.get(key):
                return str(data[key])[:300]
    return " ".join(text.split())[:300]


class MLBackendClient:
    """One ML backend server. ``timeout`` (seconds) bounds each request; ``basic_auth`` is a
    ``(user, password)`` pair; ``extra_params`` go to ``/setup``; ``dialect`` is ``"auto"``
    (decided from ``/health``), ``"webhook"`` or ``"legacy"``."""

    def __init__(
        self,
        url: str,
        *,
        net_policy: NetPolicy | None = None,
        basic_auth: tuple[str, str] | None = None,
        extra_params: Mapping[str, Any] | None = None,
        timeout: float = 100.0,
        dialect: str = "auto",
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {sorted(DIALECTS)}")
        self.url = url.rstrip("/")
        base = net_policy or NetPolicy()
        self.policy = attrs.evolve(
            base, timeout=timeout, max_bytes=min(base.max_bytes, MAX_RESPONSE)
        )
        self.extra_params = dict(extra_params or {})
        self.dialect = dialect
        self._headers = {"Accept": "application/json"}
        if basic_auth is not None:
            raw = f"{basic_auth[0]}:{basic_auth[1]}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()

    # -- transport -----------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None, *, ok_404: bool = False) -> Any:
        headers = dict(self._headers)
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, default=str).encode()
            headers["Content-Type"] = "application/json"
        where = f"ML backend {self.url}: {method} {path}"
        try:
            with open_url(
                self.url + path, self.policy, method=method, body=data, headers=headers
            ) as resp:
                status, raw = resp.status, resp.read()
        except FetchError as exc:
            if exc.code == "url.timeout":
                raise MLBackendError(
                    f"{where} timed out after {self.policy.timeout:g} s",
                    code="ml.timeout",
                    status=504,
                ) from None
            raise MLBackendError(f"{where} failed: {exc}") from None
        if status == 404 and ok_404:
            return None
        if not 200 <= status < 300:
            raise MLBackendError(
                f"{where} answered HTTP {status}: {_snippet(raw)}", code="ml.http_error"
            )
        if not raw.strip():
            return {}
        try:
            return loads(raw)
        except ValueError:
            raise MLBackendError(
                f"{where} answered with something that is not JSON: {_snippet(raw)}",
                code="ml.bad_response",
            ) from None

    # -- protocol ------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """``GET /health`` (``GET /`` on servers without it); must say ``status: UP``."""
        data = self._call("GET", "/health", ok_404=True)
        if data is None:
            data = self._call("GET", "/")
        if not isinstance(data, Mapping) or str(data.get("status", "")).upper() != "UP":
            raise MLBackendError(
                f"ML backend {self.url} is not healthy: {data!r:.300}", code="ml.unhealthy"
            )
        if self.dialect == "auto":
            # 1.0.x servers report model_dir/v2; current ones report model_class
            self.dialect = "webhook" if "model_class" in data else "legacy"
        return dict(data)

    def setup(
        self, project_uid: str, label_config: str, *, hostname: str = "", access_token: str = ""
    ) -> str:
        """``POST /setup`` with the config; returns the model version the server reports."""
        data = self._call(
            "POST",
            "/setup",
            {
                "project": project_uid,
                "schema": label_config,
                "hostname": hostname,
                "access_token": access_token,
                "extra_params": self.extra_params,
            },
        )
        version = data.get("model_version") if isinstance(data, Mapping) else None
        return "" if version is None else str(version)

    def predict(
        self,
        tasks: Sequence[Mapping[str, Any]],
        *,
        project_uid: str,
        label_config: str,
        context: Mapping[str, Any] | None = None,
    ) -> PredictResponse:
        """``POST /predict``; ``results`` holds one entry per task when the server is right."""
        data = self._call(
            "POST",
            "/predict",
            {
                "tasks": list(tasks),
                "project": project_uid,
                "label_config": label_config,
                "params": {"login": None, "password": None, "context": context},
            },
        )
        if not isinstance(data, Mapping) or not isinstance(data.get("results"), list):
            raise MLBackendError(
                f"ML backend {self.url}: /predict answered without a 'results' list",
                code="ml.bad_response",
            )
        version = data.get("model_version")
        return PredictResponse(list(data["results"]), None if version is None else str(version))

    def webhook(self, action: str, payload: Mapping[str, Any]) -> Any:
        """``POST /webhook`` with a webhook body (annotation events, ``START_TRAINING``)."""
        return self._call("POST", "/webhook", {"action": action, **payload})

    def train(
        self, annotated_tasks: Sequence[Mapping[str, Any]], *, project_uid: str, label_config: str
    ) -> Any:
        """Legacy ``POST /train`` with the annotated tasks."""
        return self._call(
            "POST",
            "/train",
            {
                "annotations": list(annotated_tasks),
                "project": project_uid,
                "label_config": label_config,
                "params": {},
            },
        )


class HTTPPredictor:
    """A :class:`~labelcore.ml.predictor.Predictor` backed by an ML backend server.

    ``predict`` asks for a whole batch; when the server answers with the wrong number of
    results it asks again one task at a time (as Label Studio does), and a task whose own
    answer is still wrong gets a ``Rejected`` saying so."""

    def __init__(self, client: MLBackendClient, project_uid: str, model_version: str = ""):
        self.client = client
        self.project_uid = project_uid
        self.model_version = model_version

    def predict(
        self,
        tasks: Sequence[Mapping[str, Any]],
        config: LabelConfig,
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[Any]:
        resp = self.client.predict(
            tasks, project_uid=self.project_uid, label_config=config.xml, context=context
        )
        if len(resp.results) == len(tasks):
            return [self._versioned(r, resp.model_version) for r in resp.results]
        if len(tasks) == 1:
            return [
                Rejected(
                    "prediction.count",
                    f"the ML backend returned {len(resp.results)} results for 1 task",
                )
            ]
        out: list[Any] = []
        for task in tasks:
            out.extend(self.predict([task], config, context=context))
        return out

    def _versioned(self, item: Any, version: str | None) -> Any:
        if version and isinstance(item, dict) and "model_version" not in item:
            return {**item, "model_version": version}
        return item

    def fit(self, event: str, data: Mapping[str, Any]) -> Any:
        """Forward an event: ``START_TRAINING`` to ``/webhook`` (current servers) or
        ``/train`` (legacy servers, with ``data["tasks"]``); others to ``/webhook``.

        ``label-studio-ml`` 1.0.9 in its default mode answers ``/train`` with a server
        error and trains on webhook events instead (``ANNOTATION_*``, ``PROJECT_UPDATED``):
        for such a server, training falls back to ``PROJECT_UPDATED`` on ``/webhook``."""
        payload = {k: v for k, v in data.items() if k not in ("tasks", "label_config")}
        if event == "START_TRAINING" and self.client.dialect == "legacy":
            try:
                answer = self.client.train(
                    list(data.get("tasks") or ()),
                    project_uid=self.project_uid,
                    label_config=str(data.get("label_config", "")),
                )
                return {"via": "/train", "answer": answer}
            except MLBackendError as exc:
                if exc.code != "ml.http_error":
                    raise
            answer = self.client.webhook("PROJECT_UPDATED", payload)
            return {"via": "/webhook PROJECT_UPDATED", "answer": answer}
        return {"via": "/webhook", "answer": self.client.webhook(event, payload)}
