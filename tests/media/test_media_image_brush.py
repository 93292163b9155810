"""BrushLabels in a real browser: paint, extend and erase masks on a generated image; the RLE
the browser writes decodes (with our Python exporter) to the painted pixels, and an RLE in
Label Studio's encoding loads, shows and round-trips unchanged. Also the image view's
rotation and valueList galleries (item_index, perItem)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from lc_media_images import blank_rle, data_url, ls_rle, region
from lc_ui_browser import screenshot
from playwright.sync_api import expect

from labelcore import parse_config
from labelcore.formats import export
from labelcore.formats._brush import decode_rle

pytestmark = pytest.mark.browser

W, H = 200, 100
BRUSH = """
<View>
  <Image name="img" value="$image"/>
  <BrushLabels name="mask" toName="img">
    <Label value="Road" background="#ff0000"/><Label value="Sky" background="#0000ff"/>
  </BrushLabels>
</View>
"""


def mount(harness: Any, results: list[Any] | None = None) -> Any:
    harness.mount(BRUSH, {"image": data_url(W, H)}, results)
    harness.page.wait_for_selector(".lc-image[data-loaded='true']")
    return harness.page.locator(".lc-image-overlay").bounding_box()


def masks(harness: Any) -> list[dict[str, Any]]:
    return [r for r in harness.result() if r["type"] == "brushlabels"]


def stroke(page: Any, points: list[tuple[float, float]]) -> None:
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.move(bb["x"] + points[0][0], bb["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(bb["x"] + x, bb["y"] + y, steps=8)
    page.mouse.up()


def grid(region: dict[str, Any]) -> list[bytes]:
    """The decoded alpha mask of a region, row by row (Python decoder, as the exporters)."""
    w, h = region["original_width"], region["original_height"]
    alpha = decode_rle(region["value"]["rle"], w * h * 4)
    return [bytes(alpha[y * w : (y + 1) * w]) for y in range(h)]


def canvas_alpha(page: Any, x: int, y: int) -> int:
    return page.locator(".lc-image-masks").evaluate(  # type: ignore[no-any-return]
        "(c, [x, y]) => c.getContext('2d').getImageData(x, y, 1, 1).data[3]", [x, y]
    )


def test_paint_extend_erase_and_export(harness: Any, tmp_path: Any) -> None:
    page = harness.page
    mount(harness)
    page.locator(".lc-image-brush-size").fill("10")
    page.locator(".lc-label", has_text="Road").click()
    stroke(page, [(40, 50), (120, 50)])
    [r] = masks(harness)
    assert r["value"]["format"] == "rle" and r["value"]["brushlabels"] == ["Road"]
    assert (r["original_width"], r["original_height"], r["image_rotation"]) == (W, H, 0)
    rows = grid(r)
    # a 10 px brush along y = 50 from x = 40 to 120: painted within 5 px of the segment
    assert rows[50][40:121] == b"\xff" * 81
    assert rows[47][60] == rows[53][60] == 255
    assert rows[50][20] == rows[50][140] == rows[40][80] == rows[60][80] == 0
    assert sum(v == 255 for row in rows for v in row) == sum(v != 0 for row in rows for v in row)
    assert parse_config(BRUSH).validate_result(harness.result()) == []
    assert canvas_alpha(page, 80, 50) > 0 and canvas_alpha(page, 80, 80) == 0

    # the mask is selected: a second stroke with the same label extends it
    stroke(page, [(80, 20), (80, 80)])
    [r] = masks(harness)
    rows = grid(r)
    assert rows[20][80] == rows[80][80] == rows[50][40] == 255

    # another label starts another region
    page.locator(".lc-label", has_text="Sky").click()  # relabels the selected mask...
    [r] = masks(harness)
    assert r["value"]["brushlabels"] == ["Sky"]
    page.locator(".lc-label", has_text="Road").click()  # ...back
    page.locator(".lc-image-overlay").focus()
    page.keyboard.press("Escape")  # deselects the mask: the next stroke starts a new one
    page.locator(".lc-label", has_text="Sky").click()
    stroke(page, [(170, 10), (190, 10)])
    road, sky = sorted(masks(harness), key=lambda m: m["value"]["brushlabels"][0])
    assert road["value"]["brushlabels"] == ["Road"] and sky["value"]["brushlabels"] == ["Sky"]
    assert grid(sky)[10][180] == 255 and grid(road)[10][180] == 0

    # the eraser with the Sky mask selected clears part of it only
    page.locator(".lc-image-eraser").click()
    expect(page.locator(".lc-image-eraser")).to_have_attribute("aria-pressed", "true")
    stroke(page, [(180, 0), (180, 20)])
    road2, sky = sorted(masks(harness), key=lambda m: m["value"]["brushlabels"][0])
    assert grid(sky)[10][180] == 0 and grid(sky)[10][172] == 255
    assert road2["value"]["rle"] == road["value"]["rle"]
    # erasing every pixel of a mask deletes the region
    stroke(page, [(166, 10), (194, 10)])
    assert [m["value"]["brushlabels"] for m in masks(harness)] == [["Road"]]
    page.locator(".lc-image-eraser").click()
    screenshot(page, "media-image-brush")

    # export: BRUSH_TO_PNG / BRUSH_TO_NUMPY give the same pixels as the stored RLE
    tasks = [
        {
            "id": 7,
            "data": {"image": "/data/upload/1/a.png"},
            "annotations": [{"id": 3, "result": harness.result()}],
        }
    ]
    [road] = masks(harness)
    want = b"".join(grid(road))
    out = io.BytesIO()
    export(BRUSH, tasks, "BRUSH_TO_NUMPY", out)
    z = zipfile.ZipFile(out)
    [name] = [n for n in z.namelist() if n.endswith(".npy")]
    assert "Road" in name
    npy = z.read(name)
    assert npy.endswith(want) and b"'shape': (100, 200)" in npy
    out = io.BytesIO()
    export(BRUSH, tasks, "BRUSH_TO_PNG", out)
    z = zipfile.ZipFile(out)
    [name] = [n for n in z.namelist() if n.endswith(".png")]
    assert png_gray_pixels(z.read(name), W, H) == want

    # undo brings the erased mask back
    harness.call("undo")
    harness.call("undo")
    assert len(masks(harness)) == 2


def png_gray_pixels(data: bytes, width: int, height: int) -> bytes:
    """The pixels of an 8-bit greyscale, unfiltered PNG (what the exporter writes)."""
    import struct
    import zlib

    pos, idat = 8, b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IHDR":
            assert struct.unpack(">II", data[pos + 8 : pos + 16]) == (width, height)
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows = [raw[y * (width + 1) : (y + 1) * (width + 1)] for y in range(height)]
    assert all(r[0] == 0 for r in rows)
    return b"".join(r[1:] for r in rows)


def saved_mask(rle: list[int]) -> dict[str, Any]:
    """A stored BrushLabels result holding ``rle`` for the W x H test image."""
    value = {"format": "rle", "rle": rle, "brushlabels": ["Road"]}
    return region("m1", "mask", "brushlabels", value, W, H)


def test_label_studio_rle_loads_shows_and_round_trips(harness: Any) -> None:
    page = harness.page
    on = {(x, y) for x in range(30, 60) for y in range(10, 40)} | {(150, 80), (152, 80)}
    rle = ls_rle(W, H, on, color=(0, 200, 0))
    saved = [saved_mask(rle)]
    assert parse_config(BRUSH).validate_result(saved) == []
    mount(harness, saved)
    assert canvas_alpha(page, 45, 20) > 0 and canvas_alpha(page, 150, 80) > 0
    assert canvas_alpha(page, 151, 80) == 0 and canvas_alpha(page, 29, 20) == 0
    [r] = masks(harness)
    assert r["value"]["rle"] == rle  # untouched masks keep their bytes
    # the JS decoder agrees with the Python one pixel for pixel, and its encoder with both
    decoded = page.evaluate(
        """async ([rle, w, h]) => {
          const b = await import('./labeling/tags/image_brush.js');
          const mask = b.decodeRLE(rle, w, h);
          const again = b.decodeRLE(b.encodeRLE(mask, w, h), w, h);
          return [Array.from(mask), Array.from(again), b.encodeRLE(mask, w, h)];
        }""",
        [rle, W, H],
    )
    want = list(decode_rle(rle, W * H * 4))
    assert decoded[0] == want and decoded[1] == want
    assert list(decode_rle(decoded[2], W * H * 4)) == want
    # clicking a painted pixel with no label chosen selects the mask; Delete removes it
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + 45, bb["y"] + 20)
    expect(page.locator(".lc-label.lc-on", has_text="Road")).to_have_count(1)
    page.locator(".lc-image-overlay").focus()
    page.keyboard.press("Delete")
    assert masks(harness) == []


@pytest.mark.parametrize(
    ("rle", "size"),
    [
        ([0, 0, 0], (W, H)),
        ([0, 0, 0, 8, 7, 0x10, 0x08, 0x40], (W, H)),
        ([255] * 40, (W, H)),
        (blank_rle(8000, 8000), (8000, 8000)),
    ],
    ids=["truncated", "wrong-size", "garbage", "huge-original-size"],
)
def test_broken_rle_is_reported_not_thrown(
    harness: Any, rle: list[int], size: tuple[int, int]
) -> None:
    saved = [saved_mask(rle)]
    saved[0]["original_width"], saved[0]["original_height"] = size
    mount(harness, saved)
    expect(harness.page.locator(".lc-status")).to_contain_text("cannot be shown")
    [r] = masks(harness)
    assert r["value"]["rle"] == rle  # kept as it was, not replaced by an empty mask


BOXES = """
<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Cat"/></RectangleLabels>
</View>
"""


def test_rotated_view_stores_unrotated_coordinates(harness: Any) -> None:
    page = harness.page
    harness.mount(BOXES, {"image": data_url(W, H)})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    page.locator(".lc-image-rotate-right").click()
    expect(page.locator(".lc-image")).to_have_attribute("data-rotation", "90")
    frame = page.locator(".lc-image-frame").bounding_box()
    assert (frame["width"], frame["height"]) == pytest.approx((H, W), abs=0.5)
    # turned 90 degrees clockwise, image pixel (x, y) is shown at (H - y, x) in the frame
    page.locator(".lc-label", has_text="Cat").click()
    page.mouse.move(frame["x"] + 90, frame["y"] + 40)
    page.mouse.down()
    page.mouse.move(frame["x"] + 70, frame["y"] + 120, steps=5)
    page.mouse.up()
    [r] = [x for x in harness.result() if x["type"] == "rectanglelabels"]
    assert [r["value"][k] for k in ("x", "y", "width", "height")] == pytest.approx(
        [20, 10, 40, 20], abs=0.6
    )
    assert r["image_rotation"] == 0 and r["original_width"] == W
    # turning back shows the box where it was drawn, in the unrotated frame
    page.locator(".lc-image-rotate-left").click()
    expect(page.locator(".lc-image")).to_have_attribute("data-rotation", "0")
    shape = page.locator(".lc-image-shape").bounding_box()
    bb = page.locator(".lc-image-overlay").bounding_box()
    # (the outline's 2 px stroke adds a pixel on each side)
    assert (shape["x"] - bb["x"], shape["y"] - bb["y"]) == pytest.approx((39, 9), abs=0.6)
    assert (shape["width"], shape["height"]) == pytest.approx((82, 22), abs=0.6)


GALLERY = """
<View>
  <Image name="img" valueList="$images"/>
  <RectangleLabels name="box" toName="img"><Label value="Cat"/></RectangleLabels>
  <Choices name="ok" toName="img" perItem="true">
    <Choice value="good"/><Choice value="bad"/>
  </Choices>
