"""The Flask example host as gunicorn serves it in tests (``lc_gunicorn_app:app``).

Each gunicorn worker imports this module after the fork and builds its own app (and store).
The database and the host's extra annotator accounts come from the environment.
"""

from __future__ import annotations

import json
import os

from examples.flask_app import create_app
from examples.flask_app.seed import DEMO_USERS

from labelcore import User

for _uid in json.loads(os.environ.get("LC_TEST_ANNOTATORS", "[]")):
    DEMO_USERS.setdefault(
        f"annotator-{_uid}", ("-", User(id=_uid, name=f"annotator {_uid}", roles={"annotator"}))
    )

app = create_app(
    db_url=os.environ["LC_TEST_DB"],
    seed=False,
    start_jobs=False,
    secret_key=os.environ["LC_TEST_SECRET"],  # the same in every worker: sessions and CSRF
)
