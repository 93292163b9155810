"""MemoryStore's ML backend rows (private: use ``labelcore.storage.memory.MemoryStore``).

store = MemoryStore(); pid = store.add_project(settings, None).id
backend = store.add_ml_backend(MLBackendRecord(id=0, project_id=pid, title="m", url=url))
store.list_ml_backends(pid)
"""

from __future__ import annotations

from collections.abc import Collection

import attrs

from labelcore.errors import NotFound
from labelcore.model import MLBackendRecord
from labelcore.storage._memory_base import MemoryBase, jcopy


class MemoryML(MemoryBase):
    def add_ml_backend(self, backend: MLBackendRecord) -> MLBackendRecord:
        with self.transaction():
            self._require_project(backend.project_id)
            row = attrs.evolve(
                backend,
                id=self._next_id("ml_backends"),
                extra_params=jcopy(dict(backend.extra_params), "extra_params"),
            )
            self._put("ml_backends", row.id, row)
            return row

    def get_ml_backend(self, backend_id: int) -> MLBackendRecord | None:
        with self._lock:
            row: MLBackendRecord | None = self._t["ml_backends"].get(backend_id)
            return row

    def list_ml_backends(self, project_id: int | None = None) -> list[MLBackendRecord]:
        with self._lock:
            return [
                b
                for _, b in sorted(self._t["ml_backends"].items())
                if project_id is None or b.project_id == project_id
            ]

    def update_ml_backend(self, backend: MLBackendRecord) -> MLBackendRecord:
        with self.transaction():
            old: MLBackendRecord | None = self._t["ml_backends"].get(backend.id)
            if old is None:
                raise NotFound(f"ML backend {backend.id} does not exist", code="ml.not_found")
            row = attrs.evolve(
                backend,
                project_id=old.project_id,
                created_at=old.created_at,
                extra_params=jcopy(dict(backend.extra_params), "extra_params"),
            )
            self._put("ml_backends", row.id, row)
            return row

    def delete_ml_backends(self, backend_ids: Collection[int]) -> int:
        with self.transaction():
            return sum(self._del("ml_backends", i) for i in set(backend_ids))
