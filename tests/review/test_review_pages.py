"""Server-rendered review, quick-view, rejected-work and statistics pages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from rv_fixtures import ANN_A, ANN_B, MANAGER, REVIEWER, choice, make_project, task_ids

from labelcore import LabelCore, User
from labelcore.quality.charts import bar_chart, line_chart, matrix_chart
from labelcore.web.app import WebApp
from labelcore.web.http import Headers, MultiDict, Request, Response


@pytest.fixture()
def app(core: LabelCore) -> WebApp:
    return WebApp(core, identify=lambda native: native, csrf=None)


def get(app: WebApp, user: User, path: str) -> Response:
    return app.handle(Request(method="GET", path=path, native=user))


def post_form(app: WebApp, user: User, path: str, **fields: str) -> Response:
    return app.handle(
        Request(
            method="POST",
            path=path,
            headers=Headers([("Content-Type", "application/x-www-form-urlencoded")]),
            body=urlencode(fields).encode(),
            native=user,
            form_parser=lambda: (MultiDict(list(fields.items())), []),
        )
    )


def text(resp: Response) -> str:
    assert isinstance(resp.body, bytes), resp
    return resp.body.decode()


def test_review_screen_reject_then_accept(app: WebApp, core: LabelCore) -> None:
    project = make_project(core)
    tid = task_ids(core, project.id)[0]
    ann = core.submit_annotation(ANN_A, tid, choice("Positive"))
    page = get(app, REVIEWER, f"/projects/{project.id}/review")
    assert page.status == 200, page.body
    html = text(page)
    assert f'data-annotation-id="{ann.id}"' in html and "sentiment: Positive" in html
    assert "task 0" in html  # the task data
    resp = post_form(
        app,
        REVIEWER,
        f"/projects/{project.id}/review/{ann.id}",
        action="reject",
        comment="<b>wrong</b>",
        next="review",
    )
    assert resp.status == 303, resp.body
    assert "Nothing is waiting" in text(get(app, REVIEWER, f"/projects/{project.id}/review"))
    mine = text(get(app, ANN_A, f"/projects/{project.id}/review/rejected"))
    assert "&lt;b&gt;wrong&lt;/b&gt;" in mine and "<b>wrong" not in mine  # escaped
    core.update_annotation(ANN_A, ann.id, result=choice("Negative"))
    resp = post_form(app, REVIEWER, f"/projects/{project.id}/review/{ann.id}", action="accept")
    assert resp.status == 303
    assert core.review_states(MANAGER, project.id)[1][ann.id] == "accepted"
    assert (
        post_form(app, ANN_B, f"/projects/{project.id}/review/{ann.id}", action="accept").status
        == 404
    )
    assert get(app, ANN_A, f"/projects/{project.id}/review").status == 403


def test_quick_view_shows_everything_side_by_side(app: WebApp, core: LabelCore) -> None:
    project = make_project(core, maximum_annotations=2)
    tid = task_ids(core, project.id)[0]
    a = core.submit_annotation(ANN_A, tid, choice("Positive"))
    b = core.submit_annotation(ANN_B, tid, choice("Negative"))
    core.add_predictions(MANAGER, project.id, [{"task": tid, "result": choice(), "score": 0.5}])
    html = text(get(app, REVIEWER, f"/projects/{project.id}/tasks/{tid}/review"))
    assert f'data-annotation-id="{a.id}"' in html and f'data-annotation-id="{b.id}"' in html
    assert "lc-review-prediction" in html and html.count("lc-review-accept") == 2
    own = text(get(app, ANN_A, f"/projects/{project.id}/tasks/{tid}/review"))
    assert f'data-annotation-id="{b.id}"' not in own and "lc-review-accept" not in own


def test_stats_page_charts_have_the_right_numbers(app: WebApp, core: LabelCore) -> None:
    project = make_project(core, 2, maximum_annotations=2)
    t1, t2 = task_ids(core, project.id)
    core.submit_annotation(ANN_A, t1, choice("Positive"), lead_time=4)
    core.submit_annotation(ANN_B, t1, choice("Positive"), lead_time=6)
    core.submit_annotation(ANN_A, t2, choice("Negative"), lead_time=8)
    html = text(get(app, MANAGER, f"/projects/{project.id}/stats"))
    assert re.search(r'class="lc-stat-annotations">3<', html)
    assert '<g class="lc-bar" data-label="Ada" data-value="2">' in html
    assert '<g class="lc-bar" data-label="Bo" data-value="1">' in html
    assert '<g class="lc-bar" data-label="sentiment: Positive" data-value="2">' in html
    assert 'data-row="Ada" data-col="Bo" data-value="1"' in html
    assert html.count("<svg") == 6 and "stats.csv?table=labels" in html
    assert get(app, ANN_A, f"/projects/{project.id}/stats").status == 403


def test_svg_chart_text_is_escaped() -> None:
    evil = "</text><script>alert(1)</script>"
    for svg in (
        bar_chart([(evil, 1.0)], title=evil),
        line_chart([(evil, 1.0)], title=evil),
        matrix_chart([evil, "b"], {(evil, "b"): 0.5}, title=evil),
    ):
        assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'data-value="n/a"' in bar_chart([("x", None)], title="t")
    assert "no data" in line_chart([], title="t") and "no data" in matrix_chart([], {}, title="t")


def test_quick_view_edit_fix_and_delete_within_the_role(app: WebApp, core: LabelCore) -> None:
    import json

    project = make_project(core, maximum_annotations=2)
    tid = task_ids(core, project.id)[0]
    a = core.submit_annotation(ANN_A, tid, choice("Positive"))
    b = core.submit_annotation(ANN_B, tid, choice("Negative"))
    view = f"/projects/{project.id}/tasks/{tid}/review"
    url = f"/projects/{project.id}/review/{{}}"
    # the manager may edit and delete anyone's; the reviewer fixes; the annotator their own
    manager_html = text(get(app, MANAGER, view))
    assert manager_html.count("lc-review-save") == 2
    assert manager_html.count('lc-review-delete"') == 2
    reviewer_html = text(get(app, REVIEWER, view))
    assert reviewer_html.count("lc-review-fix-accept") == 2
    assert "lc-review-delete\"" not in reviewer_html and "lc-review-save" not in reviewer_html
    own_html = text(get(app, ANN_A, view))
    assert own_html.count("lc-review-save") == 1 and "lc-review-fix-accept" not in own_html

    negative = json.dumps(choice("Negative"))
    resp = post_form(app, MANAGER, url.format(a.id), action="save", result=negative, next="task",
                     version=str(a.version))
    assert resp.status == 303, resp.body
    assert core.get_annotation(MANAGER, a.id).result == choice("Negative")
    # a stale version, bad JSON, or a result the config refuses: 4xx on the page, nothing changes
    stale = post_form(app, MANAGER, url.format(a.id), action="save", result=negative,
                      next="task", version=str(a.version))
    assert stale.status == 409 and "lc-review-error" in text(stale)
    broken = post_form(app, ANN_A, url.format(a.id), action="save", result="[{", next="task")
    assert broken.status == 400 and "not valid JSON" in text(broken)
    bad = json.dumps(choice("Maybe"))
    refused = post_form(app, REVIEWER, url.format(b.id), action="fix", result=bad, next="task")
    assert refused.status == 400 and "Maybe" in text(refused)
    assert core.get_annotation(MANAGER, b.id).result == choice("Negative")
    fixed = post_form(app, REVIEWER, url.format(b.id), action="fix",
                      result=json.dumps(choice("Positive")), comment="was positive", next="task")
    assert fixed.status == 303
    fixed_ann = core.get_annotation(MANAGER, b.id)
    assert fixed_ann.last_action == "fixed_and_accepted" and fixed_ann.result == choice("Positive")
    # a reviewer may not delete, an annotator cannot see others' work
    assert post_form(app, REVIEWER, url.format(a.id), action="delete", next="task").status == 403
    assert post_form(app, ANN_A, url.format(b.id), action="delete", next="task").status == 404
    gone = post_form(app, MANAGER, url.format(b.id), action="delete", next="task")
    assert gone.status == 303
    assert [x.id for x in core.list_annotations(MANAGER, tid)] == [a.id]


def test_xss_quick_view_result_text_is_escaped(app: WebApp, core: LabelCore) -> None:
    project = make_project(core)
    tid = task_ids(core, project.id)[0]
    evil = "</textarea><script>alert(1)</script>"
    xml = """<View><Text name="text" value="$text"/>
