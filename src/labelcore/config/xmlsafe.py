"""Reading untrusted XML safely: size first, no DTD or entities, no network, bounded depth.

from labelcore.config.xmlsafe import read_xml
text, root = read_xml(xml, max_bytes=1_000_000, max_depth=100)   # raises ConfigError
for element, depth in elements(root, 100): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from labelcore.config.problems import ConfigProblem
from labelcore.errors import ConfigError


def read_xml(xml: object, *, max_bytes: int, max_depth: int) -> tuple[str, Any]:
    """The source text and the parsed root element; any refusal is a :class:`ConfigError`.

    The size limit is checked before parsing; a ``<!DOCTYPE``/``<!ENTITY`` outside comments is
    refused before parsing, so nothing is expanded or fetched; libxml2 runs with entity
    resolution, DTD loading and network access off and its own depth guard on.
    """
    text, raw = _as_text(xml)
    if len(raw) > max_bytes:
        message = f"The config is {len(raw)} bytes; the limit is {max_bytes} bytes."
        raise ConfigError([ConfigProblem("config.too_large", message)])
    dtd_line = _find_dtd(text)
    if dtd_line is not None:
        raise ConfigError([_dtd_problem(dtd_line)])
    return text, _parse(raw, max_depth)


def _as_text(xml: object) -> tuple[str, bytes]:
    try:
        if isinstance(xml, bytes):
            return xml.decode("utf-8"), xml
        if isinstance(xml, str):
            return xml, xml.encode("utf-8")
    except UnicodeError as exc:
        raise ConfigError(
            [ConfigProblem("config.not_xml", f"The config is not valid UTF-8: {exc}")]
        ) from None
    raise ConfigError(
        [ConfigProblem("config.not_xml", f"The config must be a string, got {type(xml).__name__}.")]
    )


def _dtd_problem(line: int | None) -> ConfigProblem:
    return ConfigProblem(
        "config.dtd_forbidden",
        "The config declares a DTD or entities (<!DOCTYPE>/<!ENTITY>); "
        "they are refused, never expanded.",
        line=line,
    )


def _find_dtd(text: str) -> int | None:
    """Line of a ``<!DOCTYPE``/``<!ENTITY`` outside comments and CDATA (linear scan), or None."""
    pos = 0
    while True:
        pos = text.find("<!", pos)
        if pos < 0:
            return None
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif text.startswith("<![CDATA[", pos):
            end = text.find("]]>", pos + 9)
            if end < 0:
                return None
            pos = end + 3
        elif (
            text[pos + 2 : pos + 9].upper() in ("DOCTYPE", "ENTITY ")
            or text[pos + 2 : pos + 8].upper() == "ENTITY"
        ):
            return text.count("\n", 0, pos) + 1
        else:
            pos += 2


def _parse(raw: bytes, max_depth: int) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        msg = str(exc)
        if "Excessive depth" in msg:
            raise ConfigError([_depth_problem(max_depth, exc.lineno)]) from None
        raise ConfigError(
            [
                ConfigProblem(
                    "config.not_xml", f"The config is not well-formed XML: {msg}", line=exc.lineno
                )
            ]
        ) from None
    except (ValueError, LookupError, etree.Error) as exc:
        raise ConfigError(
            [ConfigProblem("config.not_xml", f"The config is not XML: {exc}")]
        ) from None
    if root is None:
        raise ConfigError([ConfigProblem("config.not_xml", "The config is empty.")])
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise ConfigError([_dtd_problem(1)])
    return root


def _depth_problem(limit: int, line: int | None) -> ConfigProblem:
    return ConfigProblem(
        "config.too_deep",
        f"Tags are nested deeper than the limit of {limit} levels.",
        line=line,
    )


def elements(root: Any, max_depth: int) -> Iterator[tuple[Any, int]]:
    """Elements with their depth, iteratively (no recursion), refusing excessive depth."""
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > max_depth:
            raise ConfigError([_depth_problem(max_depth, el.sourceline)])
        yield el, depth
        stack.extend((child, depth + 1) for child in reversed(list(el)))
