"""Checking HyperText spans (``start``/``end`` XPaths and offsets) against the task's HTML.

Label Studio writes a HyperText region as ``{"start": "/div[1]/p[2]/text()[1]", "startOffset":
2, "end": ..., "endOffset": 9, "text": ...}``: XPaths from the root of the rendered HTML and
character offsets inside the node's text. We parse the HTML with lxml's HTML parser (no
network, no huge trees, bounded size) and walk the path ourselves, one ``tag[n]`` step at a
time; the XPath is never evaluated.

doc = HtmlDoc.parse("<p>Hello <b>world</b></p>")
doc.point("/p[1]/b[1]/text()[1]", 5)   # offset of the end of "world" in the whole text: 11
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

MAX_HTML_CHARS = 2_000_000
MAX_XPATH_CHARS = 2_000
MAX_STEPS = 256
STEP = re.compile(r"/([A-Za-z][\w:.-]*|text\(\))\[(\d{1,6})\]")
_MARKER = "lc-hypertext-root"


class XPathError(ValueError):
    """An XPath that is not of Label Studio's form or does not resolve in the HTML."""


class OffsetError(XPathError):
    """An offset past the text of the node its XPath names."""


class HtmlDoc:
    """The task's HTML as Label Studio's HyperText shows it: text nodes in document order."""

    def __init__(self, root: Any) -> None:
        self.root = root
        # every text node as (owner element, is_tail) -> its start offset in the whole text
        self.starts: dict[tuple[int, bool], int] = {}
        self.element_spans: dict[int, tuple[int, int]] = {}
        self._alive: list[Any] = []  # lxml element proxies stay the same while referenced
        self._children: dict[int, dict[str, list[Any]]] = {}
        parts: list[str] = []
        self._offset = 0
        self._walk(root, parts, top=True)
        self.text = "".join(parts)

    @classmethod
    def parse(cls, html: str) -> HtmlDoc:
        """Parse ``html`` (raises ValueError past MAX_HTML_CHARS); never fetches anything."""
        if len(html) > MAX_HTML_CHARS:
            raise ValueError(f"the HTML is longer than {MAX_HTML_CHARS} characters")
        parser = etree.HTMLParser(
            no_network=True, huge_tree=False, remove_comments=False, remove_pis=False
        )
        # a marker element first keeps leading whitespace as a text node, as a browser does
        doc = etree.fromstring(f"<{_MARKER}></{_MARKER}>{html}", parser)
        body = doc.find("body") if doc is not None else None
        if body is None:
            raise ValueError("the HTML has no content")
        try:
            return cls(body)
        except RecursionError:  # libxml2 caps nesting at 256; a guard should it not
            raise ValueError("the HTML is nested too deeply") from None

    def _texts(self, el: Any, top: bool) -> list[tuple[str, tuple[int, bool]]]:
        """The text-node children of ``el`` in order: its text, then each child's tail."""
        found: list[tuple[str, tuple[int, bool]]] = []
        if el.text and not top:
            found.append((el.text, (id(el), False)))
        for child in el:
            if child.tail:
                found.append((child.tail, (id(child), True)))
        return found

    def _by_tag(self, el: Any, top: bool) -> dict[str, list[Any]]:
        """Element children of ``el`` by lowercased tag, in order (cached per element)."""
        found = self._children.get(id(el))
        if found is None:
            found = {}
            for child in el:
                if isinstance(child.tag, str) and not (top and child.tag == _MARKER):
                    found.setdefault(child.tag.lower(), []).append(child)
            self._children[id(el)] = found
        return found

    def _walk(self, el: Any, parts: list[str], *, top: bool = False) -> None:
        begin = self._offset
        self._alive.append(el)
        if el.text and not top and isinstance(el.tag, str):
            self._emit(el.text, (id(el), False), parts)
        for child in el:
            if isinstance(child.tag, str) and child.tag != _MARKER:
                self._walk(child, parts)
            if child.tail:
                self._alive.append(child)
                self._emit(child.tail, (id(child), True), parts)
        self.element_spans[id(el)] = (begin, self._offset)

    def _emit(self, text: str, key: tuple[int, bool], parts: list[str]) -> None:
        self.starts[key] = self._offset
        parts.append(text)
        self._offset += len(text)

    def point(self, xpath: str, offset: int) -> int:
        """The offset in the whole text of (``xpath``, ``offset``); raises XPathError."""
        if len(xpath) > MAX_XPATH_CHARS:
            raise XPathError(f"the XPath is longer than {MAX_XPATH_CHARS} characters")
        steps = [(m.group(1), int(m.group(2)), m.end()) for m in STEP.finditer(xpath)]
        matched = "".join(m.group(0) for m in STEP.finditer(xpath))
        if matched != xpath.rstrip("/") or len(steps) > MAX_STEPS:
            raise XPathError(f"'{xpath[:80]}' is not a path of tag[n] steps (and text()[n])")
        el, top, length, start = self.root, True, 0, 0
        for n, (step, index, _) in enumerate(steps):
            if step == "text()":
                if n != len(steps) - 1:
                    raise XPathError(f"'{xpath[:80]}': text() must be the last step")
                texts = self._texts(el, top)
                if not 1 <= index <= len(texts):
                    raise XPathError(
                        f"'{xpath[:80]}': the element has {len(texts)} text nodes, not {index}"
                    )
                text, key = texts[index - 1]
                start, length = self.starts[key], len(text)
                break
            same = self._by_tag(el, top).get(step.lower(), [])
            if not 1 <= index <= len(same):
                raise XPathError(f"'{xpath[:80]}': no {step}[{index}] at step {n + 1}")
            el, top = same[index - 1], False
        else:
            start, end = self.element_spans[id(el)]
            length = end - start
        if offset > length:
            raise OffsetError(
                f"offset {offset} is past the {length} characters of the node at '{xpath[:80]}'"
            )
        return start + offset


def normalized(text: str) -> str:
    """Whitespace collapsed, as the browser's selection text and the HTML source differ in it."""
    return " ".join(text.split())
