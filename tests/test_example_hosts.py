"""Both shipped example hosts, served for real: a user logs in through the host's own form
and sees the seeded demo projects through the labelcore API mounted at /label; Label
Studio's SDK and a requests script written for Label Studio run against each with an API
token; a browser logs in through the Django example's form and labels a task."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from example_hosts import login


def test_example_host_login_and_projects(example_host: tuple[str, str]) -> None:
    host, url = example_host
    anonymous = requests.get(f"{url}/label/api/projects", timeout=30)
    assert anonymous.status_code == 401
    with requests.Session() as session:
        login(session, url, "bob", host=host)
        projects = session.get(f"{url}/label/api/projects", timeout=30).json()["results"]
        assert {p["title"] for p in projects} == {
            "Demo: people, organisations, places",
            "Demo: shapes in images",
        }
        page = session.get(f"{url}/label/", timeout=30)
        assert page.status_code == 200 and "lc-" in page.text


# -- Label Studio clients against the example hosts (issue 6) ------------------------------


CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
</View>"""


def _choice(value: str) -> list[dict[str, Any]]:
    return [
        {
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [value]},
        }
    ]


def _api_token(url: str, host: str, user: str) -> str:
    """A key made the way a user makes one: log in through the host's form, then POST
    /label/api/tokens with the CSRF token of the session."""
    with requests.Session() as session:
        login(session, url, user, host=host)
        csrf = session.get(f"{url}/label/api/csrf-token", timeout=30).json()["csrf_token"]
        r = session.post(
            f"{url}/label/api/tokens",
            json={"name": "script"},
            headers={"X-CSRFToken": csrf, "Referer": f"{url}/label/"},
            timeout=30,
        )
        assert r.status_code == 201, r.text[:300]
        return str(r.json()["key"])


def _filter(column: str, operator: str, value: Any, type_: str = "String") -> dict[str, Any]:
    return {"filter": f"filter:tasks:{column}", "operator": operator, "type": type_, "value": value}


def test_label_studio_sdk_against_example_host(example_host: tuple[str, str]) -> None:
    """Label Studio's own SDK, with a token, against the real example host."""
    from label_studio_sdk import LabelStudio

    host, url = example_host
    ls = LabelStudio(base_url=f"{url}/label", api_key=_api_token(url, host, "alice"))
    project = ls.projects.create(title=f"SDK on {host}", label_config=CONFIG)
    assert ls.projects.get(id=project.id).label_config == CONFIG
    texts = ["I love it", "I hate it", "love and hate"]
    ls.projects.import_tasks(id=project.id, request=[{"text": t} for t in texts])
    tasks = list(ls.tasks.list(project=project.id))
    assert sorted(t.data["text"] for t in tasks) == sorted(texts)
    query = {"filters": {"conjunction": "and", "items": [_filter("data.text", "contains", "love")]}}
    loved = list(ls.tasks.list(project=project.id, query=json.dumps(query)))
    assert sorted(t.data["text"] for t in loved) == ["I love it", "love and hate"]
    by_text = {t.data["text"]: t for t in tasks}
    for text, choice in (("I love it", "Positive"), ("I hate it", "Negative")):
        ann = ls.annotations.create(id=by_text[text].id, result=_choice(choice), lead_time=1.0)
        assert ann.id and ann.result == _choice(choice)
    pred = ls.predictions.create(
        task=by_text["love and hate"].id, result=_choice("Negative"), score=0.5, model_version="m"
    )
    assert [p.id for p in ls.predictions.list(task=by_text["love and hate"].id)] == [pred.id]
    bulk = ls.projects.import_predictions(
        id=project.id,
        request=[{"task": by_text["I hate it"].id, "result": _choice("Negative"), "score": 0.9}],
    )
    assert bulk.created == 1
    body = b"".join(ls.projects.exports.download_sync(id=project.id, export_type="JSON"))
    exported = {t["data"]["text"]: t["annotations"] for t in json.loads(body)}
    # only annotated tasks unless download_all_tasks=true, as in Label Studio
    assert set(exported) == {"I love it", "I hate it"}
    assert exported["I hate it"][0]["result"][0]["value"]["choices"] == ["Negative"]
    # the import page's two steps: keep the tasks without committing, list, then drop them
    kept = ls.projects.import_tasks(
        id=project.id, request=[{"text": "later"}], commit_to_project=False
    )
    (upload_id,) = kept.file_upload_ids
    assert [f.id for f in ls.files.list(id=project.id, all_=True)] == [upload_id]
    assert ls.files.get(id=upload_id).file == "body.json"
    ls.files.delete(id=upload_id)
    assert ls.files.list(id=project.id, all_=True) == []
    assert len(list(ls.tasks.list(project=project.id))) == 3
    # webhooks (inactive: nothing is delivered from the test machine)
    hook = ls.webhooks.create(
        project=project.id, url="http://93.184.215.14/hook", is_active=False,
        send_for_all_actions=False, actions=["ANNOTATION_CREATED"],
    )
    assert [w.id for w in ls.webhooks.list(project=str(project.id))] == [hook.id]
    ls.webhooks.update(id=hook.id, url="http://93.184.215.14/v2")
    assert ls.webhooks.get(id=hook.id).url == "http://93.184.215.14/v2"
    ls.webhooks.delete(id=hook.id)
    assert ls.webhooks.list(project=str(project.id)) == []
    ls.projects.delete(id=project.id)


