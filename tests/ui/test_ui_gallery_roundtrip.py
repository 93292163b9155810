"""Every gallery config on the labeling screen (the engine harness): it mounts with no
script error, and an annotation made with every control comes back from the screen whole —
each result item, by control and id, is still there after loading and saving (none dropped,
whether the screen draws its tag or not). Our gallery always; Label Studio's 69 templates
where its wheel is present (CI)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "config"))
from gallery_results import every_control_result  # noqa: E402
from test_config_ls_gallery import TEMPLATES  # noqa: E402

from labelcore import parse_config  # noqa: E402

pytestmark = pytest.mark.browser

OURS = sorted((Path(__file__).resolve().parents[1] / "config" / "gallery").glob("*.xml"))
CONFIGS = {f"ours/{p.stem}": p.read_text() for p in OURS}
CONFIGS.update({f"ls/{name}": xml for name, xml in TEMPLATES.items()})
# the sample media URLs cannot load here (no network, the page's CSP): not the screen's errors
MEDIA = ("Content Security Policy", "Failed to load resource", "Fetch API cannot load")


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_gallery_config_round_trips_on_the_labeling_screen(harness: Any, key: str) -> None:
    xml = CONFIGS[key]
    cfg = parse_config(xml)
    data = cfg.sample_task()
    result = every_control_result(cfg, data)
    harness.mount(xml, data, result)
    harness.page.wait_for_timeout(100)  # images report their size after loading
    back = {(r.get("from_name"), r.get("id")) for r in harness.result()}
    errors = [e for e in harness.page.watch.errors if not any(m in e for m in MEDIA)]
    harness.page.watch.errors.clear()
    assert errors == []
    assert sorted({(r["from_name"], r["id"]) for r in result} - back) == []
