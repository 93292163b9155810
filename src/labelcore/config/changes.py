"""Config changes against existing results: which used controls and labels a new config drops.

old, new = parse_config(old_xml), parse_config(new_xml)
for change in old.incompatibilities(new, {"label": {"Car": 12, "Bus": 3}}):
    print(change.code, change.control, change.label, change.count)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from labelcore.config.problems import Incompatibility

if TYPE_CHECKING:
    from labelcore.config.model import LabelConfig

# Skipped by label checks on config change, as Label Studio does (user-added or free labels).
_FREE_LABEL_TAGS = {"TextArea", "Taxonomy", "VideoRectangle"}


def incompatibilities(
    old: LabelConfig, new: LabelConfig, used: Mapping[str, Mapping[str, int]]
) -> list[Incompatibility]:
    """What ``new`` drops that existing annotations use. ``used``: control -> label -> count.

    Controls without labels report counts under any key (e.g. ``""``); only totals matter for them.
    Label checks skip TextArea, Taxonomy, VideoRectangle and dynamic-label controls.
    """
    found: list[Incompatibility] = []
    for name, counts in used.items():
        total = sum(int(c) for c in counts.values() if c)
        if total <= 0:
            continue
        before = old.control(name)
        if before is not None and before.tag == "TextArea":
            continue
        after = new.control(name)
        if after is None:
            found.append(
                Incompatibility(
                    "config.control_removed",
                    f'There are {total} result(s) created with control "{name}"; '
                    "the new config removes it.",
                    name,
                    None,
                    total,
                )
            )
            continue
        if before is not None and before.result_type != after.result_type:
            found.append(
                Incompatibility(
                    "config.control_type_changed",
                    f'Control "{name}" changes from <{before.tag}> to <{after.tag}> '
                    f"but {total} result(s) use it.",
                    name,
                    None,
                    total,
                )
            )
            continue
        if (
            after.dynamic_labels
            or after.tag in _FREE_LABEL_TAGS
            or not after.tag.endswith(("Labels", "Choices"))
        ):
            continue
        for label, count in counts.items():
            if count and label and label not in after.labels:
                found.append(
                    Incompatibility(
                        "config.label_removed",
                        f'Label "{label}" of control "{name}" is used in {count} result(s); '
                        "add it back to the new config.",
                        name,
                        label,
                        int(count),
                    )
                )
    return found
