"""The adapter suite's shared world: a labeling config, results, two tenants' users (their
``organization`` set, as a multi-tenant host does), and builders of a LabelCore and of an
adapter client. Test modules import from here (``from lc_adapter_world import ...``), never
from ``conftest``: another test directory's conftest module could be the one named
``conftest`` in ``sys.modules``."""

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


def _user(uid: str, name: str, role: str, **kw: str) -> User:
    """A user of tenant "a" or "b" (the id's prefix), its organization set."""
    return User(id=uid, name=name, roles={role}, organization=uid.split("-")[0], **kw)


USERS = {
    "a-manager": _user("a-manager", "Ann Manager", "manager", email="am@a.test"),
    "a-reviewer": _user("a-reviewer", "Rita Reviewer", "reviewer"),
    "a-annotator": _user("a-annotator", "Al Annotator", "annotator"),
    "a-annotator2": _user("a-annotator2", "Alma Two", "annotator"),
    "b-manager": _user("b-manager", "Bob Manager", "manager"),
    "b-annotator": _user("b-annotator", "Bea Annotator", "annotator"),
}


def make_core(policy: Policy | None = None) -> LabelCore:
    return LabelCore(store="memory://", policy=policy or DefaultPolicy(), start_jobs=False)


def make_client(kind: str, core: LabelCore, **options: Any) -> Iterator[lc_clients.AdapterClient]:
    if kind == "flask":
        yield lc_clients.FlaskClient(core, **options)
        return
    from django.test.utils import override_settings

    def identify(request: Any) -> User | None:
        return lc_clients.USERS.get(request.session.get("uid") or "")

    with override_settings(LABELCORE={"core": core, "identify": identify, **options}):
        yield lc_clients.DjangoClient(core)
