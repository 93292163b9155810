"""The API tokens page (``<mount>/tokens``): a signed-in user issues a key for a script or
Label Studio's SDK, sees it once, and revokes it, with plain HTML forms whose CSRF token
each adapter's check accepts. The 401 for a bad ``Authorization`` header sends people to
"the tokens page"; before this page there was none, only ``POST /api/tokens``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from lc_adapter_world import make_client

from labelcore.service import LabelCore


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_tokens_page_issues_a_key_once_and_revokes_it(
    client: Any, core: LabelCore, users: Any
) -> None:
    al = users["a-annotator"]
    client.login(al, fetch_csrf=False)
    projects = client.get("/", headers={"Accept": "text/html"}).body.decode()
    assert 'href="/label/tokens"' in projects  # every signed-in user finds it
    page = client.get("/tokens", headers={"Accept": "text/html"})
    assert page.status == 200, page
    form = {"csrf_token": _form_token(page.body.decode()), "name": "nightly export"}
    made = client.post("/tokens", form=form, csrf=False)
    assert made.status == 201, made
    assert made.headers["cache-control"] == "no-store"  # the key is in this answer only
    key = re.search(r'class="lc-token-key">([0-9a-f]{40})<', made.body.decode()).group(1)
    assert core.authenticate_token(key).id == al.id
    (token,) = core.list_tokens(al)
    assert token.name == "nightly export"
    again = client.get("/tokens", headers={"Accept": "text/html"}).body.decode()
    assert key not in again and token.prefix in again

    revoke = {"csrf_token": _form_token(again)}
    gone = client.post(f"/tokens/{token.id}/revoke", form=revoke, csrf=False)
    assert gone.status == 303 and gone.headers["location"].endswith("/label/tokens"), gone
    assert core.authenticate_token(key) is None


def test_tokens_page_forms_need_the_csrf_token_and_own_tokens(
    client: Any, core: LabelCore, users: Any
) -> None:
    mine = core.create_token(users["a-annotator"], "mine")
    client.login(users["a-annotator2"], fetch_csrf=False)
    page = client.get("/tokens", headers={"Accept": "text/html"}).body.decode()
    assert "mine" not in page  # another user's tokens are not listed
    refused = client.post("/tokens", form={"name": "x"}, csrf=False)
    assert refused.status == 403 and refused.json()["code"] == "csrf.failed", refused
    assert core.list_tokens(users["a-annotator2"]) == []
    form = {"csrf_token": _form_token(page)}
    other = client.post(f"/tokens/{mine.token.id}/revoke", form=form, csrf=False)
    assert other.status == 404, other  # not theirs to revoke, not even to know of
    assert core.authenticate_token(mine.key) is not None
    long_name = client.post("/tokens", form={**form, "name": "n" * 101}, csrf=False)
    assert long_name.status == 400 and long_name.json()["code"] == "token.bad_name"


@pytest.fixture(params=["flask", "django"])
def no_tokens_client(request: pytest.FixtureRequest, core: LabelCore) -> Iterator[Any]:
    yield from make_client(request.param, core, token_auth=False)


def test_tokens_page_is_absent_when_the_host_turns_tokens_off(
    no_tokens_client: Any, users: Any
) -> None:
    no_tokens_client.login(users["a-annotator"], fetch_csrf=False)
    page = no_tokens_client.get("/tokens", headers={"Accept": "application/json"})
    assert page.status == 404 and page.json()["code"] == "tokens.disabled", page
    projects = no_tokens_client.get("/", headers={"Accept": "text/html"}).body.decode()
    assert "/label/tokens" not in projects
    # nor does the API issue a key that could never authenticate
    no_tokens_client.login(users["a-annotator"])
    made = no_tokens_client.post("/api/tokens", json={"name": "x"})
    assert made.status == 404 and made.json()["code"] == "tokens.disabled", made
