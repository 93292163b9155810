"""DateTime values follow ``only``/``format``/``min``/``max``; HyperText spans resolve in the HTML;
a Chat is its own ChatMessage control."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore import parse_config
from labelcore.config.hypertext import MAX_HTML_CHARS, SHOWN_DROP, SHOWN_KEEP, HtmlDoc


def _dt(attrs: str, value: Any) -> list[str]:
    cfg = parse_config(
        f'<View><Text name="t" value="$text"/><DateTime name="d" toName="t" {attrs}/></View>'
    )
    item = {"from_name": "d", "to_name": "t", "type": "datetime", "value": {"datetime": value}}
    return [p.code for p in cfg.validate_result([item])]


@pytest.mark.parametrize(
    ("attrs", "value", "codes"),
    [
        ("", "2024-06-15T10:30", []),
        ("", "2024-06-15", ["result.datetime_format"]),
        ("", "2024-02-30T10:30", ["result.datetime_format"]),
        ("", "2024-06-15T10:30:00Z", ["result.datetime_format"]),
        ('only="date,time"', "2024-06-15T10:30", []),
        ('only="date"', "2024-06-15", []),
        ('only="date"', "15/06/2024", ["result.datetime_format"]),
        ('only="date,month,year"', "2024-06-15", []),
        ('only="time"', "09:45", []),
        ('only="time"', "09:45:30", []),
        ('only="time"', "9:45", ["result.datetime_format"]),
        ('only="time"', "25:00", ["result.datetime_format"]),
        ('only="time" format="%d/%m/%Y"', "09:45", []),
        ('only="month,year"', "2024-06", []),
        ('only="month,year"', "2024-06-01", []),
        ('only="month,year"', "June 2024", ["result.datetime_format"]),
        ('only="year"', "2023", []),
        ('only="year"', "23", ["result.datetime_format"]),
        ('format="%d/%m/%Y"', "15/06/2024", []),
        ('format="%d/%m/%Y"', "2024-06-15T10:30", []),
        ('format="%d/%m/%Y"', "06/15/2024", ["result.datetime_format"]),
        ('format="%e %B %Y"', "anything", []),
        ('only="date" min="2020-01-01" max="2025-12-31"', "2023-06-15", []),
        ('only="date" min="2020-01-01" max="2025-12-31"', "2019-12-31", ["result.out_of_range"]),
        ('only="date" min="2020-01-01" max="2025-12-31"', "2026-01-01", ["result.out_of_range"]),
        ('only="year" min="2000" max="2010"', "2011", ["result.out_of_range"]),
        ('only="year" min="2000" max="2010"', "2005", []),
        ("", "", ["result.bad_value"]),
        ("", 20240615, ["result.bad_value"]),
        ("", "2" * 500, ["result.datetime_format"]),
    ],
)
def test_datetime_value_follows_only_format_min_max(
    attrs: str, value: Any, codes: list[str]
) -> None:
    assert _dt(attrs, value) == codes


ROOT = Path(__file__).parents[2]
HTML_CFG = parse_config(
    '<View><HyperText name="page" value="$html"/>'
    '<HyperTextLabels name="ner" toName="page"><Label value="Person"/></HyperTextLabels>'
    '<Labels name="plain" toName="page"><Label value="Org"/></Labels></View>'
)
MISMATCH = "result.span_text_mismatch"
PAGE = "\n<h1>John works at Acme</h1><p>He <b>lives</b> in Oslo.</p><!-- c -->tail"


def _span(start: Any, so: Any, end: Any, eo: Any, text: str | None = None, **kw: Any) -> list[Any]:
    value: dict[str, Any] = {"start": start, "startOffset": so, "end": end, "endOffset": eo}
    if text is not None:
        value["text"] = text
    value["hypertextlabels"] = ["Person"]
    return [{"from_name": "ner", "to_name": "page", "type": "hypertextlabels", "value": value}]


def _codes(result: list[Any], html: str = PAGE) -> list[str]:
    return [p.code for p in HTML_CFG.validate_result(result, {"html": html})]


@pytest.mark.parametrize(
    ("result", "codes"),
    [
        (_span("/h1[1]/text()[1]", 0, "/h1[1]/text()[1]", 4, "John"), []),
        (_span("/H1[1]/text()[1]", 0, "/h1[1]/text()[1]", 4, "John"), []),
        (_span("/p[1]/text()[1]", 0, "/p[1]/text()[2]", 3, "He lives in"), []),
        (_span("/p[1]/b[1]/text()[1]", 0, "/p[1]/b[1]/text()[1]", 5, "lives"), []),
        (_span("/p[1]", 3, "/p[1]", 8, "lives"), []),
        (_span("", 0, "", 5, "John"), []),  # the root: leading whitespace is a text node
        (_span("/text()[1]", 0, "/text()[1]", 1), []),
        (_span("/text()[2]", 0, "/text()[2]", 4, "tail"), []),
        (_span("/h1[1]/text()[1]", 0, "/h1[1]/text()[1]", 4, "Jane"), [MISMATCH]),
        (_span("/h1[1]/text()[1]", 0, "/h1[1]/text()[1]", 99), ["result.span_out_of_text"]),
        (_span("/p[1]/text()[1]", 2, "/h1[1]/text()[1]", 1), ["result.span_out_of_text"]),
        (_span("/p[2]/text()[1]", 0, "/p[2]/text()[1]", 1), ["result.bad_xpath"]),
        (_span("/p[1]/text()[3]", 0, "/p[1]/text()[3]", 1), ["result.bad_xpath"]),
        (_span("/p[1]/text()[1]/b[1]", 0, "/p[1]/b[1]", 1), ["result.bad_xpath"]),
        (_span("/p", 0, "/p[1]", 1), ["result.bad_xpath"]),
        (_span("/p[1]", -1, "/p[1]", 1), ["result.bad_value"]),
        (_span(3, 0, "/p[1]", 1), ["result.bad_value"]),
    ],
)
def test_hypertext_span_resolves_in_the_html(result: list[Any], codes: list[str]) -> None:
    assert _codes(result) == codes


SHOWN_VS_SOURCE = (
    '<section><p>One <span class="x" onclick="evil()">two</span></p>'
    "<script>var x = 1;</script><details><p>Three</p></details></section>"
)


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        # as labelcore's editor shows it: <section> unwrapped, <details> unwrapped, no script
        ("/p[1]/text()[1]", "/p[1]/span[1]/text()[1]", "One two"),
        ("/p[2]/text()[1]", "/p[2]/text()[1]", "Three"),
        # as Label Studio renders the source
        ("/section[1]/p[1]/text()[1]", "/section[1]/p[1]/span[1]/text()[1]", "One two"),
        ("/section[1]/details[1]/p[1]/text()[1]", "/section[1]/details[1]/p[1]/text()[1]", "Three"),
    ],
)
def test_hypertext_paths_resolve_as_shown_or_as_the_source(start: str, end: str, text: str) -> None:
    eo = len(text.split()[-1])
    assert _codes(_span(start, 0, end, eo, text), SHOWN_VS_SOURCE) == []
    assert _codes(_span(start, 0, end, eo, text + "!"), SHOWN_VS_SOURCE) == [MISMATCH]


def test_hypertext_script_text_is_not_part_of_the_shown_text() -> None:
    shown = HtmlDoc.parse(SHOWN_VS_SOURCE, shown=True)
    assert "var x" not in shown.text
    assert shown.text == "One twoThree"


def test_shown_view_follows_the_editors_copy_rules() -> None:
    """SHOWN_KEEP/SHOWN_DROP are the lists safehtml.js uses to copy HyperText to the page."""
    js = (ROOT / "src/labelcore/web/static/lc/labeling/safehtml.js").read_text()
    lists = dict(re.findall(r'const (KEEP|DROP) = new Set\("([^"]*)"', js))
    assert set(lists["KEEP"].split()) == SHOWN_KEEP
    assert set(lists["DROP"].split()) == SHOWN_DROP
    assert "if (depth > 60) return;" in js


def test_hypertext_labels_on_a_labels_control_are_checked_too() -> None:
    value = {"start": "/h1[1]/text()[1]", "startOffset": 0, "end": "/h1[1]/text()[1]"}
    value.update(endOffset=4, text="Jane", labels=["Org"])
    item = {"from_name": "plain", "to_name": "page", "type": "labels", "value": value}
    codes = [p.code for p in HTML_CFG.validate_result([item], {"html": PAGE})]
    assert codes == ["result.span_text_mismatch"]


def test_hypertext_without_data_checks_shape_only() -> None:
    assert HTML_CFG.validate_result(_span("/p[9]/text()[1]", 0, "/p[9]", 1)) == []


def test_hypertext_xpath_injection_is_not_evaluated() -> None:
    for path in ("//p", "/p[1] | //h1", "/p[position()=1]", "document('http://127.0.0.1/x')"):
        assert _codes(_span(path, 0, "/p[1]", 1)) == ["result.bad_xpath"]


def test_hypertext_xxe_and_entities_in_html_are_not_expanded(tmp_path: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    html = (
        f'<!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]><p>a &x; b</p>'
        '<img src="http://127.0.0.1:1/never-fetched">'
    )
    for shown in (True, False):
        assert "TOPSECRET" not in HtmlDoc.parse(html, shown=shown).text


def test_hypertext_oversized_html_is_not_parsed() -> None:
    big = "<p>" + "a" * MAX_HTML_CHARS + "</p>"
    with pytest.raises(ValueError, match="longer than"):
        HtmlDoc.parse(big, shown=False)
    # validation still answers (shape only), never raises
    assert _codes(_span("/p[1]/text()[1]", 0, "/p[1]/text()[1]", 5), big) == []


def test_hypertext_deep_html_is_answered() -> None:
    deep = "<div>" * 5000 + "x" + "</div>" * 5000
    path = "/div[1]" * 300
    assert _codes(_span(path, 0, path, 0), deep) == ["result.bad_xpath"]  # past MAX_STEPS


def test_chat_is_its_own_chatmessage_control() -> None:
    cfg = parse_config(
        '<View><Chat name="chat" value="$chat"/>'
        '<Choices name="ok" toName="chat"><Choice value="yes"/></Choices></View>'
    )
    assert cfg.controls["chat"].tag == "ChatMessage"
    assert cfg.controls["chat"].to_names == ("chat",)
    assert cfg.objects["chat"].tag == "Chat"
    message = {"chatmessage": {"role": "user", "content": "Hi", "createdAt": 1}}
    item = {"from_name": "chat", "to_name": "chat", "type": "chatmessage", "value": message}
    assert cfg.validate_result([item]) == []
    item["value"] = {"chatmessage": {"role": "user"}}
    assert [p.code for p in cfg.validate_result([item])] == ["result.bad_value"]


@given(
    html=st.text(alphabet="<>/abp[]() =\"'&;!-\n x", max_size=200),
    start=st.one_of(st.text(alphabet="/pbtext()[]0123", max_size=30), st.integers()),
    so=st.one_of(st.integers(-3, 300), st.text(max_size=3), st.none()),
    eo=st.integers(-3, 300),
    text=st.one_of(st.none(), st.text(max_size=10)),
)
@settings(max_examples=300, deadline=None)
def test_random_html_and_paths_get_problems_never_exceptions(
    html: str, start: Any, so: Any, eo: int, text: str | None
) -> None:
    result = _span(start, so, "/p[1]/text()[1]", eo, text)
    problems = HTML_CFG.validate_result(result, {"html": html})
    assert all(p.code.startswith("result.") for p in problems)


@given(value=st.one_of(st.text(max_size=40), st.integers(), st.none()), only=st.sampled_from(
    ["", 'only="time"', 'only="year"', 'only="month,year"', 'format="%d/%m/%Y %H"']
))
@settings(max_examples=200, deadline=None)
def test_random_datetime_values_get_problems_never_exceptions(value: Any, only: str) -> None:
    assert all(code.startswith("result.") for code in _dt(only, value))


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=" \t\nab\u00a0\x1f", max_size=12),
    st.text(alphabet=" \t\nab\u00a0\x1f", max_size=20),
    st.integers(0, 20),
    st.integers(0, 20),
)
def test_hypertext_same_text_equals_comparing_collapsed_whitespace(
    text: str, doc: str, begin: int, end: int
) -> None:
    from labelcore.config.hypertext import same_text

    collapsed = " ".join(text.split()) == " ".join(doc[begin:end].split())
    assert same_text(text, doc, begin, end) is collapsed


def test_hypertext_huge_span_with_short_text_is_not_copied() -> None:
    """DoS: a HyperText result claiming a one-word text over a span of the whole (2 MB) HTML
    used to copy and re-split that span for every region; the check now stops at the first
    word that differs, so it allocates next to nothing whatever the span."""
    import tracemalloc

    from labelcore.config.results import _span_problem

    doc = HtmlDoc.parse("<p>" + "word " * 300_000 + "</p>", shown=False)
    tracemalloc.start()
    try:
        problem = _span_problem(doc, "/p[1]/text()[1]", 0, "/p[1]/text()[1]", 1_500_000, "x")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem is not None and problem[0] == "result.span_text_mismatch"
    assert peak < 100_000  # the span is 1.5 MB; copying it once would pass this by far


def test_hypertext_paths_into_a_wide_element_do_not_rescan_its_children() -> None:
    """DoS: each region's text()[n] step listed the element's text nodes anew, so regions
    pointing into an element with 400 000 children cost about 20 ms each; the list is now
    built once per element."""
    import tracemalloc

    doc = HtmlDoc.parse("<p>" + "<b>x</b> " * 200_000 + "</p>", shown=False)
    assert doc.point("/p[1]/text()[2]", 1) == 4  # "x x x": warm, builds the list once
    tracemalloc.start()
    try:
        for n in range(1, 50):
            doc.point(f"/p[1]/text()[{n}]", 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000  # one list of the 200 000 text nodes alone is 1.6 MB
