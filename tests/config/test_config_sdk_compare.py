"""Our own corpus and gallery configs parse to the same controls and objects as
label-studio-sdk's LabelInterface (a test-only reference; nothing of it is used at runtime)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sdk_compare

HERE = Path(__file__).parent
FILES = sorted(HERE.glob("corpus/*.xml")) + sorted(HERE.glob("gallery/*.xml"))
# where we read more than the SDK, and why
EXTRA = {
    # the SDK reads only the camel-case `toName`; Label Studio's editor matches attribute
    # names in any case, and so do we
    "40_lowercase_tags": {"label"},
}


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_parse_agrees_with_the_sdk(path: Path) -> None:
    xml = path.read_text()
    (our_controls, our_objects), (sdk_controls, sdk_objects) = (
        sdk_compare.ours(xml),
        sdk_compare.sdk(xml),
    )
    extra = EXTRA.get(path.stem, set())
    assert set(our_controls) - set(sdk_controls) == extra
    assert {n: c for n, c in our_controls.items() if n not in extra} == sdk_controls
    assert our_objects == sdk_objects


def test_the_sdk_is_really_consulted() -> None:
    """The comparison can fail: a renamed control differs."""
    xml = (
        '<View><Text name="a" value="$a"/>'
        '<Choices name="c" toName="a"><Choice value="x"/></Choices></View>'
    )
    controls, _ = sdk_compare.sdk(xml)
    assert controls == {"c": ("choices", ("a",))}
    assert sdk_compare.ours(xml.replace('name="c"', 'name="d"')) != sdk_compare.sdk(xml)
