"""Stored JSON text as the JSON export writes it, without decoding it when it can be spliced.

    from labelcore.storage.sql._jsonsplice import spaced, spaced_all
    spaced('{"a":[1,"x, y"]}')      # '{"a": [1, "x, y"]}' == json.dumps(json.loads(...))
    spaced_all(texts)               # the same for a batch of documents, in one pass

The JSON export writes every value as ``json.dumps(value, ensure_ascii=False)`` (separators
``", "`` and ``": "``). The store keeps compact text on SQLite (``engine.dumps``) and JSONB on
PostgreSQL, whose text output already has those separators. Decoding a value only to encode
it again was most of the JSON export's cost; these functions return the same text from the
stored one with a few C-level string operations, and fall back to ``json`` for any text that
is not in the form the store writes (rows written by older versions with other options, or
by hand), so the result always equals ``json.dumps(json.loads(text), ensure_ascii=False)``.

The text is taken to be JSON (the store wrote it through its JSON columns), and numbers as
written: every writer of these columns is Python's JSON encoder, whose number text
(``repr``) decodes and encodes to itself.
"""

from __future__ import annotations

import json
import re

from labelcore._jsontext import export_dumps

_loads = json.loads
_dumps = export_dumps  # the export's encoding

# after \\ and \" are replaced: a backslash that does not start an escape Python's encoder
# writes (ensure_ascii=False): \n \r \t \b \f, or \u00XX for the other control characters
_OTHER_ESCAPE = re.compile(r"\\(?![nrtbf]|u00(?:0[0-7bef]|1[0-9a-f]))")
# what compact JSON has outside its strings: structure, numbers, true/false/null (no space)
_OUTSIDE = re.compile(r"[\x00\x03\[\]{},:0-9.+\-aeflnrstu]*")


def _reencoded(text: str) -> str:
    return _dumps(_loads(text))


def _respace(work: str, docs: int) -> str | None:
    """``work`` (documents joined by \x03, \\ and \" replaced) with the export's
    separators, or None when it is not compact JSON text as the store writes it."""
    parts = work.split('"')
    outside = "\x00".join(parts[0::2])  # the text between strings
    # every separator between strings (each document's quotes pair up) and only
    # structure, numbers and literals there: no whitespace, nothing else
    if outside.count("\x03") != docs - 1 or _OUTSIDE.fullmatch(outside) is None:
        return None
    parts[0::2] = outside.replace(",", ", ").replace(":", ": ").split("\x00")
    return '"'.join(parts)


def spaced(text: str) -> str:
    """Compact JSON text (SQLite's stored form) as the export writes it."""
    return spaced_all([text])[0]


def spaced_all(texts: list[str]) -> list[str]:
    """``spaced`` of each text, in one pass over all of them (a batch's documents)."""
    if not texts:
        return []
    joined = "\x03".join(texts)
    # raw control characters never appear in JSON text (strings escape them), so \x00-\x03
    # can stand in for separators and escapes (\x03 joins the documents: counted instead)
    if (
        "\x00" not in joined
        and "\x01" not in joined
        and "\x02" not in joined
        and joined.count("\x03") == len(texts) - 1
    ):
        work: str | None = joined
        if "\\" in joined:
            # every remaining '"' is then a string delimiter
            work = joined.replace("\\\\", "\x01").replace('\\"', "\x02")
            if _OTHER_ESCAPE.search(work) is not None:
                work = None
        out = None if work is None else _respace(work, len(texts))
        if out is not None:
            if work is not joined:
                out = out.replace("\x01", "\\\\").replace("\x02", '\\"')
            return out.split("\x03") if len(texts) > 1 else [out]
    if len(texts) == 1:
        return [_reencoded(texts[0])]
    return [spaced(t) for t in texts]


def jsonb_texts(texts: list[str]) -> list[str]:
    """PostgreSQL's JSONB text output as the export writes it. JSONB prints the export's
    separators and escapes and keeps key order as its text shows it; only numbers differ
    from Python's: a float below 1e-4 (``1e-05``) prints as ``0.00001``."""
    if "0.0000" in "\x03".join(texts):
        return [_reencoded(t) if "0.0000" in t else t for t in texts]
    return texts
