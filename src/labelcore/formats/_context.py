"""The state one export run shares between its parts: config facts, options, warnings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from labelcore.formats._files import LocalMedia
from labelcore.formats._items import ExportOptions
from labelcore.formats._schema import Schema


@attrs.define
class Context:
    schema: Schema
    options: ExportOptions
    media: LocalMedia | None = None
    warnings: list[str] = attrs.field(factory=list)
    tasks: int = 0  # tasks written
    on_task: Callable[[int], None] | None = None
    max_warnings: int = 100

    def warn(self, message: str) -> None:
        if len(self.warnings) < self.max_warnings:
            self.warnings.append(message)
        elif len(self.warnings) == self.max_warnings:
            self.warnings.append("... more warnings left out")

    def counted(self, n: int = 1) -> None:
        self.tasks += n
        if self.on_task is not None:
            self.on_task(self.tasks)

    @property
    def now(self) -> dt.datetime:
        return self.options.now or dt.datetime.now(dt.UTC)

    @property
    def data_key(self) -> str | None:
        return self.schema.data_keys[0] if self.schema.data_keys else None

    def object_for_key(self, key: str | None) -> str | None:
        """The name of the (first) object tag reading ``key``."""
        for objs in self.schema.inputs.values():
            for obj in objs:
                if obj.data_key == key:
                    return obj.name
        return None
