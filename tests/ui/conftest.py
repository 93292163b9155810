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
from lc_ui_browser import Harness

STATIC = Path(__file__).resolve().parents[2] / "src" / "labelcore" / "web" / "static"
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
        if "status of 404" in m.text and url.endswith("/favicon.ico"):
            return  # the browser asks every host for one; a host without it is not our error
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


@pytest.fixture(scope="module")
def _harness_page(browser: Any, static_url: str) -> Iterator[Any]:
    # One harness page per test module: mount() replaces the screen (and removes its key
    # listeners and styles), so tests stay independent without paying for a page load each.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.watch = PageWatch()  # type: ignore[attr-defined]
    page.watch.attach(page)  # type: ignore[attr-defined]
    page.goto(f"{static_url}/lc/harness.html")
    page.wait_for_function("() => window.lcHarnessReady === true")
    try:
        yield page
    finally:
        context.close()


@pytest.fixture()
def harness(_harness_page: Any) -> Iterator[Any]:
    """The engine harness page, ready: call harness.mount(config, data, results). The test
    fails on any dialog or console error it caused."""
    page = _harness_page
    watch = page.watch
    watch.errors.clear()
    watch.dialogs.clear()
    page.keyboard.press("Escape")
    yield Harness(page)
    assert page.evaluate("() => window.__xss") is None, "an injected script ran"
    assert watch.dialogs == [], f"a dialog opened: {watch.dialogs}"
    assert watch.errors == [], f"console errors: {watch.errors}"


@pytest.fixture(scope="session")
def flask_site() -> Iterator[dict[str, Any]]:
    """The Flask host with seeded projects: {"url", "core", "projects": {title: id}}."""
    from lc_ui_host import create_flask_app, make_core, serve

    core, ids = make_core("memory://")
    with serve(create_flask_app(core)) as url:
        yield {"url": url, "core": core, "projects": ids}
    core.close()
