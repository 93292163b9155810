"""Shared fixtures: PostgreSQL databases per test run, browser availability, CI rules.

Outside CI, tests that need PostgreSQL or Chromium skip with a message saying what to start;
in CI (``CI=true``) they must run, so a missing service fails them instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "LABELCORE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CHROMIUM = os.environ.get("LABELCORE_TEST_CHROMIUM", "/usr/bin/chromium")


def _need(what: str, how: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required in CI but not available: {how}")
    pytest.skip(f"{what} not available; {how}")


def _pg_admin_connect() -> object:
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(dsn, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A base URL of a reachable PostgreSQL server (skips outside CI when there is none)."""
    try:
        conn = _pg_admin_connect()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        _need("PostgreSQL at 127.0.0.1:5432", f"start it (pg_ctlcluster ... main start): {exc}")
    conn.close()  # type: ignore[attr-defined]
    yield PG_ADMIN_URL


@pytest.fixture()
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"lc_test_{uuid.uuid4().hex[:12]}"
    conn = _pg_admin_connect()
    conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    try:
        yield pg_server.rsplit("/", 1)[0] + "/" + name
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's chromium for Playwright (skips outside CI when it is missing)."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _need("Debian chromium", "install it: apt-get install chromium")
    return CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    """One headless Chromium per test process, shared by every browser suite (Playwright's
    sync API allows only one running instance per thread)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=chromium_path, args=BROWSER_ARGS)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture(scope="module")
def flask_example_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded Flask example host (examples/flask_app), served on 127.0.0.1."""
    from example_hosts import serve_flask_example

    with serve_flask_example(tmp_path_factory.mktemp("flask-example")) as url:
        yield url


@pytest.fixture(scope="module")
def django_example_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded Django example host (examples/django_project), served on 127.0.0.1 by a
    subprocess with the example's own settings."""
    from example_hosts import serve_django_example

    with serve_django_example(tmp_path_factory.mktemp("django-example")) as url:
        yield url


@pytest.fixture(scope="module", params=["flask", "django"])
def example_host(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(host name, base URL) of each shipped example host in turn."""
    name = str(request.param)
    return name, str(request.getfixturevalue(f"{name}_example_url"))
