"""One host, several customers: a project of one organization is invisible to every user of
another organization (or of none), whatever their role, through both adapters and in-process.

The host audit (reports/hostaudit.md, item 1) found a tenant-2 user listing and reading
tenant 1's projects (``GET /api/tasks/20`` answered 200) and a global manager of one tenant
seeing every tenant's projects. Label Studio scopes everything by its Organization.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

from labelcore import LabelCore, User, ValidationError
from labelcore.model import Project

_ADAPTERS = Path(__file__).resolve().parent.parent / "adapters"
sys.path.insert(0, str(_ADAPTERS))
import lc_adapter_world as world  # noqa: E402  (configures Django once, as the adapter suite does)
import lc_clients  # noqa: E402

ACME_MANAGER = User(id=1, name="Acme Manager", roles={"manager"}, organization=1)
ACME_ANNOTATOR = User(id=2, name="Acme Annotator", organization=1)
ZED = User(id=3, name="Zed of Beta", organization="beta")
BETA_MANAGER = User(id=4, name="Beta Manager", roles={"manager"}, organization="beta")
LONER = User(id=5, name="No organization", roles={"manager"})
USERS = {str(u.id): u for u in (ACME_MANAGER, ACME_ANNOTATOR, ZED, BETA_MANAGER, LONER)}


def _world(core: LabelCore) -> dict[str, int]:
    """Acme's project (no members: open to all of Acme) with a task and an annotation."""
    project = core.create_project(
        ACME_MANAGER, title="Acme reviews", label_config=world.TEXT_CONFIG
    )
    report = core.import_tasks(ACME_MANAGER, project.id, [{"text": "a"}, {"text": "b"}])
    ann = core.submit_annotation(ACME_ANNOTATOR, report.task_ids[0], world.POS)
    return {"project": project.id, "task": report.task_ids[0], "annotation": ann.id}


@pytest.fixture(params=["memory://", "sqlite://"])
def core(request: pytest.FixtureRequest) -> Iterator[LabelCore]:
    c = LabelCore(store=request.param, start_jobs=False)
    yield c
    c.close()


@pytest.fixture(params=["flask", "django"])
def client(request: pytest.FixtureRequest, core: LabelCore) -> Iterator[Any]:
    lc_clients.USERS.clear()
    lc_clients.USERS.update(USERS)
    yield from world.make_client(request.param, core)


def test_a_project_belongs_to_its_creators_organization(core: LabelCore) -> None:
    ids = _world(core)
    assert core.get_project(ACME_MANAGER, ids["project"]).organization == "1"
    single = core.create_project(LONER, title="Single tenant")
    assert single.organization is None


def test_cross_tenant_project_list_hides_other_tenants(core: LabelCore, client: Any) -> None:
    ids = _world(core)
    shared = core.create_project(LONER, title="Before tenants").id  # a project of no tenant
    for user in (ZED, BETA_MANAGER):
        assert [s.project.id for s in core.list_projects(user)] == [shared]
        client.login(user)
        r = client.get("/api/projects")
        assert r.status == 200 and [p["id"] for p in r.json()["results"]] == [shared], r
        page = client.get("/")
        assert page.status == 200 and b"Acme reviews" not in page.body
    assert [s.project.id for s in core.list_projects(LONER)] == [shared]
    assert [s.project.id for s in core.list_projects(ACME_ANNOTATOR)] == [shared, ids["project"]]


