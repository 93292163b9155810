"""Whole numbers spelled in text, read strictly (private).

from labelcore._numbers import ascii_int
ascii_int("42")   # 42
ascii_int("²")    # None (str.isdigit() says True, int() raises)
"""

from __future__ import annotations


def ascii_int(text: str, *, max_digits: int = 18) -> int | None:
    """The integer ``text`` spells in 1 to ``max_digits`` ASCII digits, else ``None``.

    ``str.isdigit`` also accepts superscripts and other scripts' digits ("²", "٣"), which
    ``int`` refuses or reads as other numbers, and ``int`` refuses more than 4300 digits:
    an ``isdigit()`` check followed by ``int()`` turned such query values, headers and
    result fields into 500s."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None
