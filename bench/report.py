"""Render bench/RESULTS.md from the raw results of one run.

    import report
    text = report.render({"meta": {...}, "results": [...], "skipped": [...]})
    Path("bench/RESULTS.md").write_text(text)

Each cell is the median with (min–max) over the repeats; import and JSON export cells also
give the ratio to the floor measured in the same run on the same database.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

EXPORTS = ["JSON", "JSON_MIN", "CSV", "CONLL2003", "COCO", "YOLO"]

COLUMNS = [
    ("sqlite/floor", "SQLite floor"),
    ("sqlite/api", "SQLite API"),
    ("sqlite/http", "SQLite HTTP"),
    ("postgres/floor", "PostgreSQL floor"),
    ("postgres/api", "PostgreSQL API"),
    ("postgres/http", "PostgreSQL HTTP"),
]

# (sample key, label); the floor for the ratio is (floor column suffix, floor sample key)
ROWS: list[tuple[str, str]] = (
    [
        ("import", "import N tasks (NER, 30% with predictions)"),
        ("import_boxes", "import N tasks (boxes)"),
        ("page_plain", "first page (100), plain, with total"),
        ("page_ordered", "first page, ordered by data.text"),
        ("page_has_predictions", "first page, has predictions"),
        ("page_contains", "first page, data.text contains"),
        ("next", "next task (per pair)"),
        ("submit", "submit (per pair)"),
        ("pair", "next + submit pair"),
        ("pair_cpu", "next + submit, CPU per pair (API: the process; HTTP: the server's)"),
        ("concurrent", "8 annotators, 400 tasks, overlap 2"),
    ]
    + [
        (f"export_{f}", f"export all, {f}" + (" (boxes)" if f in ("COCO", "YOLO") else ""))
        for f in EXPORTS
    ]
    + [
        ("peak_rss", "peak RSS (largest measurement process)"),
    ]
)

# Label Studio 1.23.2 on the same machine (issue 10): NER, SQLite, its own server, medians.
LABEL_STUDIO: dict[int, dict[str, str]] = {
    10_000: {
        "import": "5.5 s",
        "page_plain": "197 ms",
        "page_ordered": "208 ms",
        "page_has_predictions": "283 ms",
        "page_contains": "248 ms",
        "next": "60 ms",
        "submit": "66 ms",
        "pair": "126 ms",
        "export_JSON": "19.5 s",
        "export_JSON_MIN": "18.9 s",
        "export_CSV": "19.0 s",
        "export_CONLL2003": "20.5 s",
        "peak_rss": "440 MB (server)",
        "concurrent": (
            "4.9 submits/s; next p50 590 ms, p95 3.5 s; 12–18 tasks over overlap; HTTP 500s"
        ),
    },
    100_000: {
        "import": "87.7 s",
        "page_plain": "275 ms",
        "page_contains": "606 ms",
        "next": "202 ms",
        "submit": "76 ms",
        "pair": "278 ms",
        "export_JSON": "199 s",
        "export_CSV": "204 s",
        "export_CONLL2003": "227 s",
        "peak_rss": "905 MB (server)",
    },
}

TARGETS: dict[str, str] = {
    "import": "100k < 5 s, ≤ 3× floor; 1M (PostgreSQL) < 60 s, flat memory",
    "page_plain": "< 30 ms at 100k; < 100 ms at 1M (PostgreSQL)",
    "page_ordered": "< 30 ms at 100k; < 100 ms at 1M (PostgreSQL)",
    "page_has_predictions": "< 30 ms at 100k; < 100 ms at 1M (PostgreSQL)",
    "page_contains": "< 50 ms at 100k; < 100 ms at 1M (PostgreSQL)",
    "pair": "< 10 ms",
    "concurrent": "≥ 100 submits/s (SQLite), 0 errors, 0 over overlap",
    "export_JSON": "100k < 3 s, ≤ 3× floor",
    "peak_rss": "< 200 MB at 1M",
}
for _f in EXPORTS[1:]:
    TARGETS[f"export_{_f}"] = "100k < 5 s"


def fmt_time(s: float) -> str:
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    ms = s * 1000
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def fmt_samples(values: list[float]) -> str:
    med = fmt_time(statistics.median(values))
    if len(values) == 1:
        return med
    return f"{med} ({fmt_time(min(values))}–{fmt_time(max(values))})"


def fmt_concurrent(c: dict[str, Any]) -> str:
    text = (
        f"{c['submits_per_s']:.0f} submits/s ({c['submits']} in {c['seconds']:.1f} s); next p50 "
        f"{fmt_time(c['next_p50'])}, p95 {fmt_time(c['next_p95'])}; {c['errors']} errors; "
        f"{c['over_overlap']} over overlap"
    )
    if "server_cpu_s" in c:  # over HTTP: where the CPU went (client and server share cores)
        text += f"; CPU: server {c['server_cpu_s']:.1f} s, client {c['client_cpu_s']:.1f} s"
    elif "cpu_s" in c:
        text += f"; CPU {c['cpu_s']:.1f} s"
    unserved = c.get("expected_submits", c["submits"]) - c["submits"]
    if unserved > 0:  # an annotator was told "no task" while slots were still open
        text += f"; {unserved} slots never served"
    return text


def _index(results: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    """(n, column) -> merged samples/extras/peak of every measurement in that cell group."""
    idx: dict[tuple[int, str], dict[str, Any]] = {}
    for res in results:
        key = (res["n"], res["column"])
        cell = idx.setdefault(key, {"samples": {}, "extra": {}, "rss": {}})
        cell["samples"].update(res.get("samples", {}))
        cell["extra"].update(res.get("extra", {}))
        if res.get("rss_detail"):  # over HTTP: the server processes' peaks, not the client's
            cell["rss"].update(res["rss_detail"])
        else:
            cell["rss"][res["op"]] = res.get("peak_rss_mb", 0.0)
        cell.setdefault("cpu", {})[res["op"]] = res.get("cpu_s")
        cell["cpu"].update(res.get("cpu_detail", {}))
    return idx


def _cell(idx: dict[tuple[int, str], dict[str, Any]], n: int, col: str, key: str) -> str:
    cell = idx.get((n, col))
    if cell is None:
        return ""
    if key == "peak_rss":
        return f"{max(cell['rss'].values()):.0f} MB" if cell["rss"] else ""
    if key == "export_JSON" and col.endswith("/floor"):
        floor_cell = idx.get((n, "floor/json"))
        values = floor_cell["samples"].get("json_dumps") if floor_cell else None
        return f"{fmt_samples(values)} (json.dumps)" if values else ""
    if key == "concurrent":
        c = cell["extra"].get("concurrent")
        return fmt_concurrent(c) if c else ""
    if key == "pair_cpu":
        ms = cell["extra"].get("pair_server_cpu_ms", cell["extra"].get("pair_cpu_ms"))
        return f"{ms:.2f} ms" if isinstance(ms, int | float) else ""
    values = cell["samples"].get(key)
    if not values:
        return ""
    text = fmt_samples(values)
    backend = col.split("/")[0]
    floor_values = None
    if key == "import" and not col.endswith("/floor"):
        floor_cell = idx.get((n, f"{backend}/floor"))
        floor_values = floor_cell["samples"].get("import") if floor_cell else None
    if key == "export_JSON":
        floor_cell = idx.get((n, "floor/json"))
        floor_values = floor_cell["samples"].get("json_dumps") if floor_cell else None
    if floor_values:
        ratio = statistics.median(values) / statistics.median(floor_values)
        text += f"; {ratio:.1f}× floor"
    server = cell["extra"].get("pg_server_cpu_import") if key == "import" else None
    if server:  # the database server's CPU seconds for the same imports (PostgreSQL)
        text += f"; server CPU {statistics.median(server):.1f} s"
    return text


def render(raw: dict[str, Any]) -> str:
    meta = raw["meta"]
    results = raw["results"]
    idx = _index(results)
    out: list[str] = []
    out.append("# labelcore benchmark results\n")
    out.append(
        "Generated by `bench/run.py` (see docs/benchmarks.md for what each row measures). "
        "Cells: median (min–max) over the repeats; import and JSON-export cells add the ratio "
        "to the floor measured in the same run (raw `executemany` into a minimal table; "
        "`json.dumps` of the task list). Label Studio 1.23.2's numbers are from issue 10 "
        "(same machine and workload, NER, SQLite, its own server).\n"
    )
    out.append(f"- date: {meta['date']} (run took {meta['duration_s']} s)")
    if meta.get("complete") is False:
        out.append("- **partial**: the run was still going (or was stopped) when this was written")
    out.append(f"- command: `{meta['command']}`")
    m = meta["machine"]
    out.append(
        f"- machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory')} RAM, {m.get('os')}"
    )
    versions = ", ".join(
        f"{k} {v}" for k, v in m.items() if k not in ("cores", "cpu", "memory", "os")
    )
    out.append(f"- versions: {versions}")
    if meta.get("http_server"):
        out.append(f"- HTTP server: {meta['http_server']}")
    if meta.get("load"):
        out.append(f"- machine load: {meta['load']} ({m.get('cores')} cores)")
    out.append("")
    for n in meta["sizes"]:
        cols = [(c, label) for c, label in COLUMNS if (n, c) in idx]
        out.append(f"## N = {n:,}\n")
        if not cols:
            out.append("Nothing measured at this size (see skipped).\n")
            continue
        ls = LABEL_STUDIO.get(n, {})
        head = ["operation"] + [label for _, label in cols] + ["Label Studio 1.23.2", "target"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        json_floor = idx.get((n, "floor/json"))
        for key, label in ROWS:
            cells = [_cell(idx, n, c, key) for c, _ in cols]
            if key == "export_JSON" and json_floor and not any(cells):
                cells = [""] * len(cols)
            if not any(cells) and key not in ls:
                continue
            row_label = label.replace("N tasks", f"{n:,} tasks")
            out.append(
                "| " + " | ".join([row_label, *cells, ls.get(key, ""), TARGETS.get(key, "")]) + " |"
            )
        if json_floor:
            out.append(
                f"\nFloor for exports: `json.dumps` of the {n:,}-task list: "
                f"{fmt_samples(json_floor['samples']['json_dumps'])}."
            )
        out.append("")
        rss_rows = []
        for c, label in cols:
            cpu = idx[(n, c)].get("cpu", {})
            for op, mb in idx[(n, c)]["rss"].items():
                secs = cpu.get(op)
                cpu_text = f"{secs:.1f} s" if isinstance(secs, int | float) else ""
                rss_rows.append(f"| {label} | {op} | {mb:.0f} MB | {cpu_text} |")
        if rss_rows:
            out.append("<details><summary>peak RSS and CPU per measurement process</summary>\n")
            out.append(
                "CPU: the process's user+system seconds (in-process: all of labelcore's work,"
                " repeats and start-up included; over HTTP: each server's, start-up included,"
                " and the client's for http_all). Unlike wall-clock times, CPU seconds hardly"
                " change with the machine's load.\n"
            )
            out.append("| column | measurement | peak RSS | CPU |\n|---|---|---|---|")
            out.extend(rss_rows)
            out.append("\n</details>\n")
    skipped = raw.get("skipped", [])
    if skipped:
        out.append("## Not measured in this run\n")
        out.append("| N | column | measurement | why |\n|---|---|---|---|")
        for s in skipped:
            why = s["why"].replace("|", "\\|")[:300]
            out.append(f"| {s['n']} | {s['column']} | {s['op']} | {why} |")
        out.append("")
    out.append("## Notes\n")
    if NOTES_FILE.exists():
        out.append(NOTES_FILE.read_text().strip())
    return "\n".join(out) + "\n"


# Written by hand after reading profiles (bench/notes.md), appended to every RESULTS.md.
NOTES_FILE = Path(__file__).resolve().parent / "notes.md"