</View>
"""


def test_gallery_regions_and_per_item_choices_carry_item_index(harness: Any) -> None:
    page = harness.page
    harness.mount(GALLERY, {"images": [data_url(W, H), data_url(100, 50)]})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    expect(page.locator(".lc-image-page")).to_have_text("Image 1 of 2")
    page.get_by_role("checkbox", name="good").check()
    page.locator(".lc-image-next").click()
    expect(page.locator(".lc-image-page")).to_have_text("Image 2 of 2")
    page.wait_for_selector(".lc-image[data-loaded='true'][data-item='1']")
    expect(page.get_by_role("checkbox", name="good")).not_to_be_checked()
    page.get_by_role("checkbox", name="bad").check()
    page.locator(".lc-label", has_text="Cat").click()
    bb = page.locator(".lc-image-overlay").bounding_box()
    assert (bb["width"], bb["height"]) == (100, 50)
    page.mouse.move(bb["x"] + 10, bb["y"] + 10)
    page.mouse.down()
    page.mouse.move(bb["x"] + 60, bb["y"] + 35, steps=4)
    page.mouse.up()
    result = harness.result()
    [box] = [r for r in result if r["type"] == "rectanglelabels"]
    assert box["item_index"] == 1 and (box["original_width"], box["original_height"]) == (100, 50)
    assert [box["value"][k] for k in ("x", "y", "width", "height")] == [10, 20, 50, 50]
    choices = sorted(
        (r["item_index"], r["value"]["choices"]) for r in result if r["type"] == "choices"
    )
    assert choices == [(0, ["good"]), (1, ["bad"])]
    assert parse_config(GALLERY).validate_result(result) == []
    # the first image shows no box; going back shows it again; a reload keeps everything
    page.locator(".lc-image-prev").click()
    expect(page.locator(".lc-image-shape")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="good")).to_be_checked()
    harness.call("load", result)
    page.locator(".lc-image-next").click()
    expect(page.locator(".lc-image-shape")).to_have_count(1)
    assert sorted(map(repr, harness.result())) == sorted(map(repr, result))


def test_fit_follows_the_page_width_and_keeps_coordinates(harness: Any) -> None:
    page = harness.page
    harness.mount(BOXES, {"image": data_url(W, H)})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    size = page.viewport_size
    try:
        page.set_viewport_size({"width": 140, "height": 600})
        page.wait_for_function(
            "() => document.querySelector('.lc-image-overlay').getBoundingClientRect().width < 140"
        )
        bb = page.locator(".lc-image-overlay").bounding_box()
        assert bb["height"] == pytest.approx(bb["width"] / 2, abs=1)
        page.locator(".lc-label", has_text="Cat").click()
        bb = page.locator(".lc-image-overlay").bounding_box()
        page.mouse.move(bb["x"] + bb["width"] * 0.1, bb["y"] + bb["height"] * 0.2)
        page.mouse.down()
        page.mouse.move(bb["x"] + bb["width"] * 0.5, bb["y"] + bb["height"] * 0.8, steps=4)
        page.mouse.up()
        [r] = [x for x in harness.result() if x["type"] == "rectanglelabels"]
        got = [r["value"][k] for k in ("x", "y", "width", "height")]
        assert got == pytest.approx([10, 20, 40, 60], abs=1.5)
    finally:
        page.set_viewport_size(size)


ELLIPSES = """
<View>
  <Image name="img" value="$image"/>
  <EllipseLabels name="ell" toName="img"><Label value="Wheel"/></EllipseLabels>
