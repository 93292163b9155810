"""Inter-annotator agreement on Label Studio results: per pair, per task, per project.

    from labelcore.quality.agreement import result_agreement, project_agreement
    result_agreement(a.result, b.result, {"sentiment": "choices"})     # 0.0 .. 1.0
    report = project_agreement(bundles_by_task, controls_of(config))   # AgreementReport

A *kind* says how one control's values are compared (``control_kind`` maps a result type):

* ``choices``/``taxonomy`` (nominal): exact match of the chosen set (order ignored).
* ``rating``/``number`` (interval): exact match; project statistics also give
  Krippendorff's alpha on the interval scale.
* ``spans`` (Labels on text): F1 of the (label, character offset) sets of both sides.
* ``regions`` (boxes, polygons): regions matched greedily by IoU >= threshold with equal
  labels; score ``2 * matched / (n_a + n_b)``.
* ``textarea``: normalised edit similarity of the texts joined by newlines.

Two annotations agree by the mean over the controls either one used; a task's agreement is
the mean over its pairs of completed (not skipped) annotations by different annotators.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from labelcore.model import Annotation, NewAnnotation, ResultList, UserId
from labelcore.quality._ids import note_id
from labelcore.quality.geometry import Point, box_iou, box_polygon, greedy_match, polygon_iou
from labelcore.quality.stats import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    normalised_edit_similarity,
)

__all__ = [
    "AgreementReport",
    "ControlStats",
    "PairStats",
    "agreement_report",
    "annotation_agreement",
    "cohen_kappa",
    "control_kind",
    "controls_of",
    "fleiss_kappa",
    "krippendorff_alpha",
    "project_agreement",
    "region_f1",
    "result_agreement",
    "span_f1",
    "task_agreement",
    "text_similarity",
]

_KINDS = {
    "choices": "choices",
    "taxonomy": "taxonomy",
    "rating": "rating",
    "number": "number",
    "labels": "spans",
    "hypertextlabels": "spans",
    "rectanglelabels": "regions",
    "rectangle": "regions",
    "polygonlabels": "regions",
    "polygon": "regions",
    "textarea": "textarea",
}
NOMINAL = frozenset({"choices", "taxonomy"})
INTERVAL = frozenset({"rating", "number"})


def control_kind(result_type: str) -> str | None:
    """The comparison kind for a control's result type (``None``: not compared)."""
    return _KINDS.get(result_type.lower())


def controls_of(config: Any) -> dict[str, str]:
    """``control name -> kind`` for every comparable control of a ``LabelConfig``."""
    out: dict[str, str] = {}
    for name, control in config.controls.items():
        kind = control_kind(control.result_type)
        if kind is not None:
            out[name] = kind
    return out


def _items(result: ResultList, from_name: str) -> list[dict[str, Any]]:
    return [
        r
        for r in result
        if isinstance(r, dict)
        and r.get("from_name") == from_name
        and isinstance(r.get("value"), dict)
    ]


def _labels(item: dict[str, Any]) -> frozenset[str]:
    value = item["value"]
    for key in (str(item.get("type", "")), "labels", "rectanglelabels", "polygonlabels"):
        got = value.get(key)
        if isinstance(got, list):
            return frozenset(str(v) for v in got)
    return frozenset()


def nominal_value(result: ResultList, from_name: str, kind: str) -> Hashable | None:
    """The control's value as one comparable item (``None``: the control was not used)."""
    items = _items(result, from_name)
    if not items:
        return None
    key = {"choices": "choices", "taxonomy": "taxonomy", "rating": "rating", "number": "number"}[
        kind
    ]
    if kind in INTERVAL:
        v = items[0]["value"].get(key)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
    values: set[Hashable] = set()
    for item in items:
        for v in item["value"].get(key) or []:
            values.add(tuple(str(p) for p in v) if isinstance(v, list) else str(v))
    return frozenset(values) if values else None


def span_f1(a: ResultList, b: ResultList, from_name: str) -> float:
    """F1 of the (label, character offset) sets covered by each side's spans (1.0 if both
    are empty). Ignores region ids, the quoted text and duplicated coverage."""

    def cover(result: ResultList) -> set[tuple[str, int]]:
        out: set[tuple[str, int]] = set()
        for item in _items(result, from_name):
            start, end = item["value"].get("start"), item["value"].get("end")
            if not isinstance(start, int) or not isinstance(end, int) or end <= start:
                continue
            for label in _labels(item) or {""}:
                out.update((label, k) for k in range(start, min(end, start + 1_000_000)))
        return out

    ca, cb = cover(a), cover(b)
    if not ca and not cb:
        return 1.0
    return 2 * len(ca & cb) / (len(ca) + len(cb))


def _shape(item: dict[str, Any]) -> list[Point] | tuple[float, float, float, float] | None:
    value = item["value"]
    points = value.get("points")
    if isinstance(points, list):
        try:
            return [(float(p[0]), float(p[1])) for p in points]
        except (TypeError, ValueError, IndexError):
            return None
    try:
        return (float(value["x"]), float(value["y"]), float(value["width"]), float(value["height"]))
    except (KeyError, TypeError, ValueError):
        return None


