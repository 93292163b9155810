"""Brush RLE decoding, PNG/NumPy writing, media headers and CONLL tokenization."""

from __future__ import annotations

import json
import re
import struct
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import contextlib

from formats_projects import mask_rle, png_file, rle_encode, wav_file  # noqa: E402

from labelcore.formats import _tokens  # noqa: E402
from labelcore.formats._brush import RLEError, decode_rle, npy_bytes, png_bytes  # noqa: E402
from labelcore.formats._media import image_size, wav_duration  # noqa: E402
from labelcore.formats._tokens import bio_tags, token_spans  # noqa: E402

DATA = Path(__file__).parent / "data"


def test_decode_matches_label_studio_encoder_output() -> None:
    """ls_rle_40x50.json was made by label-studio-sdk's mask2rle (runs of every size)."""
    case = json.loads((DATA / "ls_rle_40x50.json").read_text())
    assert list(decode_rle(case["rle"], 40 * 50 * 4)) == case["mask"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0, 0, 0, 255, 128]), min_size=1, max_size=300))
def test_decode_inverts_encode(alpha: list[int]) -> None:
    values = [v for a in alpha for v in (0, 0, 0, a)]
    assert list(decode_rle(rle_encode(values), len(values))) == alpha


def test_long_runs_and_literal_runs() -> None:
    alpha = [255] * 70000 + [1, 2, 3, 4, 5] + [0] * 300
    values = [v for a in alpha for v in (a, a, a, a)]
    assert list(decode_rle(rle_encode(values))) == alpha


@pytest.mark.parametrize(
    ("rle", "expected", "needle"),
    [
        ([0, 0, 0, 16], 16, "ends early"),
        (mask_rle(2, 2, {(0, 0)}), 99, "holds 16 values, the image needs 99"),
        ([255, 255, 255, 255, 0, 0, 0], None, "over the limit"),
    ],
)
def test_bad_rle_is_refused(rle: list[int], expected: int | None, needle: str) -> None:
    with pytest.raises(RLEError, match=needle):
        decode_rle(rle, expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 255), max_size=60))
def test_decode_raises_only_rle_errors(rle: list[int]) -> None:
    with contextlib.suppress(RLEError):
        decode_rle(rle, 4 * 16)


def test_png_and_npy_files() -> None:
    mask = bytes([0, 255, 0, 128, 7, 9])
    png = png_bytes(mask, 3, 2)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and image_size_of(png) == (3, 2)
    idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    assert zlib.decompress(idat) == b"\x00" + mask[:3] + b"\x00" + mask[3:]
    npy = npy_bytes(mask, 3, 2)
    assert npy[:8] == b"\x93NUMPY\x01\x00"
    header_len = struct.unpack("<H", npy[8:10])[0]
    assert (10 + header_len) % 64 == 0
    assert b"'shape': (2, 3)" in npy[10 : 10 + header_len]
    assert npy[10 + header_len :] == mask


def image_size_of(data: bytes, tmp: Path | None = None) -> tuple[int, int] | None:
    import tempfile

    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
    try:
        return image_size(Path(f.name))
    finally:
        Path(f.name).unlink()


def test_image_headers() -> None:
    assert image_size_of(png_file(640, 480)) == (640, 480)
    assert image_size_of(b"GIF89a" + struct.pack("<HH", 33, 44) + b"\x00" * 10) == (33, 44)
    bmp = b"BM" + b"\x00" * 16 + struct.pack("<ii", 120, -90) + b"\x00" * 30
    assert image_size_of(bmp) == (120, 90)
    sof = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 300, 400) + b"\x00" * 12
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    assert image_size_of(b"\xff\xd8" + app0 + sof + b"\xff\xd9") == (400, 300)
    vp8x = (
        b"RIFF\x00\x00\x00\x00WEBPVP8X"
        + b"\x00" * 8
        + (99).to_bytes(3, "little")
        + (49).to_bytes(3, "little")
    )
    assert image_size_of(vp8x) == (100, 50)
    assert image_size_of(b"not an image") is None
    assert image_size(Path("/nonexistent/file.png")) is None