</View>
"""


def test_ellipse_rotates_about_its_centre(harness: Any) -> None:
    page = harness.page
    value = {"x": 50, "y": 50, "radiusX": 20, "radiusY": 20, "rotation": 30}
    saved = [region("e1", "ell", "ellipselabels", {**value, "ellipselabels": ["Wheel"]}, W, H)]
    harness.mount(ELLIPSES, {"image": data_url(W, H)}, saved)
    page.wait_for_selector(".lc-image[data-loaded='true']")
    # drawn turned about its centre (100, 50) px
    expect(page.locator(".lc-image-region g").first).to_have_attribute(
        "transform", re.compile(r"rotate\(30 100 50\)")
    )
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + 100, bb["y"] + 50)  # select it
    knob = page.locator(".lc-image-rotate").bounding_box()
    start = (knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2)
    cx, cy = bb["x"] + 100, bb["y"] + 50
    vx, vy = start[0] - cx, start[1] - cy
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(cx - vy, cy + vx, steps=6)  # a quarter turn clockwise about the centre
    page.mouse.up()
    [r] = [x for x in harness.result() if x["type"] == "ellipselabels"]
    assert r["value"]["rotation"] == pytest.approx(120, abs=1)
    assert (r["value"]["x"], r["value"]["y"]) == (50, 50)
    assert parse_config(ELLIPSES).validate_result(harness.result()) == []


def test_gallery_of_identical_images_with_required_per_item_choices(harness: Any) -> None:
    page = harness.page
    config = GALLERY.replace('perItem="true"', 'perItem="true" required="true"')
    same = data_url(W, H)
    harness.mount(config, {"images": [same, same, same]})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    page.get_by_role("checkbox", name="good").check()
    assert harness.call("validate") != []  # images 2 and 3 have no choice yet
    for n in (2, 3):
        page.locator(".lc-image-next").click()
        expect(page.locator(".lc-image-page")).to_have_text(f"Image {n} of 3")
        # the same URL again still loads (a load event per src assignment)
        page.wait_for_selector(f".lc-image[data-loaded='true'][data-item='{n - 1}']")
        page.get_by_role("checkbox", name="bad").check()
    assert harness.call("validate") == []
    page.locator(".lc-label", has_text="Cat").click()
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.move(bb["x"] + 20, bb["y"] + 20)
    page.mouse.down()
    page.mouse.move(bb["x"] + 60, bb["y"] + 60, steps=4)
    page.mouse.up()
    [box] = [r for r in harness.result() if r["type"] == "rectanglelabels"]
    assert box["item_index"] == 2 and box["original_width"] == W
    assert parse_config(config).validate_result(harness.result()) == []


def test_toolbar_groups_follow_the_image_attributes(harness: Any) -> None:
    page = harness.page
    config = BOXES.replace(
        '<Image name="img" value="$image"/>',
        '<Image name="img" value="$image" zoomControl="false" rotateControl="false" '
        'defaultZoom="original"/>',
    )
    harness.mount(config, {"image": data_url(W, H)})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    expect(page.locator(".lc-image-zoom-in")).to_have_count(0)
    expect(page.locator(".lc-image-rotate-right")).to_have_count(0)
    expect(page.locator(".lc-image-brightness")).to_have_count(1)
    expect(page.locator(".lc-image")).to_have_attribute("data-zoom", "1")
    size = page.viewport_size
    try:  # "original" stays at the image's size on a narrow page (the box scrolls)
        page.set_viewport_size({"width": 140, "height": 600})
        bb = page.locator(".lc-image-overlay").bounding_box()
        assert (bb["width"], bb["height"]) == (W, H)
    finally:
        page.set_viewport_size(size)


POLYGONS = """
<View>
  <Image name="img" value="$image"/>
  <PolygonLabels name="poly" toName="img"><Label value="Roof"/></PolygonLabels>
