"""Audio in a real browser: a WAV generated here is decoded with Web Audio and drawn as a
waveform; a segment is marked by dragging, labelled, transcribed (per-region TextArea), the
clip is classified, and the result validates against the config."""

from __future__ import annotations

import io
import math
import re
import struct
import wave
from typing import Any

import pytest
from lc_ui_browser import screenshot
from playwright.sync_api import expect

from labelcore import parse_config

pytestmark = pytest.mark.browser

SECONDS = 2.0
RATE = 8000
CONFIG = """
<View>
  <Audio name="audio" value="$audio" hotkey="alt+p"/>
  <Labels name="speaker" toName="audio">
    <Label value="Alice" background="#ff0000"/><Label value="Bob" background="#0000ff"/>
  </Labels>
  <TextArea name="transcript" toName="audio" perRegion="true" editable="true"/>
  <Choices name="noise" toName="audio"><Choice value="clean"/><Choice value="noisy"/></Choices>
</View>
"""


def wav_bytes(seconds: float = SECONDS, rate: int = RATE, channels: int = 1) -> bytes:
    """Silence for the first half, a 440 Hz tone for the second (16-bit PCM, stdlib wave)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            v = 0 if i < seconds * rate / 2 else int(20000 * math.sin(2 * math.pi * 440 * i / rate))
            frames += struct.pack("<h", v) * channels
        w.writeframes(bytes(frames))
    return out.getvalue()


@pytest.fixture()
def served(media_files: Any) -> dict[str, str]:
    return {
        "a.wav": media_files("a.wav", wav_bytes(), "audio/wav"),
        "stereo.wav": media_files("stereo.wav", wav_bytes(channels=2), "audio/wav"),
        "bad.wav": media_files("bad.wav", b"not audio", "audio/wav"),
    }


def mount(harness: Any, url: str, config: str = CONFIG, results: Any = None) -> Any:
    harness.mount(config, {"audio": url}, results)
    page = harness.page
    expect(page.locator(".lc-audio")).to_have_attribute("data-decoded", "true")
    return page.locator(".lc-audio-wave")


def drag(page: Any, wave: Any, x1: float, x2: float, y: float = 0.5) -> None:
    bb = wave.bounding_box()
    page.mouse.move(bb["x"] + bb["width"] * x1, bb["y"] + bb["height"] * y)
    page.mouse.down()
    page.mouse.move(bb["x"] + bb["width"] * (x1 + x2) / 2, bb["y"] + bb["height"] * y, steps=3)
    page.mouse.move(bb["x"] + bb["width"] * x2, bb["y"] + bb["height"] * y, steps=3)
    page.mouse.up()


def segments(harness: Any) -> list[dict[str, Any]]:
    return [r for r in harness.result() if r["type"] == "labels"]


def test_waveform_is_decoded_and_drawn(harness: Any, served: dict[str, str]) -> None:
    wave = mount(harness, served["a.wav"])
    page = harness.page
    expect(page.locator(".lc-audio")).to_have_attribute("data-duration", "2")
    # the tone half is drawn taller than the silent half: read the canvas back
    heights = wave.locator("canvas").evaluate(
        """c => { const g = c.getContext('2d'); const H = c.height; const col = (x) => {
              const d = g.getImageData(x, 0, 1, H).data; let n = 0;
              for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; };
              return [col(Math.floor(c.width * 0.25)), col(Math.floor(c.width * 0.75))]; }"""
    )
    assert heights[0] <= 2 and heights[1] > 40


def test_label_a_segment_with_a_transcription(harness: Any, served: dict[str, str]) -> None:
    page = harness.page
    wave = mount(harness, served["a.wav"])
    page.locator(".lc-label", has_text="Alice").click()
    drag(page, wave, 0.25, 0.75)  # 0.5 s .. 1.5 s
    [seg] = segments(harness)
    assert seg["from_name"] == "speaker" and seg["to_name"] == "audio"
    assert seg["value"]["labels"] == ["Alice"] and seg["value"]["channel"] == 0
    assert seg["original_length"] == 2
    assert seg["value"]["start"] == pytest.approx(0.5, abs=0.02)
    assert seg["value"]["end"] == pytest.approx(1.5, abs=0.02)
    # the new segment is selected: its transcription box is shown
    box = page.locator("[data-lc-control='transcript'] textarea")
    expect(box).to_be_visible()
    box.fill("hello there")
    box.press("Enter")
    page.get_by_role("checkbox", name="noisy").check()
    result = harness.result()
    [text] = [r for r in result if r["type"] == "textarea"]
    assert text["id"] == seg["id"] and text["value"]["text"] == ["hello there"]
    assert text["value"]["start"] == seg["value"]["start"]
    [clip] = [r for r in result if r["type"] == "choices"]
    assert clip["value"] == {"choices": ["noisy"]}
    assert parse_config(CONFIG).validate_result(result) == []
    expect(page.locator(".lc-region-text")).to_have_text([re.compile(r"^0:00\.\d{3}–0:01\.\d{3}$")])
    screenshot(page, "media-audio-segment")

    # drag the end edge back to 1.0 s
    bb = wave.bounding_box()
    page.mouse.move(bb["x"] + bb["width"] * 0.75 - 4, bb["y"] + bb["height"] / 2)
    page.mouse.down()
    page.mouse.move(bb["x"] + bb["width"] * 0.5, bb["y"] + bb["height"] / 2, steps=4)
    page.mouse.up()
    [seg] = segments(harness)
    assert seg["value"]["end"] == pytest.approx(1.0, abs=0.02)
    # drag the segment body 0.5 s to the right: 1.0 .. 1.5 s; undo puts it back, redo again
    page.mouse.move(bb["x"] + bb["width"] * 0.35, bb["y"] + bb["height"] / 2)
    page.mouse.down()
    page.mouse.move(bb["x"] + bb["width"] * 0.6, bb["y"] + bb["height"] / 2, steps=4)
    page.mouse.up()
    [seg] = segments(harness)
    assert (seg["value"]["start"], seg["value"]["end"]) == pytest.approx((1.0, 1.5), abs=0.02)
    page.keyboard.press("Control+z")
    [seg] = segments(harness)
    assert (seg["value"]["start"], seg["value"]["end"]) == pytest.approx((0.5, 1.0), abs=0.02)
    page.keyboard.press("Control+Shift+z")
    [seg] = segments(harness)
    assert (seg["value"]["start"], seg["value"]["end"]) == pytest.approx((1.0, 1.5), abs=0.02)
    # a click on a segment toggles its selection (the transcription box follows)
    page.mouse.click(bb["x"] + bb["width"] * 0.6, bb["y"] + bb["height"] / 2)
    expect(box).to_be_hidden()
    page.mouse.click(bb["x"] + bb["width"] * 0.6, bb["y"] + bb["height"] / 2)
    expect(box).to_be_visible()

    # relabel the selected segment, then delete it from the region list
    page.locator(".lc-label", has_text="Bob").click()
    assert segments(harness)[0]["value"]["labels"] == ["Bob"]
    page.locator(".lc-region-delete").first.click()
    assert segments(harness) == []
    assert [r["type"] for r in harness.result()] == ["choices"]


def test_pending_segment_takes_the_label_pressed_next(harness: Any, served: dict[str, str]) -> None:
    page = harness.page
    wave = mount(harness, served["a.wav"])
    drag(page, wave, 0.1, 0.3)
    assert segments(harness) == []
    expect(page.locator(".lc-audio-region.lc-pending")).to_have_count(1)
    page.keyboard.press("2")  # Bob's automatic hotkey
    [seg] = segments(harness)
    assert seg["value"]["labels"] == ["Bob"]
    assert seg["value"]["start"] == pytest.approx(0.2, abs=0.02)
    # the new segment is selected: Play plays just that segment, from its start to its end
    page.locator(".lc-audio-play").click()
    page.wait_for_function(
        """() => { const a = document.querySelector('.lc-audio');
                   return a.dataset.playing === 'false' && Number(a.dataset.time) > 0.55; }"""
    )
    assert float(page.locator(".lc-audio").get_attribute("data-time") or 0) < 0.75


def test_keyboard_only_segment(harness: Any, served: dict[str, str]) -> None:
    page = harness.page
    wave = mount(harness, served["a.wav"])
    wave.focus()
    page.keyboard.press("1")  # choose Alice
    page.keyboard.press("ArrowRight")  # 1.0 s
    page.keyboard.press("[")
    page.keyboard.press("ArrowRight")  # 2.0 s, the end
    page.keyboard.press("]")
    [seg] = segments(harness)
    assert (seg["value"]["start"], seg["value"]["end"], seg["value"]["labels"]) == (1, 2, ["Alice"])


def test_click_seeks_and_keys_play_and_seek(harness: Any, served: dict[str, str]) -> None:
    page = harness.page
    wave = mount(harness, served["a.wav"])
    audio = page.locator(".lc-audio")
    bb = wave.bounding_box()
    page.mouse.click(bb["x"] + bb["width"] * 0.5, bb["y"] + 5)
    assert float(audio.get_attribute("data-time") or 0) == pytest.approx(1.0, abs=0.02)
    page.keyboard.press("ArrowLeft")
    assert float(audio.get_attribute("data-time") or 0) == pytest.approx(0.0, abs=0.02)
    page.keyboard.press("ArrowRight")
    assert float(audio.get_attribute("data-time") or 0) == pytest.approx(1.0, abs=0.02)
    page.locator(".lc-audio-speed").select_option("1.5")
    assert page.locator(".lc-audio-media").evaluate("a => a.playbackRate") == 1.5
    wave.focus()
    page.keyboard.press(" ")
    expect(audio).to_have_attribute("data-playing", "true")
    page.keyboard.press(" ")
    expect(audio).to_have_attribute("data-playing", "false")
    page.keyboard.press("Alt+p")  # the Audio tag's hotkey, from anywhere
    expect(audio).to_have_attribute("data-playing", "true")
    page.keyboard.press("Alt+p")
    expect(audio).to_have_attribute("data-playing", "false")
    # zoom widens the waveform; regions keep their seconds
    width = wave.bounding_box()["width"]
    page.locator(".lc-audio-zoom-in").click()
    assert wave.bounding_box()["width"] == pytest.approx(width * 2, abs=2)


def test_split_channels_put_segments_on_their_channel(harness: Any, served: dict[str, str]) -> None:
    page = harness.page
    config = CONFIG.replace('hotkey="alt+p"', 'splitChannels="true"')
    wave = mount(harness, served["stereo.wav"], config)
    page.locator(".lc-label", has_text="Alice").click()
    drag(page, wave, 0.5, 0.9, y=0.75)  # the lower lane: channel 1
    [seg] = segments(harness)
    assert seg["value"]["channel"] == 1
    assert parse_config(config).validate_result(harness.result()) == []


def test_saved_segments_load_back(harness: Any, served: dict[str, str]) -> None:
    saved = [
        {
            "id": "s1",
            "from_name": "speaker",
            "to_name": "audio",
            "type": "labels",
            "value": {"start": 0.25, "end": 0.75, "channel": 0, "labels": ["Bob"]},
        },
        {
            "id": "s1",
            "from_name": "transcript",
            "to_name": "audio",
            "type": "textarea",
            "value": {"start": 0.25, "end": 0.75, "channel": 0, "text": ["hi"]},
        },
    ]
    mount(harness, served["a.wav"], results=saved)
    expect(harness.page.locator(".lc-audio-region")).to_have_count(1)
    out = harness.result()
    assert [(r["type"], r["value"]) for r in out] == [(r["type"], r["value"]) for r in saved]


def test_undecodable_audio_still_marks_nothing_and_says_so(
    harness: Any, served: dict[str, str]
) -> None:
    harness.mount(CONFIG, {"audio": served["bad.wav"]})
    page = harness.page
    expect(page.locator(".lc-audio")).to_have_attribute("data-decoded", "false")
    expect(page.locator(".lc-audio-message")).to_contain_text("waveform cannot be drawn")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        '" onerror="alert(1)',
        "//evil.example/a.wav",
        "/\\evil.example/a.wav",  # a backslash reads as a slash: another host
        "/\t/evil.example/a.wav",  # tabs are dropped from URLs: another host
    ],
)
def test_audio_url_xss_payloads_are_not_loaded(harness: Any, url: str) -> None:
    harness.mount(CONFIG, {"audio": url})
    page = harness.page
    assert page.locator(".lc-audio-media").get_attribute("src") is None
    expect(page.locator(".lc-audio-message")).to_contain_text("cannot be played")


def test_label_names_with_markup_render_as_text(harness: Any, served: dict[str, str]) -> None:
    page = harness.page
    evil = "<img src=x onerror=window.__xss=1>"
    config = CONFIG.replace('value="Alice"', f'value="{evil.replace("<", "&lt;")}"')
    wave = mount(harness, served["a.wav"], config)
    page.locator(".lc-label").first.click()
    drag(page, wave, 0.2, 0.4)
    expect(page.locator(".lc-audio-region-label")).to_have_text(evil)
    assert page.locator(".lc-audio img").count() == 0


def test_media_bytes_gzip_bomb_is_dropped_past_the_limit(harness: Any, static_url: str) -> None:
    """The waveform and CSV readers (mediaBytes) count the bytes as they arrive: a gzip
    response whose Content-Length is small but whose body inflates past the limit, or a body
    without Content-Length, is refused before it is held whole; a body within the limit reads
    back exactly."""
    import gzip
    import http.server
    import threading

    bomb = gzip.compress(b"\0" * 2_000_000)

    class Media(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            if self.path.endswith("bomb.wav"):
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(bomb)))
                self.end_headers()
                self.wfile.write(bomb)
            else:  # no Content-Length: the body ends when the connection closes
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"\1" * 1000)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Media)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    other = f"http://127.0.0.1:{server.server_address[1]}"
    page = harness.page
    # the page asks its own origin (its CSP allows only that); the answer comes from `server`
    page.route(
        f"{static_url}/bytes-test/*",
        lambda route: route.continue_(url=other + "/" + route.request.url.rsplit("/", 1)[-1]),
    )
    read = """async ([url, max]) => {
        const { mediaBytes } = await import('/lc/labeling/tags/audio.js');
        try { return (await mediaBytes(url, max)).byteLength; } catch (e) { return e.message; }
    }"""
    try:
        assert len(bomb) < 100_000
        assert page.evaluate(read, [f"{static_url}/bytes-test/bomb.wav", 100_000]) == "too large"
        assert page.evaluate(read, [f"{static_url}/bytes-test/plain.wav", 1000]) == 1000
        assert page.evaluate(read, [f"{static_url}/bytes-test/plain.wav", 999]) == "too large"
    finally:
        page.unroute(f"{static_url}/bytes-test/*")
        server.shutdown()
        server.server_close()
