"""MemoryStore's kept file uploads (private: use ``labelcore.storage.memory.MemoryStore``).

store = MemoryStore(); pid = store.add_project(settings, None).id
new = FileUpload(id=0, project_id=pid, user_id=1, filename="t.csv")
upload = store.add_file_upload(new, b"text\\nhi\\n")
store.file_upload_content(upload.id)
"""

from __future__ import annotations

from collections.abc import Collection

import attrs

from labelcore.errors import NotFound
from labelcore.model import FileUpload
from labelcore.storage._memory_base import MemoryBase


class MemoryUploads(MemoryBase):
    def add_file_upload(self, upload: FileUpload, content: bytes) -> FileUpload:
        with self.transaction():
            self._require_project(upload.project_id)
            row = attrs.evolve(upload, id=self._next_id("file_uploads"), size=len(content))
            self._put("file_uploads", row.id, row)
            self._put("upload_content", row.id, bytes(content))
            return row

    def get_file_upload(self, upload_id: int) -> FileUpload | None:
        with self._lock:
            row: FileUpload | None = self._t["file_uploads"].get(upload_id)
            return row

    def file_upload_content(self, upload_id: int) -> bytes | None:
        with self._lock:
            content: bytes | None = self._t["upload_content"].get(upload_id)
            return content

    def list_file_uploads(
        self, project_id: int, ids: Collection[int] | None = None
    ) -> list[FileUpload]:
        with self._lock:
            return [
                u
                for _, u in sorted(self._t["file_uploads"].items())
                if u.project_id == project_id and (ids is None or u.id in ids)
            ]

    def set_file_upload_tasks(self, upload_id: int, task_ids: Collection[int]) -> FileUpload:
        with self.transaction():
            old: FileUpload | None = self._t["file_uploads"].get(upload_id)
            if old is None:
                raise NotFound(f"file upload {upload_id} does not exist", code="upload.not_found")
            row = attrs.evolve(old, task_ids=tuple(task_ids))
            self._put("file_uploads", upload_id, row)
            return row

    def delete_file_uploads(self, upload_ids: Collection[int]) -> int:
        with self.transaction():
            gone = 0
            for i in set(upload_ids):
                self._del("upload_content", i)
                gone += self._del("file_uploads", i)
            return gone