def label_studio_script(base: str, key: str) -> dict[str, Any]:
    """What people run against Label Studio with requests and a token: create a project,
    upload a file without committing, reimport it, import JSON, list with a filter, label
    through next, export in both spellings of the export type."""
    s = requests.Session()
    s.headers["Authorization"] = f"Token {key}"
    project = s.post(
        f"{base}/api/projects/", json={"title": "Script", "label_config": CONFIG}, timeout=30
    ).json()
    pid = project["id"]
    staged = s.post(
        f"{base}/api/projects/{pid}/import",
        params={"commit_to_project": "false"},
        files={"file": ("reviews.csv", b"text\nI love it\nI hate it\n", "text/csv")},
        timeout=30,
    )
    assert staged.status_code == 201, staged.text[:300]
    ids = staged.json()["file_upload_ids"]
    uploads = s.get(f"{base}/api/projects/{pid}/file-uploads", params={"ids": json.dumps(ids)})
    assert [u["file"] for u in uploads.json()] == ["reviews.csv"]
    done = s.post(f"{base}/api/projects/{pid}/reimport", json={"file_upload_ids": ids})
    assert done.status_code == 201 and done.json()["task_count"] == 2, done.text[:300]
    more = s.post(f"{base}/api/projects/{pid}/import", json=[{"text": "meh"}], timeout=30)
    assert more.json()["task_count"] == 1
    query = {"filters": {"conjunction": "and", "items": [_filter("data.text", "contains", "I ")]}}
    listed = s.get(f"{base}/api/tasks", params={"project": pid, "query": json.dumps(query)}).json()
    labeled = 0
    while True:
        r = s.get(f"{base}/api/projects/{pid}/next", timeout=30)
        if r.status_code == 404:
            break
        r.raise_for_status()
        task = r.json()
        choice = "Positive" if "love" in task["data"]["text"] else "Negative"
        s.post(
            f"{base}/api/tasks/{task['id']}/annotations/",
            json={"result": _choice(choice), "lead_time": 1.5},
            timeout=30,
        ).raise_for_status()
        labeled += 1
    export = s.get(f"{base}/api/projects/{pid}/export", params={"exportType": "JSON"})
    export.raise_for_status()
    csv = s.get(
        f"{base}/api/projects/{pid}/export",
        params={"export_type": "CSV", "download_all_tasks": "true"},
    )
    csv.raise_for_status()
    return {
        "listed": listed,
        "labeled": labeled,
        "export": export.json(),
        "content_disposition": export.headers["Content-Disposition"],
        "csv_lines": csv.text.strip().splitlines(),
    }


def test_label_studio_rest_script_against_example_host(example_host: tuple[str, str]) -> None:
    host, url = example_host
    out = label_studio_script(f"{url}/label", _api_token(url, host, "alice"))
    assert out["listed"]["total"] == 2 and out["listed"]["total_annotations"] == 0
    assert sorted(t["data"]["text"] for t in out["listed"]["tasks"]) == ["I hate it", "I love it"]
    assert out["labeled"] == 3 and "attachment" in out["content_disposition"]
    results = {
        t["data"]["text"]: t["annotations"][0]["result"][0]["value"]["choices"]
        for t in out["export"]
    }
    assert results == {"I love it": ["Positive"], "I hate it": ["Negative"], "meh": ["Negative"]}
    assert len(out["csv_lines"]) == 4  # a header and every task


