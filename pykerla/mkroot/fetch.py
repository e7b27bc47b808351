"""The .deb cache: download packages with `apt-get download` once, reuse them afterwards.

Files are kept as CACHE/name_version_arch.deb (Package.deb_name). A cached file counts only
if its size matches the index record; anything else is downloaded again. Downloads go to a
private temporary directory inside the cache and are moved into place one by one, so an
interrupted download never leaves a truncated .deb under a cached name. `apt-get download`
checks each file against the signed index's hashes. As root, apt's download sandbox user
is turned off (otherwise apt warns that _apt cannot write to the cache directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from pykerla.mkroot.errors import MkrootError
from pykerla.mkroot.index import Package


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/pykerla/debs, i.e. ~/.cache/pykerla/debs by default."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pykerla" / "debs"


def cached_path(cache: Path, package: Package) -> Path | None:
    """The package's .deb in the cache, or None when missing or of the wrong size."""
    path = cache / package.deb_name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    return path if not package.size or size == package.size else None


def _apt_get_download(packages: list[Package], workdir: Path) -> None:
    if shutil.which("apt-get") is None:
        raise MkrootError("apt-get not found: mkroot needs Debian's apt and dpkg")
    options = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
    argv = ["apt-get", "-q", *options, "download", *(f"{p.name}={p.version}" for p in packages)]
    result = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("E:")] or [result.stderr.strip()]
        raise MkrootError(f"apt-get download failed: {' / '.join(errors)} "
                          "(an outdated index gives 404s: run `apt-get update`)")


def fetch(packages: list[Package], cache: Path, report: Callable[[str], None]) -> dict[str, Path]:
    """Make sure every package's .deb is in `cache`; return package name -> .deb path."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if cached_path(cache, p) is None]
    report(f"downloading {len(missing)} packages ({sum(p.size for p in missing) / 1e6:.1f} MB), "
           f"{len(packages) - len(missing)} cached in {cache}")
    if missing:
        with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
            _apt_get_download(missing, Path(tmp))
            for package in missing:
                downloaded = Path(tmp) / package.deb_name
                if not downloaded.exists():
                    raise MkrootError(f"apt-get download did not produce {package.deb_name}")
                downloaded.replace(cache / package.deb_name)
    paths = {}
    for package in packages:
        path = cached_path(cache, package)
        if path is None:
            raise MkrootError(f"{package.deb_name}: size differs from the index ({package.size} bytes)")
        paths[package.name] = path
    return paths
