"""Fixtures of the adapter suite: a LabelCore, users in two tenants, and ``client``: the same
tests run through the Flask adapter and the Django adapter (``AdapterClient``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lc_clients
import pytest

from labelcore.model import Member, User
from labelcore.service import DefaultPolicy, LabelCore
from labelcore.service.policy import Policy

TEXT_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>'
    "</View>"
)
POS = [
    {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}
]
NEG = [
    {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["neg"]}}
]


def _configure_django() -> None:
    import django
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="django-test-secret-0123456789abcdef",
        ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"],
        INSTALLED_APPS=["labelcore_django"],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        ROOT_URLCONF="lc_django_urls",
        DATABASES={},
        USE_TZ=True,
        LABELCORE={"store": "memory://"},
    )
    django.setup()


_configure_django()


def tenant(uid: object) -> str:
    return str(uid).split("-", 1)[0]


class TenantPolicy(DefaultPolicy):
    """Two organisations in one host: nobody sees the other tenant's projects, whatever their
    role (the situation of CVE-2026-76073)."""

    def project_role(self, user: User, project: Any, members: Any) -> str | None:
        if tenant(user.id) != tenant(project.created_by):
            return None
        return super().project_role(user, project, members)

    def can_create_project(self, user: User) -> bool:
        return super().can_create_project(user)


USERS = {
    "a-manager": User(
        id="a-manager", name="Ann Manager", email="am@a.test", roles=frozenset({"manager"})
    ),
    "a-reviewer": User(id="a-reviewer", name="Rita Reviewer", roles=frozenset({"reviewer"})),
    "a-annotator": User(id="a-annotator", name="Al Annotator", roles=frozenset({"annotator"})),
    "a-annotator2": User(id="a-annotator2", name="Alma Two", roles=frozenset({"annotator"})),
    "b-manager": User(id="b-manager", name="Bob Manager", roles=frozenset({"manager"})),
    "b-annotator": User(id="b-annotator", name="Bea Annotator", roles=frozenset({"annotator"})),
}


@pytest.fixture()
def users() -> dict[str, User]:
    lc_clients.USERS.clear()
    lc_clients.USERS.update(USERS)
    return USERS


def make_core(policy: Policy | None = None) -> LabelCore:
    return LabelCore(store="memory://", policy=policy or TenantPolicy(), start_jobs=False)


@pytest.fixture()
def core(users: dict[str, User]) -> Iterator[LabelCore]:
    c = make_core()
    yield c
    c.close()


def make_client(kind: str, core: LabelCore, **options: Any) -> Iterator[lc_clients.AdapterClient]:
    if kind == "flask":
        yield lc_clients.FlaskClient(core, **options)
        return
    from django.test.utils import override_settings

    def identify(request: Any) -> User | None:
        return lc_clients.USERS.get(request.session.get("uid") or "")

    with override_settings(LABELCORE={"core": core, "identify": identify, **options}):
        yield lc_clients.DjangoClient(core)


@pytest.fixture(params=["flask", "django"])
def client(request: pytest.FixtureRequest, core: LabelCore) -> Iterator[lc_clients.AdapterClient]:
    yield from make_client(request.param, core)


@pytest.fixture()
def world(core: LabelCore, users: dict[str, User]) -> dict[str, Any]:
    """Two tenants, each with a project, tasks, an annotation, a prediction, a draft, a
    view, a token; ids are sequential across tenants, as in the IDOR reports."""
    out: dict[str, Any] = {}
    for t in ("a", "b"):
        manager = users[f"{t}-manager"]
        annotator = users[f"{t}-annotator"]
        project = core.create_project(
            manager, title=f"Project {t.upper()}", label_config=TEXT_CONFIG
        )
        report = core.import_tasks(
            manager,
            project.id,
            [{"text": f"{t} one"}, {"text": f"{t} two"}, {"text": f"{t} three"}],
        )
        task_ids = list(report.task_ids)
        ann = core.submit_annotation(manager, task_ids[0], POS)
        (pred,) = core.add_predictions(
            manager,
            project.id,
            [{"task": task_ids[0], "result": NEG, "score": 0.5, "model_version": "v1"}],
        )
        draft = core.save_draft(annotator, task_ids[1], POS)
        view = core.create_view(manager, project.id, {"title": "Tab"})
        token = core.create_token(manager, "script")
        out[t] = {
            "project": project.id,
            "tasks": task_ids,
            "task": task_ids[0],
            "annotation": ann.id,
            "prediction": pred.id,
            "draft": draft.id,
            "view": view.id,
            "token": token.token.id,
            "key": token.key,
        }
    return out


__all__ = ["Member", "POS", "NEG", "TEXT_CONFIG"]
