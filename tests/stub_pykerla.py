"""A native stand-in for `python -m pykerla run`, used to test the test harness itself.

`python tests/stub_pykerla.py run --root ROOT [--platform P] [-e NAME=VALUE]... [-- COMMAND [ARG...]]`
runs COMMAND (default /sbin/init) on the host as harness.run_native would: chrooted into
ROOT with /proc, /dev and /tmp mounted (as root), or else ROOT/COMMAND directly with
argv[0] kept and cwd "/"; the environment is the guest's (harness.GUEST_ENV plus the -e
assignments). ROOT is a directory or a cpio image (unpacked once into build/stub-roots/).
Select it with PYKERLA_CMD="python tests/stub_pykerla.py".
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import BUILD_DIR, GUEST_ENV, chroot_argv, native_mode, unpack_root  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stub_pykerla")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run")
    run.add_argument("--root", required=True, type=Path)
    run.add_argument("--platform", default="auto")
    run.add_argument("--memory")
    run.add_argument("--trace", action="store_true")
    run.add_argument("--stats", action="store_true")
    run.add_argument("-e", dest="env", action="append", default=[])
    run.add_argument("command", nargs="*", default=["/sbin/init"])
    return parser.parse_args(argv)


def root_directory(root: Path) -> Path:
    """`root` itself if it is a directory, else the image unpacked (cached by path and mtime)."""
    if root.is_dir():
        return root.resolve()
    key = hashlib.sha256(f"{root.resolve()}:{root.stat().st_mtime_ns}".encode()).hexdigest()[:16]
    unpacked = BUILD_DIR / "stub-roots" / key
    if not unpacked.exists():
        partial = unpack_root(unpacked.with_name(f"{key}.{os.getpid()}"), image=root)
        try:
            partial.rename(unpacked)
        except OSError:  # another process unpacked it first
            shutil.rmtree(partial)
    return unpacked


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    env = dict(GUEST_ENV)
    env.update(assignment.partition("=")[::2] for assignment in args.env)
    root = root_directory(args.root)
    if native_mode() == "chroot":
        result = subprocess.run(chroot_argv(root, args.command, env))
    else:
        result = subprocess.run(args.command, executable=root / args.command[0].lstrip("/"), env=env, cwd="/")
    # Like `pykerla run` (and `docker run`): 128+N when the command was killed by signal N.
    sys.exit(128 - result.returncode if result.returncode < 0 else result.returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
