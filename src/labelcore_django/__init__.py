"""Django adapter: add "labelcore_django" to INSTALLED_APPS and include its urls.

    INSTALLED_APPS += ["labelcore_django"]
    LABELCORE = {"store": "sqlite:///labelcore.db"}
    urlpatterns += [path("label/", include("labelcore_django.urls"))]

Settings (``LABELCORE`` dict): ``store`` (URL or Store) or ``core`` (a ``LabelCore``), ``identify``
(callable or dotted path; default :func:`labelcore_django.conf.default_identify`), and the
``WebApp`` options ``token_auth``, ``csp``, ``max_body``, ``login_url``, ``base_template``,
``template_dirs``. CSRF is Django's own: ``CsrfViewMiddleware`` must be installed.
"""

from __future__ import annotations

try:
    import django  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError("labelcore_django needs Django: pip install 'labelcore[django]'") from exc
