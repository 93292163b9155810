"""Results that come without ids (a model's predictions often do) each get their own region
id on the labeling screen; they were all the region "undefined"."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

NER = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/></Labels>
  <Choices name="kind" toName="text"><Choice value="news"/><Choice value="blog"/></Choices>
  <Pairwise name="pw" toName="text"/>
</View>"""


def test_results_without_ids_get_their_own(harness: Any) -> None:
    spans = [
        {
            "from_name": "ner",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]},
        },
        {
            "from_name": "ner",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 13, "end": 19, "text": "London", "labels": ["LOC"]},
        },
        {"from_name": "kind", "to_name": "text", "type": "choices", "value": {"choices": ["news"]}},
        {"from_name": "pw", "to_name": "pw", "type": "pairwise", "value": {"selected": "left"}},
    ]
    harness.mount(NER, {"text": "Ada lives in London."}, spans)
    page = harness.page
    assert page.locator(".lc-region-row").count() == 2  # two regions, not one "undefined"
    got = harness.result()
    ids = [r["id"] for r in got]
    assert len(got) == 4 and "undefined" not in ids and len(set(ids)) == 4
    by_label = {r["value"]["labels"][0]: r["value"]["text"] for r in got if r["type"] == "labels"}
    assert by_label == {"PER": "Ada", "LOC": "London"}
