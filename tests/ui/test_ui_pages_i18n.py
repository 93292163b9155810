"""Every word labelcore's server-drawn pages show goes through the translation function:
rendered under a translation that marks each message, a page's visible text holds no
English word outside the marks (the pages' own data is chosen without Latin letters)."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from labelcore import LabelCore, User
from labelcore.web import i18n

MANAGER = User(id=1, name="Σ1", email="", roles=frozenset({"manager"}))
ANNOTATOR = User(id=2, name="Σ2", email="", roles=frozenset({"annotator"}))
REVIEWER = User(id=3, name="Σ3", email="", roles=frozenset({"reviewer"}))
USERS = {"m": MANAGER, "a": ANNOTATOR, "r": REVIEWER}
# a labeling config whose visible words (labels, choices) have no Latin letter
CONFIG = """<View>
  <Image name="img" value="$img"/>
  <RectangleLabels name="box" toName="img"><Label value="Ж"/></RectangleLabels>
  <Choices name="c" toName="img"><Choice value="Ω"/><Choice value="Ψ"/></Choices>
</View>"""
IMAGE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="


class _Marked(gettext.NullTranslations):
    """Each message comes back as ⟦message⟧."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"


class _Text(HTMLParser):
    """The text a reader sees: text nodes and the attributes read aloud or shown, minus
    JSON data blocks, code (``pre``, ``code``, ``textarea``) and the host layout around ``lc-root``."""

    SHOWN_ATTRS = ("title", "aria-label", "placeholder", "alt")
    SKIP = ("script", "style", "pre", "code", "textarea", "title")

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in self.SHOWN_ATTRS and value:
                self.runs.append(value)
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.runs.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.runs.append(data)


# what the pages show that is data, not labelcore's words: the config's names, the task's
# image URL, a colour's format, and the core's error details (English, as in the API's
# answers; the error page's own words are translated)
DATA = ("img", "box", IMAGE, "#RRGGBB")
CORE_ERRORS = ("project 100 not found", "your role in this project may not change its settings")


def untranslated(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    left = []
    for run in parser.runs:
        if run.strip() in CORE_ERRORS:
            continue
        outside = re.sub(r"⟦[^⟧]*⟧", " ", run)
        for word in DATA:
            outside = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", outside)
        if re.search(r"[A-Za-z]{2,}", outside):
            left.append(run.strip())
    return left


@pytest.fixture()
def site() -> Any:
    import flask

    from labelcore_flask import LabelcoreFlask

    core = LabelCore(store="memory://")
    for u in USERS.values():
        core.identify(u)  # the names the pages show
    project = core.create_project(MANAGER, title="№ 7", label_config=CONFIG)
    tasks = core.import_tasks(MANAGER, project.id, [{"img": IMAGE}, {"img": IMAGE}]).task_ids
    box = {
        "id": "r1",
        "from_name": "box",
        "to_name": "img",
        "type": "rectanglelabels",
        "value": {"x": 10, "y": 10, "width": 20, "height": 20, "rotation": 0, "rectanglelabels": ["Ж"]},
    }
    done = core.submit_annotation(ANNOTATOR, tasks[0], [box])
    other = core.submit_annotation(MANAGER, tasks[0], [box])
    core.reject_annotation(REVIEWER, other.id, comment="—")
    core.add_predictions(
        MANAGER, project.id, [{"task": tasks[0], "result": [box], "model_version": "1", "score": 0.5}]
    )
    core.create_token(MANAGER, "Σ")  # the tokens page's table: a live and a revoked key
    core.revoke_token(MANAGER, core.create_token(MANAGER, "Ψ").token.id)
    app = flask.Flask("lc_i18n_test")
    app.config["SECRET_KEY"] = "i18n-test-secret-0123456789"
    LabelcoreFlask(core, identify=lambda r: USERS.get(r.cookies.get("who", ""))).init_app(
        app, url_prefix="/label"
    )
    return app.test_client(), project.id, tasks, done


def test_every_page_word_goes_through_the_translation_function(site: Any) -> None:
    client, pid, tasks, done = site
    pages = {
        "m": [
            "/label/",
            "/label/projects/new",
            f"/label/projects/{pid}",
            f"/label/projects/{pid}/settings",
            f"/label/projects/{pid}/label",
            f"/label/projects/{pid}/stats",
            f"/label/projects/{pid}/tasks/{tasks[0]}/review",
            f"/label/projects/{pid}/review/rejected",
            f"/label/projects/{pid + 99}",
            "/label/tokens",
        ],
        "nobody": ["/label/"],
        "r": [f"/label/projects/{pid}/review", f"/label/projects/{pid}/tasks/{tasks[0]}/review"],
        "a": [f"/label/projects/{pid}/settings"],
    }
    i18n.set_translations(_Marked())
    try:
        found = {}
        for who, urls in pages.items():
            client.set_cookie("who", who)
            for url in urls:
                html = client.get(url, headers={"Accept": "text/html"}).get_data(as_text=True)
                start = html.rfind("<", 0, html.find('class="lc-root'))
                root = html[start:] if 'class="lc-root' in html else html
                left = untranslated(root)
                if left:
                    found[f"{who} {url}"] = left
    finally:
        i18n.set_translations(None)
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
