"""Image results as Label Studio stores them, made on the real labeling page (Flask host, strict
CSP) the way an annotator makes them, then reopened, edited and submitted again.

Label Studio's OCR template puts a ``Labels`` control beside label-less tools (``Rectangle``,
``Polygon``) and a per-region ``TextArea``. Its editor stores such a region as results that
share the region's id: the tool's geometry (``rectangle``), the ``labels`` result of the
Labels control (its value repeats the geometry next to ``labels``: the "split format") and the
per-region ``textarea``, each with the image's ``original_width``/``original_height`` and
``image_rotation``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lc_media_images
import pytest
from lc_ui_browser import login, screenshot
from playwright.sync_api import expect

from labelcore import LabelCore, parse_config
from labelcore.errors import ValidationError

pytestmark = pytest.mark.browser

W, H = 200, 100
OCR = """<View>
  <Image name="receipt" value="$ocr"/>
  <Labels name="kind" toName="receipt">
    <Label value="Printed" background="#00aa00"/>
    <Label value="Handwritten" background="#0000ff"/>
  </Labels>
  <Rectangle name="box" toName="receipt"/>
  <Polygon name="shape" toName="receipt"/>
  <TextArea name="transcription" toName="receipt" perRegion="true" maxSubmissions="1"/>
</View>"""


@pytest.fixture(scope="module")
def site() -> Iterator[dict[str, Any]]:
    from lc_ui_host import USERS, create_flask_app, serve

    core = LabelCore("memory://", start_jobs=False)
    with serve(create_flask_app(core)) as url:
        yield {"url": url, "core": core, "manager": USERS["manager"]}
    core.close()


def new_project(site: dict[str, Any], title: str) -> tuple[int, int]:
    core, manager = site["core"], site["manager"]
    project = core.create_project(manager, title=title, label_config=OCR)
    core.import_tasks(manager, project.id, [{"ocr": lc_media_images.data_url(W, H)}])
    (task,) = core.list_tasks(manager, project.id).tasks
    return project.id, task.id


def open_page(page: Any, site: dict[str, Any], project_id: int, who: str) -> dict[str, float]:
    login(page, site["url"], who)
    page.goto(f"{site['url']}/label/projects/{project_id}/label")
    page.wait_for_selector(".lc-image[data-loaded='true']")
    box = page.locator(".lc-image-overlay").bounding_box()
    assert (box["width"], box["height"]) == (W, H)  # shown at its own size: 1 px = 0.5 % x
    return box


def add_text(page: Any, text: str) -> None:
    field = page.locator(".lc-control[data-lc-control='transcription'] textarea")
    field.fill(text)
    field.press("Enter")


def by_kind(result: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in result:
        out.setdefault((r["from_name"], r["type"]), []).append(r)
    return out


def drawn(page: Any) -> dict[str, Any]:
    """What the image shows: the region list's labels and the shapes' SVG geometry."""
    return {
        "rows": page.locator(".lc-region-row .lc-region-labels").all_text_contents(),
        "rects": page.locator(".lc-image-region rect.lc-image-shape").evaluate_all(
            "els => els.map(e => ['x', 'y', 'width', 'height'].map(a => e.getAttribute(a)))"
        ),
        "polygons": page.locator(".lc-image-region polygon").evaluate_all(
            "els => els.map(e => e.getAttribute('points'))"
        ),
    }


def test_ocr_box_and_polygon_with_labels_and_text_are_label_studios_split_format(
    watched_page: Any, site: dict[str, Any]
) -> None:
    core, manager = site["core"], site["manager"]
    project_id, task_id = new_project(site, "OCR split format")
    page = watched_page
    bb = open_page(page, site, project_id, "annotator")
    # a box: choose the Labels label, drag with the Rectangle tool, type its text
    page.locator(".lc-label[data-value='Handwritten']").click()
    page.mouse.move(bb["x"] + 40, bb["y"] + 20)
    page.mouse.down()
    page.mouse.move(bb["x"] + 80, bb["y"] + 50, steps=4)
    page.mouse.move(bb["x"] + 120, bb["y"] + 80, steps=4)
    page.mouse.up()
    add_text(page, "TOTAL 12.50")
    # a polygon: deselect the box (a label click would relabel it), take the Polygon tool
    # from the image toolbar, another label, three points
    page.locator(".lc-region-row").nth(0).locator(".lc-region-select").click()
    expect(page.locator(".lc-region-row.lc-selected")).to_have_count(0)
    page.locator(".lc-image-tool[data-tool='shape']").click()
    expect(page.locator(".lc-image-tool[data-tool='shape']")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.locator(".lc-label[data-value='Printed']").click()
    bb = page.locator(".lc-image-overlay").bounding_box()  # the status line moved it down
    for x, y in [(150, 10), (190, 10), (190, 50), (150, 10)]:  # the last click closes it
        page.mouse.click(bb["x"] + x, bb["y"] + y)
    add_text(page, "Thank you")
    expect(page.locator(".lc-region-row .lc-region-labels")).to_have_text(
        ["Handwritten", "Printed"]
    )
    screenshot(page, "ocr-split-format")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_text("Submitted.")

    (ann,) = core.list_annotations(manager, task_id)
    result = [dict(r) for r in ann.result]
    for r in result:  # every result of an image region says which image size it measures
        assert (r["original_width"], r["original_height"], r["image_rotation"]) == (W, H, 0), r
        assert r["to_name"] == "receipt"
    kinds = by_kind(result)
    assert sorted(kinds) == [
        ("box", "rectangle"),
        ("kind", "labels"),
        ("shape", "polygon"),
        ("transcription", "textarea"),
    ]
    (rect,) = kinds["box", "rectangle"]
    (poly,) = kinds["shape", "polygon"]
    geometry = {"x": 20, "y": 20, "width": 40, "height": 60, "rotation": 0}
    assert rect["value"] == geometry
    assert poly["value"] == {"points": [[75, 10], [95, 10], [95, 50]], "closed": True}
    labels = {r["id"]: r["value"] for r in kinds["kind", "labels"]}
    texts = {r["id"]: r["value"] for r in kinds["transcription", "textarea"]}
    assert labels == {
        rect["id"]: {**geometry, "labels": ["Handwritten"]},
        poly["id"]: {**poly["value"], "labels": ["Printed"]},
    }
    assert texts == {
        rect["id"]: {**geometry, "text": ["TOTAL 12.50"]},
        poly["id"]: {**poly["value"], "text": ["Thank you"]},
    }
    assert parse_config(OCR).validate_result(result) == []

    # reopen it (Back), relabel the box, update: the ids stay, the labels follow the edit
    page.locator(".lc-back").click()
    expect(page.locator(".lc-submit")).to_have_text("Update")
    page.wait_for_selector(".lc-image[data-loaded='true']")
    seen = drawn(page)
    assert seen["rows"] == ["Handwritten", "Printed"]
    assert seen["rects"] == [["20%", "20%", "40%", "60%"]]
    assert seen["polygons"] == ["75,10 95,10 95,50"]
    page.locator(".lc-region-row").nth(0).locator(".lc-region-select").click()
    page.locator(".lc-label[data-value='Printed']").click()
    expect(page.locator(".lc-region-row .lc-region-labels")).to_have_text(["Printed", "Printed"])
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_text("Updated.")
    (again,) = core.list_annotations(manager, task_id)
    assert sorted(r["id"] for r in again.result) == sorted(r["id"] for r in result)
    relabeled = {r["id"]: r["value"]["labels"] for r in again.result if r["type"] == "labels"}
    assert relabeled == {rect["id"]: ["Printed"], poly["id"]: ["Printed"]}

    # the same result with a label the config lacks is refused, naming region and label
    bad = [
        {**r, "value": {**r["value"], "labels": ["Typed"]}} if r["type"] == "labels" else r
        for r in again.result
    ]
    with pytest.raises(ValidationError) as refused:
        core.update_annotation(manager, again.id, result=bad)
    messages = [e["message"] for e in refused.value.errors]
    assert any("control 'kind': labels ['Typed'] are not in the config" in m for m in messages), (
        messages
    )
    assert core.get_annotation(manager, again.id).result == again.result

    # a prediction holding the same result: drawn the same for a manager, and accepting it
    # as it is keeps its ids
    other_project, other_task = new_project(site, "OCR prediction")
    core.add_predictions(
        manager,
        other_project,
        [{"task": other_task, "model_version": "ocr-v1", "result": list(again.result)}],
    )
    page.context.clear_cookies()
    open_page(page, site, other_project, "manager")
    expect(page.locator(".lc-prediction-note")).to_contain_text("ocr-v1")
    assert drawn(page) == {**seen, "rows": ["Printed", "Printed"]}
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_text("Submitted.")
    (accepted,) = core.list_annotations(manager, other_task)
    assert sorted(r["id"] for r in accepted.result) == sorted(r["id"] for r in again.result)
    assert [{k: v for k, v in r.items() if k != "origin"} for r in accepted.result] == [
        {k: v for k, v in r.items() if k != "origin"} for r in again.result
    ]


PER_REGION = """<View>
  <Image name="img" valueList="$images"/>
  <RectangleLabels name="box" toName="img"><Label value="Cat"/></RectangleLabels>
  <Choices name="pose" toName="img" perRegion="true"><Choice value="sitting"/></Choices>
  <Choices name="usable" toName="img" perItem="true"><Choice value="yes"/></Choices>
