"""`pykerla mkroot` against the real Debian archive: a dash + coreutils root, built once per
session (downloads cached in build/deb-cache: the first run fetches about 10 MB), checked
as a tree, then run on pykerla and natively (chrooted) with the same command."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import BUILD_DIR, chroot_argv, native_mode

from pykerla.mkroot.build import build_root
from pykerla.mkroot.errors import EXIT_USAGE, NoSuchPackage
from pykerla.mkroot.index import PackageIndex, load_apt_index

MISSING_TOOLS = [tool for tool in ("apt-get", "apt-cache", "dpkg-deb") if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(bool(MISSING_TOOLS), reason=f"mkroot needs {', '.join(MISSING_TOOLS)}")

CACHE = BUILD_DIR / "deb-cache"
SCRIPT = "echo hi; ls / | wc -l; ls /usr/bin | wc -l; readlink /bin /bin/sh; id -un; cat /etc/hostname"


@pytest.fixture(scope="module")
def apt_index() -> PackageIndex:
    return load_apt_index()


@pytest.fixture(scope="module")
def debian_root(apt_index, tmp_path_factory) -> Path:
    return build_root(["dash", "coreutils"], tmp_path_factory.mktemp("mkroot") / "root", cache=CACHE,
                      index=apt_index, report=lambda message: None)


def test_tree_is_a_merged_usr_debian_root(debian_root):
    root = debian_root
    for name in ("bin", "sbin", "lib", "lib64"):
        assert os.readlink(root / name) == f"usr/{name}"
    assert os.readlink(root / "usr/bin/sh") == "dash"
    assert (root / "usr/bin/ls").is_file() and (root / "usr/lib/x86_64-linux-gnu/libc.so.6").exists()
    assert (root / "lib64/ld-linux-x86-64.so.2").exists()  # through the /lib symlink
    assert "bookworm" in (root / "etc/os-release").read_text()
    assert (root / "etc/passwd").read_text().startswith("root:x:0:0:")
    for name in ("tmp", "proc", "dev", "sys", "root", "run"):
        assert (root / name).is_dir()
    if os.geteuid() == 0:
        assert (root / "etc/ld.so.cache").stat().st_size > 0


def test_unknown_package_leaves_nothing(apt_index, tmp_path):
    with pytest.raises(NoSuchPackage) as info:
        build_root(["dash", "no-such-package-pykerla"], tmp_path / "root", cache=CACHE, index=apt_index,
                   report=lambda message: None)
    assert (str(info.value), info.value.status) == ("no such Debian package: no-such-package-pykerla", EXIT_USAGE)
    assert list(tmp_path.iterdir()) == []


def test_dash_and_coreutils_match_native(run_pykerla, debian_root):
    if native_mode() != "chroot":
        pytest.skip("the native half needs root (chroot into the Debian root)")
    argv = ["/bin/dash", "-c", SCRIPT]
    native = subprocess.run(chroot_argv(debian_root, argv), capture_output=True, text=True, timeout=60)
    assert native.returncode == 0, native.stderr
    assert native.stdout.startswith("hi\n")
    guest = run_pykerla(["--", *argv], root=debian_root)
    assert (guest.stdout, guest.returncode) == (native.stdout, 0), guest.stderr
