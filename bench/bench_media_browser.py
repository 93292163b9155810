"""Browser-side costs of the audio, video and time-series tags (tags/audio.js, video.js,
timeseries.js), measured in Chromium with performance.now() around the work:

- audio: mount -> waveform decoded (decodeAudioData) and drawn, for a long WAV; one redraw
  at 2x zoom (peaks recomputed for the wider canvas);
- time series: mount -> CSV fetched, parsed and plotted, for many rows; one pointer move of a
  brush (marking a range); one zoom redraw;
- video: the average time of one frame step (seek until 'seeked').

    python bench/bench_media_browser.py [--minutes 10] [--rows 100000]

Needs the dev extras (playwright, av, numpy) and /usr/bin/chromium. The numbers are wall time
inside the page, so a loaded machine inflates them; the script also prints the CPU time of this
(driver) process, which is not where the work happens.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import math
import shutil
import struct
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "labelcore" / "web" / "static"
sys.path[:0] = [str(ROOT / "tests" / "media"), str(ROOT / "tests" / "ui")]


def wav(minutes: float, rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        n = int(minutes * 60 * rate)
        tone = b"".join(
            struct.pack("<h", int(12000 * math.sin(2 * math.pi * 220 * i / rate)))
            for i in range(rate)
        )
        w.writeframes(tone * (n // rate))
    return out.getvalue()


def csv(rows: int) -> bytes:
    lines = ["time,a,b"] + [f"{i},{math.sin(i / 50):.4f},{i % 97}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".wav": "audio/wav",
        ".webm": "video/webm",
        ".csv": "text/csv",
    }

    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    from test_media_av_video import webm_bytes

    media = {
        "long.wav": (wav(args.minutes), "audio/wav"),
        "big.csv": (csv(args.rows), "text/csv"),
        "clip.webm": (webm_bytes(fps=25, frames=250), "video/webm"),
    }
    # one folder: the static files (a symlink) and the media under m/ (no Range support:
    # nothing here seeks in audio, and the video is small enough to be buffered whole)
    root = Path(tempfile.mkdtemp(prefix="lc-bench-media-"))
    (root / "lc").symlink_to(STATIC / "lc")
    (root / "m").mkdir()
    for name, (body, _) in media.items():
        (root / "m" / name).write_bytes(body)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    server.handle_error = lambda *a: None  # type: ignore[method-assign]  # players hang up early
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    cpu0 = time.process_time()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(120_000)

        page.goto(f"{base}/lc/harness.html")
        page.wait_for_function("() => window.lcHarnessReady === true")
        timed = """([config, data, sel, attr]) => new Promise((ok) => {
            const t0 = performance.now(); window.lcHarness.mount(config, data, []);
            const poll = () => { const el = document.querySelector(sel);
              if (el && el.dataset[attr]) ok(performance.now() - t0); else setTimeout(poll, 5); };
            poll(); })"""
        click_ms = """sel => { const t0 = performance.now(); document.querySelector(sel).click();
                               return performance.now() - t0; }"""
        rows = []
        audio_cfg = (
            '<View><Audio name="a" value="$a"/>'
            '<Labels name="l" toName="a"><Label value="X"/></Labels></View>'
        )
        ms = page.evaluate(timed, [audio_cfg, {"a": f"{base}/m/long.wav"}, ".lc-audio", "decoded"])
        mib = len(media["long.wav"][0]) >> 20
        rows.append((f"audio: {args.minutes:g} min WAV ({mib} MiB) decoded + drawn", ms))
        rows.append(("audio: redraw at 2x zoom", page.evaluate(click_ms, ".lc-audio-zoom-in")))
        ts_cfg = (
            '<View><TimeSeries name="t" value="$t" timeColumn="time">'
            '<Channel column="a"/><Channel column="b"/></TimeSeries>'
            '<TimeSeriesLabels name="l" toName="t"><Label value="X"/></TimeSeriesLabels></View>'
        )
        ms = page.evaluate(timed, [ts_cfg, {"t": f"{base}/m/big.csv"}, ".lc-timeseries", "loaded"])
        rows.append((f"timeseries: {args.rows} rows x 2 channels fetched, parsed, plotted", ms))
        brush = """() => { const plot = document.querySelector('.lc-timeseries-plot');
            const b = plot.getBoundingClientRect(); plot.setPointerCapture = () => {};
            document.querySelector('.lc-label').click();
            const ev = (type, f) => new PointerEvent(type, { bubbles: true, button: 0,
              pointerId: 1, clientX: b.left + b.width * f, clientY: b.top + 10 });
            plot.dispatchEvent(ev('pointerdown', 0.2)); const t0 = performance.now();
            for (let i = 1; i <= 20; i++) plot.dispatchEvent(ev('pointermove', 0.2 + i * 0.02));
            const ms = (performance.now() - t0) / 20; plot.dispatchEvent(ev('pointerup', 0.6));
            return ms; }"""
        rows.append(("timeseries: one pointer move of a brush, mean of 20", page.evaluate(brush)))
        zoom = page.evaluate(click_ms, ".lc-timeseries-zoom-in")
        rows.append(("timeseries: zoom-in redraw", zoom))
        video_cfg = '<View><Video name="v" value="$v" frameRate="25"/></View>'
        page.evaluate(timed, [video_cfg, {"v": f"{base}/m/clip.webm"}, ".lc-video", "loaded"])
        step = """async () => { const v = document.querySelector('.lc-video-media'); let total = 0;
            for (let i = 0; i < 50; i++) { const t0 = performance.now();
              const done = new Promise((ok) => v.addEventListener('seeked', ok, { once: true }));
              document.querySelector('.lc-video-next').click(); await done;
              total += performance.now() - t0; }
            return total / 50; }"""
        rows.append(("video: one frame step (seek to seeked), mean of 50", page.evaluate(step)))
        browser.close()
    server.shutdown()
    shutil.rmtree(root)
    for name, value in rows:
        print(f"{name:70s} {value:9.1f} ms")
    print(f"driver CPU time: {time.process_time() - cpu0:.2f} s (the page's work is in Chromium)")


if __name__ == "__main__":
    main()
