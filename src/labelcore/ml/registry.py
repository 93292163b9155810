"""ML backends per project: in-process predictors and Label Studio ML backend servers.

    registry = BackendRegistry(core)       # MLManager is one, with jobs on top
    backend = registry.connect(project.id, "http://models.internal:9090")
    registry.list_backends(project.id)

Backends are stored (``Store.add_ml_backend``...), so connected servers survive restarts,
basic-auth password included (never returned). In-process predictors are Python objects:
the host registers them again at start-up and they keep their stored id (same project and
title).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import attrs

from labelcore import _converter
from labelcore.errors import NotFound, ValidationError
from labelcore.ml.client import HTTPPredictor, MLBackendClient
from labelcore.ml.predictor import Predictor, accepts_context
from labelcore.model import MLBackendRecord, Project, utcnow
from labelcore.net import NetPolicy, check_url

__all__ = ["BackendRegistry", "MLBackend", "project_uid"]


@attrs.frozen(kw_only=True)
class MLBackend:
    """A model connected to a project (Label Studio's ``MLBackend`` fields).

    ``state``: ``CO`` connected, ``ER`` error, ``TR`` training, ``PR`` predicting.
    ``url`` is None for an in-process predictor."""

    id: int
    project_id: int
    title: str
    url: str | None = None
    description: str = ""
    is_interactive: bool = False
    auth_method: str = "NONE"
    basic_auth_user: str = ""
    extra_params: Mapping[str, Any] = attrs.field(factory=dict)
    timeout: float = 100.0
    model_version: str = ""
    state: str = "CO"
    error_message: str = ""
    dialect: str = ""
    created_at: Any = attrs.field(factory=utcnow)

    def to_json(self) -> dict[str, Any]:
        out = attrs.asdict(self)
        out["project"] = out.pop("project_id")
        out["extra_params"] = dict(self.extra_params)
        out["created_at"] = _converter.dt_to_json(self.created_at)
        return out

    @classmethod
    def from_record(cls, record: MLBackendRecord) -> MLBackend:
        """The public view of a stored backend (without the password)."""
        fields = attrs.asdict(record, recurse=False)
        fields.pop("basic_auth_pass")
        fields["extra_params"] = dict(record.extra_params)
        return cls(**fields)


def project_uid(project: Project) -> str:
    """Label Studio's project id for ML backends: ``"<id>.<created_at epoch>"``."""
    return f"{project.id}.{int(project.created_at.timestamp())}"


class BackendRegistry:
    """Which models serve which project. ``core`` needs ``store`` and ``net_policy``."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self.store = core.store
        self._lock = threading.Lock()
        self._predictors: dict[int, Predictor] = {}  # live objects; HTTP ones rebuilt on use

    # -- registration ------------------------------------------------------------------------
    def register_predictor(
        self,
        project_id: int,
        predictor: Predictor,
        *,
        title: str = "",
        is_interactive: bool | None = None,
    ) -> MLBackend:
        """Attach an in-process model to a project."""
        self._project(project_id)
        if not callable(getattr(predictor, "predict", None)):
            raise ValidationError(
                "a predictor needs a predict(tasks, config) method", code="ml.predictor"
            )
        name = title or type(predictor).__name__
        record = MLBackendRecord(
            id=0,
            project_id=project_id,
            title=name,
            is_interactive=accepts_context(predictor) if is_interactive is None else is_interactive,
            model_version=str(getattr(predictor, "model_version", "") or ""),
        )
        with self._lock:
            live = set(self._predictors)
        same = [
            b
            for b in self.store.list_ml_backends(project_id)
            if b.url is None and b.title == name and b.id not in live
        ]
        if same:  # registered again after a restart: keep its id
            record = self.store.update_ml_backend(
                attrs.evolve(record, id=same[0].id, created_at=same[0].created_at)
            )
        else:
            record = self.store.add_ml_backend(record)
        return self._put(record, predictor)

    def connect(
        self,
        project_id: int,
        url: str,
        *,
        title: str = "",
        description: str = "",
        basic_auth: tuple[str, str] | None = None,
        extra_params: Mapping[str, Any] | None = None,
        timeout: float = 100.0,
        is_interactive: bool = False,
        dialect: str = "auto",
    ) -> MLBackend:
        """Connect a Label Studio ML backend: SSRF check, ``/health``, ``/setup`` with the
        project's config. Raises ``UnsafeURL`` or ``MLBackendError`` (readable) and stores
        nothing when any step fails."""
        return self._connect(
            project_id,
            url,
            title=title,
            description=description,
            basic_auth=basic_auth,
            extra_params=extra_params,
            timeout=timeout,
            is_interactive=is_interactive,
            dialect=dialect,
            backend_id=None,
        )

    def _connect(
        self,
        project_id: int,
        url: str,
        *,
        title: str,
        description: str,
        basic_auth: tuple[str, str] | None,
        extra_params: Mapping[str, Any] | None,
        timeout: float,
        is_interactive: bool,
        dialect: str,
        backend_id: int | None,
    ) -> MLBackend:
        project = self._project(project_id)
        client = self._client(url, basic_auth, extra_params, timeout, dialect)
        client.health()
        version = client.setup(project_uid(project), project.settings.label_config)
        record = MLBackendRecord(
            id=0 if backend_id is None else backend_id,
            project_id=project_id,
            title=title or url,
            url=client.url,
            description=description,
            is_interactive=is_interactive,
            auth_method="BASIC_AUTH" if basic_auth else "NONE",
            basic_auth_user=basic_auth[0] if basic_auth else "",
            basic_auth_pass=basic_auth[1] if basic_auth else "",
            extra_params=dict(extra_params or {}),
            timeout=timeout,
            model_version=version,
            dialect=client.dialect,
        )
        if backend_id is None:
            record = self.store.add_ml_backend(record)
        else:
            old = self._record(backend_id)
            record = self.store.update_ml_backend(attrs.evolve(record, created_at=old.created_at))
        return self._put(record, HTTPPredictor(client, project_uid(project), version))

    def connect_json(self, project_id: int, data: Mapping[str, Any]) -> MLBackend:
        """``connect`` from Label Studio's ``/api/ml`` fields: ``url``, ``title``,
        ``description``, ``is_interactive``, ``auth_method`` (``NONE``/``BASIC_AUTH``),
        ``basic_auth_user``, ``basic_auth_pass``, ``extra_params``, ``timeout``."""
        if not isinstance(data, Mapping):
            raise ValidationError("an ML backend is a JSON object", code="ml.invalid")
        auth = str(data.get("auth_method") or "NONE").upper()
        if auth not in ("NONE", "BASIC_AUTH"):
            raise ValidationError("auth_method must be NONE or BASIC_AUTH", code="ml.auth")
        basic: tuple[str, str] | None = None
        if auth == "BASIC_AUTH":
            user, password = data.get("basic_auth_user"), data.get("basic_auth_pass")
            if not isinstance(user, str) or not user or not isinstance(password, str):
                raise ValidationError(
                    "BASIC_AUTH needs basic_auth_user and basic_auth_pass", code="ml.auth"
                )
            basic = (user, password)
        timeout = data.get("timeout", 100.0)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            raise ValidationError("timeout must be a number of seconds", code="ml.timeout")
        return self.connect(
            project_id,
            str(data.get("url") or ""),
            title=str(data.get("title") or ""),
            description=str(data.get("description") or ""),
            basic_auth=basic,
            extra_params=data.get("extra_params") or {},
            timeout=float(timeout),
            is_interactive=bool(data.get("is_interactive", False)),
        )

    def reconnect(
        self,
        backend_id: int,
        *,
        url: str | None = None,
        basic_auth: tuple[str, str] | None | bool = True,
        extra_params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> MLBackend:
        """Connect an HTTP backend again (after its server changed, or with a new URL,
        auth, params or timeout; ``basic_auth=True`` keeps the current credentials, None
        drops them). On failure the old connection stays as it was."""
        old = self._record(backend_id)
        if old.url is None:
            raise ValidationError(
                "an in-process predictor has no URL to connect", code="ml.not_http"
            )
        current = (old.basic_auth_user, old.basic_auth_pass) if old.basic_auth_user else None
        return self._connect(
            old.project_id,
            url or old.url,
            title=old.title,
            description=old.description,
            basic_auth=current if basic_auth is True else (basic_auth or None),
            extra_params=old.extra_params if extra_params is None else extra_params,
            timeout=old.timeout if timeout is None else timeout,
            is_interactive=old.is_interactive,
            dialect="auto",
            backend_id=backend_id,
        )

    def _client(
        self,
        url: str,
        basic_auth: tuple[str, str] | None,
        extra_params: Mapping[str, Any] | None,
        timeout: float,
        dialect: str,
    ) -> MLBackendClient:
        if not isinstance(url, str) or not url.strip():
            raise ValidationError("url is required", code="ml.url")
        if not 0 < timeout <= 3600:
            raise ValidationError("timeout must be between 0 and 3600 seconds", code="ml.timeout")
        if extra_params is not None and not isinstance(extra_params, Mapping):
            raise ValidationError("extra_params must be an object", code="ml.extra_params")
        check_url(url.strip(), self._policy())
        return MLBackendClient(
            url.strip(),
            net_policy=self._policy(),
            basic_auth=basic_auth,
            extra_params=extra_params,
            timeout=timeout,
            dialect=dialect,
        )

    def _policy(self) -> NetPolicy:
        policy = getattr(self.core, "net_policy", None)
        return policy if isinstance(policy, NetPolicy) else NetPolicy()

    def _put(self, record: MLBackendRecord, predictor: Predictor) -> MLBackend:
        with self._lock:
            self._predictors[record.id] = predictor
        return MLBackend.from_record(record)

    def _record(self, backend_id: int) -> MLBackendRecord:
        record: MLBackendRecord | None = self.store.get_ml_backend(backend_id)
        if record is None:
            raise NotFound(f"ML backend {backend_id} not found", code="ml.not_found")
        return record

    def list_backends(self, project_id: int | None = None) -> list[MLBackend]:
        """Stored servers and the in-process predictors registered in this process."""
        with self._lock:
            live = set(self._predictors)
        return [
            MLBackend.from_record(r)
            for r in self.store.list_ml_backends(project_id)
            if r.url is not None or r.id in live
        ]

    def get_backend(self, backend_id: int) -> MLBackend:
        return MLBackend.from_record(self._record(backend_id))

    def update_backend(
        self,
        backend_id: int,
        *,
        title: str | None = None,
        description: str | None = None,
        is_interactive: bool | None = None,
    ) -> MLBackend:
        """Change descriptive fields (``reconnect`` changes the URL, auth or params)."""
        self.get_backend(backend_id)
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = str(title)
        if description is not None:
            changes["description"] = str(description)
        if is_interactive is not None:
            changes["is_interactive"] = bool(is_interactive)
        return self._set(backend_id, **changes)

    def remove_backend(self, backend_id: int) -> None:
        self._record(backend_id)
        self.store.delete_ml_backends([backend_id])
        with self._lock:
            self._predictors.pop(backend_id, None)

    def _set(self, backend_id: int, **changes: Any) -> MLBackend:
        record = attrs.evolve(self._record(backend_id), **changes)
        return MLBackend.from_record(self.store.update_ml_backend(record))

    def _predictor(self, record: MLBackendRecord) -> Predictor:
        """The live model of a backend: an HTTP one is rebuilt from its stored row (after a
        restart); an in-process one must have been registered in this process."""
        with self._lock:
            found = self._predictors.get(record.id)
        if found is not None:
            return found
        if record.url is None:
            raise NotFound(
                f"ML backend {record.id} ({record.title}) is an in-process predictor not "
                "registered in this process",
                code="ml.not_registered",
            )
        client = MLBackendClient(
            record.url,
            net_policy=self._policy(),
            basic_auth=(record.basic_auth_user, record.basic_auth_pass)
            if record.auth_method == "BASIC_AUTH"
            else None,
            extra_params=record.extra_params,
            timeout=record.timeout,
            dialect=record.dialect or "auto",
        )
        predictor = HTTPPredictor(
            client, project_uid(self._project(record.project_id)), record.model_version
        )
        with self._lock:
            return self._predictors.setdefault(record.id, predictor)

    def _pick(self, project_id: int, backend_id: int | None) -> tuple[MLBackend, Predictor]:
        if backend_id is not None:
            backend = self.get_backend(backend_id)
            if backend.project_id != project_id:
                raise NotFound(f"ML backend {backend_id} not found", code="ml.not_found")
        else:
            found = self.list_backends(project_id)
            if not found:
                raise NotFound(f"project {project_id} has no ML backend", code="ml.not_found")
            backend = found[0]
        return backend, self._predictor(self._record(backend.id))

    def _project(self, project_id: int) -> Project:
        project: Project | None = self.store.get_project(project_id)
        if project is None:
            raise NotFound(f"project {project_id} not found", code="project.not_found")
        return project
