"""Checking a result list (an annotation's or prediction's regions) against a LabelConfig.

cfg = parse_config(xml)
for p in cfg.validate_result(annotation["result"], data=task["data"]):
    print(p.region, p.control, p.code, p.message)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labelcore.config.classify import (
    attr_number,
    choices,
    known,
    number,
    ranker,
    rating,
    taxonomy,
    textarea,
)
from labelcore.config.datetimes import check_datetime
from labelcore.config.hypertext import HtmlDoc, OffsetError, XPathError, same_text
from labelcore.config.model import ControlTag, ObjectTag, repeat_index
from labelcore.config.problems import ResultProblem
from labelcore.config.values import (
    check_geometry,
    check_offsets,
    check_sequence,
    check_timeline,
    detect_geometry,
    integer,
    num,
)

if TYPE_CHECKING:
    from labelcore.config.model import LabelConfig

MISSING = object()
GEOMETRY_TYPES = {
    "rectangle",
    "polygon",
    "keypoint",
    "ellipse",
    "brush",
    "magicwand",
    "bitmask",
    "vector",
}
CLASSIFICATIONS = {"choices", "textarea", "number", "rating", "datetime", "taxonomy"}
DIRECTIONS = ("left", "right", "bi")
_ID_TYPES = (str, int)
MAX_PROBLEMS = 1000


def resolve(data: Any, key: str | None) -> Any:
    """``data["a"]["b"]`` for key ``a.b`` (LS backend walk); MISSING when absent."""
    if key is None or "[" in key or (type(data) is not dict and not isinstance(data, Mapping)):
        return MISSING
    if key in data:
        return data[key]
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def validate_result(cfg: LabelConfig, result: Any, data: Any = None) -> list[ResultProblem]:
    """Every problem in ``result``; never raises on malformed input."""
    if not isinstance(result, list):
        return [
            ResultProblem(
                "result.not_a_list", f"result must be a list, got {type(result).__name__}"
            )
        ]
    ids: dict[Any, list[int]] = {}
    for i, item in enumerate(result):
        if isinstance(item, dict) and item.get("type") != "relation":
            rid = item.get("id")
            if isinstance(rid, _ID_TYPES) and not isinstance(rid, bool):
                ids.setdefault(rid, []).append(i)
    checker = _Checker(cfg, result, data if isinstance(data, Mapping) else None, ids)
    for i, item in enumerate(result):
        checker.item(i, item)
        if len(checker.problems) >= MAX_PROBLEMS:
            return checker.problems
    checker.max_usages()
    return checker.problems


class _Checker:
    def __init__(
        self,
        cfg: LabelConfig,
        result: list[Any],
        data: Mapping[str, Any] | None,
        ids: dict[Any, list[int]],
    ) -> None:
        self.cfg = cfg
        self.result = result
        self.data = data
        self.ids = ids
        self.problems: list[ResultProblem] = []
        # (control, label) -> region ids (or indexes) using it, in order, for maxUsages
        self.usages: dict[tuple[str, str], dict[Any, int]] = {}
        self.html_docs: dict[tuple[str, bool], HtmlDoc | None] = {}  # (object, shown) -> doc

    def add(self, i: int, control: str | None, code: str, message: str) -> None:
        who = f"control '{control}'" if control else "result"
        self.problems.append(ResultProblem(code, f"Region {i}: {who}: {message}", i, control))

    def item(self, i: int, item: Any) -> None:
        if not isinstance(item, dict):
            self.add(
                i,
                None,
                "result.not_an_object",
                f"each result item must be an object, got {type(item).__name__}",
            )
            return
        if item.get("type") == "relation":
            self.relation(i, item)
            return
        if not ("from_name" in item and "to_name" in item and "type" in item and "value" in item):
            missing = [k for k in ("from_name", "to_name", "type", "value") if k not in item]
            named = item.get("from_name")
            who = named[:100] if isinstance(named, str) else None
            self.add(i, who, "result.missing_field", f"missing {', '.join(missing)}")
            return
        from_name, to_name, rtype, value = (
            item["from_name"],
            item["to_name"],
            item["type"],
            item["value"],
        )
        if not (isinstance(from_name, str) and isinstance(to_name, str) and isinstance(rtype, str)):
            self.add(i, None, "result.bad_value", "from_name, to_name and type must be strings")
            return
        pair = self.cfg._memo.get(("pair", from_name, to_name))
        if pair is None:
            pair = self.pair(i, from_name, to_name)
            if pair is None:
                return
        control, obj, allowed = pair
        name = control.name
        if rtype not in allowed:
            self.add(
                i,
                name,
                "result.type_mismatch",
                f"type '{rtype:.60}' should be {' or '.join(sorted(allowed))}",
            )
            return
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(from_name), dict):
            value = value[from_name]  # the SDK accepts a value nested under the control name
        if not isinstance(value, dict):
            self.add(i, name, "result.bad_value", "value must be an object")
            return
        self.common(i, control, obj, item)
        rid = item.get("id")
        key = rid if isinstance(rid, _ID_TYPES) and not isinstance(rid, bool) else ("#", i)
        report = _Reporter(self, i, name, key)
        self.value(control, obj, rtype, value, report, item)

    def pair(
        self, i: int, from_name: str, to_name: str
    ) -> tuple[ControlTag, ObjectTag | None, frozenset[str]] | None:
        """The control, object and allowed result types of a region (None: reported).
        Kept in the config's memo for the config's own name pairs outside Repeaters, where
        they do not depend on the data."""
        control = self.cfg.control(from_name)
        if control is None:
            known = list(self.cfg.control_names()[:20])
            self.add(
                i,
                None,
                "result.unknown_from_name",
                f"from_name '{from_name:.100}' is not a control; controls: {known}",
            )
            return None
        name = control.name
        targeted = control.targets(to_name) or not control.to_names
        if not (targeted or (control.tag == "Pairwise" and control.matches(to_name))):
            self.add(
                i,
                name,
                "result.unknown_to_name",
                f"to_name '{to_name:.100}' is not one of its toName {list(control.to_names)}",
            )
            return None
        obj = self.cfg.object(to_name)
        if (control.index_flag and self.past_repeater(i, control, from_name)) or (
            obj is not None and obj.index_flag and self.past_repeater(i, obj, to_name, control=name)
        ):
            return None
        if control.index_flag and obj is not None and obj.index_flag:
            mine = repeat_index(control.name, control.index_flag, from_name)
            theirs = repeat_index(obj.name, obj.index_flag, to_name)
            if mine is not None and theirs is not None and mine != theirs:
                self.add(
                    i,
                    name,
                    "result.unknown_to_name",
                    f"to_name '{to_name:.100}' is Repeater item {theirs}, "
                    f"but from_name '{from_name:.100}' is item {mine}",
                )
                return None
        allowed = self.allowed_types(control, to_name)
        plain = not control.index_flag and (obj is None or not obj.index_flag)
        if plain and control.name == from_name and to_name in control.to_names:  # bounded
            self.cfg._memo[("pair", from_name, to_name)] = (control, obj, allowed)
        return control, obj, allowed

    def past_repeater(
        self, i: int, tag: ControlTag | ObjectTag, concrete: str, control: str | None = None
    ) -> bool:
        """True (and reported) if ``concrete`` names a Repeater item past the data's list."""
        if not tag.index_flag or not tag.repeat_on or self.data is None:
            return False
        index = repeat_index(tag.name, tag.index_flag, concrete)
        items = resolve(self.data, tag.repeat_on)
        if index is None or not isinstance(items, list) or index < len(items):
            return False
        self.add(
            i,
            control or tag.name,
            "result.repeater_index_out_of_range",
            f"'{concrete:.100}' is Repeater item {index}, but the data's "
            f"'{tag.repeat_on:.60}' has {len(items)} item{'' if len(items) == 1 else 's'}",
        )
        return True

    def allowed_types(self, control: ControlTag, to_name: str) -> frozenset[str]:
        if to_name not in self.cfg.objects:
            # not kept: the memo lives as long as the (cached) config, and result text may
            # name anything here (a Repeater's concrete name, or a made-up one)
            return frozenset(self._allowed_types(control, to_name))
        memo = self.cfg._memo
        key = ("allowed_types", control.name, to_name)
        found = memo.get(key)
        if found is None:
            found = memo[key] = frozenset(self._allowed_types(control, to_name))
        return found

    def _allowed_types(self, control: ControlTag, to_name: str) -> set[str]:
        allowed = {control.result_type}
        if control.tag in ("Labels",) or control.tag in {
            "Rectangle",
            "Polygon",
            "KeyPoint",
            "Ellipse",
            "Brush",
            "Bitmask",
            "Vector",
        }:
            for other in self.cfg.controls_for(to_name):
                if other.tag == "Labels" or control.tag == "Labels":
                    kind = _geometry_of(other) or _geometry_of(control)
                    if kind:
                        allowed.add(f"{kind}labels")
        return allowed

    def common(
        self, i: int, control: ControlTag, obj: ObjectTag | None, item: dict[str, Any]
    ) -> None:
        name = control.name
        if "score" in item and item["score"] is not None and num(item["score"]) is None:
            self.add(i, name, "result.bad_value", "score must be a number")
        if "item_index" in item:
            idx = integer(item["item_index"])
            if idx is None or idx < 0:
                self.add(i, name, "result.bad_value", "item_index must be an integer >= 0")
            elif obj is not None and obj.value_list and self.data is not None:
                items = resolve(self.data, obj.data_key)
                if isinstance(items, list) and idx >= len(items):
                    self.add(
                        i,
                        name,
                        "result.out_of_range",
                        f"item_index {idx} is past the {len(items)} items",
                    )
        elif obj is not None and obj.value_list and (control.per_item or _geometry_of(control)):
            self.add(
                i,
                name,
                "result.missing_field",
                f"results on a valueList object ('{obj.name}') need item_index",
            )
        if control.per_region and control.result_type in CLASSIFICATIONS:
            rid = item.get("id")
            partners = (
                [j for j in self.ids.get(rid, []) if j != i] if isinstance(rid, str | int) else []
            )
            if not partners:
                self.add(
                    i,
                    name,
                    "result.per_region_without_region",
                    "a perRegion result must share its id with a region of this result",
                )

    def value(
        self,
        control: ControlTag,
        obj: ObjectTag | None,
        rtype: str,
        value: dict[str, Any],
        report: _Reporter,
        item: dict[str, Any],
    ) -> None:
        tag = obj.tag if obj is not None else None
        text = (
            resolve(self.data, obj.data_key)
            if obj is not None and self.data is not None and self.text_source(obj)
            else MISSING
        )
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = str(text)
        if rtype in GEOMETRY_TYPES or rtype.endswith("labels") and rtype[:-6] in GEOMETRY_TYPES:
            kind = _geometry_of(control) or rtype.removesuffix("labels")
            check_geometry("brush" if kind == "magicwand" else kind, value, report)
            if rtype.endswith("labels"):
                self.labels(control, value, rtype, report, required=True)
        elif rtype == "labels":
            self.labels(control, value, "labels", report, required=True)
            if tag == "Text":
                check_offsets(value, report, kind="text", text=text)
            elif tag == "HyperText":
                check_offsets(value, report, kind="hypertext")
                self.hypertext(obj, value, text, report)
            elif tag == "Paragraphs":
                check_offsets(value, report, kind="paragraph", text=text)
            elif tag in ("Audio", "AudioPlus", "Video"):
                if "sequence" in value:
                    check_sequence(value, report)
                elif "ranges" in value:
                    check_timeline(value, report)
                else:
                    check_offsets(value, report, kind="audio")
            elif tag == "TimeSeries":
                check_offsets(value, report, kind="timeseries")
            elif tag == "Image":
                drawn = detect_geometry(value)
                if drawn is not None:
                    check_geometry(drawn, value, report)
                elif not self.has_split_partner(item):
                    report(
                        "result.split_partner_missing",
                        "a labels result on an image needs geometry or a geometry result "
                        "with the same id",
                    )
        elif rtype == "hypertextlabels":
            self.labels(control, value, rtype, report, required=True)
            check_offsets(value, report, kind="hypertext")
            self.hypertext(obj, value, text, report)
        elif rtype == "paragraphlabels":
            self.labels(control, value, rtype, report, required=True)
            check_offsets(value, report, kind="paragraph", text=text)
        elif rtype == "timeserieslabels":
            self.labels(control, value, rtype, report, required=True)
            check_offsets(value, report, kind="timeseries")
        elif rtype == "timelinelabels":
            self.labels(control, value, rtype, report, required=True)
            check_timeline(value, report)
        elif rtype == "videorectangle":
            check_sequence(value, report)
            self.video_labels(control, value, report, item)
        elif rtype == "choices":
            choices(control, value, report)
        elif rtype == "taxonomy":
            taxonomy(control, value, report)
            if control.attrs.get("labeling", "").lower() == "true" and "start" in value:
                # a Taxonomy with labeling="true" labels spans: they lie within the text
                if tag == "Text":
                    check_offsets(value, report, kind="text", text=text)
                elif tag == "HyperText":
                    check_offsets(value, report, kind="hypertext")
                    self.hypertext(obj, value, text, report)
        elif rtype == "textarea":
            textarea(control, value, report)
        elif rtype == "number":
            number(control, value, report)
        elif rtype == "rating":
            rating(control, value, report)
        elif rtype == "datetime":
            check_datetime(control, value, report)
        elif rtype == "pairwise":
            if value.get("selected") not in ("left", "right"):
                report("result.bad_value", "'selected' must be 'left' or 'right'")
        elif rtype == "ranker":
            ranker(control, value, report)
        elif rtype == "chatmessage":
            message = value.get("chatmessage")
            if not isinstance(message, dict) or not all(
                isinstance(message.get(k), str) for k in ("role", "content")
            ):
                report("result.bad_value", "'chatmessage' must be {role, content} strings")
        elif control.tag.endswith("Labels"):
            self.labels(control, value, rtype, report, required=False)

    def text_source(self, obj: ObjectTag) -> bool:
        """Whether ``obj`` shows its data key's value itself (``value="$key"``, not a URL, not
        encoded), so spans can be checked against the data (worked out once per config)."""
        memo = self.cfg._memo
        key = ("text_source", obj.name)
        found = memo.get(key)
        if found is None:
            found = memo[key] = (
                obj.value.strip() == f"${obj.data_key}"
                and obj.attrs.get("valuetype", "").lower() != "url"
                and obj.attrs.get("encoding", "none").lower() == "none"
            )
        return bool(found)

    def hypertext(
        self, obj: ObjectTag | None, value: Mapping[str, Any], html: Any, report: _Reporter
    ) -> None:
        """XPaths and offsets resolve in the task's HTML, and ``text`` matches (data given)."""
        if obj is None or not isinstance(html, str):
            return
        start, end = value.get("start"), value.get("end")
        so, eo = integer(value.get("startOffset")), integer(value.get("endOffset"))
        if not (isinstance(start, str) and isinstance(end, str)) or so is None or eo is None:
            return  # the shape problem is already reported
        if so < 0 or eo < 0:
            return
        problems = []
        for shown in (True, False):  # as labelcore's editor shows it, else as the source reads
            doc = self.html_doc(obj.name, html, shown=shown)
            if doc is None:
                return  # too large to check, or no content: the shape check stands
            problem = _span_problem(doc, start, so, end, eo, value.get("text"))
            if problem is None:
                return
            problems.append(problem)
        # a view where the paths resolve says more than one where they do not
        report(*next((p for p in problems if p[0] != "result.bad_xpath"), problems[0]))

    def html_doc(self, name: str, html: str, *, shown: bool) -> HtmlDoc | None:
        """The parsed HTML of object ``name`` (cached for the whole result list)."""
        key = (name, shown)
        if key not in self.html_docs:
            try:
                self.html_docs[key] = HtmlDoc.parse(html, shown=shown)
            except ValueError:
                self.html_docs[key] = None
        return self.html_docs[key]

    def has_split_partner(self, item: dict[str, Any]) -> bool:
        rid = item.get("id")
        if not isinstance(rid, str | int):
            return False
        for j in self.ids.get(rid, []):
            other = self.result[j]
            if (
                other is not item
                and str(other.get("type", "")).removesuffix("labels") in GEOMETRY_TYPES
            ):
                return True
        return False

    def labels(
        self,
        control: ControlTag,
        value: Mapping[str, Any],
        key: str,
        report: _Reporter,
        *,
        required: bool,
    ) -> None:
        found = value.get(key, value.get("labels", MISSING))
        if found is MISSING:
            if required:
                report("result.bad_value", f"value needs '{key}' (a list of labels)")
            return
        if not isinstance(found, list) or not all(isinstance(x, str) for x in found):
            report("result.bad_value", f"'{key}' must be a list of strings")
            return
        if len(found) > 1 and control.attrs.get("choice", "").lower() == "single":
            report("result.single_choice", f'{len(found)} labels on a choice="single" control')
        memo = self.cfg._memo
        allowed = memo.get(("labels", control.name))
        if allowed is None:
            allowed = memo[("labels", control.name)] = frozenset(control.labels)
        known(control, found, report, allowed)
        for label in found:
            region = report.region_key
            self.usages.setdefault((control.name, label), {}).setdefault(region, report.index)

    def video_labels(
        self, control: ControlTag, value: Mapping[str, Any], report: _Reporter, item: dict[str, Any]
    ) -> None:
        found = value.get("labels", MISSING)
        if found is MISSING:
            return
        if not isinstance(found, list) or not all(isinstance(x, str) for x in found):
            report("result.bad_value", "'labels' must be a list of strings")
            return
        sources = [c for c in self.cfg.controls_for(str(item.get("to_name"))) if c.tag == "Labels"]
        if sources and not any(c.dynamic_labels for c in sources):
            known(control, found, report, tuple(x for c in sources for x in c.labels))

    def relation(self, i: int, item: dict[str, Any]) -> None:
        for key in ("from_id", "to_id"):
            rid = item.get(key)
            if not isinstance(rid, str | int) or isinstance(rid, bool) or rid not in self.ids:
                self.add(
                    i,
                    None,
                    "result.bad_relation",
                    f"{key} {str(rid)[:60]!r} is not the id of a region in this result",
                )
        if "direction" in item and item["direction"] not in DIRECTIONS:
            self.add(
                i,
                None,
                "result.bad_relation",
                f"direction must be one of {DIRECTIONS}, got {str(item['direction'])[:20]!r}",
            )
        labels = item.get("labels")
        if labels is None:
            return
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            self.add(i, None, "result.bad_relation", "relation labels must be a list of strings")
        elif labels and self.cfg.relations is None:
            self.add(
                i,
                None,
                "result.unknown_label",
                f"relation labels {[x[:60] for x in labels[:5]]} given, but the config has no "
                "<Relations> tag naming relation labels; send labels: [] or add "
                '<Relations><Relation value="..."/></Relations> to the config',
            )
        elif self.cfg.relations is not None:
            unknown = [x for x in labels if x not in self.cfg.relations]
            if unknown:
                self.add(
                    i,
                    None,
                    "result.unknown_label",
                    f"relation labels {[x[:60] for x in unknown[:5]]} are not in <Relations>; "
                    f"valid: {sorted(self.cfg.relations)[:20]}",
                )
            elif len(labels) > 1 and self.cfg.relations_single:
                self.add(
                    i,
                    None,
                    "result.single_choice",
                    f'{len(labels)} labels on a relation; <Relations choice="single"> allows one',
                )

    def max_usages(self) -> None:
        """A label used on more regions than its ``maxUsages`` (Label's, else the control's)."""
        memo = self.cfg._memo
        for (name, label), regions in self.usages.items():
            limit = memo.get(("max_usages", name, label), MISSING)
            if limit is MISSING:
                limit = memo[("max_usages", name, label)] = self.usage_limit(name, label)
            if limit is None or len(regions) <= limit:
                continue
            index = list(regions.values())[limit]
            self.add(
                index,
                name,
                "result.max_usages",
                f"label '{label}' is used on {len(regions)} regions; maxUsages is {limit}",
            )

    def usage_limit(self, name: str, label: str) -> int | None:
        """A label's ``maxUsages`` (the Label's, else the control's), None if unlimited."""
        control = self.cfg.controls.get(name)
        if control is None:
            return None
        raw = control.label_attrs.get(label, {}).get("maxusages") or control.attrs.get("maxusages")
        limit = integer(attr_number(raw))
        return None if limit is None or limit <= 0 else limit


