"""Project members and task assignment over HTTP, on Flask and Django: list, replace, change
one, remove; every validation message; a manager of one project never reads or changes
another's members; Label Studio's bulk assignment shape."""

from __future__ import annotations

from typing import Any

import pytest

from labelcore.model import User
from labelcore.service import LabelCore

ANN2 = "a-annotator2"


def test_members_round_trip(client: Any, users: Any, world: Any, core: LabelCore) -> None:
    pid = world["a"]["project"]
    client.login(users["a-manager"])
    core.identify(users[ANN2])
    assert client.get(f"/api/projects/{pid}/members").json() == {"members": []}
    r = client.put(
        f"/api/projects/{pid}/members",
        json={"members": [{"user": ANN2, "role": "reviewer"}, {"user": "a-annotator"}]},
    )
    assert r.status == 200, r
    assert sorted(r.json()["members"], key=lambda m: m["user"]) == [
        {"user": "a-annotator", "role": "annotator", "name": "", "email": ""},
        {"user": ANN2, "role": "reviewer", "name": "Alma Two", "email": ""},
    ]
    # the member role applies: the reviewer (globally) is no member and loses the project
    assert core.list_projects(users["a-reviewer"]) == []
    assert [s.role for s in core.list_projects(users[ANN2])] == ["reviewer"]
    r = client.request("PATCH", f"/api/projects/{pid}/members/{ANN2}", json={"role": "annotator"})
    assert r.status == 200, r
    assert {m["user"]: m["role"] for m in r.json()["members"]}[ANN2] == "annotator"
    assert client.request("DELETE", f"/api/projects/{pid}/members/{ANN2}").status == 204
    assert [m.user_id for m in core.list_members(users["a-manager"], pid)] == ["a-annotator"]
    r = client.request("DELETE", f"/api/projects/{pid}/members/{ANN2}")
    assert r.status == 404 and r.json()["code"] == "members.not_a_member", r


def test_integer_host_ids_stay_integers(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    pid = world["a"]["project"]
    client.login(users["a-manager"])
    core.identify(User(id=42, name="Forty Two", email="ft@a.test"))
    r = client.put(f"/api/projects/{pid}/members", json={"members": [{"user": 42}]})
    assert r.json()["members"] == [
        {"user": 42, "role": "annotator", "name": "Forty Two", "email": "ft@a.test"}
    ]
    r = client.request("PATCH", f"/api/projects/{pid}/members/42", json={"role": "manager"})
    assert r.json()["members"][0]["user"] == 42
    assert client.request("DELETE", f"/api/projects/{pid}/members/42").status == 204
    assert core.list_members(users["a-manager"], pid) == []


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"members": [{"user": "x", "role": "boss"}]},
            "members.invalid_role",
            "invalid members: user 'x': role must be one of annotator, manager, reviewer, "
            "got 'boss'",
        ),
        (
            {"members": [{"user": 7}, {"user": "7", "role": "reviewer"}]},
            "members.duplicate_user",
            "invalid members: user '7' is listed more than once",
        ),
        (
            {"members": [{"user": True}]},
            "members.bad_user",
            "invalid members: a member's user must be a host user id (an integer or a string "
            "of 1 to 255 characters), got True",
        ),
        (
            {"members": [{"user": [1]}]},
            "members.bad_user",
            "invalid members: a member's user must be a host user id (an integer or a string "
            "of 1 to 255 characters), got [1]",
        ),
        (
            {"members": [{"role": "annotator"}]},
            "members.bad_item",
            "members[0] must be an object with 'user' and 'role'",
        ),
        (
            {"people": []},
            "members.required",
            '\'members\' is required: a list of {"user": <id>, "role": <role>} (an empty '
            "list opens the project to every user)",
        ),
    ],
)
def test_bad_member_lists_change_nothing(
    client: Any, users: Any, world: Any, core: LabelCore, body: Any, code: str, message: str
) -> None:
    pid = world["a"]["project"]
    core.set_members(users["a-manager"], pid, {"a-annotator": "annotator"})
    client.login(users["a-manager"])
    r = client.put(f"/api/projects/{pid}/members", json=body)
    assert r.status == 400, r
    assert (r.json()["code"], r.json()["detail"]) == (code, message)
    assert [m.user_id for m in core.list_members(users["a-manager"], pid)] == ["a-annotator"]


