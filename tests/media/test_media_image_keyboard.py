"""Image regions with the keyboard only: every kind is listed in the region list with its
shape and place, is selected from the list, nudged with the arrows (Shift: 10 px) and deleted
with Delete; the brush has size and eraser keys in the shortcut sheet. Also Label Studio
results saved with the view rotated (``image_rotation`` != 0) show where Label Studio shows
them: their coordinates are in the unrotated image's frame."""

from __future__ import annotations

import re
from typing import Any

import pytest
from lc_media_images import data_url, ls_rle, region
from playwright.sync_api import expect

from labelcore import parse_config

pytestmark = pytest.mark.browser

W, H = 200, 100
CONFIG = """
<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels>
  <KeyPointLabels name="kp" toName="img"><Label value="Eye"/></KeyPointLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Roof"/></PolygonLabels>
  <EllipseLabels name="ell" toName="img"><Label value="Wheel"/></EllipseLabels>
  <BrushLabels name="mask" toName="img"><Label value="Sky"/></BrushLabels>
</View>
"""
SAVED = [
    region(
        "b1",
        "box",
        "rectanglelabels",
        {"x": 10, "y": 10, "width": 25, "height": 50, "rotation": 0, "rectanglelabels": ["Car"]},
        W,
        H,
    ),
    region(
        "k1",
        "kp",
        "keypointlabels",
        {"x": 50, "y": 50, "width": 1, "keypointlabels": ["Eye"]},
        W,
        H,
    ),
    region(
        "p1",
        "poly",
        "polygonlabels",
        {"points": [[60, 10], [90, 10], [90, 40]], "closed": True, "polygonlabels": ["Roof"]},
        W,
        H,
    ),
    region(
        "e1",
        "ell",
        "ellipselabels",
        {"x": 70, "y": 70, "radiusX": 5, "radiusY": 10, "rotation": 0, "ellipselabels": ["Wheel"]},
        W,
        H,
    ),
    region(
        "m1",
        "mask",
        "brushlabels",
        {"format": "rle", "rle": ls_rle(W, H, {(1, 1), (2, 1)}), "brushlabels": ["Sky"]},
        W,
        H,
    ),
]


def mount(harness: Any) -> Any:
    harness.mount(CONFIG, {"image": data_url(W, H)}, SAVED)
    page = harness.page
    page.wait_for_selector(".lc-image[data-loaded='true']")
    return page


def value(harness: Any, rid: str) -> dict[str, Any]:
    [r] = [r for r in harness.result() if r["id"] == rid]
    return dict(r["value"])


def row(page: Any, n: int) -> Any:
    return page.locator(".lc-region-row").nth(n)


