"""The reused C JSON encoder writes what ``json.JSONEncoder`` writes, errors included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore._jsontext import compact_encoder

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        | st.dictionaries(st.integers(), inner, max_size=3)
    ),
    max_leaves=20,
)


def _outcome(encode: Any, value: Any) -> tuple[str, str]:
    try:
        return "ok", encode(value)
    except (TypeError, ValueError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("sort_keys", [False, True])
@pytest.mark.parametrize("allow_nan", [False, True])
@settings(max_examples=150, deadline=None)
@given(value=_values)
def test_same_text_and_errors_as_the_stdlib(sort_keys: bool, allow_nan: bool, value: Any) -> None:
    stdlib = json.JSONEncoder(
        ensure_ascii=False, allow_nan=allow_nan, sort_keys=sort_keys, separators=(",", ":")
    ).encode
    mine = compact_encoder(sort_keys=sort_keys, allow_nan=allow_nan)
    assert _outcome(mine, value) == _outcome(stdlib, value)
    bad = {"v": value, "o": object()}
    assert _outcome(mine, bad) == _outcome(stdlib, bad)


def test_a_value_that_contains_itself_is_the_stdlibs_error() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular reference detected"):
        compact_encoder()(loop)
    assert compact_encoder()({"after": [1, 2.5]}) == '{"after":[1,2.5]}'  # still usable
