"""Offline export throughput and peak memory: `labelcore convert` on a generated LS export.

    python bench/bench_convert.py --n 100000 --formats JSON,JSON_MIN,CSV,CONLL2003
    python bench/bench_convert.py --n 1000000 --formats JSON,CSV --out /tmp/results.md

Writes an N-task Label Studio JSON export (NER tasks, each with one annotation of 2 spans and
a choice; an image family for COCO/YOLO) to a temporary directory, runs the converter for
each format in a child process and reports wall time, the child's CPU seconds, tasks per
second, output size and the child's peak RSS (ru_maxrss). Results are appended as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NER_XML = """<View><Text name="text" value="$text"/>
<Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>
</View>"""
IMAGE_XML = """<View><Image name="image" value="$image"/>
<RectangleLabels name="box" toName="image">
  <Label value="Car"/><Label value="Person"/>
</RectangleLabels>
</View>"""
IMAGE_FORMATS = {"COCO", "YOLO", "YOLO_OBB", "VOC"}
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def ner_task(i: int) -> dict:
    text = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(30)) + "."
    first = len(WORDS[i % len(WORDS)])
    result = [
        {
            "id": f"a{i}",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": first, "text": text[:first], "labels": ["PER"]},
        },
        {
            "id": f"b{i}",
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["pos"]},
        },
    ]
    return _task(i, {"text": text}, result)


def image_task(i: int) -> dict:
    result = [
        {
            "id": f"r{i}-{k}",
            "from_name": "box",
            "to_name": "image",
            "type": "rectanglelabels",
            "original_width": 1280,
            "original_height": 720,
            "value": {
                "x": 10 + k,
                "y": 20,
                "width": 30,
                "height": 15,
                "rotation": 0,
                "rectanglelabels": ["Car" if k % 2 else "Person"],
            },
        }
        for k in range(3)
    ]
    return _task(i, {"image": f"/data/upload/1/img-{i:07d}.jpg"}, result)


def _task(i: int, data: dict, result: list) -> dict:
    ts = "2024-03-01T10:00:00Z"
    return {
        "id": i,
        "data": data,
        "meta": {},
        "created_at": ts,
        "updated_at": ts,
        "inner_id": i,
        "project": 1,
        "predictions": [],
        "drafts": [],
        "annotations": [
            {
                "id": i,
                "completed_by": 1,
                "result": result,
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": ts,
                "updated_at": ts,
                "lead_time": 3.5,
                "task": i,
                "project": 1,
            }
        ],
    }


def write_export(path: Path, n: int, make) -> None:
    with open(path, "w") as f:
        f.write("[")
        for i in range(1, n + 1):
            f.write(("\n" if i == 1 else ",\n") + json.dumps(make(i)))
        f.write("\n]\n")


def run(fmt: str, config: Path, export: Path, out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = (
        "import resource, sys, time\n"
        "from labelcore.cli import main\n"
        "t, c = time.perf_counter(), time.process_time(); rc = main(sys.argv[1:])\n"
        "dt, cpu = time.perf_counter() - t, time.process_time() - c\n"
        "print(dt, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rc)\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "convert",
            "--config",
            str(config),
            "--input",
            str(export),
            "--format",
            fmt,
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    seconds, cpu, rss_kb, rc = proc.stdout.split()
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "seconds": float(seconds),
        "cpu": float(cpu),
        "rss_mb": int(rss_kb) / 1024,
        "bytes": size,
        "rc": int(rc),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--formats", default="JSON,JSON_MIN,CSV,CONLL2003,COCO,YOLO")
    ap.add_argument("--out", default=str(ROOT / "bench" / "convert_results.md"))
    args = ap.parse_args()
    formats = [f.strip().upper() for f in args.formats.split(",") if f.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "ner.xml").write_text(NER_XML)
        (t / "image.xml").write_text(IMAGE_XML)
        need_image = any(f in IMAGE_FORMATS for f in formats)
        write_export(t / "ner.json", args.n, ner_task)
        if need_image:
            write_export(t / "image.json", args.n, image_task)
        for fmt in formats:
            family = "image" if fmt in IMAGE_FORMATS else "ner"
            export = t / f"{family}.json"
            r = run(fmt, t / f"{family}.xml", export, t / f"out-{fmt}")
            rows.append((fmt, family, export.stat().st_size, r))
            print(
                f"{fmt:10} {args.n} tasks {r['seconds']:.1f}s ({r['cpu']:.1f}s CPU) "
                f"{args.n / r['seconds']:,.0f} tasks/s peak RSS {r['rss_mb']:.0f} MB",
                flush=True,
            )
    header = (
        f"\n## {args.n:,} tasks, {time.strftime('%Y-%m-%d')}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs\n\n"
        "| format | input | input size | time | CPU | tasks/s | output size | peak RSS |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {fmt} | {fam} | {size / 1e6:.0f} MB | {r['seconds']:.1f} s | {r['cpu']:.1f} s | "
        f"{args.n / r['seconds']:,.0f} | {r['bytes'] / 1e6:.0f} MB | {r['rss_mb']:.0f} MB |"
        for fmt, fam, size, r in rows
    ]
    with open(args.out, "a") as f:
        f.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
