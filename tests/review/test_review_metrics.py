"""Agreement metrics against hand-computed values and reference implementations."""

from __future__ import annotations

import math
import random

import krippendorff
import pytest
from sklearn.metrics import cohen_kappa_score

from labelcore.model import Annotation
from labelcore.quality.agreement import (
    project_agreement,
    region_f1,
    result_agreement,
    span_f1,
    task_agreement,
    text_similarity,
)
from labelcore.quality.geometry import box_iou, greedy_match, polygon_iou
from labelcore.quality.stats import (
    cohen_kappa,
    edit_distance,
    fleiss_kappa,
    krippendorff_alpha,
    normalised_edit_similarity,
)


def choice(name: str, *values: str) -> dict:
    return {
        "from_name": name,
        "to_name": "t",
        "type": "choices",
        "value": {"choices": list(values)},
    }


def ann(
    i: int, user: object, result: list, *, gt: bool = False, cancelled: bool = False
) -> Annotation:
    return Annotation(
        id=i,
        task_id=1,
        project_id=1,
        result=result,
        completed_by=user,
        ground_truth=gt,
        was_cancelled=cancelled,
    )


def test_cohen_kappa_hand_computed() -> None:
    # po = 2/3; pa(a)=2/3, pb(a)=1/3, pa(b)=1/3, pb(b)=2/3: pe = 2/9+2/9 = 4/9
    k = cohen_kappa(["a", "b", "a"], ["a", "b", "b"])
    assert k == pytest.approx((2 / 3 - 4 / 9) / (1 - 4 / 9))
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # no variation: undefined
    with pytest.raises(ValueError):
        cohen_kappa(["a"], [])


@pytest.mark.parametrize("seed", range(20))
def test_cohen_kappa_matches_sklearn(seed: int) -> None:
    rng = random.Random(seed)
    a = [rng.choice("xyz") for _ in range(30)]
    b = [x if rng.random() < 0.6 else rng.choice("xyz") for x in a]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_fleiss_kappa_wikipedia_example() -> None:
    # the classic 10 subjects x 14 raters x 5 categories table: kappa = 0.210
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    rows = [{j: c for j, c in enumerate(r) if c} for r in table]
    assert fleiss_kappa(rows) == pytest.approx(0.20993, abs=1e-4)
    assert fleiss_kappa([{"a": 1}]) is None


def test_fleiss_kappa_two_raters_equals_scotts_pi() -> None:
    # two raters: Fleiss' kappa is Scott's pi; po = 3/4, p(a)=5/8, p(b)=3/8: pe = 34/64
    rows = [{"a": 2}, {"b": 2}, {"a": 1, "b": 1}, {"a": 2}]
    pe = (5 / 8) ** 2 + (3 / 8) ** 2
    assert fleiss_kappa(rows) == pytest.approx((3 / 4 - pe) / (1 - pe))


def test_krippendorff_alpha_hand_computed_nominal() -> None:
    # units (a,a) (b,b) (a,b): n=6, D_o = (0+0+2)/6, D_e = (2*3*3)/30
    alpha = krippendorff_alpha([["a", "a"], ["b", "b"], ["a", "b"]])
    assert alpha == pytest.approx(1 - (2 / 6) / (18 / 30))
    assert krippendorff_alpha([["a"], ["b"]]) is None  # nothing pairable
    with pytest.raises(ValueError):
        krippendorff_alpha([["a", "b"]], level="ratio")


@pytest.mark.parametrize("level", ["nominal", "interval"])
@pytest.mark.parametrize("seed", range(15))
def test_krippendorff_alpha_matches_reference(level: str, seed: int) -> None:
    rng = random.Random(seed)
    raters, units = 4, 25
    matrix = [[math.nan] * units for _ in range(raters)]
    for u in range(units):
        truth = rng.randint(1, 5)
        for r in range(raters):
            if rng.random() < 0.8:
                matrix[r][u] = truth if rng.random() < 0.7 else rng.randint(1, 5)
    ours = krippendorff_alpha(
        [
            [int(matrix[r][u]) for r in range(raters) if not math.isnan(matrix[r][u])]
            for u in range(units)
        ],
        level,
    )
    ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert ours == pytest.approx(ref)


def test_edit_distance_and_similarity() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert normalised_edit_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert normalised_edit_similarity("", "") == 1.0
    assert normalised_edit_similarity("abc", "") == 0.0


def test_box_and_polygon_iou() -> None:
    assert box_iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 1, 1), (5, 5, 1, 1)) == 0.0
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    shifted = [(5.0, 0.0), (15.0, 0.0), (15.0, 10.0), (5.0, 10.0)]
    assert polygon_iou(square, shifted) == pytest.approx(1 / 3, abs=1e-3)
    # a right triangle inside the square covers half of it: IoU 0.5
    triangle = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]
    assert polygon_iou(square, triangle) == pytest.approx(0.5, abs=5e-3)
    assert polygon_iou(square, [(0.0, 0.0), (1.0, 1.0)]) == 0.0


