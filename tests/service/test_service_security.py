"""One regression test per known attack on the lifecycle layer, plus robustness properties."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from svc_fixtures import ANN_A, ANN_B, CONFIG, MANAGER, choice, core, make_project

from labelcore import LabelCore, LabelcoreError, NotFound, UnsafeURL
from labelcore.net import NetPolicy
from labelcore.storage.memory import MemoryStore

__all__ = ["core"]


def test_instructions_xss_is_sanitized(core: LabelCore) -> None:
    p = core.create_project(
        MANAGER,
        title="XSS",
        label_config=CONFIG,
        instructions=(
            '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
            "</script><script>alert(1)</script><svg onload=alert(1)>"
        ),
    )
    html = p.settings.instructions
    for needle in ("onerror", "javascript:", "<script", "onload", "<svg"):
        assert needle not in html


def test_annotation_idor_across_projects_is_not_found(core: LabelCore) -> None:
    """CVE-2026-76073: sequential annotation ids must not reach another project's rows."""
    a = make_project(core, 1, title="Tenant A")
    b = make_project(core, 1, title="Tenant B")
    core.set_members(MANAGER, a.id, {ANN_A.id: "manager"})  # a manager inside A only
    core.set_members(MANAGER, b.id, {ANN_B.id: "annotator"})
    (tb,) = core.list_tasks(MANAGER, b.id).tasks
    victim = core.submit_annotation(ANN_B, tb.id, choice())
    for probe in (
        lambda: core.get_annotation(ANN_A, victim.id),
        lambda: core.update_annotation(ANN_A, victim.id, result=[]),
        lambda: core.delete_annotation(ANN_A, victim.id),
        lambda: core.restore_annotation_version(ANN_A, victim.id, 1),
    ):
        with pytest.raises(NotFound):
            probe()
    assert core.get_annotation(MANAGER, victim.id) == victim


def test_import_url_ssrf_to_loopback_is_refused(core: LabelCore) -> None:
    """CVE-2022-36551 / GHSA-p59w: URL import must not reach internal addresses."""
    p = make_project(core)
    for url in (
        "http://127.0.0.1:9/tasks.json",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/x.json",
        "file:///etc/passwd",
    ):
        with pytest.raises(UnsafeURL):
            core.import_url(MANAGER, p.id, url)
    assert core.project_counts(MANAGER, p.id).task_count == 0


def test_import_url_uses_the_core_net_policy(tmp_path) -> None:
    """A host allow-list is honoured: loopback allowed explicitly, served over HTTP."""
    import http.server
    import threading

    body = json.dumps([{"text": "from the web"}]).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        lc = LabelCore(
            store=MemoryStore(), start_jobs=False, net_policy=NetPolicy(allow_loopback=True)
        )
        p = make_project(lc)
        url = f"http://127.0.0.1:{server.server_address[1]}/export/tasks.json"
        report = lc.import_url(MANAGER, p.id, url)
        assert report.task_count == 1 and report.found_formats == (".json",)
    finally:
        server.shutdown()


def test_config_comment_data_is_not_imported_as_a_task(core: LabelCore) -> None:
    """GHSA-wpq5: sample data in a config comment is never treated as task data."""
    cfg = CONFIG.replace(
        "<View>", '<View><!-- {"data": {"text": "<img src=x onerror=alert(1)>"}} -->'
    )
    p = core.create_project(MANAGER, title="Comment", label_config=cfg)
    assert core.project_counts(MANAGER, p.id).task_count == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


_shared: dict[str, object] = {}


def shared_project() -> tuple[LabelCore, int, int]:
    """One core for all examples (building one per example would dominate the run time)."""
    if not _shared:
        lc = LabelCore(store=MemoryStore(), start_jobs=False)
        p = make_project(lc, 1)
        _shared.update(core=lc, project=p.id, task=lc.list_tasks(MANAGER, p.id).tasks[0].id)
    return _shared["core"], _shared["project"], _shared["task"]  # type: ignore[return-value]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(json_values, max_size=4))
def test_import_of_any_json_raises_only_labelcore_errors(items) -> None:
    lc, project_id, _ = shared_project()
    for source in (items, json.dumps(items).encode()):
        with contextlib.suppress(LabelcoreError):
            lc.import_tasks(MANAGER, project_id, source)


@settings(max_examples=150, deadline=None)
@given(result=st.lists(json_values, max_size=3))
def test_submit_of_any_result_raises_only_labelcore_errors(result) -> None:
    lc, _, task_id = shared_project()
    try:
        a = lc.submit_annotation(ANN_A, task_id, result)
    except LabelcoreError:
        pass
    else:
        lc.delete_annotation(ANN_A, a.id)
