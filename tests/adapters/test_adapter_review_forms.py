"""The review pages' HTML forms (accept, reject, fix, delete) post the page's CSRF token in
the ``csrf_token`` field: each adapter's CSRF check must accept it, and only it."""

from __future__ import annotations

import re
from typing import Any

from lc_adapter_world import POS

from labelcore.service import LabelCore


def test_review_form_with_the_pages_token_records_the_verdict(
    client: Any, core: LabelCore, users: Any, world: dict[str, Any]
) -> None:
    a = world["a"]
    reviewer = users["a-reviewer"]
    client.login(reviewer, fetch_csrf=False)
    page = client.get(f"/projects/{a['project']}/review")  # the next annotation to review
    assert page.status == 200, page
    html = page.body.decode()
    action, aid = re.search(r'action="(/label/projects/\d+/review/(\d+))"', html).groups()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "action": "reject", "comment": "Wrong label", "next": ""}
    r = client.post(action.removeprefix("/label"), form=form, csrf=False)
    assert r.status == 303, r
    (review,) = core.list_reviews(reviewer, annotation_id=int(aid))
    assert (review.action, review.comment) == ("rejected", "Wrong label")


def test_review_form_without_or_with_a_wrong_token_is_refused(
    client: Any, core: LabelCore, users: Any, world: dict[str, Any]
) -> None:
    a = world["a"]
    ann = core.submit_annotation(users["a-annotator"], a["tasks"][2], POS)
    client.login(users["a-reviewer"], fetch_csrf=False)
    client.get(f"/projects/{a['project']}/review")  # the session's CSRF cookie
    path = f"/projects/{a['project']}/review/{ann.id}"
    for extra in ({}, {"csrf_token": "x" * 64}):
        r = client.post(path, form={"action": "accept", **extra}, csrf=False)
        assert r.status == 403 and r.json()["code"] == "csrf.failed", r
    assert core.list_reviews(users["a-reviewer"], annotation_id=ann.id) == []