<TextArea name="note" toName="text"/></View>"""
    other = core.create_project(MANAGER, title="Notes", label_config=xml)
    core.import_tasks(MANAGER, other.id, [{"text": evil}])
    (tid,) = task_ids(core, other.id)
    result = [{"from_name": "note", "to_name": "text", "type": "textarea",
               "value": {"text": [evil]}}]
    core.submit_annotation(ANN_A, tid, result)
    html = text(get(app, MANAGER, f"/projects/{other.id}/tasks/{tid}/review"))
    assert "<script>alert(1)" not in html and "&lt;/textarea&gt;&lt;script&gt;" in html
    assert project.id != other.id


def test_csrf_quick_view_forms_refuse_a_post_without_the_token(site: Any) -> None:
    """A cookie session posting a quick-view form (delete, edit, verdict) without the page's
    CSRF token is refused and changes nothing; with it, the same post works."""
    import requests
    from rv_fixtures import BROWSER_USERS, browser_choice

    base, core, project = site
    (tid,) = task_ids(core, project.id)
    ann = core.submit_annotation(BROWSER_USERS["annotator"], tid, browser_choice("Negative"))
    http = requests.Session()
    http.cookies.set("who", "manager")
    view = http.get(f"{base}/label/projects/{project.id}/tasks/{tid}/review", timeout=10)
    assert view.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', view.text)
    assert token is not None
    target = f"{base}/label/projects/{project.id}/review/{ann.id}"
    for action in ("delete", "save", "accept"):
        forged = http.post(
            target, data={"action": action, "next": "task", "result": "[]"}, timeout=10,
            allow_redirects=False,
        )
        assert forged.status_code == 403, (action, forged.status_code)
    assert core.get_annotation(BROWSER_USERS["manager"], ann.id).version == ann.version
    done = http.post(
        target, data={"action": "delete", "next": "task", "csrf_token": token.group(1)},
        timeout=10, allow_redirects=False,
    )
    assert done.status_code == 303
    assert core.list_annotations(BROWSER_USERS["manager"], tid) == []


def test_review_screen_shows_which_text_a_span_labels(app: WebApp, core: LabelCore) -> None:
    """Two "PER" lines say nothing about the spans: the reviewer sees each span's text."""
    xml = """<View><Labels name="ner" toName="text"><Label value="PER"/></Labels>
<Text name="text" value="$text"/></View>"""
    project = core.create_project(MANAGER, title="People", label_config=xml)
    core.import_tasks(MANAGER, project.id, [{"text": "Alice met <Bob>"}])
    (tid,) = task_ids(core, project.id)
    spans = [(0, 5, "Alice"), (10, 15, "<Bob>")]
    result = [{"from_name": "ner", "to_name": "text", "type": "labels",
               "value": {"start": s, "end": e, "text": t, "labels": ["PER"]}} for s, e, t in spans]
    core.submit_annotation(ANN_A, tid, result)
    html = text(get(app, REVIEWER, f"/projects/{project.id}/review"))
    assert "<li>ner: PER — “Alice”</li>" in html
    assert "<li>ner: PER — “&lt;Bob&gt;”</li>" in html