def test_image_regions_are_listed_selected_nudged_and_deleted_by_keyboard(harness: Any) -> None:
    page = mount(harness)
    rows = page.locator(".lc-region-row")
    expect(rows).to_have_count(5)
    # each kind says what and where it is, in image pixels
    expect(row(page, 0)).to_contain_text("box 50×50 at 20, 10")
    expect(row(page, 1)).to_contain_text("point at 100, 50")
    expect(row(page, 2)).to_contain_text("polygon, 3 points")
    expect(row(page, 3)).to_contain_text("ellipse at 140, 70")
    expect(row(page, 4)).to_contain_text("mask")

    # select the box from the list with the keyboard, then move it: 1 px right, 10 px down
    row(page, 0).locator(".lc-region-select").focus()
    page.keyboard.press("Enter")
    expect(row(page, 0)).to_have_class("lc-region-row lc-selected")
    expect(row(page, 0).locator(".lc-region-select")).to_be_focused()  # focus stays on the row
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    v = value(harness, "b1")
    assert (v["x"], v["y"], v["width"], v["height"]) == (10.5, 20, 25, 50)
    expect(row(page, 0)).to_contain_text("box 50×50 at 21, 20")
    # the drawn box moved with it (1 px = 0.5 % of 200 px)
    shape = page.locator(".lc-image-region[data-region-id='b1'] .lc-image-shape")
    expect(shape).to_have_attribute("x", "10.5%")
    # kept inside the image: Shift+Left past the left edge stops at 0
    for _ in range(4):
        page.keyboard.press("Shift+ArrowLeft")
    assert value(harness, "b1")["x"] == 0

    # the keypoint: select in the list, nudge up 10 px and left 1 px
    row(page, 1).locator(".lc-region-select").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("ArrowLeft")
    v = value(harness, "k1")
    assert (v["x"], v["y"]) == (49.5, 40)

    # the polygon moves as a whole
    row(page, 2).locator(".lc-region-select").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    assert value(harness, "p1")["points"] == [[60, 11], [90, 11], [90, 41]]

    # a mask is not moved by the arrows (it has no geometry to nudge) but is deleted
    row(page, 4).locator(".lc-region-select").focus()
    page.keyboard.press("Enter")
    before = value(harness, "m1")
    page.keyboard.press("ArrowRight")
    assert value(harness, "m1") == before
    page.keyboard.press("Delete")
    expect(rows).to_have_count(4)

    # Backspace deletes the ellipse selected from the list
    row(page, 3).locator(".lc-region-select").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Backspace")
    expect(rows).to_have_count(3)
    assert sorted(r["id"] for r in harness.result()) == ["b1", "k1", "p1"]
    assert parse_config(CONFIG).validate_result(harness.result()) == []


def test_arrows_keep_their_job_without_a_selected_image_region(harness: Any) -> None:
    page = mount(harness)
    page.evaluate(
        "() => { window.__arrow = null; window.addEventListener('keydown',"
        " (e) => { window.__arrow = e.defaultPrevented; }); }"
    )
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => window.__arrow") is False
    assert value(harness, "b1")["x"] == 10


def test_brush_size_and_eraser_keys_and_the_shortcut_sheet(harness: Any) -> None:
    page = mount(harness)
    size = page.locator(".lc-image-brush-size")
    expect(size).to_have_value("10")
    page.keyboard.press("=")
    expect(size).to_have_value("13")
    page.keyboard.press("-")
    page.keyboard.press("-")
    expect(size).to_have_value("8")
    eraser = page.locator(".lc-image-eraser")
    expect(eraser).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Shift+E")
    expect(eraser).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Shift+E")
    expect(eraser).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("?")
    sheet = page.locator(".lc-shortcuts")
    expect(sheet).to_be_visible()
    for key, label in (
        ("Arrows", "Move the selected image region 1 px (Shift: 10 px)"),
        ("Alt+Arrows", "Resize the selected box or ellipse 1 px (Shift: 10 px)"),
        ("-", "Brush: smaller"),
        ("=", "Brush: larger"),
        ("Shift+E", "Brush: eraser on or off"),
    ):
        kbd = page.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$"))
        expect(sheet.locator("tr", has=kbd)).to_contain_text(label)
    # one line for the eight arrow keys
    expect(sheet.locator("tr", has_text="Move the selected image region")).to_have_count(1)
    page.keyboard.press("Escape")


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_label_studio_results_saved_with_the_view_rotated_show_unrotated(
    harness: Any, rotation: int
) -> None:
    """Label Studio rotates its canvas (image and regions together) and keeps every
    coordinate in the unrotated image's frame; ``image_rotation`` only records the view's
    angle at save time. So a box saved at rotation 90 covers the same pixels as at 0."""
    box = dict(SAVED[0], image_rotation=rotation)
    harness.mount(CONFIG, {"image": data_url(W, H)}, [box])
    page = harness.page
    page.wait_for_selector(".lc-image[data-loaded='true']")
    ov = page.locator(".lc-image-overlay").bounding_box()
    shape = page.locator(".lc-image-region[data-region-id='b1'] .lc-image-shape")
    expect(shape).to_have_count(1)
    bb = shape.bounding_box()
    # x 10 % of 200 px, y 10 % of 100 px, 25 % x 50 % -> 50 x 50 px (stroke: +-2 px)
    assert abs(bb["x"] - ov["x"] - 20) <= 2 and abs(bb["y"] - ov["y"] - 10) <= 2
    assert abs(bb["width"] - 50) <= 3 and abs(bb["height"] - 50) <= 3
    [r] = harness.result()
    assert r["value"] == SAVED[0]["value"] and r["image_rotation"] == 0  # our view is at 0
    assert parse_config(CONFIG).validate_result([r]) == []


