"""A Flask product that embeds labelcore at /label: its own login, its own layout.

    from examples.flask_app import create_app
    app = create_app(db_url="sqlite:///demo.db", seed=True)
    app.run(port=8000)            # or: python -m examples.flask_app

The host keeps its users (here a small dict with hashed passwords, see ``seed.py``) and tells
labelcore who is logged in through ``identify``. labelcore's pages render inside the host's
``layout.html`` (``base_template``), and its API is at /label/api/.
"""

from __future__ import annotations

import hmac
import re
import secrets
from pathlib import Path
from typing import Any

import flask
import jinja2
from werkzeug.security import check_password_hash, generate_password_hash

from examples.flask_app.seed import DEMO_USERS, seed_demo
from labelcore import LabelCore, User
from labelcore_flask import LabelcoreFlask

HERE = Path(__file__).resolve().parent
_HASHES = {name: generate_password_hash(pw) for name, (pw, _) in DEMO_USERS.items()}
_SAME_SITE_PATH = re.compile(r"/(?![/\\])[^\\\x00-\x20\x7f]*")


def current_user() -> User | None:
    name = flask.session.get("user")
    entry = DEMO_USERS.get(name) if isinstance(name, str) else None
    return entry[1] if entry else None


def user_by_id(user_id: object) -> User | None:
    for _, user in DEMO_USERS.values():
        if str(user.id) == str(user_id):
            return user
    return None


def _form_token() -> str:
    """The host's own CSRF token for its login/logout forms."""
    if "form_token" not in flask.session:
        flask.session["form_token"] = secrets.token_urlsafe(24)
    return str(flask.session["form_token"])


def _check_form_token() -> None:
    sent = flask.request.form.get("form_token", "")
    if not hmac.compare_digest(sent, flask.session.get("form_token", "-")):
        flask.abort(400, "expired form, reload the page")


def _media_dir(db_url: str) -> str:
    """A folder beside a SQLite database file, else ./labelcore-media."""
    if db_url.startswith("sqlite:///") and not db_url.endswith(":memory:"):
        return str(Path(db_url.removeprefix("sqlite:///")).resolve().parent / "labelcore-media")
    return "labelcore-media"


def create_app(
    db_url: str = "sqlite:///labelcore-demo.db",
    *,
    seed: bool = True,
    secret_key: str | None = None,
    start_jobs: bool = True,
    core: Any = None,
    media_dir: str | None = None,
) -> flask.Flask:
    app = flask.Flask(
        __name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static")
    )
    app.config["SECRET_KEY"] = secret_key or secrets.token_hex(32)
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    core = core or LabelCore(store=db_url, start_jobs=start_jobs)
    app.extensions["labelcore_core"] = core

    def token_user(key: str) -> User | None:
        # labelcore checks the key; the host says who that user is today (roles included)
        owner = core.authenticate_token(key)
        return None if owner is None else user_by_id(owner.id)

    labelcore = LabelcoreFlask(
        core,
        identify=lambda request: current_user(),
        token_auth=token_user,
        login_url="/login",
        template_loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        base_template="layout.html",
        # images/audio/video uploaded in the import dialog: next to the database by default
        media_store=media_dir or _media_dir(db_url),
    )
    labelcore.init_app(app, url_prefix="/label")
    # our layout's logout form needs our own form token on labelcore's pages too
    assert labelcore.web is not None
    labelcore.web.templates.globals["form_token"] = _form_token
    if seed:
        seed_demo(core, static_url="/static")

    @app.context_processor
    def host_context() -> dict[str, Any]:
        return {"user": current_user(), "form_token": _form_token}

    @app.get("/")
    def home() -> str:
        return flask.render_template("home.html")

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        error = ""
        if flask.request.method == "POST":
            _check_form_token()
            name = flask.request.form.get("username", "")
            password = flask.request.form.get("password", "")
            if name in _HASHES and check_password_hash(_HASHES[name], password):
                flask.session.clear()
                flask.session["user"] = name
                target = flask.request.args.get("next", "")
                # only same-site paths: never "//evil.example", a scheme, or what browsers
                # turn into "//" (backslashes; tabs and newlines, which they drop)
                if not _SAME_SITE_PATH.fullmatch(target):
                    target = "/label/"
                return flask.redirect(target)
            error = "Unknown user or wrong password."
        return flask.render_template("login.html", error=error, users=DEMO_USERS)

    @app.post("/logout")
    def logout() -> Any:
        _check_form_token()
        flask.session.clear()
        return flask.redirect("/")

    return app
