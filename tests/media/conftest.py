"""The media suite reuses the UI suite's browser fixtures (``harness``, ``browser``...) from
tests/ui/conftest.py, loaded under another module name so the two conftests do not clash."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_UI = Path(__file__).resolve().parents[1] / "ui"
if str(_UI) not in sys.path:
    sys.path.insert(0, str(_UI))
_spec = importlib.util.spec_from_file_location("lc_media_ui_fixtures", _UI / "conftest.py")
assert _spec is not None and _spec.loader is not None
_ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ui)

static_url = _ui.static_url
watched_page = _ui.watched_page
_harness_page = _ui._harness_page
harness = _ui.harness
