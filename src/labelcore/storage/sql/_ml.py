"""SQLStore's ML backend rows (private: use ``labelcore.storage.sql.SQLStore``).

store = SQLStore("sqlite:///labelcore.db"); store.migrate()
backend = store.add_ml_backend(MLBackendRecord(id=0, project_id=pid, title="m", url=url))
store.list_ml_backends(pid)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from labelcore.errors import NotFound
from labelcore.model import MLBackendRecord
from labelcore.storage.sql._base import SQLBase, chunks
from labelcore.storage.sql.tables import ML_BACKENDS

_FIELDS = (
    "title",
    "url",
    "description",
    "is_interactive",
    "auth_method",
    "basic_auth_user",
    "basic_auth_pass",
    "timeout",
    "model_version",
    "state",
    "error_message",
    "dialect",
)


def _backend(row: Any) -> MLBackendRecord:
    return MLBackendRecord(
        id=row.id,
        project_id=row.project_id,
        title=row.title,
        url=row.url,
        description=row.description,
        is_interactive=bool(row.is_interactive),
        auth_method=row.auth_method,
        basic_auth_user=row.basic_auth_user,
        basic_auth_pass=row.basic_auth_pass,
        extra_params=dict(row.extra_params),
        timeout=float(row.timeout),
        model_version=row.model_version,
        state=row.state,
        error_message=row.error_message,
        dialect=row.dialect,
        created_at=row.created_at,
    )


def _values(backend: MLBackendRecord) -> dict[str, Any]:
    out = {name: getattr(backend, name) for name in _FIELDS}
    out["extra_params"] = dict(backend.extra_params)
    return out


class SQLML(SQLBase):
    def add_ml_backend(self, backend: MLBackendRecord) -> MLBackendRecord:
        with self._tx() as conn:
            self._project_row(conn, backend.project_id)
            row = conn.execute(
                sa.insert(ML_BACKENDS)
                .values(
                    project_id=backend.project_id,
                    created_at=backend.created_at,
                    **_values(backend),
                )
                .returning(*ML_BACKENDS.c)
            ).one()
            return _backend(row)

    def get_ml_backend(self, backend_id: int) -> MLBackendRecord | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(ML_BACKENDS).where(ML_BACKENDS.c.id == backend_id)).first()
            return None if row is None else _backend(row)

    def list_ml_backends(self, project_id: int | None = None) -> list[MLBackendRecord]:
        stmt, params = self._select_eq(ML_BACKENDS, "id", (("project_id", project_id),))
        with self._tx(write=False, snapshot=False) as conn:
            return [_backend(r) for r in conn.execute(stmt, params)]

    def update_ml_backend(self, backend: MLBackendRecord) -> MLBackendRecord:
        with self._tx() as conn:
            row = conn.execute(
                sa.update(ML_BACKENDS)
                .where(ML_BACKENDS.c.id == backend.id)
                .values(_values(backend))
                .returning(*ML_BACKENDS.c)
            ).first()
            if row is None:
                raise NotFound(f"ML backend {backend.id} does not exist", code="ml.not_found")
            return _backend(row)

    def delete_ml_backends(self, backend_ids: Collection[int]) -> int:
        with self._tx() as conn:
            return sum(
                conn.execute(sa.delete(ML_BACKENDS).where(ML_BACKENDS.c.id.in_(b))).rowcount
                for b in chunks(set(backend_ids))
            )
