"""Building a :class:`LabelConfig` from labeling-config XML, reporting every problem at once.

from labelcore.config import parse_config, ConfigError
try: cfg = parse_config(xml_text, max_bytes=1_000_000)
except ConfigError as exc: print([p.code for p in exc.problems])
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

from labelcore.config.model import ControlTag, LabelConfig, ObjectTag
from labelcore.config.problems import ConfigProblem
from labelcore.config.tags import TagSpec, closest, lookup, spelled
from labelcore.config.xmlsafe import elements, read_xml
from labelcore.errors import ConfigError

MAX_BYTES = 1_000_000
MAX_DEPTH = 100
MAX_SAMPLE_BYTES = 256_000
MAX_PROBLEMS = 200
VAR = re.compile(r"\$([\w\[\].{}]+)")
WHOLE_VAR = re.compile(r"\$[\w\[\].{}]+")
_CHILD_LABELS = {"label", "choice", "relation"}
# objects that are also a control of the same name: tag -> (control tag, result type)
SELF_REFERENCING = {"Chat": ("ChatMessage", "chatmessage"), "ReactCode": ("ReactCode", "reactcode")}


def parse_config(
    xml: str | bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> LabelConfig:
    """Parse and check a labeling config; raise :class:`ConfigError` listing every problem.

    The size limit is checked before parsing; DTDs and entities are refused, never expanded;
    nothing is fetched from the network; nesting deeper than ``max_depth`` is refused.
    """
    text, root = read_xml(xml, max_bytes=max_bytes, max_depth=max_depth)
    return _Builder(text, max_depth).build(root)


def _lower_attrs(el: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in el.attrib.items() if not str(k).startswith("{")}


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "true"


_VISIBILITY_KEYS = ("visiblewhen", "whentagname", "whenlabelvalue", "whenchoicevalue")


def _visibility(el: Any) -> tuple[dict[str, str], ...]:
    """Visibility conditions on ``el`` and its ancestors (a hidden parent hides its children)."""
    found = []
    for node in (el, *el.iterancestors()):
        attrs = _lower_attrs(node)
        cond = {k: attrs[k] for k in _VISIBILITY_KEYS if attrs.get(k)}
        if cond:
            found.append(cond)
    return tuple(found)


def data_key_of(value: str) -> str | None:
    """The task-data key an attribute value reads: ``$a.b`` -> ``a.b``; the first inline var."""
    match = VAR.search(value)
    return match.group(1) if match else None


def base_key(key: str) -> str:
    """``a[{{idx}}].b`` -> ``a`` (Repeater and indexed keys only require the base list)."""
    return key.split("[", 1)[0] if "[" in key else key


class _Builder:
    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.problems: list[ConfigProblem] = []
        self.names: dict[str, int] = {}
        self.objects: dict[str, ObjectTag] = {}
        self.controls: dict[str, ControlTag] = {}
        self.pending: list[tuple[ControlTag, TagSpec, Any]] = []
        self.filters: list[tuple[str, Any]] = []
        self.data_keys: set[str] = set()
        self.list_keys: set[str] = set()
        self.optional_list_keys: set[str] = set()
        self.data_types: dict[str, str] = {}
        self.relations: list[str] | None = None
        self.relation_attrs: dict[str, dict[str, str]] = {}
        self.relations_single = False
        self.sample: dict[str, Any] | None = None
        self.dropped = 0
        self.repeat_on: str | None = None  # the enclosing Repeater's list key, while building

    def problem(
        self, code: str, message: str, el: Any, tag: str | None = None, attribute: str | None = None
    ) -> None:
        line = el.sourceline if el is not None else None
        if len(self.problems) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        self.problems.append(ConfigProblem(code, message, tag, attribute, line))

    def build(self, root: Any) -> LabelConfig:
        if not isinstance(root.tag, str) or root.tag.lower() != "view":
            self.problem(
                "config.root_not_view",
                f"The root tag must be <View>, not <{root.tag}>.",
                root,
                str(root.tag),
            )
        # (indexFlag, data key of `on`) of the innermost Repeater around each element
        flags: dict[Any, tuple[str | None, str | None]] = {root: (None, None)}
        for el, _depth in elements(root, self.max_depth):
            flag, self.repeat_on = flags.pop(el, (None, None))
            if not isinstance(el.tag, str):
                if el.tag is etree.Comment:
                    self._comment(el)
                continue
            spec = lookup(el.tag) if not el.tag.startswith("{") else None
            inner = (flag, self.repeat_on)
            if spec is not None and spec.name == "Repeater":
                attrs = _lower_attrs(el)
                inner = (
                    attrs.get("indexflag", "").strip() or "{{idx}}",
                    data_key_of(attrs.get("on", "")),
                )
            for child in el:
                flags[child] = inner
            self._element(el, spec, flag)
        for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
            if sibling.tag is etree.Comment:
                self._comment(sibling)  # the sample task usually follows </View>
        self._resolve_to_names()
        if self.dropped:
            self.problems.append(
                ConfigProblem(
                    "config.too_many_problems",
                    f"{self.dropped} more problems were found; fix the ones above first.",
                )
            )
        if self.problems:
            # in document order; the truncation note (no line) stays last
            raise ConfigError(sorted(self.problems, key=lambda p: p.line or 1 << 30))
        return LabelConfig(
            xml=self.text,
            controls=self.controls,
            objects=self.objects,
            data_keys=frozenset(self.data_keys),
            data_types=self.data_types,
            relations=tuple(self.relations) if self.relations is not None else None,
            relation_attrs=self.relation_attrs,
            relations_single=self.relations_single,
            list_keys=frozenset(self.list_keys),
            optional_list_keys=frozenset(self.optional_list_keys),
            sample=self.sample,
        )

    def _comment(self, el: Any) -> None:
        body = (el.text or "").strip()
        if self.sample is not None or not body.startswith("{") or len(body) > MAX_SAMPLE_BYTES:
            return
        try:
            found = json.loads(body)
        except (ValueError, RecursionError):
            return
        if isinstance(found, dict):
            data = found.get("data", found)
            self.sample = data if isinstance(data, dict) else None

    def _element(self, el: Any, spec: TagSpec | None, flag: str | None) -> None:
        tag = str(el.tag)
        attrs = _lower_attrs(el)
        if spec is None:
            near = closest(tag) if len(self.problems) < 50 and not tag.startswith("{") else None
            hint = f" Did you mean <{near}>?" if near else ""
            self.problem("config.unknown_tag", f"Unknown tag <{tag}>.{hint}", el, tag)
            return
        for group in spec.required:
            if not any(attrs.get(a, "").strip() for a in group):
                want = " or ".join(spelled(a) for a in group)
                self.problem(
                    "config.missing_attribute",
                    f"<{spec.name}> needs the {want} attribute.",
                    el,
                    spec.name,
                    group[0],
                )
        written = {str(k).lower(): str(k) for k in el.attrib}
        for key, raw in attrs.items():
            check = spec.attrs.get(key)
            why = check.check(raw) if check is not None else None
            if why:
                self.problem(
                    "config.bad_attribute_value",
                    f'<{spec.name}> {written.get(key, spelled(key))}="{raw[:100]}": {why}.',
                    el,
                    spec.name,
                    key,
                )
        self._extra_attr_rules(el, spec, attrs)
        name = attrs.get("name")
        if name and spec.name != "Filter":
            if name in self.names:
                self.problem(
                    "config.duplicate_name",
                    f'name="{name}" is used twice (first on line {self.names[name]}); '
                    "names must be unique.",
                    el,
                    spec.name,
                    "name",
                )
            else:
                self.names[name] = el.sourceline or 0
        if spec.parents is not None:
            parent = el.getparent()
            while (
                parent is not None and isinstance(parent.tag, str) and parent.tag.lower() == "view"
            ):
                parent = parent.getparent()
            pspec = (
                lookup(str(parent.tag))
                if parent is not None and isinstance(parent.tag, str)
                else None
            )
            if pspec is None or pspec.name not in spec.parents:
                allowed = ", ".join(sorted(spec.parents))
                where = f"<{pspec.name}>" if pspec else "the top level"
                self.problem(
                    "config.unexpected_parent",
                    f"<{spec.name}> must sit inside one of {allowed}, not {where}.",
                    el,
                    spec.name,
                )
        if spec.kind not in ("child",):
            for key, raw in attrs.items():
                if key not in ("name", "toname") and "$" in raw:
                    for var in VAR.findall(raw):
                        self.data_keys.add(base_key(var))
        if spec.name == "Repeater":
            on_key = data_key_of(attrs.get("on", ""))
            if on_key:
                self.list_keys.add(base_key(on_key))
            return
        if spec.name == "Relations":
            self._relations(el)
            return
        if spec.name == "Filter":
            self.filters.append((attrs.get("toname", ""), el))
            return
        if spec.kind == "control":
            self._control(el, spec, attrs, flag)
        elif name and (spec.kind == "object" or ("value" in attrs and spec.kind == "visual")):
            self._object(el, spec, attrs, flag)

    def _extra_attr_rules(self, el: Any, spec: TagSpec, attrs: dict[str, str]) -> None:
        def num(key: str) -> float | None:
            try:
                return float(attrs[key])
            except (KeyError, ValueError):
                return None

        pairs = {"Number": ("min", "max"), "Video": ("minplaybackspeed", "defaultplaybackspeed")}
        if spec.name in pairs:
            lo_key, hi_key = pairs[spec.name]
            lo, hi = num(lo_key), num(hi_key)
            if lo is not None and hi is not None and lo > hi:
                self.problem(
                    "config.bad_attribute_value",
                    f"<{spec.name}> {spelled(lo_key)}={lo:g} is greater than "
                    f"{spelled(hi_key)}={hi:g}.",
                    el,
                    spec.name,
                    lo_key,
                )
        if spec.name == "Rating":
            top, default = num("maxrating"), num("defaultvalue")
            if top is not None and default is not None and default > top:
                self.problem(
                    "config.bad_attribute_value",
                    f"<Rating> defaultValue={default:g} is above maxRating={top:g}.",
                    el,
                    "Rating",
                    "defaultvalue",
                )
        if _truthy(attrs.get("perregion")) and _truthy(attrs.get("peritem")):
            self.problem(
                "config.per_region_per_item",
                f"<{spec.name}> cannot have both perRegion and perItem.",
                el,
                spec.name,
                "perregion",
            )

    def _labels(self, el: Any) -> tuple[list[str], dict[str, dict[str, str]]]:
        labels: list[str] = []
        attrs_by_label: dict[str, dict[str, str]] = {}
        for child in el.iterdescendants():
            if not isinstance(child.tag, str) or child.tag.lower() not in _CHILD_LABELS:
                continue
            attrs = _lower_attrs(child)
            key = attrs.get("alias") or attrs.get("value")
            if key is None:
                continue
            if key not in attrs_by_label:
                labels.append(key)
            attrs_by_label[key] = attrs
        return labels, attrs_by_label

    def _relations(self, el: Any) -> None:
        labels, attrs = self._labels(el)
        self.relations = (self.relations or []) + [
            x for x in labels if x not in (self.relations or [])
        ]
        self.relation_attrs.update(attrs)
        # Label Studio's RelationsModel defaults choice to "multiple"
        self.relations_single |= (el.get("choice") or "").lower() == "single"

    def _control(self, el: Any, spec: TagSpec, attrs: dict[str, str], flag: str | None) -> None:
        name = attrs.get("name", "")
        if not name:
            return
        labels, label_attrs = self._labels(el) if spec.has_labels else ([], {})
        buckets = tuple(
            str(b.get("name"))
            for b in el.iterdescendants()
            if isinstance(b.tag, str) and b.tag.lower() == "bucket" and b.get("name")
        )
        value = attrs.get("value", "")
        dynamic = spec.has_labels and (
            bool(WHOLE_VAR.fullmatch(value.strip())) or bool(attrs.get("apiurl"))
        )
        if dynamic and value.strip().startswith("$"):
            self.optional_list_keys.add(base_key(value.strip()[1:]))
        if spec.has_labels and not labels and not dynamic and not _truthy(attrs.get("legacy")):
            self.problem(
                "config.missing_labels",
                f'<{spec.name} name="{name}"> has no labels: '
                'add <Label>/<Choice> children or value="$key".',
                el,
                spec.name,
            )
        default_choice = "multiple" if spec.name == "Taxonomy" else "single"
        control = ControlTag(
            name=name,
            tag=spec.name,
            to_names=tuple(p.strip() for p in attrs.get("toname", "").split(",") if p.strip()),
            labels=tuple(labels),
            result_type=spec.result_type or spec.name.lower(),
            attrs=attrs,
            label_attrs=label_attrs,
            dynamic_labels=dynamic,
            per_region=_truthy(attrs.get("perregion")),
            per_item=_truthy(attrs.get("peritem")),
            choice=attrs.get("choice", default_choice).strip().lower() or default_choice,
            line=el.sourceline or 0,
            index_flag=flag if flag and flag in name else None,
            repeat_on=self.repeat_on if flag and flag in name else None,
            buckets=buckets,
            visibility=_visibility(el),
        )
        self.controls.setdefault(name, control)  # a duplicate is reported, its toName still checked
        self.pending.append((control, spec, el))

    def _object(self, el: Any, spec: TagSpec, attrs: dict[str, str], flag: str | None) -> None:
        name = attrs["name"]
        if name in self.objects or name in self.controls:
            return
        value_list = "valuelist" in attrs and "value" not in attrs
        value = attrs.get("valuelist", "") if value_list else attrs.get("value", "")
        key = data_key_of(value)
        self.objects[name] = ObjectTag(
            name=name,
            tag=spec.name,
            value=value,
            data_key=key,
            value_list=value_list,
            attrs=attrs,
            line=el.sourceline or 0,
            index_flag=flag if flag and flag in name else None,
            repeat_on=self.repeat_on if flag and flag in name else None,
        )
        hybrid = SELF_REFERENCING.get(spec.name)
        if hybrid is not None and name not in self.controls:
            # Chat (and ReactCode) are also their own control: from_name == to_name == name,
            # as the SDK's LabelInterface and Label Studio Enterprise store their results
            self.controls[name] = ControlTag(
                name=name,
                tag=hybrid[0],
                to_names=(name,),
                labels=(),
                result_type=hybrid[1],
                attrs=attrs,
                line=el.sourceline or 0,
                index_flag=flag if flag and flag in name else None,
                repeat_on=self.repeat_on if flag and flag in name else None,
            )
        if key is None:
            return
        if value_list:
            self.list_keys.add(base_key(key))
        elif self.data_types.get(key) != "Video":
            self.data_types.setdefault(key, spec.name)
            if spec.name == "Video":
                self.data_types[key] = "Video"

    def _resolve_to_names(self) -> None:
        for control, spec, el in self.pending:
            parts = control.to_names
            if spec.name == "Pairwise" and len(parts) != 2:
                self.problem(
                    "config.bad_attribute_value",
                    f'<Pairwise name="{control.name}"> needs exactly two objects in toName, '
                    f"got {len(parts)}.",
                    el,
                    spec.name,
                    "toname",
                )
            allowed = spec.to_objects
            if spec.name == "Taxonomy" and _truthy(control.attrs.get("labeling")):
                allowed = frozenset({"Text", "HyperText"})
            for part in parts:
                obj = self.objects.get(part)
                if obj is None:
                    known = sorted(self.objects)
                    self.problem(
                        "config.unknown_to_name",
                        f'<{spec.name} name="{control.name}"> toName="{part}" is not an '
                        f"object tag; objects: {known}.",
                        el,
                        spec.name,
                        "toname",
                    )
                elif allowed is not None and obj.tag not in allowed:
                    self.problem(
                        "config.unsupported_to_name",
                        f'<{spec.name} name="{control.name}"> cannot label '
                        f'<{obj.tag} name="{part}">; '
                        f"it labels {', '.join(sorted(allowed))}.",
                        el,
                        spec.name,
                        "toname",
                    )
        for target, el in self.filters:
            if target and target not in self.controls:
                self.problem(
                    "config.unknown_to_name",
                    f'<Filter> toName="{target}" is not a control tag.',
                    el,
                    "Filter",
                    "toname",
                )
