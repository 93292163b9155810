"""Review and quality endpoints: Label Studio's ``/api/annotation-reviews`` plus our stream,
agreement and statistics.

    GET|POST /api/annotation-reviews[?annotation=|task=|project=]
    GET|PATCH|DELETE /api/annotation-reviews/{id}
    GET /api/projects/{id}/review/next   /review/queue   /review/rejected   /review/states
    POST /api/projects/{id}/review/request-more
    GET /api/projects/{id}/agreement[.csv]   GET /api/projects/{id}/stats[.csv?table=]

Every handler is one facade call (``LabelCore`` review methods); the facade checks roles.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from labelcore import _converter
from labelcore._numbers import ascii_int
from labelcore.errors import NotFound
from labelcore.quality.agreement import AgreementReport
from labelcore.quality.tables import (
    TABLES,
    agreement_table,
    report_to_json,
    stats_tables,
    stats_to_json,
    to_csv,
)
from labelcore.service.review import (
    MAX_STATES_PAGE,
    STATES_PAGE,
    ReviewItem,
    review_to_json,
)
from labelcore.web.api._util import (
    ID,
    OBJ,
    OBJ_LIST,
    RESULT,
    as_bool,
    bad,
    bool_param,
    int_field,
    int_param,
    json_object,
    result_list,
)
from labelcore.web.context import Ctx
from labelcore.web.http import Headers, Response, json_text
from labelcore.web.routes import Param, Router


def _number(ctx: Ctx, name: str) -> float | None:
    raw = ctx.request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise bad(f"{name!r} must be a number, got {raw[:50]!r}", name) from None


def _when(ctx: Ctx, name: str) -> dt.datetime | None:
    raw = ctx.request.query.get(name)
    if not raw:
        return None
    try:
        value = _converter.dt_from_json(raw)
    except (TypeError, ValueError):
        value = None
    if value is None:
        raise bad(f"{name!r} must be an ISO 8601 date-time, got {raw[:50]!r}", name)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _filters(ctx: Ctx) -> dict[str, Any]:
    annotator: Any = ctx.request.query.get("annotator") or None
    if isinstance(annotator, str) and (number := ascii_int(annotator)) is not None:
        annotator = number
    return {
        "annotator": annotator,
        "label": ctx.request.query.get("label") or None,
        "min_agreement": _number(ctx, "min_agreement"),
        "max_agreement": _number(ctx, "max_agreement"),
        "since": _when(ctx, "since"),
        "until": _when(ctx, "until"),
    }


def item_to_json(item: ReviewItem) -> dict[str, Any]:
    b = item.bundle
    return {
        "annotation": _converter.annotation_to_json(item.annotation),
        "state": item.state,
        "agreement": item.agreement,
        "reviews": [review_to_json(r) for r in item.reviews],
        "task": _converter.task_to_json(b.task, b.annotations, b.predictions),
    }


def list_reviews(ctx: Ctx) -> Response:
    user = ctx.require_user()
    rows = ctx.core.list_reviews(
        user,
        project_id=int_param(ctx, "project"),
        task_id=int_param(ctx, "task"),
        annotation_id=int_param(ctx, "annotation"),
    )
    return ctx.json([review_to_json(r) for r in rows])


def create_review(ctx: Ctx) -> Response:
    user = ctx.require_user()
    body = json_object(ctx, allow_empty=False)
    annotation = int_field(body, "annotation", required=True)
    assert annotation is not None
    if "accepted" not in body:
        raise bad("'accepted' is required (true accepts, false rejects)", "accepted")
    comment = body.get("comment", "")
    if comment is None:
        comment = ""
    review = ctx.core.create_review(
        user,
        annotation,
        accepted=as_bool(body["accepted"], "accepted"),
        result=result_list(body),
        comment=comment,
    )
    return ctx.json(review_to_json(review), status=201)


def get_review(ctx: Ctx) -> Response:
    return ctx.json(review_to_json(ctx.core.get_review(ctx.require_user(), ctx.params["id"])))


def update_review(ctx: Ctx) -> Response:
    body = json_object(ctx, allow_empty=False)
    comment = body.get("comment")
    if not isinstance(comment, str):
        raise bad("'comment' must be a string", "comment")
    unknown = set(body) - {"comment", "id", "annotation"}
    if unknown:
        raise bad(
            f"only the comment of a review can change, not {sorted(unknown)[:5]}; to change "
            "the verdict, delete the review and review again",
            "comment",
        )
    review = ctx.core.update_review(ctx.require_user(), ctx.params["id"], comment=comment)
    return ctx.json(review_to_json(review))


def delete_review(ctx: Ctx) -> Response:
    ctx.core.delete_review(ctx.require_user(), ctx.params["id"])
    return Response.empty(204)


def next_review(ctx: Ctx) -> Response:
    item = ctx.core.next_review(ctx.require_user(), ctx.params["id"], **_filters(ctx))
    if item is None:
        raise NotFound("no annotation is waiting for your review", code="review.queue_empty")
    return ctx.json(item_to_json(item))


def review_queue(ctx: Ctx) -> Response:
    limit = int_param(ctx, "limit", default=100, maximum=1000) or 100
    items = ctx.core.review_queue(
        ctx.require_user(), ctx.params["id"], limit=limit, **_filters(ctx)
    )
    return ctx.json([item_to_json(i) for i in items])


def rejected(ctx: Ctx) -> Response:
    rows = ctx.core.rejected_annotations(ctx.require_user(), ctx.params["id"])
    return ctx.json(
        [
            {"annotation": _converter.annotation_to_json(a), "review": review_to_json(r)}
            for a, r in rows
        ]
    )


def states(ctx: Ctx) -> Response:
    """The whole project's states; with ``limit`` or ``after`` (opt-in paging) the first
    ``limit`` tasks with an id above ``after`` and ``next``, the ``after`` of the next page."""
    user = ctx.require_user()
    limit = int_param(ctx, "limit", maximum=MAX_STATES_PAGE)
    after = int_param(ctx, "after", minimum=0)
    if limit is None and after is None:
        batches = ctx.core.iter_review_states(user, ctx.params["id"])
        return Response.json_stream(_states_chunks(batches))
    page = ctx.core.review_states_page(
        user, ctx.params["id"], after=after or 0, limit=limit or STATES_PAGE
    )
    return ctx.json(
        {
            "tasks": {str(k): v for k, v in page.tasks.items()},
            "annotations": {str(k): v for k, v in page.annotations.items()},
            "next": page.next,
        }
    )


def _states_chunks(batches: Iterable[tuple[dict[int, str], dict[int, str]]]) -> Iterator[str]:
    """``json_text({"tasks": ..., "annotations": ...})`` of the whole project's states a
    batch at a time, the same text byte for byte: the task members are written as each batch
    comes; the annotation members, which follow all of them, are kept as each batch's text
    (a few bytes an annotation, where the whole answer's dicts were ~370 a task)."""
    anns: list[str] = []
    encoded: dict[str, str] = {}  # the few states, each encoded once

    def members(states: dict[int, str]) -> str:
        # an int key's JSON is the text of its repr
        return ",".join(
            f'"{k}":{encoded.get(v) or encoded.setdefault(v, json_text(v))}'
            for k, v in states.items()
        )

    def tasks() -> Iterator[str]:
        for task_states, ann_states in batches:
            anns.append(members(ann_states))
            yield members(task_states)

    yield '{"tasks":{'
    yield from _joined(tasks())
    yield '},"annotations":{'
    yield from _joined(anns)
    yield "}}"


def _joined(parts: Iterable[str]) -> Iterator[str]:
    """Parts of a JSON array's items or an object's members, each already comma-joined,
    written one after the other with the commas between them (an empty part adds nothing)."""
    sep = ""
    for part in parts:
        if part:
            yield sep + part
            sep = ","


def request_more(ctx: Ctx) -> Response:
    body = json_object(ctx, allow_empty=False)
    ids = body.get("tasks")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > 10000
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids)
    ):
        raise bad("'tasks' must be a list of 1..10000 task ids", "tasks")
    extra = body.get("extra", 1)
    changed = ctx.core.request_more_annotations(
        ctx.require_user(), ctx.params["id"], ids, extra=extra
    )
    return ctx.json({"tasks": changed})


