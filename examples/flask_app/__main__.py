"""Run the example host: ``python -m examples.flask_app`` (http://127.0.0.1:8000)."""

from __future__ import annotations

import os

from examples.flask_app import create_app
from examples.flask_app.seed import DEMO_USERS


def main() -> None:
    db_url = os.environ.get("LABELCORE_DEMO_DB", "sqlite:///labelcore-demo.db")
    port = int(os.environ.get("PORT", "8000"))
    app = create_app(db_url=db_url, seed=True)
    print(f"labelcore demo: http://127.0.0.1:{port}  (labeling at http://127.0.0.1:{port}/label/)")
    print("log in as one of (username / password):")
    for name, (password, user) in DEMO_USERS.items():
        print(f"  {name} / {password}   {', '.join(sorted(user.roles))}")
    print(f"data: {db_url}  (set LABELCORE_DEMO_DB to change it)")
    app.run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    main()
