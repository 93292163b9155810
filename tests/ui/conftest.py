"""Browser fixtures for the UI tests: one Chromium per session, a page per test that fails the
test on any console error, page error or dialog (an XSS payload that ran shows up as one).

The engine tests use a tiny static server for src/labelcore/web/static that sends the same kind
of strict Content-Security-Policy the real pages send, so inline script or style would fail.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "labelcore" / "web" / "static"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
    }

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="session")
def static_url() -> Iterator[str]:
    handler = functools.partial(_StaticHandler, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


class PageWatch:
    """Console errors, page errors and dialogs seen by one page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def _console(self, m: Any) -> None:
        if m.type != "error":
            return
        url = (m.location or {}).get("url", "")
        # Label Studio's API answers "no task left" with a 404 on /next; the browser logs
        # every non-2xx fetch. That one is the normal end of "label all tasks".
        if "status of 404" in m.text and url.split("?")[0].endswith("/next"):
            return
        self.errors.append(f"{m.text} ({url})")

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", on_dialog)


@pytest.fixture()
def watched_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = PageWatch()
    watch.attach(page)
    page.watch = watch  # type: ignore[attr-defined]
    try:
        yield page
        assert watch.dialogs == [], f"a dialog opened: {watch.dialogs}"
        assert watch.errors == [], f"console errors: {watch.errors}"
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture()
def harness(watched_page: Any, static_url: str) -> Any:
    """The engine harness page, ready: call harness.mount(config, data, results)."""
    watched_page.goto(f"{static_url}/lc/harness.html")
    watched_page.wait_for_function("() => window.lcHarnessReady === true")
    return Harness(watched_page)


class Harness:
    def __init__(self, page: Any) -> None:
        self.page = page

    def mount(
        self, config: str, data: dict[str, Any] | None = None, results: list[Any] | None = None
    ) -> None:
        self.page.evaluate(
            "([c, d, r]) => window.lcHarness.mount(c, d, r)", [config, data or {}, results or []]
        )

    def result(self) -> list[dict[str, Any]]:
        return self.page.evaluate("() => window.lcHarness.result()")  # type: ignore[no-any-return]

    def call(self, name: str, *args: Any) -> Any:
        return self.page.evaluate(f"(a) => window.lcHarness.{name}(...a)", list(args))

    def drag_select(self, selector: str, substring: str, occurrence: int = 0) -> None:
        """Select `substring` inside the element with a real mouse drag."""
        box = self.page.evaluate(
            """([sel, sub, occ]) => {
              const root = document.querySelector(sel);
              const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
              let all = "", nodes = [];
              for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
              let at = -1; for (let i = 0; i <= occ; i++) at = all.indexOf(sub, at + 1);
              if (at < 0) throw new Error("not found: " + sub);
              const pos = (x) => { for (const [n, s] of nodes) if (x >= s && x < s + n.data.length) return [n, x - s]; };
              const r1 = document.createRange(); const [n1, o1] = pos(at); r1.setStart(n1, o1); r1.setEnd(n1, o1 + 1);
              const end = at + sub.length; const [n2, o2] = pos(end - 1); const r2 = document.createRange(); r2.setStart(n2, o2); r2.setEnd(n2, o2 + 1);
              const a = r1.getClientRects()[0], b = r2.getClientRects()[0];
              return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
            }""",
            [selector, substring, occurrence],
        )
        m = self.page.mouse
        m.move(box["x1"], box["y1"])
        m.down()
        m.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=3)
        m.move(box["x2"], box["y2"], steps=3)
        m.up()


def strip_ids(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results without the random ids (relations keep their shape, ids replaced by indexes)."""
    ids = [r["id"] for r in results if "id" in r]
    out = []
    for r in results:
        r = dict(r)
        if "id" in r:
            r["id"] = f"#{ids.index(r['id'])}"
        if r.get("type") == "relation":
            r["from_id"] = f"#{ids.index(r['from_id'])}"
            r["to_id"] = f"#{ids.index(r['to_id'])}"
        out.append(r)
    return out


@pytest.fixture(scope="session")
def flask_site() -> Iterator[dict[str, Any]]:
    """The Flask host with seeded projects: {"url", "core", "projects": {title: id}}."""
    from lc_ui_host import create_flask_app, make_core, serve

    core, ids = make_core("memory://")
    with serve(create_flask_app(core)) as url:
        yield {"url": url, "core": core, "projects": ids}
    core.close()


def login(page: Any, base_url: str, who: str) -> None:
    page.context.add_cookies([{"name": "who", "value": who, "url": base_url}])
