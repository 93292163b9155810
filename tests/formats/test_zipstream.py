"""ZipStream, the archive writer of the zip export formats: zipfile (and unzip, when it is
installed) must read back every member, names and bytes, including the zip64 records
written past zipfile's limits (exercised here by lowering the limits)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from labelcore.formats import _zipstream
from labelcore.formats._zipstream import ZipStream


class _Unseekable(io.RawIOBase):
    def __init__(self) -> None:
        self.buf = bytearray()
        self.writes = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
        self.buf += b
        self.writes += 1
        return len(b)


MEMBERS = {
    "labels/a.txt": b"0 0.5 0.5 0.1 0.1\n",
    "labels/empty.txt": b"",
    "labels/Zoë 😀.txt": b"non-ASCII name\n",
    "big.bin": bytes(range(256)) * 3000,
}


def _write(out: _Unseekable, members: dict[str, bytes]) -> None:
    z = ZipStream(out)
    for name, data in members.items():
        z.write(name, data)
    with z.open("result.json") as f:
        for part in (b'{"images": [', b"1, 2, 3" * 1000, b"]}"):
            f.write(part)
    z.close()


def _read_back(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_members_read_back_with_zipfile() -> None:
    out = _Unseekable()
    _write(out, MEMBERS)
    expected = {**MEMBERS, "result.json": b'{"images": [' + b"1, 2, 3" * 1000 + b"]}"}
    assert _read_back(bytes(out.buf)) == expected
    with zipfile.ZipFile(io.BytesIO(bytes(out.buf))) as zf:
        flags = {i.filename: i.flag_bits for i in zf.infolist()}
        assert flags["labels/Zoë 😀.txt"] & 0x800  # UTF-8 name
        assert not flags["labels/a.txt"] & 0x800
        assert zf.getinfo("labels/empty.txt").compress_type == zipfile.ZIP_STORED
        assert zf.getinfo("big.bin").compress_type == zipfile.ZIP_DEFLATED
    assert out.writes <= 3  # written in large chunks, not per header


@pytest.mark.parametrize("count", [3, 70_000])
def test_zip64_records_past_the_limits(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """Sizes and offsets past ZIP64_LIMIT and more members than COUNT_LIMIT are written
    with zip64 extra fields and end records; 70,000 members pass the real count limit."""
    if count < 100:
        monkeypatch.setattr(_zipstream, "ZIP64_LIMIT", 10)
        monkeypatch.setattr(_zipstream, "COUNT_LIMIT", 2)
    members = {f"labels/{i}.txt": f"{i} 0.5\n".encode() * (i % 5) for i in range(count)}
    members["big.bin"] = b"x" * 100
    out = _Unseekable()
    _write(out, members)
    back = _read_back(bytes(out.buf))
    assert back.pop("result.json").startswith(b'{"images"')
    assert back == members


def test_unzip_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("unzip") is None:
        pytest.skip("unzip is not installed")
    monkeypatch.setattr(_zipstream, "ZIP64_LIMIT", 10)
    out = _Unseekable()
    _write(out, MEMBERS)
    path = tmp_path / "a.zip"
    path.write_bytes(bytes(out.buf))
    done = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_writes_out_of_order_are_refused() -> None:
    z = ZipStream(_Unseekable())
    member = z.open("a.txt")
    with pytest.raises(ValueError, match="still being written"):
        z.write("b.txt", b"b")
    member.close()
    z.close()
    with pytest.raises(ValueError, match="closed"):
        z.write("c.txt", b"c")
    with pytest.raises(ValueError, match="closed"):
        member.write(b"late")
