"""The row formats: JSON, JSON_MIN, CSV, TSV, CONLL2003 and ASR_MANIFEST, written as a stream.

    from labelcore.formats._tabular import write_csv
    write_csv(ctx, tasks, sink)              # one pass over tasks; rows spooled to a temp file
    write_conll(ctx, tasks, sink)

Each writer consumes the task iterator once and writes as it goes, so memory stays flat:
CSV needs its columns before its first row, so rows are spooled to a temporary file.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable, Mapping
from typing import IO, Any

from labelcore._jsontext import export_dumps
from labelcore.formats._context import Context
from labelcore.formats._files import Sink, safe_basename
from labelcore.formats._items import EncodedTasks, Item, Region, task_items
from labelcore.formats._media import wav_duration
from labelcore.formats._tokens import bio_tags, tokens

RESERVED = ("id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time")
_RESERVED = frozenset(RESERVED)
_DUMPS = export_dumps


def write_json(ctx: Context, tasks: Iterable[Mapping[str, Any] | EncodedTasks], sink: Sink) -> None:
    """The full tasks list (Label Studio's JSON export), one task per line, as it goes.
    Runs of tasks a store already encoded (``EncodedTasks``) are written as they are."""
    with sink.open("result.json") as out:
        chunks = _Chunks(out)
        chunks.add("[")
        sep = "\n"
        for task in tasks:
            if type(task) is EncodedTasks:
                if not task.count:
                    continue
                chunks.add(sep + task.text)
                ctx.counted(task.count)
            else:
                chunks.add(sep + _DUMPS(task))
                ctx.counted()
            sep = ",\n"
        chunks.add("]\n" if sep == "\n" else "\n]\n")
        chunks.flush()


def prettify(regions: list[Region]) -> Any:
    """A control's regions as JSON_MIN/CSV show them: a single choice or text collapses to
    a string, everything else is the list of values (with ``type`` removed)."""
    out: list[Any] = []
    tag = None
    for region in regions:
        v = region.flat()
        tag = v.pop("type")
        choices, text = v.get("choices"), v.get("text")
        if tag == "Choices" and isinstance(choices, list) and len(choices) == 1:
            out.append(choices[0])
        elif tag == "TextArea" and isinstance(text, list) and len(text) == 1:
            out.append(text[0])
        else:
            out.append(v)
    return out[0] if tag in ("Choices", "TextArea") and len(out) == 1 else out


def _data_fields(data: Mapping[str, Any], taken: frozenset[str]) -> Iterable[tuple[str, Any]]:
    """Task data columns; a key that collides with a control or a fixed column (``taken``)
    is written as ``_data_<key>`` (Label Studio lets one overwrite the other)."""
    for key, value in data.items():
        yield (f"_data_{key}" if key in taken else key), value


def _taken(ctx: Context) -> frozenset[str]:
    """The column names data keys may not use: the controls' and the fixed ones."""
    return frozenset(ctx.schema.config.controls) | _RESERVED


def _min_record(item: Item, taken: frozenset[str]) -> dict[str, Any]:
    record = dict(_data_fields(item.data, taken))
    if item.task.get("id") is not None:
        record["id"] = item.task["id"]
    for name, regions in item.outputs.items():
        record[name] = prettify(regions)
    record["annotator"] = item.annotator(int_id=True)
    record["annotation_id"] = item.annotation.get("id")
    record["created_at"] = item.annotation.get("created_at")
    record["updated_at"] = item.annotation.get("updated_at")
    record["lead_time"] = item.annotation.get("lead_time")
    return record


def write_json_min(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    """One record per annotation: task data, each control's value, annotation facts."""
    with sink.open("result.json") as out:
        chunks = _Chunks(out)
        chunks.add("[")
        sep = "\n"
        taken = _taken(ctx)
        for task in tasks:
            for item in task_items(task, ctx.schema):
                chunks.add(sep + _DUMPS(_min_record(item, taken)))
                sep = ",\n"
            ctx.counted()
        chunks.add("]\n" if sep == "\n" else "\n]\n")
        chunks.flush()


def _csv_record(item: Item, taken: frozenset[str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if item.task.get("id") is not None:
        record["id"] = item.task["id"]
    for name, regions in item.outputs.items():
        pretty = prettify(regions)
        record[name] = pretty if isinstance(pretty, str) else _compact(pretty)
    for key, value in _data_fields(item.data, taken):
        record[key] = _compact(value) if isinstance(value, dict | list) else value
    record["annotator"] = item.annotator()
    record["annotation_id"] = item.annotation.get("id")
    record["created_at"] = item.annotation.get("created_at")
    record["updated_at"] = item.annotation.get("updated_at")
    record["lead_time"] = item.annotation.get("lead_time")
    return record


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_delimited(
    ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink, *, delimiter: str, name: str
) -> None:
    """CSV/TSV: the JSON_MIN rows with complex values JSON-encoded, columns sorted by name,
    strings quoted (Label Studio's ``QUOTE_NONNUMERIC``)."""
    keys = set(RESERVED) - {"id"}  # "id" comes with the first task that has one
    taken = _taken(ctx)
    with tempfile.TemporaryFile() as spool:
        for task in tasks:
            for item in task_items(task, ctx.schema):
                record = _csv_record(item, taken)
                keys.update(record)
                spool.write(_DUMPS(record).encode() + b"\n")
            ctx.counted()
        spool.seek(0)
        fields = sorted(keys)
        with sink.open(name) as out:
            chunks = _Chunks(out)
            writer = csv.writer(chunks, quoting=csv.QUOTE_NONNUMERIC, delimiter=delimiter)
            writer.writerow(fields)  # what csv.DictWriter writes, without its per-row checks
            for line in spool:
                record = json.loads(line)
                writer.writerow([record.get(k, "") for k in fields])
            chunks.flush()


def write_csv(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    write_delimited(ctx, tasks, sink, delimiter=",", name="result.csv")


def write_tsv(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    write_delimited(ctx, tasks, sink, delimiter="\t", name="result.tsv")


def write_conll(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    """CoNLL 2003: ``token -X- _ TAG`` lines with BIO tags, a blank line after each
    annotation; tokens and tags exactly as Label Studio's converter makes them."""
    key = ctx.data_key
    with sink.open("result.conll") as out:
        out.write(b"-DOCSTART- -X- O\n")
        chunks = _Chunks(out)
        for task in tasks:
            for item in task_items(task, ctx.schema):
                text = item.data.get(key) if key is not None else None
                if not isinstance(text, str):
                    ctx.warn(f"task {item.task.get('id')}: data[{key!r}] is not text; left out")
                    continue
                spans = next(
                    (
                        [r.flat() for r in regions]
                        for regions in item.outputs.values()
                        if regions and regions[0].tag.lower() == "labels"
                    ),
                    None,
                )
                if spans is None:  # every tag is O
                    words = tokens(text)
                    chunks.add(_O.join(words) + _O + "\n" if words else "\n")
                    continue
                words, tags = bio_tags(text, spans)
                chunks.add(
                    "".join([f"{tok} -X- _ {tag}\n" for tok, tag in zip(words, tags)]) + "\n"
                )
            ctx.counted()
        chunks.flush()


_O = " -X- _ O\n"


class _Chunks:
    """Text written to a binary stream in chunks of about 256 KiB: one write (and one
    encode) per chunk instead of one per task."""

    def __init__(self, out: IO[bytes], size: int = 1 << 18) -> None:
        self._out, self._size = out, size
        self._parts: list[str] = []
        self._len = 0

    def add(self, text: str) -> None:
        self._parts.append(text)
        self._len += len(text)
        if self._len >= self._size:
            self.flush()

    write = add  # a text file to csv.writer

    def flush(self) -> None:
        if self._parts:
            self._out.write("".join(self._parts).encode())
            self._parts.clear()
            self._len = 0


def write_asr_manifest(ctx: Context, tasks: Iterable[Mapping[str, Any]], sink: Sink) -> None:
    """NeMo's ASR manifest: one JSON line per transcribed annotation with the audio file
    name, its duration and the transcript. Durations come from a local WAV file (with
    ``media_root``) or else from the results' ``original_length``."""
    key = ctx.data_key
    obj_name = ctx.object_for_key(key)
    with sink.open("manifest.json") as out:
        for task in tasks:
            for item in task_items(task, ctx.schema):
                line = _asr_line(ctx, item, key, obj_name)
                if line is not None:
                    out.write(line)
            ctx.counted()


def _asr_line(ctx: Context, item: Item, key: str | None, obj_name: str | None) -> bytes | None:
    task_id = item.task.get("id")
    transcript = None
    for regions in item.outputs.values():
        text = regions[0].value.get("text") if regions else None
        if isinstance(text, list) and text:
            transcript = text[0]
            break
    if transcript is None:
        return None  # not transcribed (Label Studio fails on such tasks)
    ref = item.data.get(key) if key is not None else None
    duration = _audio_duration(ctx, item.task, ref, obj_name)
    if duration is None:
        ctx.warn(f"task {task_id}: audio duration unknown (no local WAV, no original_length)")
        return None
    record = {
        "audio_filepath": "audio/" + safe_basename(ref, f"task-{task_id}"),
        "duration": duration,
        "text": transcript,
        "annotator": item.annotator(""),
    }
    return json.dumps(record).encode() + b"\n"


def _audio_duration(
    ctx: Context, task: Mapping[str, Any], ref: Any, obj_name: str | None
) -> float | None:
    if ctx.media is not None:
        path = ctx.media.path(ref)
        if path is not None:
            seconds = wav_duration(path)
            if seconds is not None:
                return seconds
    for group in ("annotations", "predictions"):
        for obj in task.get(group) or ():
            for r in obj.get("result") or () if isinstance(obj, Mapping) else ():
                if isinstance(r, Mapping) and r.get("to_name") == obj_name:
                    length = r.get("original_length")
                    if isinstance(length, int | float) and not isinstance(length, bool):
                        return float(length)
    return None
