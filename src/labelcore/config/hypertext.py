"""Checking HyperText spans (``start``/``end`` paths and offsets) against the task's HTML.

A HyperText region is ``{"start": "/div[1]/p[2]/text()[1]", "startOffset": 2, "end": ...,
"endOffset": 9, "text": ...}``: paths from the root of the shown HTML, one ``tag[n]`` step at a
time, ending at an element or a ``text()[n]`` node, and character offsets inside that node's
text. The HTML is parsed with lxml's HTML parser (no network, no huge trees, bounded size) into
a small tree of elements and text nodes kept apart as a browser's DOM keeps them; the path is
walked step by step and never evaluated as XPath.

Two views of the HTML are built: as labelcore's editor shows it (``shown``: the server's
allow-list sanitizer, then the editor's own copy rules from ``web/static/lc/labeling/
safehtml.js``, which unwrap other tags and drop scripts) and as the source reads (``source``:
what Label Studio's editor renders paths against). A span is valid if it resolves in either.

doc = HtmlDoc.parse("<p>Hello <b>world</b></p>", shown=False)
doc.point("/p[1]/b[1]/text()[1]", 5)   # offset of the end of "world" in the whole text: 11
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

MAX_HTML_CHARS = 2_000_000
MAX_XPATH_CHARS = 2_000
MAX_STEPS = 256
_WORD = re.compile(r"\S+")  # a word of the text, for same_text
STEP = re.compile(r"/([A-Za-z][\w:.-]*|text\(\))\[(\d{1,6})\]")
_MARKER = "lc-hypertext-root"
# labelcore's editor (safehtml.js) copies these elements, drops the DROP ones with their
# content, unwraps every other element (keeps its children), and stops below depth 60
SHOWN_KEEP = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
        "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li",
        "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
SHOWN_DROP = frozenset(
    {
        "script", "style", "template", "iframe", "frame", "frameset", "object", "embed",
        "noscript", "svg", "math", "link", "meta", "base", "form", "input", "button",
        "textarea", "select", "option", "audio", "video", "source", "track", "canvas",
    }
)  # fmt: skip
SHOWN_MAX_DEPTH = 60


class XPathError(ValueError):
    """A path that is not of Label Studio's form or does not resolve in the HTML."""


class OffsetError(XPathError):
    """An offset past the text of the node its path names."""


class _Text:
    __slots__ = ("start", "text")

    def __init__(self, text: str) -> None:
        self.text, self.start = text, 0


class _El:
    __slots__ = ("_by_tag", "_texts", "end", "kids", "start", "tag")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.kids: list[_El | _Text] = []
        self.start = self.end = 0
        self._by_tag: dict[str, list[_El]] | None = None
        self._texts: list[_Text] | None = None

    def texts(self) -> list[_Text]:
        """The text nodes among the children (built once: every region's path asks)."""
        if self._texts is None:
            self._texts = [k for k in self.kids if isinstance(k, _Text)]
        return self._texts

    def children(self, tag: str) -> list[_El]:
        if self._by_tag is None:
            self._by_tag = {}
            for kid in self.kids:
                if isinstance(kid, _El):
                    self._by_tag.setdefault(kid.tag, []).append(kid)
        return self._by_tag.get(tag, [])


