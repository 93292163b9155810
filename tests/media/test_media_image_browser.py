"""Image + RectangleLabels in a real browser: draw, move, resize and delete a box on a
generated PNG; the result validates against the config and exports to the expected pixels."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import lc_media_images
import pytest
from lc_ui_browser import screenshot
from playwright.sync_api import expect

from labelcore import parse_config
from labelcore.formats import export

pytestmark = pytest.mark.browser

W, H = 200, 100
CONFIG = """
<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img">
    <Label value="Cat" background="#ff0000"/><Label value="Dog" background="#0000ff"/>
  </RectangleLabels>
</View>
"""


def data_url() -> str:
    return lc_media_images.data_url(W, H)


def mount(harness: Any) -> Any:
    harness.mount(CONFIG, {"image": data_url()})
    page = harness.page
    page.wait_for_selector(".lc-image[data-loaded='true']")
    return page.locator(".lc-image-overlay").bounding_box()


def boxes(harness: Any) -> list[dict[str, Any]]:
    return [r for r in harness.result() if r["type"] == "rectanglelabels"]


def test_draw_move_resize_delete_a_box(harness: Any) -> None:
    page = harness.page
    bb = mount(harness)
    assert (bb["width"], bb["height"]) == (W, H)  # shown at its original size
    page.locator(".lc-label", has_text="Cat").click()
    page.mouse.move(bb["x"] + 40, bb["y"] + 20)
    page.mouse.down()
    page.mouse.move(bb["x"] + 80, bb["y"] + 50, steps=4)
    page.mouse.move(bb["x"] + 120, bb["y"] + 80, steps=4)
    page.mouse.up()
    [r] = boxes(harness)
    assert r["from_name"] == "box" and r["to_name"] == "img"
    assert r["original_width"] == W and r["original_height"] == H and r["image_rotation"] == 0
    assert r["value"] == {
        "x": 20,
        "y": 20,
        "width": 40,
        "height": 60,
        "rotation": 0,
        "rectanglelabels": ["Cat"],
    }
    assert parse_config(CONFIG).validate_result(harness.result()) == []

    # move: drag the box body 20 px right and 10 px down (the layout may shift as labels change)
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.move(bb["x"] + 60, bb["y"] + 40)
    page.mouse.down()
    page.mouse.move(bb["x"] + 80, bb["y"] + 50, steps=5)
    page.mouse.up()
    [r] = boxes(harness)
    assert (r["value"]["x"], r["value"]["y"]) == (30, 30)
    assert (r["value"]["width"], r["value"]["height"]) == (40, 60)

    # resize: drag the bottom-right handle (now at 140, 90) back to (120, 70)
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.move(bb["x"] + 140, bb["y"] + 90)
    page.mouse.down()
    page.mouse.move(bb["x"] + 120, bb["y"] + 70, steps=5)
    page.mouse.up()
    [r] = boxes(harness)
    assert r["value"]["x"] == 30 and r["value"]["y"] == 30
    assert (r["value"]["width"], r["value"]["height"]) == (30, 40)

    # relabel the selected box, then export to COCO / YOLO / VOC
    page.locator(".lc-label", has_text="Dog").click()
    [r] = boxes(harness)
    assert r["value"]["rectanglelabels"] == ["Dog"]
    tasks = [
        {
            "id": 1,
            "data": {"image": "/data/upload/1/cat.png"},
            "annotations": [{"id": 1, "result": harness.result()}],
        }
    ]
    out = io.BytesIO()
    export(CONFIG, tasks, "COCO", out)
    coco = json.loads(zipfile.ZipFile(out).read("result.json"))
    [ann] = coco["annotations"]
    assert ann["bbox"] == pytest.approx([60, 30, 60, 40])  # x, y, w, h in pixels
    assert {c["name"] for c in coco["categories"]} >= {"Dog"}
    out = io.BytesIO()
    export(CONFIG, tasks, "YOLO", out)
    yolo = zipfile.ZipFile(out)
    classes = yolo.read("classes.txt").decode().split()
    label_file = next(n for n in yolo.namelist() if n.startswith("labels/"))
    cls, cx, cy, w, h = yolo.read(label_file).decode().split()
    assert classes[int(cls)] == "Dog"
    assert [float(v) for v in (cx, cy, w, h)] == pytest.approx([0.45, 0.5, 0.3, 0.4])
    out = io.BytesIO()
    export(CONFIG, tasks, "VOC", out)
    voc = zipfile.ZipFile(out)
    xml = voc.read(next(n for n in voc.namelist() if n.endswith(".xml"))).decode()
    for tag, px in (("xmin", 60), ("ymin", 30), ("xmax", 120), ("ymax", 70)):
        assert f"<{tag}>{px}</{tag}>" in xml

    # delete with the keyboard
    page.locator(".lc-image-overlay").focus()
    page.keyboard.press("Delete")
    assert boxes(harness) == []


def test_saved_boxes_load_back_and_round_trip(harness: Any) -> None:
    saved = [
        {
            "id": "r1",
            "from_name": "box",
            "to_name": "img",
            "type": "rectanglelabels",
            "original_width": W,
            "original_height": H,
            "image_rotation": 0,
            "value": {
                "x": 10,
                "y": 10,
                "width": 25,
                "height": 50,
                "rotation": 0,
                "rectanglelabels": ["Dog"],
            },
        }
    ]
    harness.mount(CONFIG, {"image": data_url()}, saved)
    harness.page.wait_for_selector(".lc-image[data-loaded='true']")
    expect(harness.page.locator(".lc-image-shape")).to_have_count(1)
    [r] = boxes(harness)
    assert {k: r[k] for k in saved[0] if k != "id"} == {
        k: v for k, v in saved[0].items() if k != "id"
    }


def test_no_label_chosen_draws_nothing(harness: Any) -> None:
    page = harness.page
    bb = mount(harness)
    page.mouse.move(bb["x"] + 10, bb["y"] + 10)
    page.mouse.down()
    page.mouse.move(bb["x"] + 90, bb["y"] + 90, steps=4)
    page.mouse.up()
    assert boxes(harness) == []


LONG_LABEL = ", ".join(["Domestic short-haired cat sitting partly hidden behind a chair"] * 3)


@pytest.mark.parametrize("label", ["Cat", LONG_LABEL])
def test_the_image_stays_still_when_a_region_is_added(harness: Any, label: str) -> None:
    """The status line above the image ("Region added: ...") took its height only when the
    first message came, pushing the image down ~4 px under the pointer; a long message wrapped
    and pushed it further. It keeps one line's height now, empty or full."""
    long_config = CONFIG.replace(
        "</RectangleLabels>", f'<Label value="{LONG_LABEL}"/></RectangleLabels>'
    )
    harness.mount(long_config, {"image": data_url()})
    page = harness.page
    page.wait_for_selector(".lc-image[data-loaded='true']")
    image = page.locator(".lc-image-img")
    top = image.bounding_box()["y"]
    page.locator(f'.lc-label[data-value="{label}"]').click()
    bb = page.locator(".lc-image-overlay").bounding_box()
    assert bb["y"] == top  # choosing the label moved nothing either
    page.mouse.move(bb["x"] + 10, bb["y"] + 10)
    page.mouse.down()
    page.mouse.move(bb["x"] + 70, bb["y"] + 70, steps=4)
    page.mouse.up()
    assert len(boxes(harness)) == 1
    status = page.locator(".lc-status")
    expect(status).to_have_text(f"Region added: {label}")
    assert status.get_attribute("title") == f"Region added: {label}"  # all of it, on hover
    assert image.bounding_box()["y"] == top


