"""Deeply nested JSON: refused before any parser builds it, with the row that nests too deep.

A 200 KB body of ``[[[[...`` made the streamed JSON import allocate tens of gigabytes (ijson
builds a prefix string per level: the host process was killed), and JSON a thousand levels
deep made ``json.loads``/``json.dumps`` raise ``RecursionError`` (500s, and tasks stored that
deep broke every later read). See ``labelcore._jsondepth``.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from typing import Any

import pytest

from labelcore import LabelCore, User
from labelcore._jsondepth import MAX_DEPTH, TooDeep, _Scanner, check_depth, loads
from labelcore.errors import ValidationError
from labelcore.formats.readers import read_json

MANAGER = User(id="m", name="M", roles=frozenset({"manager"}))
CONFIG = '<View><Text name="text" value="$text"/></View>'


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@pytest.fixture()
def core() -> Any:
    c = LabelCore(store="memory://", start_jobs=False)
    yield c
    c.close()


def test_nested_json_bomb_import_is_refused_before_it_is_built(core: LabelCore) -> None:
    project = core.create_project(MANAGER, title="Bomb", label_config=CONFIG)
    bomb = b"[" * 20_000 + b"]" * 20_000  # 40 KB; the old import peaked at about 1 GB
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match="nested more than 100 levels") as exc:
            core.import_tasks(MANAGER, project.id, io.BytesIO(bomb), filename="bomb.json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak
    assert exc.value.errors[0]["row"] == 1
    assert core.project_counts(MANAGER, project.id).task_count == 0


@pytest.mark.parametrize("bad_row", [1, 2, 700, 1500, 4000])
def test_nested_json_import_names_the_row_that_nests_too_deep(
    core: LabelCore, bad_row: int
) -> None:
    """ijson reads 64 KB ahead of the rows it yields; the row named is still the bad one."""
    project = core.create_project(MANAGER, title="Rows", label_config=CONFIG)
    rows: list[Any] = [{"text": f'row {i} \\ " [ {{', "n": [[i]]} for i in range(1, 4001)]
    rows[bad_row - 1] = {"text": "deep", "nested": _nested(MAX_DEPTH)}
    raw = json.dumps(rows).encode()
    with pytest.raises(ValidationError) as exc:
        core.import_tasks(MANAGER, project.id, io.BytesIO(raw), filename="rows.json")
    assert exc.value.errors[0]["row"] == bad_row, exc.value
    assert f"row {bad_row}: JSON nested more than {MAX_DEPTH} levels deep" in str(exc.value)


def test_nested_jsonl_line_is_refused(core: LabelCore) -> None:
    project = core.create_project(MANAGER, title="Lines", label_config=CONFIG)
    lines = [json.dumps({"text": "ok"}), json.dumps({"text": "x", "n": _nested(500)})]
    with pytest.raises(ValidationError, match="line 2: .*nested more than 100") as exc:
        core.import_tasks(
            MANAGER, project.id, io.BytesIO("\n".join(lines).encode()), filename="t.jsonl"
        )
    assert exc.value.errors[0]["row"] == 2


def test_nesting_up_to_the_limit_still_imports(core: LabelCore) -> None:
    project = core.create_project(MANAGER, title="Fine", label_config=CONFIG)
    row = {"text": "ok", "tree": _nested(MAX_DEPTH - 2)}  # list + object + this = the limit
    report = core.import_tasks(
        MANAGER, project.id, io.BytesIO(json.dumps([row]).encode()), filename="t.json"
    )
    (task,) = [core.get_task(MANAGER, t).task for t in report.task_ids]
    assert task.data["tree"] == row["tree"]


def test_nested_json_bomb_is_refused_by_every_reader_of_untrusted_json() -> None:
    bomb = "[" * 5000 + "]" * 5000
    with pytest.raises(TooDeep):
        loads(bomb)
    with pytest.raises(ValidationError, match="nested more than"):
        list(read_json(io.BytesIO(bomb.encode())))
    assert loads('{"a": [1, [2, "[[[["]]}') == {"a": [1, [2, "[[[["]]}


TRICKY = [
    {"s": 'a\\"[[[', "t": [[{}]]},
    ["\\", ["\\\\", [['\\\\\\"]]]]']]]],
    {'"[': {"k}": '\\"'}, "u": "\u00e9\\u0041{"},
    [[[[[]]]], "]]]]", [["[[["]]],
]


@pytest.mark.parametrize("value", TRICKY, ids=range(len(TRICKY)))
def test_depth_scan_reads_strings_and_escapes_as_a_parser_does(value: Any) -> None:
    """Brackets inside strings do not count, whatever the escapes, and wherever the text is
    cut between two reads."""
    raw = json.dumps(value).encode()
    depth = _depth(value)
    for limit in (depth - 1, depth):
        for i in range(len(raw) + 1):
            for j in range(i, len(raw) + 1):
                scanner = _Scanner(limit)
                try:
                    for piece in (raw[:i], raw[i:j], raw[j:]):
                        scanner.feed(piece)
                except TooDeep:
                    assert limit < depth, (raw, i, j)
                else:
                    assert limit >= depth, (raw, i, j)
                    assert scanner.depth == 0 and not scanner.in_string
    check_depth(raw, depth)
