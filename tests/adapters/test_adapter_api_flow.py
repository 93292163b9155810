"""The JSON API end to end through both adapters: Label Studio's paths, payloads and codes."""

from __future__ import annotations

import json
from typing import Any

from lc_adapter_world import NEG, POS, TEXT_CONFIG

from labelcore.service import LabelCore


def _project(client: Any, **extra: Any) -> dict[str, Any]:
    r = client.post(
        "/api/projects", json={"title": "Reviews", "label_config": TEXT_CONFIG, **extra}
    )
    assert r.status == 201, r
    return r.json()


def test_project_crud_in_label_studio_shape(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    p = _project(client, expert_instruction="<b>be nice</b>", maximum_annotations=2)
    assert p["title"] == "Reviews" and p["label_config"] == TEXT_CONFIG
    assert p["maximum_annotations"] == 2 and p["task_number"] == 0
    # Label Studio's UserSimple, not a bare id
    assert p["created_by"] == {
        "id": "a-manager",
        "first_name": "Ann",
        "last_name": "Manager",
        "email": users["a-manager"].email,
        "avatar": None,
    }
    listing = client.get("/api/projects").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == p["id"]
    r = client.patch(f"/api/projects/{p['id']}", json={"title": "Renamed"})
    assert r.status == 200 and r.json()["title"] == "Renamed"
    assert client.get(f"/api/projects/{p['id']}/").json()["title"] == "Renamed"
    assert client.delete(f"/api/projects/{p['id']}").status == 204
    assert client.get(f"/api/projects/{p['id']}").status == 404


def test_project_json_carries_parsed_label_config_and_data_types(client: Any, users: Any) -> None:
    """Label Studio's project JSON has ``parsed_label_config`` (the SDK and ML backends read
    it) and ``data_types``; in the listing as in the detail."""
    client.login(users["a-manager"])
    p = _project(client)
    parsed = {
        "sentiment": {
            "type": "Choices",
            "to_name": ["text"],
            "inputs": [{"type": "Text", "value": "text"}],
            "labels": ["pos", "neg"],
            "labels_attrs": {"pos": {"value": "pos"}, "neg": {"value": "neg"}},
        }
    }
    assert p["parsed_label_config"] == parsed and p["data_types"] == {"text": "Text"}
    assert client.get(f"/api/projects/{p['id']}").json()["parsed_label_config"] == parsed
    assert client.get("/api/projects").json()["results"][0]["parsed_label_config"] == parsed
    boxes = (
        '<View><Image name="img" value="$image"/>'
        '<RectangleLabels name="box" toName="img"><Label value="Car" background="red"/>'
        '</RectangleLabels><Choices name="tags" toName="img" value="$options"/></View>'
    )
    r = client.patch(f"/api/projects/{p['id']}", json={"label_config": boxes})
    assert r.status == 200, r
    got = r.json()["parsed_label_config"]
    assert got["box"]["labels_attrs"] == {"Car": {"value": "Car", "background": "red"}}
    assert got["box"]["inputs"] == [{"type": "Image", "value": "image"}]
    assert got["tags"]["dynamic_labels"] is True and got["tags"]["labels"] == []
    assert r.json()["data_types"] == {"image": "Image"}


def test_invalid_config_is_400_with_every_problem(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    bad = '<View><Text name="t" value="$t"/><Choices name="c" toName="missing"/></View>'
    r = client.post("/api/projects/validate", json={"label_config": bad})
    assert r.status == 400
    body = r.json()
    assert body["status_code"] == 400 and body["errors"]
    assert client.post("/api/projects/validate", json={"label_config": TEXT_CONFIG}).status == 204
    r = client.post("/api/projects", json={"title": "x", "label_config": bad})
    assert r.status == 400
    assert client.get("/api/projects").json()["count"] == 0


def test_project_validate_reports_essential_change(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    p = _project(client)
    same = client.post(f"/api/projects/{p['id']}/validate", json={"label_config": TEXT_CONFIG})
    assert same.status == 200 and same.json() == {"config_essential_data_has_changed": False}
    fewer = TEXT_CONFIG.replace('<Choice value="neg"/>', "")
    r = client.post(f"/api/projects/{p['id']}/validate", json={"label_config": fewer})
    assert r.json() == {"config_essential_data_has_changed": True}


def test_import_json_body_list_and_single(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    p = _project(client)
    r = client.post(
        f"/api/projects/{p['id']}/import?return_task_ids=true",
        json=[{"text": "a"}, {"data": {"text": "b"}}],
    )
    assert r.status == 201, r
    body = r.json()
    assert body["task_count"] == 2 and len(body["task_ids"]) == 2
    assert {
        "annotation_count",
        "predictions_count",
        "duration",
        "file_upload_ids",
        "could_be_tasks_list",
        "found_formats",
        "data_columns",
    } <= set(body)
    r = client.post(f"/api/projects/{p['id']}/import", json={"text": "single"})
    assert r.status == 201 and r.json()["task_count"] == 1
    assert "task_ids" not in r.json()


def test_import_multipart_files(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    p = _project(client)
    r = client.post(
        f"/api/projects/{p['id']}/import",
        files={
            "file": (json.dumps([{"text": "x"}, {"text": "y"}]).encode(), "tasks.json"),
            "file2": (b"text\nfrom csv\n", "tasks.csv"),
        },
    )
    assert r.status == 201, r
    assert r.json()["task_count"] == 3


def test_imported_tasks_keep_their_source_file_name(client: Any, users: Any) -> None:
    """Label Studio's ``file_upload`` (the data manager's source file column): the uploaded
    file's name; none for a JSON body; a row that names its own keeps it."""
    client.login(users["a-manager"])
    p = _project(client)
    rows = [{"text": "x"}, {"data": {"text": "y"}, "file_upload": "old-export.json"}]
    r = client.post(
        f"/api/projects/{p['id']}/import",
        files={
            "file": (json.dumps(rows).encode(), "batch.json"),
            "file2": (b"text\nfrom csv\n", "tasks.csv"),
        },
    )
    assert r.status == 201, r
    assert client.post(f"/api/projects/{p['id']}/import", json={"text": "body"}).status == 201
    got = client.get(f"/api/tasks?project={p['id']}").json()["tasks"]
    by_text = {t["data"]["text"]: t["file_upload"] for t in got}
    assert by_text == {
        "x": "batch.json",
        "y": "old-export.json",
        "from csv": "tasks.csv",
        "body": None,
    }
    bad = [{"data": {"text": "z"}, "file_upload": 7}, {"data": {"text": "w"}}]
    r = client.post(f"/api/projects/{p['id']}/import", json=bad)
    assert r.status == 400 and "file_upload" in json.dumps(r.json())
    assert client.get(f"/api/tasks?project={p['id']}").json()["total"] == 4


def test_import_bad_row_changes_nothing_and_names_the_row(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    p = _project(client)
    r = client.post(f"/api/projects/{p['id']}/import", json=[{"text": "fine"}, {"wrong_key": "x"}])
    assert r.status == 400
    assert any(e.get("row") == 2 for e in r.json()["errors"]), r.json()
    assert client.get(f"/api/tasks?project={p['id']}").json()["total"] == 0


def test_import_url_to_private_address_is_refused(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    p = _project(client)
    r = client.post(
        f"/api/projects/{p['id']}/import", form={"url": "http://169.254.169.254/latest/meta-data/"}
    )
    assert r.status == 400
    assert r.json()["code"].startswith("url.")


def test_next_annotate_and_404_when_nothing_left(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    p = _project(client)
    client.post(f"/api/projects/{p['id']}/import", json=[{"text": "only"}])
    client.login(users["a-annotator"])
    task = client.get(f"/api/projects/{p['id']}/next")
    assert task.status == 200, task
    t = task.json()
    assert t["data"] == {"text": "only"} and "annotations" in t and "predictions" in t
    r = client.post(f"/api/tasks/{t['id']}/annotations", json={"result": POS, "lead_time": 3})
    assert r.status == 201, r
    ann = r.json()
    assert ann["completed_by"] == "a-annotator" and ann["result"] == POS and ann["task"] == t["id"]
    assert client.get(f"/api/projects/{p['id']}/next").status == 404


def test_submit_is_idempotent_by_unique_id(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-annotator"])
    tid = world["a"]["tasks"][2]
    body = {"result": POS, "unique_id": "6b1f0f5e-retry"}
    first = client.post(f"/api/tasks/{tid}/annotations", json=body).json()
    again = client.post(f"/api/tasks/{tid}/annotations", json=body)
    assert again.json()["id"] == first["id"]
    assert len(client.get(f"/api/tasks/{tid}/annotations").json()) == 1


def test_invalid_result_is_refused_with_every_problem(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-annotator"])
    tid = world["a"]["tasks"][2]
    bad = [
        {
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["maybe"]},
        },
        {"from_name": "nope", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}},
    ]
    r = client.post(f"/api/tasks/{tid}/annotations", json={"result": bad})
    assert r.status == 400
    assert len(r.json()["errors"]) >= 2


def test_skip_via_query_parameter(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-annotator"])
    tid = world["a"]["tasks"][2]
    r = client.post(f"/api/tasks/{tid}/annotations?was_cancelled=1", json={"result": []})
    assert r.status == 201 and r.json()["was_cancelled"] is True


def test_annotation_update_optimistic_by_version_and_if_match(
    client: Any, users: Any, world: Any
) -> None:
    client.login(users["a-manager"])
    aid = world["a"]["annotation"]
    got = client.get(f"/api/annotations/{aid}")
    v = got.json()["version"]
    assert got.headers["etag"] == f'"{v}"'
    ok = client.patch(f"/api/annotations/{aid}", json={"result": NEG, "version": v})
    assert ok.status == 200 and ok.json()["version"] == v + 1
    stale = client.patch(f"/api/annotations/{aid}", json={"result": POS, "version": v})
    assert stale.status == 409
    stale2 = client.patch(
        f"/api/annotations/{aid}", json={"result": POS}, headers={"If-Match": f'"{v}"'}
    )
    assert stale2.status == 409
    assert client.get(f"/api/annotations/{aid}").json()["result"] == NEG
    lww = client.patch(f"/api/annotations/{aid}", json={"result": POS})  # LS: last write wins
    assert lww.status == 200 and lww.json()["result"] == POS
    assert client.delete(f"/api/annotations/{aid}").status == 204
    assert client.get(f"/api/annotations/{aid}").status == 404


def test_drafts_round_trip(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-annotator"])
    tid = world["a"]["tasks"][2]
    r = client.post(f"/api/tasks/{tid}/drafts", json={"result": POS, "lead_time": 5})
    assert r.status == 201, r
    d = r.json()
    assert d["task"] == tid and d["user"] == "a-annotator"
    assert [x["id"] for x in client.get(f"/api/tasks/{tid}/drafts").json()] == [d["id"]]
    r = client.patch(f"/api/drafts/{d['id']}", json={"result": NEG})
    assert r.status == 200 and r.json()["result"] == NEG
    assert client.get(f"/api/drafts/{d['id']}").json()["id"] == d["id"]
    assert client.delete(f"/api/drafts/{d['id']}").status == 204
    assert client.get(f"/api/drafts/{d['id']}").status == 404


def test_draft_of_existing_annotation(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    tid, aid = world["a"]["task"], world["a"]["annotation"]
    r = client.post(f"/api/tasks/{tid}/annotations/{aid}/drafts", json={"result": NEG})
    assert r.status == 201 and r.json()["annotation"] == aid
    listed = client.get(f"/api/tasks/{tid}/annotations/{aid}/drafts").json()
    assert [d["annotation"] for d in listed] == [aid]


def test_predictions_crud(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    tid = world["a"]["tasks"][1]
    r = client.post(
        "/api/predictions", json={"task": tid, "result": POS, "score": 0.9, "model_version": "v2"}
    )
    assert r.status == 201, r
    pid = r.json()["id"]
    assert r.json()["task"] == tid and r.json()["score"] == 0.9
    by_task = client.get(f"/api/predictions?task={tid}").json()
    assert [p["id"] for p in by_task] == [pid]
    by_project = client.get(f"/api/predictions?project={world['a']['project']}").json()
    assert len(by_project) == 2
    r = client.patch(f"/api/predictions/{pid}", json={"score": 0.1})
    assert r.status == 200 and r.json()["score"] == 0.1
    pid = r.json()["id"]
    assert client.delete(f"/api/predictions/{pid}").status == 204
    assert client.get(f"/api/predictions/{pid}").status == 404


def test_task_list_page_filters_ordering_and_totals(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["project"]
    r = client.get(f"/api/tasks?project={pid}&page=1&page_size=2")
    assert r.status == 200
    body = r.json()
    assert body["total"] == 3 and len(body["tasks"]) == 2
    assert body["total_annotations"] == 1 and body["total_predictions"] == 1
    query = {
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:total_annotations",
                    "operator": "greater",
                    "type": "Number",
                    "value": 0,
                }
            ],
        },
        "ordering": ["-tasks:id"],
    }
    from urllib.parse import quote

    r = client.get(f"/api/tasks?project={pid}&query={quote(json.dumps(query))}")
    assert r.status == 200, r
    assert [t["id"] for t in r.json()["tasks"]] == [world["a"]["task"]]
    # totals are over the filtered set (counted by the store), not the page or the project
    assert r.json()["total"] == 1 and r.json()["total_annotations"] == 1
    sel = {
        "selectedItems": {"all": False, "included": world["a"]["tasks"][1:]},
        "ordering": ["-tasks:id"],
    }
    r = client.get(f"/api/tasks?project={pid}&query={quote(json.dumps(sel))}")
    assert [t["id"] for t in r.json()["tasks"]] == world["a"]["tasks"][:0:-1]
    assert r.json()["total"] == 2 and r.json()["total_annotations"] == 0


def test_bad_filter_is_a_400_not_an_empty_page(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["project"]
    query = {
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:data.text",
                    "operator": "regex",
                    "type": "String",
                    "value": "(unclosed",
                }
            ],
        }
    }
    from urllib.parse import quote

    r = client.get(f"/api/tasks?project={pid}&query={quote(json.dumps(query))}")
    assert r.status == 400
    evil = {
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:project__organization__id",
                    "operator": "equal",
                    "type": "Number",
                    "value": 1,
                }
            ],
        }
    }
    r = client.get(f"/api/tasks?project={pid}&query={quote(json.dumps(evil))}")
    assert r.status == 400


def test_saved_view_filters_apply_to_task_list(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["project"]
    data = {
        "title": "Annotated",
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:total_annotations",
                    "operator": "greater",
                    "type": "Number",
                    "value": 0,
                }
            ],
        },
    }
    r = client.post("/api/dm/views", json={"project": pid, "data": data})
    assert r.status == 201, r
    vid = r.json()["id"]
    tasks = client.get(f"/api/tasks?project={pid}&view={vid}").json()["tasks"]
    assert [t["id"] for t in tasks] == [world["a"]["task"]]
    r = client.patch(f"/api/dm/views/{vid}", json={"data": {"title": "Renamed"}})
    assert r.status == 200 and r.json()["data"]["title"] == "Renamed"
    assert any(v["id"] == vid for v in client.get(f"/api/dm/views?project={pid}").json())
    assert client.delete(f"/api/dm/views/{vid}").status == 204


def test_dm_columns_and_actions(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["project"]
    cols = client.get(f"/api/dm/columns?project={pid}").json()["columns"]
    ids = {c["id"] for c in cols}
    assert {"id", "total_annotations", "text"} <= ids
    actions = client.get(f"/api/dm/actions?project={pid}").json()
    assert "delete_tasks" in {a["id"] for a in actions}
    sel = {"selectedItems": {"all": False, "included": [world["a"]["tasks"][2]]}}
    r = client.post(f"/api/dm/actions?id=delete_tasks&project={pid}", json=sel)
    assert r.status == 200 and r.json()["processed_items"] == 1
    assert client.get(f"/api/tasks?project={pid}").json()["total"] == 2


def test_dm_offers_every_data_key_the_tasks_hold(client: Any, users: Any) -> None:
    """A CSV's columns the config does not read (``source`` here) get data-manager columns,
    as in Label Studio: shown, sorted and filtered like the config's."""
    client.login(users["a-manager"])
    pid = _project(client)["id"]
    csv = "text,source,first name,a.b\nfirst,web,Ann,x\nsecond,mail,Bo,y\n"
    r = client.post(f"/api/projects/{pid}/import", files={"file": (csv.encode(), "rows.csv")})
    assert r.status == 201, r
    cols = {c["id"]: c for c in client.get(f"/api/dm/columns?project={pid}").json()["columns"]}
    assert cols["data"]["children"] == ["text", "a.b", "first name", "source"]  # config's first
    assert cols["source"]["parent"] == "data" and cols["source"]["type"] == "String"
    assert cols["source"]["filterable"] and "equal" in cols["source"]["operators"]
    # keys a query cannot name (a dot reads as a nested path, a space is refused) are shown,
    # not offered for sorting or filtering
    for key in ("a.b", "first name"):
        assert (cols[key]["sortable"], cols[key]["filterable"], cols[key]["operators"]) == (
            False,
            False,
            [],
        )
    item = {"filter": "filter:tasks:data.source", "operator": "equal", "type": "String"}
    query = json.dumps({"filters": {"conjunction": "and", "items": [{**item, "value": "mail"}]}})
    page = client.get(f"/api/tasks?project={pid}&query={query}").json()
    assert [t["data"]["source"] for t in page["tasks"]] == ["mail"]
    # a key an edit brings gets its column too
    tid = page["tasks"][0]["id"]
    r = client.patch(f"/api/tasks/{tid}", json={"data": {"text": "second", "lang": "en"}})
    assert r.status == 200, r
    cols = client.get(f"/api/dm/columns?project={pid}").json()["columns"]
    children = [c for c in cols if c["id"] == "data"][0]["children"]
    assert children == ["text", "a.b", "first name", "lang", "source"]


def test_task_get_patch_delete(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    tid = world["a"]["task"]
    t = client.get(f"/api/tasks/{tid}").json()
    assert t["id"] == tid and len(t["annotations"]) == 1 and len(t["predictions"]) == 1
    r = client.patch(f"/api/tasks/{tid}", json={"data": {"text": "changed"}})
    assert r.status == 200 and r.json()["data"] == {"text": "changed"}
    assert client.delete(f"/api/tasks/{tid}").status == 204
    assert client.get(f"/api/tasks/{tid}").status == 404


def test_tokens_create_shown_once_list_and_revoke(client: Any, users: Any) -> None:
    client.login(users["a-annotator"])
    r = client.post("/api/tokens", json={"name": "laptop"})
    assert r.status == 201
    key = r.json()["key"]
    listed = client.get("/api/tokens").json()
    assert all("key" not in t for t in listed)
    assert key not in json.dumps(listed)
    me = client.get("/api/current-user/whoami", headers={"Authorization": f"Token {key}"})
    assert me.json()["id"] == "a-annotator"
    assert client.delete(f"/api/tokens/{r.json()['id']}").status == 204
    again = client.get("/api/current-user/whoami", headers={"Authorization": f"Token {key}"})
    assert again.status == 401


def test_core_is_the_same_in_process(client: Any, users: Any, core: LabelCore) -> None:
    client.login(users["a-manager"])
    p = _project(client)
    assert core.get_project(users["a-manager"], p["id"]).settings.title == "Reviews"


def test_prediction_patch_keeps_its_id(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["prediction"]
    r = client.patch(f"/api/predictions/{pid}", json={"score": 0.3})
    assert r.status == 200 and r.json()["id"] == pid


def test_token_acts_with_the_roles_identify_gave(client: Any, users: Any, core: LabelCore) -> None:
    core.identify(users["a-manager"])
    key = core.create_token(users["a-manager"], "ci").key
    client.logout()
    r = client.post(
        "/api/projects",
        json={"title": "By token"},
        headers={"Authorization": f"Token {key}"},
        csrf=False,
    )
    assert r.status == 201


def test_import_predictions_in_bulk(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid, tasks = world["a"]["project"], world["a"]["tasks"]
    items = [{"task": t, "result": POS, "score": 0.7, "model_version": "bulk"} for t in tasks]
    r = client.post(f"/api/projects/{pid}/import/predictions", json=items)
    assert r.status == 201 and r.json() == {"created": 3}
    listed = client.get(f"/api/predictions?project={pid}").json()
    assert sum(p["model_version"] == "bulk" for p in listed) == 3
    # one task of another project (another tenant's): a 400 and nothing is added
    foreign = [*items[:1], {"task": world["b"]["task"], "result": POS}]
    r = client.post(f"/api/projects/{pid}/import/predictions", json=foreign)
    assert r.status == 400
    assert len(client.get(f"/api/predictions?project={pid}").json()) == len(listed)
    r = client.post(f"/api/projects/{pid}/import/predictions", json={"task": tasks[0]})
    assert r.status == 400 and r.json()["code"] == "request.not_list"


def test_task_list_carries_the_data_manager_columns(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    """The data manager's default columns "Completed" and "Annotated by" (and the optional
    ones) read these fields of Label Studio's task list; without them the cells stay empty."""
    pid, (done, drafted, _) = world["a"]["project"], world["a"]["tasks"]
    client.login(users["a-manager"])
    listed = client.get(f"/api/tasks?project={pid}").json()
    rows = {t["id"]: t for t in listed["tasks"]}
    # the user ids the columns show come with their names (what the data manager shows)
    assert listed["users"] == {"a-manager": "Ann Manager"}
    [ann] = core.list_annotations(users["a-manager"], done)
    row = rows[done]
    assert row["is_labeled"] is True and row["completed_at"]
    assert row["annotators"] == ["a-manager"] and row["annotations_ids"] == str(ann.id)
    # the result columns are made only when the view shows them (Label Studio's
    # hiddenColumns: hidden when both lists name it) or with fields=all
    assert row["annotations_results"] == "" and row["predictions_results"] == ""
    # without the result columns the predictions' scores are read alone: same values
    assert row["predictions_score"] == 0.5 and row["predictions_model_versions"] == "v1"
    # the draft filter matches anyone's draft, and so does the column
    assert rows[drafted]["draft_exists"] is True
    shown = json.dumps({"hiddenColumns": {"explore": ["tasks:data.text"], "labeling": []}})
    rows = {
        t["id"]: t
        for t in client.get(f"/api/tasks?project={pid}&query={shown}").json()["tasks"]
    }
    row = rows[done]
    assert json.loads(row["annotations_results"]) == [POS]
    # a saved view's hiddenColumns count the same way (read with the view's query)
    both = {"explore": ["tasks:data.text"], "labeling": ["tasks:data.text"]}
    view = client.post("/api/dm/views", json={"project": pid, "data": {"hiddenColumns": both}})
    assert view.status == 201, view
    seen = client.get(f"/api/tasks?project={pid}&view={view.json()['id']}").json()["tasks"]
    assert json.loads({t["id"]: t for t in seen}[done]["predictions_results"]) == [NEG]
    assert row["predictions_score"] == 0.5 and row["predictions_model_versions"] == "v1"
    assert json.loads(row["predictions_results"]) == [NEG]
    assert row["avg_lead_time"] == ann.lead_time and row["updated_by"] == "a-manager"
    assert rows[drafted]["is_labeled"] is False and rows[drafted]["completed_at"] is None
    assert rows[drafted]["annotators"] == [] and rows[drafted]["predictions_score"] is None
    hidden = json.dumps(
        {"hiddenColumns": {"explore": ["tasks:annotations_results", "tasks:predictions_results"],
                           "labeling": ["tasks:annotations_results", "tasks:predictions_results"]}}
    )
    got = client.get(f"/api/tasks?project={pid}&query={hidden}").json()["tasks"]
    assert {t["id"]: t["annotations_results"] for t in got}[done] == ""
    full = {t["id"]: t for t in client.get(f"/api/tasks?project={pid}&fields=all").json()["tasks"]}
    assert json.loads(full[done]["annotations_results"]) == [POS]
    assert full[drafted]["drafts"] == []  # the annotator's draft is theirs alone
    # annotations count only what the caller may see: an annotator sees their draft and not
    # the manager's annotation
    client.login(users["a-annotator"])
    listed = client.get(f"/api/tasks?project={pid}").json()
    rows = {t["id"]: t for t in listed["tasks"]}
    assert listed["users"] == {}  # the manager's annotation is not theirs to see: no name
    assert rows[drafted]["draft_exists"] is True and rows[done]["draft_exists"] is False
    assert rows[done]["annotators"] == [] and rows[done]["annotations_ids"] == ""
    full = {t["id"]: t for t in client.get(f"/api/tasks?project={pid}&fields=all").json()["tasks"]}
    assert len(full[drafted]["drafts"]) == 1 and full[done]["annotations"] == []


def test_task_list_reads_prediction_results_only_for_result_columns(
    client: Any, users: Any, world: Any, core: LabelCore, monkeypatch: Any
) -> None:
    """A page whose view hides the result columns reads its predictions' scores and model
    versions alone (``prediction_scores``), not every prediction's result."""
    pid = world["a"]["project"]
    client.login(users["a-manager"])
    reads: list[str] = []
    for name in ("list_predictions", "prediction_scores"):
        real = getattr(core.store, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            reads.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(core.store, name, spy)
    page = client.get(f"/api/tasks?project={pid}").json()["tasks"]
    assert reads == ["prediction_scores"]
    assert [t["predictions_model_versions"] for t in page if t["predictions_score"]] == ["v1"]
    reads.clear()
    client.get(f"/api/tasks?project={pid}&fields=all")
    assert reads == ["list_predictions"]


def test_streamed_review_states_json(client: Any, users: Any, world: Any, core: LabelCore) -> None:
    """The whole project's review states are written a batch of tasks at a time (the
    answer was built whole: 37 MB at 100,000 tasks): both adapters send the text the whole
    answer had, byte for byte, with skipped, rejected, accepted, drafted and unannotated
    tasks, and batches with no annotation between batches with some."""
    from labelcore.service.review import _READ_BATCH
    from labelcore.web.http import json_text

    manager, reviewer, annotator = (users[f"a-{r}"] for r in ("manager", "reviewer", "annotator"))
    pid = world["a"]["project"]  # a submitted annotation, a draft, an unannotated task
    n = 2 * _READ_BATCH + 500  # a first batch with annotations, a second without, a third
    added = core.import_tasks(manager, pid, [{"text": f"t{i}"} for i in range(n)]).task_ids
    for i in (*range(0, 40), *range(n - 40, n)):
        tid = added[i]
        if i % 4 == 0:
            core.skip_task(annotator, tid)
            continue
        ann = core.submit_annotation(annotator if i % 2 else manager, tid, POS)
        if i % 4 == 1:
            core.reject_annotation(reviewer, ann.id, comment="no")
        elif i % 4 == 2:
            core.accept_annotation(reviewer, ann.id)
    core.save_draft(annotator, added[50], POS)
    for user in (manager, annotator):  # an annotator's answer has their annotations only
        client.login(user)
        r = client.get(f"/api/projects/{pid}/review/states")
        assert r.status == 200 and r.headers["content-type"].startswith("application/json")
        tasks, anns = core.review_states(user, pid)
        whole = {
            "tasks": {str(k): v for k, v in tasks.items()},
            "annotations": {str(k): v for k, v in anns.items()},
        }
        assert r.body == json_text(whole).encode()
        assert {"rejected", "accepted", "annotated", "unannotated"} <= set(tasks.values())
        assert "skipped" in anns.values()
    client.login(users["b-manager"])  # another tenant's project: a 404 before any body
    assert client.get(f"/api/projects/{pid}/review/states").status == 404


def test_streamed_agreement_and_stats_json(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    """The agreement and statistics bodies are written in parts (their per-task rows as the
    task ids stream): both adapters send them whole, the same JSON."""
    from labelcore.quality.tables import report_to_json, stats_to_json

    client.login(users["a-manager"])
    pid = world["a"]["project"]
    manager = users["a-manager"]
    r = client.get(f"/api/projects/{pid}/agreement")
    assert r.status == 200 and r.headers["content-type"].startswith("application/json")
    report = report_to_json(core.agreement(manager, pid))
    assert json.loads(r.body) == report and len(report["tasks"]) == len(world["a"]["tasks"])
    r = client.get(f"/api/projects/{pid}/stats")
    assert r.status == 200
    assert json.loads(r.body) == {
        **stats_to_json(core.project_stats(manager, pid)),
        "agreement": report,
    }


def test_project_counts_tasks_with_annotations_as_label_studio_does(
    client: Any, core: LabelCore, users: Any, world: dict[str, Any]
) -> None:
    """``num_tasks_with_annotations`` is the number of tasks with at least one completed
    annotation (what Label Studio's SDK and project list read), not the finished tasks:
    with an overlap of 2, a task with one annotation is the one but not the other. It was
    ``finished_task_number`` again (0 here)."""
    a = world["a"]
    manager = users["a-manager"]
    core.update_project(manager, a["project"], maximum_annotations=2)
    core.skip_task(users["a-annotator"], a["tasks"][1])  # a skip annotates nothing
    client.login(manager)
    out = client.get(f"/api/projects/{a['project']}").json()
    assert (out["task_number"], out["finished_task_number"]) == (3, 0)
    assert (out["num_tasks_with_annotations"], out["total_annotations_number"]) == (1, 1)
    listed = client.get("/api/projects").json()["results"]
    assert [p["num_tasks_with_annotations"] for p in listed] == [1]
