"""A Taxonomy with labeling="true" labels spans: its results' offsets are checked against the
task's text (Text) or HTML (HyperText) like a Labels span's."""

from __future__ import annotations

from typing import Any

from labelcore import parse_config

TEXT = """<View><Text name="t" value="$t"/>
<Taxonomy name="x" toName="t" labeling="true"><Choice value="A"/></Taxonomy></View>"""
HTML = """<View><HyperText name="h" value="$h"/>
<Taxonomy name="x" toName="h" labeling="true"><Choice value="A"/></Taxonomy></View>"""


def codes(config: str, value: dict[str, Any], data: dict[str, Any]) -> list[str]:
    item = {"from_name": "x", "to_name": value.pop("_to"), "type": "taxonomy", "value": value}
    return [p.code for p in parse_config(config).validate_result([item], data)]


def test_taxonomy_span_inside_the_text_is_valid() -> None:
    value = {"_to": "t", "start": 0, "end": 3, "text": "abc", "taxonomy": [["A"]]}
    assert codes(TEXT, value, {"t": "abcdef"}) == []


def test_taxonomy_span_past_the_text_is_refused() -> None:
    value = {"_to": "t", "start": 0, "end": 99, "text": "zzz", "taxonomy": [["A"]]}
    assert codes(TEXT, value, {"t": "abcdef"}) == ["result.span_out_of_text"]


def test_taxonomy_span_with_other_text_is_refused() -> None:
    value = {"_to": "t", "start": 0, "end": 3, "text": "xyz", "taxonomy": [["A"]]}
    assert codes(TEXT, value, {"t": "abcdef"}) != []


def test_taxonomy_span_on_hypertext_must_resolve() -> None:
    ok = {"start": "/p[1]/text()[1]", "startOffset": 0, "end": "/p[1]/text()[1]", "endOffset": 5}
    data = {"h": "<p>Hello world</p>"}
    assert codes(HTML, {"_to": "h", **ok, "text": "Hello", "taxonomy": [["A"]]}, data) == []
    bad = {**ok, "end": "/p[2]/text()[1]"}
    assert codes(HTML, {"_to": "h", **bad, "text": "Hello", "taxonomy": [["A"]]}, data) == [
        "result.bad_xpath"
    ]
