"""The Flask example served by gunicorn with two worker processes on one SQLite file, as
docs/deployment.md tells a host to run it: annotators working at once over HTTP never push a
task past its overlap, and every slot is served."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from labelcore import LabelCore, User

pytest.importorskip("gunicorn", reason="gunicorn is in the dev extra: pip install -e '.[dev]'")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="c" toName="text"><Choice value="yes"/><Choice value="no"/></Choices></View>"""
MANAGER = User(id=1, name="Alice Manager", roles={"manager"})  # the example's "alice"
ANNOTATORS = [User(id=200 + i, name=f"annotator {i}", roles={"annotator"}) for i in range(4)]
TASKS, OVERLAP = 12, 2


@pytest.fixture()
def gunicorn_app(tmp_path: Path) -> Iterator[tuple[str, int, int, dict[int, str]]]:
    """(database URL, port, project id, token per annotator) of the example app under
    gunicorn, 2 gthread workers x 2 threads, on a SQLite file prepared here."""
    url = f"sqlite:///{tmp_path / 'lc.db'}"
    core = LabelCore(store=url, start_jobs=False)
    project = core.create_project(
        MANAGER, title="overlap", label_config=CONFIG, maximum_annotations=OVERLAP
    )
    core.import_tasks(MANAGER, project.id, [{"text": f"task {i}"} for i in range(TASKS)])
    keys = {}
    for user in ANNOTATORS:
        core.identify(user)
        keys[user.id] = core.create_token(user, name="test").key
    core.close()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    env = dict(
        os.environ,
        LC_TEST_DB=url,
        LC_TEST_SECRET="s" * 32,
        LC_TEST_ANNOTATORS=json.dumps([u.id for u in ANNOTATORS]),
    )
    # the documented command: gunicorn -w 2 -k gthread --threads 2 module:app
    cmd = [sys.executable, "-m", "gunicorn", "--pythonpath", f"{HERE},{REPO}"]
    cmd += ["-w", "2", "-k", "gthread", "--threads", "2", "-b", f"fd://{sock.fileno()}"]
    cmd += ["--log-level", "warning", "lc_gunicorn_app:app"]
    proc = subprocess.Popen(cmd, env=env, pass_fds=[sock.fileno()], cwd=str(tmp_path))
    port = sock.getsockname()[1]
    sock.close()
    try:
        deadline = time.monotonic() + 120
        while True:  # the listening socket exists already: wait for a worker to answer
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/label/api/projects")
                assert conn.getresponse().status == 401
                conn.close()
                break
            except OSError:
                assert proc.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        yield url, port, project.id, keys
    finally:
        proc.terminate()
        proc.wait(30)


def test_two_gunicorn_workers_on_one_sqlite_file_keep_the_overlap(
    gunicorn_app: tuple[str, int, int, dict[int, str]],
) -> None:
    url, port, project_id, keys = gunicorn_app
    labeled: dict[int, list[int]] = {u.id: [] for u in ANNOTATORS}
    errors: list[str] = []

    def annotate(user_id: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # keep-alive
        headers = {"Authorization": f"Token {keys[user_id]}", "Content-Type": "application/json"}
        for _ in range(TASKS + 1):
            conn.request("GET", f"/label/api/projects/{project_id}/next", headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 404:
                return
            if resp.status != 200:
                errors.append(f"next: {resp.status} {body[:200]!r}")
                return
            task = json.loads(body)["id"]
            result = [{"from_name": "c", "to_name": "text", "type": "choices",
                       "value": {"choices": ["yes"]}}]  # fmt: skip
            payload = json.dumps({"result": result}).encode()
            conn.request("POST", f"/label/api/tasks/{task}/annotations/", payload, headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 201:
                errors.append(f"submit: {resp.status} {body[:200]!r}")
                return
            labeled[user_id].append(task)
        errors.append("an annotator was never told that nothing is left")

    threads = [threading.Thread(target=annotate, args=(u.id,)) for u in ANNOTATORS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    for tasks in labeled.values():
        assert len(tasks) == len(set(tasks)), "an annotator got the same task twice"
    per_task = Counter(t for tasks in labeled.values() for t in tasks)
    assert max(per_task.values()) <= OVERLAP
    assert sum(per_task.values()) == TASKS * OVERLAP  # every slot served, none twice
    core = LabelCore(store=url, start_jobs=False)  # what was stored agrees
    try:
        for task_id, times in per_task.items():
            users = [a.completed_by for a in core.store.list_annotations(task_id=task_id)]
            assert len(users) == len(set(users)) == times
    finally:
        core.close()