</View>"""


def test_per_region_results_of_an_image_region_carry_its_image_size(harness: Any) -> None:
    page = harness.page
    images = [lc_media_images.data_url(W, H), lc_media_images.data_url(100, 50)]
    harness.mount(PER_REGION, {"images": images})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    page.locator(".lc-image-next").click()
    page.wait_for_selector(".lc-image[data-loaded='true'][data-item='1']")
    page.locator(".lc-label", has_text="Cat").click()
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.move(bb["x"] + 10, bb["y"] + 10)
    page.mouse.down()
    page.mouse.move(bb["x"] + 60, bb["y"] + 35, steps=4)
    page.mouse.up()
    page.get_by_role("checkbox", name="sitting").check()  # the new box is selected
    result = harness.result()
    [box] = [r for r in result if r["type"] == "rectanglelabels"]
    [pose] = [r for r in result if r["from_name"] == "pose"]
    # Label Studio writes a per-region result as the region's own: same id, the geometry,
    # and the image's size, rotation and item index
    extras = ("original_width", "original_height", "image_rotation", "item_index")
    assert [pose.get(k) for k in extras] == [box[k] for k in extras] == [100, 50, 0, 1]
    assert pose["id"] == box["id"]
    assert pose["value"] == {
        **{k: box["value"][k] for k in box["value"] if k != "rectanglelabels"},
        "choices": ["sitting"],
    }
    assert parse_config(PER_REGION).validate_result(result) == []


def test_per_item_results_keep_their_ids_when_reopened(harness: Any) -> None:
    page = harness.page
    images = [lc_media_images.data_url(W, H), lc_media_images.data_url(100, 50)]
    saved = [
        {
            "id": "usable-first",
            "from_name": "usable",
            "to_name": "img",
            "type": "choices",
            "item_index": 0,
            "value": {"choices": ["yes"]},
        },
        {
            "id": "usable-second",
            "from_name": "usable",
            "to_name": "img",
            "type": "choices",
            "item_index": 1,
            "value": {"choices": ["yes"]},
        },
    ]
    harness.mount(PER_REGION, {"images": images}, saved)
    page.wait_for_selector(".lc-image[data-loaded='true']")
    expect(page.get_by_role("checkbox", name="yes")).to_be_checked()
    page.get_by_role("checkbox", name="yes").uncheck()
    page.get_by_role("checkbox", name="yes").check()  # edited on the first image
    got = {r["item_index"]: r["id"] for r in harness.result()}
    assert got == {0: "usable-first", 1: "usable-second"}


LABELS_AND_POLYGON = """<View>
  <Image name="img" value="$image"/>
  <Labels name="kind" toName="img"><Label value="Printed"/><Label value="Handwritten"/></Labels>
  <Polygon name="shape" toName="img"/>
