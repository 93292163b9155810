"""Generated permission tests: role x endpoint x same/other project, and the
sequential-foreign-id IDOR checks of CVE-2026-76073 for every object endpoint.

Tenant ``a`` and tenant ``b`` each have a project with tasks, an annotation (by their
manager), a prediction, a draft (by their annotator), a view and a token (see ``world``).
A user of tenant ``a`` sees nothing of tenant ``b``: every request naming ``b``'s ids is a
404, and ``b``'s rows are unchanged afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest
from lc_adapter_world import NEG, POS, TEXT_CONFIG

from labelcore.service import LabelCore

M, R, A = "manager", "reviewer", "annotator"


def every(status: int) -> dict[str, int]:
    return {M: status, R: status, A: status}


def only_manager(ok: int) -> dict[str, int]:
    return {M: ok, R: 403, A: 403}


# (id, method, path template, JSON body, expected status per role in the same project)
MATRIX: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("project_get", "GET", "/api/projects/{project}", None, every(200)),
    ("project_patch", "PATCH", "/api/projects/{project}", {"title": "Renamed"}, only_manager(200)),
    ("project_delete", "DELETE", "/api/projects/{project}", None, only_manager(204)),
    (
        "project_import",
        "POST",
        "/api/projects/{project}/import",
        [{"text": "n"}],
        only_manager(201),
    ),
    ("project_next", "GET", "/api/projects/{project}/next", None, every(200)),
    (
        "project_import_staged",
        "POST",
        "/api/projects/{project}/import?commit_to_project=false",
        [{"text": "n"}],
        only_manager(201),
    ),
    (
        "project_reimport",
        "POST",
        "/api/projects/{project}/reimport",
        {"file_upload_ids": []},
        only_manager(200),
    ),
    (
        "project_file_uploads",
        "GET",
        "/api/projects/{project}/file-uploads?all=true",
        None,
        every(200),
    ),
    (
        "project_file_uploads_delete",
        "DELETE",
        "/api/projects/{project}/file-uploads",
        None,
        only_manager(200),
    ),
    ("webhooks_list", "GET", "/api/webhooks?project={project}", None, only_manager(200)),
    (
        "project_import_predictions",
        "POST",
        "/api/projects/{project}/import/predictions",
        [{"task": "{task}", "result": POS, "score": 0.4}],
        only_manager(201),
    ),
    ("project_tasks_delete", "DELETE", "/api/projects/{project}/tasks", None, only_manager(204)),
    (
        "project_export",
        "GET",
        "/api/projects/{project}/export?exportType=JSON",
        None,
        only_manager(200),
    ),
    ("project_export_formats", "GET", "/api/projects/{project}/export/formats", None, every(200)),
    ("tasks_list", "GET", "/api/tasks?project={project}", None, every(200)),
    ("task_get", "GET", "/api/tasks/{task}", None, every(200)),
    ("task_patch", "PATCH", "/api/tasks/{task}", {"data": {"text": "z"}}, only_manager(200)),
    ("task_delete", "DELETE", "/api/tasks/{task}", None, only_manager(204)),
    (
        "task_create",
        "POST",
        "/api/tasks",
        {"project": "{project}", "data": {"text": "n"}},
        only_manager(201),
    ),
    ("task_annotations", "GET", "/api/tasks/{task}/annotations", None, every(200)),
    ("annotation_submit", "POST", "/api/tasks/{task3}/annotations", {"result": POS}, every(201)),
    ("annotation_get", "GET", "/api/annotations/{annotation}", None, {M: 200, R: 200, A: 404}),
    (
        "annotation_patch",
        "PATCH",
        "/api/annotations/{annotation}",
        {"result": NEG},
        {M: 200, R: 403, A: 404},
    ),
    (
        "annotation_delete",
        "DELETE",
        "/api/annotations/{annotation}",
        None,
        {M: 204, R: 403, A: 404},
    ),
    ("predictions_list", "GET", "/api/predictions?task={task}", None, every(200)),
    (
        "prediction_create",
        "POST",
        "/api/predictions",
        {"task": "{task}", "result": POS},
        only_manager(201),
    ),
    ("prediction_get", "GET", "/api/predictions/{prediction}", None, every(200)),
    (
        "prediction_patch",
        "PATCH",
        "/api/predictions/{prediction}",
        {"score": 0.2},
        only_manager(200),
    ),
    ("prediction_delete", "DELETE", "/api/predictions/{prediction}", None, only_manager(204)),
    ("views_list", "GET", "/api/dm/views?project={project}", None, every(200)),
    (
        "view_create",
        "POST",
        "/api/dm/views",
        {"project": "{project}", "data": {"title": "t"}},
        every(201),
    ),
    ("columns", "GET", "/api/dm/columns?project={project}", None, every(200)),
    ("actions_list", "GET", "/api/dm/actions?project={project}", None, every(200)),
    (
        "action_delete_tasks",
        "POST",
        "/api/dm/actions?id=delete_tasks&project={project}",
        {"selectedItems": {"all": True, "excluded": []}},
        only_manager(200),
    ),
    ("members_get", "GET", "/api/projects/{project}/members", None, only_manager(200)),
    (
        "members_put",
        "PUT",
        "/api/projects/{project}/members",
        {"members": [{"user": "a-annotator2", "role": "reviewer"}]},
        only_manager(200),
    ),
    (
        "member_patch",
        "PATCH",
        "/api/projects/{project}/members/a-annotator2",
        {"role": "reviewer"},
        only_manager(200),
    ),
    (
        "tasks_assign",
        "POST",
        "/api/projects/{project}/tasks/assignees",
        {"type": "AN", "users": ["a-annotator2"], "selectedItems": {"all": True, "excluded": []}},
        only_manager(201),
    ),
]


def _fill(template: Any, ids: dict[str, Any]) -> Any:
    values = {**ids, "task3": ids["tasks"][2]}
    if isinstance(template, str):
        out = template
        for k, v in values.items():
            if out == "{" + k + "}":
                return v
            out = out.replace("{" + k + "}", str(v))
        return out
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, ids) for v in template]
    return template


def _call(client: Any, method: str, path: str, body: Any) -> Any:
    if body is None:
        return client.request(method, path)
    return client.request(method, path, json=body)


@pytest.mark.parametrize("role", [M, R, A])
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_permission_matrix_same_project(
    client: Any,
    users: Any,
    world: Any,
    role: str,
    name: str,
    method: str,
    path: str,
    body: Any,
    expected: dict[str, int],
) -> None:
    client.login(users[f"a-{role}"])
    r = _call(client, method, _fill(path, world["a"]), _fill(body, world["a"]))
    assert r.status == expected[role], (name, role, r)
    if r.status >= 400:
        assert r.json()["status_code"] == r.status


@pytest.mark.parametrize("role", [M, R, A])
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_permission_matrix_other_project_is_404(
    client: Any,
    users: Any,
    world: Any,
    role: str,
    name: str,
    method: str,
    path: str,
    body: Any,
    expected: dict[str, int],
) -> None:
    client.login(users[f"a-{role}"])
    r = _call(client, method, _fill(path, world["b"]), _fill(body, world["b"]))
    assert r.status == 404, (name, role, r)


def _snapshot(core: LabelCore, users: Any, ids: dict[str, Any]) -> Any:
    owner = users["b-manager"]
    return (
        core.get_project(owner, ids["project"]),
        [core.get_task(owner, t).task for t in ids["tasks"]],
        core.get_annotation(owner, ids["annotation"]),
        core.get_prediction(owner, ids["prediction"]),
        core.get_draft(users["b-annotator"], ids["draft"]),
        core.get_view(owner, ids["view"]),
        [t.revoked for t in core.list_tokens(owner)],
        core.list_members(owner, ids["project"]),
        core.task_assignees(owner, ids["project"], ids["tasks"]),
    )


# every object endpoint x method; the ids are tenant b's, the caller is tenant a's manager
IDOR: list[tuple[str, str, Any]] = [
    ("GET", "/api/projects/{project}", None),
    ("PATCH", "/api/projects/{project}", {"title": "pwned"}),
    ("PUT", "/api/projects/{project}", {"title": "pwned"}),
    ("DELETE", "/api/projects/{project}", None),
    ("POST", "/api/projects/{project}/validate", {"label_config": TEXT_CONFIG}),
    ("POST", "/api/projects/{project}/import", [{"text": "pwned"}]),
    ("GET", "/api/projects/{project}/next", None),
    ("GET", "/api/projects/{project}/export?exportType=JSON&download_all_tasks=true", None),
    ("GET", "/api/projects/{project}/export/formats", None),
    ("GET", "/api/projects/{project}/tasks", None),
    ("DELETE", "/api/projects/{project}/tasks", None),
    ("GET", "/api/tasks?project={project}", None),
    ("POST", "/api/tasks", {"project": "{project}", "data": {"text": "pwned"}}),
    ("GET", "/api/tasks/{task}", None),
    ("PATCH", "/api/tasks/{task}", {"data": {"text": "pwned"}}),
    ("PUT", "/api/tasks/{task}", {"data": {"text": "pwned"}}),
    ("DELETE", "/api/tasks/{task}", None),
    ("GET", "/api/tasks/{task}/annotations", None),
    ("POST", "/api/tasks/{task}/annotations", {"result": NEG}),
    ("GET", "/api/tasks/{task}/drafts", None),
    ("POST", "/api/tasks/{task}/drafts", {"result": NEG}),
    ("GET", "/api/tasks/{task}/annotations/{annotation}/drafts", None),
    ("POST", "/api/tasks/{task}/annotations/{annotation}/drafts", {"result": NEG}),
    ("GET", "/api/annotations/{annotation}", None),
    ("PATCH", "/api/annotations/{annotation}", {"result": NEG}),
    ("PUT", "/api/annotations/{annotation}", {"result": NEG}),
    ("DELETE", "/api/annotations/{annotation}", None),
    ("GET", "/api/drafts/{draft}", None),
    ("PATCH", "/api/drafts/{draft}", {"result": NEG}),
    ("PUT", "/api/drafts/{draft}", {"result": NEG}),
    ("DELETE", "/api/drafts/{draft}", None),
    ("GET", "/api/predictions?task={task}", None),
    ("GET", "/api/predictions?project={project}", None),
    ("POST", "/api/predictions", {"task": "{task}", "result": POS}),
    ("GET", "/api/predictions/{prediction}", None),
    ("PATCH", "/api/predictions/{prediction}", {"score": 0.0}),
    ("PUT", "/api/predictions/{prediction}", {"score": 0.0}),
    ("DELETE", "/api/predictions/{prediction}", None),
    ("GET", "/api/dm/views?project={project}", None),
    ("POST", "/api/dm/views", {"project": "{project}", "data": {"title": "pwned"}}),
    ("GET", "/api/dm/views/{view}", None),
    ("PATCH", "/api/dm/views/{view}", {"data": {"title": "pwned"}}),
    ("PUT", "/api/dm/views/{view}", {"data": {"title": "pwned"}}),
    ("DELETE", "/api/dm/views/{view}", None),
    ("DELETE", "/api/dm/views/reset?project={project}", None),
    ("GET", "/api/dm/columns?project={project}", None),
    ("GET", "/api/dm/actions?project={project}", None),
    (
        "POST",
        "/api/dm/actions?id=delete_tasks&project={project}",
        {"selectedItems": {"all": True, "excluded": []}},
    ),
    ("DELETE", "/api/tokens/{token}", None),
    ("GET", "/api/projects/{project}/members", None),
    ("PUT", "/api/projects/{project}/members", {"members": [{"user": "a-manager"}]}),
    ("PATCH", "/api/projects/{project}/members/a-manager", {"role": "manager"}),
    ("DELETE", "/api/projects/{project}/members/b-annotator", None),
    (
        "POST",
        "/api/projects/{project}/tasks/assignees",
        {"users": ["a-manager"], "selectedItems": {"all": True, "excluded": []}},
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), IDOR, ids=[f"{m} {p}" for m, p, _ in IDOR])
def test_cve_2026_76073_sequential_foreign_ids_are_404(
    client: Any, users: Any, world: Any, core: LabelCore, method: str, path: str, body: Any
) -> None:
    before = _snapshot(core, users, world["b"])
    client.login(users["a-manager"])
    r = _call(client, method, _fill(path, world["b"]), _fill(body, world["b"]))
    assert r.status == 404, r
    assert b"pwned" not in r.body
    for key in ("b one", "Project B"):
        assert key.encode() not in r.body
    assert _snapshot(core, users, world["b"]) == before


def test_cve_2026_76073_ids_scan_reveals_nothing(client: Any, users: Any, world: Any) -> None:
    """Walking every id from 1 to past the last one finds only tenant a's objects."""
    client.login(users["a-manager"])
    mine = {world["a"]["annotation"]}
    for aid in range(1, max(world["a"]["annotation"], world["b"]["annotation"]) + 3):
        r = client.get(f"/api/annotations/{aid}")
        assert (r.status == 200) == (aid in mine), (aid, r)
