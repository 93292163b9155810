"""Django adapter: add "labelcore_django" to INSTALLED_APPS and include its urls.

INSTALLED_APPS += ["labelcore_django"]
LABELCORE = {"store": "sqlite:///labelcore.db"}
urlpatterns += [path("label/", include("labelcore_django.urls"))]
"""

from __future__ import annotations

try:
    import django  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError("labelcore_django needs Django: pip install 'labelcore[django]'") from exc
