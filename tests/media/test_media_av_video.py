"""Video in a real browser: a WebM generated here (PyAV) plays in Chromium; the clip is
classified, a timeline range is marked, and a VideoRectangle is drawn on one frame and moved on
another (two keyframes, interpolated between). Frame-accurate seeking is checked by reading
the pixels of the frame shown."""

from __future__ import annotations

import io
from typing import Any

import pytest
from lc_ui_browser import screenshot
from playwright.sync_api import expect

from labelcore import parse_config

pytestmark = pytest.mark.browser

FPS, FRAMES, W, H = 10, 20, 160, 120
CONFIG = f"""
<View>
  <Video name="video" value="$video" frameRate="{FPS}"/>
  <Choices name="scene" toName="video"><Choice value="indoor"/><Choice value="outdoor"/></Choices>
  <TimelineLabels name="events" toName="video">
    <Label value="Run" background="#00aa00"/><Label value="Walk"/>
  </TimelineLabels>
  <Labels name="objects" toName="video">
    <Label value="Car" background="#ff0000"/><Label value="Bus"/>
  </Labels>
  <VideoRectangle name="box" toName="video"/>
</View>
"""


def shade(frame: int) -> int:
    """The red level of frame n (1-based): each frame has its own flat colour."""
    return 10 + (frame - 1) * 12 % 240


def webm_bytes(fps: int = FPS, frames: int = FRAMES) -> bytes:
    """A VP8 WebM whose frame n is a flat colour with red = shade(n)."""
    av = pytest.importorskip("av")
    np = pytest.importorskip("numpy")
    out = io.BytesIO()
    container = av.open(out, mode="w", format="webm")
    stream = container.add_stream("libvpx", rate=fps)
    stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
    stream.options = {"crf": "4", "b:v": "1M"}
    for n in range(1, frames + 1):
        pixels = np.zeros((H, W, 3), np.uint8)
        pixels[:, :, 0] = shade(n)
        pixels[:, :, 1] = 60
        for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def webm() -> bytes:
    return webm_bytes()


def mount(harness: Any, url: str, config: str = CONFIG, results: Any = None) -> Any:
    harness.mount(config, {"video": url}, results)
    video = harness.page.locator(".lc-video")
    expect(video).to_have_attribute("data-loaded", "true")
    return video


def red_shown(page: Any) -> int:
    """The red level of the frame the player shows now (after its seek settled)."""
    return int(
        page.locator(".lc-video-media").evaluate(
            """v => new Promise((ok) => {
                 const read = () => { const c = document.createElement('canvas');
                   c.width = v.videoWidth; c.height = v.videoHeight;
                   const g = c.getContext('2d'); g.drawImage(v, 0, 0);
                   ok(g.getImageData(c.width / 2, c.height / 2, 1, 1).data[0]); };
                 if (v.seeking) v.addEventListener('seeked', read, { once: true }); else read();
               })"""
        )
    )


def goto_frame(page: Any, n: int) -> None:
    video = page.locator(".lc-video")
    cur = int(video.get_attribute("data-frame") or 1)
    button = page.locator(".lc-video-next" if n > cur else ".lc-video-prev")
    for _ in range(abs(n - cur)):
        button.click()
    expect(video).to_have_attribute("data-frame", str(n))


def track_x(page: Any, frame: int) -> tuple[float, float]:
    bb = page.locator(".lc-video-track").bounding_box()
    return bb["x"] + bb["width"] * (frame - 0.5) / FRAMES, bb["y"] + bb["height"] / 2


def drag(page: Any, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=3)
    page.mouse.move(*b, steps=3)
    page.mouse.up()


def by_type(harness: Any, kind: str) -> list[dict[str, Any]]:
    return [r for r in harness.result() if r["type"] == kind]


def test_frame_accurate_stepping(harness: Any, media_files: Any, webm: bytes) -> None:
    page = harness.page
    video = mount(harness, media_files("clip.webm", webm, "video/webm"))
    expect(video).to_have_attribute("data-frames", str(FRAMES))
    assert abs(red_shown(page) - shade(1)) <= 6
    for n in (2, 5, 13, 20):
        goto_frame(page, n)
        assert abs(red_shown(page) - shade(n)) <= 6, f"frame {n}"
    goto_frame(page, 7)
    assert abs(red_shown(page) - shade(7)) <= 6
    # keys on the focused picture: Right / Shift+Right / Left; Alt+Left from anywhere
    page.locator(".lc-video-overlay").focus()
    page.keyboard.press("ArrowRight")
    expect(video).to_have_attribute("data-frame", "8")
    page.keyboard.press("Shift+ArrowRight")
    expect(video).to_have_attribute("data-frame", "18")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Alt+ArrowLeft")
    expect(video).to_have_attribute("data-frame", "17")
    assert abs(red_shown(page) - shade(17)) <= 6


