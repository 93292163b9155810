"""TimeSeries in a real browser: a CSV (fetched from the page's origin) and inline JSON with
formatted times are plotted per Channel; TimeSeriesLabels ranges and instants are marked by
dragging and clicking, in the full view and zoomed; the results validate against the config."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from lc_ui_browser import screenshot
from playwright.sync_api import expect

from labelcore import parse_config

pytestmark = pytest.mark.browser

CONFIG = """
<View>
  <TimeSeries name="ts" value="$csv" valueType="url" timeColumn="time">
    <Channel column="temp" legend="Temperature" units="C" strokeColor="#d62728"/>
    <Channel column="hum" legend="Humidity"/>
  </TimeSeries>
  <TimeSeriesLabels name="events" toName="ts">
    <Label value="Spike" background="#ff0000"/><Label value="Drop"/>
  </TimeSeriesLabels>
</View>
"""
JSON_CONFIG = """
<View>
  <TimeSeries name="ts" value="$series" valueType="json" timeColumn="when"
              timeFormat="%Y-%m-%d %H:%M:%S">
    <Channel column="v"/>
  </TimeSeries>
  <TimeSeriesLabels name="events" toName="ts"><Label value="Spike"/></TimeSeriesLabels>
</View>
"""


def csv_bytes(rows: int = 100) -> bytes:
    lines = ["time,temp,hum"]
    for i in range(rows):
        lines.append(f"{i},{20 + 5 * math.sin(i / 8):.3f},{50 + (i % 10)}")
    return ("\n".join(lines) + "\n").encode()


def plot_at(page: Any, frac: float) -> tuple[float, float]:
    bb = page.locator(".lc-timeseries-plot").first.bounding_box()
    return bb["x"] + bb["width"] * frac, bb["y"] + bb["height"] / 2


def drag(page: Any, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move((a[0] + b[0]) / 2, a[1], steps=3)
    page.mouse.move(*b, steps=3)
    page.mouse.up()


def marks(harness: Any) -> list[dict[str, Any]]:
    return [r for r in harness.result() if r["type"] == "timeserieslabels"]


def mount_csv(harness: Any, media_files: Any, config: str = CONFIG) -> Any:
    harness.mount(config, {"csv": media_files("series.csv", csv_bytes(), "text/csv")})
    ts = harness.page.locator(".lc-timeseries")
    expect(ts).to_have_attribute("data-loaded", "true")
    return ts


def test_csv_channels_ranges_and_instants(harness: Any, media_files: Any) -> None:
    page = harness.page
    ts = mount_csv(harness, media_files)
    assert ts.get_attribute("data-rows") == "100"
    expect(page.locator(".lc-timeseries-line")).to_have_count(3)  # two channels + overview
    expect(page.locator(".lc-timeseries-channel").first).to_have_text("Temperature (C) ")
    page.locator(".lc-label", has_text="Spike").click()
    drag(page, plot_at(page, 0.2), plot_at(page, 0.4))  # times 0..99 across the plot
    [r] = marks(harness)
    assert r["value"]["timeserieslabels"] == ["Spike"] and r["value"]["instant"] is False
    assert r["value"]["start"] == pytest.approx(19.8, abs=0.8)
    assert r["value"]["end"] == pytest.approx(39.6, abs=0.8)
    page.keyboard.press("Escape")
    page.locator(".lc-label", has_text="Drop").click()
    page.mouse.click(*plot_at(page, 0.5))
    spike, drop = marks(harness)
    assert drop["value"]["instant"] is True
    assert drop["value"]["start"] == drop["value"]["end"] == pytest.approx(49.5, abs=0.8)
    assert parse_config(CONFIG).validate_result(harness.result()) == []
    expect(page.locator(".lc-timeseries-region")).to_have_count(2)
    screenshot(page, "media-timeseries")
    # delete the instant from the region list
    page.locator(".lc-region-delete").nth(1).click()
    assert [m["id"] for m in marks(harness)] == [spike["id"]]


def test_zoom_and_overview_choose_the_window(harness: Any, media_files: Any) -> None:
    page = harness.page
    ts = mount_csv(harness, media_files)
    page.locator(".lc-timeseries-zoom-in").click()  # 24.75 .. 74.25
    view = [float(x) for x in (ts.get_attribute("data-view") or "").split("..")]
    assert view == pytest.approx([24.75, 74.25], abs=0.01)
    page.locator(".lc-label", has_text="Spike").click()
    drag(page, plot_at(page, 0.0), plot_at(page, 0.5))
    [r] = marks(harness)
    assert r["value"]["start"] == pytest.approx(24.75, abs=0.8)
    assert r["value"]["end"] == pytest.approx(49.5, abs=0.8)
    # the overview strip: drag over its last fifth to show 79.2 .. 99
    bb = page.locator(".lc-timeseries-overview").bounding_box()
    y = bb["y"] + bb["height"] / 2
    drag(page, (bb["x"] + bb["width"] * 0.8, y), (bb["x"] + bb["width"] - 1, y))
    view = [float(x) for x in (ts.get_attribute("data-view") or "").split("..")]
    assert view[0] == pytest.approx(79.2, abs=1) and view[1] == pytest.approx(99, abs=1)
    page.locator(".lc-timeseries-plot").first.focus()
    page.keyboard.press("0")
    view = [float(x) for x in (ts.get_attribute("data-view") or "").split("..")]
    assert view == [0, 99]


def test_keyboard_cursor_marks_ranges_and_instants(harness: Any, media_files: Any) -> None:
    """As [ and ] do on audio and video: Left/Right move a cursor over the samples (Shift: a
    tenth of the window), [ starts a range at it, ] ends it with the chosen label; the same
    sample twice is an instant, and the window follows a cursor that leaves it."""
    page = harness.page
    ts = mount_csv(harness, media_files)
    page.locator(".lc-timeseries-zoom-in").click()  # 24.75 .. 74.25
    page.locator(".lc-label", has_text="Spike").click()
    plot = page.locator(".lc-timeseries-plot").first
    plot.focus()
    page.keyboard.press("ArrowRight")  # from the window's first sample, 25, to 26
    expect(ts).to_have_attribute("data-cursor", "26")
    expect(page.locator(".lc-timeseries-cursor")).to_have_attribute("data-time", "26")
    page.keyboard.press("[")
    page.keyboard.press("Shift+ArrowRight")  # a tenth of 49.5: the first sample after 30.95
    expect(ts).to_have_attribute("data-cursor", "31")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("]")
    [r] = marks(harness)
    assert r["value"] == {"start": 26, "end": 33, "instant": False, "timeserieslabels": ["Spike"]}
    expect(plot).to_be_focused()
    page.keyboard.press("[")
    page.keyboard.press("]")
    assert marks(harness)[1]["value"] == {
        "start": 33, "end": 33, "instant": True, "timeserieslabels": ["Spike"],
    }  # fmt: skip
    page.keyboard.press("End")
    expect(ts).to_have_attribute("data-cursor", "74")
    page.keyboard.press("ArrowRight")
    view = [float(x) for x in (ts.get_attribute("data-view") or "").split("..")]
    assert view == pytest.approx([25.5, 75], abs=0.01)
    page.keyboard.press("Home")
    expect(ts).to_have_attribute("data-cursor", "26")
    assert parse_config(CONFIG).validate_result(harness.result()) == []
    expect(page.locator(".lc-timeseries-region")).to_have_count(2)


def test_json_with_formatted_times(harness: Any) -> None:
    page = harness.page
    when = [f"2024-03-01 10:{m:02d}:00" for m in range(60)]
    data = {"series": {"when": when, "v": [m % 7 for m in range(60)]}}
    harness.mount(JSON_CONFIG, data)
    expect(page.locator(".lc-timeseries")).to_have_attribute("data-loaded", "true")
    page.locator(".lc-label", has_text="Spike").click()
    drag(page, plot_at(page, 0.5), plot_at(page, 0.75))
    [r] = marks(harness)
    pattern = re.compile(r"^2024-03-01 10:\d\d:\d\d$")
    assert pattern.match(r["value"]["start"]) and pattern.match(r["value"]["end"])
    assert r["value"]["start"].startswith("2024-03-01 10:29")
    assert r["value"]["end"].startswith("2024-03-01 10:44")
    assert parse_config(JSON_CONFIG).validate_result(harness.result(), data) == []
    # saved results in that format load back onto the plot
    saved = harness.result()
    harness.mount(JSON_CONFIG, data, saved)
    expect(page.locator(".lc-timeseries-region")).to_have_count(1)
    assert harness.result() == saved  # loads back equal


def test_unreadable_data_says_so(harness: Any, media_files: Any) -> None:
    harness.mount(CONFIG, {"csv": media_files("bad.csv", b"time,temp\nx,1\n", "text/csv")})
    expect(harness.page.locator(".lc-timeseries")).to_have_attribute("data-loaded", "false")
    expect(harness.page.locator(".lc-audio-message")).to_contain_text("cannot be read")
    harness.mount(CONFIG, {"csv": "javascript:alert(1)"})
    expect(harness.page.locator(".lc-timeseries")).to_have_attribute("data-loaded", "false")


def test_legend_and_label_markup_render_as_text(harness: Any, media_files: Any) -> None:
    page = harness.page
    evil = "<img src=x onerror=window.__xss=1>"
    config = CONFIG.replace('legend="Temperature"', f'legend="{evil.replace("<", "&lt;")}"')
    config = config.replace('value="Spike"', f'value="{evil.replace("<", "&lt;")}"')
    mount_csv(harness, media_files, config)
    expect(page.locator(".lc-timeseries-channel").first).to_contain_text(evil)
    page.locator(".lc-labels .lc-label").first.click()
    drag(page, plot_at(page, 0.1), plot_at(page, 0.3))
    expect(page.locator(".lc-region-labels")).to_have_text(evil)
    assert page.locator(".lc-timeseries img, .lc-panel-side img").count() == 0


def test_brushing_does_not_redraw_the_lines(harness: Any, media_files: Any) -> None:
    """A brush redraws the plot on every pointer move; the series lines (a pass over every
    point in view) are kept while the window and width stay, and drawn anew on a zoom."""
    page = harness.page
    mount_csv(harness, media_files)
    lines = page.locator(".lc-timeseries-line")
    expect(lines).to_have_count(3)
    lines.evaluate_all("els => els.forEach((el) => { el.dataset.kept = 'yes'; })")
    page.locator(".lc-label", has_text="Spike").click()
    a, b = plot_at(page, 0.2), plot_at(page, 0.6)
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=4)
    expect(page.locator(".lc-timeseries-brush")).to_have_count(1)  # redrawn while moving
    expect(page.locator(".lc-timeseries-line[data-kept='yes']")).to_have_count(3)
    page.mouse.up()
    expect(page.locator(".lc-timeseries-region")).to_have_count(1)
    expect(page.locator(".lc-timeseries-line[data-kept='yes']")).to_have_count(3)
    page.locator(".lc-timeseries-zoom-in").click()
    expect(page.locator(".lc-timeseries-line[data-kept='yes']")).to_have_count(1)  # overview
    expect(lines).to_have_count(3)


@pytest.mark.parametrize(
    "url", ["//evil.example/s.csv", "/\\evil.example/s.csv", "/\t/evil.example/s.csv"]
)
def test_timeseries_csv_url_on_another_host_is_not_fetched(harness: Any, url: str) -> None:
    """A path that a browser reads as another host ("//", a backslash, a tab) is refused
    before any request."""
    page = harness.page
    asked: list[str] = []

    def record(req: Any) -> None:
        asked.append(req.url)

    page.on("request", record)
    try:
        harness.mount(CONFIG, {"csv": url})
        expect(page.locator(".lc-timeseries")).to_have_attribute("data-loaded", "false")
    finally:
        page.remove_listener("request", record)
    assert not [u for u in asked if "evil.example" in u]
