"""/api/projects/{id}/export through both adapters: formats, filters, streaming, errors."""

from __future__ import annotations

import csv
import io
import json
from typing import Any


def test_export_json_only_annotated_by_default(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["project"]
    r = client.get(f"/api/projects/{pid}/export?exportType=JSON")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    tasks = json.loads(r.body)
    assert [t["id"] for t in tasks] == [world["a"]["task"]]
    assert tasks[0]["annotations"][0]["result"][0]["value"] == {"choices": ["pos"]}


def test_export_all_tasks_with_export_type_alias_and_ids(
    client: Any, users: Any, world: Any
) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["project"]
    r = client.get(f"/api/projects/{pid}/export?export_type=JSON&download_all_tasks=true")
    assert sorted(t["id"] for t in json.loads(r.body)) == sorted(world["a"]["tasks"])
    wanted = world["a"]["tasks"][1:]
    r = client.get(
        f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true"
        f"&ids[]={wanted[0]}&ids[]={wanted[1]}&ids[]={world['b']['task']}"
    )
    assert sorted(t["id"] for t in json.loads(r.body)) == sorted(wanted)


def test_export_csv(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    r = client.get(f"/api/projects/{world['a']['project']}/export?exportType=CSV")
    assert r.status == 200
    rows = list(csv.DictReader(io.StringIO(r.body.decode())))
    assert len(rows) == 1 and rows[0]["sentiment"] == "pos"


def test_export_unknown_or_unfitting_format_is_400(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    pid = world["a"]["project"]
    r = client.get(f"/api/projects/{pid}/export?exportType=NOPE")
    assert r.status == 400 and r.json()["code"] == "export.unknown_format"
    r = client.get(f"/api/projects/{pid}/export?exportType=COCO")
    assert r.status == 400 and r.json()["code"] == "export.format_unsupported"


def test_export_formats_list(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-annotator"])
    formats = client.get(f"/api/projects/{world['a']['project']}/export/formats").json()
    by_name = {f["name"]: f for f in formats}
    assert by_name["JSON"]["disabled"] is False
    assert by_name["COCO"]["disabled"] is True and by_name["COCO"]["reason"]


def test_stream_writer_yields_chunks_and_stops_when_abandoned() -> None:
    import threading

    from labelcore.web.api.export import stream_writer

    def write(out: Any) -> None:
        for _ in range(1000):
            out.write(b"x" * 10_000)

    it = stream_writer(write)
    first = next(it)
    assert first.startswith(b"x")
    it.close()  # the client went away: the worker thread must not hang
    for t in threading.enumerate():
        if t.name == "labelcore-export":
            t.join(timeout=5)
            assert not t.is_alive()
