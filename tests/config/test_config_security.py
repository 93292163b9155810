# ruff: noqa: E501  (inline XML configs read best on one line)
"""Regression tests, one per known attack on labeling-config XML."""

from __future__ import annotations

import pytest

from labelcore import ConfigError, parse_config
from labelcore.config import MAX_BYTES, MAX_DEPTH


def codes(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_xxe_file_entity_is_refused(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE View [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<View><Header value="&xxe;"/><Text name="t" value="$t"/></View>'
    )
    with pytest.raises(ConfigError) as exc:
        parse_config(xml)
    assert codes(exc) == ["config.dtd_forbidden"]
    assert "TOP-SECRET" not in str(exc.value)


def test_xxe_network_entity_is_refused() -> None:
    xml = (
        '<!DOCTYPE View [<!ENTITY net SYSTEM "http://127.0.0.1:1/evil.dtd">]>'
        '<View><Header value="&net;"/></View>'
    )
    with pytest.raises(ConfigError) as exc:
        parse_config(xml)
    assert codes(exc) == ["config.dtd_forbidden"]


def test_external_dtd_is_refused() -> None:
    xml = '<!DOCTYPE View SYSTEM "http://127.0.0.1:1/x.dtd"><View/>'
    with pytest.raises(ConfigError) as exc:
        parse_config(xml)
    assert codes(exc) == ["config.dtd_forbidden"]


def test_billion_laughs_is_refused_without_expansion() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    xml = f'<!DOCTYPE View [{entities}]><View><Header value="&lol9;"/></View>'
    with pytest.raises(ConfigError) as exc:
        parse_config(xml)
    assert codes(exc) == ["config.dtd_forbidden"]
    assert len(str(exc.value)) < 1000


def test_doctype_hidden_after_a_comment_is_still_refused() -> None:
    xml = '<!-- hello --><!DOCTYPE View [<!ENTITY a "b">]><View/>'
    with pytest.raises(ConfigError) as exc:
        parse_config(xml)
    assert codes(exc) == ["config.dtd_forbidden"]


def test_doctype_text_inside_sample_comment_is_only_data() -> None:
    xml = '<View><HyperText name="h" value="$html"/></View><!-- {"data": {"html": "<!DOCTYPE html><p>x</p>"}} -->'
    cfg = parse_config(xml)
    assert cfg.sample_task() == {"html": "<!DOCTYPE html><p>x</p>"}


def test_sample_task_comment_with_script_is_data_not_markup() -> None:
    payload = "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>"
    xml = (
        '<View><HyperText name="page" value="$html"/></View>'
        f'<!-- {{"data": {{"html": "{payload}"}}}} -->'
    )
    cfg = parse_config(xml)
    assert cfg.sample_task() == {"html": payload}
    # nothing in the comment became a tag of the config
    assert set(cfg.objects) == {"page"} and cfg.controls == {}


def test_sample_task_comment_with_tags_does_not_add_objects() -> None:
    xml = '<View><Text name="t" value="$t"/><!-- <Text name="evil" value="$x"/> --></View>'
    cfg = parse_config(xml)
    assert set(cfg.objects) == {"t"} and "x" not in cfg.data_keys


def test_oversized_sample_task_comment_is_ignored() -> None:
    body = '{"data": {"t": "' + "a" * 300_000 + '"}}'
    cfg = parse_config(f'<View><Text name="t" value="$t"/></View><!-- {body} -->')
    assert cfg.sample_task()["t"] != "a" * 300_000


def test_deeply_nested_json_in_sample_comment_is_ignored() -> None:
    body = "{" + '"a":' * 1 + "[" * 50_000 + "]" * 50_000 + "}"
    cfg = parse_config(f'<View><Text name="t" value="$t"/></View><!-- {body} -->')
    assert "t" in cfg.sample_task()


def test_20mb_config_is_refused_before_parsing() -> None:
    xml = "<View>" + "<Header value='x'/>" * (20 * 1024 * 1024 // 19) + "</View>"
    assert len(xml) > 20_000_000
    with pytest.raises(ConfigError) as exc:
        parse_config(xml)
    assert codes(exc) == ["config.too_large"]
    assert str(MAX_BYTES) in exc.value.problems[0].message


def test_size_limit_is_configurable() -> None:
    xml = '<View><Text name="t" value="$t"/></View>'
    parse_config(xml, max_bytes=len(xml))
    with pytest.raises(ConfigError) as exc:
        parse_config(xml, max_bytes=len(xml) - 1)
    assert codes(exc) == ["config.too_large"]


def test_100000_deep_nesting_is_refused_naming_the_limit() -> None:
    xml = "<View>" * 100_000 + "</View>" * 100_000
    with pytest.raises(ConfigError) as exc:
        parse_config(xml, max_bytes=10_000_000)
    assert codes(exc) == ["config.too_deep"]
    assert str(MAX_DEPTH) in exc.value.problems[0].message


def test_depth_limit_is_configurable() -> None:
    xml = "<View>" * 12 + "</View>" * 12
    parse_config(xml, max_depth=12)
    with pytest.raises(ConfigError) as exc:
        parse_config(xml, max_depth=11)
    assert codes(exc) == ["config.too_deep"]
    assert "11" in exc.value.problems[0].message


@pytest.mark.parametrize(
    "text",
    ["", "   ", "just some words", '{"json": true}', "<View>", "<View></Veiw>", "<<>>", "\x00"],
)
def test_not_xml_is_refused_with_the_parser_line(text: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(text)
    assert codes(exc) == ["config.not_xml"]
    assert exc.value.status == 400 and exc.value.code == "config.invalid"
    assert exc.value.problems[0].line is not None or text.strip() == "" or "\x00" in text


def test_not_xml_reports_the_line_of_the_error() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config("<View>\n<Text name='t' value='$t'>\n</View>")
    assert exc.value.problems[0].line == 3


def test_non_string_config_is_refused() -> None:
    with pytest.raises(ConfigError):
        parse_config(12345)  # type: ignore[arg-type]


def test_lone_surrogate_is_refused_not_crashing() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config("<View>\ud800</View>")
    assert codes(exc) == ["config.not_xml"]


def test_processing_instructions_are_dropped() -> None:
    cfg = parse_config(
        '<?xml-stylesheet href="http://127.0.0.1:1/x.xsl"?><View><Text name="t" value="$t"/></View>'
    )
    assert set(cfg.objects) == {"t"}


def test_made_up_to_names_do_not_grow_the_config_memo() -> None:
    """A control without toName (Rating) takes any to_name in a result; the allowed-types
    memo, which lives as long as the cached config, must not keep one entry per name sent."""
    cfg = parse_config('<View><Text name="t" value="$t"/><Rating name="r"/></View>')
    result = {"from_name": "r", "type": "rating", "value": {"rating": 1}}
    cfg.validate_result([{**result, "to_name": "t"}], {"t": "hi"})
    kept = len(cfg._memo)
    for k in range(200):
        assert cfg.validate_result([{**result, "to_name": f"made-up-{k}"}], {"t": "hi"}) == []
    assert len(cfg._memo) == kept
