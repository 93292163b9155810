"""The jinja2 environment labelcore pages render with.

    from labelcore.web.templating import make_environment
    env = make_environment(host_loader=FileSystemLoader("templates"))   # host templates win
    html = env.get_template("labelcore/projects.html").render(...)

Templates come from the host's loader first (so a host can replace any template, the base
layout included), then from the package's ``labelcore/web/templates``. Autoescape is on for
every template. Per-request values (``csp_nonce``, ``csrf_token``, ``url_for``...) are given
by :meth:`labelcore.web.context.Ctx.render`, never stored on the environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _json_script(value: Any) -> Markup:
    """JSON safe to put inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and
    the line separators are escaped so data can never close the script element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    for a, b in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(a, b)
    return Markup(text)  # noqa: S704 - escaped above for the script context


def make_environment(host_loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """A sandbox-free, autoescaping environment: host templates, then the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if host_loader is not None:
        loaders.append(host_loader)
    if _TEMPLATES.is_dir():
        loaders.append(jinja2.PackageLoader("labelcore", "web/templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_script"] = _json_script
    return env
