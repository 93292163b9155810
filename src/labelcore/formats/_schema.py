"""What the export formats need to know about a labeling config, in Label Studio's terms.

    from labelcore.formats._schema import Schema
    schema = Schema.from_config(parse_config(xml))
    schema.data_keys, schema.input_types, schema.output_types

Label Studio's converter decides which formats fit from the object tags the controls point
at ("inputs"), the control tag names ("outputs") and the data keys those inputs read. This
module computes exactly those facts from a :class:`labelcore.config.LabelConfig`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import attrs

from labelcore.config import ControlTag, LabelConfig, ObjectTag


@attrs.frozen
class Category:
    id: int
    name: str


@attrs.frozen
class Schema:
    config: LabelConfig
    controls: tuple[ControlTag, ...]
    inputs: Mapping[str, tuple[ObjectTag, ...]]  # control name -> the objects it labels
    data_keys: tuple[str, ...]  # keys the controls' objects read, first appearance first
    input_types: frozenset[str]
    output_types: frozenset[str]
    is_multi_image: bool  # some object uses valueList

    @classmethod
    def from_config(cls, cfg: LabelConfig) -> Schema:
        controls = tuple(cfg.controls.values())
        inputs: dict[str, tuple[ObjectTag, ...]] = {}
        keys: dict[str, None] = {}
        input_types: set[str] = set()
        mig = False
        for control in controls:
            objs = tuple(o for name in control.to_names if (o := cfg.object(name)) is not None)
            inputs[control.name] = objs
            for obj in objs:
                if obj.data_key is not None:
                    keys.setdefault(obj.data_key)
                mig = mig or obj.value_list
                # Label Studio ignores Text objects that load their text from a URL
                if obj.tag == "Text" and obj.attrs.get("valuetype") == "url":
                    continue
                input_types.add(obj.tag)
        return cls(
            config=cfg,
            controls=controls,
            inputs=inputs,
            data_keys=tuple(keys),
            input_types=frozenset(input_types),
            output_types=frozenset(c.tag for c in controls),
            is_multi_image=mig,
        )

    def control_tag(self, from_name: str) -> str | None:
        control = self.config.control(from_name)
        return None if control is None else control.tag

    def categories(self) -> tuple[list[Category], dict[str, int]]:
        """Class ids as Label Studio's converter numbers them: labels with a numeric
        ``category`` attribute keep it; every other label of every control, sorted by
        name, takes the smallest ids not used yet."""
        labels: set[str] = set()
        cats: list[Category] = []
        by_name: dict[str, int] = {}
        for control in self.controls:
            labels |= set(control.labels)
            for label, attrs_ in control.label_attrs.items():
                raw = attrs_.get("category")
                if raw is None:
                    continue
                try:
                    cat_id = int(raw)
                except ValueError:
                    continue
                cats.append(Category(cat_id, label))
                by_name[label] = cat_id
        used = set(by_name.values())
        free = (i for i in itertools.count() if i not in used)
        for label, cat_id in zip(sorted(labels - set(by_name)), free):
            cats.append(Category(cat_id, label))
            by_name[label] = cat_id
        return cats, by_name

    def labels_of(self, tag: str) -> list[str]:
        """Labels of every control of this tag type, in document order, without repeats."""
        out: dict[str, None] = {}
        for control in self.controls:
            if control.tag == tag:
                out.update(dict.fromkeys(control.labels))
        return list(out)

    def keypoint_order(self) -> list[str]:
        """KeyPointLabels labels ordered by their ``model_index`` attribute (labels without
        one are left out), as COCO keypoint arrays are laid out."""
        attrs_by_label: dict[str, Mapping[str, str]] = {}
        for control in self.controls:
            if control.tag == "KeyPointLabels":
                attrs_by_label.update(control.label_attrs)
        pairs: list[tuple[int, str]] = []
        used: set[int] = set()
        for name, attrs_ in attrs_by_label.items():
            try:
                idx = int(attrs_.get("model_index", ""))
            except ValueError:
                continue
            if idx not in used:
                pairs.append((idx, name))
                used.add(idx)
        return [name for _idx, name in sorted(pairs)]
