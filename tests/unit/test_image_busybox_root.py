"""The default busybox root image (pykerla/image/busybox_root.py)."""

from __future__ import annotations

import stat
import subprocess

import pytest

from pykerla.image.busybox_root import build_busybox_root, busybox_root_entries, find_busybox, main
from pykerla.image.cpio import read_cpio


@pytest.fixture(scope="module")
def entries():
    return {entry.name: entry for entry in busybox_root_entries()}


def test_busybox_and_every_applet(entries) -> None:
    busybox = find_busybox()
    assert entries["bin/busybox"].data == busybox.read_bytes()
    assert entries["bin/busybox"].perm == 0o755
    applets = subprocess.run([busybox, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        if applet not in ("bin/busybox", "sbin/init"):
            assert entries[applet].is_symlink and entries[applet].data == b"/bin/busybox", applet
    assert entries["bin/sh"].is_symlink


def test_etc_files(entries) -> None:
    assert entries["etc/passwd"].data == b"root:x:0:0:root:/root:/bin/sh\n"
    assert entries["etc/group"].data.startswith(b"root:x:0:")
    assert entries["etc/hostname"].data == b"pykerla\n"


@pytest.mark.parametrize("name, perm", [("root", 0o700), ("tmp", 0o1777), ("dev", 0o755),
                                        ("proc", 0o555), ("sys", 0o555)])
def test_directories(entries, name: str, perm: int) -> None:
    assert entries[name].is_dir and entries[name].perm == perm


def test_init_script(entries) -> None:
    init = entries["sbin/init"]
    assert init.is_file and init.perm == 0o755
    script = init.data.decode()
    assert script.startswith("#!/bin/sh\n")
    assert "mount -t proc proc /proc" in script and "tmpfs /tmp" in script
    assert script.rstrip().splitlines()[-1] == "setsid -c /bin/sh -i"
    subprocess.run([find_busybox(), "sh", "-n", "-c", script], check=True)


def test_parents_come_before_children(entries) -> None:
    seen: set[str] = {"."}
    for name in entries:
        parent = name.rpartition("/")[0] or "."
        assert parent in seen, name
        seen.add(name)


def test_build_writes_a_reproducible_gzip_archive(tmp_path, entries) -> None:
    first = build_busybox_root(tmp_path / "a/initramfs.cpio.gz")
    assert main([str(tmp_path / "b.cpio.gz")]) == 0
    assert first.read_bytes()[:2] == b"\x1f\x8b"
    assert first.read_bytes() == (tmp_path / "b.cpio.gz").read_bytes()
    assert [e.name for e in read_cpio(first.read_bytes())] == list(entries)
    assert all(stat.S_IFMT(e.mode) for e in read_cpio(first.read_bytes()))


def test_main_usage() -> None:
    assert main([]) == 2
