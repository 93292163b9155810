"""Audio and video labelled in both shipped example hosts: alice logs in through the host's
own form, creates a project with the API, imports a task whose WAV and WebM are data: URLs
(the labeling page's CSP allows them as media) and whose time series is inline JSON, labels a
transcribed segment, classifies the video, marks a timeline range, draws a box and marks an
instant on the series; the annotation stored by the server is read back
through the API and validates against the config."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from lc_ui_browser import screenshot
from playwright.sync_api import expect
from test_media_av_audio import wav_bytes
from test_media_av_video import FRAMES, W, webm_bytes

from labelcore import parse_config

pytestmark = pytest.mark.browser

CONFIG = """
<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="speaker" toName="audio"><Label value="Alice"/><Label value="Bob"/></Labels>
  <TextArea name="transcript" toName="audio" perRegion="true"/>
  <Video name="video" value="$video" frameRate="10"/>
  <Choices name="scene" toName="video"><Choice value="indoor"/><Choice value="outdoor"/></Choices>
  <TimelineLabels name="events" toName="video"><Label value="Run"/></TimelineLabels>
  <Labels name="objects" toName="video"><Label value="Car"/></Labels>
  <VideoRectangle name="box" toName="video"/>
  <TimeSeries name="ts" value="$series" valueType="json" timeColumn="t">
    <Channel column="v"/>
  </TimeSeries>
  <TimeSeriesLabels name="anomaly" toName="ts"><Label value="Spike"/></TimeSeriesLabels>
</View>
"""

API = """async ([method, path, body]) => {
  const tok = await (await fetch('/label/api/csrf-token')).json();
  const resp = await fetch('/label/api' + path, { method, credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', [tok.header || 'X-CSRFToken']: tok.csrf_token },
    body: body === null ? undefined : JSON.stringify(body) });
  return { status: resp.status, body: await resp.json() };
}"""


def api(page: Any, method: str, path: str, body: Any = None) -> Any:
    out = page.evaluate(API, [method, path, body])
    assert out["status"] < 300, out
    return out["body"]


def data_url(kind: str, body: bytes) -> str:
    return f"data:{kind};base64," + base64.b64encode(body).decode()


def test_audio_and_video_in_the_example_hosts(
    example_host: tuple[str, str], watched_page: Any
) -> None:
    host, url = example_host
    page = watched_page
    page.goto(url + ("/login/" if host == "django" else "/login"))
    page.locator("input[name=username]").fill("alice")
    page.locator("input[name=password]").fill("alice")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/label/**")
    project = api(page, "POST", "/projects", {"title": f"AV {host}", "label_config": CONFIG})
    series = {"t": list(range(50)), "v": [i % 7 for i in range(50)]}
    data = {
        "series": series,
        "audio": data_url("audio/wav", wav_bytes()),
        "video": data_url("video/webm", webm_bytes()),
    }
    api(page, "POST", f"/projects/{project['id']}/import", [{"data": data}])

    page.goto(f"{url}/label/projects/{project['id']}/label")
    expect(page.locator(".lc-audio")).to_have_attribute("data-decoded", "true")
    expect(page.locator(".lc-video")).to_have_attribute("data-loaded", "true")

    # audio: Alice speaks from 0.5 s to 1.5 s and says "hello"
    page.locator(
        "[data-lc-control='speaker'] .lc-label, .lc-label[data-value='Alice']"
    ).first.click()
    wave = page.locator(".lc-audio-wave").bounding_box()
    y = wave["y"] + wave["height"] / 2
    page.mouse.move(wave["x"] + wave["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(wave["x"] + wave["width"] * 0.75, y, steps=5)
    page.mouse.up()
    box = page.locator("[data-lc-control='transcript'] textarea")
    box.fill("hello")
    box.press("Enter")
    page.keyboard.press("Escape")

    # video: outdoor; "Run" on frames 2..4 (the player stops on 4); a "Car" box on frame 3
    page.get_by_role("checkbox", name="outdoor").check()
    page.locator(".lc-label[data-value='Run']").click()
    track = page.locator(".lc-video-track").bounding_box()
    ty = track["y"] + track["height"] / 2
    page.mouse.move(track["x"] + track["width"] * 1.5 / FRAMES, ty)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * 3.5 / FRAMES, ty, steps=4)
    page.mouse.up()
    page.keyboard.press("Escape")
    page.locator(".lc-label[data-value='Run']").click()
    page.locator(".lc-video-prev").click()
    page.locator(".lc-label[data-value='Car']").click()
    pic = page.locator(".lc-video-overlay").bounding_box()
    assert pic["width"] == W
    page.mouse.move(pic["x"] + 16, pic["y"] + 12)
    page.mouse.down()
    page.mouse.move(pic["x"] + 80, pic["y"] + 60, steps=5)
    page.mouse.up()

    # time series: an instant at the middle of the plot (t = 24.5)
    page.keyboard.press("Escape")
    page.locator(".lc-label[data-value='Spike']").click()
    plot = page.locator(".lc-timeseries-plot").first
    plot.scroll_into_view_if_needed()
    pb = plot.bounding_box()
    page.mouse.click(pb["x"] + pb["width"] / 2, pb["y"] + pb["height"] / 2)
    screenshot(page, f"media-av-{host}")

    task_id = int(page.locator(".lc-label-info").text_content().split("#")[1].split()[0])
    page.keyboard.press("Control+Enter")
    expect(page.locator(".lc-message")).to_have_class("lc-message lc-message-ok")
    (ann,) = api(page, "GET", f"/tasks/{task_id}/annotations")
    result = ann["result"]
    assert parse_config(CONFIG).validate_result(result) == []
    by = {r["from_name"]: r for r in result}
    seg = by["speaker"]["value"]
    assert seg["labels"] == ["Alice"] and seg["channel"] == 0
    assert seg["start"] == pytest.approx(0.5, abs=0.02) and seg["end"] == pytest.approx(
        1.5, abs=0.02
    )
    assert by["transcript"]["id"] == by["speaker"]["id"]
    assert by["transcript"]["value"]["text"] == ["hello"]
    assert by["scene"]["value"] == {"choices": ["outdoor"]}
    assert by["events"]["value"] == {"ranges": [{"start": 2, "end": 4}], "timelinelabels": ["Run"]}
    spike = by["anomaly"]["value"]
    assert spike["instant"] is True and spike["start"] == pytest.approx(24.5, abs=0.5)
    rect = by["box"]["value"]
    assert rect["labels"] == ["Car"] and rect["framesCount"] == FRAMES
    assert [(k["frame"], k["x"], k["y"], k["width"], k["height"]) for k in rect["sequence"]] == [
        (3, 10, 10, 40, 40)
    ]
