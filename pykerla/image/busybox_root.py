"""The default root file system: Debian's static busybox plus a minimal /etc and an init script.

`busybox_root_entries()` describes the tree (busybox, one symlink per applet from
`busybox --list-full`, /etc/passwd, /etc/group, /etc/hostname, /root, /tmp, /dev, /proc,
/sys and the /sbin/init script); `build_busybox_root(path)` writes it as a gzip-compressed
cpio newc archive. Run as `python -m pykerla.image.busybox_root OUTPUT.cpio.gz`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

from pykerla.image.cpio import CpioEntry, write_cpio_gz

BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
BUSYBOX_GUEST_PATH = "bin/busybox"
HOSTNAME = "pykerla"

INIT_SCRIPT = """\
#!/bin/sh
# pykerla init: mount the pseudo file systems, then give the console to a shell.
mount -t proc proc /proc 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
# The shell gets a session of its own with the console as controlling terminal, so job
# control works. It runs as a child (a child never leads a process group, so setsid cannot
# fail and fork); init waits for it and exits with its status.
setsid -c /bin/sh -i
"""

PASSWD = "root:x:0:0:root:/root:/bin/sh\n"
GROUP = "root:x:0:\n"

# (path, permissions) of the directories, parents first.
DIRECTORIES = (("bin", 0o755), ("sbin", 0o755), ("usr", 0o755), ("usr/bin", 0o755),
               ("usr/sbin", 0o755), ("etc", 0o755), ("root", 0o700), ("tmp", 0o1777),
               ("dev", 0o755), ("proc", 0o555), ("sys", 0o555))


class BusyboxNotFound(RuntimeError):
    """No static busybox on the host (install Debian's busybox-static)."""


def find_busybox() -> Path:
    """The host's busybox binary: Debian's busybox-static installs /bin/busybox."""
    for candidate in BUSYBOX_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    found = shutil.which("busybox")
    if found is None:
        raise BusyboxNotFound("busybox not found: apt-get install busybox-static")
    return Path(found)


def applet_paths(busybox: Path) -> list[str]:
    """Install paths of every applet ("bin/sh", "usr/bin/awk", ...), as busybox reports them."""
    listing = subprocess.run([busybox, "--list-full"], check=True, capture_output=True, text=True)
    return sorted({line.strip().lstrip("/") for line in listing.stdout.splitlines() if line.strip()})


def busybox_root_entries(busybox: Path | None = None) -> list[CpioEntry]:
    """The entries of the busybox root file system, parents before children. All entries
    carry the busybox binary's mtime, so the tree depends only on the busybox it is built from."""
    busybox = busybox or find_busybox()
    mtime = int(busybox.stat().st_mtime)
    entries = [CpioEntry.directory(path, perm, mtime) for path, perm in DIRECTORIES]
    entries += [
        CpioEntry.file(BUSYBOX_GUEST_PATH, busybox.read_bytes(), 0o755, mtime),
        CpioEntry.file("sbin/init", INIT_SCRIPT.encode(), 0o755, mtime),
        CpioEntry.file("etc/passwd", PASSWD.encode(), 0o644, mtime),
        CpioEntry.file("etc/group", GROUP.encode(), 0o644, mtime),
        CpioEntry.file("etc/hostname", f"{HOSTNAME}\n".encode(), 0o644, mtime),
    ]
    taken = {entry.name for entry in entries}
    known_dirs = {path for path, _ in DIRECTORIES}
    for applet in applet_paths(busybox):
        if applet in taken:  # busybox itself, and the init applet our script replaces
            continue
        parent = str(PurePosixPath(applet).parent)
        if parent != "." and parent not in known_dirs:
            raise ValueError(f"busybox applet {applet!r} lives in an unexpected directory")
        entries.append(CpioEntry.symlink(applet, "/" + BUSYBOX_GUEST_PATH, mtime))
    return entries


def build_busybox_root(output_path: str | os.PathLike[str], busybox: Path | None = None) -> Path:
    """Write the busybox root file system to `output_path` as a .cpio.gz; return its path."""
    write_cpio_gz(busybox_root_entries(busybox), output_path)
    return Path(output_path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m pykerla.image.busybox_root OUTPUT.cpio.gz", file=sys.stderr)
        return 2
    try:
        path = build_busybox_root(args[0])
    except BusyboxNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