SHAPES = """
<View>
  <Image name="img" value="$image"/>
  <PolygonLabels name="poly" toName="img"><Label value="Roof"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="img"><Label value="Eye"/></KeyPointLabels>
  <EllipseLabels name="ell" toName="img"><Label value="Wheel"/></EllipseLabels>
  <Choices name="quality" toName="img" perRegion="true">
    <Choice value="clear"/><Choice value="blurry"/>
  </Choices>
</View>
"""


def click(page: Any, x: float, y: float, **kw: Any) -> None:
    """Click at image pixel (x, y), measuring the image first (status lines may move it)."""
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + x, bb["y"] + y, **kw)


def by_type(harness: Any, kind: str) -> list[dict[str, Any]]:
    return [r for r in harness.result() if r["type"] == kind]


def test_polygon_keypoints_ellipse(harness: Any) -> None:
    page = harness.page
    harness.mount(SHAPES, {"image": data_url()})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    overlay = page.locator(".lc-image-overlay")

    # a polygon: four points, closed by clicking the first one again
    page.locator(".lc-label", has_text="Roof").click()
    for x, y in ((20, 10), (100, 10), (100, 60), (20, 60)):
        click(page, x, y)
    assert by_type(harness, "polygonlabels") == []  # not closed yet
    click(page, 21, 11)
    [poly] = by_type(harness, "polygonlabels")
    assert poly["value"]["points"] == [[10, 10], [50, 10], [50, 60], [10, 60]]
    assert poly["value"]["closed"] is True and poly["value"]["polygonlabels"] == ["Roof"]
    # per-region choice on the selected polygon
    page.get_by_role("checkbox", name="clear").check()
    per_region = [r for r in harness.result() if r["from_name"] == "quality"]
    assert per_region and per_region[0]["id"] == poly["id"]
    assert per_region[0]["value"]["choices"] == ["clear"]
    # drag the third point from (100, 60) to (140, 80)
    bb = overlay.bounding_box()
    page.mouse.move(bb["x"] + 100, bb["y"] + 60)
    page.mouse.down()
    page.mouse.move(bb["x"] + 140, bb["y"] + 80, steps=5)
    page.mouse.up()
    [poly] = by_type(harness, "polygonlabels")
    assert poly["value"]["points"][2] == [70, 80]
    # alt+click removes the fourth point
    page.keyboard.down("Alt")
    click(page, 20, 60)
    page.keyboard.up("Alt")
    [poly] = by_type(harness, "polygonlabels")
    assert poly["value"]["points"] == [[10, 10], [50, 10], [70, 80]]

    # two keypoints
    page.locator(".lc-label", has_text="Eye").click()
    click(page, 160, 20)
    kps = by_type(harness, "keypointlabels")
    assert [(k["value"]["x"], k["value"]["y"]) for k in kps] == [(80, 20)]
    # width: the point size (strokeWidth, default 1 px) in percent of the image's width
    assert kps[0]["value"]["keypointlabels"] == ["Eye"] and kps[0]["value"]["width"] == 0.5

    # an ellipse dragged from its centre
    page.locator(".lc-label", has_text="Wheel").click()
    bb = overlay.bounding_box()
    page.mouse.move(bb["x"] + 150, bb["y"] + 50)
    page.mouse.down()
    page.mouse.move(bb["x"] + 170, bb["y"] + 80, steps=4)
    page.mouse.up()
    [ell] = by_type(harness, "ellipselabels")
    assert ell["value"] == {
        "x": 75,
        "y": 50,
        "radiusX": 10,
        "radiusY": 30,
        "rotation": 0,
        "ellipselabels": ["Wheel"],
    }
    assert parse_config(SHAPES).validate_result(harness.result()) == []
    assert all(
        r["original_width"] == W and r["original_height"] == H
        for r in harness.result()
        if r["type"] != "choices"
    )

    # COCO (which takes keypoints only with boxes): the polygon's segmentation in pixels
    poly_only = (
        '<View><Image name="img" value="$image"/>'
        '<PolygonLabels name="poly" toName="img"><Label value="Roof"/></PolygonLabels></View>'
    )
    result = by_type(harness, "polygonlabels")
    tasks = [
        {
            "id": 1,
            "data": {"image": "/data/upload/1/a.png"},
            "annotations": [{"id": 1, "result": result}],
        }
    ]
    out = io.BytesIO()
    export(poly_only, tasks, "COCO", out)
    coco = json.loads(zipfile.ZipFile(out).read("result.json"))
    segs = [a["segmentation"] for a in coco["annotations"] if a.get("segmentation")]
    assert segs and segs[0][0] == pytest.approx([20, 10, 100, 10, 140, 80])

    # delete the ellipse (selected after drawing) with the keyboard
    overlay.focus()
    page.keyboard.press("Delete")
    assert by_type(harness, "ellipselabels") == []
    screenshot(page, "media-image-shapes")


