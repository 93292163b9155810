"""Compact JSON text from the stdlib's C encoder, built once instead of per call (private).

from labelcore._jsontext import compact_encoder
encode = compact_encoder(sort_keys=True, allow_nan=True)
encode({"b": 1, "a": [1.5]})  # '{"a":[1.5],"b":1}'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

# ``json.dumps(value, ensure_ascii=False)`` with one encoder built once: the text Label
# Studio's exports (and stored user ids) are written in
export_dumps: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False).encode


def _default(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def compact_encoder(*, sort_keys: bool = False, allow_nan: bool = False) -> Callable[[Any], str]:
    """The text of ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=...,
    allow_nan=...).encode``, errors included, for a fraction of the per-call cost.

    ``JSONEncoder.encode`` builds a new C encoder (and a float formatter closure) on every
    call, which costs more than encoding a small task. The one built here is reused; it skips
    the circular-reference bookkeeping, so a value that contains itself recurses until
    Python's limit and is then encoded again by the stdlib, which raises the usual error."""
    stdlib = json.JSONEncoder(
        ensure_ascii=False, allow_nan=allow_nan, sort_keys=sort_keys, separators=(",", ":")
    ).encode
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return stdlib
    chunks = c_make_encoder(
        None, _default, encode_basestring, None, ":", ",", sort_keys, False, allow_nan
    )

    def encode(value: Any) -> str:
        try:
            return "".join(chunks(value, 0))
        except RecursionError:
            return stdlib(value)

    return encode
