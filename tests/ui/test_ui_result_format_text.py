"""Text NER results as Label Studio stores them, made on the real labeling page (Flask host)
the way an annotator makes them: spans with a per-region choice and text, a labeled relation;
then reopened, edited and updated (the ids stay), a prediction of the same result shown the
same, and the same result with a label the config lacks refused with the reason."""

from __future__ import annotations

from typing import Any

import pytest
from lc_ui_browser import Harness, login
from playwright.sync_api import expect

from labelcore import parse_config
from labelcore.errors import ValidationError

pytestmark = pytest.mark.browser

NER = """<View>
  <Relations><Relation value="works_at"/><Relation value="founded"/></Relations>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Text name="text" value="$text"/>
  <Choices name="conf" toName="text" perRegion="true"><Choice value="sure"/><Choice value="unsure"/></Choices>
  <TextArea name="note" toName="text" perRegion="true"/>
</View>"""
TEXT = "Zoë 👩‍🔬 works at Acme."


def open_task(page: Any, site: dict[str, Any], project_id: int, who: str) -> Harness:
    login(page, site["url"], who)
    page.goto(f"{site['url']}/label/projects/{project_id}/label")
    page.wait_for_selector(".lc-labeling .lc-text")
    return Harness(page)


def select_row(page: Any, n: int) -> None:
    page.locator(".lc-region-row").nth(n).locator(".lc-region-select").click()


def shown(page: Any) -> dict[str, Any]:
    """What the screen shows: region rows, the relation row, and the highlighted text."""
    return {
        "regions": page.locator(".lc-region-row .lc-region-labels").all_text_contents(),
        "texts": page.locator(".lc-region-row .lc-region-text").all_text_contents(),
        "relations": page.locator(".lc-relation-row").evaluate_all(
            "rows => rows.map(r => [r.querySelector('.lc-relation-direction').textContent,"
            " Array.from(r.querySelectorAll('.lc-relation-label:checked'), b => b.value).join()])"
        ),
        "spans": page.locator(".lc-text .lc-region").all_text_contents(),
    }


def test_ner_per_region_and_relation_round_trip_on_the_page(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    core = flask_site["core"]
    from lc_ui_host import USERS

    manager = USERS["manager"]
    project = core.create_project(manager, title="NER round trip", label_config=NER)
    core.import_tasks(manager, project.id, [{"text": TEXT}])
    (task,) = core.list_tasks(manager, project.id).tasks
    page = watched_page
    h = open_task(page, flask_site, project.id, "annotator")
    page.locator(".lc-label[data-value='PER']").click()
    h.drag_select(".lc-text", "Zoë 👩‍🔬")
    select_row(page, 0)
    page.get_by_role("checkbox", name="sure", exact=True).check()
    note = page.locator(".lc-control[data-lc-control='note'] textarea")
    note.fill("a chemist")
    note.press("Enter")
    select_row(page, 0)  # deselect: a label click would relabel the selected span
    page.locator(".lc-label[data-value='ORG']").click()
    h.drag_select(".lc-text", "Acme")
    select_row(page, 0)
    page.keyboard.press("Alt+r")
    select_row(page, 1)
    page.locator(".lc-relation-label[value='works_at']").check()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_text("Submitted.")

    (ann,) = core.list_annotations(manager, task.id)
    result = [dict(r) for r in ann.result]
    per, org = (r for r in result if r["type"] == "labels")
    # code points, as Python indexes the text: the scientist emoji is three of them
    assert per["value"] == {"start": 0, "end": 7, "text": "Zoë 👩‍🔬", "labels": ["PER"]}
    assert TEXT[0:7] == "Zoë 👩‍🔬" and TEXT[17:21] == "Acme"
    assert org["value"] == {"start": 17, "end": 21, "text": "Acme", "labels": ["ORG"]}
    (conf,) = (r for r in result if r.get("from_name") == "conf")
    (txt,) = (r for r in result if r.get("from_name") == "note")
    assert conf["id"] == txt["id"] == per["id"]  # per-region results share the region's id
    assert conf["value"] == {"start": 0, "end": 7, "text": "Zoë 👩‍🔬", "choices": ["sure"]}
    assert txt["value"] == {"start": 0, "end": 7, "text": ["a chemist"]}  # Label Studio's too
    assert {(r["to_name"], r["type"]) for r in result if "from_name" in r} == {
        ("text", "labels"),
        ("text", "choices"),
        ("text", "textarea"),
    }
    (rel,) = (r for r in result if r["type"] == "relation")
    assert rel == {
        "from_id": per["id"],
        "to_id": org["id"],
        "type": "relation",
        "direction": "right",
        "labels": ["works_at"],
    }
    assert parse_config(NER).validate_result(result, {"text": TEXT}) == []

    # reopen: drawn back the same; turn the relation and relabel it, update: same ids
    page.locator(".lc-back").click()
    expect(page.locator(".lc-submit")).to_have_text("Update")
    before = shown(page)
    assert before == {
        "regions": ["PER", "ORG"],
        "texts": ["Zoë 👩‍🔬", "Acme"],
        "relations": [["→", "works_at"]],
        "spans": ["Zoë 👩‍🔬", "Acme"],
    }
    page.locator(".lc-relation-direction").click()
    page.locator(".lc-relation-label[value='works_at']").uncheck()
    page.locator(".lc-relation-label[value='founded']").check()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_text("Updated.")
    (again,) = core.list_annotations(manager, task.id)
    assert sorted(str(r.get("id")) for r in again.result) == sorted(
        str(r.get("id")) for r in result
    )
    (rel2,) = (r for r in again.result if r["type"] == "relation")
    assert rel2 == {**rel, "direction": "left", "labels": ["founded"]}

    # the same result with a label the config lacks: refused, region and label named
    bad = [
        {**r, "value": {**r["value"], "labels": ["LOC"]}} if r["type"] == "labels" else r
        for r in again.result
    ]
    with pytest.raises(ValidationError) as refused:
        core.update_annotation(manager, again.id, result=bad)
    messages = [e["message"] for e in refused.value.errors]
    assert (
        "Region 0: control 'ner': labels ['LOC'] are not in the config; valid: ['ORG', 'PER']"
        in (messages)
    )

    # a prediction of the same result is drawn the same for a manager
    other = core.create_project(manager, title="NER predicted", label_config=NER)
    core.import_tasks(manager, other.id, [{"text": TEXT}])
    (other_task,) = core.list_tasks(manager, other.id).tasks
    core.add_predictions(manager, other.id, [{"task": other_task.id, "result": list(again.result)}])
    page.context.clear_cookies()
    open_task(page, flask_site, other.id, "manager")
    expect(page.locator(".lc-prediction-note")).to_be_visible()
    assert shown(page) == {**before, "relations": [["←", "founded"]]}
