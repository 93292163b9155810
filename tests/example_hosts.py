"""The two shipped example hosts (examples/flask_app, examples/django_project) served for
real on 127.0.0.1, for tests that drive them the way a user or a script would.

``serve_flask_example(tmp)`` runs the Flask host in a thread of this process;
``serve_django_example(tmp)`` runs the Django host in a subprocess with its own settings
(``examples.django_project.demo_site.settings``): migrate, ``labelcore_migrate``,
``seed_demo``, then a threaded WSGI server. Both yield the base URL; both seed the demo
users (alice/bob/carol, password = user name) and the demo projects.

Use them through the fixtures in tests/conftest.py: ``flask_example_url``,
``django_example_url`` or ``example_host_url`` (parametrized over both).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DJANGO_SERVER = r"""
import os, sys, socketserver, django
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("labelcore_migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.wsgi import get_wsgi_application

class Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

httpd = make_server("127.0.0.1", 0, StaticFilesHandler(get_wsgi_application()),
                    server_class=Server, handler_class=Quiet)
print(f"SERVING {httpd.server_port}", flush=True)
httpd.serve_forever()
"""


@contextmanager
def serve_flask_example(tmp: Path, *, db_url: str | None = None) -> Iterator[str]:
    """The Flask example host (seeded) on a free port of 127.0.0.1, in a thread."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from examples.flask_app import create_app
    from werkzeug.serving import make_server

    app = create_app(db_url=db_url or f"sqlite:///{tmp / 'flask-demo.db'}", seed=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        core = app.extensions.get("labelcore_core")
        if core is not None and hasattr(core, "close"):
            core.close()


@contextmanager
def serve_django_example(tmp: Path, *, store_url: str | None = None) -> Iterator[str]:
    """The Django example host (seeded) on a free port of 127.0.0.1, in a subprocess."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "examples.django_project.demo_site.settings",
        "DEMO_DATA_DIR": str(tmp),
        "LABELCORE_DEMO_DB": store_url or f"sqlite:///{tmp / 'labelcore-demo.db'}",
    }
    log = open(tmp / "django-example.log", "w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-u", "-c", DJANGO_SERVER],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
        cwd=tmp,
    )
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # the seed command prints what it made; then SERVING <port>
            match = re.match(r"SERVING (\d+)", line)
            if match:
                break
            seen.append(line)
        else:
            proc.wait(timeout=30)
            log.seek(0)
            raise RuntimeError(f"the Django example did not start: {seen}\n{log.read()[-3000:]}")
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def login(session: object, base_url: str, username: str, *, host: str) -> None:
    """Log a ``requests.Session`` in through the example host's own login form
    (``host`` is "flask" or "django"; the password is the user name)."""
    import requests

    assert isinstance(session, requests.Session)
    path = "/login/" if host == "django" else "/login"
    page = session.get(base_url + path, timeout=30)
    data = {"username": username, "password": username}
    # the hosts' own form tokens: Django's CSRF field, the Flask example's form_token
    for field in ("csrfmiddlewaretoken", "form_token"):
        token = re.search(rf'name="{field}" value="([^"]+)"', page.text)
        if token:
            data[field] = token.group(1)
    response = session.post(
        base_url + path, data=data, headers={"Referer": base_url + path}, timeout=30
    )
    response.raise_for_status()
    check = session.get(base_url + "/label/api/current-user/whoami", timeout=30)
    assert check.status_code == 200, (check.status_code, check.text[:300])
