"""``labelcore demo``: the example Flask host (examples/flask_app) with sample projects.

    labelcore demo                          # http://127.0.0.1:8000, SQLite file labelcore-demo.db
    labelcore demo --port 8001 --db sqlite:///other.db

Run it from the repository root (``make demo`` does): the example host lives in
``examples/``, outside the installed package.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable

from labelcore.errors import LabelcoreError

Register = Callable[..., None]


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument(
        "--db",
        default=os.environ.get("LABELCORE_DEMO_DB", "sqlite:///labelcore-demo.db"),
        help="store URL (default: sqlite:///labelcore-demo.db in this directory)",
    )


def _run(args: argparse.Namespace) -> int:
    sys.path.insert(0, os.getcwd())
    try:
        example = importlib.import_module("examples.flask_app")
        seed = importlib.import_module("examples.flask_app.seed")
    except ModuleNotFoundError as exc:
        raise LabelcoreError(
            f"the demo host is not importable ({exc}); run 'labelcore demo' (or 'make demo') "
            "from the labelcore repository root, and install Flask: pip install "
            "'labelcore[flask]'"
        ) from exc
    app = example.create_app(db_url=args.db, seed=True)
    print(
        f"labelcore demo: http://{args.host}:{args.port}/  "
        f"(labeling at http://{args.host}:{args.port}/label/)"
    )
    print(f"data: {args.db}")
    print("log in as one of (username / password):")
    for name, (password, user) in seed.DEMO_USERS.items():
        print(f"  {name} / {password}   {', '.join(sorted(user.roles))}")
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


def register_commands(register: Register) -> None:
    register("demo", "run the example Flask host with sample projects", _configure, _run)
