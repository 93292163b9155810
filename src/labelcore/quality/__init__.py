"""Review quality: inter-annotator agreement, statistics and their SVG charts.

    from labelcore.quality import project_agreement, controls_of
    report = project_agreement({task.id: annotations}, controls_of(config))
    report.mean, report.pairs, report.ground_truth

Pure functions over domain types; the service (``LabelCore.agreement``) feeds them.
"""

from labelcore.quality.agreement import (
    AgreementReport,
    ControlStats,
    PairStats,
    annotation_agreement,
    control_kind,
    controls_of,
    project_agreement,
    result_agreement,
    task_agreement,
)
from labelcore.quality.stats import cohen_kappa, fleiss_kappa, krippendorff_alpha

__all__ = [
    "AgreementReport",
    "ControlStats",
    "PairStats",
    "annotation_agreement",
    "cohen_kappa",
    "control_kind",
    "controls_of",
    "fleiss_kappa",
    "krippendorff_alpha",
    "project_agreement",
    "result_agreement",
    "task_agreement",
]
