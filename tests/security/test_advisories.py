"""Label Studio advisories that apply to an embedded library, one regression test each.

Most advisories have their regression test next to the feature they concern (named for the
advisory: grep for ``ghsa_`` and ``cve_``); the ones here concern the adapters' wiring.
"""

from __future__ import annotations

import sys
from pathlib import Path

import flask
import pytest

from labelcore import LabelCore, User
from labelcore_flask import LabelcoreFlask

ROOT = Path(__file__).resolve().parents[2]
MANAGER = User(id=1, name="M", roles={"manager"})


def _app(secret: str | None = "s" * 32) -> flask.Flask:
    app = flask.Flask("host")
    if secret is not None:
        app.config["SECRET_KEY"] = secret
    core = LabelCore(store="memory://", start_jobs=False)
    LabelcoreFlask(core, identify=lambda request: MANAGER).init_app(app, url_prefix="/label")
    return app


def test_ghsa_cpmr_static_prefix_without_slash_leaks_no_source() -> None:
    """nginx's `location /static` without a trailing slash served `/static../settings.py`."""
    client = _app().test_client()
    assert client.get("/label/static/lc/labeling/registry.js").status_code == 200
    for path in (
        "/label/static../web/app.py",
        "/label/static/../web/app.py",
        "/label/static/..%2fweb/app.py",
        "/label/static/%2e%2e/%2e%2e/errors.py",
        "/label/static/lc/../../app.py",
        "/label/static//etc/passwd",
        "/label/static/..\\web\\app.py",
    ):
        r = client.get(path)
        assert r.status_code in (400, 404), path
        assert b"import" not in r.data and b"root:" not in r.data, path


def test_ghsa_f475_cve_2023_43791_no_hard_coded_secret() -> None:
    """A shipped, shared secret let anyone forge sessions: labelcore ships none."""
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        _app(secret=None)
    sys.path.insert(0, str(ROOT))
    try:
        from examples.flask_app import create_app

        one = create_app(db_url="memory://", seed=False, start_jobs=False)
        two = create_app(db_url="memory://", seed=False, start_jobs=False)
    finally:
        sys.path.remove(str(ROOT))
    assert one.config["SECRET_KEY"] != two.config["SECRET_KEY"]  # generated per process
    assert len(one.config["SECRET_KEY"]) >= 32