def test_zoom_keeps_coordinates_and_filters_apply(harness: Any) -> None:
    page = harness.page
    mount(harness)
    page.locator(".lc-image-original").click()
    page.locator(".lc-image-zoom-in").click()  # 1.25: 250 x 125 on screen
    bb = page.locator(".lc-image-overlay").bounding_box()
    assert (bb["width"], bb["height"]) == pytest.approx((250, 125), abs=0.5)
    page.locator(".lc-label", has_text="Cat").click()
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.move(bb["x"] + 25, bb["y"] + 25)
    page.mouse.down()
    page.mouse.move(bb["x"] + 125, bb["y"] + 100, steps=4)
    page.mouse.up()
    [r] = boxes(harness)
    # 25 screen px at zoom 1.25 = 20 image px = 10 % of 200; 75 px high = 60 % of 125
    assert [r["value"][k] for k in ("x", "y", "width", "height")] == [10, 20, 40, 60]
    page.locator(".lc-image-fit").click()
    assert page.locator(".lc-image").get_attribute("data-zoom") == "fit"
    page.locator(".lc-image-brightness").fill("150")
    style = page.locator(".lc-image-img").evaluate("el => el.style.filter")
    assert style == "brightness(150%) contrast(100%)"
    # the shown size never changes the stored geometry
    [again] = boxes(harness)
    assert again["value"] == r["value"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:image/svg+xml,<svg onload=alert(1)>",
        '" onerror="alert(1)',
        "//evil.example/x.png",
        "/\\evil.example/x.png",  # browsers read the backslash as a slash: another host
        "/\t/evil.example/x.png",  # and drop tabs in URLs
    ],
)
def test_image_url_xss_payloads_are_not_loaded(harness: Any, url: str) -> None:
    harness.mount(CONFIG, {"image": url})
    page = harness.page
    assert page.locator(".lc-image-img").get_attribute("src") is None
    expect(page.locator(".lc-problem", has_text="cannot be shown")).to_be_visible()
    # the harness page fails the test on any dialog or console error