def test_every_bad_member_is_listed(client: Any, users: Any, world: Any) -> None:
    client.login(users["a-manager"])
    r = client.put(
        f"/api/projects/{world['a']['project']}/members",
        json={
            "members": [{"user": "x", "role": "boss"}, {"user": ""}, {"user": "y"}, {"user": "y"}]
        },
    )
    codes = [e["code"] for e in r.json()["errors"]]
    assert codes == ["members.invalid_role", "members.bad_user", "members.duplicate_user"]


def test_patch_with_a_bad_role_changes_nothing(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    pid = world["a"]["project"]
    core.set_members(users["a-manager"], pid, {ANN2: "annotator"})
    client.login(users["a-manager"])
    for body in ({"role": "owner"}, {}):
        r = client.request("PATCH", f"/api/projects/{pid}/members/{ANN2}", json=body)
        assert r.status == 400 and r.json()["code"] == "members.invalid_role", r
    assert core.list_members(users["a-manager"], pid)[0].role == "annotator"


def test_a_project_manager_cannot_touch_another_projects_members(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    """A member-manager of project A (globally an annotator) manages A's members, and gets a
    404 for B, which has members without them; B's list is unchanged."""
    boss = users["a-manager"]
    a = world["a"]["project"]
    b = core.create_project(
        boss, title="B of a", label_config=core.get_project(boss, a).settings.label_config
    )
    core.set_members(boss, a, {ANN2: "manager"})
    core.set_members(boss, b.id, {"a-annotator": "annotator"})
    client.login(users[ANN2])
    assert client.get(f"/api/projects/{a}/members").status == 200
    for method, path, body in [
        ("GET", f"/api/projects/{b.id}/members", None),
        ("PUT", f"/api/projects/{b.id}/members", {"members": [{"user": ANN2, "role": "manager"}]}),
        ("PATCH", f"/api/projects/{b.id}/members/{ANN2}", {"role": "manager"}),
        ("DELETE", f"/api/projects/{b.id}/members/a-annotator", None),
    ]:
        r = client.request(method, path, json=body) if body else client.request(method, path)
        assert r.status == 404, (method, path, r)
        assert b"a-annotator" not in r.body
    assert [(m.user_id, m.role) for m in core.list_members(boss, b.id)] == [
        ("a-annotator", "annotator")
    ]


def test_bulk_assignment_in_label_studios_shape(
    client: Any, users: Any, world: Any, core: LabelCore
) -> None:
    pid, tasks = world["a"]["project"], world["a"]["tasks"]
    client.login(users["a-manager"])
    body = {"type": "AN", "users": [ANN2], "selectedItems": {"all": False, "included": tasks[:2]}}
    r = client.post(f"/api/projects/{pid}/tasks/assignees", json=body)
    assert (r.status, r.json()) == (201, {"assignments": 2, "async": False}), r
    assert core.task_assignees(users["a-manager"], pid, tasks) == {
        tasks[0]: [ANN2],
        tasks[1]: [ANN2],
    }
    again = client.post(f"/api/projects/{pid}/tasks/assignees", json=body)
    assert again.json()["assignments"] == 0  # idempotent
    # every task but the first, by Label Studio's {"all": true, "excluded": [...]}
    body["selectedItems"] = {"all": True, "excluded": [tasks[0]]}
    body["users"] = ["a-annotator"]
    assert client.post(f"/api/projects/{pid}/tasks/assignees", json=body).json() == {
        "assignments": 2,
        "async": False,
    }
    core.update_project(users["a-manager"], pid, assignment_mode="assigned_only")
    assert core.next_task(users["a-annotator"], pid).task.id == tasks[1]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "RE", "users": ["x"], "selectedItems": {"all": True}}, "assignments.bad_type"),
        ({"users": [], "selectedItems": {"all": True}}, "tasks.bad_assignee"),
        ({"users": [True], "selectedItems": {"all": True}}, "tasks.bad_assignee"),
        ({"users": ["x"]}, "request.invalid"),
    ],
)
def test_bad_assignments_change_nothing(
    client: Any, users: Any, world: Any, core: LabelCore, body: Any, code: str
) -> None:
    pid, tasks = world["a"]["project"], world["a"]["tasks"]
    client.login(users["a-manager"])
    r = client.post(f"/api/projects/{pid}/tasks/assignees", json=body)
    assert (r.status, r.json()["code"]) == (400, code), r
    assert core.task_assignees(users["a-manager"], pid, tasks) == {}
