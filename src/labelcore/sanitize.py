"""HTML sanitizing with an allow-list (nh3): project instructions and HyperText content.

    from labelcore.sanitize import sanitize_html
    sanitize_html('<p onclick="x()">Hi <script>alert(1)</script></p>')   # '<p>Hi </p>'
    sanitize_html('<a href="javascript:alert(1)">x</a>')                  # '<a rel="...">x</a>'

Only formatting tags, links (http, https, mailto and relative) and images survive; scripts,
styles, event handlers, forms, frames and ``javascript:``/``data:`` URLs never do.
"""

from __future__ import annotations

import nh3

_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd",
        "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
        "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# these tags go together with their content, not just their markup
_DROP_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript"})

#: Longest HTML accepted for sanitizing (instructions are text for people, not documents).
MAX_HTML_LENGTH = 1_000_000


def sanitize_html(html: str) -> str:
    """The HTML with everything outside the allow-list removed (never raises for markup)."""
    return nh3.clean(
        html,
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        url_schemes=set(_URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )
