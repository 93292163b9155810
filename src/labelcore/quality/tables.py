"""Agreement reports and statistics as JSON and as CSV tables (for the API and the page).

    from labelcore.quality.tables import stats_tables, to_csv
    tables = stats_tables(stats, report)           # {"progress": (header, rows), ...}
    to_csv(*tables["annotators"])                  # text/csv, formula-safe

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with ``'`` so host-given names cannot inject
formulas; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from labelcore.quality._ids import as_given
from labelcore.quality.agreement import AgreementReport
from labelcore.quality.statistics import ProjectStatistics

Table = tuple[list[str], list[list[Any]]]
TABLES = ("progress", "annotators", "labels", "agreement")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def agreement_table(report: AgreementReport) -> Table:
    """One row per annotator pair: mean agreement and shared tasks."""
    return (
        ["annotator_a", "annotator_b", "agreement", "tasks"],
        [
            [as_given(report.ids, a), as_given(report.ids, b), p.mean, p.tasks]
            for (a, b), p in report.pairs.items()
        ],
    )


def stats_tables(
    stats: ProjectStatistics, report: AgreementReport | None = None
) -> dict[str, Table]:
    tables: dict[str, Table] = {
        "progress": (
            ["date", "annotations", "cumulative"],
            [[d.isoformat(), n, c] for d, n, c in stats.progress],
        ),
        "annotators": (
            ["annotator", "name", "annotations", "skipped", "skip_rate", "median_lead_time"],
            [
                [
                    as_given(stats.ids, a.annotator),
                    a.name,
                    a.annotations,
                    a.skipped,
                    a.skip_rate,
                    a.median_lead_time,
                ]
                for a in stats.per_annotator
            ],
        ),
        "labels": (
            ["control", "label", "count"],
            [[c, lab, n] for c, labels in stats.labels.items() for lab, n in labels.items()],
        ),
    }
    if report is not None:
        tables["agreement"] = agreement_table(report)
    return tables


def report_to_json(report: AgreementReport, *, tasks: bool = True) -> dict[str, Any]:
    """The report as the agreement endpoint's JSON; ``tasks=False`` leaves out the per-task
    rows (one per task of the project: the endpoint writes them as it walks them)."""
    ids = report.ids
    out = {
        "agreement": report.mean,
        "annotators": [as_given(ids, a) for a in report.annotators],
        "tasks": [{"task": t, "agreement": v} for t, v in report.tasks.items()] if tasks else [],
        "pairs": [
            {
                "annotators": [as_given(ids, a), as_given(ids, b)],
                "agreement": p.mean,
                "tasks": p.tasks,
            }
            for (a, b), p in report.pairs.items()
        ],
        "ground_truth": [
            {"annotator": as_given(ids, u), "agreement": p.mean, "tasks": p.tasks}
            for u, p in report.ground_truth.items()
        ],
        "controls": {
            name: {
                "kind": c.kind,
                "items": c.items,
                "exact": c.exact,
                "fleiss_kappa": c.fleiss_kappa,
                "krippendorff_alpha": c.alpha,
                "cohen_kappa": [
                    {"annotators": [as_given(ids, a), as_given(ids, b)], "kappa": k}
                    for (a, b), k in c.cohen_kappa.items()
                ],
            }
            for name, c in report.controls.items()
        },
    }
    if not tasks:
        del out["tasks"]
    return out


def stats_to_json(stats: ProjectStatistics) -> dict[str, Any]:
    return {
        "tasks": stats.tasks,
        "labeled_tasks": stats.labeled_tasks,
        "annotations": stats.annotations,
        "skipped": stats.skipped,
        "skip_rate": stats.skip_rate,
        "median_lead_time": stats.median_lead_time,
        "progress": [
            {"date": d.isoformat(), "annotations": n, "cumulative": c} for d, n, c in stats.progress
        ],
        "annotators": [
            {
                "annotator": as_given(stats.ids, a.annotator),
                "name": a.name,
                "annotations": a.annotations,
                "skipped": a.skipped,
                "skip_rate": a.skip_rate,
                "median_lead_time": a.median_lead_time,
            }
            for a in stats.per_annotator
        ],
        "labels": {c: dict(v) for c, v in stats.labels.items()},
    }
