"""The image tools end to end through both shipped example hosts: a manager logs in through
the host's form, creates a project, uploads a generated PNG in the data manager's import
dialog, then draws, edits and deletes a box, a polygon, a keypoint, an ellipse and a brush
stroke on the labeling page and submits. The stored result (read back through the API)
validates against the config, and the API's COCO / YOLO / VOC / BRUSH_TO_PNG exports give
the expected pixels and coordinates."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from lc_media_images import png
from playwright.sync_api import expect
from test_media_image_brush import png_gray_pixels

from labelcore import parse_config
from labelcore.formats._brush import decode_rle

pytestmark = pytest.mark.browser

W, H = 200, 100
CONFIG = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img">
    <Label value="Cat" background="#ff0000"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Roof"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="img"><Label value="Eye"/></KeyPointLabels>
  <EllipseLabels name="ell" toName="img"><Label value="Wheel"/></EllipseLabels>
  <BrushLabels name="mask" toName="img"><Label value="Road"/></BrushLabels>
</View>"""


def log_in(page: Any, host: str, url: str, who: str) -> None:
    page.goto(url + ("/login/" if host == "django" else "/login"))
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", who)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda u: "/login" not in u)


def api(page: Any, method: str, path: str, body: Any = None) -> Any:
    """A JSON API call from the page, with the CSRF token labelcore put in it."""
    return page.evaluate(
        """async ([method, path, body]) => {
          const data = JSON.parse(document.getElementById("lc-page-data").textContent);
          const headers = {"Content-Type": "application/json", Accept: "application/json",
            [data.csrfHeader]: data.csrfToken};
          const r = await fetch(data.api + path, {method, headers,
            body: body === null ? undefined : JSON.stringify(body)});
          return [r.status, await r.json()];
        }""",
        [method, path, body],
    )


def at(page: Any, x: float, y: float) -> tuple[float, float]:
    """Screen position of image pixel (x, y)."""
    bb = page.locator(".lc-image-overlay").bounding_box()
    scale = bb["width"] / W
    return bb["x"] + x * scale, bb["y"] + y * scale


