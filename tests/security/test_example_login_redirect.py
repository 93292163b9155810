"""The Flask example's login form redirects to ``next`` only on the same site.

``next=/%09/evil.example/`` passed the old check (it starts with one ``/``); Werkzeug drops
the tab, so the ``Location`` became ``//evil.example/``: an open redirect off the host's
own login page, where a phishing link would start.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def app() -> Iterator[Any]:
    sys.path.insert(0, str(ROOT))
    try:
        from examples.flask_app import DEMO_USERS, create_app

        app = create_app(db_url="memory://", seed=False, start_jobs=False)
        app.config["DEMO_PASSWORD"] = DEMO_USERS["alice"][0]
        yield app
    finally:
        sys.path.remove(str(ROOT))


def _login(app: Any, next_url: str) -> str:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    r = client.post(
        "/login",
        query_string={"next": next_url},
        data={
            "form_token": token.group(1),
            "username": "alice",
            "password": app.config["DEMO_PASSWORD"],
        },
    )
    assert r.status_code == 302, r.status_code
    return str(r.headers["Location"])


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\n/evil.example/",
        "/\\evil.example/",
        "/\\/evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        " /evil",
    ],
)
def test_open_redirect_through_login_next_is_refused(app: Any, next_url: str) -> None:
    location = _login(app, next_url)
    assert location == "/label/", (next_url, location)


def test_login_next_keeps_same_site_paths(app: Any) -> None:
    assert _login(app, "/label/projects/3?tab=1") == "/label/projects/3?tab=1"
