"""Import hygiene: the core never pulls in a web framework; adapters say how to install theirs."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True
    )


def test_import_labelcore_imports_neither_flask_nor_django() -> None:
    proc = run(
        """
        import sys, labelcore, labelcore.web
        bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'django', 'werkzeug'})
        print(bad)
        assert not bad, bad
        """
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_adapter_without_its_framework_names_the_extra() -> None:
    for module, extra in (("labelcore_flask", "flask"), ("labelcore_django", "django")):
        proc = run(
            f"""
            import sys
            sys.modules['{extra}'] = None  # simulate the framework not being installed
            try:
                import {module}
            except ImportError as exc:
                assert "pip install 'labelcore[{extra}]'" in str(exc), exc
            else:
                raise SystemExit('import succeeded without {extra}')
            """
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
