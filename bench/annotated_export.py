"""A workload's NER tasks as a Label Studio export: every other task with one annotation.

    python bench/annotated_export.py /tmp/wl-100000 [--every 2] [--out FILE]

Writes ``tasks_ner_annotated.json`` into the workload directory (beside ``config_ner.xml``,
where ``bench_pg_import.py`` and ``bench_import.py --file`` look for the config): the tasks
of ``tasks_ner.json`` in order, each ``--every``-th one (the first included) carrying one
annotation shaped as Label Studio exports it (``id``, ``result``, ``completed_by``,
``was_cancelled``, ``ground_truth``, ``created_at``, ``updated_at``, ``lead_time``) with the
result of ``annotations_ner.json`` meant for its text (entry ``k`` for ``meta_id`` ``k``);
past the file's last entry, entry ``k mod len`` with its regions moved onto the task's own
capitalised words (the names the generator puts in), so every span matches its text.
Annotators 1..5 take turns, one annotation in 50 is a skip (``was_cancelled``, empty
result).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

_NAME = re.compile(r"(?<=\s)[A-Z][a-z]+")


def _moved(result: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The regions of ``result`` moved onto the capitalised words of ``text``, in order."""
    names = list(_NAME.finditer(text))
    out = []
    for region, name in zip(result, names):
        value = dict(region["value"], start=name.start(), end=name.end(), text=name.group())
        out.append(dict(region, value=value))
    return out


def build(wl: Path, every: int) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = json.loads((wl / "tasks_ner.json").read_text("utf-8"))
    payloads: list[dict[str, Any]] = json.loads((wl / "annotations_ner.json").read_text("utf-8"))
    ann_id = 0
    for k, task in enumerate(tasks):
        task["id"] = k + 1
        if k % every:
            continue
        ann_id += 1
        p = payloads[k % len(payloads)]
        result = p["result"] if k < len(payloads) else _moved(p["result"], task["data"]["text"])
        skipped = ann_id % 50 == 0
        task["annotations"] = [
            {
                "id": ann_id,
                "result": [] if skipped else result,
                "completed_by": 1 + ann_id % 5,
                "was_cancelled": skipped,
                "ground_truth": False,
                "created_at": f"2026-11-{1 + ann_id % 27:02d}T10:{ann_id % 60:02d}:00.000000Z",
                "updated_at": f"2026-11-{1 + ann_id % 27:02d}T10:{ann_id % 60:02d}:00.000000Z",
                "lead_time": p["lead_time"],
                "task": k + 1,
            }
        ]
    return tasks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", type=Path)
    ap.add_argument("--every", type=int, default=2, help="annotate every n-th task")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or args.workload / "tasks_ner_annotated.json"
    tasks = build(args.workload, args.every)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(tasks, f, separators=(",", ":"))
    annotated = sum(1 for t in tasks if "annotations" in t)
    print(f"{out}: {len(tasks)} tasks, {annotated} with an annotation")


if __name__ == "__main__":
    main()
