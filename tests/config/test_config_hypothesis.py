# ruff: noqa: E501  (strategies read best on one line)
"""Property tests: the config engine answers any input with ConfigError or problems, never a crash."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelcore import ConfigError, LabelConfig, ResultProblem, parse_config
from labelcore.config import DataProblem
from labelcore.config.tags import TAGS

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.xml"))
TEXTS = [p.read_text() for p in CORPUS]
CONFIGS = [parse_config(t) for t in TEXTS]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # costly to generate

TAG_NAMES = [s.name for s in TAGS.values()] + ["Foo", "view", "LABEL", "x:y"]
ATTR_NAMES = sorted({a for s in TAGS.values() for a in s.attrs}) + [
    "toName",
    "valueList",
    "indexFlag",
]
ATTR_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "true",
            "false",
            "1",
            "-5",
            "1e400",
            "nan",
            "$x",
            "$a.b",
            "{{idx}}",
            "a,b",
            "single",
            "multiple",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
)


def parse_or_config_error(text: str) -> LabelConfig | None:
    try:
        return parse_config(text)
    except ConfigError as exc:
        assert exc.problems and all(p.code.startswith("config.") for p in exc.problems)
        return None


@st.composite
def xml_trees(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAG_NAMES))
    attrs = draw(st.dictionaries(st.sampled_from(ATTR_NAMES), ATTR_VALUES, max_size=4))
    names = draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=2))
    if names:
        attrs["name"] = names[0]
    if len(names) > 1:
        attrs["toName"] = names[1]
    rendered = " ".join(f'{k}="{_escape(v)}"' for k, v in attrs.items())
    children = draw(st.lists(xml_trees(depth + 1), max_size=3)) if depth < 2 else []
    return f"<{tag} {rendered}>{''.join(children)}</{tag}>"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@SETTINGS
@given(st.text())
def test_random_text_raises_only_config_error(text: str) -> None:
    parse_or_config_error(text)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_config_error(data: bytes) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(data)


@FEWER
@given(st.lists(xml_trees(), min_size=1, max_size=3))
def test_random_tag_trees_raise_only_config_error(children: list[str]) -> None:
    cfg = parse_or_config_error(f"<View>{''.join(children)}</View>")
    if cfg is not None:
        assert isinstance(cfg.check_task_data(cfg.sample_task()), list)


@SETTINGS
@given(st.sampled_from(TEXTS), st.data())
def test_mutated_corpus_configs_raise_only_config_error(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(pos, min(len(text), pos + 20)))
        insert = data.draw(
            st.sampled_from(
                [
                    "",
                    "<",
                    ">",
                    "/",
                    '"',
                    "<View>",
                    "</View>",
                    "&",
                    "$",
                    'name="x" ',
                    "<!--",
                    "-->",
                    "{{idx}}",
                ]
            )
            | st.text(max_size=5)
        )
        text = text[:pos] + insert + text[end:]
    cfg = parse_or_config_error(text)
    if cfg is not None:
        assert isinstance(cfg.validate_result([]), list)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4)
        # Python callers may hand over non-string keys too
        | st.dictionaries(st.text(max_size=6) | st.integers() | st.none(), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "x",
    "y",
    "width",
    "height",
    "rotation",
    "points",
    "start",
    "end",
    "text",
    "labels",
    "choices",
    "rating",
    "number",
    "taxonomy",
    "ranker",
    "selected",
    "sequence",
    "ranges",
    "rle",
    "vertices",
    "startOffset",
    "endOffset",
    "datetime",
]


@st.composite
def result_items(draw: st.DrawFn, cfg: LabelConfig) -> Any:
    controls = list(cfg.controls.values())
    if not controls or draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    ctl = draw(st.sampled_from(controls))
    to_name = draw(st.sampled_from([*ctl.to_names, "zz", ctl.name]))
    value = draw(
        st.dictionaries(
            st.sampled_from(KEYS + [ctl.result_type]), JSON | st.floats(-200, 200), max_size=6
        )
    )
    item: dict[str, Any] = {
        "id": draw(st.sampled_from(["a", "b", 1, None])),
        "from_name": ctl.name,
        "to_name": to_name,
        "type": draw(
            st.sampled_from([ctl.result_type, "labels", "relation", "choices", "rectanglelabels"])
        ),
        "value": value,
    }
    for key in draw(
        st.lists(
            st.sampled_from(["from_id", "to_id", "direction", "item_index", "score", "value"]),
            max_size=3,
        )
    ):
        item[key] = draw(JSON)
    return item


@FEWER
@given(st.data())
def test_random_results_get_problems_never_exceptions(data: st.DataObject) -> None:
    cfg = data.draw(st.sampled_from(CONFIGS))
    result = data.draw(st.lists(result_items(cfg), max_size=6) | JSON)
    task = data.draw(st.none() | st.just(cfg.sample_task()) | JSON)
    found = cfg.validate_result(result, task) + cfg.missing_required(result)
    assert all(isinstance(p, ResultProblem) for p in found)


@SETTINGS
@given(st.sampled_from(CONFIGS), JSON)
def test_random_task_data_gets_problems_never_exceptions(cfg: LabelConfig, data: Any) -> None:
    assert all(isinstance(p, DataProblem) for p in cfg.check_task_data(data))


@SETTINGS
@given(
    st.sampled_from(CONFIGS),
    st.sampled_from(CONFIGS),
    st.dictionaries(
        st.text(max_size=5),
        st.dictionaries(st.text(max_size=5), st.integers(0, 9), max_size=3),
        max_size=4,
    ),
)
def test_random_usage_gets_incompatibilities_never_exceptions(
    old: LabelConfig, new: LabelConfig, used: dict[str, dict[str, int]]
) -> None:
    assert isinstance(old.incompatibilities(new, used), list)
