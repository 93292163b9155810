"""Our own corpus of configs (tests/config/corpus): every one parses, its description is
snapshotted, and its generated sample task passes the config's own task-data check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from labelcore import LabelConfig, parse_config
from labelcore.config.tags import TAGS

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.xml"))


def describe(cfg: LabelConfig) -> dict[str, Any]:
    return {
        "controls": {
            name: {
                "tag": c.tag,
                "to_names": list(c.to_names),
                "labels": list(c.labels),
                "result_type": c.result_type,
                "dynamic_labels": c.dynamic_labels,
                "per_region": c.per_region,
                "per_item": c.per_item,
                "choice": c.choice,
                "index_flag": c.index_flag,
                "buckets": list(c.buckets),
                "line": c.line,
            }
            for name, c in cfg.controls.items()
        },
        "objects": {
            name: {
                "tag": o.tag,
                "value": o.value,
                "data_key": o.data_key,
                "value_list": o.value_list,
                "index_flag": o.index_flag,
            }
            for name, o in cfg.objects.items()
        },
        "data_keys": sorted(cfg.data_keys),
        "data_types": dict(cfg.data_types),
        "relations": cfg.relations,
        "sample_task": cfg.sample_task(),
    }


def test_corpus_has_at_least_40_configs() -> None:
    assert len(FILES) >= 40


def test_corpus_uses_every_known_tag() -> None:
    used: set[str] = set()
    for path in FILES:
        used |= {m.lower() for m in re.findall(r"<(\w+)", path.read_text())}
    missing = set(TAGS) - used - {"custominterface", "pagedview", "dialog"}
    assert not missing, f"corpus lacks configs using {sorted(missing)}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_config_parses_as_snapshotted(path: Path, snapshot: Any) -> None:
    cfg = parse_config(path.read_text())
    assert describe(cfg) == snapshot


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_sample_task_fits_its_config(path: Path) -> None:
    cfg = parse_config(path.read_text())
    assert cfg.check_task_data(cfg.sample_task()) == []