</View>
"""


def test_pressing_a_selected_polygons_edge_inserts_a_point(harness: Any) -> None:
    page = harness.page
    value = {"points": [[10, 10], [50, 10], [50, 60]], "closed": True, "polygonlabels": ["Roof"]}
    saved = [region("p1", "poly", "polygonlabels", value, W, H)]
    harness.mount(POLYGONS, {"image": data_url(W, H)}, saved)
    page.wait_for_selector(".lc-image[data-loaded='true']")
    expect(page.locator(".lc-image-edge")).to_have_count(0)  # only a selected polygon has them
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + 80, bb["y"] + 25)  # inside: select it
    expect(page.locator(".lc-image-edge")).to_have_count(3)
    # press the top edge at (60, 10) px and drag the new point up to (60, 2)
    page.mouse.move(bb["x"] + 60, bb["y"] + 10)
    page.mouse.down()
    page.mouse.move(bb["x"] + 60, bb["y"] + 2, steps=4)
    page.mouse.up()
    [r] = [x for x in harness.result() if x["type"] == "polygonlabels"]
    assert r["value"]["points"] == [[10, 10], [30, 2], [50, 10], [50, 60]]
    assert parse_config(POLYGONS).validate_result(harness.result()) == []
    harness.call("undo")
    [r] = [x for x in harness.result() if x["type"] == "polygonlabels"]
    assert r["value"]["points"] == [[10, 10], [30, 10], [50, 10], [50, 60]]


@pytest.mark.parametrize("how", ["space", "middle"])
def test_dragging_pans_a_zoomed_image_without_drawing(harness: Any, how: str) -> None:
    page = harness.page
    harness.mount(BOXES, {"image": data_url(W, H)})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    page.locator(".lc-label", has_text="Cat").click()
    for _ in range(10):
        page.locator(".lc-image-zoom-in").click()  # 1.25^10: about 1863 x 931 px
    scroller = page.locator(".lc-image-scroll")
    page.evaluate(
        "() => { const s = document.querySelector('.lc-image-scroll'); s.scrollLeft = 300; }"
    )
    box = scroller.bounding_box()
    x, y = box["x"] + 200, box["y"] + 100
    page.locator(".lc-image-overlay").focus()
    if how == "space":
        page.keyboard.down(" ")
    page.mouse.move(x, y)
    page.mouse.down(button="left" if how == "space" else "middle")
    page.mouse.move(x + 120, y, steps=4)
    page.mouse.up(button="left" if how == "space" else "middle")
    if how == "space":
        page.keyboard.up(" ")
    assert scroller.evaluate("s => s.scrollLeft") == pytest.approx(180, abs=2)
    assert [r for r in harness.result() if r["type"] == "rectanglelabels"] == []


def test_painting_on_a_rotated_view_lands_on_the_right_pixels(harness: Any) -> None:
    page = harness.page
    mount(harness)
    page.locator(".lc-image-rotate-right").click()
    expect(page.locator(".lc-image")).to_have_attribute("data-rotation", "90")
    page.locator(".lc-label", has_text="Road").click()
    frame = page.locator(".lc-image-frame").bounding_box()
    # turned 90 degrees clockwise, image pixel (x, y) is shown at (H - y, x) in the frame
    page.mouse.move(frame["x"] + H - 30, frame["y"] + 150)
    page.mouse.down()
    page.mouse.move(frame["x"] + H - 30, frame["y"] + 170, steps=4)
    page.mouse.up()
    [r] = masks(harness)
    rows = grid(r)
    assert rows[30][150] == rows[30][170] == 255
    assert rows[150 % H][30] == 0 and rows[70][150] == 0


BRUSH_AND_LABELS = """
<View>
  <Image name="img" value="$image"/>
  <Labels name="kind" toName="img"><Label value="Road"/><Label value="Sky"/></Labels>
  <Brush name="paint" toName="img"/>
</View>
"""


def test_brush_beside_labels_paints_split_format_masks_that_strokes_extend(
    harness: Any,
) -> None:
    page = harness.page
    harness.mount(BRUSH_AND_LABELS, {"image": data_url(W, H)})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    page.locator(".lc-label[data-value='Road']").click()
    stroke(page, [(20, 20), (60, 20)])
    stroke(page, [(20, 60), (60, 60)])  # the same label on the selected mask: extends it
    result = harness.result()
    assert [(r["from_name"], r["type"]) for r in result] == [("paint", "brush"), ("kind", "labels")]
    paint, labels = result
    assert paint["id"] == labels["id"] and labels["value"]["labels"] == ["Road"]
    assert labels["value"]["rle"] == paint["value"]["rle"] and paint["value"]["format"] == "rle"
    rows = grid(paint)
    assert rows[20][40] == rows[60][40] == 255
    assert parse_config(BRUSH_AND_LABELS).validate_result(result) == []
