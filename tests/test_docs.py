"""Every fenced code block in docs/*.md and README.md runs, so the examples cannot rot.

Rules (also in docs/contributing.md): ```python blocks of one file run in order in one
namespace, in a fresh temporary working directory, in a subprocess; ```xml blocks must parse
as labeling configs (```xml-invalid blocks must not); ```json blocks must be valid JSON;
```bash blocks run with bash in the same temporary directory with the virtualenv on PATH.
```bash-norun (servers, installs), ```text and ```http blocks are not run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
RUN_KINDS = {"python", "xml", "xml-invalid", "json", "bash"}
SKIP_KINDS = {
    "bash-norun",
    "text",
    "http",
    "console",
    "html",
    "jinja",
    "css",
    "javascript",
    "js",
    "",
}

RUNNER = textwrap.dedent(
    """
    import json, sys, traceback
    blocks = json.load(sys.stdin)
    ns = {"__name__": "__docs__"}
    for i, (line, code) in enumerate(blocks):
        try:
            exec(compile(code, f"{sys.argv[1]}:{line}", "exec"), ns)
        except BaseException:
            traceback.print_exc()
            print(f"block starting at line {line} failed", file=sys.stderr)
            sys.exit(1)
    """
)


def blocks(path: Path) -> list[tuple[str, int, str]]:
    text = path.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 2
        found.append((m.group(1), line, m.group(2)))
    return found


def test_every_block_kind_is_known() -> None:
    for path in DOCS:
        for kind, line, _ in blocks(path):
            assert kind in RUN_KINDS | SKIP_KINDS, (
                f"{path.name}:{line}: unknown fence kind {kind!r}"
            )


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_blocks_run(path: Path, tmp_path: Path) -> None:
    found = blocks(path)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["LABELCORE_REPO"] = str(ROOT)
    python = [(line, code) for kind, line, code in found if kind == "python"]
    if python:
        proc = subprocess.run(
            [sys.executable, "-c", RUNNER, path.name],
            input=json.dumps(python),
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 0, (
            f"{path.name}: python block failed\n{proc.stdout}\n{proc.stderr}"
        )
    for kind, line, code in found:
        where = f"{path.name}:{line}"
        if kind == "json":
            json.loads(code)
        elif kind in {"xml", "xml-invalid"}:
            from labelcore import ConfigError, parse_config  # type: ignore[attr-defined]

            if kind == "xml":
                parse_config(code)
            else:
                with pytest.raises(ConfigError):
                    parse_config(code)
        elif kind == "bash":
            proc = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", code],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env=env,
                timeout=300,
            )
            assert proc.returncode == 0, f"{where}: bash block failed\n{proc.stdout}\n{proc.stderr}"
