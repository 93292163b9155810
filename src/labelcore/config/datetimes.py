"""DateTime results: the value has the form the control's ``only``/``format`` make Label Studio
store, and lies within ``min``/``max``.

Label Studio's editor stores ``{"datetime": "2024-06-15T10:30"}`` by default (date and time,
minutes), ``"2024-06-15"`` when ``only`` shows a date but no time, ``"10:30"`` for
``only="time"``, the year for ``only="year"``, and the ``format`` (strftime) when one is given
(labelcore's editor stores the ISO form then, so both are accepted).
Its min/max check compares the ISO date (``YYYY-MM-DD``; the year for ``only="year"``) as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from labelcore.config.model import ControlTag

Report = Callable[[str, str], None]

FORMAT_FULL = "%Y-%m-%dT%H:%M"
FORMAT_DATE = "%Y-%m-%d"
FULL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MONTH = re.compile(r"\d{4}-\d{2}")
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")
YEAR = re.compile(r"\d{4}")
MAX_CHARS = 200


def expected_form(control: ControlTag, *, use_format: bool = True) -> tuple[str, str]:
    """(kind, description) of the value: kind is full, date, month, year, time or format."""
    only = {p.strip().lower() for p in control.attrs.get("only", "").split(",") if p.strip()}
    fmt = control.attrs.get("format")
    if only == {"time"}:
        return "time", 'a 24-hour time HH:MM (only="time")'
    if fmt and use_format:
        return "format", f'the format "{fmt[:60]}"'
    if not only or "time" in only:
        return "full", "YYYY-MM-DDTHH:MM"
    if "date" in only:
        return "date", "YYYY-MM-DD"
    if "month" in only:
        return "month", 'YYYY-MM-DD or YYYY-MM (only="month,year")'
    return "year", 'YYYY or YYYY-MM-DD (only="year")'


def _parse(kind: str, text: str, fmt: str | None) -> dt.datetime | dt.time | str | None:
    """The value as a datetime (a time for kind time); "" when the format cannot be checked."""
    try:
        if kind == "time":
            if not TIME.fullmatch(text):
                return None
            return dt.time.fromisoformat(text)
        if kind == "full":
            return dt.datetime.strptime(text, FORMAT_FULL) if FULL.fullmatch(text) else None
        if kind == "date" or (kind in ("month", "year") and DATE.fullmatch(text)):
            return dt.datetime.strptime(text, FORMAT_DATE) if DATE.fullmatch(text) else None
        if kind == "month":
            return dt.datetime.strptime(text, "%Y-%m") if MONTH.fullmatch(text) else None
        if kind == "year":
            return dt.datetime(int(text), 1, 1) if YEAR.fullmatch(text) else None
    except ValueError:
        return None
    assert fmt is not None
    try:
        return dt.datetime.strptime(text, fmt)
    except ValueError as exc:
        # a directive Python's strptime lacks (d3's %e, %L, ...): the form cannot be checked
        message = str(exc)
        return None if "does not match" in message or "unconverted" in message else ""


def _bound(raw: str | None, year_only: bool) -> str | None:
    if not raw:
        return None
    raw = raw.strip()
    if raw == "current":
        return str(dt.date.today().year)
    if YEAR.fullmatch(raw) or DATE.fullmatch(raw[:10]):
        return raw[:4] if year_only else raw[:10]
    return None


def check_datetime(control: ControlTag, value: Mapping[str, Any], report: Report) -> None:
    """``value["datetime"]`` has the control's form and lies within its min/max."""
    text = value.get("datetime")
    if not isinstance(text, str) or not text:
        report("result.bad_value", "'datetime' must be a non-empty string")
        return
    if len(text) > MAX_CHARS:
        report("result.datetime_format", f"'datetime' is longer than {MAX_CHARS} characters")
        return
    kind, described = expected_form(control)
    found = _parse(kind, text, control.attrs.get("format"))
    if found is None and kind == "format":
        # labelcore's editor stores the ISO form whatever the display format
        kind, iso_form = expected_form(control, use_format=False)
        found = _parse(kind, text, None)
        described = f"{described} nor {iso_form}"
    if found is None:
        report("result.datetime_format", f"'datetime' {text[:60]!r} is not {described}")
        return
    if not isinstance(found, dt.datetime):
        return  # a time (min/max apply to dates), or a format we cannot read
    year_only = kind == "year"
    iso = str(found.year).zfill(4) if year_only else found.date().isoformat()
    lo = _bound(control.attrs.get("min"), year_only)
    hi = _bound(control.attrs.get("max"), year_only)
    if (lo is not None and iso < lo) or (hi is not None and iso > hi):
        report(
            "result.out_of_range",
            f"date {iso} is outside min..max {lo or '-'}..{hi or '-'}",
        )
