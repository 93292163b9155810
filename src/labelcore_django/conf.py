"""Reading the ``LABELCORE`` setting into one ``WebApp`` per process.

from labelcore_django.conf import get_web, get_core
core = get_core()                          # the LabelCore the setting describes
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import jinja2
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.module_loading import import_string

from labelcore.model import User
from labelcore.web.app import WebApp
from labelcore.web.http import Request, Response
from labelcore.web.security import CSRF_FIELD

_lock = threading.Lock()
_web: WebApp | None = None
_OPTIONS = (
    "token_auth",
    "csp",
    "max_body",
    "login_url",
    "base_template",
    "static_dir",
    "media_roots",
    "media_store",
    "media_resolvers",
)
_KNOWN = {"store", "core", "identify", "organization", "template_dirs", "limits", *_OPTIONS}
_HINT = (
    'Set it in settings.py, e.g. LABELCORE = {"store": "sqlite:///labelcore.db"} '
    '(or {"core": LabelCore(...)}), and optionally "identify": "myapp.auth.identify".'
)


def default_identify(
    request: HttpRequest, organization: Callable[[HttpRequest], Any] | None = None
) -> User | None:
    """Map ``request.user``: superusers and staff are managers; the groups
    ``labelcore-manager``/``labelcore-reviewer`` give those roles; other users annotate.
    ``organization`` (``LABELCORE["organization"]``) names the user's tenant."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    roles: set[str] = set()
    if user.is_superuser or user.is_staff:
        roles.add("manager")
    groups = set(user.groups.values_list("name", flat=True))
    if "labelcore-manager" in groups:
        roles.add("manager")
    if "labelcore-reviewer" in groups:
        roles.add("reviewer")
    if not roles:
        roles.add("annotator")
    name = user.get_full_name() or user.get_username()
    tenant = None if organization is None else organization(request)
    return User(id=user.pk, name=name, email=user.email or "", roles=roles, organization=tenant)


def _config() -> dict[str, Any]:
    cfg = getattr(settings, "LABELCORE", None)
    if not isinstance(cfg, dict):
        raise ImproperlyConfigured(f"labelcore_django needs a LABELCORE dict setting. {_HINT}")
    unknown = set(cfg) - _KNOWN
    if unknown:
        raise ImproperlyConfigured(
            f"LABELCORE has unknown keys {sorted(unknown)}; allowed: {sorted(_KNOWN)}."
        )
    if ("store" in cfg) == ("core" in cfg):
        raise ImproperlyConfigured(f"LABELCORE needs exactly one of 'store' and 'core'. {_HINT}")
    if "limits" in cfg and "core" in cfg:
        raise ImproperlyConfigured(
            "LABELCORE['limits'] goes with 'store'; with your own 'core', pass "
            "LabelCore(..., limits=Limits(...)) instead."
        )
    return cfg


def check_settings() -> None:
    """Raise ``ImproperlyConfigured`` (with the fix) for a setting that cannot work."""
    _config()
    if "django.middleware.csrf.CsrfViewMiddleware" not in settings.MIDDLEWARE:
        raise ImproperlyConfigured(
            "labelcore_django relies on Django's CSRF protection: add "
            "'django.middleware.csrf.CsrfViewMiddleware' to MIDDLEWARE."
        )


class DjangoCsrf:
    """labelcore's CSRF protocol answered by Django's own ``CsrfViewMiddleware``."""

    def token(self, request: Request, user: User | None) -> str:
        return str(get_token(request.native))

    def verify(self, request: Request, user: User | None) -> bool:
        native = request.native
        # labelcore's HTML forms (the review pages) send the token in its own field;
        # Django's check reads ``csrfmiddlewaretoken`` or the header: hand it over as the
        # header (the same token, checked against the same cookie)
        header = settings.CSRF_HEADER_NAME
        if request.is_form and header not in native.META:
            sent = request.form.get(CSRF_FIELD)
            if sent and "csrfmiddlewaretoken" not in native.POST:
                native.META[header] = sent
        check = CsrfViewMiddleware(lambda req: None)
        check.process_request(native)
        return check.process_view(native, None, (), {}) is None

    def prepare_response(self, request: Request, response: Response) -> None:
        """Django's middleware sets the cookie itself in ``process_response``."""


def _build() -> WebApp:
    cfg = _config()
    check_settings()
    if "core" in cfg:
        core = cfg["core"]
    else:
        from labelcore.service import LabelCore
        from labelcore.service.limits import Limits

        limits = cfg.get("limits")
        if limits is not None and not isinstance(limits, Limits):
            raise ImproperlyConfigured(
                f"LABELCORE['limits'] must be a labelcore.Limits, not {limits!r}: "
                "from labelcore import Limits, Rate; Limits(api_per_user=Rate(600, per=60))"
            )
        core = LabelCore(store=cfg["store"], limits=limits)
    identify = _callable(cfg, "identify", "a labelcore.User or None", default_identify)
    if "organization" in cfg:
        if "identify" in cfg:
            raise ImproperlyConfigured(
                "LABELCORE['organization'] goes with the default identify; your own "
                "'identify' sets User(..., organization=...) itself."
            )
        tenant = _callable(cfg, "organization", "the user's organization id or None", None)
        identify = functools.partial(default_identify, organization=tenant)
    dirs = cfg.get("template_dirs")
    loader = jinja2.FileSystemLoader(dirs) if dirs else None
    options = {k: cfg[k] for k in _OPTIONS if k in cfg}
    return WebApp(core, identify=identify, csrf=DjangoCsrf(), template_loader=loader, **options)


def _callable(cfg: dict[str, Any], key: str, returns: str, default: Any) -> Any:
    """``cfg[key]`` as a callable (given as one or as a dotted path), else ``default``."""
    found = cfg.get(key, default)
    if isinstance(found, str):
        try:
            found = import_string(found)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"LABELCORE[{key!r}] = {cfg[key]!r} cannot be imported ({exc}); give a "
                f"dotted path to a function taking the request and returning {returns}."
            ) from exc
    if not callable(found):
        raise ImproperlyConfigured(f"LABELCORE[{key!r}] must be a callable or a dotted path.")
    return found


def get_web() -> WebApp:
    global _web
    with _lock:
        if _web is None:
            _web = _build()
        return _web


def get_core() -> Any:
    return get_web().core


def on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    global _web
    if setting in ("LABELCORE", "MIDDLEWARE"):
        with _lock:
            _web = None