IMAGE_CONFIG = """<View><Image name="img" value="$image"/>
<RectangleLabels name="box" toName="img">
<Label value="Car"/><Label value="&lt;b&gt;x"/></RectangleLabels>
<PolygonLabels name="poly" toName="img"><Label value="Road"/></PolygonLabels>
<KeyPointLabels name="kp" toName="img"><Label value="Eye"/></KeyPointLabels>
</View>"""


def _image_annotation(core: LabelCore, image: str) -> tuple[Any, int, Any]:
    project = core.create_project(MANAGER, title="Boxes to review", label_config=IMAGE_CONFIG)
    (tid,) = core.import_tasks(MANAGER, project.id, [{"image": image}]).task_ids
    box = {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 15, "rectanglelabels": ["<b>x"]}
    result = [
        {"id": "r1", "from_name": "box", "to_name": "img", "type": "rectanglelabels", "value": box},
        {
            "id": "p1",
            "from_name": "poly",
            "to_name": "img",
            "type": "polygonlabels",
            "value": {"points": [[1, 2], [50, 2.5], [25, 60]], "polygonlabels": ["Road"]},
        },
        {
            "id": "k1",
            "from_name": "kp",
            "to_name": "img",
            "type": "keypointlabels",
            "value": {"x": 70, "y": 80, "width": 1, "keypointlabels": ["Eye"]},
        },
    ]
    return project, tid, core.submit_annotation(ANN_A, tid, result)


def test_review_draws_image_regions_over_their_image(app: WebApp, core: LabelCore) -> None:
    project, tid, ann = _image_annotation(core, "https://images.example/street.jpg")
    html = text(get(app, REVIEWER, f"/projects/{project.id}/tasks/{tid}/review"))
    figure = html[html.index(f'data-annotation-id="{ann.id}"') :]
    assert '<img src="https://images.example/street.jpg" alt="img">' in figure
    assert (
        '<rect class="lc-review-shape" x="10.0" y="20.0" width="30.0" height="40.0"'
        ' transform="rotate(15.0 10.0 20.0)"><title>&lt;b&gt;x</title></rect>'
    ) in figure  # the label is text, escaped
    assert '<polygon class="lc-review-shape" points="1.0,2.0 50.0,2.5 25.0,60.0">' in figure
    assert 'cx="70.0" cy="80.0" r="0.8"><title>Eye</title>' in figure
    assert "<b>x" not in html


