"""What the config engine reports: config, result, task-data and config-change problems.

from labelcore.config import parse_config
problems = parse_config(xml).validate_result(result)
for p in problems: print(p.code, p.region, p.control, p.message)
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class ConfigProblem:
    """One thing wrong with a labeling config; ``code`` is stable (see docs/config-errors.md)."""

    code: str
    message: str
    tag: str | None = None
    attribute: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class ResultProblem:
    """One thing wrong with a result list: the region index, the control and the rule broken."""

    code: str
    message: str
    region: int | None = None
    control: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class DataProblem:
    """Task data that does not fit the config: a missing key or a value of the wrong type."""

    code: str
    message: str
    key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class Incompatibility:
    """A control or label existing annotations use that a new config drops (with the count)."""

    code: str
    message: str
    control: str
    label: str | None = None
    count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)
