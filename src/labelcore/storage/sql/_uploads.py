"""SQLStore's kept file uploads (private: use ``labelcore.storage.sql.SQLStore``).

store = SQLStore("sqlite:///labelcore.db"); store.migrate()
new = FileUpload(id=0, project_id=pid, user_id=1, filename="t.csv")
upload = store.add_file_upload(new, data)
store.file_upload_content(upload.id)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from labelcore.errors import NotFound
from labelcore.model import FileUpload
from labelcore.storage.sql._base import SQLBase, chunks
from labelcore.storage.sql.tables import FILE_UPLOADS

U = FILE_UPLOADS
_META = [c for c in U.c if c.name != "content"]  # listings never load the bytes


def _upload(row: Any) -> FileUpload:
    return FileUpload(
        id=row.id,
        project_id=row.project_id,
        user_id=row.user_id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        task_count=row.task_count,
        task_ids=tuple(row.task_ids),
        created_at=row.created_at,
    )


class SQLUploads(SQLBase):
    def add_file_upload(self, upload: FileUpload, content: bytes) -> FileUpload:
        with self._tx() as conn:
            self._project_row(conn, upload.project_id)
            row = conn.execute(
                sa.insert(U)
                .values(
                    project_id=upload.project_id,
                    user_id=upload.user_id,
                    filename=upload.filename,
                    content_type=upload.content_type,
                    size=len(content),
                    task_count=upload.task_count,
                    task_ids=list(upload.task_ids),
                    content=bytes(content),
                    created_at=upload.created_at,
                )
                .returning(*_META)
            ).one()
            return _upload(row)

    def get_file_upload(self, upload_id: int) -> FileUpload | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(*_META).where(U.c.id == upload_id)).first()
            return None if row is None else _upload(row)

    def file_upload_content(self, upload_id: int) -> bytes | None:
        with self._tx(write=False) as conn:
            content = conn.execute(sa.select(U.c.content).where(U.c.id == upload_id)).scalar()
            return None if content is None else bytes(content)

    def list_file_uploads(
        self, project_id: int, ids: Collection[int] | None = None
    ) -> list[FileUpload]:
        stmt = sa.select(*_META).where(U.c.project_id == project_id).order_by(U.c.id)
        with self._tx(write=False) as conn:
            if ids is None:
                return [_upload(r) for r in conn.execute(stmt)]
            rows = [r for b in chunks(set(ids)) for r in conn.execute(stmt.where(U.c.id.in_(b)))]
            return sorted((_upload(r) for r in rows), key=lambda u: u.id)

    def set_file_upload_tasks(self, upload_id: int, task_ids: Collection[int]) -> FileUpload:
        with self._tx() as conn:
            row = conn.execute(
                sa.update(U)
                .where(U.c.id == upload_id)
                .values(task_ids=list(task_ids))
                .returning(*_META)
            ).first()
            if row is None:
                raise NotFound(f"file upload {upload_id} does not exist", code="upload.not_found")
            return _upload(row)

    def delete_file_uploads(self, upload_ids: Collection[int]) -> int:
        with self._tx() as conn:
            return sum(
                conn.execute(sa.delete(U).where(U.c.id.in_(b))).rowcount
                for b in chunks(set(upload_ids))
            )
