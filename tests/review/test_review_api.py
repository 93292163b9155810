"""The review/quality JSON API through the framework-free WebApp."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from rv_fixtures import ANN_A, ANN_B, MANAGER, REVIEWER, choice, make_project, task_ids

from labelcore import LabelCore, User
from labelcore.model import MAX_ID
from labelcore.web.app import WebApp
from labelcore.web.http import MultiDict, Request, Response


@pytest.fixture()
def app(core: LabelCore) -> WebApp:
    return WebApp(core, identify=lambda native: native, csrf=None)


def call(
    app: WebApp, user: User | None, method: str, path: str, body: Any = None, **query: Any
) -> Response:
    raw = None if body is None else json.dumps(body).encode()
    headers = [("Content-Type", "application/json")] if raw is not None else []
    from labelcore.web.http import Headers

    req = Request(
        method=method,
        path=path,
        query=MultiDict([(k, str(v)) for k, v in query.items()]),
        headers=Headers(headers),
        body=raw,
        native=user,
    )
    return app.handle(req)


def body(resp: Response) -> Any:
    """The JSON body, whole or streamed (agreement and statistics write theirs in parts)."""
    return json.loads(b"".join(resp.iter_body()))


def test_review_cycle_over_http(app: WebApp, core: LabelCore) -> None:
    project = make_project(core)
    tid = task_ids(core, project.id)[0]
    ann = core.submit_annotation(ANN_A, tid, choice("Positive"))
    nxt = call(app, REVIEWER, "GET", f"/api/projects/{project.id}/review/next")
    assert nxt.status == 200, nxt.body
    got = body(nxt)
    assert got["annotation"]["id"] == ann.id and got["task"]["id"] == tid
    assert got["state"] == "annotated"
    resp = call(
        app,
        REVIEWER,
        "POST",
        "/api/annotation-reviews",
        {"annotation": ann.id, "accepted": False, "comment": "negative!"},
    )
    assert resp.status == 201, resp.body
    review = body(resp)
    assert review["accepted"] is False and review["comment"] == "negative!"
    assert call(app, REVIEWER, "GET", f"/api/projects/{project.id}/review/next").status == 404
    mine = body(call(app, ANN_A, "GET", f"/api/projects/{project.id}/review/rejected"))
    assert [m["review"]["comment"] for m in mine] == ["negative!"]
    assert body(call(app, ANN_A, "GET", "/api/annotation-reviews", project=project.id)) == [review]
    assert body(call(app, ANN_A, "GET", f"/api/annotation-reviews/{review['id']}")) == review
    core.update_annotation(ANN_A, ann.id, result=choice("Negative"))
    fixed = call(
        app,
        REVIEWER,
        "POST",
        "/api/annotation-reviews",
        {"annotation": ann.id, "accepted": True, "result": choice("Positive")},
    )
    assert fixed.status == 201 and body(fixed)["action"] == "fixed_and_accepted"
    states = body(call(app, MANAGER, "GET", f"/api/projects/{project.id}/review/states"))
    assert states["tasks"][str(tid)] == "accepted"
    assert core.get_annotation(MANAGER, ann.id).result == choice("Positive")


def test_review_api_validation_and_roles(app: WebApp, core: LabelCore) -> None:
    project = make_project(core)
    ann = core.submit_annotation(ANN_A, task_ids(core, project.id)[0], choice())
    post = "/api/annotation-reviews"
    assert call(app, REVIEWER, "POST", post, {"annotation": ann.id}).status == 400
    assert call(app, REVIEWER, "POST", post, {"annotation": "x", "accepted": True}).status == 400
    bad_result = {"annotation": ann.id, "accepted": True, "result": "nope"}
    assert call(app, REVIEWER, "POST", post, bad_result).status == 400
    assert call(app, ANN_B, "POST", post, {"annotation": ann.id, "accepted": True}).status == 404
    assert call(app, None, "GET", post, project=project.id).status == 401
    assert call(app, ANN_A, "GET", f"/api/projects/{project.id}/review/next").status == 403
    assert call(app, ANN_A, "GET", f"/api/projects/{project.id}/agreement").status == 403
    assert call(app, REVIEWER, "GET", "/api/projects/999/agreement").status == 404
    q = f"/api/projects/{project.id}/review/queue"
    assert call(app, REVIEWER, "GET", q, min_agreement="x").status == 400
    assert call(app, REVIEWER, "GET", q, since="yesterday").status == 400
    assert call(app, REVIEWER, "GET", q, since="2020-01-01T00:00:00Z").status == 200
    more = f"/api/projects/{project.id}/review/request-more"
    assert call(app, MANAGER, "POST", more, {"tasks": []}).status == 400
    assert call(app, MANAGER, "POST", more, {"tasks": [True]}).status == 400
    assert call(app, REVIEWER, "POST", more, {"tasks": [ann.task_id]}).status == 403
    assert body(call(app, MANAGER, "POST", more, {"tasks": [ann.task_id]})) == {"tasks": 1}
    assert core.list_reviews(MANAGER, project_id=project.id) == []


def test_agreement_and_stats_json_and_csv(app: WebApp, core: LabelCore) -> None:
    project = make_project(core, 2, maximum_annotations=2)
    t1, t2 = task_ids(core, project.id)
    core.submit_annotation(ANN_A, t1, choice("Positive"), lead_time=4)
    core.submit_annotation(ANN_B, t1, choice("Positive"), lead_time=6)
    core.submit_annotation(ANN_A, t2, choice("Negative"), lead_time=8)
    base = f"/api/projects/{project.id}"
    report = body(call(app, REVIEWER, "GET", base + "/agreement"))
    # ids as the host gave them (3 is an int, "b" a string), as completed_by is written
    assert report["agreement"] == 1.0 and report["pairs"][0]["annotators"] == [3, "b"]
    assert report["annotators"] == [3, "b"]
    stats = body(call(app, MANAGER, "GET", base + "/stats"))
    assert [(a["annotator"], a["annotations"]) for a in stats["annotators"]] == [(3, 2), ("b", 1)]
    assert stats["annotations"] == 3 and stats["median_lead_time"] == 6
    assert stats["labels"] == {"sentiment": {"Negative": 1, "Positive": 2}}
    resp = call(app, MANAGER, "GET", base + "/stats.csv", table="labels")
    assert resp.headers.get("Content-Type", "").startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.body.decode())))  # type: ignore[union-attr]
    assert rows == [
        ["control", "label", "count"],
        ["sentiment", "Negative", "1"],
        ["sentiment", "Positive", "2"],
    ]
    agr = call(app, MANAGER, "GET", base + "/agreement.csv")
    assert agr.body.decode().splitlines() == [  # type: ignore[union-attr]
        "annotator_a,annotator_b,agreement,tasks",
        "3,b,1.0,1",
    ]
    assert call(app, MANAGER, "GET", base + "/stats.csv", table="secrets").status == 400


def test_agreement_and_stats_stream_the_same_bytes(
    app: WebApp, core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from labelcore.quality.tables import report_to_json, stats_to_json
    from labelcore.web.api import review as review_api

    monkeypatch.setattr(review_api, "_ROWS_PER_CHUNK", 2)  # the rows in several parts
    zoe = User(id="Zoë", name="Zoë", roles={"annotator"})  # not ASCII: written as is
    core.identify(zoe)
    project = make_project(core, 7, maximum_annotations=3)
    tids = task_ids(core, project.id)
    for i, tid in enumerate(tids[:5]):
        core.submit_annotation(ANN_A, tid, choice("Positive"))
        core.submit_annotation(zoe, tid, choice("Negative" if i % 2 else "Positive"))
    core.submit_annotation(ANN_B, tids[0], choice("Negative"))
    base = f"/api/projects/{project.id}"
    for threshold in (None, 1.0):
        query = {} if threshold is None else {"iou_threshold": threshold}
        resp = call(app, REVIEWER, "GET", base + "/agreement", **query)
        assert resp.streamed and resp.headers.get("Content-Type") == "application/json"
        chunks = list(resp.iter_body())
        assert len(chunks) >= 5  # the head, four parts of rows, the tail
        report = core.agreement(REVIEWER, project.id, iou_threshold=threshold or 0.5)
        assert b"".join(chunks) == Response.json(report_to_json(report)).body
        assert "Zoë".encode() in chunks[0] and len(json.loads(b"".join(chunks))["tasks"]) == 7
    stats = call(app, MANAGER, "GET", base + "/stats")
    assert stats.streamed
    whole = stats_to_json(core.project_stats(MANAGER, project.id))
    whole["agreement"] = report_to_json(core.agreement(MANAGER, project.id))
    assert b"".join(stats.iter_body()) == Response.json(whole).body
    empty = make_project(core, 0, title="Empty")
    got = call(app, MANAGER, "GET", f"/api/projects/{empty.id}/agreement")
    assert (
        b"".join(got.iter_body())
        == Response.json(report_to_json(core.agreement(MANAGER, empty.id))).body
    )


def test_review_states_page_over_http(app: WebApp, core: LabelCore) -> None:
    project = make_project(core, 5)
    tids = task_ids(core, project.id)
    mine = core.submit_annotation(ANN_A, tids[1], choice())
    core.submit_annotation(ANN_B, tids[3], choice())
    core.reject_annotation(REVIEWER, mine.id, comment="no")
    path = f"/api/projects/{project.id}/review/states"
    whole = body(call(app, MANAGER, "GET", path))
    assert set(whole) == {"tasks", "annotations"}  # the answer without paging is as it was
    tasks: dict[str, str] = {}
    anns: dict[str, str] = {}
    pages: list[Any] = []
    query: dict[str, Any] = {"limit": 2}
    while True:
        page = body(call(app, MANAGER, "GET", path, **query))
        pages.append(page["next"])
        tasks.update(page["tasks"])
        anns.update(page["annotations"])
        if page["next"] is None:
            break
        query = {"limit": 2, "after": page["next"]}
    assert pages == [tids[1], tids[3], None]
    assert list(tasks.items()) == list(whole["tasks"].items()) and anns == whole["annotations"]
    assert whole["tasks"][str(tids[1])] == "rejected"
    own = body(call(app, ANN_A, "GET", path, limit=10))  # an annotator sees their own only
    assert own["annotations"] == {str(mine.id): "rejected"} and own["next"] is None
    rest = body(call(app, MANAGER, "GET", path, after=tids[2]))  # limit defaults to 1000
    assert list(rest["tasks"]) == [str(t) for t in tids[3:]] and rest["next"] is None
    last = body(call(app, MANAGER, "GET", path, after=MAX_ID))  # past any task id: empty
    assert (last["tasks"], last["annotations"], last["next"]) == ({}, {}, None)
    assert call(app, MANAGER, "GET", path, after=10**30).status == 400  # not an id
    for bad in ({"limit": 0}, {"limit": 10_001}, {"limit": "x"}, {"after": -1}):
        assert call(app, MANAGER, "GET", path, **bad).status == 400
    assert call(app, MANAGER, "GET", "/api/projects/999/review/states", limit=2).status == 404


def test_csv_formula_injection_is_neutralised(app: WebApp, core: LabelCore) -> None:
    evil = User(id=66, name='=HYPERLINK("http://evil")', roles={"annotator"})
    core.identify(evil)
    project = make_project(core)
    core.submit_annotation(evil, task_ids(core, project.id)[0], choice())
    text = call(app, MANAGER, "GET", f"/api/projects/{project.id}/stats.csv").body.decode()  # type: ignore[union-attr]
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil")'


def test_export_with_verdicts_and_only_accepted(app: WebApp, core: LabelCore) -> None:
    project = make_project(core, 3)
    t1, t2, _ = task_ids(core, project.id)
    a1 = core.submit_annotation(ANN_A, t1, choice("Positive"))
    a2 = core.submit_annotation(ANN_A, t2, choice("Negative"))
    core.accept_annotation(REVIEWER, a1.id, comment="good")
    core.reject_annotation(REVIEWER, a2.id, comment="bad")
    path = f"/api/projects/{project.id}/review/export"
    every = body(call(app, MANAGER, "GET", path))
    assert [t["id"] for t in every] == [t1, t2]
    verdicts = {t["id"]: t["annotations"][0]["reviews"] for t in every}
    assert [r["comment"] for r in verdicts[t2]] == ["bad"]
    accepted = body(call(app, MANAGER, "GET", path, only_accepted=1))
    assert [t["id"] for t in accepted] == [t1]
    assert accepted[0]["annotations"][0]["reviews"][0]["action"] == "accepted"
    assert call(app, ANN_A, "GET", path).status == 403


def test_main_export_only_accepted_with_verdicts(app: WebApp, core: LabelCore) -> None:
    project = make_project(core, 3)
    t1, t2, t3 = task_ids(core, project.id)
    a1 = core.submit_annotation(ANN_A, t1, choice("Positive"))
    b1 = core.submit_annotation(ANN_B, t1, choice("Negative"))
    core.submit_annotation(ANN_A, t2, choice("Negative"))
    core.accept_annotation(REVIEWER, a1.id, comment="good")
    core.reject_annotation(REVIEWER, b1.id, comment="bad")
    path = f"/api/projects/{project.id}/export"

    def export(user: User, **query: Any) -> Any:
        resp = call(app, user, "GET", path, exportType="JSON", **query)
        assert resp.status == 200, resp.body
        return json.loads(b"".join(resp.body))  # type: ignore[arg-type]

    got = export(MANAGER, only_accepted="true", include_reviews="true")
    assert [(t["id"], [a["id"] for a in t["annotations"]]) for t in got] == [(t1, [a1.id])]
    ((review,),) = [a["reviews"] for a in got[0]["annotations"]]
    assert review["action"] == "accepted" and review["comment"] == "good"
    every = export(MANAGER, include_reviews="1")
    assert [t["id"] for t in every] == [t1, t2]
    verdicts = {a["id"]: [r["action"] for r in a["reviews"]] for a in every[0]["annotations"]}
    assert verdicts == {a1.id: ["accepted"], b1.id: ["rejected"]}
    assert every[1]["annotations"][0]["reviews"] == []
    plain = export(MANAGER)
    assert "reviews" not in plain[0]["annotations"][0]
    # CSV of accepted work only: one row, the accepted choice
    resp = call(app, MANAGER, "GET", path, exportType="CSV", only_accepted="true")
    rows = list(csv.DictReader(io.StringIO(b"".join(resp.body).decode())))  # type: ignore[arg-type]
    assert [(int(r["id"]), r["sentiment"]) for r in rows] == [(t1, "Positive")]
    # the main export stays for managers; a bad flag is a 400
    assert call(app, REVIEWER, "GET", path, only_accepted="true").status == 403
    assert call(app, MANAGER, "GET", path, only_accepted="maybe").status == 400
    everything = export(MANAGER, download_all_tasks="true", only_accepted="1")
    assert [t["id"] for t in everything] == [t1]  # accepted work only, whatever else is asked


def test_review_columns_filters_and_low_agreement_action_over_http(
    app: WebApp, core: LabelCore
) -> None:
    project = make_project(core, 3, maximum_annotations=2)
    t1, t2, t3 = task_ids(core, project.id)
    for user, value in ((ANN_A, "Positive"), (ANN_B, "Positive")):
        core.submit_annotation(user, t1, choice(value))
    a2 = core.submit_annotation(ANN_A, t2, choice("Positive"))
    core.submit_annotation(ANN_B, t2, choice("Negative"))
    core.reject_annotation(REVIEWER, a2.id, comment="look again")
    cols = body(call(app, MANAGER, "GET", "/api/dm/columns", project=project.id))["columns"]
    types = {c["id"]: c["type"] for c in cols}
    assert types["review_state"] == "String" and types["agreement"] == "Number"
    assert types["annotation_states"] == "List"

    def listed(filters: list[dict[str, Any]], ordering: list[str]) -> list[Any]:
        query = json.dumps({"filters": {"items": filters}, "ordering": ordering})
        resp = call(app, MANAGER, "GET", "/api/tasks", project=project.id, query=query)
        assert resp.status == 200, resp.body
        return [(t["id"], t.get("agreement"), t.get("review_state")) for t in body(resp)["tasks"]]

    rejected = {
        "filter": "filter:tasks:review_state",
        "operator": "equal",
        "type": "String",
        "value": "rejected",
    }
    assert [r[0] for r in listed([rejected], ["tasks:id"])] == [t2]
    low = {"filter": "filter:tasks:agreement", "operator": "less", "type": "Number", "value": 0.5}
    assert [r[0] for r in listed([low], ["tasks:id"])] == [t2]
    assert listed([], ["-tasks:agreement"]) == [
        (t1, 1.0, "annotated"),
        (t2, 0.0, "rejected"),
        (t3, None, "unannotated"),
    ]
    mine = call(app, ANN_A, "GET", "/api/tasks", project=project.id)
    assert all("agreement" not in t for t in body(mine)["tasks"])  # reviewers and managers
    bad_op = {**low, "operator": "regex"}
    query = json.dumps({"filters": {"conjunction": "and", "items": [bad_op]}})
    assert call(app, MANAGER, "GET", "/api/tasks", project=project.id, query=query).status == 400
    # send the low-agreement tasks back: filter in the body, like the data manager does
    path = "/api/dm/actions"
    payload = {"filters": {"conjunction": "and", "items": [low]}, "extra": 2}
    action = {"id": "request_more_annotations", "project": project.id}
    resp = call(app, MANAGER, "POST", path, payload, **action)
    assert resp.status == 200 and body(resp)["processed_items"] == 1, resp.body
    assert core.store.get_task(t2).overlap == 4  # type: ignore[union-attr]
    denied = call(app, REVIEWER, "POST", path, payload, **action)
    assert denied.status == 403


def test_patch_and_delete_annotation_reviews(app: WebApp, core: LabelCore) -> None:
    from rv_fixtures import REVIEWER2

    project = make_project(core, 1)
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(ANN_A, tid, choice())
    review = core.reject_annotation(REVIEWER, ann.id, comment="no")
    path = f"/api/annotation-reviews/{review.id}"
    assert call(app, REVIEWER2, "PATCH", path, {"comment": "x"}).status == 403
    assert call(app, REVIEWER, "PATCH", path, {"accepted": True, "comment": "x"}).status == 400
    assert call(app, REVIEWER, "PATCH", path, {"comment": 5}).status == 400
    resp = call(app, REVIEWER, "PATCH", path + "/", {"comment": "no: the date"})
    assert resp.status == 200 and body(resp)["comment"] == "no: the date"
    assert call(app, ANN_A, "DELETE", path).status == 403
    assert call(app, ANN_B, "DELETE", path).status == 404  # cannot even see it
    assert call(app, REVIEWER, "DELETE", path).status == 204
    assert call(app, REVIEWER, "GET", path).status == 404
    assert core.rejected_annotations(ANN_A, project.id) == []


def test_whole_project_states_are_written_as_their_batches_are_read(
    app: WebApp, core: LabelCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``GET /review/states`` without paging writes its first tasks before the project's
    last batch of tasks is read: the answer is never held whole (it was built whole before
    a byte was sent: 37 MB at 100,000 tasks). tests/adapters compares its bytes with the
    whole answer's."""
    from labelcore.service.review import _READ_BATCH

    project = make_project(core, 2 * _READ_BATCH + 10)
    core.submit_annotation(ANN_A, task_ids(core, project.id)[-1], choice())
    read = 0
    real = core.store.iter_review_rows  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal read
        for row in real(*args, **kwargs):
            read += 1
            yield row

    monkeypatch.setattr(core.store, "iter_review_rows", counted)
    resp = call(app, MANAGER, "GET", f"/api/projects/{project.id}/review/states")
    assert resp.status == 200 and resp.streamed
    parts = resp.iter_body()
    head, first = next(parts), next(parts)
    assert head == b'{"tasks":{' and first.startswith(b'"')
    assert read == _READ_BATCH  # the first batch, not the project
    whole = json.loads(head + first + b"".join(parts))
    assert read == 2 * _READ_BATCH + 10 == len(whole["tasks"]) and len(whole["annotations"]) == 1