def test_greedy_match_takes_highest_first() -> None:
    # greedy takes (0,0)=0.9 first, leaving (1,1)=0.2 below threshold
    assert greedy_match([[0.9, 0.8], [0.85, 0.2]], 0.5) == [(0, 0, 0.9)]
    assert greedy_match([[0.4]], 0.5) == []


def span(start: int, end: int, label: str) -> dict:
    return {
        "from_name": "ner",
        "to_name": "t",
        "type": "labels",
        "value": {"start": start, "end": end, "labels": [label]},
    }


def test_span_f1_on_offsets_and_labels() -> None:
    a = [span(0, 10, "PER")]
    b = [span(5, 10, "PER")]
    assert span_f1(a, b, "ner") == pytest.approx(2 * 5 / 15)
    assert span_f1(a, [span(0, 10, "ORG")], "ner") == 0.0
    assert span_f1([], [], "ner") == 1.0


def box(x: float, label: str, name: str = "box") -> dict:
    return {
        "from_name": name,
        "to_name": "img",
        "type": "rectanglelabels",
        "value": {"x": x, "y": 0, "width": 10, "height": 10, "rectanglelabels": [label]},
    }


def test_region_f1_threshold_and_labels() -> None:
    a = [box(0, "Car"), box(50, "Car")]
    b = [box(2, "Car"), box(80, "Car")]
    # (0 vs 2): IoU 80/120 = 0.67 matches; the others do not overlap
    assert region_f1(a, b, "box", 0.5) == pytest.approx(2 * 1 / 4)
    assert region_f1(a, b, "box", 0.7) == 0.0
    assert region_f1([box(0, "Car")], [box(0, "Bus")], "box") == 0.0
    poly = {
        "from_name": "box",
        "to_name": "img",
        "type": "polygonlabels",
        "value": {"points": [[0, 0], [10, 0], [10, 10], [0, 10]], "polygonlabels": ["Car"]},
    }
    assert region_f1([box(0, "Car")], [poly], "box") == 1.0


def test_textarea_similarity() -> None:
    a = [{"from_name": "tx", "to_name": "t", "type": "textarea", "value": {"text": ["kitten"]}}]
    b = [{"from_name": "tx", "to_name": "t", "type": "textarea", "value": {"text": ["sitting"]}}]
    assert text_similarity(a, b, "tx") == pytest.approx(1 - 3 / 7)


def test_result_agreement_averages_used_controls() -> None:
    controls = {"c": "choices", "r": "rating", "tx": "textarea"}
    rating = {"from_name": "r", "to_name": "t", "type": "rating", "value": {"rating": 4}}
    a = [choice("c", "x", "y"), rating]
    b = [choice("c", "y", "x"), {**rating, "value": {"rating": 3}}]
    assert result_agreement(a, b, controls) == pytest.approx(0.5)  # choices equal, rating not
    assert result_agreement([], [], controls) is None


def test_task_agreement_ignores_skips_and_same_annotator() -> None:
    controls = {"c": "choices"}
    rows = [
        ann(1, 1, [choice("c", "x")]),
        ann(2, 2, [choice("c", "x")]),
        ann(3, 3, [choice("c", "y")]),
        ann(4, 4, [], cancelled=True),
    ]
    assert task_agreement(rows, controls) == pytest.approx(1 / 3)
    assert task_agreement(rows[:1], controls) is None
    assert task_agreement([rows[0], ann(5, 1, [choice("c", "y")])], controls) is None


def test_project_agreement_pairs_controls_and_ground_truth() -> None:
    controls = {"c": "choices"}
    tasks = {
        1: [
            ann(1, "ada", [choice("c", "x")], gt=True),
            ann(2, "bob", [choice("c", "x")]),
            ann(3, "cy", [choice("c", "y")]),
        ],
        2: [ann(4, "ada", [choice("c", "y")]), ann(5, "bob", [choice("c", "y")])],
        3: [ann(6, "ada", [choice("c", "x")]), ann(7, "bob", [choice("c", "y")])],
    }
    report = project_agreement(tasks, controls)
    assert report.tasks == {1: pytest.approx(1 / 3), 2: 1.0, 3: 0.0}
    assert report.mean == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert report.pairs[("ada", "bob")].mean == pytest.approx(2 / 3)
    assert report.pairs[("ada", "bob")].tasks == 3
    assert report.pairs[("ada", "cy")].mean == 0.0
    assert report.ground_truth == {
        "bob": report.ground_truth["bob"],
        "cy": report.ground_truth["cy"],
    }
    assert report.ground_truth["bob"].mean == 1.0
    assert report.ground_truth["cy"].mean == 0.0
    stats = report.controls["c"]
    assert stats.items == 3
    assert stats.exact == pytest.approx(2 / 5)  # 5 pairs, 2 equal
    ada = [frozenset({"x"}), frozenset({"y"}), frozenset({"x"})]
    bob = [frozenset({"x"}), frozenset({"y"}), frozenset({"y"})]
    assert stats.cohen_kappa[("ada", "bob")] == pytest.approx(cohen_kappa(ada, bob))
    assert stats.alpha is not None and stats.fleiss_kappa is not None