def test_wav_duration(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(wav_file(2.5))
    (tmp_path / "b.wav").write_bytes(b"RIFF junk")
    assert wav_duration(tmp_path / "a.wav") == 2.5
    assert wav_duration(tmp_path / "b.wav") is None


CASES = json.loads((DATA / "ls_tokens.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_tokens_match_label_studio(case: dict) -> None:
    """ls_tokens.json holds the tokens and offsets label-studio-sdk's converter produced."""
    assert [list(t) for t in token_spans(case["text"])] == case["tokens"]


def test_bio_tags() -> None:
    text = "Alice Smith went to New York."
    spans = [
        {"start": 20, "end": 28, "labels": ["LOC"]},
        {"start": 0, "end": 11, "labels": ["PER"]},
    ]
    tokens, tags = bio_tags(text, spans)
    assert list(zip(tokens, tags)) == [
        ("Alice", "B-PER"),
        ("Smith", "I-PER"),
        ("went", "O"),
        ("to", "O"),
        ("New", "B-LOC"),
        ("York", "I-LOC"),
        (".", "O"),
    ]
    assert bio_tags("a b", None) == (["a", "b"], ["O", "O"])
    assert bio_tags("a b", [{"start": 0, "labels": ["X"]}])[1] == ["O", "O"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_token_offsets_point_at_the_tokens(text: str) -> None:
    for tok, start in token_spans(text):
        assert text[start : start + len(tok)] == tok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # contractions matched case-insensitively, also through a dotless i
        (
            'GıMME that, "now" -- please...',
            [("GıM", 0), ("ME", 3), ("that", 6), (",", 10), ('"', 12), ("now", 13)]
            + [('"', 16), ("--", 18), ("please", 21), ("...", 27)],
        ),
        (
            "I cannot go: it's 5:30 (today)!",
            [("I", 0), ("can", 2), ("not", 5), ("go", 9), (":", 11), ("it", 13), ("'s", 15)]
            + [("5:30", 18), ("(", 23), ("today", 24), (")", 29), ("!", 30)],
        ),
        ("plain words only here", [("plain", 0), ("words", 6), ("only", 12), ("here", 17)]),
        (
            "'Tis d'ye wanna go?",
            [("'T", 0), ("is", 2), ("d", 5), ("'ye", 6), ("wan", 10), ("na", 13), ("go", 16)]
            + [("?", 18)],
        ),
    ],
)
def test_token_spans_skip_only_rules_that_cannot_match(
    text: str, expected: list[tuple[str, int]]
) -> None:
    """The tokenizer skips a rule when the characters it needs are absent; texts that need
    each kind of rule still split as Label Studio splits them."""
    assert token_spans(text) == expected


# text made of what the tokenizer's rules look at: punctuation, quotes, contractions,
# digits around separators, non-ASCII letters and spaces, whitespace at the end
_pieces = st.sampled_from(
    list(".,:;!?\"'`()[]{}<>-/@#$%&_")
    + [" ", "\n", "\u00a0", "é", "ı", "5", "a", "Z"]
    + ["...", "--", "''", "``", "n't", "'s", "'T", "cannot", "gonna", "GIMME", "more'n"]
)
_texts = st.lists(_pieces, max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_the_rule_plan_splits_as_every_rule_does(text: str) -> None:
    """The tokenizer tries only the rules a text's punctuation allows; the tokens are those
    of trying every rule in order, and ``tokens`` (no offsets) agrees with ``token_spans``."""
    assert _tokens._tokenize(text) == _tokens._every_rule(text)
    assert _tokens.tokens(text) == [tok for tok, _ in token_spans(text)]
    assert bio_tags(text, None) == (_tokens.tokens(text), ["O"] * len(_tokens.tokens(text)))


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_final_period_is_the_regex_rule(text: str) -> None:
    regex = re.compile(r'([^\.])(\.)([\]\)}>"\']*)\s*$')
    assert _tokens._final_period(text) == regex.sub(r"\1 \2\3 ", text)
    for tail in (".", ". ", ".)\n", '.")  ', "..", "a.", ".a", ".) )"):
        assert _tokens._final_period(text + tail) == regex.sub(r"\1 \2\3 ", text + tail)
