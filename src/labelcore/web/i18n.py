"""One translation function for every string labelcore's pages show.

    from labelcore.web.i18n import _, set_translations
    set_translations(gettext.translation("myapp", "locale", ["de"]))   # or a zero-arg callable
    _("Projects")   # -> "Projekte"

Templates call ``_()`` (pages.py puts it in every page's context) and the browser modules call
``t()``, whose catalog :func:`js_catalog` builds from the same translations: the msgids are
the literal ``t("...")`` strings found in labelcore's static JavaScript. A host may hand in
any object with ``gettext``/``ngettext`` (``gettext.GNUTranslations``, Django's
``django.utils.translation`` module) or a callable returning one per call (per-request
languages).
"""

from __future__ import annotations

import functools
import gettext as _gettext
import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

__all__ = [
    "Translations",
    "_",
    "gettext",
    "js_catalog",
    "js_messages",
    "ngettext",
    "set_translations",
]


class Translations(Protocol):
    """What labelcore needs from a translation catalog (``gettext.NullTranslations`` fits)."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


_source: Translations | Callable[[], Translations] = _gettext.NullTranslations()


def set_translations(source: Translations | Callable[[], Translations] | None) -> None:
    """Use ``source`` for every page string (``None``: English, untranslated)."""
    global _source
    _source = _gettext.NullTranslations() if source is None else source


def _active() -> Translations:
    src = _source
    if hasattr(src, "gettext"):
        return src  # type: ignore[return-value]
    return src()  # type: ignore[operator,no-any-return]


def gettext(message: str) -> str:
    """Translate one UI string."""
    return str(_active().gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a string with a count ("1 task" / "3 tasks")."""
    return str(_active().ngettext(singular, plural, n))


_ = gettext

_STATIC = Path(__file__).resolve().parent / "static"
_JS_MSG = re.compile(r"""\bt\(\s*"((?:[^"\\\n]|\\.)*)\"""")


@functools.cache
def js_messages() -> frozenset[str]:
    """Every msgid the static JavaScript passes to ``t()`` (what translators must cover)."""
    found: set[str] = set()
    for path in sorted(_STATIC.rglob("*.js")):
        for m in _JS_MSG.finditer(path.read_text(encoding="utf-8")):
            found.add(
                m.group(1).encode("utf-8").decode("unicode_escape")
                if "\\" in m.group(1)
                else m.group(1)
            )
    return frozenset(found)


def js_catalog() -> dict[str, str]:
    """msgid -> translation for the browser (only the strings that change)."""
    out: dict[str, str] = {}
    for msgid in sorted(js_messages()):
        translated = gettext(msgid)
        if translated != msgid:
            out[msgid] = translated
    return out