</View>"""


def test_a_label_chosen_while_a_polygon_is_drawn_labels_it(harness: Any) -> None:
    page = harness.page
    harness.mount(LABELS_AND_POLYGON, {"image": lc_media_images.data_url(W, H)})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + 20, bb["y"] + 20)
    page.mouse.click(bb["x"] + 80, bb["y"] + 20)
    # the label comes mid-drawing (it threw "takePending is not a function" before)
    page.locator(".lc-label[data-value='Handwritten']").click()
    page.mouse.click(bb["x"] + 80, bb["y"] + 80)
    page.mouse.click(bb["x"] + 20, bb["y"] + 20)
    result = harness.result()
    assert [(r["from_name"], r["type"]) for r in result] == [
        ("shape", "polygon"),
        ("kind", "labels"),
    ]
    assert result[0]["id"] == result[1]["id"]
    assert result[1]["value"] == {**result[0]["value"], "labels": ["Handwritten"]}
    # undo and redo keep the pair together
    harness.call("undo")
    assert harness.result() == []
    harness.call("redo")
    assert harness.result() == result


KEYPOINTS = """<View>
  <Image name="img" value="$image"/>
  <KeyPointLabels name="kp" toName="img" strokeWidth="4"><Label value="Eye"/></KeyPointLabels>
