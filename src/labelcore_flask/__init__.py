"""Flask adapter: mount labelcore's pages and API under a prefix of a Flask app.

from labelcore_flask import LabelcoreFlask
LabelcoreFlask(core, identify=lambda request: current_user()).init_app(app, url_prefix="/label")
"""

from __future__ import annotations

try:
    import flask  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError("labelcore_flask needs Flask: pip install 'labelcore[flask]'") from exc
