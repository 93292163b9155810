"""Hostile input that used to be a 500: deeply nested JSON anywhere JSON is read (bodies,
the data manager's ``query``, ``ids``), and digits that ``str.isdigit`` accepts but ``int``
does not ("²", or more than 4300 of them) in query values, headers and result fields.
Each is a 400 that names the problem, through both adapters, and changes nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from lc_adapter_world import NEG

from labelcore.service import LabelCore

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 3000 + "1" + "}" * 3000
SUPERSCRIPT_TWO = "\u00b2"  # "²".isdigit() is True; int("²") raises ValueError
HUGE = "9" * 5000  # int() refuses more than 4300 digits


def _deep_bodies(w: dict[str, Any]) -> list[tuple[str, str, str]]:
    p, t, a = w["project"], w["tasks"][2], w["annotation"]
    return [
        ("PATCH", f"/api/projects/{p}", DEEP_OBJECT),
        ("POST", f"/api/tasks/{t}/annotations", '{"result": ' + DEEP + "}"),
        ("PATCH", f"/api/annotations/{a}", '{"result": ' + DEEP + "}"),
        ("POST", "/api/tasks", f'{{"project": {p}, "data": {{"text": {DEEP}}}}}'),
        ("POST", "/api/dm/views", f'{{"project": {p}, "data": {DEEP_OBJECT}}}'),
        ("POST", f"/api/projects/{p}/import", '[{"text": "x", "deep": ' + DEEP + "}]"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_nested_json_bomb_body_is_400_not_500(
    client: Any, users: Any, world: Any, core: LabelCore, case: int
) -> None:
    a = world["a"]
    client.login(users["a-manager"])
    before = [core.get_task(users["a-manager"], t).task for t in a["tasks"]]
    method, path, body = _deep_bodies(a)[case]
    r = client.request(method, path, body=body.encode(), content_type="application/json")
    assert r.status == 400, r
    assert "nested more than 100 levels" in r.json()["detail"], r
    after = [core.get_task(users["a-manager"], t).task for t in a["tasks"]]
    assert after == before
    assert core.project_counts(users["a-manager"], a["project"]).task_count == 3


def test_nested_json_bomb_in_query_parameters_is_400_not_500(
    client: Any, users: Any, world: Any
) -> None:
    p = world["a"]["project"]
    client.login(users["a-manager"])
    deep_query = '{"filters": ' + "[" * 1500 + "]" * 1500 + "}"
    for path in (
        f"/api/tasks?project={p}&query={quote(deep_query)}",
        f"/api/projects/{p}/file-uploads?ids={quote('[' * 1500 + ']' * 1500)}",
    ):
        r = client.get(path)
        assert r.status == 400, (path[:60], r)


def test_unicode_and_overlong_digits_are_400_not_500(client: Any, users: Any, world: Any) -> None:
    a = world["a"]
    p, ann = a["project"], a["annotation"]
    client.login(users["a-manager"])
    for bad in (SUPERSCRIPT_TWO, HUGE):
        r = client.patch(f"/api/annotations/{ann}", json={"result": NEG}, headers={"If-Match": bad})
        assert r.status == 400 and r.json()["validation_errors"].get("If-Match"), r
        r = client.get(f"/api/projects/{p}/export?exportType=JSON&ids={bad}")
        assert r.status == 400 and "ids must be task ids" in r.json()["detail"], r
    assert client.get(f"/api/projects/{p}/export?exportType=JSON&ids=2147483648").status == 400
    assert client.get(f"/api/projects/{p}/review/queue?annotator={SUPERSCRIPT_TWO}").status == 200
    assert client.get(f"/projects/{p}/review?annotator={SUPERSCRIPT_TWO}").status == 200
    for bad in (SUPERSCRIPT_TWO, HUGE):
        r = client.get(f"/projects/{p}/label?task={bad}", headers={"Accept": "text/html"})
        assert r.status == 200, r
        assert b'"taskId":null' in r.body.replace(b" ", b""), r.body[:200]


def test_unicode_digit_paragraph_index_is_a_result_error(
    client: Any, users: Any, core: LabelCore
) -> None:
    manager = users["a-manager"]
    project = core.create_project(
        manager,
        title="Dialogue",
        label_config='<View><Paragraphs name="p" value="$d" layout="dialogue"/>'
        '<Labels name="l" toName="p"><Label value="X"/></Labels></View>',
    )
    (task,) = core.import_tasks(
        manager, project.id, [{"d": [{"author": "a", "text": "hi"}]}]
    ).task_ids
    client.login(manager)
    for bad in (SUPERSCRIPT_TWO, HUGE):
        value = {"start": bad, "end": "0", "startOffset": 0, "endOffset": 1, "labels": ["X"]}
        result = [{"from_name": "l", "to_name": "p", "type": "labels", "value": value}]
        r = client.post(f"/api/tasks/{task}/annotations", json={"result": result})
        assert r.status == 400 and r.json()["code"] == "result.invalid", r
