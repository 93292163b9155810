"""The tag registry: every Label Studio tag labelcore knows, its kind, attributes and results.

from labelcore.config.tags import lookup
spec = lookup("rectanglelabels")          # tag names match case-insensitively
spec.name, spec.kind, spec.result_type, spec.to_objects   # "RectangleLabels", "control", ...
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Mapping

import attrs


@attrs.frozen
class AttrSpec:
    """How one attribute value is checked: a type, an enumeration or a numeric range."""

    kind: str = "str"  # str | bool | int | float | enum | csv-enum
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    def check(self, raw: str) -> str | None:
        """Return why ``raw`` is not acceptable, or None. ``$vars`` are resolved later: pass."""
        if "$" in raw or self.kind == "str":
            return None
        value = raw.strip().lower()
        if self.kind == "bool":
            return None if value in ("true", "false") else "expected true or false"
        if self.kind in ("enum", "csv-enum"):
            parts = [p.strip() for p in value.split(",")] if self.kind == "csv-enum" else [value]
            bad = [p for p in parts if p not in self.choices]
            return f"expected one of {', '.join(self.choices)}" if bad else None
        try:
            number = int(value) if self.kind == "int" else float(value)
        except ValueError:
            return "expected an integer" if self.kind == "int" else "expected a number"
        if isinstance(number, float) and not math.isfinite(number):
            return "expected a finite number"
        if self.min is not None and number < self.min:
            return f"must be at least {self.min:g}"
        if self.max is not None and number > self.max:
            return f"must be at most {self.max:g}"
        return None


S = AttrSpec()
B = AttrSpec("bool")


def _e(*choices: str) -> AttrSpec:
    return AttrSpec("enum", choices)


def _i(lo: float | None = None, hi: float | None = None) -> AttrSpec:
    return AttrSpec("int", min=lo, max=hi)


def _f(lo: float | None = None, hi: float | None = None) -> AttrSpec:
    return AttrSpec("float", min=lo, max=hi)


@attrs.frozen
class TagSpec:
    """One tag. ``kind`` is object, control, child, visual or structural.

    ``required`` lists attribute groups: each group needs at least one of its names.
    ``to_objects`` is the set of object tags a control may name in ``toName`` (None: any).
    ``parents`` is the set of tags a child must sit under (View wrappers are looked through).
    """

    name: str
    kind: str
    attrs: Mapping[str, AttrSpec] = attrs.field(factory=dict)
    required: tuple[tuple[str, ...], ...] = ()
    result_type: str | None = None
    value_key: str | None = None
    to_objects: frozenset[str] | None = None
    parents: frozenset[str] | None = None
    has_labels: bool = False
    geometry: str | None = None  # rectangle, polygon, ... for image tools
    sdk_only: bool = False


VISIBILITY = {
    "visiblewhen": _e(
        "region-selected", "choice-selected", "no-region-selected", "choice-unselected"
    ),
    "whentagname": S,
    "whenlabelvalue": S,
    "whenchoicevalue": S,
    "whenrole": S,
    "style": S,
    "classname": S,
}
CONTROL = {
    **VISIBILITY,
    "name": S,
    "toname": S,
    "required": B,
    "requiredmessage": S,
    "perregion": B,
    "peritem": B,
    "hotkey": S,
    "showinline": B,
    "displaymode": _e("tag", "region-list"),
}
LABELS = {
    **CONTROL,
    "choice": _e("single", "multiple"),
    "maxusages": _i(0),
    "value": S,
    "opacity": _f(0, 1),
    "fillcolor": S,
    "strokecolor": S,
    "strokewidth": _f(0),
    "fillopacity": _f(0, 1),
    "allowempty": B,
}
TOOL = {
    **CONTROL,
    "smart": B,
    "smartonly": B,
    "snap": _e("pixel", "none"),
    "opacity": _f(0, 1),
    "fillcolor": S,
    "strokecolor": S,
    "strokewidth": _f(0),
    "fillopacity": _f(0, 1),
    "pointsize": _e("small", "medium", "large"),
    "pointstyle": _e("rectangle", "circle"),
    "canrotate": B,
}
OBJECT = {**VISIBILITY, "name": S, "value": S, "sync": S}
TEXTLIKE = {
    **OBJECT,
    "valuetype": _e("url", "text"),
    "savetextresult": _e("yes", "no"),
    "selectionenabled": B,
    "granularity": _e("symbol", "word", "sentence", "paragraph"),
    "highlightcolor": S,
    "showlabels": B,
    "encoding": _e("none", "base64", "base64unicode"),
}
NAME_VALUE = (("name",), ("value",))
NAME_TO = (("name",), ("toname",))
IMAGE = frozenset({"Image"})
ANY = None
SPAN_OBJECTS = frozenset({"Text", "HyperText", "Audio", "AudioPlus", "Video", "Paragraphs"})
LABEL_OBJECTS = SPAN_OBJECTS | {"Image", "Pdf", "Chat", "TimeSeries"}

_SPECS: list[TagSpec] = [
    # --- objects ---------------------------------------------------------------------------
    TagSpec("Text", "object", TEXTLIKE, NAME_VALUE),
    TagSpec("HyperText", "object", {**TEXTLIKE, "inline": B, "clickablelinks": B}, NAME_VALUE),
    TagSpec(
        "Image",
        "object",
        {
            **OBJECT,
            "valuelist": S,
            "zoom": B,
            "negativezoom": B,
            "zoomby": _f(1),
            "zoomcontrol": B,
            "brightnesscontrol": B,
            "contrastcontrol": B,
            "rotatecontrol": B,
            "grid": B,
            "gridsize": _i(1),
            "gridcolor": S,
            "crosshair": B,
            "width": S,
            "height": S,
            "maxwidth": S,
            "maxheight": S,
            "horizontalalignment": _e("left", "center", "right"),
            "verticalalignment": _e("top", "center", "bottom"),
            "defaultzoom": _e("auto", "original", "fit"),
            "crossorigin": _e("none", "anonymous", "use-credentials"),
            "smoothing": B,
        },
        (("name",), ("value", "valuelist")),
    ),
]
_AUDIO_ATTRS = {
    **OBJECT,
    "hotkey": S,
    "defaultspeed": _f(0.01, 16),
    "defaultscale": _f(0),
    "defaultzoom": _f(0),
    "defaultvolume": _f(0, 1),
    "height": _i(0),
    "waveheight": _i(0),
    "spectrogram": B,
    "splitchannels": B,
    "decoder": _e("webaudio", "ffmpeg", "none"),
    "player": _e("html5", "webaudio"),
    "volume": B,
    "speed": B,
    "zoom": B,
}
_SPECS += [
    TagSpec("Audio", "object", _AUDIO_ATTRS, NAME_VALUE),
    TagSpec("AudioPlus", "object", _AUDIO_ATTRS, NAME_VALUE),
    TagSpec(
        "Video",
        "object",
        {
            **OBJECT,
            "framerate": _f(0.001),
            "muted": B,
            "height": _i(0),
            "timelineheight": _i(0),
            "defaultplaybackspeed": _f(0.05, 10),
            "minplaybackspeed": _f(0.05, 10),
        },
        NAME_VALUE,
    ),
    TagSpec(
        "TimeSeries",
        "object",
        {
            **OBJECT,
            "valuetype": _e("url", "json"),
            "timecolumn": S,
            "timeformat": S,
            "timedisplayformat": S,
            "durationdisplayformat": S,
            "sep": S,
            "overviewchannels": S,
            "overviewwidth": S,
            "fixedscale": B,
            "cursorcolor": S,
        },
        NAME_VALUE,
    ),
    TagSpec("Table", "object", {**OBJECT, "valuetype": S}, NAME_VALUE),
    TagSpec(
        "Paragraphs",
        "object",
        {
            **OBJECT,
            "valuetype": _e("json", "url"),
            "namekey": S,
            "textkey": S,
            "layout": _e("none", "dialogue"),
            "audiourl": S,
            "showplayer": B,
            "savetextresult": _e("yes", "no"),
            "contextscroll": B,
            "granularity": _e("symbol", "word", "sentence", "paragraph"),
        },
        NAME_VALUE,
    ),
    TagSpec("List", "object", {**OBJECT, "title": S}, NAME_VALUE),
    TagSpec("Pdf", "object", OBJECT, NAME_VALUE),
    TagSpec("CustomInterface", "object", OBJECT, (("name",),)),
    TagSpec(
        "Chat", "object", {**OBJECT, "editable": S, "minmessages": _i(0)}, NAME_VALUE, sdk_only=True
    ),
    TagSpec("Object3D", "object", OBJECT, NAME_VALUE, sdk_only=True),
    TagSpec(
        "ReactCode", "object", {**OBJECT, "outputs": S, "inputs": S}, (("name",),), sdk_only=True
    ),
]


def _labels_ctl(
    name: str, to: frozenset[str] | None, geometry: str | None = None, **extra: AttrSpec
) -> TagSpec:
    key = name.lower()
    attrs_ = {**(TOOL if geometry else {}), **LABELS, **extra}
    return TagSpec(
        name, "control", attrs_, NAME_TO, key, key, to, has_labels=True, geometry=geometry
    )


def _tool(name: str, geometry: str, **extra: AttrSpec) -> TagSpec:
    key = name.lower()
    return TagSpec(name, "control", {**TOOL, **extra}, NAME_TO, key, None, IMAGE, geometry=geometry)


_SPECS += [
    # --- controls --------------------------------------------------------------------------
    TagSpec(
        "Choices",
        "control",
        {
            **CONTROL,
            "choice": _e("single", "single-radio", "multiple"),
            "layout": _e("select", "inline", "vertical", "horizontal"),
            "value": S,
            "allownested": B,
        },
        NAME_TO,
        "choices",
        "choices",
        ANY,
        has_labels=True,
    ),
    _labels_ctl("Labels", LABEL_OBJECTS),
    _labels_ctl("RectangleLabels", IMAGE, "rectangle"),
    _tool("Rectangle", "rectangle"),
    _labels_ctl("PolygonLabels", IMAGE, "polygon"),
    _tool("Polygon", "polygon"),
    _labels_ctl("KeyPointLabels", IMAGE, "keypoint"),
    _tool("KeyPoint", "keypoint"),
    _labels_ctl("EllipseLabels", IMAGE, "ellipse"),
    _tool("Ellipse", "ellipse"),
    _labels_ctl("BrushLabels", IMAGE, "brush"),
    _tool("Brush", "brush"),
    _tool("MagicWand", "brush", blurradius=_i(0), defaultthreshold=_i(0)),
    _labels_ctl("BitmaskLabels", IMAGE, "bitmask"),
    _tool("Bitmask", "bitmask"),
    _labels_ctl(
        "VectorLabels",
        IMAGE,
        "vector",
        closable=B,
        curves=B,
        skeleton=B,
        minpoints=_i(0),
        maxpoints=_i(0),
    ),
    _tool("Vector", "vector", closable=B, curves=B, skeleton=B, minpoints=_i(0), maxpoints=_i(0)),
    _labels_ctl("HyperTextLabels", frozenset({"HyperText"})),
    _labels_ctl("ParagraphLabels", frozenset({"Paragraphs"})),
    _labels_ctl("TimeSeriesLabels", frozenset({"TimeSeries"})),
    _labels_ctl("TimelineLabels", frozenset({"Video"})),
    TagSpec(
        "VideoRectangle", "control", TOOL, NAME_TO, "videorectangle", None, frozenset({"Video"})
    ),
    TagSpec(
        "TextArea",
        "control",
        {
            **CONTROL,
            "value": S,
            "placeholder": S,
            "rows": _i(1),
            "maxsubmissions": _i(0),
            "editable": B,
            "transcription": B,
            "skipduplicates": B,
            "showsubmitbutton": B,
        },
        NAME_TO,
        "textarea",
        "text",
        ANY,
    ),
    TagSpec(
        "Number",
        "control",
        {**CONTROL, "min": _f(), "max": _f(), "step": _f(0), "defaultvalue": _f(), "slider": B},
        NAME_TO,
        "number",
        "number",
        ANY,
    ),
    TagSpec(
        "Rating",
        "control",
        {
            **CONTROL,
            "maxrating": _i(1, 100),
            "defaultvalue": _i(0, 100),
            "icon": _e("star", "heart", "fire", "smile"),
            "size": _e("small", "medium", "large"),
        },
        (("name",),),  # the gallery has a Rating without toName
        "rating",
        "rating",
        ANY,
    ),
    TagSpec(
        "DateTime",
        "control",
        {
            **CONTROL,
            "only": AttrSpec("csv-enum", ("date", "time", "month", "year")),
            "format": S,
            "min": S,
            "max": S,
        },
        NAME_TO,
        "datetime",
        "datetime",
        ANY,
    ),
    TagSpec(
        "Taxonomy",
        "control",
        {
            **CONTROL,
            "apiurl": S,
            "leafsonly": B,
            "showfullpath": B,
            "pathseparator": S,
            "maxusages": _i(0),
            "maxwidth": S,
            "minwidth": S,
            "placeholder": S,
            "legacy": B,
            "labeling": B,
            "choice": _e("single", "multiple"),
            "value": S,
        },
        NAME_TO,
        "taxonomy",
        "taxonomy",
        ANY,
        has_labels=True,
    ),
    TagSpec(
        "Pairwise",
        "control",
        {**CONTROL, "selectionstyle": S, "leftclass": S, "rightclass": S},
        NAME_TO,
        "pairwise",
        "selected",
        ANY,
    ),
    TagSpec("Ranker", "control", CONTROL, NAME_TO, "ranker", "ranker", frozenset({"List"})),
    TagSpec(
        "Relations",
        "control",
        {**VISIBILITY, "choice": _e("single", "multiple"), "name": S},
        (),
        "relation",
        "labels",
        has_labels=True,
    ),
    # SDK-only controls (Enterprise editor); parsed so their configs validate
    _labels_ctl("OcrLabels", frozenset({"Pdf", "Image"})),
    TagSpec(
        "VideoVector",
        "control",
        TOOL,
        NAME_TO,
        "videovector",
        None,
        frozenset({"Video"}),
        sdk_only=True,
    ),
    _labels_ctl("VideoVectorLabels", frozenset({"Video"})),
    TagSpec("Cube", "control", TOOL, NAME_TO, "cube", None, frozenset({"Object3D"}), sdk_only=True),
    _labels_ctl("CubeLabels", frozenset({"Object3D"})),
    TagSpec(
        "ChatMessage",
        "control",
        CONTROL,
        NAME_TO,
        "chatmessage",
        "chatmessage",
        frozenset({"Chat"}),
        sdk_only=True,
    ),
]
for _n in ("OcrLabels", "VideoVectorLabels", "CubeLabels"):
    _i_ = next(i for i, s in enumerate(_SPECS) if s.name == _n)
    _SPECS[_i_] = attrs.evolve(_SPECS[_i_], sdk_only=True)

LABEL_PARENTS = frozenset(
    s.name for s in _SPECS if s.kind == "control" and s.name.endswith("Labels")
)
_CHILD = {
    "value": S,
    "alias": S,
    "hotkey": S,
    "background": S,
    "selected": B,
    "hint": S,
    "html": S,
    "style": S,
}
_SPECS += [
    # --- children --------------------------------------------------------------------------
    TagSpec(
        "Label",
        "child",
        {
            **_CHILD,
            "maxusages": _i(0),
            "showalias": B,
            "aliasstyle": S,
            "size": S,
            "selectedcolor": S,
            "granularity": _e("symbol", "word"),
            "category": _i(0),
        },
        (("value",),),
        parents=LABEL_PARENTS,
    ),
    TagSpec(
        "Choice",
        "child",
        {**_CHILD, "color": S},
        (("value",),),
        parents=frozenset({"Choices", "Taxonomy", "Choice"}),
    ),
    TagSpec(
        "Relation",
        "child",
        {"value": S, "background": S},
        (("value",),),
        parents=frozenset({"Relations"}),
    ),
    TagSpec(
        "Shortcut",
        "child",
        {"value": S, "alias": S, "hotkey": S, "background": S},
        (("value",),),
        parents=frozenset({"TextArea"}),
    ),
    TagSpec(
        "Bucket",
        "child",
        {"name": S, "title": S, "default": B, "style": S},
        (("name",),),
        parents=frozenset({"Ranker"}),
    ),
    TagSpec(
        "Channel",
        "child",
        {
            "column": S,
            "legend": S,
            "units": S,
            "displayformat": S,
            "height": _i(0),
            "strokecolor": S,
            "strokewidth": _f(0),
            "markercolor": S,
            "markersize": _f(0),
            "markersymbol": S,
            "timerange": S,
            "datarange": S,
            "showaxis": B,
            "fixedscale": B,
        },
        (("column",),),
        parents=frozenset({"TimeSeries", "MultiChannel"}),
    ),
    TagSpec("MultiChannel", "child", {"height": _i(0)}, parents=frozenset({"TimeSeries"})),
    TagSpec("Panel", "child", {"value": S}, parents=frozenset({"Collapse"})),
    # --- visual ----------------------------------------------------------------------------
    TagSpec("View", "visual", {**VISIBILITY, "display": S, "idattr": S}),
    TagSpec(
        "Header", "visual", {**VISIBILITY, "value": S, "size": _i(1), "underline": B, "name": S}
    ),
    TagSpec("Style", "visual", {}),
    TagSpec("Collapse", "visual", {"accordion": B, "bordered": B, "open": S}),
    TagSpec(
        "Filter",
        "visual",
        {
            "toname": S,
            "name": S,
            "placeholder": S,
            "minlength": _i(0),
            "hotkey": S,
            "casesensitive": B,
            "cleanup": B,
        },
    ),
    TagSpec("Markdown", "visual", {**VISIBILITY, "value": S}),
    TagSpec("Dialog", "visual", {"name": S, "value": S}),
    TagSpec("PagedView", "visual", {}),
    # --- structural ------------------------------------------------------------------------
    TagSpec(
        "Repeater",
        "structural",
        {"on": S, "indexflag": S, "mode": _e("pagination", "list")},
        (("on",),),
    ),
]

TAGS: Mapping[str, TagSpec] = {s.name.lower(): s for s in _SPECS}


def lookup(tag: str) -> TagSpec | None:
    """The spec for ``tag`` matched case-insensitively, as the Label Studio editor does."""
    return TAGS.get(tag.lower())


@functools.lru_cache(maxsize=512)
def closest(tag: str) -> str | None:
    """The known tag name nearest to ``tag`` (difflib), for "did you mean" messages."""
    names = {s.name.lower(): s.name for s in _SPECS}
    found = difflib.get_close_matches(tag.lower(), list(names), n=1, cutoff=0.5)
    return names[found[0]] if found else None


def result_types() -> frozenset[str]:
    """Every result ``type`` a known control produces."""
    return frozenset(s.result_type for s in _SPECS if s.result_type)


# Attribute names as Label Studio documents them (matching is case-insensitive; these are
# only for messages and docs).
_SPELLING = {
    name.lower(): name
    for name in (
        "aliasStyle",
        "allowEmpty",
        "allowNested",
        "apiUrl",
        "audioUrl",
        "blurRadius",
        "brightnessControl",
        "canRotate",
        "caseSensitive",
        "className",
        "clickableLinks",
        "contextScroll",
        "contrastControl",
        "crossOrigin",
        "cursorColor",
        "dataRange",
        "defaultPlaybackSpeed",
        "defaultScale",
        "defaultSpeed",
        "defaultThreshold",
        "defaultValue",
        "defaultVolume",
        "defaultZoom",
        "displayFormat",
        "displayMode",
        "durationDisplayFormat",
        "fillColor",
        "fillOpacity",
        "fixedScale",
        "frameRate",
        "gridColor",
        "gridSize",
        "highlightColor",
        "horizontalAlignment",
        "idAttr",
        "indexFlag",
        "leafsOnly",
        "leftClass",
        "markerColor",
        "markerSize",
        "markerSymbol",
        "maxHeight",
        "maxPoints",
        "maxRating",
        "maxSubmissions",
        "maxUsages",
        "maxWidth",
        "minMessages",
        "minPlaybackSpeed",
        "minPoints",
        "minWidth",
        "nameKey",
        "negativeZoom",
        "overviewChannels",
        "overviewWidth",
        "pathSeparator",
        "perItem",
        "perRegion",
        "pointSize",
        "pointStyle",
        "requiredMessage",
        "rightClass",
        "rotateControl",
        "saveTextResult",
        "selectedColor",
        "selectionEnabled",
        "selectionStyle",
        "showAlias",
        "showAxis",
        "showFullPath",
        "showInline",
        "showLabels",
        "showPlayer",
        "showSubmitButton",
        "skipDuplicates",
        "smartOnly",
        "splitChannels",
        "strokeColor",
        "strokeWidth",
        "textKey",
        "timeColumn",
        "timeDisplayFormat",
        "timeFormat",
        "timeRange",
        "timelineHeight",
        "toName",
        "valueList",
        "valueType",
        "verticalAlignment",
        "visibleWhen",
        "waveHeight",
        "whenChoiceValue",
        "whenLabelValue",
        "whenRole",
        "whenTagName",
        "zoomBy",
        "zoomControl",
    )
}


def spelled(attribute: str) -> str:
    """``toname`` -> ``toName``: an attribute name as the docs write it."""
    return _SPELLING.get(attribute.lower(), attribute)
