"""``labelcore demo`` (what ``make demo`` runs) builds the seeded example host and serves it
on 127.0.0.1:8000 by default; here Flask's ``run`` is replaced so nothing listens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import pytest

from labelcore import cli

ROOT = Path(__file__).resolve().parents[2]


def test_demo_command_serves_the_seeded_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: dict[str, Any] = {}

    def fake_run(self: flask.Flask, host: str, port: int, **kw: Any) -> None:
        served.update(app=self, host=host, port=port)

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(flask.Flask, "run", fake_run)
    assert cli.main(["demo", "--db", "memory://"]) == 0
    assert served["host"] == "127.0.0.1" and served["port"] == 8000
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out and "alice / alice" in out and "bob / bob" in out
    core = served["app"].extensions["labelcore_core"]
    from examples.flask_app.seed import DEMO_USERS

    titles = {s.project.settings.title for s in core.list_projects(DEMO_USERS["alice"][1])}
    assert titles == {"Demo: people, organisations, places", "Demo: shapes in images"}
    core.close()


def test_demo_command_outside_the_repository_says_how(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(ROOT))])
    for name in [m for m in sys.modules if m == "examples" or m.startswith("examples.")]:
        monkeypatch.delitem(sys.modules, name)
    assert cli.main(["demo", "--db", "memory://"]) == 2
    assert "repository root" in capsys.readouterr().err
