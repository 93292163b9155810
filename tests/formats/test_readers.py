"""Streaming task-file readers: JSON, JSONL, CSV, TSV, TXT."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore.errors import LabelcoreError, ValidationError
from labelcore.formats import readers


def rows(reader, data: bytes, **kw):
    return list(reader(io.BytesIO(data), **kw))


def test_json_array_is_streamed_item_by_item() -> None:
    data = json.dumps([{"data": {"text": "a"}}, {"text": "b"}, {"x": 1.5}]).encode()
    assert rows(readers.read_json, data) == [
        (1, {"data": {"text": "a"}}),
        (2, {"text": "b"}),
        (3, {"x": 1.5}),
    ]


def test_json_single_object_and_bom_and_leading_space() -> None:
    data = b"\xef\xbb\xbf" + b" " * 70000 + b'\n{"text": "only"}'
    assert rows(readers.read_json, data) == [(1, {"text": "only"})]


def test_json_floats_are_floats_not_decimals() -> None:
    [(_, item)] = rows(readers.read_json, b'[{"s": 0.25, "n": 3}]')
    assert type(item["s"]) is float and type(item["n"]) is int


def test_json_is_lazy() -> None:
    """The reader yields the first item before the broken tail is read."""
    data = b'[{"a": 1}, {"b": 2}, ' + b" " * 200000 + b"{broken"
    gen = readers.read_json(io.BytesIO(data))
    assert next(gen) == (1, {"a": 1})
    assert next(gen) == (2, {"b": 2})
    with pytest.raises(ValidationError, match="row 3: invalid JSON"):
        next(gen)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b'"text"', "expected a list of tasks"),
        (b"[1, 2", "row 3: invalid JSON"),
        (b'{"a": }', "JSON: invalid JSON"),
        (b'[{"a": "\xff"}]', "row 1"),
    ],
)
def test_json_errors_name_the_row(data: bytes, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle) as info:
        rows(readers.read_json, data)
    assert info.value.code == "import.invalid_file"


def test_jsonl_lines_and_errors() -> None:
    data = b'{"text": "a"}\n\n{"text": "b"}\r\n'
    assert rows(readers.read_jsonl, data) == [(1, {"text": "a"}), (3, {"text": "b"})]
    with pytest.raises(ValidationError, match="line 2: invalid JSON"):
        rows(readers.read_jsonl, b'{"a": 1}\n{nope}\n')


def test_csv_sniffs_semicolon_like_label_studio() -> None:
    data = b"text;label\nhello, world;pos\n"
    assert rows(readers.read_csv, data) == [(1, {"text": "hello, world", "label": "pos"})]
    data = b'text,score\n"a;b",1\n'
    assert rows(readers.read_csv, data) == [(1, {"text": "a;b", "score": "1"})]


def test_csv_quoting_multiline_and_missing_cells() -> None:
    data = b'text,meta,n\r\n"line1\nline2",x\r\n"007","",3\r\n'
    assert rows(readers.read_csv, data) == [
        (1, {"text": "line1\nline2", "meta": "x", "n": ""}),
        (2, {"text": "007", "meta": "", "n": "3"}),
    ]


def test_csv_errors() -> None:
    with pytest.raises(ValidationError, match="row 2 \\(line 3\\): 3 cells but the header has 2"):
        rows(readers.read_csv, b"a,b\n1,2\n1,2,3\n")
    with pytest.raises(ValidationError, match="'a' appears twice"):
        rows(readers.read_csv, b"a,a\n1,2\n")
    with pytest.raises(ValidationError, match="empty"):
        rows(readers.read_csv, b"")
    with pytest.raises(ValidationError, match="not UTF-8"):
        rows(readers.read_csv, b"a\n\xff\xfe\n")
    # an unnamed column gets pandas' name, as in Label Studio
    assert rows(readers.read_csv, b",text\n0,hi\n") == [(1, {"Unnamed: 0": "0", "text": "hi"})]


def test_tsv_by_extension() -> None:
    data = b"text\tlabel\na,b;c\tx\n"
    assert list(readers.read_tasks(io.BytesIO(data), filename="T.TSV")) == [
        (1, {"text": "a,b;c", "label": "x"})
    ]


def test_txt_one_task_per_line() -> None:
    data = b"first line\r\n\n  second \n"
    assert rows(readers.read_txt, data) == [
        (1, {"$undefined$": "first line"}),
        (3, {"$undefined$": "  second "}),
    ]


def test_unknown_extension_is_refused() -> None:
    with pytest.raises(ValidationError, match="unsupported task file type .xlsx"):
        readers.reader_for("tasks.xlsx")


def test_reader_memory_does_not_hold_the_file() -> None:
    """A generator over a 20 MB array keeps only the current item."""
    import tracemalloc

    n = 20_000
    blob = b"[" + b",".join(b'{"text": "%d %s"}' % (i, b"x" * 400) for i in range(n)) + b"]"
    tracemalloc.start()
    count = sum(1 for _ in readers.read_json(io.BytesIO(blob)))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    assert peak < 1_500_000  # the file is ~8 MB


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(sorted(readers.READERS)))
def test_readers_raise_only_labelcore_errors_on_bytes(data: bytes, ext: str) -> None:
    with contextlib.suppress(LabelcoreError):
        list(readers.read_tasks(io.BytesIO(data), filename="f" + ext))


json_text = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
).map(json.dumps)


@settings(max_examples=100, deadline=None)
@given(json_text, st.integers(min_value=0, max_value=20), st.sampled_from(sorted(readers.READERS)))
def test_readers_raise_only_labelcore_errors_on_mangled_json(text: str, cut: int, ext: str) -> None:
    data = text.encode()[: max(0, len(text) - cut)]
    with contextlib.suppress(LabelcoreError):
        list(readers.read_tasks(io.BytesIO(data), filename="f" + ext))