def review_export(ctx: Ctx) -> Response:
    """Label Studio JSON export with each annotation's ``reviews`` (verdicts); with
    ``only_accepted=1`` only accepted annotations (and tasks that have one). For reviewers
    too; managers also have ``/export?only_accepted=true&include_reviews=true``."""
    user = ctx.require_user()
    only = bool_param(ctx, "only_accepted", default=False)
    return ctx.json(list(ctx.core.reviewed_export(user, ctx.params["id"], only_accepted=only)))


def _threshold(ctx: Ctx) -> float:
    got = _number(ctx, "iou_threshold")
    return 0.5 if got is None else got


_ROWS_PER_CHUNK = 5000  # per-task rows of the agreement JSON written at a time


def _report_chunks(report: AgreementReport) -> Iterator[str]:
    """``json_text(report_to_json(report))`` a part at a time: the per-task rows are written
    as the report's map streams them (the project's task ids, from the store), never listed
    whole; the same text, byte for byte."""
    rest = report_to_json(report, tasks=False)
    head = {key: rest.pop(key) for key in ("agreement", "annotators")}
    yield json_text(head)[:-1] + ',"tasks":['
    rows = iter(report.tasks.items())
    yield from _joined(
        ",".join(
            # most tasks have no agreement: their row is formatted, not encoded (the same
            # text: an int's JSON is its repr)
            f'{{"task":{t},"agreement":null}}'
            if v is None and type(t) is int
            else json_text({"task": t, "agreement": v})
            for t, v in chunk
        )
        for chunk in iter(lambda: list(itertools.islice(rows, _ROWS_PER_CHUNK)), [])
    )
    yield "]," + json_text(rest)[1:]


