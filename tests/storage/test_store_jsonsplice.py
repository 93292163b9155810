"""The JSON export splices stored JSON text: ``spaced_all`` (SQLite's compact text) and
``jsonb_texts`` (PostgreSQL's JSONB text) must give exactly what decoding and encoding
with the export's options gives, for any JSON and for text stored in other forms."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore.storage.sql._jsonsplice import jsonb_texts, spaced, spaced_all

EXPORT = json.JSONEncoder(ensure_ascii=False).encode
STORED = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode

# strings heavy in what the splice must get right: separators, quotes, escapes, the
# characters it uses as stand-ins, non-ASCII
_chars = st.sampled_from(
    [",", ":", '"', "\\", "\n", "\t", "\x00", "\x01", "\x02", "\x03", "\x1f", "\x7f", " "]
    + ["a", "0", "é", "😀", "\u2028", "{", "]", "e", "-"]
)
_text = st.lists(_chars, max_size=8).map("".join) | st.text(max_size=8)
_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-05, -1.2e-07, 1e16, 1.5e300, -0.0, 0.0001])
    | _text
)
_json = st.recursive(
    _leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


def _reference(text: str) -> str:
    return EXPORT(json.loads(text))


@settings(max_examples=400, deadline=None)
@given(st.lists(_json, min_size=1, max_size=6))
def test_compact_text_is_respaced_exactly(values: list[Any]) -> None:
    texts = [STORED(v) for v in values]
    assert spaced_all(texts) == [EXPORT(v) for v in values]
    assert [spaced(t) for t in texts] == [EXPORT(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_json, st.integers(0, 3)), min_size=1, max_size=6))
def test_text_in_another_form_is_reencoded(items: list[tuple[Any, int]]) -> None:
    """ASCII escapes, spaces, indentation: what other writers store is not spliced."""
    forms = [
        STORED,
        json.dumps,
        lambda v: json.dumps(v, indent=1),
        lambda v: json.dumps(v, ensure_ascii=False, separators=(", ", ":")),
    ]
    texts = [forms[k](v) for v, k in items]
    assert spaced_all(texts) == [_reference(t) for t in texts]


def test_splice_keeps_separators_inside_strings() -> None:
    stored = '{"a, b":"c: d","e":[":",",","\\":","\\\\"],":":","}'
    assert spaced(stored) == EXPORT(json.loads(stored))
    assert spaced(stored) == '{"a, b": "c: d", "e": [":", ",", "\\":", "\\\\"], ":": ","}'


def test_jsonb_text_is_kept_except_small_floats() -> None:
    # JSONB's text output: the export's separators and escapes, decimals for small floats
    texts = ['{"a": [1, 2.5], "b": "x\\n"}', '{"s": 0.00001}', '["0.00001"]']
    assert jsonb_texts(texts) == [texts[0], '{"s": 1e-05}', texts[2]]
    assert jsonb_texts(texts[:1])[0] is texts[0]
