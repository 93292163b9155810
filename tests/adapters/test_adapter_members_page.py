"""The Members section of the settings page, on Flask and Django: a manager adds a user
labelcore has seen (by email or id), changes their role and removes them with plain forms
that carry the CSRF token; a refused change shows why and changes nothing; other roles and
other projects get nothing."""

from __future__ import annotations

import re
from typing import Any

from labelcore.model import User
from labelcore.service import LabelCore

HTML = {"Accept": "text/html"}


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _page(client: Any, pid: int) -> str:
    r = client.get(f"/projects/{pid}/settings", headers=HTML)
    assert r.status == 200, r
    return str(r.body.decode())


def test_members_section_adds_changes_and_removes(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    pid = world["a"]["project"]
    boss = users["a-manager"]
    # a user of tenant "a" (the member lookup finds only users of the project's organization)
    core.identify(User(id=42, name="Forty <b>Two</b>", email="ft@a.test", organization="a"))
    client.login(boss, fetch_csrf=False)
    page = _page(client, pid)
    assert 'id="lc-members"' in page and "has no members" in page
    token = _form_token(page)
    url = f"/projects/{pid}/members"
    r = client.post(
        url, form={"csrf_token": token, "user": "FT@a.test", "role": "reviewer"}, csrf=False
    )
    assert r.status == 303 and r.headers["location"].endswith("/settings#lc-members"), r
    assert [(m.user_id, m.role) for m in core.list_members(boss, pid)] == [(42, "reviewer")]
    page = _page(client, pid)
    assert "Forty &lt;b&gt;Two&lt;/b&gt;" in page and "<b>Two" not in page  # escaped
    r = client.post(
        url + "/role", form={"csrf_token": token, "user": "42", "role": "manager"}, csrf=False
    )
    assert r.status == 303, r
    assert core.list_members(boss, pid)[0].role == "manager"
    r = client.post(
        url, form={"csrf_token": token, "user": "a-annotator2", "role": "annotator"}, csrf=False
    )
    assert r.status == 404 and "has signed in here yet" in r.body.decode(), r  # never seen
    core.identify(users["a-annotator2"])
    r = client.post(
        url, form={"csrf_token": token, "user": "a-annotator2", "role": "annotator"}, csrf=False
    )
    assert r.status == 303, r
    r = client.post(url + "/remove", form={"csrf_token": token, "user": "42"}, csrf=False)
    assert r.status == 303, r
    assert [m.user_id for m in core.list_members(boss, pid)] == ["a-annotator2"]


def test_a_refused_member_change_says_why_and_changes_nothing(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    pid = world["a"]["project"]
    boss = users["a-manager"]
    core.set_members(boss, pid, {"a-annotator": "annotator"})
    client.login(boss, fetch_csrf=False)
    token = _form_token(_page(client, pid))
    url = f"/projects/{pid}/members"
    r = client.post(
        url + "/role", form={"csrf_token": token, "user": "a-annotator", "role": "boss"}, csrf=False
    )
    assert r.status == 400, r
    assert "role must be one of annotator, manager, reviewer, got &#39;boss&#39;" in r.body.decode()
    r = client.post(url + "/remove", form={"csrf_token": token, "user": "nobody"}, csrf=False)
    assert r.status == 404 and "is not a member of this project" in r.body.decode(), r
    r = client.post(url + "/remove", form={"user": "a-annotator"}, csrf=False)
    assert r.status == 403 and r.json()["code"] == "csrf.failed", r
    assert [(m.user_id, m.role) for m in core.list_members(boss, pid)] == [
        ("a-annotator", "annotator")
    ]


def test_members_forms_refuse_other_roles_and_other_projects(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    boss = users["a-manager"]
    a = world["a"]["project"]
    core.identify(users["a-annotator2"])
    client.login(users["a-reviewer"], fetch_csrf=False)
    token = _form_token(client.get("/tokens", headers=HTML).body.decode())
    form = {"csrf_token": token, "user": "a-annotator2", "role": "manager"}
    r = client.post(f"/projects/{a}/members", form=form, csrf=False)
    assert r.status == 403, r
    client.login(boss, fetch_csrf=False)
    token = _form_token(client.get("/tokens", headers=HTML).body.decode())
    b = world["b"]["project"]
    for path in (
        f"/projects/{b}/members",
        f"/projects/{b}/members/role",
        f"/projects/{b}/members/remove",
    ):
        r = client.post(path, form={**form, "csrf_token": token, "user": "b-annotator"}, csrf=False)
        assert r.status == 404, (path, r)
    assert core.list_members(boss, a) == []
    assert core.list_members(users["b-manager"], b) == []