GALLERY = """
<View>
  <Image name="img" valueList="$images"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels>
</View>
"""


def test_choosing_a_gallery_region_in_the_list_turns_to_its_image(harness: Any) -> None:
    on_first = dict(SAVED[0], item_index=0)
    on_second = dict(SAVED[0], id="b2", item_index=1, original_width=100, original_height=50)
    harness.mount(GALLERY, {"images": [data_url(W, H), data_url(100, 50)]}, [on_first, on_second])
    page = harness.page
    page.wait_for_selector(".lc-image[data-loaded='true']")
    expect(page.locator(".lc-image-page")).to_have_text("Image 1 of 2")
    expect(row(page, 1)).to_contain_text("image 2")
    row(page, 1).locator(".lc-region-select").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".lc-image-page")).to_have_text("Image 2 of 2")
    page.wait_for_selector(".lc-image[data-loaded='true'][data-item='1']")
    expect(page.locator(".lc-image-region[data-region-id='b2'].lc-selected")).to_have_count(1)
    # 1 px of a 100 px wide image is 1 %
    page.keyboard.press("ArrowRight")
    assert value(harness, "b2")["x"] == 11
    assert parse_config(GALLERY).validate_result(harness.result()) == []


def add_by_keyboard(page: Any, label: str) -> None:
    """Choose the label with the keyboard (Tab target + Enter), focus the image, Enter."""
    page.keyboard.press("Escape")  # no region selected: the label button chooses, not relabels
    page.locator(".lc-label", has_text=label).focus()
    page.keyboard.press("Enter")
    page.locator(".lc-image-overlay").focus()
    page.keyboard.press("Enter")


def test_draw_place_and_size_shapes_with_the_keyboard(harness: Any) -> None:
    harness.mount(CONFIG, {"image": data_url(W, H)})
    page = harness.page
    page.wait_for_selector(".lc-image[data-loaded='true']")
    add_by_keyboard(page, "Car")  # a box in the middle
    [box] = [r for r in harness.result() if r["type"] == "rectanglelabels"]
    assert [box["value"][k] for k in ("x", "y", "width", "height")] == [40, 40, 20, 20]
    # place it (arrows) and size it (Alt+arrows; Shift: 10 px)
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Alt+ArrowRight")
    page.keyboard.press("Alt+Shift+ArrowDown")
    page.keyboard.press("Alt+ArrowUp")
    v = value(harness, box["id"])
    assert [v["x"], v["y"], v["width"], v["height"]] == [35, 40, 20.5, 29]
    # an ellipse: centred, radii sized by Alt+arrows
    add_by_keyboard(page, "Wheel")
    [ell] = [r for r in harness.result() if r["type"] == "ellipselabels"]
    assert [ell["value"][k] for k in ("x", "y", "radiusX", "radiusY")] == [50, 50, 10, 10]
    page.keyboard.press("Alt+Shift+ArrowRight")
    assert value(harness, ell["id"])["radiusX"] == 15
    # a keypoint: Enter puts it in the middle, the arrows move it
    add_by_keyboard(page, "Eye")
    page.keyboard.press("ArrowDown")
    [kp] = [r for r in harness.result() if r["type"] == "keypointlabels"]
    assert (kp["value"]["x"], kp["value"]["y"]) == (50, 51)
    assert parse_config(CONFIG).validate_result(harness.result()) == []
