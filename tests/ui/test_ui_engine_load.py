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


CHAT = """<View>
  <Chat name="chat" value="$chat"/>
  <Rating name="accuracy" toName="chat" perRegion="true" maxRating="5"/>
  <Choices name="verdict" toName="chat"><Choice value="good"/><Choice value="bad"/></Choices>
</View>"""


def test_results_of_tags_this_screen_does_not_draw_are_kept(harness: Any) -> None:
    """A Chat (drawn by Label Studio Enterprise, not here) keeps its messages and the
    per-message ratings when the annotation is edited and saved here; they were dropped."""
    message = {"role": "assistant", "content": "Hi", "createdAt": 1}
    loaded = [
        {
            "id": "m1",
            "from_name": "chat",
            "to_name": "chat",
            "type": "chatmessage",
            "value": {"chatmessage": message},
        },
        {
            "id": "m1",
            "from_name": "accuracy",
            "to_name": "chat",
            "type": "rating",
            "value": {"rating": 4},
        },
        {
            "id": "v1",
            "from_name": "verdict",
            "to_name": "chat",
            "type": "choices",
            "value": {"choices": ["good"]},
        },
    ]
    harness.mount(CHAT, {"chat": [{"role": "user", "content": "Hello"}]}, loaded)
    harness.page.get_by_role("checkbox", name="good").uncheck()
    harness.page.get_by_role("checkbox", name="bad").check()
    got = {(r["from_name"], r["id"]): r["value"] for r in harness.result()}
    assert got[("chat", "m1")] == {"chatmessage": message}
    assert got[("accuracy", "m1")] == {"rating": 4}
    assert [v["choices"] for (name, _), v in got.items() if name == "verdict"] == [["bad"]]
    assert len(got) == 3