class _Reporter:
    """Turns (code, message) pairs from the value rules into ResultProblems for one region."""

    def __init__(self, checker: _Checker, index: int, control: str, region_key: Any = None) -> None:
        self.checker, self.index, self.control = checker, index, control
        self.region_key = index if region_key is None else region_key

    def __call__(self, code: str | tuple[str, str], message: str = "") -> None:
        if isinstance(code, tuple):
            code, message = code
        self.checker.add(self.index, self.control, code, message)


def _span_problem(
    doc: HtmlDoc, start: str, so: int, end: str, eo: int, text: Any
) -> tuple[str, str] | None:
    """(code, message) of what is wrong with a HyperText span in ``doc``, or None."""
    try:
        begin, finish = doc.point(start, so), doc.point(end, eo)
    except OffsetError as exc:
        return "result.span_out_of_text", str(exc)
    except XPathError as exc:
        return "result.bad_xpath", str(exc)
    if finish < begin:
        return "result.span_out_of_text", "the span ends before it starts in the HTML"
    if isinstance(text, str) and not same_text(text, doc.text, begin, finish):
        return (
            "result.span_text_mismatch",
            f"'text' {text!r:.60} differs from the HTML's text at "
            f"{start[:60]}:{so}..{end[:60]}:{eo}",
        )
    return None


def _geometry_of(control: ControlTag) -> str | None:
    return _tag_geometry(control.tag)


@functools.lru_cache(maxsize=256)
def _tag_geometry(tag: str) -> str | None:
    from labelcore.config.tags import lookup

    spec = lookup(tag)
    return spec.geometry if spec is not None else None
