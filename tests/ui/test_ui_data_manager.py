"""The data manager and project pages in the browser (Flask host): filter, sort, page, bulk
delete, import with a bad row, export download, saved views; config editor and preview."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lc_ui_browser import login, screenshot
from playwright.sync_api import expect

from labelcore.query import TaskQuery

pytestmark = pytest.mark.browser


def open_dm(page: Any, site: dict[str, Any], project: str) -> None:
    login(page, site["url"], "manager")
    page.goto(f"{site['url']}/label/projects/{site['projects'][project]}")
    page.wait_for_selector(".lc-task-row")


def ids_shown(page: Any) -> list[int]:
    return [
        int(x)
        for x in page.locator(".lc-task-row").evaluate_all(
            "rows => rows.map(r => r.dataset.taskId)"
        )
    ]


def test_filter_sort_page_and_saved_view(watched_page: Any, flask_site: dict[str, Any]) -> None:
    page = watched_page
    open_dm(page, flask_site, "Sentiment")
    expect(page.locator(".lc-task-row")).to_have_count(30)
    assert page.locator(".lc-page-info").text_content() == "Page 1 of 2"
    page.locator(".lc-page-next").click()
    page.wait_for_function(
        "() => document.querySelector('.lc-page-info').textContent === 'Page 2 of 2'"
    )
    expect(page.locator(".lc-task-row")).to_have_count(15)
    # sort by id descending
    page.locator("th[data-column='id'] .lc-sort").click()
    page.wait_for_function(
        "() => document.querySelector(\"th[data-column='id']\").getAttribute('aria-sort') === 'ascending'"
    )
    page.locator("th[data-column='id'] .lc-sort").click()
    page.wait_for_function(
        "() => document.querySelector(\"th[data-column='id']\").getAttribute('aria-sort') === 'descending'"
    )
    page.wait_for_selector(".lc-task-row")
    shown = ids_shown(page)
    assert shown == sorted(shown, reverse=True)
    # filter on a data column: text contains "number 4" -> 4, 40..45
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    page.locator(".lc-filter-value").fill("number 4")
    page.locator(".lc-filter-value").press("Enter")
    page.locator(".lc-filter-value").blur()
    page.wait_for_function(
        "() => document.querySelector('.lc-dm-status').textContent === '7 tasks'"
    )
    texts = page.locator("td[data-column='data.text']").all_text_contents()
    assert sorted(texts) == sorted(
        ["Review number 4"] + [f"Review number {i}" for i in range(40, 46)]
    )
    # save as a view (tab), leave it, come back
    page.locator(".lc-view-name").fill("Fours")
    page.locator(".lc-view-form button").click()
    page.wait_for_selector(".lc-tab.lc-on:has-text('Fours')")
    page.get_by_role("tab", name="All tasks").click()
    page.wait_for_function(
        "() => document.querySelector('.lc-dm-status').textContent === '45 tasks'"
    )
    page.get_by_role("tab", name="Fours").click()
    page.wait_for_function(
        "() => document.querySelector('.lc-dm-status').textContent === '7 tasks'"
    )
    # hide a column
    page.locator(".lc-columns-toggle").click()
    page.locator(".lc-column-toggle", has_text="data.text").locator("input").uncheck()
    expect(page.locator("td[data-column='data.text']")).to_have_count(0)
    screenshot(page, "flask-data-manager")


def test_bulk_delete_import_with_bad_row_and_export(
    watched_page: Any, flask_site: dict[str, Any], tmp_path: Any
) -> None:
    page = watched_page
    open_dm(page, flask_site, "Taxonomy")
    before = page.locator(".lc-task-row").count()
    # import with a bad row: error shown, nothing imported
    page.locator(".lc-import-open").click()
    page.locator(".lc-import-paste").fill(
        json.dumps([{"text": "ok row"}, {"wrong_key": 1}, "not an object"])
    )
    page.locator(".lc-import-go").click()
    page.wait_for_selector(".lc-import-result .lc-problem")
    page.watch.errors.clear()  # the 400 response is logged by the browser
    assert "Nothing was imported" in page.locator(".lc-import-result").text_content()
    assert page.locator(".lc-import-errors li").count() >= 1
    screenshot(page, "flask-import-error")
    # a good file imports
    good = tmp_path / "tasks.json"
    good.write_text(json.dumps([{"text": "new one"}, {"text": "new two"}]))
    page.locator(".lc-import-files").set_input_files(str(good))
    page.locator(".lc-import-go").click()
    page.wait_for_selector(".lc-import-result .lc-ok")
    page.locator(".lc-import-close").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('.lc-task-row').length === {before + 2}"
    )
    # bulk delete the two new tasks
    for row in page.locator(".lc-task-row", has_text="new ").all():
        row.locator(".lc-row-select").check()
    page.locator(".lc-action-select").select_option("delete_tasks")
    page.locator(".lc-action-run").click()
    page.locator(".lc-confirm-yes").click()
    page.wait_for_function(f"() => document.querySelectorAll('.lc-task-row').length === {before}")
    # export download
    page.locator(".lc-export summary").click()
    page.locator(".lc-export-all").check()
    with page.expect_download() as dl:
        page.locator(".lc-export-link[data-format='JSON']").click()
    path = dl.value.path()
    exported = json.loads(Path(path).read_text(encoding="utf-8"))
    assert [t["data"]["text"] for t in exported] == ["A cat."]


def test_config_editor_shows_problems_at_lines_and_previews(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    page = watched_page
    login(page, flask_site["url"], "manager")
    page.goto(f"{flask_site['url']}/label/projects/new")
    page.wait_for_selector(".lc-preview.lc-labeling .lc-main")
    page.locator(".lc-gallery-item[data-key='ner']").click()
    page.wait_for_selector(".lc-preview .lc-label[data-value='PER']")
    bad = '<View>\n  <Text name="text" value="$text"/>\n  <Labels name="l" toName="missing">\n    <Label value="A"/>\n  </Labels>\n</View>'
    page.locator("#lc-config").fill(bad)
    page.wait_for_selector(".lc-config-problems .lc-problem")
    problem = page.locator(".lc-config-problems .lc-problem").first
    assert problem.get_attribute("data-line") == "3"
    assert page.locator(".lc-code-line.lc-bad").text_content() == "3"
    page.watch.errors.clear()  # the browser logs the 400 answer of /api/projects/validate
    screenshot(page, "flask-config-editor-problem")
    page.locator(".lc-gallery-item[data-key='text_classification']").click()
    page.wait_for_selector(".lc-config-problems .lc-ok")
    page.locator("#lc-title").fill("Created in the browser")
    page.locator("#lc-save").click()
    page.wait_for_url("**/label/projects/*")
    page.wait_for_selector(".lc-dm-status")
    assert page.locator(".lc-page-title").text_content() == "Created in the browser"


def _open_project(page: Any, site: dict[str, Any], pid: int) -> Any:
    login(page, site["url"], "manager")
    page.goto(f"{site['url']}/label/projects/{pid}")
    return page


def _type_filter(page: Any, column: str, text: str) -> None:
    """Set the (only) filter row to ``column`` and type ``text`` as its value."""
    page.locator(".lc-filter-column").select_option(column)
    page.locator(".lc-filter-value").fill(text)
    page.locator(".lc-filter-value").press("Enter")
    page.locator(".lc-filter-value").blur()


def _one_annotated(site: dict[str, Any], title: str) -> tuple[int, int]:
    """A new project of two tasks, the first annotated by the manager (user id 1)."""
    from lc_ui_host import USERS

    core, manager = site["core"], USERS["manager"]
    xml = (
        '<View><Text name="text" value="$text"/><Choices name="c" toName="text">'
        '<Choice value="yes"/><Choice value="no"/></Choices></View>'
    )
    project = core.create_project(manager, title=title, label_config=xml)
    done, _ = core.import_tasks(manager, project.id, [{"text": "a"}, {"text": "b"}]).task_ids
    core.submit_annotation(
        manager,
        done,
        [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["yes"]}}],
    )
    return project.id, done


def test_boolean_filter_applies_what_it_shows(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    from lc_ui_host import USERS

    pid, done = _one_annotated(flask_site, "Drafts filter")
    drafted = next(i for i in flask_site["core"].store.task_ids(pid, TaskQuery()) if i != done)
    flask_site["core"].save_draft(USERS["manager"], drafted, [])
    page = _open_project(watched_page, flask_site, pid)
    expect(page.locator(".lc-task-row")).to_have_count(2)
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    page.locator(".lc-filter-column").select_option("draft_exists")
    expect(page.locator(".lc-filter-value")).to_have_value("true")
    expect(page.locator(".lc-task-row")).to_have_count(1)
    assert ids_shown(page) == [drafted]
    page.locator(".lc-filter-value").select_option("false")
    expect(page.locator(f".lc-task-row[data-task-id='{done}']")).to_have_count(1)
    page.locator(".lc-filter-add").click()  # the panel is drawn again: "no" stays "no"
    expect(page.locator(".lc-filter-value").first).to_have_value("false")
    assert ids_shown(page) == [done]


def test_completed_and_annotated_by_columns_show_the_annotation(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    pid, done = _one_annotated(flask_site, "Columns")
    page = _open_project(watched_page, flask_site, pid)
    row = page.locator(f".lc-task-row[data-task-id='{done}']")
    # the user id comes with its name from the task list: the name is shown
    expect(row.locator("td[data-column='annotators']")).to_have_text("Mia Manager")
    expect(row.locator("td[data-column='updated_by']")).to_have_count(0)  # hidden by default
    completed = row.locator("td[data-column='completed_at']")
    expect(completed).not_to_have_text("")
    # a date in the reader's locale, not the API's raw ISO text
    shown = completed.inner_text()
    assert "T" not in shown and not shown.endswith("Z"), shown
    iso = flask_site["core"].store.get_task(done).completed_at
    assert str(iso.year) in shown


def test_filter_annotated_by_a_typed_integer_user_id(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    """The filter's value box sends text ("1"); the host's user ids are integers."""
    pid, done = _one_annotated(flask_site, "Who filter")
    page = _open_project(watched_page, flask_site, pid)
    expect(page.locator(".lc-task-row")).to_have_count(2)
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    _type_filter(page, "annotators", "1")
    expect(page.locator(".lc-task-row")).to_have_count(1)
    assert ids_shown(page) == [done]


def test_only_queries_the_server_takes_are_offered(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    """Sorting by "Annotated by" or filtering by "Updated by" was offered and answered 400."""
    pid, done = _one_annotated(flask_site, "Offered queries")
    page = _open_project(watched_page, flask_site, pid)
    expect(page.locator(".lc-task-row")).to_have_count(2)
    expect(page.locator("th[data-column='annotators']")).to_have_text("Annotated by")
    expect(page.locator("th[data-column='annotators'] .lc-sort")).to_have_count(0)
    expect(page.locator("th[data-column='id'] .lc-sort")).to_have_count(1)
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    offered = page.locator(".lc-filter-column option").evaluate_all("os => os.map(o => o.value)")
    assert "updated_by" not in offered and "annotators" in offered
    page.locator(".lc-filter-column").select_option("annotations_results")
    ops = page.locator(".lc-filter-operator option").evaluate_all("os => os.map(o => o.value)")
    assert ops == ["contains", "not_contains", "empty"]
    from lc_ui_host import USERS

    [ann] = flask_site["core"].list_annotations(USERS["manager"], done)
    _type_filter(page, "annotations_ids", str(ann.id))
    expect(page.locator(".lc-task-row")).to_have_count(1)
    assert ids_shown(page) == [done]


def test_import_runs_once_while_uploading_and_not_again_after_success(
    watched_page: Any, flask_site: dict[str, Any], tmp_path: Any
) -> None:
    from lc_ui_host import CLASSIFY, USERS

    core, manager = flask_site["core"], USERS["manager"]
    pid = core.create_project(manager, title="Import once", label_config=CLASSIFY).id
    page = watched_page
    login(page, flask_site["url"], "manager")
    page.goto(f"{flask_site['url']}/label/projects/{pid}")
    page.wait_for_selector(".lc-dm-status")
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("text\nGreat phone\nBroke after a week\n")
    page.locator(".lc-import-open").click()
    page.locator(".lc-import-files").set_input_files(str(reviews))
    # a slow upload: the first request is held while the user presses Import again
    held: list[Any] = []
    page.route("**/api/projects/*/import*", lambda route: held.append(route))
    page.locator(".lc-import-go").click()
    page.wait_for_function("() => document.querySelector('.lc-import-progress').hidden === false")
    page.locator(".lc-import-go").evaluate("(b) => b.click()")  # even while it is disabled
    page.wait_for_timeout(300)
    assert len(held) == 1  # one upload at a time
    held[0].continue_()
    page.unroute("**/api/projects/*/import*")
    page.wait_for_selector(".lc-import-result .lc-ok")
    assert page.locator(".lc-import-result").text_content() == "Imported 2 tasks."
    # the imported file is no longer chosen: Import again asks for something to import
    assert page.locator(".lc-import-files").evaluate("(el) => el.files.length") == 0
    page.locator(".lc-import-go").click()
    expect(page.locator(".lc-import-result")).to_have_text(
        "Choose files, enter a URL, or paste tasks first."
    )
    page.locator(".lc-import-close").click()
    page.wait_for_function(
        "() => document.querySelector('.lc-dm-status').textContent === '2 tasks'"
    )
    assert core.project_counts(manager, pid).task_count == 2


def test_import_dialog_offers_media_files_only_where_the_host_keeps_them(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    """This host sets no ``media_store``: the dialog neither says that images, audio and
    video become tasks nor offers them in the file picker (each such file was refused with
    ``media.no_store`` after the dialog had promised it)."""
    page = watched_page
    open_dm(page, flask_site, "Sentiment")
    page.locator(".lc-import-open").click()
    expect(page.locator(".lc-import-files")).to_be_visible()
    assert page.locator(".lc-import-media-hint").count() == 0
    accept = page.locator(".lc-import-files").get_attribute("accept") or ""
    assert accept == ".json,.jsonl,.csv,.tsv,.txt"


def test_a_late_answer_to_an_older_query_does_not_replace_the_newer_one(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    """Each filter change sends a query; when the answer to an older one comes back last
    (the server answers side by side), the table keeps the newest query's rows."""
    from lc_ui_host import USERS

    pid, done = _one_annotated(flask_site, "Late answers")
    drafted = next(i for i in flask_site["core"].store.task_ids(pid, TaskQuery()) if i != done)
    flask_site["core"].save_draft(USERS["manager"], drafted, [])
    page = _open_project(watched_page, flask_site, pid)
    expect(page.locator(".lc-task-row")).to_have_count(2)
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # answered below, after the newer query's answer

    page.route("**/api/tasks?*", hold_the_first)
    page.locator(".lc-filters-toggle").click()
    page.locator(".lc-filter-add").click()
    page.locator(".lc-filter-column").select_option("draft_exists")  # "yes": a query
    for _ in range(50):  # the first query made since the route: held
        if held:
            break
        page.wait_for_timeout(20)
    assert held
    page.locator(".lc-filter-value").select_option("false")
    # the newer answer has filled the table once the drafted row is gone (the done row was
    # already there before either query, so waiting for it proves nothing)
    expect(page.locator(f".lc-task-row[data-task-id='{drafted}']")).to_have_count(0)
    assert ids_shown(page) == [done]
    with page.expect_response(lambda r: "/api/tasks?" in r.url):
        held[0].continue_()  # the older query's answer now arrives last
    page.wait_for_timeout(300)  # time for the page to handle it
    assert ids_shown(page) == [done]
    page.unroute("**/api/tasks?*")


def test_row_buttons_stay_in_sight_when_the_table_is_wider_than_the_page(
    watched_page: Any, flask_site: dict[str, Any]
) -> None:
    """Long texts and many columns make the table wider than the page, which scrolls
    sideways; each row's Label / Quick view buttons stay at the visible right edge (they
    were cut off past it)."""
    from lc_ui_host import USERS

    core, manager = flask_site["core"], USERS["manager"]
    xml = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="y"/></Choices></View>'
    project = core.create_project(manager, title="Wide table", label_config=xml)
    long = "word " * 200
    core.import_tasks(
        manager, project.id, [{"text": long, "source": long, "note": long} for _ in range(3)]
    )
    page = watched_page
    page.set_viewport_size({"width": 1000, "height": 700})
    _open_project(page, flask_site, project.id)
    expect(page.locator(".lc-task-row")).to_have_count(3)
    wrap = page.locator(".lc-dm-table-wrap").bounding_box()
    table = page.locator(".lc-dm-table").bounding_box()
    assert table["width"] > wrap["width"] + 100  # the table does scroll sideways
    for button in page.locator(".lc-task-row .lc-quick-view").all():
        box = button.bounding_box()
        assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1