def _iou(a: Any, b: Any) -> float:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return box_iou(a, b)
    pa = box_polygon(a) if isinstance(a, tuple) else a
    pb = box_polygon(b) if isinstance(b, tuple) else b
    return polygon_iou(pa, pb)


def region_f1(a: ResultList, b: ResultList, from_name: str, iou_threshold: float = 0.5) -> float:
    """Regions matched greedily by IoU (highest first) among pairs with equal label sets
    and IoU >= ``iou_threshold``; returns ``2 * matched / (n_a + n_b)`` (1.0 if both are
    empty). Ignores rotation, region ids and scores."""
    ra = [(s, _labels(i)) for i in _items(a, from_name) if (s := _shape(i)) is not None]
    rb = [(s, _labels(i)) for i in _items(b, from_name) if (s := _shape(i)) is not None]
    if not ra and not rb:
        return 1.0
    matrix = [[_iou(sa, sb) if la == lb else 0.0 for sb, lb in rb] for sa, la in ra]
    matched = greedy_match(matrix, iou_threshold)
    return 2 * len(matched) / (len(ra) + len(rb))


def text_similarity(a: ResultList, b: ResultList, from_name: str) -> float:
    """Normalised edit similarity of the texts (joined by newlines); ignores regions."""

    def text(result: ResultList) -> str:
        parts: list[str] = []
        for item in _items(result, from_name):
            got = item["value"].get("text")
            parts.extend(str(t) for t in (got if isinstance(got, list) else [got]) if t is not None)
        return "\n".join(parts)

    return normalised_edit_similarity(text(a), text(b))


def _used(result: ResultList, name: str) -> bool:
    return bool(_items(result, name))


def result_agreement(
    a: ResultList, b: ResultList, controls: Mapping[str, str], *, iou_threshold: float = 0.5
) -> float | None:
    """Agreement 0..1 of two results: the mean over controls used by either side
    (``None`` when neither used any compared control)."""
    scores: list[float] = []
    for name, kind in controls.items():
        if not (_used(a, name) or _used(b, name)):
            continue
        if kind in NOMINAL or kind in INTERVAL:
            va, vb = nominal_value(a, name, kind), nominal_value(b, name, kind)
            scores.append(1.0 if va == vb else 0.0)
        elif kind == "spans":
            scores.append(span_f1(a, b, name))
        elif kind == "regions":
            scores.append(region_f1(a, b, name, iou_threshold))
        elif kind == "textarea":
            scores.append(text_similarity(a, b, name))
    return sum(scores) / len(scores) if scores else None


_A = TypeVar("_A", bound=Annotation | NewAnnotation)


def _completed(annotations: Iterable[_A]) -> list[_A]:
    return [a for a in annotations if not a.was_cancelled]


def annotation_agreement(
    a: Annotation | NewAnnotation,
    b: Annotation | NewAnnotation,
    controls: Mapping[str, str],
    *,
    iou_threshold: float = 0.5,
) -> float | None:
    """:func:`result_agreement` of two annotations."""
    return result_agreement(a.result, b.result, controls, iou_threshold=iou_threshold)


def task_agreement(
    annotations: Sequence[Annotation | NewAnnotation],
    controls: Mapping[str, str],
    *,
    iou_threshold: float = 0.5,
) -> float | None:
    """Mean agreement over pairs of completed annotations by different annotators
    (``None`` with fewer than two)."""
    done = _completed(annotations)
    scores = [
        s
        for x, y in itertools.combinations(done, 2)
        if str(x.completed_by) != str(y.completed_by)
        and (s := annotation_agreement(x, y, controls, iou_threshold=iou_threshold)) is not None
    ]
    return sum(scores) / len(scores) if scores else None


@attrs.frozen(kw_only=True)
class PairStats:
    """Agreement between two annotators (or one and the ground truth) over shared tasks."""

    mean: float | None
    tasks: int


@attrs.frozen(kw_only=True)
class ControlStats:
    """Project-wide statistics of one control."""

    kind: str
    items: int  # tasks with at least two ratings of this control
    exact: float | None  # share of pairs with equal values (nominal/interval kinds) or mean score
    fleiss_kappa: float | None = None
    alpha: float | None = (
        None  # Krippendorff: nominal for choices/taxonomy, interval for rating/number
    )
    cohen_kappa: Mapping[tuple[str, str], float | None] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class AgreementReport:
    """Everything :func:`project_agreement` computes; annotators are keyed by the text of
    their id (``str(completed_by)``), and ``ids`` maps each key to the id as the host gave
    it (what the JSON and the tables write)."""

    mean: float | None
    tasks: Mapping[int, float | None]
    pairs: Mapping[tuple[str, str], PairStats]
    controls: Mapping[str, ControlStats]
    ground_truth: Mapping[str, PairStats]
    annotators: tuple[str, ...]
    ids: Mapping[str, UserId] = attrs.field(factory=dict)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def project_agreement(
    tasks: Mapping[int, Sequence[Annotation]],
    controls: Mapping[str, str],
    *,
    iou_threshold: float = 0.5,
) -> AgreementReport:
    """Agreement per task, per annotator pair, per control and against ground truth.

    ``tasks`` maps a task id to its annotations. Skipped annotations are ignored; when an
    annotator has several annotations on a task, the latest (highest id) counts. Ground
    truth is each task's ``ground_truth`` annotation; an annotator is not compared with
    their own ground-truth annotation.
    """
    return agreement_report(tasks.items(), controls, iou_threshold=iou_threshold)


