"""Value rules for classification results: choices, taxonomy, text, number, rating, ranker.

from labelcore.config.classify import rating
rating(control, {"rating": 9}, report)   # calls report(code, message) per broken rule
# e.g. report("result.out_of_range", "rating 9 is outside 1..5 (maxRating)")
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from labelcore.config.model import ControlTag
from labelcore.config.values import integer, num

Report = Callable[[str, str], None]


def known(
    control: ControlTag,
    found: list[str],
    report: Report,
    labels: tuple[str, ...] | frozenset[str] | None = None,
) -> None:
    if control.dynamic_labels:
        return
    if isinstance(labels, frozenset):
        allowed: Collection[str] = labels
    else:
        allowed = set(control.labels if labels is None else labels)
    unknown = [x for x in found if x not in allowed]
    if unknown:
        report(
            "result.unknown_label",
            f"labels {unknown[:5]} are not in the config; valid: {sorted(allowed)[:20]}",
        )


def choices(control: ControlTag, value: Mapping[str, Any], report: Report) -> None:
    found = value.get("choices")
    nested = control.attrs.get("allownested", "").lower() == "true"
    if not isinstance(found, list):
        report("result.bad_value", "'choices' must be a list")
        return
    flat: list[str] = []
    for entry in found:
        if isinstance(entry, str):
            flat.append(entry)
        elif (
            nested and isinstance(entry, list) and entry and all(isinstance(x, str) for x in entry)
        ):
            flat.extend(entry)
        else:
            shape = "strings or lists of strings (allowNested)" if nested else "strings"
            report("result.bad_value", f"'choices' must hold {shape}")
            return
    if len(found) > 1 and control.choice in ("single", "single-radio"):
        report(
            "result.single_choice",
            f'{len(found)} choices on a choice="{control.choice}" control',
        )
    known(control, flat, report)


def taxonomy(control: ControlTag, value: Mapping[str, Any], report: Report) -> None:
    found = value.get("taxonomy")
    if not isinstance(found, list) or not all(
        isinstance(p, list) and p and all(isinstance(x, str) for x in p) for p in found
    ):
        report(
            "result.bad_value",
            "'taxonomy' must be a list of paths (non-empty lists of strings)",
        )
        return
    if len(found) > 1 and control.choice == "single":
        report("result.single_choice", f'{len(found)} paths on a choice="single" taxonomy')
    if control.attrs.get("legacy", "").lower() != "true":
        known(control, [x for p in found for x in p], report)


def textarea(control: ControlTag, value: Mapping[str, Any], report: Report) -> None:
    found = value.get("text")
    texts = [found] if isinstance(found, str) else found
    if not isinstance(texts, list) or not all(isinstance(x, str) for x in texts):
        report("result.bad_value", "'text' must be a list of strings")
        return
    limit = integer(num(attr_number(control.attrs.get("maxsubmissions"))))
    if limit is not None and limit > 0 and len(texts) > limit:
        report("result.too_many_submissions", f"{len(texts)} texts, maxSubmissions is {limit}")


def number(control: ControlTag, value: Mapping[str, Any], report: Report) -> None:
    found = num(value.get("number"))
    if found is None:
        report("result.bad_value", "'number' must be a number")
        return
    lo, hi = attr_number(control.attrs.get("min")), attr_number(control.attrs.get("max"))
    if (lo is not None and found < lo) or (hi is not None and found > hi):
        report("result.out_of_range", f"number {found:g} is outside min..max {lo}..{hi}")


def rating(control: ControlTag, value: Mapping[str, Any], report: Report) -> None:
    found = integer(value.get("rating"))
    top = integer(attr_number(control.attrs.get("maxrating")))
    top = 5 if top is None else top
    if found is None:
        report("result.bad_value", "'rating' must be an integer")
    elif not 1 <= found <= top:
        report("result.out_of_range", f"rating {found} is outside 1..{top} (maxRating)")


def ranker(control: ControlTag, value: Mapping[str, Any], report: Report) -> None:
    found = value.get("ranker")
    if not isinstance(found, dict):
        report("result.bad_value", "'ranker' must be an object of lists of item ids")
        return
    keys = set(control.buckets) | {"_", control.name}
    for raw_key, ids in found.items():
        key = str(raw_key)[:60]
        if raw_key not in keys:
            report(
                "result.unknown_label",
                f"ranker key '{key}' is not a bucket; buckets: {sorted(keys)}",
            )
        if not isinstance(ids, list) or not all(
            isinstance(x, str | int) and not isinstance(x, bool) for x in ids
        ):
            report("result.bad_value", f"ranker['{key}'] must be a list of item ids")


def attr_number(raw: str | None) -> float | None:
    """A config attribute as a finite number, or None."""
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