</View>"""


def test_keypoint_width_is_its_size_in_percent_of_the_image_width(harness: Any) -> None:
    """Label Studio stores a keypoint's size as a percentage of the image's width, like every
    other coordinate: 4 px on a 200 px wide image is 2, not 4."""
    page = harness.page
    harness.mount(KEYPOINTS, {"image": lc_media_images.data_url(W, H)})
    page.wait_for_selector(".lc-image[data-loaded='true']")
    page.locator(".lc-label", has_text="Eye").click()
    bb = page.locator(".lc-image-overlay").bounding_box()
    page.mouse.click(bb["x"] + 50, bb["y"] + 50)
    [kp] = harness.result()
    assert kp["value"] == {"x": 25, "y": 50, "width": 2, "keypointlabels": ["Eye"]}
    page.locator(".lc-image-overlay").focus()
    page.keyboard.press("Enter")  # the keyboard's keypoint too
    assert [r["value"]["width"] for r in harness.result()] == [2, 2]


def test_a_merged_labels_box_from_a_model_loads_and_saves_in_the_split_format(
    harness: Any,
) -> None:
    """Models and scripts often write a Labels control's box merged, as one
    ``rectanglelabels`` result from the Labels control; it was dropped from the screen (and
    from the annotation made from it). It shows as the Rectangle tool's labeled box and is
    saved as Label Studio's editor saves it."""
    page = harness.page
    box = {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0}
    merged = {
        "id": "m1",
        "from_name": "kind",
        "to_name": "receipt",
        "type": "rectanglelabels",
        "value": {**box, "rectanglelabels": ["Printed"]},
        "original_width": W,
        "original_height": H,
        "image_rotation": 0,
    }
    assert parse_config(OCR).validate_result([merged]) == []
    harness.mount(OCR, {"ocr": lc_media_images.data_url(W, H)}, [merged])
    page.wait_for_selector(".lc-image[data-loaded='true']")
    expect(page.locator(".lc-region-row .lc-region-labels")).to_have_text(["Printed"])
    extras = {"original_width": W, "original_height": H, "image_rotation": 0}
    assert harness.result() == [
        {"id": "m1", "from_name": "box", "to_name": "receipt", "type": "rectangle",
         "value": box, "origin": "manual", **extras},
        {"id": "m1", "from_name": "kind", "to_name": "receipt", "type": "labels",
         "value": {**box, "labels": ["Printed"]}, "origin": "manual", **extras},
    ]  # fmt: skip