def agreement_report(
    tasks: Iterable[tuple[int, Sequence[Annotation]]],
    controls: Mapping[str, str],
    *,
    iou_threshold: float = 0.5,
    task_ids: Iterable[int] = (),
    annotators: Iterable[UserId | None] = (),
) -> AgreementReport:
    """:func:`project_agreement` of ``(task id, annotations)`` pairs read one at a time
    (a stream: memory holds the scores, not the annotations). A task with fewer than two
    completed annotations adds nothing but its ``None`` and its annotator, so a caller may
    leave such tasks out and give their ids in ``task_ids`` (listed first, in that order)
    and the annotators of the whole project (their ``completed_by``) in ``annotators``."""
    per_task: dict[int, float | None] = dict.fromkeys(task_ids)
    pair_scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    gt_scores: dict[str, list[float]] = defaultdict(list)
    control_values: dict[str, list[dict[str, Hashable]]] = defaultdict(list)
    control_scores: dict[str, list[float]] = defaultdict(list)
    ids: dict[str, UserId] = {}
    everyone: set[str] = set()
    for given in annotators:
        everyone.add(str(given))
        if given is not None:
            note_id(ids, str(given), given)
    for task_id, rows in tasks:
        latest: dict[str, Annotation] = {}
        for ann in sorted(_completed(rows), key=lambda a: a.id):
            latest[str(ann.completed_by)] = ann
            if ann.completed_by is not None:
                note_id(ids, str(ann.completed_by), ann.completed_by)
        everyone.update(latest)
        per_task[task_id] = task_agreement(
            list(latest.values()), controls, iou_threshold=iou_threshold
        )
        for (ua, a), (ub, b) in itertools.combinations(sorted(latest.items()), 2):
            s = annotation_agreement(a, b, controls, iou_threshold=iou_threshold)
            if s is not None:
                pair_scores[(ua, ub)].append(s)
            for name, kind in controls.items():
                if kind in NOMINAL or kind in INTERVAL:
                    continue
                if _used(a.result, name) or _used(b.result, name):
                    control_scores[name].append(
                        result_agreement(
                            a.result, b.result, {name: kind}, iou_threshold=iou_threshold
                        )
                        or 0.0
                    )
        for name, kind in controls.items():
            if kind in NOMINAL or kind in INTERVAL:
                values = {
                    u: v
                    for u, a in latest.items()
                    if (v := nominal_value(a.result, name, kind)) is not None
                }
                if len(values) >= 2:  # _categorical_stats rates no unit with fewer
                    control_values[name].append(values)
        gts = [a for a in _completed(rows) if a.ground_truth]
        if gts:
            gt = gts[-1]
            for user, ann in latest.items():
                if ann.id == gt.id:
                    continue
                s = annotation_agreement(gt, ann, controls, iou_threshold=iou_threshold)
                if s is not None:
                    gt_scores[user].append(s)
    stats: dict[str, ControlStats] = {}
    for name, kind in controls.items():
        if kind in NOMINAL or kind in INTERVAL:
            stats[name] = _categorical_stats(kind, control_values.get(name, []))
        else:
            scores = control_scores.get(name, [])
            stats[name] = ControlStats(kind=kind, items=len(scores), exact=_mean(scores))
    known = [s for s in per_task.values() if s is not None]
    return AgreementReport(
        mean=_mean(known),
        tasks=per_task,
        pairs={k: PairStats(mean=_mean(v), tasks=len(v)) for k, v in sorted(pair_scores.items())},
        controls=stats,
        ground_truth={
            k: PairStats(mean=_mean(v), tasks=len(v)) for k, v in sorted(gt_scores.items())
        },
        annotators=tuple(sorted(everyone)),
        ids=ids,
    )


def _categorical_stats(kind: str, rows: list[dict[str, Hashable]]) -> ControlStats:
    rated = [r for r in rows if len(r) >= 2]
    agree = total = 0
    for row in rated:
        for x, y in itertools.combinations(row.values(), 2):
            total += 1
            agree += x == y
    users = sorted({u for r in rated for u in r})
    cohen: dict[tuple[str, str], float | None] = {}
    for ua, ub in itertools.combinations(users, 2):
        both = [(r[ua], r[ub]) for r in rated if ua in r and ub in r]
        if both:
            cohen[(ua, ub)] = cohen_kappa([x for x, _ in both], [y for _, y in both])
    units: list[list[Hashable]] = [list(r.values()) for r in rated]
    return ControlStats(
        kind=kind,
        items=len(rated),
        exact=agree / total if total else None,
        fleiss_kappa=fleiss_kappa([Counter(u) for u in units]),
        alpha=krippendorff_alpha(units, "interval" if kind in INTERVAL else "nominal"),
        cohen_kappa=cohen,
    )
