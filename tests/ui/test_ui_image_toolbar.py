"""The image tag's toolbar on the labeling page: one line at a 1300 px wide window (it used
to wrap onto two and push the canvas down), and every control still there and reachable
when the window is narrow."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from lc_ui_host import USERS

pytestmark = pytest.mark.browser

# every tool group the toolbar has: zoom, rotation, brightness, contrast, brush size, eraser
CONFIG = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Cat"/><Label value="Dog"/></RectangleLabels>
  <BrushLabels name="mask" toName="img"><Label value="Road"/></BrushLabels>
</View>"""
IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">'
    '<rect width="640" height="480" fill="#888"/></svg>'
)
CONTROLS = [
    "Zoom in",
    "Zoom out",
    "Fit",
    "Original size",
    "Rotate left",
    "Rotate right",
    "Brightness",
    "Contrast",
    "Brush size",
    "Eraser",
]


@pytest.fixture()
def image_project(flask_site: dict[str, Any]) -> int:
    core, manager = flask_site["core"], USERS["manager"]
    p = core.create_project(manager, title="Toolbar", label_config=CONFIG)
    core.import_tasks(manager, p.id, [{"image": f"{flask_site['url']}/host-img/cat.png"}])
    return int(p.id)


def open_image_task(page: Any, site: dict[str, Any], pid: int, width: int) -> Any:
    page.set_viewport_size({"width": width, "height": 800})
    page.route(
        f"{site['url']}/host-img/*", lambda r: r.fulfill(body=IMAGE, content_type="image/svg+xml")
    )
    login(page, site["url"], "annotator")
    page.goto(f"{site['url']}/label/projects/{pid}/label")
    page.wait_for_selector(".lc-image[data-loaded='true']")
    return page.locator(".lc-image-tools")


def measure(tools: Any) -> dict[str, Any]:
    """The toolbar's height, one button's, how many lines its controls sit on (a control
    whose middle is below the line above starts a new one), and what each control shows."""
    return tools.evaluate(
        """(el) => {
          const kids = [...el.querySelectorAll('button, input')];
          const boxes = kids.map((k) => k.getBoundingClientRect());
          let lines = 0, bottom = -Infinity;
          for (const b of [...boxes].sort((a, c) => a.top - c.top)) {
            if (b.top + b.height / 2 > bottom) { lines += 1; bottom = b.bottom; }
          }
          const r = el.getBoundingClientRect();
          const view = document.documentElement.clientWidth;
          return {height: r.height, button: el.querySelector('button').getBoundingClientRect().height,
                  lines, width: r.width, scroll: el.scrollWidth, client: el.clientWidth,
                  visible: boxes.every((b) => b.width > 0 && b.height > 0 && b.left >= 0 && b.right <= view),
                  names: kids.map((k) => k.getAttribute('aria-label') || k.textContent.trim())};
        }"""
    )


def test_toolbar_is_one_line_at_1300_px(
    watched_page: Any, flask_site: dict[str, Any], image_project: int
) -> None:
    tools = open_image_task(watched_page, flask_site, image_project, 1300)
    m = measure(tools)
    screenshot(watched_page, "flask-image-toolbar-1300")
    assert m["lines"] == 1 and abs(m["height"] - m["button"]) < 1, m
    assert m["scroll"] <= m["client"] and m["visible"], m  # nothing cut off or scrolled away
    assert m["names"] == CONTROLS
    # the canvas starts right under that one line
    gap = watched_page.evaluate(
        "() => document.querySelector('.lc-image-scroll').getBoundingClientRect().top"
        " - document.querySelector('.lc-image-tools').getBoundingClientRect().bottom"
    )
    assert 0 <= gap <= 8


@pytest.mark.parametrize("width", [700, 420])
def test_narrow_window_wraps_but_shows_every_control(
    watched_page: Any, flask_site: dict[str, Any], image_project: int, width: int
) -> None:
    page = watched_page
    tools = open_image_task(page, flask_site, image_project, width)
    m = measure(tools)
    screenshot(page, f"flask-image-toolbar-{width}")
    assert m["names"] == CONTROLS and m["visible"], m
    assert m["lines"] > 1 and m["scroll"] <= m["client"], m
    # each control still works by its name: zoom in, then rotate, by the accessible names
    before = page.locator(".lc-image-frame").bounding_box()
    page.get_by_role("button", name="Zoom in").click()
    after = page.locator(".lc-image-frame").bounding_box()
    assert after["width"] > before["width"]
    page.get_by_role("button", name="Rotate right").click()
    page.get_by_role("button", name="Eraser").click()
    assert page.get_by_role("button", name="Eraser").get_attribute("aria-pressed") == "true"