def test_cross_tenant_task_read_is_404(core: LabelCore, client: Any) -> None:
    ids = _world(core)
    for user in (ZED, BETA_MANAGER, LONER):
        client.login(user)
        for path in (
            f"/api/tasks/{ids['task']}",
            f"/api/annotations/{ids['annotation']}",
            f"/api/projects/{ids['project']}",
            f"/api/projects/{ids['project']}/tasks",
            f"/api/tasks?project={ids['project']}",
            f"/api/dm/columns?project={ids['project']}",
            f"/api/dm/views?project={ids['project']}",
            f"/api/webhooks?project={ids['project']}",
            f"/api/ml?project={ids['project']}",
            f"/projects/{ids['project']}",
            f"/projects/{ids['project']}/settings",
            f"/projects/{ids['project']}/label",
        ):
            r = client.get(path)
            assert r.status == 404, (user.name, path, r)
        r = client.post(f"/api/projects/{ids['project']}/import", json=[{"text": "x"}])
        assert r.status == 404, r
        r = client.post(f"/api/tasks/{ids['task']}/annotations", json={"result": world.POS})
        assert r.status == 404, r
        r = client.patch(f"/api/projects/{ids['project']}", json={"title": "Taken over"})
        assert r.status == 404, r
    assert core.get_project(ACME_MANAGER, ids["project"]).settings.title == "Acme reviews"
    assert core.get_task(ACME_MANAGER, ids["task"]).task.total_annotations == 1
    client.login(ACME_ANNOTATOR)  # the project's own tenant still reads it
    assert client.get(f"/api/tasks/{ids['task']}").status == 200


def test_cross_tenant_manager_cannot_export(core: LabelCore, client: Any) -> None:
    ids = _world(core)
    client.login(BETA_MANAGER)
    r = client.get(f"/api/projects/{ids['project']}/export?exportType=JSON")
    assert r.status == 404 and r.json()["code"] == "project.not_found", r
    assert client.delete(f"/api/projects/{ids['project']}").status == 404
    client.login(ACME_MANAGER)
    r = client.get(f"/api/projects/{ids['project']}/export?exportType=JSON")
    assert r.status == 200 and len(r.json()) == 1, r


def test_token_cannot_cross_tenants(core: LabelCore, client: Any) -> None:
    ids = _world(core)
    core.identify(BETA_MANAGER)  # the directory keeps the organization last seen
    issued = core.create_token(BETA_MANAGER, "script")
    acting = core.authenticate_token(issued.key)
    assert acting is not None and acting.organization == "beta"
    client.logout()
    auth = {"Authorization": f"Token {issued.key}"}
    r = client.get("/api/projects", headers=auth)
    assert r.status == 200 and r.json()["results"] == [], r
    for path in (f"/api/projects/{ids['project']}", f"/api/tasks/{ids['task']}"):
        assert client.get(path, headers=auth).status == 404, path
    r = client.get(f"/api/projects/{ids['project']}/export?exportType=JSON", headers=auth)
    assert r.status == 404, r
    # a token of Acme's manager reads Acme's project: the organization came along
    core.identify(ACME_MANAGER)
    acme = {"Authorization": f"Token {core.create_token(ACME_MANAGER).key}"}
    assert client.get(f"/api/tasks/{ids['task']}", headers=acme).status == 200


def test_members_and_roles_work_within_an_organization(core: LabelCore) -> None:
    ids = _world(core)
    colleague = User(id=6, name="Acme colleague", organization=1)
    core.set_members(ACME_MANAGER, ids["project"], {ACME_ANNOTATOR.id: "reviewer"})
    assert core.list_projects(colleague) == []  # not a member
    [summary] = core.list_projects(ACME_ANNOTATOR)
    assert summary.role == "reviewer"
    # membership does not carry a user of another organization in
    core.set_members(ACME_MANAGER, ids["project"], {ZED.id: "manager"})
    assert core.list_projects(ZED) == []
    with pytest.raises(Exception, match="not found"):
        core.get_project(ZED, ids["project"])


def test_the_project_list_asks_the_store_for_the_tenants_projects_only(core: LabelCore) -> None:
    """``list_projects`` filters in the store's query: another tenant's projects are never
    read, however many there are."""
    _world(core)
    for i in range(5):
        core.create_project(BETA_MANAGER, title=f"Beta {i}")
    read: list[Project] = []
    original = core.store.list_projects

    def spy(
        ids: Collection[int] | None = None,
        *,
        organizations: Collection[str | None] | None = None,
    ) -> list[Project]:
        found = original(ids, organizations=organizations)
        read.extend(found)
        return found

    core.store.list_projects = spy  # type: ignore[method-assign]
    assert len(core.list_projects(ACME_ANNOTATOR)) == 1
    assert [p.settings.title for p in read] == ["Acme reviews"]


