"""Exporters given malformed regions skip them; they raise only LabelcoreError, never crash."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from formats_projects import FAMILIES  # noqa: E402

from labelcore.config import parse_config  # noqa: E402
from labelcore.errors import LabelcoreError  # noqa: E402
from labelcore.formats.exporters import export, supported_formats  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats(-10, 200) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
NAMES = ["box", "poly", "kp", "label", "tag", "transcription", "sentiment", "comment", "stars"]
KEYS = [
    "x",
    "y",
    "width",
    "height",
    "rotation",
    "points",
    "rectanglelabels",
    "polygonlabels",
    "keypointlabels",
    "labels",
    "brushlabels",
    "rle",
    "start",
    "end",
    "text",
    "choices",
]

values = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
regions = st.fixed_dictionaries(
    {
        "from_name": st.sampled_from(NAMES),
        "to_name": st.sampled_from(["image", "text", "audio"]),
        "type": st.sampled_from(["rectanglelabels", "labels", "keypointlabels", "x"]),
        "value": values,
    },
    optional={
        "original_width": json_values,
        "original_height": json_values,
        "id": json_values,
        "parentID": json_values,
        "original_length": json_values,
    },
)
tasks = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.integers(1, 5),
            "data": st.fixed_dictionaries(
                {}, optional={k: json_values for k in ("image", "text", "audio", "review")}
            ),
            "annotations": st.lists(
                st.fixed_dictionaries(
                    {"result": st.lists(regions, max_size=4)},
                    optional={
                        "completed_by": json_values,
                        "was_cancelled": st.booleans(),
                        "ground_truth": json_values,
                        "created_at": json_values,
                        "id": json_values,
                    },
                ),
                max_size=2,
            ),
        },
        optional={
            "predictions": st.lists(
                st.fixed_dictionaries({"result": st.lists(regions, max_size=2)}), max_size=1
            )
        },
    ),
    max_size=3,
)
CONFIGS = [(name, parse_config(xml)) for name, (xml, _) in FAMILIES.items()]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tasks)
def test_exporters_survive_malformed_regions(task_list: list[dict]) -> None:
    for _name, cfg in CONFIGS:
        for fmt in supported_formats(cfg):
            if fmt.disabled:
                continue
            with contextlib.suppress(LabelcoreError):
                export(cfg, task_list, fmt.name, io.BytesIO())
