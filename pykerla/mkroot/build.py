"""`pykerla mkroot`: resolve, download, unpack, configure, write — with progress and atomically.

The root is assembled in a private work directory next to OUTPUT (".NAME.mkroot-XXXX"),
and only a finished root is renamed onto OUTPUT: a directory when OUTPUT does not end in
".cpio.gz", else a gzip-compressed cpio newc archive (an existing archive is replaced).
On any failure, the work directory is removed and nothing appears at OUTPUT. An existing
non-empty directory at OUTPUT is refused rather than deleted.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from pykerla.image.cpio import write_cpio_gz
from pykerla.mkroot.archive import tree_entries
from pykerla.mkroot.errors import EXIT_USAGE, MkrootError
from pykerla.mkroot.etcfiles import configure_root
from pykerla.mkroot.fetch import default_cache_dir, fetch
from pykerla.mkroot.index import PackageIndex, load_apt_index
from pykerla.mkroot.resolve import resolve
from pykerla.mkroot.unpack import merge_usr, unpack

Report = Callable[[str], None]
CPIO_SUFFIX = ".cpio.gz"


def print_progress(message: str) -> None:
    print(f"mkroot: {message}", file=sys.stderr, flush=True)


def parse_package_list(text: str) -> list[str]:
    """"dash, bash coreutils" -> ["dash", "bash", "coreutils"] (order kept, duplicates dropped)."""
    return list(dict.fromkeys(name for name in re.split(r"[,\s]+", text) if name))


def _check_output(output: Path) -> None:
    if output.name.endswith(CPIO_SUFFIX):
        if output.is_dir():
            raise MkrootError(f"{output} is a directory", EXIT_USAGE)
    elif os.path.lexists(output) and not (output.is_dir() and not any(output.iterdir())):
        raise MkrootError(f"{output} exists and is not an empty directory: remove it first", EXIT_USAGE)


def _tree_size(root: Path) -> int:
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(root) for f in files)


def build_root(requested: list[str], output: str | os.PathLike[str], *, cache: Path | None = None,
               index: PackageIndex | None = None, report: Report = print_progress) -> Path:
    """Build a root holding `requested` and their dependencies at `output`; return its path."""
    output = Path(output)
    _check_output(output)
    report(f"resolving {', '.join(requested)}")
    closure = resolve(index or load_apt_index(), requested)
    report(f"{len(closure)} packages: {' '.join(p.name for p in closure)}")
    debs = fetch(closure, cache or default_cache_dir(), report)
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.mkroot-"))
    try:
        root = work / "root"
        root.mkdir()
        for number, package in enumerate(closure, 1):
            report(f"unpacking {number}/{len(closure)} {package.name} {package.version}")
            unpack(debs[package.name], root)
        report("merging /bin, /sbin, /lib, /lib64 into /usr; writing /etc")
        merge_usr(root)
        for warning in configure_root(root):
            report(f"warning: {warning}")
        root.chmod(0o755)
        size = _tree_size(root)
        if output.name.endswith(CPIO_SUFFIX):
            report(f"writing cpio {output} ({size / 1e6:.1f} MB uncompressed)")
            write_cpio_gz(tree_entries(root), work / "root.cpio.gz")
            os.replace(work / "root.cpio.gz", output)
        else:
            if output.is_dir():
                output.rmdir()  # empty, checked above
            root.rename(output)
        report(f"done: {output} ({size / 1e6:.1f} MB of files)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return output


def run_mkroot(packages: str, output: str, cache: str | None = None) -> int:
    """The `pykerla mkroot` command: build, or print "mkroot: REASON" and return its status."""
    requested = parse_package_list(packages)
    if not requested:
        print("mkroot: --packages names no package", file=sys.stderr)
        return EXIT_USAGE
    try:
        build_root(requested, output, cache=Path(cache) if cache else None)
    except MkrootError as exc:
        print(f"mkroot: {exc}", file=sys.stderr)
        return exc.status
    return 0
