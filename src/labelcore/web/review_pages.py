"""Server-rendered review pages: the review screen, a task quick view, the annotator's
rejected work and the statistics page with SVG charts (no JavaScript needed).

    from labelcore.web.review_pages import register_pages
    register_pages(router)      # done by labelcore.web.api.review.register
    # GET <mount>/projects/3/stats   GET <mount>/projects/3/review

Verdicts are HTML form posts (CSRF token in the ``csrf_token`` field) that redirect back,
so they work with any host layout and a strict CSP.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from labelcore._jsondepth import loads
from labelcore._numbers import ascii_int
from labelcore.errors import Conflict, NotFound, ValidationError
from labelcore.model import Annotation, AnnotationReview, Project, User
from labelcore.quality.charts import Words, bar_chart, line_chart, matrix_chart
from labelcore.quality.statistics import result_labels
from labelcore.quality.tables import TABLES, stats_tables
from labelcore.storage.base import TaskBundle
from labelcore.web.api.media import resolve_task_media
from labelcore.web.context import Ctx
from labelcore.web.http import Response
from labelcore.web.i18n import _
from labelcore.web.review_figures import image_figures
from labelcore.web.routes import Router


def _render(ctx: Ctx, template: str, **values: Any) -> Response:
    return ctx.render(f"labelcore/{template}", lc_base_template=ctx.app.base_template, **values)


def _names(ctx: Ctx, ids: set[str]) -> dict[str, str]:
    known = ctx.core.store.get_users(
        list(ids) + [n for i in ids if (n := ascii_int(i)) is not None]
    )
    return {str(k): (u.name or u.email or str(k)) for k, u in known.items()}


def _label_lines(result: list[dict[str, Any]]) -> list[str]:
    """``control: label`` per label of the result; a span adds its text, so two regions with
    the same label can be told apart."""
    lines: list[str] = []
    for item in result:
        value = item.get("value") if isinstance(item, dict) else None
        span = value.get("text") if isinstance(value, dict) else None
        quoted = f" — “{span}”" if isinstance(span, str) and span else ""
        lines.extend(f"{c}: {lab}{quoted}" for c, lab in result_labels([item]))
    return lines


def _annotation_view(
    ann: Annotation, names: dict[str, str], reviews: list[AnnotationReview]
) -> dict[str, Any]:
    who = str(ann.completed_by)
    return {
        "id": ann.id,
        "who": names.get(who, who),
        "by": who,
        "version": ann.version,
        "skipped": ann.was_cancelled,
        "ground_truth": ann.ground_truth,
        "last_action": ann.last_action or "",
        "labels": _label_lines(ann.result),
        "result": json.dumps(ann.result, ensure_ascii=False, indent=1),
        "reviews": [
            {
                "action": r.action,
                "comment": r.comment,
                "who": names.get(str(r.reviewer_id), str(r.reviewer_id)),
            }
            for r in reviews
            if r.annotation_id == ann.id
        ],
    }


def _task_view(ctx: Ctx, user: User, bundle: TaskBundle, project: Project) -> dict[str, Any]:
    project_id = project.id
    reviews = ctx.core.list_reviews(user, task_id=bundle.task.id)
    ids = {str(a.completed_by) for a in bundle.annotations} | {str(r.reviewer_id) for r in reviews}
    names = _names(ctx, ids)
    _tasks, states = ctx.core.review_states(user, project_id, [bundle.task.id])
    # image regions are drawn over their image (the media URLs resolved as for labeling)
    cfg = ctx.core.project_config(project)
    media = resolve_task_media(ctx, cfg, bundle.task.data, project_id)
    anns = []
    for a in bundle.annotations:
        view = _annotation_view(a, names, reviews)
        view["state"] = states.get(a.id, "")
        view["figures"] = [] if a.was_cancelled else image_figures(cfg, media, a.result)
        anns.append(view)
    return {
        "id": bundle.task.id,
        "data": [
            (k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
            for k, v in bundle.task.data.items()
        ],
        "annotations": anns,
        "predictions": [
            {
                "id": p.id,
                "model_version": p.model_version,
                "score": p.score,
                "labels": _label_lines(p.result),
                "figures": image_figures(cfg, media, p.result),
            }
            for p in bundle.predictions
        ],
    }


def _can(ctx: Ctx, user: User, project_id: int, action: str) -> bool:
    return ctx.can(project_id, action)


def _can_review(ctx: Ctx, user: User, project_id: int) -> bool:
    return _can(ctx, user, project_id, "annotations.review")


def review_page(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    q = ctx.request.query
    annotator: Any = q.get("annotator") or None
    if isinstance(annotator, str) and (number := ascii_int(annotator)) is not None:
        annotator = number
    item = ctx.core.next_review(user, pid, annotator=annotator, label=q.get("label") or None)
    project = ctx.core.get_project(user, pid)
    task = None
    if item is not None:
        task = _task_view(ctx, user, item.bundle, project)
    return _render(
        ctx,
        "review.html",
        project=project,
        item=item,
        task=task,
        filters={"annotator": q.get("annotator") or "", "label": q.get("label") or ""},
        user_id=str(user.id),
    )


def task_quick_view(ctx: Ctx) -> Response:
    user = ctx.require_user()
    return _quick_view(ctx, user, ctx.params["id"], ctx.params["task"])


def _quick_view(
    ctx: Ctx, user: User, pid: int, tid: int, *, error: str = "", status: int = 200
) -> Response:
    bundle = ctx.core.get_task(user, tid)
    if bundle.task.project_id != pid:
        raise NotFound(f"task {tid} not found", code="task.not_found")
    project = ctx.core.get_project(user, pid)
    resp = _render(
        ctx,
        "review_task.html",
        project=project,
        task=_task_view(ctx, user, bundle, project),
        can_review=_can_review(ctx, user, pid),
        can_manage=_can(ctx, user, pid, "annotations.manage"),
        user_id=str(user.id),
        error=error,
    )
    resp.status = status
    return resp


def _result_field(raw: str | None) -> Any:
    try:
        return loads(raw or "")
    except ValueError as exc:
        raise ValidationError(f"the result is not valid JSON: {exc}", code="review.result") from exc


def _version_field(raw: str | None) -> int | None:
    return ascii_int(raw) if raw else None


def verdict(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid, aid = ctx.params["id"], ctx.params["annotation"]
    form = ctx.request.form
    action = form.get("action")
    comment = form.get("comment") or ""
    ann = ctx.core.get_annotation(user, aid)
    if ann.project_id != pid:
        raise NotFound(f"annotation {aid} not found", code="annotation.not_found")
    back = form.get("next")
    try:
        if action == "accept":
            ctx.core.accept_annotation(user, aid, comment=comment)
        elif action == "reject":
            ctx.core.reject_annotation(user, aid, comment=comment)
        elif action == "fix":  # the reviewer's edit, accepted (a new version by them)
            result = _result_field(form.get("result"))
            ctx.core.fix_and_accept(user, aid, result=result, comment=comment)
        elif action == "save":  # an edit within the role: one's own, or a manager's
            result = _result_field(form.get("result"))
            version = _version_field(form.get("version"))
            ctx.core.update_annotation(user, aid, result=result, expected_version=version)
        elif action == "delete":
            ctx.core.delete_annotation(user, aid)
        else:
            raise ValidationError(
                "action must be accept, reject, fix, save or delete", code="review.action"
            )
    except (ValidationError, Conflict) as exc:
        if back != "task":
            raise
        details = "; ".join(str(e.get("message", e)) for e in exc.errors[:5])
        message = f"{exc}: {details}" if details else str(exc)
        return _quick_view(ctx, user, pid, ann.task_id, error=message, status=exc.status)
    target = ctx.url_for("lc_review", id=pid)
    if back == "task":
        target = ctx.url_for("lc_review_task", id=pid, task=ann.task_id)
    return Response.redirect(target, status=303)


def rejected_page(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    rows = ctx.core.rejected_annotations(user, pid)
    names = _names(ctx, {str(r.reviewer_id) for _row, r in rows})
    items = [
        {
            "annotation": a.id,
            "task": a.task_id,
            "labels": _label_lines(a.result),
            "comment": r.comment,
            "reviewer": names.get(str(r.reviewer_id), str(r.reviewer_id)),
        }
        for a, r in rows
    ]
    return _render(
        ctx, "review_rejected.html", project=ctx.core.get_project(user, pid), items=items
    )


def stats_page(ctx: Ctx) -> Response:
    user = ctx.require_user()
    pid = ctx.params["id"]
    stats = ctx.core.project_stats(user, pid)
    report = ctx.core.agreement(user, pid)
    names = {a.annotator: a.name for a in stats.per_annotator}
    labels = [(f"{c}: {lab}", float(n)) for c, ls in stats.labels.items() for lab, n in ls.items()]
    words = Words(no_data=_("no data"), missing=_("n/a"))
    charts = {
        "progress": line_chart(
            [(d.isoformat(), float(c)) for d, _day, c in stats.progress],
            title=_("Annotations over time (cumulative)"),
            words=words,
        ),
        "annotators": bar_chart(
            [(a.name, float(a.annotations)) for a in stats.per_annotator],
            title=_("Annotations per annotator"),
            words=words,
        ),
        "lead_time": bar_chart(
            [(a.name, a.median_lead_time) for a in stats.per_annotator],
            title=_("Median lead time per annotator"),
            words=words,
            unit=" s",
        ),
        "skip_rate": bar_chart(
            [(a.name, round(100 * a.skip_rate, 1)) for a in stats.per_annotator],
            title=_("Skip rate per annotator"),
            words=words,
            unit="%",
        ),
        "labels": bar_chart(labels, title=_("Label distribution"), words=words),
        "agreement": matrix_chart(
            [names.get(a, a) for a in report.annotators],
            {(names.get(a, a), names.get(b, b)): p.mean for (a, b), p in report.pairs.items()},
            title=_("Agreement between annotators"),
            words=words,
        ),
    }
    tables = stats_tables(stats, report)
    return _render(
        ctx,
        "stats.html",
        project=ctx.core.get_project(user, pid),
        stats=stats,
        agreement=report.mean,
        charts={k: Markup(v) for k, v in charts.items()},  # noqa: S704 - built escaped in charts.py
        tables=tables,
        table_names=TABLES,
    )


def register_pages(router: Router) -> None:
    router.page("GET", "/projects/{id:int}/review", review_page, name="lc_review")
    router.page(
        "GET", "/projects/{id:int}/review/rejected", rejected_page, name="lc_review_rejected"
    )
    router.page(
        "GET", "/projects/{id:int}/tasks/{task:int}/review", task_quick_view, name="lc_review_task"
    )
    router.page(
        "POST", "/projects/{id:int}/review/{annotation:int}", verdict, name="lc_review_verdict"
    )
    router.page("GET", "/projects/{id:int}/stats", stats_page, name="lc_stats")