def test_api_token_scoping_on_example_host(example_host: tuple[str, str]) -> None:
    """A token acts as its user: an annotator's token cannot import, export or configure
    (403), and a revoked or made-up token is refused (401)."""
    host, url = example_host
    base = f"{url}/label"
    manager = requests.Session()
    manager.headers["Authorization"] = f"Token {_api_token(url, host, 'alice')}"
    pid = manager.post(f"{base}/api/projects", json={"title": "Scoped", "label_config": CONFIG})
    pid = pid.json()["id"]
    annotator = requests.Session()
    annotator.headers["Authorization"] = f"Token {_api_token(url, host, 'bob')}"
    imported = annotator.post(f"{base}/api/projects/{pid}/import", json=[{"text": "x"}])
    assert imported.status_code == 403
    assert annotator.get(f"{base}/api/projects/{pid}/export").status_code == 403
    assert annotator.patch(f"{base}/api/projects/{pid}", json={"title": "y"}).status_code == 403
    assert annotator.delete(f"{base}/api/projects/{pid}").status_code == 403
    r = requests.get(f"{base}/api/projects", headers={"Authorization": "Token not-a-key"})
    assert r.status_code == 401 and r.json()["status_code"] == 401
    manager.delete(f"{base}/api/projects/{pid}")


@pytest.mark.browser
def test_browser_labels_a_task_on_the_django_example(
    browser: Any, django_example_url: str
) -> None:
    """Log in through the Django example's own form, open a project from the list and
    label a task; the annotation is read back through the API."""
    from playwright.sync_api import expect

    url = django_example_url
    key = _api_token(url, "django", "alice")
    api = requests.Session()
    api.headers["Authorization"] = f"Token {key}"
    pid = api.post(
        f"{url}/label/api/projects", json={"title": "Browser sentiment", "label_config": CONFIG}
    ).json()["id"]
    api.post(f"{url}/label/api/projects/{pid}/import", json=[{"text": "What a lovely day"}])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    try:
        page.goto(f"{url}/label/")
        page.wait_for_url("**/login/**")
        page.locator("input[name=username]").fill("bob")
        page.locator("input[name=password]").fill("bob")
        page.locator("button[type=submit]").click()
        page.wait_for_url("**/label/**")
        row = page.locator(".lc-project-row", has_text="Browser sentiment")
        expect(row).to_have_count(1)
        row.locator("a", has_text="Label").click()
        expect(page.locator(".lc-labeling .lc-main")).to_be_visible()
        expect(page.locator(".lc-text")).to_have_text("What a lovely day")
        page.locator(".lc-choice", has_text="Positive").click()
        page.keyboard.press("Control+Enter")
        expect(page.locator(".lc-message")).to_have_class(re.compile("lc-message-ok"))
    finally:
        context.close()
    # after the submit the page asks for the next task: 404, none left (as Label Studio)
    assert [u for u in missing if not u.endswith(f"/api/projects/{pid}/next")] == []
    tasks = api.get(f"{url}/label/api/tasks", params={"project": pid, "fields": "all"}).json()
    (task,) = tasks["tasks"]
    (ann,) = task["annotations"]
    assert ann["result"][0]["value"]["choices"] == ["Positive"]


def test_example_host_header_is_styled_and_logs_out_from_labelcore_pages(
    example_host: tuple[str, str],
) -> None:
    """labelcore's pages sit in the host's layout: the host's stylesheet is linked and
    served, and the host's own log-out form (with the host's CSRF token, which labelcore's
    page context hands to the layout) signs the user out."""
    host, url = example_host
    with requests.Session() as session:
        login(session, url, "bob", host=host)
        page = session.get(f"{url}/label/", timeout=30)
        assert page.status_code == 200
        sheet = re.search(r'<link rel="stylesheet" href="(/static/host\.css)"', page.text)
        assert sheet, "the host's stylesheet is not linked from labelcore's page"
        css = session.get(url + sheet.group(1), timeout=30)
        assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
        logout = r'<form method="post" action="(/logout/?)"[^>]*>(.*?)</form>'
        form = re.search(logout, page.text, re.S)
        assert form, "no log-out form in the host's header"
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]+)"', form.group(2)))
        assert fields, "the log-out form carries no CSRF token"
        out = session.post(
            url + form.group(1), data=fields, headers={"Referer": f"{url}/label/"}, timeout=30
        )
        assert out.status_code < 400, out.text[:300]
        assert session.get(f"{url}/label/api/projects", timeout=30).status_code == 401
