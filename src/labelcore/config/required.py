"""Required controls: which ones a result list leaves empty, with visibility rules applied.

cfg = parse_config(xml)
for p in cfg.missing_required(annotation["result"]):
    print(p.control, p.message)          # result.required_missing
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labelcore.config.problems import ResultProblem

if TYPE_CHECKING:
    from labelcore.config.model import ControlTag, LabelConfig

_CLASSIFY = {"choices", "textarea", "number", "rating", "datetime", "taxonomy"}


def _csv(raw: str | None) -> set[str]:
    return {part.strip() for part in (raw or "").split(",") if part.strip()}


def _items(result: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(result, list):
        return []
    return [
        (i, r)
        for i, r in enumerate(result)
        if isinstance(r, dict) and isinstance(r.get("from_name"), str)
    ]


def missing_required(cfg: LabelConfig, result: Any) -> list[ResultProblem]:
    """Problems for required controls with no result; hidden controls are not required.

    ``visibleWhen="choice-selected"``/``"choice-unselected"`` (with ``whenTagName`` and
    ``whenChoiceValue``) are decided from the result's choices; a perRegion control is required
    on every region it applies to (``whenTagName``/``whenLabelValue`` narrow that); a control
    shown only while a region is selected and not perRegion is not checked. Repeater controls
    are not checked (their count depends on the task).
    """
    items = _items(result)
    chosen: dict[str, set[str]] = {}
    for _, item in items:
        value = item.get("value")
        picks = value.get("choices") if isinstance(value, Mapping) else None
        if isinstance(picks, list):
            flat = {str(x) for p in picks for x in (p if isinstance(p, list) else [p])}
            chosen.setdefault(item["from_name"], set()).update(flat)
    problems: list[ResultProblem] = []
    for control in cfg.controls.values():
        if control.attrs.get("required", "").lower() != "true" or control.index_flag:
            continue
        state = _visible(control, chosen)
        if state == "hidden":
            continue
        message = control.attrs.get("requiredmessage") or f"'{control.name}' is required"
        if control.per_region:
            problems += _per_region(cfg, control, items, message)
        elif state == "shown" and not any(control.matches(item["from_name"]) for _, item in items):
            problems.append(ResultProblem("result.required_missing", message, None, control.name))
    return problems


def _visible(control: ControlTag, chosen: Mapping[str, set[str]]) -> str:
    """shown, hidden, or region (shown only while a region is selected)."""
    state = "shown"
    for cond in control.visibility:
        mode = cond.get("visiblewhen")
        if mode is None and "whenchoicevalue" in cond:
            mode = "choice-selected"
        if mode in ("choice-selected", "choice-unselected"):
            tag = cond.get("whentagname")
            picked = chosen.get(tag, set()) if tag else set().union(*chosen.values())
            wanted = _csv(cond.get("whenchoicevalue"))
            hit = bool(picked & wanted) if wanted else bool(picked)
            if hit != (mode == "choice-selected"):
                return "hidden"
        elif mode == "region-selected":
            state = "region"
    return state


def _per_region(
    cfg: LabelConfig, control: ControlTag, items: list[tuple[int, dict[str, Any]]], message: str
) -> list[ResultProblem]:
    tags = _csv(",".join(c.get("whentagname", "") for c in control.visibility))
    labels = _csv(",".join(c.get("whenlabelvalue", "") for c in control.visibility))
    answered = {item.get("id") for _, item in items if control.matches(item["from_name"])}
    problems = []
    seen: set[Any] = set()
    for index, item in items:
        source = cfg.control(item["from_name"])
        rid = item.get("id")
        if source is None or source is control or rid in seen or source.result_type in _CLASSIFY:
            continue
        if source.per_region or not control.targets(str(item.get("to_name"))):
            continue
        if tags and source.name not in tags:
            continue
        value = item.get("value")
        region_labels = {
            x
            for key, v in (value.items() if isinstance(value, Mapping) else ())
            if key.endswith("labels") and isinstance(v, list)
            for x in v
        }
        if labels and not (labels & {str(x) for x in region_labels}):
            continue
        seen.add(rid)
        if rid not in answered:
            problems.append(
                ResultProblem(
                    "result.required_missing", f"Region {index}: {message}", index, control.name
                )
            )
    return problems
