"""Project settings: applying field changes with type checks, and the value rules.

s = apply_settings(ProjectSettings(), {"title": "NER", "maximum_annotations": 2})
check_settings(s)      # [] or problem dicts {"field", "code", "message"}
cohort_overlaps(task_ids_by_annotations, s)   # overlap per task for the cohort rule
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from labelcore.errors import ValidationError
from labelcore.model import AssignmentMode, ProjectSettings, Sampling, SkipQueue

TITLE_MIN, TITLE_MAX = 3, 50  # Label Studio's project title limits
DESCRIPTION_MAX = 10_000
INSTRUCTIONS_MAX = 200_000
LABEL_CONFIG_MAX = 1_000_000
MAX_OVERLAP = 1_000
MAX_LOCK_TTL = 7 * 24 * 3600

_FIELDS = {f.name: f for f in attrs.fields(ProjectSettings)}
_ENUMS: dict[str, type[enum.StrEnum]] = {
    "sampling": Sampling,
    "skip_queue": SkipQueue,
    "assignment_mode": AssignmentMode,
}
# Label Studio's spellings of the enum values
_ALIASES = {
    "sequential sampling": "sequential",
    "uniform sampling": "uniform",
    "uncertainty sampling": "uncertainty",
}
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _problem(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": f"{field}: {message}"}


def _coerce(name: str, value: Any) -> tuple[Any, dict[str, Any] | None]:
    default = _FIELDS[name].default
    if name in _ENUMS:
        enum_type = _ENUMS[name]
        if isinstance(value, str):
            key = _ALIASES.get(value.lower(), value.lower())
            try:
                return enum_type(key), None
            except ValueError:
                pass
        allowed = ", ".join(m.value for m in enum_type)
        return None, _problem(name, "project.invalid_choice", f"must be one of {allowed}")
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, None
        return None, _problem(name, "project.invalid_type", "must be true or false")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, _problem(name, "project.invalid_type", "must be an integer")
    if isinstance(default, str):
        if isinstance(value, str):
            return value, None
        return None, _problem(name, "project.invalid_type", "must be a string")
    return value, None


def apply_settings(base: ProjectSettings, fields: Mapping[str, Any]) -> ProjectSettings:
    """``base`` with ``fields`` (ProjectSettings attribute names) changed. Unknown names and
    values of the wrong type raise ``ValidationError`` listing every problem."""
    problems: list[dict[str, Any]] = []
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in _FIELDS:
            problems.append(_problem(name, "project.unknown_setting", "no such project setting"))
            continue
        coerced, problem = _coerce(name, value)
        if problem is not None:
            problems.append(problem)
        else:
            changes[name] = coerced
    raise_problems(problems)
    return attrs.evolve(base, **changes)


def check_settings(s: ProjectSettings) -> list[dict[str, Any]]:
    """Every rule a settings value breaks (the label config itself is checked elsewhere)."""
    out: list[dict[str, Any]] = []
    title = s.title.strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        out.append(
            _problem(
                "title",
                "project.title_length",
                f"must be {TITLE_MIN} to {TITLE_MAX} characters, got {len(title)}",
            )
        )
    for name, limit in (
        ("description", DESCRIPTION_MAX),
        ("instructions", INSTRUCTIONS_MAX),
        ("label_config", LABEL_CONFIG_MAX),
    ):
        if len(getattr(s, name)) > limit:
            out.append(_problem(name, "project.too_long", f"is longer than {limit} characters"))
    ranges = {
        "maximum_annotations": (1, MAX_OVERLAP),
        "overlap_cohort_percentage": (1, 100),
        "lock_ttl_seconds": (1, MAX_LOCK_TTL),
        "reviews_per_annotation": (1, MAX_OVERLAP),
        "min_annotations_to_start_training": (0, 10**9),
    }
    for name, (low, high) in ranges.items():
        value = getattr(s, name)
        if not low <= value <= high:
            out.append(
                _problem(name, "project.out_of_range", f"must be {low} to {high}, got {value}")
            )
    if not _COLOR.match(s.color):
        out.append(_problem("color", "project.invalid_color", "must look like #RRGGBB"))
    if len(s.model_version) > 200:
        out.append(_problem("model_version", "project.too_long", "is longer than 200 characters"))
    return out


def raise_problems(problems: list[dict[str, Any]], what: str = "invalid project settings") -> None:
    if problems:
        raise ValidationError(
            f"{what}: " + "; ".join(p["message"] for p in problems),
            code=problems[0]["code"] if len(problems) == 1 else "project.invalid",
            errors=problems,
        )


def cohort_overlaps(
    ids_most_annotated_first: Iterable[int], s: ProjectSettings, total: int
) -> dict[int, int]:
    """Overlap per task: ``overlap_cohort_percentage`` percent of the tasks (those with the
    most annotations first, so work already done keeps counting) get
    ``maximum_annotations``, the rest 1 (Label Studio's overlap cohort rule)."""
    full = int(total * s.overlap_cohort_percentage / 100 + 0.5)  # Label Studio rounds half up
    return {
        task_id: (s.maximum_annotations if i < full else 1)
        for i, task_id in enumerate(ids_most_annotated_first)
    }
