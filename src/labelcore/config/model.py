"""The parsed description of a labeling config: controls, objects and data keys.

from labelcore.config import parse_config
cfg = parse_config(xml)   # <Image name="img" value="$image"/> + <Choices name="c" ...>
cfg.controls["c"].labels, cfg.objects["img"].data_key   # ("A", "B"), "image"
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import attrs
from attrs import field

from labelcore.config.problems import DataProblem, Incompatibility, ResultProblem


@attrs.frozen
class ObjectTag:
    """A data-showing tag (Image, Text, ... or any tag with ``name`` and ``value``)."""

    name: str
    tag: str
    value: str
    data_key: str | None
    value_list: bool = False
    attrs: Mapping[str, str] = field(factory=dict)
    line: int = 0
    index_flag: str | None = None  # set inside a Repeater: ``name`` is a pattern
    repeat_on: str | None = None  # with index_flag: the data key of the Repeater's ``on`` list


@attrs.frozen
class ControlTag:
    """A tag that produces results (Choices, RectangleLabels, TextArea, ...).

    ``labels`` holds every Label/Choice value under it (alias where given, Choice trees
    flattened in document order); ``label_attrs`` the attributes of each of them.
    """

    name: str
    tag: str
    to_names: tuple[str, ...]
    labels: tuple[str, ...]
    result_type: str
    attrs: Mapping[str, str] = field(factory=dict)
    label_attrs: Mapping[str, Mapping[str, str]] = field(factory=dict)
    dynamic_labels: bool = False
    per_region: bool = False
    per_item: bool = False
    choice: str = "single"
    line: int = 0
    index_flag: str | None = None  # set inside a Repeater: names are patterns
    repeat_on: str | None = None  # with index_flag: the data key of the Repeater's ``on`` list
    buckets: tuple[str, ...] = ()  # Ranker buckets
    # visibility conditions of the control and its ancestors (visibleWhen, whenTagName, ...)
    visibility: tuple[Mapping[str, str], ...] = ()

    def matches(self, from_name: str) -> bool:
        """True if ``from_name`` is this control (Repeater names match with any index)."""
        if from_name == self.name:
            return True
        return (
            self.index_flag is not None
            and _pattern(self.name, self.index_flag).fullmatch(from_name) is not None
        )

    def targets(self, to_name: str) -> bool:
        """True if ``to_name`` is one of this control's ``toName`` objects."""
        if to_name in self.to_names:
            return True
        if self.index_flag is None:
            return False
        return any(_pattern(t, self.index_flag).fullmatch(to_name) for t in self.to_names)


def _index_targets(controls: Mapping[str, ControlTag]) -> dict[str, tuple[ControlTag, ...]]:
    index: dict[str, list[ControlTag]] = {}
    for control in controls.values():
        for target in control.to_names:
            index.setdefault(target, []).append(control)
    return {k: tuple(v) for k, v in index.items()}


@functools.lru_cache(maxsize=1024)
def _pattern(name: str, flag: str) -> re.Pattern[str]:
    return re.compile(r"(\d+)".join(re.escape(part) for part in name.split(flag)))


def repeat_index(name: str, flag: str | None, concrete: str) -> int | None:
    """The Repeater index in ``concrete`` where ``name`` has ``flag`` (``c_{{idx}}``/``c_3``: 3)."""
    if not flag or flag not in name:
        return None
    match = _pattern(name, flag).fullmatch(concrete)
    return int(match.group(1)) if match else None


@attrs.frozen(eq=False)
class LabelConfig:
    """A parsed, valid labeling config. Made by :func:`labelcore.config.parse_config`."""

    xml: str
    controls: Mapping[str, ControlTag]
    objects: Mapping[str, ObjectTag]
    data_keys: frozenset[str]
    data_types: Mapping[str, str]
    relations: tuple[str, ...] | None = None
    relation_attrs: Mapping[str, Mapping[str, str]] = field(factory=dict)
    relations_single: bool = False  # <Relations choice="single">: one label per relation
    list_keys: frozenset[str] = frozenset()  # Repeater and valueList keys: must hold lists
    optional_list_keys: frozenset[str] = frozenset()  # dynamic labels: lists when present
    sample: Mapping[str, Any] | None = None  # the sample-task comment's data, if any
    # indexes so lookups stay O(1) on configs with thousands of controls
    _patterned: tuple[ControlTag, ...] = field(
        init=False,
        default=attrs.Factory(
            lambda self: tuple(c for c in self.controls.values() if c.index_flag), takes_self=True
        ),
    )
    _by_object: Mapping[str, tuple[ControlTag, ...]] = field(
        init=False,
        default=attrs.Factory(lambda self: _index_targets(self.controls), takes_self=True),
    )
    _sorted_names: tuple[str, ...] = field(
        init=False,
        default=attrs.Factory(lambda self: tuple(sorted(self.controls)), takes_self=True),
    )
    #: derived per-config lookups (e.g. a control's allowed result types for an object),
    #: filled on first use by the result checker; the config itself never changes
    _memo: dict[Any, Any] = field(init=False, factory=dict)

    def control(self, from_name: str) -> ControlTag | None:
        """The control a result's ``from_name`` refers to (Repeater patterns included)."""
        found = self.controls.get(from_name)
        if found is not None:
            return found
        return next((c for c in self._patterned if c.matches(from_name)), None)

    def object(self, to_name: str) -> ObjectTag | None:
        """The object tag a result's ``to_name`` refers to (Repeater patterns included)."""
        found = self.objects.get(to_name)
        if found is not None:
            return found
        for obj in self.objects.values():
            if obj.index_flag and _pattern(obj.name, obj.index_flag).fullmatch(to_name):
                return obj
        return None

    def controls_for(self, object_name: str) -> list[ControlTag]:
        """Controls whose ``toName`` includes ``object_name``, in document order."""
        found = self._by_object.get(object_name, ())
        if not self._patterned:
            return list(found)
        return [c for c in self.controls.values() if c in found or c.targets(object_name)]

    def control_names(self) -> tuple[str, ...]:
        """Control names, sorted (for messages)."""
        return self._sorted_names

    def validate_result(self, result: Any, data: Any = None) -> list[ResultProblem]:
        """Problems with a result list (``[]`` means valid); ``data`` enables span checks."""
        from labelcore.config.results import validate_result

        return validate_result(self, result, data)

    def check_task_data(self, data: Any) -> list[DataProblem]:
        """Problems with task data: keys the config reads that are missing or mistyped."""
        from labelcore.config.taskdata import check_task_data

        return check_task_data(self, data)

    def sample_task(self) -> dict[str, Any]:
        """Task data that fits the config; the sample-task comment wins when present."""
        from labelcore.config.taskdata import sample_task

        return sample_task(self)

    def missing_required(self, result: Any) -> list[ResultProblem]:
        """Required controls without a result, skipping controls hidden by visibleWhen."""
        from labelcore.config.required import missing_required

        return missing_required(self, result)

    def incompatibilities(
        self, new: LabelConfig, used: Mapping[str, Mapping[str, int]]
    ) -> list[Incompatibility]:
        """Controls and labels used by existing annotations (``used``) that ``new`` drops."""
        from labelcore.config.changes import incompatibilities

        return incompatibilities(self, new, used)
