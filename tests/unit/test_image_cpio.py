"""The cpio newc writer, reader and extractor (pykerla/image/cpio.py)."""

from __future__ import annotations

import gzip
import shutil
import stat
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pykerla.image.cpio import HEADER_SIZE, CpioEntry, CpioError, extract, read_cpio, write_cpio, write_cpio_gz

SAMPLE = [
    CpioEntry.directory("etc"),
    CpioEntry.file("etc/motd", b"hello\n", 0o600, mtime=1234),
    CpioEntry.file("empty", b""),
    CpioEntry.symlink("sh", "/bin/busybox"),
    CpioEntry.directory("tmp", 0o1777),
]


def test_round_trip_keeps_every_field() -> None:
    back = list(read_cpio(write_cpio(SAMPLE)))
    assert [(e.name, e.mode, e.data, e.mtime, e.nlink) for e in back] == \
           [(e.name, e.mode, e.data, e.mtime, e.nlink) for e in SAMPLE]
    assert [e.ino for e in back] == [1, 2, 3, 4, 5]


def test_records_are_aligned_and_trailer_ends_archive() -> None:
    data = write_cpio([CpioEntry.file("a", b"xyz")])
    assert len(data) % 4 == 0
    first = data[:HEADER_SIZE]
    assert first.startswith(b"070701")
    assert int(first[54:62], 16) == 3       # filesize
    assert int(first[94:102], 16) == 2      # namesize includes the NUL
    assert data[HEADER_SIZE:HEADER_SIZE + 2] == b"a\0"
    assert b"TRAILER!!!\0" in data[-HEADER_SIZE - 16:]


def test_output_is_reproducible(tmp_path) -> None:
    write_cpio_gz(SAMPLE, tmp_path / "a.cpio.gz")
    write_cpio_gz(SAMPLE, tmp_path / "b.cpio.gz")
    assert (tmp_path / "a.cpio.gz").read_bytes() == (tmp_path / "b.cpio.gz").read_bytes()
    assert list(read_cpio((tmp_path / "a.cpio.gz").read_bytes())) == list(read_cpio(write_cpio(SAMPLE)))


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../x", "a/../../b", "TRAILER!!!"])
def test_writer_rejects_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="invalid cpio member name"):
        write_cpio([CpioEntry.file(name, b"")])


def test_truncated_header_names_offset() -> None:
    data = write_cpio(SAMPLE)
    with pytest.raises(CpioError, match=r"truncated cpio header at byte offset 0"):
        list(read_cpio(data[:50]))


def test_truncated_data_names_offset() -> None:
    data = write_cpio([CpioEntry.file("big", b"x" * 100)])
    data_start = HEADER_SIZE + 4 + 2  # header, "big\0", 2 bytes of padding to a multiple of 4
    with pytest.raises(CpioError, match=f"truncated data for 'big'.*byte offset {data_start}"):
        list(read_cpio(data[:data_start + 10]))


def test_bad_magic_names_offset() -> None:
    data = bytearray(write_cpio(SAMPLE))
    second = len(write_cpio(SAMPLE[:1])) - len(write_cpio([]))
    data[second:second + 6] = b"070707"
    with pytest.raises(CpioError, match=f"bad cpio magic b'070707' at byte offset {second}"):
        list(read_cpio(bytes(data)))


def test_bad_hex_field_names_offset() -> None:
    data = bytearray(write_cpio(SAMPLE))
    data[6 + 8:6 + 16] = b"zzzzzzzz"  # the mode field of the first record
    with pytest.raises(CpioError, match="bad hex field mode b'zzzzzzzz' at byte offset 14"):
        list(read_cpio(bytes(data)))


def test_missing_trailer_is_an_error() -> None:
    data = write_cpio(SAMPLE)
    body = data[:len(data) - len(write_cpio([]))]
    with pytest.raises(CpioError, match=f"missing TRAILER!!! record: archive ends at byte offset {len(body)}"):
        list(read_cpio(body))


def test_corrupt_gzip_is_an_error() -> None:
    with pytest.raises(CpioError, match="corrupt gzip"):
        list(read_cpio(gzip.compress(write_cpio(SAMPLE))[:-20]))


names = st.text(alphabet="abcdefghij_.-0123456789", min_size=1, max_size=40).filter(
    lambda n: n not in (".", ".."))


@given(st.lists(st.tuples(names, st.binary(max_size=300)), max_size=8, unique_by=lambda t: t[0]))
def test_round_trip_any_files(files: list[tuple[str, bytes]]) -> None:
    entries = [CpioEntry.file(name, data) for name, data in files]
    assert [(e.name, e.data) for e in read_cpio(write_cpio(entries))] == files


def test_extract_builds_the_tree(tmp_path) -> None:
    extract(read_cpio(write_cpio(SAMPLE)), tmp_path / "root")
    root = tmp_path / "root"
    assert (root / "etc/motd").read_bytes() == b"hello\n"
    assert stat.S_IMODE((root / "etc/motd").stat().st_mode) == 0o600
    assert (root / "sh").readlink().as_posix() == "/bin/busybox"
    assert stat.S_IMODE((root / "tmp").stat().st_mode) == 0o1777
    assert (root / "empty").read_bytes() == b""


def test_extract_rejects_escaping_names(tmp_path) -> None:
    with pytest.raises(ValueError, match="invalid cpio member name"):
        extract([CpioEntry.file("../escape", b"")], tmp_path / "root")
    assert not (tmp_path / "escape").exists()


@pytest.mark.skipif(shutil.which("cpio") is None, reason="GNU cpio not installed")
def test_gnu_cpio_agrees(tmp_path) -> None:
    """GNU cpio lists our archives, and we read the archives it writes."""
    listing = subprocess.run(["cpio", "-it", "--quiet"], input=write_cpio(SAMPLE), capture_output=True,
                             check=True)
    assert listing.stdout.decode().split() == [e.name for e in SAMPLE]
    (tmp_path / "d").mkdir()
    (tmp_path / "d/f").write_bytes(b"data!")
    (tmp_path / "d/l").symlink_to("f")
    made = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=b"d\nd/f\nd/l\n", cwd=tmp_path,
                          capture_output=True, check=True)
    entries = {e.name: e for e in read_cpio(made.stdout)}
    assert entries["d"].is_dir and entries["d/f"].data == b"data!" and entries["d/l"].data == b"f"
    assert entries["d/l"].is_symlink