def agreement(ctx: Ctx) -> Response:
    report = ctx.core.agreement(ctx.require_user(), ctx.params["id"], iou_threshold=_threshold(ctx))
    return Response.json_stream(_report_chunks(report))


def _csv(text: str, filename: str) -> Response:
    headers = Headers(
        [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", f'attachment; filename="{filename}"'),
        ]
    )
    return Response(status=200, headers=headers, body=text.encode("utf-8"))


def agreement_csv(ctx: Ctx) -> Response:
    pid = ctx.params["id"]
    report = ctx.core.agreement(ctx.require_user(), pid, iou_threshold=_threshold(ctx))
    return _csv(to_csv(*agreement_table(report)), f"project-{pid}-agreement.csv")


def stats(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    stats = stats_to_json(ctx.core.project_stats(user, pid))
    report = ctx.core.agreement(user, pid)
    head = json_text(stats)[:-1] + ',"agreement":'
    return Response.json_stream(itertools.chain([head], _report_chunks(report), ["}"]))


def stats_csv(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    table = ctx.request.query.get("table") or "annotators"
    if table not in TABLES:
        raise bad(f"'table' must be one of {', '.join(TABLES)}", "table")
    report = ctx.core.agreement(user, pid) if table == "agreement" else None
    tables = stats_tables(ctx.core.project_stats(user, pid), report)
    return _csv(to_csv(*tables[table]), f"project-{pid}-{table}.csv")


_FILTER_PARAMS = (
    Param(name="annotator", description="only this annotator's work"),
    Param(name="label", description="only results with this label or choice"),
    Param(name="min_agreement", schema={"type": "number"}),
    Param(name="max_agreement", schema={"type": "number"}),
    Param(name="since", schema={"type": "string", "format": "date-time"}),
    Param(name="until", schema={"type": "string", "format": "date-time"}),
)
_CSV = {"type": "string"}


def register(router: Router) -> None:
    from labelcore.web.review_pages import register_pages

    register_pages(router)
    t = ("reviews",)
    router.api(
        "GET",
        "/api/annotation-reviews",
        list_reviews,
        name="api.annotation_reviews",
        tags=t,
        params=(
            Param(name="project", schema=ID),
            Param(name="task", schema=ID),
            Param(name="annotation", schema=ID),
        ),
        summary="Reviews of a project, task or annotation",
        responses={200: OBJ_LIST},
    )
    router.api(
        "POST",
        "/api/annotation-reviews",
        create_review,
        name="api.annotation_review_create",
        tags=t,
        body={
            "type": "object",
            "required": ["annotation", "accepted"],
            "properties": {
                "annotation": ID,
                "accepted": {"type": "boolean"},
                "result": RESULT,
                "comment": {"type": "string", "maxLength": 5000},
            },
        },
        summary="Accept, reject, or fix and accept (accepted with a result) an annotation",
        responses={201: OBJ},
    )
    router.api(
        "GET",
        "/api/annotation-reviews/{id:int}",
        get_review,
        name="api.annotation_review",
        tags=t,
        summary="One review",
        responses={200: OBJ},
    )
    router.api(
        "PATCH",
        "/api/annotation-reviews/{id:int}",
        update_review,
        name="api.annotation_review_update",
        tags=t,
        body={"type": "object", "properties": {"comment": {"type": "string", "maxLength": 5000}}},
        summary="Change a review's comment (its author or a manager)",
        responses={200: OBJ},
    )
    router.api(
        "DELETE",
        "/api/annotation-reviews/{id:int}",
        delete_review,
        name="api.annotation_review_delete",
        tags=t,
        summary="Withdraw a review (its author or a manager)",
        responses={204: None},
    )
    base = "/api/projects/{id:int}"
    router.api(
        "GET",
        base + "/review/next",
        next_review,
        name="api.review_next",
        tags=t,
        params=_FILTER_PARAMS,
        summary="The next annotation to review (404 when none waits)",
        responses={200: OBJ},
    )
    router.api(
        "GET",
        base + "/review/queue",
        review_queue,
        name="api.review_queue",
        tags=t,
        params=(*_FILTER_PARAMS, Param(name="limit", schema={"type": "integer"})),
        summary="Annotations waiting for review",
        responses={200: OBJ_LIST},
    )
    router.api(
        "GET",
        base + "/review/rejected",
        rejected,
        name="api.review_rejected",
        tags=t,
        summary="The caller's rejected annotations with the reviewer's comment",
        responses={200: OBJ_LIST},
    )
    router.api(
        "GET",
        base + "/review/states",
        states,
        name="api.review_states",
        tags=t,
        params=(
            Param(
                name="limit",
                schema={"type": "integer", "minimum": 1, "maximum": MAX_STATES_PAGE},
                description="page: at most this many tasks (adds next to the answer)",
            ),
            Param(
                name="after",
                schema={"type": "integer", "minimum": 0},
                description="page: tasks with an id above this (the previous page's next)",
            ),
        ),
        summary="Review state of every task and annotation (a page of tasks with limit/after)",
        responses={200: OBJ},
    )
    router.api(
        "POST",
        base + "/review/request-more",
        request_more,
        name="api.review_request_more",
        tags=t,
        body={
            "type": "object",
            "required": ["tasks"],
            "properties": {"tasks": {"type": "array", "items": ID}, "extra": {"type": "integer"}},
        },
        summary="Raise the overlap of tasks so more annotators label them",
        responses={200: OBJ},
    )
    router.api(
        "GET",
        base + "/review/export",
        review_export,
        name="api.review_export",
        tags=t,
        params=(Param(name="only_accepted", schema={"type": "boolean"}),),
        summary="JSON export with review verdicts, optionally only accepted work",
        responses={200: OBJ_LIST},
    )
    thr = (Param(name="iou_threshold", schema={"type": "number"}),)
    router.api(
        "GET",
        base + "/agreement",
        agreement,
        name="api.project_agreement",
        tags=t,
        params=thr,
        summary="Inter-annotator agreement",
        responses={200: OBJ},
    )
    router.api(
        "GET",
        base + "/agreement.csv",
        agreement_csv,
        name="api.project_agreement_csv",
        tags=t,
        params=thr,
        summary="Agreement per annotator pair as CSV",
        responses={200: _CSV},
    )
    router.api(
        "GET",
        base + "/stats",
        stats,
        name="api.project_stats",
        tags=t,
        summary="Project statistics with agreement",
        responses={200: OBJ},
    )
    router.api(
        "GET",
        base + "/stats.csv",
        stats_csv,
        name="api.project_stats_csv",
        tags=t,
        params=(Param(name="table", schema={"type": "string", "enum": list(TABLES)}),),
        summary="One statistics table as CSV",
        responses={200: _CSV},
    )