def test_cross_tenant_import_cannot_credit_another_tenants_user_by_email(
    core: LabelCore,
) -> None:
    ids = _world(core)
    core.identify(User(id=3, name="Zed of Beta", email="zed@beta.test", organization="beta"))
    core.identify(User(id=2, name="Acme Annotator", email="ann@acme.test", organization=1))

    def by(email: str) -> list[dict[str, Any]]:
        done = {"result": world.POS, "completed_by": {"email": email}}
        return [{"data": {"text": "x"}, "annotations": [done]}]

    with pytest.raises(ValidationError) as caught:
        core.import_tasks(ACME_MANAGER, ids["project"], by("zed@beta.test"))
    [problem] = caught.value.errors
    assert problem["code"] == "import.unknown_user"  # as for an email nobody has
    report = core.import_tasks(ACME_MANAGER, ids["project"], by("ann@acme.test"))
    [task_id] = report.task_ids
    [ann] = core.get_task(ACME_MANAGER, task_id).annotations
    assert ann.completed_by == 2


@pytest.mark.parametrize("bad", [True, "", "x" * 256, 1.5, ("a",)])
def test_an_organization_that_is_no_id_is_refused(core: LabelCore, bad: Any) -> None:
    user = User(id=9, roles={"manager"}, organization=bad)
    with pytest.raises(ValidationError) as caught:
        core.identify(user)
    assert caught.value.code == "user.bad_organization"
    with pytest.raises(ValidationError):
        core.create_project(user, title="Nope")
    assert core.store.list_projects() == [] and core.store.get_users([9]) == {}


def test_django_organization_setting_names_the_tenant(core: LabelCore) -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test.utils import override_settings

    from labelcore_django import conf

    class Groups:
        def values_list(self, *a: Any, **k: Any) -> list[str]:
            return []

    class Person:
        pk, email, is_active, is_authenticated = 3, "", True, True
        is_staff = is_superuser = False
        groups = Groups()
        tenant = "beta"

        def get_full_name(self) -> str:
            return "Zed"

    class Req:
        user = Person()

    settings = {"core": core, "organization": lambda request: request.user.tenant}
    with override_settings(LABELCORE=settings):
        zed = conf.get_web().identify(Req())
    assert zed is not None and zed.organization == "beta" and zed.roles == {"annotator"}
    both = {**settings, "identify": lambda request: None}
    with override_settings(LABELCORE=both), pytest.raises(ImproperlyConfigured, match="identify"):
        conf.get_web()
    bad = {"core": core, "organization": "no.such.module.fn"}
    with (
        override_settings(LABELCORE=bad),
        pytest.raises(ImproperlyConfigured, match="organization"),
    ):
        conf.get_web()


def test_cross_tenant_member_lookup_does_not_find_another_tenants_user(core: LabelCore) -> None:
    """The settings page's "add member" lookup must not reveal (or offer) a user of another
    organization, by email or by id; users of the project's own organization are found."""
    ids = _world(core)
    zed = User(id=3, name="Zed of Beta", email="zed@beta.example", organization="beta")
    colleague = User(id=6, name="Acme colleague", email="co@acme.example", organization=1)
    for user in (zed, colleague):
        core.identify(user)
    find = core.find_member_candidate
    assert find(ACME_MANAGER, ids["project"], "zed@beta.example") is None
    assert find(ACME_MANAGER, ids["project"], "3") is None
    found = find(ACME_MANAGER, ids["project"], "co@acme.example")
    assert found is not None and found.id == 6
    assert find(ACME_MANAGER, ids["project"], "6") is not None
    # a project without an organization (a single-tenant host's) finds anyone seen
    single = core.create_project(LONER, title="Single tenant")
    assert find(LONER, single.id, "zed@beta.example") is not None
