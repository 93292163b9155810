"""Server-side checks of the pages (no browser): every page renders inside the host's layout,
carries the CSP nonce policy, embeds data only in escaped JSON blocks, translates through
one function; the shipped JavaScript and templates stay CSP-clean."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
from lc_ui_host import USERS, make_core

from labelcore import parse_config
from labelcore.web import i18n
from labelcore.web.pages import GALLERY, gallery

WEB = Path(__file__).resolve().parents[2] / "src" / "labelcore" / "web"


def client(who: str | None = "manager", **options: Any) -> tuple[Any, dict[str, int], Any]:
    import flask

    from labelcore_flask import LabelcoreFlask

    core, ids = make_core("memory://")
    app = flask.Flask("lc_render_test")
    app.config["SECRET_KEY"] = "render-test-secret-0123456789"
    LabelcoreFlask(
        core, identify=lambda r: USERS.get(r.cookies.get("who", "")), **options
    ).init_app(app, url_prefix="/label")
    c = app.test_client()
    if who:
        c.set_cookie("who", who)
    return c, ids, core


def pages(ids: dict[str, int]) -> list[str]:
    p = ids["NER"]
    return [
        "/label/",
        "/label/projects/new",
        f"/label/projects/{p}",
        f"/label/projects/{p}/settings",
        f"/label/projects/{p}/label",
        f"/label/projects/{p}/review",
        f"/label/projects/{p}/review/rejected",
        f"/label/projects/{p}/stats",
    ]


def test_every_page_renders_with_a_nonce_csp_and_no_inline_script() -> None:
    c, ids, _ = client()
    for url in pages(ids):
        r = c.get(url)
        assert r.status_code == 200, url
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
        html = r.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'type="application/json"' in tag or ('type="module"' in tag and "src=" in tag), (
                tag
            )
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"\sstyle\s*=", html), url


def test_ghsa_2mq9_script_close_in_project_data_cannot_break_out() -> None:
    c, ids, core = client()
    evil = "</script><script>alert(1)</script>"
    core.update_project(USERS["manager"], ids["NER"], title="x" + evil[:40], description=evil)
    html = c.get(f"/label/projects/{ids['NER']}/settings").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    block = re.search(
        r'<script type="application/json" id="lc-page-data">(.*?)</script>', html, re.S
    )
    assert block is not None
    assert json.loads(block.group(1))["project"]["description"] == evil


def test_anonymous_visitors_are_refused_and_invisible_projects_are_404() -> None:
    c, ids, core = client(who=None)
    assert c.get("/label/").status_code == 401
    c2, ids2, core2 = client(who="annotator")
    core2.set_members(USERS["manager"], ids2["NER"], {USERS["manager"].id: "manager"})
    assert c2.get(f"/label/projects/{ids2['NER']}").status_code == 404
    assert c2.get(f"/label/projects/{ids2['NER']}/label").status_code == 404


def test_host_base_template_wraps_every_page() -> None:
    host = jinja2.DictLoader(
        {
            "host/layout.html": "<html><body><nav id='host-nav'>Host</nav>{% block lc_head %}{% endblock %}"
            "<div id='host-main'>{% block lc_content %}{% endblock %}</div>"
            "<script nonce='{{ csp_nonce }}'>/* host */</script>{% block lc_scripts %}{% endblock %}</body></html>"
        }
    )
    c, ids, _ = client(template_loader=host, base_template="host/layout.html")
    for url in pages(ids):
        r = c.get(url)
        html = r.get_data(as_text=True)
        assert "id='host-nav'" in html and "lc-root" in html, url
        nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
        assert f"<script nonce='{nonce}'>" in html


def test_host_layout_with_the_common_block_names_wraps_every_page() -> None:
    """flask.md: a layout may use title/head/content/scripts instead of the lc_* blocks (the
    example hosts do); every page, the review and statistics pages too, fills them and brings
    its stylesheets."""
    host = jinja2.DictLoader(
        {
            "host/layout.html": "<html><head>{% block head %}{% endblock %}</head><body>"
            "<nav id='host-nav'>Host</nav><div id='host-main'>{% block content %}{% endblock %}"
            "</div>{% block scripts %}{% endblock %}</body></html>"
        }
    )
    c, ids, core = client(template_loader=host, base_template="host/layout.html")
    [task] = core.import_tasks(USERS["manager"], ids["NER"], [{"text": "Alice"}]).task_ids
    for url in [*pages(ids), f"/label/projects/{ids['NER']}/tasks/{task}/review"]:
        html = c.get(url).get_data(as_text=True)
        main = html.split("<div id='host-main'>", 1)[1]
        assert main.lstrip().startswith('<div class="lc-root'), url
        assert "lc/pages/pages.css" in html, url


def test_review_and_statistics_pages_lead_back_to_the_data_manager() -> None:
    """The quick view (opened from the data manager), the review, rejected-work and
    statistics pages were dead ends: no link back to the project."""
    c, ids, core = client()
    p = ids["NER"]
    [task] = core.import_tasks(USERS["manager"], p, [{"text": "Alice"}]).task_ids
    back = f'href="/label/projects/{p}"'
    for url in [f"/label/projects/{p}/tasks/{task}/review", *pages(ids)[-3:]]:
        assert back in c.get(url).get_data(as_text=True), url


class _German(gettext.NullTranslations):
    WORDS = {
        "Projects": "Projekte",
        "Undo": "Rückgängig",
        "Text classification": "Textklassifikation",
    }

    def gettext(self, message: str) -> str:
        return self.WORDS.get(message, message)


def test_pages_and_browser_strings_translate_through_one_function() -> None:
    assert {"Undo", "Submit", "Keyboard shortcuts", "Import tasks"} <= i18n.js_messages()
    i18n.set_translations(_German())
    try:
        c, ids, _ = client()
        html = c.get("/label/").get_data(as_text=True)
        assert '<h1 class="lc-page-title">Projekte</h1>' in html
        assert i18n.js_catalog() == {"Undo": "Rückgängig"}
        assert '"Undo": "Rückgängig"' in c.get(f"/label/projects/{ids['NER']}/label").get_data(
            as_text=True
        )
        assert gallery()[0]["title"] == "Textklassifikation"
    finally:
        i18n.set_translations(None)
    assert i18n.gettext("Projects") == "Projects"


@pytest.mark.parametrize("key", [k for k, _ in GALLERY])
def test_gallery_template_is_a_valid_config(key: str) -> None:
    xml = (WEB / "templates" / "labelcore" / "gallery" / f"{key}.xml").read_text("utf-8")
    cfg = parse_config(xml)
    assert cfg.controls, key
    assert cfg.sample_task()


def test_ghsa_8jhr_config_sample_post_endpoint_sanitizes_hypertext_and_reports_problems() -> None:
    c, _, _ = client()
    token = c.get("/label/api/csrf-token").get_json()
    headers = {"X-CSRFToken": token.get("csrf_token") or token.get("token", "")}
    xml = '<View><HyperText name="h" value="$html"/><!-- {"data": {"html": "<img src=x onerror=alert(1)><b>b</b>"}} --></View>'
    r = c.post("/label/ui/config-sample", json={"label_config": xml}, headers=headers)
    body = r.get_json()
    assert r.status_code == 200 and body["valid"] is True, body
    assert "onerror" not in body["data"]["html"] and "<b>b</b>" in body["data"]["html"]
    bad = c.post(
        "/label/ui/config-sample",
        json={"label_config": "<View><Labels name='l' toName='nope'/></View>"},
        headers=headers,
    ).get_json()
    assert (
        bad["valid"] is False and bad["problems"] and all("message" in p for p in bad["problems"])
    )


FORBIDDEN_JS = [
    (r"\beval\s*\(", "eval"),
    (r"new\s+Function\s*\(", "new Function"),
    (r"\.(outerHTML|insertAdjacentHTML)\b", "HTML string insertion"),
    (r"document\.write", "document.write"),
    (r"setAttribute\(\s*['\"]on", "inline handler"),
    (r"setAttribute\(\s*['\"]style", "style attribute"),
    (r"setTimeout\(\s*['\"]", "string timer"),
]


def test_static_javascript_is_csp_clean_and_never_assigns_html() -> None:
    files = sorted((WEB / "static").rglob("*.js"))
    assert len(files) > 10
    for path in files:
        src = path.read_text("utf-8")
        for pattern, what in FORBIDDEN_JS:
            assert not re.search(pattern, src), f"{what} in {path.name}"
        inner = re.findall(r"\.innerHTML\s*=", src)
        # the one allowed use: parsing sanitized HyperText into a detached, inert <template>
        assert not inner or (path.name == "safehtml.js" and len(inner) == 1), path.name
        assert ".min." not in path.name


def test_templates_have_no_inline_handlers_styles_or_scripts() -> None:
    for path in (WEB / "templates").rglob("*.html"):
        src = path.read_text("utf-8")
        assert not re.search(r"\son[a-z]+\s*=", src), path.name
        assert not re.search(r"\sstyle\s*=", src), path.name
        assert "|safe" not in src, path.name


def test_css_only_styles_labelcore_classes() -> None:
    for path in (WEB / "static").rglob("*.css"):
        css = re.sub(r"/\*.*?\*/", "", path.read_text("utf-8"), flags=re.S)
        for block in re.findall(r"([^{}]+)\{[^{}]*\}", css):
            for selector in block.split(","):
                sel = selector.strip()
                if not sel or sel.startswith("@") or sel.startswith("#lc-h-"):
                    continue
                assert sel.startswith((".lc-", ".lc-root", ".lc-labeling")), f"{path.name}: {sel}"


def test_settings_form_values_are_escaped_attributes() -> None:
    c, ids, core = client()
    evil = '"><img src=x onerror=alert(1)><input value="'
    core.update_project(USERS["manager"], ids["NER"], model_version=evil[:200])
    html = c.get(f"/label/projects/{ids['NER']}/settings").get_data(as_text=True)
    assert "<img src=x" not in html
    assert 'id="lc-set-model_version"' in html
    assert 'value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;input value=&#34;"' in html


def test_data_manager_says_whether_media_files_can_be_imported(tmp_path: Path) -> None:
    """The import dialog promises "Images, audio and video files become one task each" only
    where the host keeps uploads (``media_store``); elsewhere every such file was a 400
    ``media.no_store`` after the dialog had offered it."""

    def page_data(c: Any, pid: int) -> dict[str, Any]:
        html = c.get(f"/label/projects/{pid}").get_data(as_text=True)
        block = re.search(r'id="lc-page-data">(.*?)</script>', html, re.S)
        assert block is not None
        return dict(json.loads(block.group(1)))

    c, ids, _ = client()
    assert page_data(c, ids["NER"])["mediaUploads"] is False
    c, ids, _ = client(media_store=str(tmp_path))
    assert page_data(c, ids["NER"])["mediaUploads"] is True
