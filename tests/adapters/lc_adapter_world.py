"""The adapter suite's shared world: a labeling config, results, two tenants' users, the
tenant policy, and builders of a LabelCore and of an adapter client. Test modules import
from here (``from lc_adapter_world import ...``), never from ``conftest``: another test
directory's conftest module could be the one named ``conftest`` in ``sys.modules``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lc_clients

from labelcore.model import User
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


def make_core(policy: Policy | None = None) -> LabelCore:
    return LabelCore(store="memory://", policy=policy or TenantPolicy(), start_jobs=False)


def make_client(kind: str, core: LabelCore, **options: Any) -> Iterator[lc_clients.AdapterClient]:
    if kind == "flask":
        yield lc_clients.FlaskClient(core, **options)
        return
    from django.test.utils import override_settings

    def identify(request: Any) -> User | None:
        return lc_clients.USERS.get(request.session.get("uid") or "")

    with override_settings(LABELCORE={"core": core, "identify": identify, **options}):
        yield lc_clients.DjangoClient(core)