class HtmlDoc:
    """The task's HTML as elements and text nodes, with each node's place in the whole text."""

    def __init__(self, root: _El) -> None:
        self.root = root
        parts: list[str] = []
        offset = 0
        # iterative, in document order, so a deep tree cannot exhaust the stack
        stack = [(root, iter(root.kids))]
        while stack:
            el, kids = stack[-1]
            kid = next(kids, None)
            if kid is None:
                el.end = offset
                stack.pop()
            elif isinstance(kid, _Text):
                kid.start = offset
                parts.append(kid.text)
                offset += len(kid.text)
            else:
                kid.start = offset
                stack.append((kid, iter(kid.kids)))
        self.text = "".join(parts)

    @classmethod
    def parse(cls, html: str, *, shown: bool) -> HtmlDoc:
        """Parse ``html`` (ValueError past MAX_HTML_CHARS); never fetches anything."""
        if len(html) > MAX_HTML_CHARS:
            raise ValueError(f"the HTML is longer than {MAX_HTML_CHARS} characters")
        if shown:
            from labelcore.sanitize import sanitize_html

            html = sanitize_html(html)
        parser = etree.HTMLParser(
            no_network=True, huge_tree=False, remove_comments=False, remove_pis=False
        )
        # a marker element first keeps leading whitespace as a text node, as a browser does
        doc = etree.fromstring(f"<{_MARKER}></{_MARKER}>{html}", parser)
        body = doc.find("body") if doc is not None else None
        if body is None:
            raise ValueError("the HTML has no content")
        root = _El("")
        try:
            _convert(body, root, 0, shown)
        except RecursionError:  # libxml2 caps nesting at 256; a guard should it not
            raise ValueError("the HTML is nested too deeply") from None
        return cls(root)

    def point(self, xpath: str, offset: int) -> int:
        """The offset in the whole text of (``xpath``, ``offset``); raises XPathError."""
        if len(xpath) > MAX_XPATH_CHARS:
            raise XPathError(f"the path is longer than {MAX_XPATH_CHARS} characters")
        found = list(STEP.finditer(xpath))
        if "".join(m.group(0) for m in found) != xpath.rstrip("/") or len(found) > MAX_STEPS:
            raise XPathError(f"'{xpath[:80]}' is not a path of tag[n] steps (and text()[n])")
        el = self.root
        node: _El | _Text = el
        for n, match in enumerate(found):
            step, index = match.group(1).lower(), int(match.group(2))
            if step == "text()":
                if n != len(found) - 1:
                    raise XPathError(f"'{xpath[:80]}': text() must be the last step")
                texts = el.texts()
                if not 1 <= index <= len(texts):
                    raise XPathError(
                        f"'{xpath[:80]}': the element has {len(texts)} text nodes, not {index}"
                    )
                node = texts[index - 1]
                break
            same = el.children(step)
            if not 1 <= index <= len(same):
                raise XPathError(f"'{xpath[:80]}': no {step}[{index}] at step {n + 1}")
            el = node = same[index - 1]
        if isinstance(node, _Text):
            start, length = node.start, len(node.text)
        else:
            start, length = node.start, node.end - node.start
        if offset > length:
            raise OffsetError(
                f"offset {offset} is past the {length} characters of the node at '{xpath[:80]}'"
            )
        return start + offset


def _convert(src: Any, dst: _El, depth: int, shown: bool) -> None:
    """Copy lxml ``src``'s content into ``dst``: text nodes stay separate, as in the DOM."""
    if shown and depth > SHOWN_MAX_DEPTH:
        return
    if src.text and src.tag != "body":
        dst.kids.append(_Text(src.text))
    for child in src:
        tag = child.tag.lower() if isinstance(child.tag, str) else None  # None: a comment
        if tag is not None and tag != _MARKER and not (shown and tag in SHOWN_DROP):
            if shown and tag not in SHOWN_KEEP:
                _convert(child, dst, depth + 1, shown)
            else:
                el = _El(tag)
                _convert(child, el, depth + 1, shown)
                dst.kids.append(el)
        if child.tail:
            dst.kids.append(_Text(child.tail))


def same_text(text: str, doc_text: str, begin: int, end: int) -> bool:
    """Whether ``text`` is ``doc_text[begin:end]`` with whitespace collapsed (a browser's
    selection text and the HTML source differ in it), without copying the span.

    The words of the span are read one at a time and the check stops at the first that differs,
    so its cost follows ``text`` (which the caller sent), not the span: a result claiming a
    short text over a span of megabytes costs one word, not a copy of the HTML."""
    want = text.split()
    n = 0
    for word in _WORD.finditer(doc_text, begin, end):
        if n >= len(want) or word.group() != want[n]:
            return False
        n += 1
    return n == len(want)