def test_box_rotates_about_its_top_left_corner(harness: Any) -> None:
    page = harness.page
    saved = [
        {
            "id": "r1",
            "from_name": "box",
            "to_name": "img",
            "type": "rectanglelabels",
            "original_width": W,
            "original_height": H,
            "image_rotation": 0,
            "value": {
                "x": 20,
                "y": 20,
                "width": 30,
                "height": 40,
                "rotation": 0,
                "rectanglelabels": ["Cat"],
            },
        }
    ]
    harness.mount(CONFIG, {"image": data_url()}, saved)
    page.wait_for_selector(".lc-image[data-loaded='true']")
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + 50, bb["y"] + 40)  # select the box (40..100 x 20..60 px)
    knob = page.locator(".lc-image-rotate")
    expect(knob).to_have_count(1)
    # the corner is at (40, 20) px; drag the knob from straight right of it to straight below
    page.mouse.move(bb["x"] + 55, bb["y"] + 2)
    k = knob.bounding_box()
    start = (k["x"] + k["width"] / 2, k["y"] + k["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    # start direction from the corner, turned by +90 degrees (clockwise on screen)
    cx, cy = bb["x"] + 40, bb["y"] + 20
    vx, vy = start[0] - cx, start[1] - cy
    page.mouse.move(cx - vy, cy + vx, steps=6)
    page.mouse.up()
    [r] = boxes(harness)
    assert r["value"]["rotation"] == pytest.approx(90, abs=1)
    assert (r["value"]["x"], r["value"]["y"]) == (20, 20)
    assert parse_config(CONFIG).validate_result(harness.result()) == []
    # canRotate="false" shows no knob
    harness.mount(
        CONFIG.replace('toName="img">', 'toName="img" canRotate="false">'),
        {"image": data_url()},
        saved,
    )
    page.wait_for_selector(".lc-image[data-loaded='true']")
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + 50, bb["y"] + 40)
    expect(page.locator(".lc-image-rotate")).to_have_count(0)


def test_number_keys_choose_image_labels_without_hotkeys(harness: Any) -> None:
    """As for text Labels (ui.md, Keyboard): labels without a hotkey get 1…9 in order, so the
    keyboard-only path (a label's key, then Enter on the image) draws a box."""
    page = harness.page
    mount(harness)
    assert page.locator(".lc-label kbd").all_text_contents() == ["1", "2"]
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("2")
    expect(page.locator(".lc-label", has_text="Dog")).to_have_attribute("aria-pressed", "true")
    page.locator(".lc-image-overlay").focus()
    page.keyboard.press("Enter")
    [r] = boxes(harness)
    assert r["value"]["rectanglelabels"] == ["Dog"]


def test_empty_region_list_says_how_to_draw_on_an_image(harness: Any) -> None:
    page = harness.page
    mount(harness)
    expect(page.locator(".lc-empty").first).to_have_text(
        "No regions yet: choose a label, then draw on the image."
    )
