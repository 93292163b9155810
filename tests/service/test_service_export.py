"""Exports through the facade and the CLI: permissions, subsets, options, streaming."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from labelcore import LabelCore, User
from labelcore.cli import main
from labelcore.errors import Forbidden, NotFound, ValidationError
from labelcore.formats.exporters import ExportOptions

MANAGER = User(id=1, name="M", roles={"manager"})
ANNOTATOR = User(id=2, name="A", roles={"annotator"})
CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="c" toName="text"><Choice value="yes"/><Choice value="no"/></Choices></View>'
)


def choice(value: str) -> list[dict[str, object]]:
    return [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


@pytest.fixture()
def core() -> LabelCore:
    core = LabelCore(store="memory://", start_jobs=False)
    yield core
    core.close()


def setup_project(core: LabelCore) -> tuple[int, list[int]]:
    p = core.create_project(MANAGER, title="Export", label_config=CONFIG)
    report = core.import_tasks(MANAGER, p.id, [{"text": f"t{i}"} for i in range(3)])
    ids = list(report.task_ids)
    core.submit_annotation(ANNOTATOR, ids[0], choice("yes"))
    core.save_draft(ANNOTATOR, ids[1], choice("no"))
    return p.id, ids


def run(prepared) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    prepared.write(out)
    return out.getvalue()


def test_only_annotated_by_default_and_all_on_request(core: LabelCore) -> None:
    pid, ids = setup_project(core)
    tasks = json.loads(run(core.prepare_export(MANAGER, pid, "JSON")))
    assert [t["id"] for t in tasks] == [ids[0]]
    assert tasks[0]["annotations"][0]["result"] == choice("yes")
    everything = json.loads(run(core.prepare_export(MANAGER, pid, download_all_tasks=True)))
    assert [t["id"] for t in everything] == ids


def test_task_ids_subset_and_drafts_option(core: LabelCore) -> None:
    pid, ids = setup_project(core)
    prepared = core.prepare_export(
        MANAGER,
        pid,
        "JSON",
        download_all_tasks=True,
        task_ids=[ids[1]],
        options=ExportOptions(include_drafts=True),
    )
    tasks = json.loads(run(prepared))
    assert [t["id"] for t in tasks] == [ids[1]]
    assert tasks[0]["drafts"][0]["result"] == choice("no")


def test_csv_rows(core: LabelCore) -> None:
    pid, _ = setup_project(core)
    rows = list(csv.DictReader(io.StringIO(run(core.prepare_export(MANAGER, pid, "CSV")).decode())))
    assert [(r["text"], r["c"]) for r in rows] == [("t0", "yes")]


def test_annotators_may_not_export_and_strangers_get_404(core: LabelCore) -> None:
    pid, _ = setup_project(core)
    with pytest.raises(Forbidden):
        core.prepare_export(ANNOTATOR, pid, "JSON")
    with pytest.raises(NotFound):
        core.prepare_export(MANAGER, pid + 100, "JSON")


def test_unfitting_format_says_why(core: LabelCore) -> None:
    pid, _ = setup_project(core)
    with pytest.raises(ValidationError, match="COCO"):
        core.prepare_export(MANAGER, pid, "COCO")
    formats = {f.name: f for f in core.export_formats(MANAGER, pid)}
    assert not formats["CSV"].disabled and formats["COCO"].disabled


def test_cli_import_then_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with LabelCore(store=url, start_jobs=False) as core:
        pid = core.create_project(MANAGER, title="CLI", label_config=CONFIG).id
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(5)))
    assert main(["import", "--store", url, "--project", str(pid), str(tasks)]) == 0
    assert "imported 5 tasks" in capsys.readouterr().out
    out = tmp_path / "all.json"
    assert main(["export", "--store", url, "--project", str(pid), "--all", "--out", str(out)]) == 0
    texts = [t["data"]["text"] for t in json.loads(out.read_text())]
    assert texts == [f"row {i}" for i in range(5)]


def test_cli_import_of_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with LabelCore(store=url, start_jobs=False) as core:
        pid = core.create_project(MANAGER, title="CLI", label_config=CONFIG).id
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "fine"}) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "ok"}) + "\n" + json.dumps({"other": 1}) + "\n")
    assert main(["import", "--store", url, "--project", str(pid), str(good), str(bad)]) == 2
    with LabelCore(store=url, start_jobs=False) as core:
        assert core.project_counts(MANAGER, pid).task_count == 0


def test_cli_import_of_a_bad_second_file_emits_no_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first file's ``tasks.created`` (and so its webhooks) must not go out when a later
    file fails and the whole import rolls back."""
    from labelcore.service import commands

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with LabelCore(store=url, start_jobs=False) as core:
        pid = core.create_project(MANAGER, title="CLI", label_config=CONFIG).id
    seen: list[str] = []
    real_core = commands._core

    def listening_core(args: object) -> tuple[object, User]:
        cli_core, user = real_core(args)  # type: ignore[arg-type]
        assert isinstance(cli_core, LabelCore)
        cli_core.events.on("*", lambda event: seen.append(event.name))
        return cli_core, user

    monkeypatch.setattr(commands, "_core", listening_core)
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "fine"}) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"other": 1}) + "\n")
    assert main(["import", "--store", url, "--project", str(pid), str(good), str(bad)]) == 2
    assert seen == []
    with LabelCore(store=url, start_jobs=False) as core:
        assert core.project_counts(MANAGER, pid).task_count == 0
    # the same two good files do emit, once the transaction commits
    assert main(["import", "--store", url, "--project", str(pid), str(good), str(good)]) == 0
    assert seen == ["tasks.created", "tasks.created"]
