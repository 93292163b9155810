"""The Django example host, in a subprocess (its own settings): migrate, seed, log in with
Django's auth, use the labelcore API under /label with Django's CSRF."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
call_command("labelcore_migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
call_command("seed_demo", verbosity=0)
from django.test import Client
out = {}
c = Client(enforce_csrf_checks=True)
out["anon"] = c.get("/label/api/projects").status_code
assert c.login(username="bob", password="bob")
r = c.get("/label/api/projects")
out["titles"] = sorted(p["title"] for p in r.json()["results"])
out["whoami"] = c.get("/label/api/current-user/whoami").json()["roles"]
out["no_csrf"] = c.post("/label/api/tokens", data="{}", content_type="application/json").status_code
token = c.get("/label/api/csrf-token").json()["csrf_token"]
out["with_csrf"] = c.post("/label/api/tokens", data="{}", content_type="application/json",
                          HTTP_X_CSRFTOKEN=token).status_code
c2 = Client(enforce_csrf_checks=True)
assert c2.login(username="carol", password="carol")
out["carol"] = c2.get("/label/api/current-user/whoami").json()["roles"]
c3 = Client()
assert c3.login(username="alice", password="alice")
out["alice"] = c3.get("/label/api/current-user/whoami").json()["roles"]
print(json.dumps(out))
"""


def test_django_example_host_end_to_end(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "examples.django_project.demo_site.settings",
        "DEMO_DATA_DIR": str(tmp_path),
        "LABELCORE_DEMO_DB": "memory://",
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["anon"] == 401
    assert out["titles"] == ["Demo: people, organisations, places", "Demo: shapes in images"]
    assert out["whoami"] == ["annotator"]
    assert out["no_csrf"] == 403 and out["with_csrf"] == 201
    assert out["carol"] == ["reviewer"] and out["alice"] == ["manager"]