def test_classify_mark_range_and_track_a_box(harness: Any, media_files: Any, webm: bytes) -> None:
    page = harness.page
    mount(harness, media_files("clip.webm", webm, "video/webm"))
    page.get_by_role("checkbox", name="outdoor").check()

    # a timeline range: frames 3..8 with "Run"
    page.locator(".lc-label[data-value='Run']").click()
    drag(page, track_x(page, 3), track_x(page, 8))
    [rng] = by_type(harness, "timelinelabels")
    assert rng["value"] == {"ranges": [{"start": 3, "end": 8}], "timelinelabels": ["Run"]}
    page.keyboard.press("Escape")  # deselect the range, then put the label down
    page.locator(".lc-label[data-value='Run']").click()
    expect(page.locator(".lc-label[data-value='Run']")).to_have_attribute("aria-pressed", "false")

    # a box on frame 1: 10 %..50 % of the 160 x 120 picture
    goto_frame(page, 1)
    page.locator(".lc-label[data-value='Car']").click()
    bb = page.locator(".lc-video-overlay").bounding_box()
    assert (bb["width"], bb["height"]) == (W, H)
    drag(page, (bb["x"] + 16, bb["y"] + 12), (bb["x"] + 80, bb["y"] + 60))
    [box] = by_type(harness, "videorectangle")
    assert box["value"]["labels"] == ["Car"]
    # with the box selected, a label button relabels it
    page.locator(".lc-label[data-value='Bus']").click()
    assert by_type(harness, "videorectangle")[0]["value"]["labels"] == ["Bus"]
    page.locator(".lc-label[data-value='Car']").click()
    assert box["value"]["sequence"] == [
        {
            "frame": 1,
            "enabled": True,
            "rotation": 0,
            "x": 10,
            "y": 10,
            "width": 40,
            "height": 40,
            "time": 0.1,
        }
    ]
    # frame 11: the box is held; move it 32 px right and 24 px down -> a second keyframe
    goto_frame(page, 11)
    drag(page, (bb["x"] + 40, bb["y"] + 40), (bb["x"] + 72, bb["y"] + 64))
    [box] = by_type(harness, "videorectangle")
    assert [(k["frame"], k["x"], k["y"], k["time"]) for k in box["value"]["sequence"]] == [
        (1, 10, 10, 0.1),
        (11, 30, 30, 1.1),
    ]
    assert box["value"]["framesCount"] == FRAMES and box["value"]["duration"] == 2
    page.keyboard.press("Control+z")  # undo the move: one keyframe again
    assert [k["frame"] for k in by_type(harness, "videorectangle")[0]["value"]["sequence"]] == [1]
    page.keyboard.press("Control+Shift+z")
    assert [k["frame"] for k in by_type(harness, "videorectangle")[0]["value"]["sequence"]] == [
        1,
        11,
    ]
    # frame 6 is half way: the box shown there is interpolated
    goto_frame(page, 6)
    shown = page.locator(".lc-video-box")
    expect(shown).to_have_class("lc-video-box lc-interpolated")
    assert (shown.get_attribute("x"), shown.get_attribute("y")) == ("20%", "20%")
    # resize on frame 6 makes a third keyframe there
    drag(page, (bb["x"] + 96, bb["y"] + 72), (bb["x"] + 112, bb["y"] + 84))
    [box] = by_type(harness, "videorectangle")
    assert [k["frame"] for k in box["value"]["sequence"]] == [1, 6, 11]
    assert (
        box["value"]["sequence"][1]["width"] == 50 and box["value"]["sequence"][1]["height"] == 50
    )
    # hide from frame 15 on: a disabled keyframe; nothing is drawn at frame 17
    goto_frame(page, 15)
    page.locator(".lc-video-enabled-toggle").click()
    goto_frame(page, 17)
    expect(page.locator(".lc-video-box")).to_have_count(0)
    # remove the keyframe at 6 again
    goto_frame(page, 6)
    page.locator(".lc-video-keyframe-toggle").click()
    [box] = by_type(harness, "videorectangle")
    assert [(k["frame"], k["enabled"]) for k in box["value"]["sequence"]] == [
        (1, True),
        (11, True),
        (15, False),
    ]

    result = harness.result()
    assert {r["type"] for r in result} == {"choices", "timelinelabels", "videorectangle"}
    assert parse_config(CONFIG).validate_result(result) == []
    expect(page.locator(".lc-video-row")).to_have_count(2)
    expect(page.locator(".lc-region-text")).to_have_text(["frames 3–8", "keyframes 1, 11, 15"])
    screenshot(page, "media-video-labeling")

    # delete the range from the region list; the box with the keyboard
    page.locator(".lc-region-row", has=page.locator(".lc-region-labels", has_text="Run")).locator(
        ".lc-region-delete"
    ).click()
    assert by_type(harness, "timelinelabels") == []
    page.keyboard.press("Escape")
    page.locator(".lc-video-row").first.click()
    expect(page.locator(".lc-video-row").first).to_have_class("lc-video-row lc-selected")
    page.keyboard.press("Delete")
    assert [r["type"] for r in harness.result()] == ["choices"]


