"""Audio, Video and TimeSeries results reopened and edited in the browser, as an annotator
does: ids are kept, nothing Label Studio wrote is dropped, the edited values are in Label
Studio's format, and the server refuses a label the config lacks."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from test_media_av_audio import CONFIG as AUDIO_CONFIG
from test_media_av_audio import mount as mount_audio
from test_media_av_audio import wav_bytes
from test_media_av_timeseries import drag as ts_drag
from test_media_av_timeseries import plot_at
from test_media_av_video import CONFIG as VIDEO_CONFIG
from test_media_av_video import FRAMES, goto_frame, red_shown, shade, webm_bytes
from test_media_av_video import drag as pic_drag
from test_media_av_video import mount as mount_video

from labelcore import parse_config

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def webm() -> bytes:
    return webm_bytes()


SPLIT = AUDIO_CONFIG.replace('hotkey="alt+p"', 'splitChannels="true"')
DAYS_CONFIG = """
<View>
  <TimeSeries name="ts" value="$csv" valueType="url" timeColumn="day" timeFormat="%Y%m%d">
    <Channel column="v"/>
  </TimeSeries>
  <TimeSeriesLabels name="events" toName="ts">
    <Label value="Spike"/><Label value="Drop"/>
  </TimeSeriesLabels>
</View>
"""


def refused(config: str, result: list[dict[str, Any]]) -> list[str]:
    return [p.message for p in parse_config(config).validate_result(result)]


def test_audio_segment_on_channel_one_reopened_and_resized_keeps_id_and_transcription(
    harness: Any, media_files: Any
) -> None:
    extras = {"original_length": 2, "origin": "manual", "meta": {"text": ["check"]}}
    saved = [
        {"id": "s1", "from_name": "speaker", "to_name": "audio", "type": "labels", **extras,
         "value": {"start": 0.5, "end": 1.0, "channel": 1, "labels": ["Bob"]}},
        {"id": "s1", "from_name": "transcript", "to_name": "audio", "type": "textarea", **extras,
         "value": {"start": 0.5, "end": 1.0, "channel": 1, "text": ["hi"]}},
    ]  # fmt: skip
    page = harness.page
    url = media_files("s.wav", wav_bytes(channels=2), "audio/wav")
    wave = mount_audio(harness, url, SPLIT, saved)
    assert harness.result() == saved  # reopened unchanged
    # drag the end edge (1.0 s, half way, lower lane) to 1.5 s; relabel; edit the text
    bb = wave.bounding_box()
    page.mouse.move(bb["x"] + bb["width"] * 0.5 - 3, bb["y"] + bb["height"] * 0.75)
    page.mouse.down()
    page.mouse.move(bb["x"] + bb["width"] * 0.75, bb["y"] + bb["height"] * 0.75, steps=4)
    page.mouse.up()
    page.locator(".lc-label", has_text="Alice").click()
    box = page.locator("[data-lc-control='transcript'] textarea")
    box.fill("hello")
    box.press("Enter")
    seg, text = harness.result()
    assert (seg["id"], text["id"]) == ("s1", "s1")
    for r in (seg, text):
        assert r["value"]["channel"] == 1 and r["value"]["start"] == 0.5
        assert r["value"]["end"] == pytest.approx(1.5, abs=0.02)
        assert r["original_length"] == 2 and r["meta"] == {"text": ["check"]}
    assert seg["value"]["labels"] == ["Alice"]
    assert text["value"]["text"] == ["hi", "hello"]
    assert refused(SPLIT, [seg, text]) == []
    seg["value"]["labels"] = ["Carol"]
    assert refused(SPLIT, [seg, text]) == [
        "Region 0: control 'speaker': labels ['Carol'] are not in the config; "
        "valid: ['Alice', 'Bob']"
    ]


def test_audio_segment_without_channel_is_saved_with_channel_zero(
    harness: Any, media_files: Any
) -> None:
    """Label Studio's AudioRegionModel defaults `channel` to 0 and its serialize() always
    writes it, so a segment loaded without one (an older export, a model's prediction) comes
    back with channel 0, in the segment and in its transcription. We saved it without."""
    extras = {"original_length": 2, "origin": "manual"}
    saved = [
        {"id": "s1", "from_name": "speaker", "to_name": "audio", "type": "labels", **extras,
         "value": {"start": 0.5, "end": 1.0, "labels": ["Bob"]}},
        {"id": "s1", "from_name": "transcript", "to_name": "audio", "type": "textarea", **extras,
         "value": {"start": 0.5, "end": 1.0, "text": ["hi"]}},
    ]  # fmt: skip
    mount_audio(harness, media_files("m.wav", wav_bytes(), "audio/wav"), AUDIO_CONFIG, saved)
    seg, text = harness.result()
    assert seg["value"] == {"start": 0.5, "end": 1.0, "channel": 0, "labels": ["Bob"]}
    assert text["value"] == {"start": 0.5, "end": 1.0, "channel": 0, "text": ["hi"]}
    assert refused(AUDIO_CONFIG, [seg, text]) == [] and refused(AUDIO_CONFIG, saved) == []


def test_video_box_and_range_reopened_and_edited_keep_ids_keyframes_and_meta(
    harness: Any, media_files: Any, webm: bytes
) -> None:
    key = {"enabled": True, "rotation": 0, "width": 20, "height": 20}
    saved = [
        {"id": "b1", "from_name": "box", "to_name": "video", "type": "videorectangle",
         "origin": "manual", "meta": {"text": ["note"]},
         "value": {"framesCount": FRAMES, "duration": 2, "labels": ["Car"], "sequence": [
             {**key, "frame": 2, "x": 0, "y": 0, "time": 0.2},
             {**key, "frame": 12, "enabled": False, "x": 50, "y": 50, "time": 1.2}]}},
        {"id": "t1", "from_name": "events", "to_name": "video", "type": "timelinelabels",
         "origin": "manual",
         "value": {"ranges": [{"start": 1, "end": 5}], "timelinelabels": ["Walk"]}},
    ]  # fmt: skip
    page = harness.page
    mount_video(harness, media_files("clip.webm", webm, "video/webm"), VIDEO_CONFIG, saved)
    assert sorted(harness.result(), key=lambda r: r["id"]) == saved
    # frame 7 shows the box interpolated at 25 %; drag it 10 % right and down: a keyframe there
    goto_frame(page, 7)
    bb = page.locator(".lc-video-overlay").bounding_box()
    page.locator(".lc-video-box").click()
    w, h = bb["width"], bb["height"]
    pic_drag(
        page,
        (bb["x"] + w * 0.35, bb["y"] + h * 0.35),
        (bb["x"] + w * 0.45, bb["y"] + h * 0.45),
    )
    page.locator(".lc-label[data-value='Bus']").click()
    page.keyboard.press("Escape")
    page.locator(".lc-video-row[title='Walk']").click()
    page.locator(".lc-label[data-value='Run']").click()
    box, rng = sorted(harness.result(), key=lambda r: r["id"])
    assert box["id"] == "b1" and box["meta"] == {"text": ["note"]}
    assert box["value"]["labels"] == ["Bus"]
    assert (box["value"]["framesCount"], box["value"]["duration"]) == (FRAMES, 2)
    keys = box["value"]["sequence"]
    assert [(k["frame"], k["enabled"], k["x"], k["y"], k["time"]) for k in keys] == [
        (2, True, 0, 0, 0.2),
        (7, True, 35, 35, 0.7),
        (12, False, 50, 50, 1.2),
    ]  # fmt: skip
    assert rng["id"] == "t1"
    assert rng["value"] == {"ranges": [{"start": 1, "end": 5}], "timelinelabels": ["Run"]}
    assert refused(VIDEO_CONFIG, [box, rng]) == []
    box["value"]["labels"], rng["value"]["timelinelabels"] = ["Truck"], ["Jump"]
    assert refused(VIDEO_CONFIG, [box, rng]) == [
        "Region 0: control 'box': labels ['Truck'] are not in the config; valid: ['Bus', 'Car']",
        "Region 1: control 'events': labels ['Jump'] are not in the config; valid: ['Run', 'Walk']",
    ]


def test_timeseries_digit_times_in_time_format_are_stored_as_formatted_days(
    harness: Any, media_files: Any
) -> None:
    """timeFormat="%Y%m%d" with times like 20240301: each is a day (Label Studio reads the
    column with the format), so a range is stored as day strings. They were taken as the
    numbers 20,240,301... and a range came out as 20240151.8 (a 51st of January)."""
    rows = ["day,v"] + [f"2024{m:02d}{d:02d},{d}" for m in (1, 2) for d in range(1, 29)]
    url = media_files("days.csv", ("\n".join(rows) + "\n").encode(), "text/csv")
    page = harness.page
    harness.mount(DAYS_CONFIG, {"csv": url})
    expect(page.locator(".lc-timeseries")).to_have_attribute("data-loaded", "true")
    expect(page.locator(".lc-timeseries-range")).to_have_text("20240101 – 20240228")
    page.locator(".lc-label", has_text="Spike").click()
    ts_drag(page, plot_at(page, 0.4), plot_at(page, 0.6))  # 58 days: Jan 24 .. Feb 4
    page.keyboard.press("Escape")
    page.mouse.click(*plot_at(page, 0.9))  # an instant on Feb 22
    rng, instant = [r for r in harness.result() if r["type"] == "timeserieslabels"]
    assert (rng["value"]["start"], rng["value"]["end"], rng["value"]["instant"]) == (
        "20240124",
        "20240204",
        False,
    )
    assert instant["value"]["start"] == instant["value"]["end"] == "20240222"
    assert instant["value"]["instant"] is True
    assert refused(DAYS_CONFIG, harness.result()) == []
    # reopened: both are drawn again, relabelled, ids and values kept
    saved = harness.result()
    harness.mount(DAYS_CONFIG, {"csv": url}, saved)
    expect(page.locator(".lc-timeseries-region")).to_have_count(2)
    assert harness.result() == saved
    page.locator(".lc-region-row").first.click()
    page.locator(".lc-label", has_text="Drop").click()
    out = harness.result()
    assert [r["id"] for r in out] == [r["id"] for r in saved]
    assert out[0]["value"] == {**saved[0]["value"], "timeserieslabels": ["Drop"]}
    out[1]["value"]["timeserieslabels"] = ["Rise"]
    assert refused(DAYS_CONFIG, out) == [
        "Region 1: control 'events': labels ['Rise'] are not in the config; "
        "valid: ['Drop', 'Spike']"
    ]


def test_video_frames_count_and_keyframe_times_are_label_studios(
    harness: Any, media_files: Any, webm: bytes
) -> None:
    """Label Studio 1.23 counts framesCount = round(duration * frameRate) (VideoCanvas with
    its frame-seek-precision flag, on in Community; ceil() is the flag-off branch we followed,
    15 frames for 2 s at 7.2 fps where Label Studio says 14) and writes each keyframe's
    time = frame / frameRate (VideoRegion.serialize)."""
    config = VIDEO_CONFIG.replace('frameRate="10"', 'frameRate="7.2"')
    page = harness.page
    video = mount_video(harness, media_files("clip.webm", webm, "video/webm"), config)
    expect(video).to_have_attribute("data-frames", "14")
    page.locator(".lc-label[data-value='Car']").click()
    bb = page.locator(".lc-video-overlay").bounding_box()
    pic_drag(page, (bb["x"] + 16, bb["y"] + 12), (bb["x"] + 80, bb["y"] + 60))
    [box] = [r for r in harness.result() if r["type"] == "videorectangle"]
    assert box["value"]["framesCount"] == 14 and box["value"]["duration"] == 2
    [key] = box["value"]["sequence"]
    assert (key["frame"], key["time"]) == (1, 1 / 7.2)
    page.locator(".lc-video-next").click(click_count=20)
    expect(video).to_have_attribute("data-frame", "14")  # the last frame Label Studio reaches


def test_video_keyframe_made_in_label_studio_reopens_on_its_picture(
    harness: Any, media_files: Any, webm: bytes
) -> None:
    """Label Studio 1.23 shows frame n at (n - 1) / frameRate (VideoCanvas.goToFrame) and writes
    time = n / frameRate: a box it saved on frame 5 (time 0.5) belongs to the picture shown from
    0.4 s, the clip's fifth picture; here it is drawn there and on no picture before."""
    saved = [
        {"id": "b1", "from_name": "box", "to_name": "video", "type": "videorectangle",
         "origin": "manual",
         "value": {"framesCount": FRAMES, "duration": 2, "labels": ["Car"], "sequence": [
             {"frame": 5, "enabled": True, "rotation": 0, "x": 10, "y": 10, "width": 30,
              "height": 30, "time": 0.5}]}},
    ]  # fmt: skip
    page = harness.page
    mount_video(harness, media_files("clip.webm", webm, "video/webm"), VIDEO_CONFIG, saved)
    goto_frame(page, 4)
    assert abs(red_shown(page) - shade(4)) <= 6
    expect(page.locator(".lc-video-box")).to_have_count(0)
    goto_frame(page, 5)
    assert abs(red_shown(page) - shade(5)) <= 6
    expect(page.locator(".lc-video-box.lc-keyframe")).to_have_count(1)
    assert harness.result() == saved