def drag(page: Any, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.mouse.move(*at(page, *a))
    page.mouse.down()
    page.mouse.move(*at(page, *b), steps=6)
    page.mouse.up()


def click(page: Any, x: float, y: float) -> None:
    page.mouse.click(*at(page, x, y))


def export(page: Any, url: str, pid: int, kind: str) -> bytes:
    resp = page.request.get(f"{url}/label/api/projects/{pid}/export?exportType={kind}")
    assert resp.status == 200, resp.text()[:300]
    return resp.body()  # type: ignore[no-any-return]


def test_every_image_tool_through_the_host(example_host: tuple[str, str], browser: Any) -> None:
    host, url = example_host
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # (a 404 is expected: /next after the last task; resource errors are left out)
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    try:
        log_in(page, host, url, "alice")
        page.goto(url + "/label/")
        status, project = api(
            page, "POST", "/projects", {"title": f"tools {host}", "label_config": CONFIG}
        )
        assert status == 201, project
        pid = project["id"]

        # the import dialog: one generated PNG becomes one task
        page.goto(f"{url}/label/projects/{pid}")
        page.locator(".lc-import-open").click()
        # an HTML page named like an image is refused by content, each bad file listed
        page.locator(".lc-import-files").set_input_files(
            files=[{"name": "evil.jpg", "mimeType": "image/jpeg", "buffer": b"<html><script>"}]
        )
        page.locator(".lc-import-go").click()
        expect(page.locator(".lc-import-errors")).to_contain_text("evil.jpg: not an image")
        page.locator(".lc-import-files").set_input_files(
            files=[{"name": "street.png", "mimeType": "image/png", "buffer": png(W, H)}]
        )
        page.locator(".lc-import-go").click()
        expect(page.locator(".lc-import-result")).to_contain_text("Imported 1 tasks")
        status, listing = api(page, "GET", f"/tasks?project={pid}")
        [task] = listing["tasks"]
        assert task["data"]["image"].startswith(f"/data/upload/{pid}/")

        page.goto(f"{url}/label/projects/{pid}/label")
        page.wait_for_selector(".lc-image[data-loaded='true']")
        label = lambda text: page.locator(".lc-label", has_text=text).click()  # noqa: E731
        # box: draw, move (edit), and a second one drawn then deleted
        label("Cat")
        drag(page, (20, 20), (80, 60))
        drag(page, (50, 40), (60, 50))
        page.keyboard.press("Escape")
        drag(page, (100, 60), (130, 90))
        expect(page.locator(".lc-image-shape")).to_have_count(2)
        page.locator(".lc-image-overlay").focus()
        page.keyboard.press("Delete")
        expect(page.locator(".lc-image-shape")).to_have_count(1)
        # polygon closed on its first point; keypoint; ellipse from its centre
        label("Roof")
        for x, y in ((100, 10), (150, 10), (150, 50)):
            click(page, x, y)
        click(page, 101, 11)
        label("Eye")
        click(page, 180, 80)
        label("Wheel")
        drag(page, (40, 80), (55, 90))
        # a brush stroke 10 px wide along y = 80 from x = 100 to 160
        label("Road")
        page.locator(".lc-image-brush-size").fill("10")
        drag(page, (100, 80), (160, 80))
        page.locator(".lc-submit").click()
        expect(page.locator(".lc-done")).to_be_visible()  # submitted; no task left

        status, full = api(page, "GET", f"/tasks/{task['id']}")
        [annotation] = full["annotations"]
        result = annotation["result"]
        assert parse_config(CONFIG).validate_result(result) == []
        by = {r["type"]: r for r in result}
        assert sorted(by) == [
            "brushlabels",
            "ellipselabels",
            "keypointlabels",
            "polygonlabels",
            "rectanglelabels",
        ]
        assert len(result) == 5
        box = by["rectanglelabels"]["value"]
        assert [box[k] for k in ("x", "y", "width", "height")] == pytest.approx([15, 30, 30, 40])
        points = by["polygonlabels"]["value"]["points"]
        assert [c for p in points for c in p] == pytest.approx([50, 10, 75, 10, 75, 50])
        kp = by["keypointlabels"]["value"]
        assert (kp["x"], kp["y"]) == pytest.approx((90, 80))
        ell = by["ellipselabels"]["value"]
        assert [ell[k] for k in ("x", "y", "radiusX", "radiusY")] == pytest.approx(
            [20, 80, 7.5, 10]
        )
        brush = by["brushlabels"]
        assert (brush["original_width"], brush["original_height"]) == (W, H)
        mask = decode_rle(brush["value"]["rle"], W * H * 4)
        assert all(mask[80 * W + x] == 255 for x in range(100, 161))
        assert mask[80 * W + 90] == mask[70 * W + 130] == mask[10 * W + 10] == 0

        coco = json.loads(
            zipfile.ZipFile(io.BytesIO(export(page, url, pid, "COCO"))).read("result.json")
        )
        bboxes = [
            a["bbox"] for a in coco["annotations"] if a.get("bbox") and not a.get("segmentation")
        ]
        assert any(b == pytest.approx([30, 30, 60, 40]) for b in bboxes), bboxes
        segs = [a["segmentation"][0] for a in coco["annotations"] if a.get("segmentation")]
        assert any(s == pytest.approx([100, 10, 150, 10, 150, 50]) for s in segs)
        yolo = zipfile.ZipFile(io.BytesIO(export(page, url, pid, "YOLO")))
        lines = [
            [float(v) for v in line.split()[1:]]
            for n in yolo.namelist()
            if n.startswith("labels/")
            for line in yolo.read(n).decode().splitlines()
        ]
        # the box (centre x, centre y, width, height; keypoints may follow, YOLO pose style)
        assert any(v[:4] == pytest.approx([0.3, 0.5, 0.3, 0.4]) for v in lines), lines
        voc = zipfile.ZipFile(io.BytesIO(export(page, url, pid, "VOC")))
        xml = voc.read(next(n for n in voc.namelist() if n.endswith(".xml"))).decode()
        for tag, px in (("xmin", 30), ("ymin", 30), ("xmax", 90), ("ymax", 70)):
            assert f"<{tag}>{px}</{tag}>" in xml
        pngs = zipfile.ZipFile(io.BytesIO(export(page, url, pid, "BRUSH_TO_PNG")))
        [name] = [n for n in pngs.namelist() if n.endswith(".png")]
        assert png_gray_pixels(pngs.read(name), W, H) == bytes(mask)
        assert errors == []
    finally:
        context.close()