@pytest.mark.parametrize("rotation", [{}, {"rotation": 0}])
def test_review_draws_an_unturned_box(
    app: WebApp, core: LabelCore, rotation: dict[str, Any]
) -> None:
    """A box without a turn (the usual one) is drawn without a transform; the page was a 500
    (the template read the shape's missing ``transform`` key)."""
    project, tid, _ = _image_annotation(core, "https://images.example/street.jpg")
    box = {"x": 10, "y": 20, "width": 30, "height": 40, "rectanglelabels": ["Car"], **rotation}
    item = {"id": "b2", "from_name": "box", "to_name": "img", "type": "rectanglelabels"}
    ann = core.submit_annotation(ANN_B, tid, [{**item, "value": box}])
    page = get(app, REVIEWER, f"/projects/{project.id}/tasks/{tid}/review")
    assert page.status == 200
    figure = text(page)[text(page).index(f'data-annotation-id="{ann.id}"') :]
    assert (
        '<rect class="lc-review-shape" x="10.0" y="20.0" width="30.0" height="40.0">'
        "<title>Car</title></rect>"
    ) in figure


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(1)",
        "//evil.example/x.png",
        "/\\evil.example/x.png",
        "/\t/evil.example/x.png",
        "http://plain.example/x.png",
    ],
)
def test_review_figures_show_no_unsafe_image_url(app: WebApp, core: LabelCore, image: str) -> None:
    project, tid, _ = _image_annotation(core, image)
    html = text(get(app, REVIEWER, f"/projects/{project.id}/tasks/{tid}/review"))
    assert "lc-review-figure" not in html and "<img" not in html
    assert "Road" in html  # the regions are still listed as text


def test_a_rotated_box_turns_in_pixels_when_the_image_size_is_known(
    app: WebApp, core: LabelCore
) -> None:
    """A percent square of a 600x300 image is 2:1 in pixels: the turn is a matrix that keeps
    the box's corner and its pixel shape, not a rotate() that would shear it."""
    project, tid, _ = _image_annotation(core, "https://images.example/wide.jpg")
    box = {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 90, "rectanglelabels": ["Car"]}
    item = {"from_name": "box", "to_name": "img", "type": "rectanglelabels", "value": box}
    core.submit_annotation(
        ANN_B, tid, [{**item, "id": "w", "original_width": 600, "original_height": 300}]
    )
    html = text(get(app, REVIEWER, f"/projects/{project.id}/tasks/{tid}/review"))
    found = re.search(r'transform="matrix\(([^)]*)\)"', html)
    assert found, html
    a, b, c, d, e, f = (float(v) for v in found.group(1).split())
    # 90 degrees in pixels: (x, y) -> corner + (-(y - 20) / 2, (x - 10) * 2) in percents
    assert abs(a) < 1e-9 and abs(d) < 1e-9 and (b, c) == (2.0, -0.5) and (e, f) == (20.0, 0.0)
    assert a * 10 + c * 20 + e == 10 and b * 10 + d * 20 + f == 20  # the corner stays


OCR_CONFIG = """<View><Image name="img" value="$image"/>
<Labels name="kind" toName="img"><Label value="Printed"/><Label value="Handwritten"/></Labels>
<Rectangle name="box" toName="img"/><Ellipse name="oval" toName="img"/></View>"""


def test_review_figures_title_split_format_regions_and_turn_ellipses(
    app: WebApp, core: LabelCore
) -> None:
    """Label Studio's Rectangle beside Labels stores a box's labels as a second result with
    the box's id: the figure is titled with them, not with the shape's kind. A rotated
    ellipse turns about its centre."""
    project = core.create_project(MANAGER, title="OCR to review", label_config=OCR_CONFIG)
    (tid,) = core.import_tasks(
        MANAGER, project.id, [{"image": "https://images.example/receipt.jpg"}]
    ).task_ids
    box = {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0}
    oval = {"x": 60, "y": 50, "radiusX": 10, "radiusY": 5, "rotation": 30}
    result = [
        {"id": "b1", "from_name": "box", "to_name": "img", "type": "rectangle", "value": box},
        {
            "id": "b1",
            "from_name": "kind",
            "to_name": "img",
            "type": "labels",
            "value": {**box, "labels": ["Handwritten"]},
        },
        {"id": "e1", "from_name": "oval", "to_name": "img", "type": "ellipse", "value": oval},
    ]
    ann = core.submit_annotation(ANN_A, tid, result)
    html = text(get(app, REVIEWER, f"/projects/{project.id}/tasks/{tid}/review"))
    figure = html[html.index(f'data-annotation-id="{ann.id}"') :]
    assert (
        '<rect class="lc-review-shape" x="10.0" y="20.0" width="30.0" height="40.0">'
        "<title>Handwritten</title></rect>"
    ) in figure
    assert (
        '<ellipse class="lc-review-shape" cx="60.0" cy="50.0" rx="10.0" ry="5.0"'
        ' transform="rotate(30.0 60.0 50.0)"><title>ellipse</title></ellipse>'
    ) in figure
