"""Import as Label Studio's data-import page does it: ``commit_to_project=false`` keeps the
files (FileUpload ids, no tasks), ``POST .../reimport`` turns them into tasks,
``/file-uploads`` lists and deletes them; and a ``url`` whose text is JSON is the tasks
themselves. On both adapters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from lc_adapter_world import TEXT_CONFIG, make_client

from labelcore.net import NetPolicy
from labelcore.service import LabelCore
from lc_serve_bytes import serve_bytes


def _project(client: Any) -> int:
    r = client.post("/api/projects", json={"title": "Stage", "label_config": TEXT_CONFIG})
    assert r.status == 201, r
    return int(r.json()["id"])


def _total(client: Any, pid: int) -> int:
    return int(client.get(f"/api/tasks?project={pid}").json()["total"])


def test_commit_to_project_false_keeps_files_then_reimport_creates_tasks(
    client: Any, users: Any
) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    r = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        files={
            "file": (json.dumps([{"text": "x"}, {"text": "y"}]).encode(), "tasks.json"),
            "file2": (b"text\nfrom csv\n", "tasks.csv"),
        },
    )
    assert r.status == 201, r
    body = r.json()
    ids = body["file_upload_ids"]
    assert len(ids) == 2 and body["task_count"] == 3 and body["could_be_tasks_list"] is True
    assert body["annotation_count"] is None and set(body["found_formats"]) == {".json", ".csv"}
    assert _total(client, pid) == 0
    listed = client.get(f"/api/projects/{pid}/file-uploads?ids={quote(json.dumps(ids))}")
    assert [u["id"] for u in listed.json()] == ids
    assert [u["file"] for u in listed.json()] == ["tasks.json", "tasks.csv"]
    # without ids Label Studio lists nothing (only all=true lists every upload)
    assert client.get(f"/api/projects/{pid}/file-uploads").json() == []
    assert len(client.get(f"/api/projects/{pid}/file-uploads?all=true").json()) == 2
    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids})
    assert r.status == 201, r
    assert r.json()["task_count"] == 3 and r.json()["file_upload_ids"] == ids
    assert _total(client, pid) == 3
    # reimporting the same files replaces their tasks, it does not add more
    assert client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids}).status == 201
    assert _total(client, pid) == 3
    empty = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": []})
    assert empty.status == 200 and empty.json()["task_count"] == 0
    r = client.delete(f"/api/projects/{pid}/file-uploads", json={"file_upload_ids": ids[:1]})
    assert r.status == 200 and r.json() == {"deleted": 1}
    assert client.delete(f"/api/projects/{pid}/file-uploads").json() == {"deleted": 1}
    assert _total(client, pid) == 3  # tasks stay


def test_staged_bad_file_keeps_nothing_and_names_the_row(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    r = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        files={
            "ok": (b"text\nfine\n", "a.csv"),
            "bad": (json.dumps([{"text": "x"}, {"nope": 1}]).encode(), "b.json"),
        },
    )
    assert r.status == 400 and any(e.get("row") == 2 for e in r.json()["errors"]), r
    assert client.get(f"/api/projects/{pid}/file-uploads?all=true").json() == []


def test_reimport_of_unknown_or_foreign_upload_is_refused(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    other = _project(client)
    r = client.post(
        f"/api/projects/{other}/import?commit_to_project=false",
        files={"file": (b"text\nx\n", "t.csv")},
    )
    foreign = r.json()["file_upload_ids"][0]
    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": [foreign]})
    assert r.status == 400 and str(foreign) in r.json()["detail"]
    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ["1"]})
    assert r.status == 400 and r.json()["errors"][0]["field"] == "file_upload_ids"
    assert _total(client, pid) == 0


def test_annotator_may_not_stage_reimport_or_delete_uploads(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    ids = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        files={"file": (b"text\nx\n", "t.csv")},
    ).json()["file_upload_ids"]
    client.login(users["a-annotator"])
    staged = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        files={"file": (b"text\nx\n", "t.csv")},
    )
    assert staged.status == 403
    assert client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids}).status == 403
    assert client.delete(f"/api/projects/{pid}/file-uploads").status == 403
    # another tenant's manager does not see the project at all
    client.login(users["b-manager"])
    assert client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids}).status == 404
    assert client.get(f"/api/projects/{pid}/file-uploads?all=true").status == 404


def test_url_holding_inline_json_is_imported_without_download(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    tasks = json.dumps([{"text": "inline one"}, {"text": "inline two"}])
    r = client.post(f"/api/projects/{pid}/import", form={"url": tasks})
    assert r.status == 201, r
    assert r.json()["task_count"] == 2 and r.json()["found_formats"] == [".json"]
    r = client.post(f"/api/projects/{pid}/import", json={"url": json.dumps({"text": "three"})})
    assert r.status == 201 and r.json()["task_count"] == 1
    assert _total(client, pid) == 3
    # inline JSON is checked like any import: a bad row changes nothing
    r = client.post(f"/api/projects/{pid}/import", form={"url": json.dumps([{"bad": 1}])})
    assert r.status == 400 and _total(client, pid) == 3
    # staged: kept as inplace.json
    r = client.post(f"/api/projects/{pid}/import?commit_to_project=false", form={"url": tasks})
    assert r.status == 201, r
    (upload,) = client.get(f"/api/projects/{pid}/file-uploads?all=true").json()
    assert upload["file"] == "inplace.json" and upload["task_count"] == 2
    # the JSON spelling {"url": ...} is a url too, staged or not
    r = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        json={"url": json.dumps([{"text": "four"}])},
    )
    assert r.status == 201 and r.json()["task_count"] == 1, r


def test_staged_url_to_private_address_is_refused_ssrf(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    r = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        form={"url": "http://127.0.0.1:9/tasks.json"},
    )
    assert r.status == 400 and r.json()["code"].startswith("url."), r
    r = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        json={"url": "http://169.254.169.254/latest/meta-data/"},
    )
    assert r.status == 400 and r.json()["code"].startswith("url."), r
    assert client.get(f"/api/projects/{pid}/file-uploads?all=true").json() == []


def test_staging_endpoints_need_the_csrf_token_on_a_cookie_session(
    client: Any, users: Any
) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    staged = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        files={"file": (b"text\nx\n", "t.csv")},
        csrf=False,
    )
    assert staged.status == 403
    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": [1]}, csrf=False)
    assert r.status == 403
    assert client.delete(f"/api/projects/{pid}/file-uploads", csrf=False).status == 403
    assert client.get(f"/api/projects/{pid}/file-uploads?all=true").json() == []


def test_bad_ids_are_a_400_in_label_studio_error_shape(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": "1,2"})
    body = r.json()
    assert r.status == 400 and body["status_code"] == 400 and body["code"] == "request.invalid"
    assert list(body["validation_errors"]) == ["file_upload_ids"]
    r = client.get(f"/api/projects/{pid}/file-uploads?ids=[1,")
    assert r.status == 400 and list(r.json()["validation_errors"]) == ["ids"]
    r = client.delete(f"/api/projects/{pid}/file-uploads", json={"file_upload_ids": [True]})
    assert r.status == 400


def test_one_upload_by_id_get_and_delete(client: Any, users: Any) -> None:
    client.login(users["a-manager"])
    pid = _project(client)
    (uid,) = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        files={"file": (b"text\nx\n", "t.csv")},
    ).json()["file_upload_ids"]
    r = client.get(f"/api/import/file-upload/{uid}")
    assert r.status == 200 and r.json()["file"] == "t.csv" and r.json()["size"] == 7
    client.login(users["b-manager"])  # another tenant: not found, and nothing changes
    assert client.get(f"/api/import/file-upload/{uid}").status == 404
    assert client.delete(f"/api/import/file-upload/{uid}").status == 404
    client.login(users["a-manager"])
    assert client.delete(f"/api/import/file-upload/{uid}/").status == 204
    assert client.get(f"/api/import/file-upload/{uid}").status == 404


@pytest.fixture(params=["flask", "django"])
def sqlite_client(
    request: pytest.FixtureRequest, users: Any, tmp_path: Path
) -> Iterator[tuple[Any, LabelCore]]:
    core = LabelCore(
        store=f"sqlite:///{tmp_path / 'lc.db'}",
        start_jobs=False,
        net_policy=NetPolicy(allow_loopback=True),
    )
    try:
        for c in make_client(request.param, core):
            yield c, core
    finally:
        core.close()


@pytest.mark.parametrize("staged", [False, True])
def test_url_import_does_not_hold_the_database_write_lock_while_downloading(
    sqlite_client: tuple[Any, LabelCore], users: Any, staged: bool
) -> None:
    """A slow (or hostile) server behind an import url must not stall every writer: while
    it is being downloaded, another request can still write (SQLite BEGIN IMMEDIATE)."""
    client, core = sqlite_client
    manager = users["a-manager"]
    client.login(manager)
    pid = _project(client)
    written: list[int] = []

    def meanwhile() -> None:  # another writer, while the importer waits for the body
        written.append(core.create_project(manager, title="Meanwhile").id)

    csv = b"text\nfrom the url\n"  # a path without an extension: the content type decides
    with serve_bytes(csv, "text/csv", path="/export", before=meanwhile) as url:
        query = "?commit_to_project=false" if staged else ""
        r = client.post(f"/api/projects/{pid}/import{query}", form={"url": url})
    assert r.status == 201, r
    assert r.json()["task_count"] == 1 and len(written) == 1


def test_a_failed_multi_file_import_sends_no_tasks_created_event(
    client: Any, users: Any, core: LabelCore
) -> None:
    """Webhooks must not announce tasks of a rolled-back import: the first file is fine,
    the second is bad, so nothing is imported and no tasks.created is emitted."""
    seen: list[Any] = []
    core.events.on("tasks.created", seen.append)
    client.login(users["a-manager"])
    pid = _project(client)
    r = client.post(
        f"/api/projects/{pid}/import",
        files={
            "a": (b"text\nfine\n", "a.csv"),
            "b": (json.dumps([{"nope": 1}]).encode(), "b.json"),
        },
    )
    assert r.status == 400 and _total(client, pid) == 0
    assert seen == []
    r = client.post(
        f"/api/projects/{pid}/import",
        files={"a": (b"text\nfine\n", "a.csv"), "b": (b"text\nalso\n", "b.csv")},
    )
    assert r.status == 201 and len(seen) == 2


def test_staging_emits_no_tasks_created_and_reimport_does(
    client: Any, users: Any, core: LabelCore
) -> None:
    """Keeping a file checks it by importing it in a transaction that is undone: no
    webhook may announce those tasks; the reimport that creates them does."""
    seen: list[Any] = []
    core.events.on("tasks.created", seen.append)
    client.login(users["a-manager"])
    pid = _project(client)
    r = client.post(
        f"/api/projects/{pid}/import?commit_to_project=false",
        files={"a": (b"text\none\n", "a.csv"), "b": (b"text\ntwo\n", "b.csv")},
    )
    assert r.status == 201 and seen == []
    ids = r.json()["file_upload_ids"]
    assert client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids}).status == 201
    assert sum(e.payload["count"] for e in seen) == 2


def test_kept_uploads_are_bounded_per_user_and_project(
    client: Any, core: LabelCore, users: Any
) -> None:
    """Staged files hold their bytes in the database: one user may keep at most
    max_kept_upload_bytes per project (413 beyond), and deleting kept uploads frees it."""
    core.max_kept_upload_bytes = 20
    client.login(users["a-manager"])
    pid = _project(client)
    url = f"/api/projects/{pid}/import?commit_to_project=false"
    r = client.post(url, files={"file": (b"text\nfirst one\n", "a.csv")})  # 16 bytes
    assert r.status == 201, r
    r = client.post(url, files={"file": (b"text\nsecond\n", "b.csv")})  # 12 more: over 20
    assert r.status == 413 and r.json()["code"] == "upload.quota"
    assert len(client.get(f"/api/projects/{pid}/file-uploads?all=true").json()) == 1
    assert client.delete(f"/api/projects/{pid}/file-uploads", json={}).status == 200
    assert client.post(url, files={"file": (b"text\nsecond\n", "b.csv")}).status == 201
