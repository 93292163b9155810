"""Over-HTTP measurements: the Flask example app on a real WSGI server, Label Studio's REST paths.

    import over_http
    res = over_http.run({"op": "http_all", "backend": "sqlite", "wl": "wl-10000", ...})
    res["samples"]["page_plain"], res["rss_detail"]      # client timings, server peak RSS

The server is ``examples/flask_app``'s ``create_app(db_url=..., seed=False)`` (labelcore under
``/label``) served on 127.0.0.1 (a port the OS picks) by gunicorn, the production WSGI server
(:data:`DEFAULT_SERVER`: ``gthread`` workers, N worker processes x M threads; or ``sync``
workers), or, for comparison, by werkzeug's threaded development server (one process). It
runs in its own process tree, restarted per measurement so each server peak RSS (``VmHWM``,
the largest process of the tree) and CPU (summed over the tree) are separate. The client
sends what a Label Studio client sends: ``Authorization: Token <key>``,
``POST /api/projects/{id}/import``, ``GET /api/tasks/`` with ``query=`` JSON,
``GET /api/projects/{id}/next``, ``POST /api/tasks/{id}/annotations/``,
``GET /api/projects/{id}/export?exportType=...``.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import harness
import inprocess

#: where the example app mounts labelcore (``init_app(app, url_prefix="/label")``)
PREFIX = "/label"

#: how the example app is served (``--server``, ``--workers``, ``--threads`` of run.py)
DEFAULT_SERVER: dict[str, Any] = {
    "kind": "gunicorn",
    "worker_class": "gthread",
    "workers": 2,
    "threads": 4,
}


def describe_server(server: dict[str, Any]) -> str:
    """One line for RESULTS.md: which WSGI server, how many processes and threads."""
    if server["kind"] == "werkzeug":
        from importlib import metadata

        return (
            f"werkzeug {metadata.version('werkzeug')} development server (threaded, one process,"
            " a thread per connection, request log on)"
        )
    from importlib import metadata

    version = metadata.version("gunicorn")
    if server.get("worker_class", "gthread") == "sync":
        return (
            f"gunicorn {version}, {server['workers']} sync worker processes (one request at a time"
            " each, no keep-alive)"
        )
    return (
        f"gunicorn {version}, {server['workers']} gthread worker processes x"
        f" {server['threads']} threads (keep-alive), no access log"
    )


class Client:
    """A keep-alive HTTP/1.1 client for one user (one connection; not thread-safe); paths
    are Label Studio's, below :data:`PREFIX`."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(
        self, method: str, path: str, body: bytes | None = None, *, stream: bool = False
    ) -> tuple[int, Any]:
        path = PREFIX + path
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        if stream:
            size = 0
            while chunk := resp.read(1 << 16):
                size += len(chunk)
            return resp.status, size
        raw = resp.read()
        if not raw:
            return resp.status, None
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw[:300]

    def json(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        status, data = self.request(method, path, body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {str(data)[:300]}")
        return data

    def close(self) -> None:
        self.conn.close()


@contextmanager
def server(
    db: dict[str, str],
    accounts: list[Any] = (),  # type: ignore[assignment]
    how: dict[str, Any] | None = None,
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """Start the example app on 127.0.0.1:<free port> for ``db`` (``accounts``: extra
    host users; ``how``: a server spec like :data:`DEFAULT_SERVER`); yields (port, process)
    once every worker has loaded the app."""
    how = how or DEFAULT_SERVER
    spec = {
        "op": "http_server",
        "db": db,
        "server": how,
        "accounts": [{"id": u.id, "name": u.name, "roles": sorted(u.roles)} for u in accounts],
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = str(harness.REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, str(harness.BENCH_DIR / "run.py"), "--child", json.dumps(spec)],
        cwd=str(harness.REPO),
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            proc.wait(timeout=10)
            raise RuntimeError(f"server did not start (exit {proc.returncode}): {line.strip()}")
        port = int(line.split()[1])
        # gunicorn workers load the app after the socket listens: wait until each has
        for _ in range(how["workers"] if how["kind"] == "gunicorn" else 0):
            ready = proc.stdout.readline()
            if not ready.startswith("READY "):
                raise RuntimeError(f"a server worker did not start: {ready.strip()}")
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _build_app(spec: dict[str, Any]) -> Any:
    sys.path.insert(0, str(harness.REPO))
    from examples.flask_app import create_app
    from examples.flask_app.seed import DEMO_USERS

    from labelcore.model import User

    # The example host resolves a token's owner in its own account table (DEMO_USERS);
    # the benchmark's extra annotators become accounts of that host, as a real host's
    # users would be rows of its user table.
    for u in spec.get("accounts", []):
        user = User(id=u["id"], name=u["name"], roles=frozenset(u["roles"]))
        DEMO_USERS.setdefault(f"bench-{u['id']}", ("-", user))
    return create_app(db_url=harness.sqlalchemy_url(spec["db"]), seed=False, start_jobs=False)


def serve(spec: dict[str, Any]) -> None:
    """Child side: build the Flask example app and serve it until terminated."""
    how = spec.get("server") or DEFAULT_SERVER
    if how["kind"] == "werkzeug":
        from werkzeug.serving import make_server

        srv = make_server("127.0.0.1", 0, _build_app(spec), threaded=True)
        sys.stdout.write(f"PORT {srv.server_port}\n")
        sys.stdout.flush()
        srv.serve_forever()
        return
    _serve_gunicorn(spec, how)


def _serve_gunicorn(spec: dict[str, Any], how: dict[str, Any]) -> None:
    """gunicorn embedded through its documented custom-application API: the master listens
    on a socket bound here (port 0: the OS picks), and each worker process builds its own
    app after the fork (no ``preload_app``: a forked SQLAlchemy pool must not be shared)."""
    import socket

    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        raise SystemExit(
            "gunicorn is not installed: pip install -e '.[dev]' (or run with --server werkzeug)"
        ) from None

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.set_inheritable(True)

    def post_worker_init(worker: Any) -> None:
        sys.stdout.write(f"READY {os.getpid()}\n")
        sys.stdout.flush()

    options: dict[str, Any] = {
        "bind": f"fd://{sock.fileno()}",
        "workers": how["workers"],
        "worker_class": how.get("worker_class", "gthread"),
        "threads": how.get("threads", 1),
        "timeout": 600,  # a 100k-task import or export is one long request
        "graceful_timeout": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "post_worker_init": post_worker_init,
    }

    class Served(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return _build_app(spec)

    sys.stdout.write(f"PORT {sock.getsockname()[1]}\n")
    sys.stdout.flush()
    Served().run()


@contextmanager
def _dropping_on_error(db: dict[str, str], admin: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        harness.drop_db(db, admin)
        raise


def _prepare(db: dict[str, str], users: list[Any]) -> dict[Any, str]:
    """Schema, directory rows and one API token per user, written in-process before the
    server starts (what a host does when it hands out keys)."""
    core = inprocess.open_core(db)
    try:
        keys = {}
        for u in users:
            core.identify(u)
            keys[u.id] = core.create_token(u, name="bench").key
        return keys
    finally:
        inprocess.close_core(core)


def _users(count: int) -> tuple[Any, Any, list[Any]]:
    from labelcore.model import User

    manager, annotator = inprocess._users()
    others = [
        User(id=100 + i, name=f"annotator {i}", roles=frozenset({"annotator"}))
        for i in range(count)
    ]
    return manager, annotator, others


def _create_project(c: Client, title: str, xml: str, **extra: Any) -> int:
    data = c.json("POST", "/api/projects", {"title": title, "label_config": xml, **extra}, 201)
    return int(data["id"])


def _import(c: Client, project: int, path: Path) -> float:
    body = path.read_bytes()
    t0 = time.perf_counter()
    status, data = c.request("POST", f"/api/projects/{project}/import", body)
    elapsed = time.perf_counter() - t0
    if status != 201:
        raise RuntimeError(f"import {path.name}: HTTP {status}: {str(data)[:300]}")
    return elapsed


def run(spec: dict[str, Any]) -> dict[str, Any]:
    if spec["op"] == "http_server":
        serve(spec)
        return {}
    if spec["op"] == "http_pages":
        return http_pages(spec)
    return http_all(spec)


def _pages(
    c: Client, project: int, repeats: int, samples: dict[str, Any], extra: dict[str, Any]
) -> None:
    """The four first pages of the task list, as Label Studio's data manager asks for them
    (``GET /api/tasks/`` with its filter JSON: the response carries ``total`` and the sums)."""
    for key, ls in inprocess.LS_QUERIES.items():
        q = urllib.parse.urlencode(
            {"project": project, "page": 1, "page_size": 100, "query": json.dumps(ls)}
        )
        totals: list[int] = []

        def one(path: str = f"/api/tasks/?{q}", acc: list[int] = totals) -> None:
            data = c.json("GET", path)
            acc.append(int(data["total"]))

        samples[key] = harness.time_repeats(one, repeats, warmup=1)
        extra[f"{key}_total"] = totals[-1]
    c.close()


def http_pages(spec: dict[str, Any]) -> dict[str, Any]:
    """The first pages over HTTP on a database another measurement filled (1,000,000 tasks
    imported through the API: an HTTP upload of that size is past the upload limit)."""
    manager, _, _ = _users(0)
    how = spec.get("server") or DEFAULT_SERVER
    samples: dict[str, list[float]] = {}
    extra: dict[str, Any] = {"server": describe_server(how)}
    rss: dict[str, float] = {}
    cpu: dict[str, float] = {}
    keys = _prepare(spec["db"], [manager])
    with server(spec["db"], how=how) as (port, proc):
        _pages(Client(port, keys[manager.id]), spec["project"], spec["repeats"], samples, extra)
        mb, secs = harness.tree_peak_rss_mb(proc.pid), harness.tree_cpu_s(proc.pid)
        if mb is not None:
            rss["pages (server)"] = mb
        if secs is not None:
            cpu["pages (server)"] = secs
    return {"samples": samples, "extra": extra, "rss_detail": rss, "cpu_detail": cpu}


def http_all(spec: dict[str, Any]) -> dict[str, Any]:
    wl = Path(spec["wl"])
    workdir = Path(spec["workdir"])
    admin = spec["admin"]
    ner_xml = (wl / "config_ner.xml").read_text()
    box_xml = (wl / "config_bbox.xml").read_text()
    manager, annotator, others = _users(8)
    samples: dict[str, list[float]] = {}
    extra: dict[str, Any] = {}
    rss: dict[str, float] = {}
    cpu: dict[str, float] = {}

    how = spec.get("server") or DEFAULT_SERVER
    extra["server"] = describe_server(how)

    def peak(name: str, proc: subprocess.Popen[str]) -> None:
        # over every process of the server (gunicorn: the master and its workers)
        mb = harness.tree_peak_rss_mb(proc.pid)
        if mb is not None:
            rss[f"{name} (server)"] = mb
        secs = harness.tree_cpu_s(proc.pid)
        if secs is not None:
            cpu[f"{name} (server)"] = secs

    # import: a fresh database and server per repeat; the last one is kept for the rest
    repeats = 1 if spec["quick"] else spec.get("repeats_import", 3 if spec["n"] < 100_000 else 1)
    db: dict[str, str] | None = None
    keys: dict[Any, str] = {}
    ids: dict[str, int] = {}
    for i in range(repeats):
        if db is not None:
            harness.drop_db(db, admin)
        with harness.fresh_db(spec["backend"], workdir, admin, keep=True) as fresh:
            db = fresh
        try:
            keys = _prepare(db, [manager, annotator])
        except BaseException:
            harness.drop_db(db, admin)
            raise
        with _dropping_on_error(db, admin), server(db, how=how) as (port, proc):
            c = Client(port, keys[manager.id])
            ids["ner"] = _create_project(c, "bench NER", ner_xml)
            samples.setdefault("import", []).append(_import(c, ids["ner"], wl / "tasks_ner.json"))
            if i == repeats - 1:  # the image project: imported once
                ids["box"] = _create_project(c, "bench boxes", box_xml)
                samples["import_boxes"] = [_import(c, ids["box"], wl / "tasks_bbox.json")]
                peak("import", proc)
            c.close()
    assert db is not None
    try:
        # labeling first: annotators start on a project as soon as its import is done
        with server(db, how=how) as (port, proc):
            before = harness.tree_cpu_s(proc.pid)
            samples.update(_label(Client(port, keys[annotator.id]), ids["ner"], wl, spec["pairs"]))
            after = harness.tree_cpu_s(proc.pid)
            if before is not None and after is not None:  # start-up excluded
                extra["pair_server_cpu_ms"] = 1000 * (after - before) / spec["pairs"]
            peak("next+submit", proc)
        with server(db, how=how) as (port, proc):
            _pages(Client(port, keys[manager.id]), ids["ner"], spec["repeats_page"], samples, extra)
            peak("pages", proc)
        with server(db, how=how) as (port, proc):
            c = Client(port, keys[manager.id])
            for fmt in spec["formats"]:
                project = ids["box"] if fmt in ("COCO", "YOLO") else ids["ner"]
                path = f"/api/projects/{project}/export?exportType={fmt}&download_all_tasks=true"
                sizes: list[int] = []

                def exp(p: str = path, acc: list[int] = sizes, f: str = fmt) -> None:
                    status, size = c.request("GET", p, stream=True)
                    if status != 200:
                        raise RuntimeError(f"export {f}: HTTP {status}")
                    acc.append(size)

                samples[f"export_{fmt}"] = harness.time_repeats(exp, spec["repeats_export"])
                extra[f"export_{fmt}_bytes"] = sizes[-1]
            c.close()
            peak("export", proc)
    finally:
        harness.drop_db(db, admin)
    if spec.get("concurrent"):
        extra["concurrent"] = _concurrent(spec, wl, workdir, manager, others, peak, how)
    return {"samples": samples, "extra": extra, "rss_detail": rss, "cpu_detail": cpu}


def _label(c: Client, project: int, wl: Path, pairs: int) -> dict[str, list[float]]:
    payloads = inprocess._payloads(wl)
    nexts: list[float] = []
    submits: list[float] = []
    for _ in range(pairs):
        t0 = time.perf_counter()
        task = c.json("GET", f"/api/projects/{project}/next")
        t1 = time.perf_counter()
        p = payloads[task["data"]["meta_id"]]
        c.json(
            "POST",
            f"/api/tasks/{task['id']}/annotations/",
            {"result": p["result"], "lead_time": p["lead_time"]},
            201,
        )
        t2 = time.perf_counter()
        nexts.append(t1 - t0)
        submits.append(t2 - t1)
    c.close()
    return {"next": nexts, "submit": submits, "pair": [a + b for a, b in zip(nexts, submits)]}


def _concurrent(
    spec: dict[str, Any],
    wl: Path,
    workdir: Path,
    manager: Any,
    others: list[Any],
    peak: Any,
    how: dict[str, Any],
) -> dict[str, Any]:
    payloads = inprocess._payloads(wl)
    subset = workdir / f"concurrent-http-{spec['concurrent_tasks']}.json"
    inprocess.write_subset(wl / "tasks_ner.json", subset, spec["concurrent_tasks"])
    with harness.fresh_db(spec["backend"], workdir, spec["admin"]) as db:
        keys = _prepare(db, [manager, *others])
        with server(db, others, how) as (port, proc):
            c = Client(port, keys[manager.id])
            project = _create_project(
                c, "bench concurrent", (wl / "config_ner.xml").read_text(), maximum_annotations=2
            )
            _import(c, project, subset)
            c.close()
            clients = [Client(port, keys[u.id]) for u in others]
            local = threading.local()

            def next_fn(i: int) -> tuple[int, dict[str, Any]] | None:
                local.i = i
                status, data = clients[i].request("GET", f"/api/projects/{project}/next")
                if status == 404 or (status == 200 and not data):
                    return None
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {str(data)[:200]}")
                return int(data["id"]), data["data"]

            def submit_fn(i: int, task_id: int, data: dict[str, Any]) -> None:
                p = payloads[data["meta_id"]]
                body = json.dumps({"result": p["result"], "lead_time": p["lead_time"]}).encode()
                status, resp = clients[i].request(
                    "POST", f"/api/tasks/{task_id}/annotations/", body
                )
                if status != 201:
                    raise RuntimeError(f"HTTP {status}: {str(resp)[:200]}")

            # the annotators are threads of this (client) process, sharing the machine's cores
            # with the server; its CPU and the server's are reported beside the rate
            server0, client0 = harness.tree_cpu_s(proc.pid), time.process_time()
            stats = inprocess.concurrent_annotators(
                next_fn, submit_fn, len(others), spec["concurrent_tasks"] * 2
            )
            server1, client1 = harness.tree_cpu_s(proc.pid), time.process_time()
            stats["client_cpu_s"] = client1 - client0
            if server0 is not None and server1 is not None:
                stats["server_cpu_s"] = server1 - server0
            for cl in clients:
                cl.close()
            peak("concurrent", proc)
        core = inprocess.open_core(db)
        try:
            stats["over_overlap"] = inprocess.over_overlap(core, project, 2)
        finally:
            inprocess.close_core(core)
    stats["expected_submits"] = spec["concurrent_tasks"] * 2
    return stats