def test_single_frame_click_and_scrub_without_label(
    harness: Any, media_files: Any, webm: bytes
) -> None:
    page = harness.page
    video = mount(harness, media_files("clip.webm", webm, "video/webm"))
    page.mouse.click(*track_x(page, 9))  # no label chosen: seek only
    expect(video).to_have_attribute("data-frame", "9")
    assert by_type(harness, "timelinelabels") == []
    page.locator(".lc-label[data-value='Walk']").click()
    page.mouse.click(*track_x(page, 4))
    [rng] = by_type(harness, "timelinelabels")
    assert rng["value"]["ranges"] == [{"start": 4, "end": 4}]
    # keyboard only: [ at frame 6, ] at frame 9 on the focused timeline
    page.keyboard.press("Escape")
    page.locator(".lc-video-track").focus()
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    expect(video).to_have_attribute("data-frame", "6")
    page.keyboard.press("[")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("]")
    assert [r["value"]["ranges"] for r in by_type(harness, "timelinelabels")] == [
        [{"start": 4, "end": 4}],
        [{"start": 6, "end": 9}],
    ]


def test_saved_results_load_back_unchanged(harness: Any, media_files: Any, webm: bytes) -> None:
    saved = [
        {
            "id": "b1",
            "from_name": "box",
            "to_name": "video",
            "type": "videorectangle",
            "value": {
                "framesCount": FRAMES,
                "duration": 2,
                "sequence": [
                    {
                        "frame": 2,
                        "enabled": True,
                        "rotation": 0,
                        "x": 0,
                        "y": 0,
                        "width": 20,
                        "height": 20,
                        "time": 0.2,
                    },
                    {
                        "frame": 12,
                        "enabled": False,
                        "rotation": 0,
                        "x": 50,
                        "y": 50,
                        "width": 20,
                        "height": 20,
                        "time": 1.2,
                    },
                ],
                "labels": ["Car"],
            },
        },
        {
            "id": "t1",
            "from_name": "events",
            "to_name": "video",
            "type": "timelinelabels",
            "value": {"ranges": [{"start": 1, "end": 5}], "timelinelabels": ["Walk"]},
        },
    ]
    mount(harness, media_files("clip.webm", webm, "video/webm"), results=saved)
    page = harness.page
    goto_frame(page, 7)  # half way from frame 2 to frame 12
    box = page.locator(".lc-video-box")
    assert (box.get_attribute("x"), box.get_attribute("width")) == ("25%", "20%")
    out = sorted(harness.result(), key=lambda r: r["id"])
    assert [(r["id"], r["type"], r["value"]) for r in out] == [
        (r["id"], r["type"], r["value"]) for r in saved
    ]
    # the region list shows the box's label, taken from the Labels control
    expect(page.locator(".lc-region-labels", has_text="Car")).to_have_count(1)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "//evil.example/v.webm",
        "/\\evil.example/v.webm",
    ],
)
def test_video_url_xss_payloads_are_not_loaded(harness: Any, url: str) -> None:
    harness.mount(CONFIG, {"video": url})
    page = harness.page
    assert page.locator(".lc-video-media").get_attribute("src") is None
    expect(page.locator(".lc-video-message")).to_contain_text("cannot be played")


def test_label_names_with_markup_render_as_text(
    harness: Any, media_files: Any, webm: bytes
) -> None:
    page = harness.page
    evil = "<img src=x onerror=window.__xss=1>"
    config = CONFIG.replace('value="Run"', f'value="{evil.replace("<", "&lt;")}"')
    mount(harness, media_files("clip.webm", webm, "video/webm"), config)
    page.locator(".lc-labels .lc-label").first.click()
    drag(page, track_x(page, 2), track_x(page, 5))
    expect(page.locator(".lc-video-row")).to_have_attribute("title", evil)
    expect(page.locator(".lc-region-labels")).to_have_text(evil)
    assert page.locator(".lc-video img, .lc-panel-side img").count() == 0
