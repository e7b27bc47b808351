"""mkroot end to end on tiny .deb files made with `dpkg-deb -b` (no apt, no network)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pykerla.image.cpio import read_cpio
from pykerla.mkroot.archive import tree_entries
from pykerla.mkroot.build import build_root, parse_package_list
from pykerla.mkroot.errors import MkrootError
from pykerla.mkroot.index import PackageIndex, parse_packages

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not installed")

# name -> (Depends, {path: contents}, {link: target})
FAKE_PACKAGES = {
    "hello": ("libhello", {"bin/hello": "#!/bin/sh\necho hello\n"}, {"bin/hi": "hello"}),
    "libhello": ("", {"lib/x86_64-linux-gnu/libhello.so.1": "ELF?"}, {}),
    "base-files": ("", {"etc/debian_version": "12.0\n"}, {}),
    "libc6": ("", {"lib/x86_64-linux-gnu/libc.so.6": "libc"},
              {"lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"}),
    "dash": ("libc6", {"bin/dash": "dash"}, {"bin/sh": "dash"}),
}


def make_deb(work: Path, name: str, depends: str, files: dict[str, str], links: dict[str, str]) -> Path:
    tree = work / f"{name}-tree"
    (tree / "DEBIAN").mkdir(parents=True)
    control = f"Package: {name}\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: test\n"
    if depends:
        control += f"Depends: {depends}\n"
    (tree / "DEBIAN/control").write_text(control)
    for path, text in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
        (tree / path).chmod(0o755)
    for path, target in links.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, tree / path)
    deb = work / f"{name}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", tree, deb], check=True, capture_output=True)
    return deb


@pytest.fixture(scope="module")
def fake_repo(tmp_path_factory) -> tuple[PackageIndex, Path]:
    work = tmp_path_factory.mktemp("repo")
    cache = work / "cache"
    cache.mkdir()
    stanzas = []
    for name, (depends, files, links) in FAKE_PACKAGES.items():
        deb = make_deb(work, name, depends, files, links)
        deb.rename(cache / f"{name}_1.0_amd64.deb")
        stanzas.append(f"Package: {name}\nVersion: 1.0\nArchitecture: amd64\nDepends: {depends}\n"
                       f"Size: {(cache / f'{name}_1.0_amd64.deb').stat().st_size}\n")
    return parse_packages("\n".join(stanzas)), cache


def build(fake_repo, requested, output, messages=None):
    index, cache = fake_repo
    return build_root(requested, output, cache=cache, index=index,
                      report=(messages if messages is not None else []).append)


def test_parse_package_list():
    assert parse_package_list("dash, bash coreutils,dash") == ["dash", "bash", "coreutils"]


def test_directory_root(fake_repo, tmp_path):
    messages: list[str] = []
    out = build(fake_repo, ["hello"], tmp_path / "root", messages)
    assert os.readlink(out / "bin") == "usr/bin"
    assert (out / "usr/bin/hello").read_text().startswith("#!/bin/sh")
    assert os.readlink(out / "usr/bin/hi") == "hello"
    assert (out / "usr/lib/x86_64-linux-gnu/libhello.so.1").exists()
    assert (out / "etc/debian_version").exists() and (out / "etc/passwd").exists()
    assert os.readlink(out / "usr/bin/sh") == "dash"
    assert os.readlink(out / "usr/lib64/ld-linux-x86-64.so.2").startswith("/lib/")
    assert "unpacking 5/5 libhello 1.0" in messages
    assert any(m.startswith("downloading 0 packages") for m in messages)
    assert [p.name for p in tmp_path.iterdir()] == ["root"]  # no work directory left


def test_cpio_root(fake_repo, tmp_path):
    out = build(fake_repo, ["hello"], tmp_path / "r.cpio.gz")
    entries = {e.name: e for e in read_cpio(out.read_bytes())}
    assert entries["bin"].is_symlink and entries["bin"].data == b"usr/bin"
    assert entries["usr/bin/hello"].data.startswith(b"#!/bin/sh") and entries["usr/bin/hello"].perm == 0o755
    assert entries["tmp"].perm == 0o1777
    names = list(entries)
    assert names.index("usr") < names.index("usr/bin") < names.index("usr/bin/hello")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.cpio.gz"]


def test_tree_entries_hard_links(tmp_path):
    (tmp_path / "a").write_text("data")
    os.link(tmp_path / "a", tmp_path / "b")
    a, b = tree_entries(tmp_path)
    assert (a.ino, a.nlink, a.data) == (b.ino, 2, b.data)


def test_unknown_package_leaves_nothing(fake_repo, tmp_path):
    with pytest.raises(MkrootError, match="no such Debian package: nosuch"):
        build(fake_repo, ["hello", "nosuch"], tmp_path / "root")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_unpacking_leaves_nothing(fake_repo, tmp_path):
    index, cache = fake_repo
    broken_cache = tmp_path / "cache"
    shutil.copytree(cache, broken_cache)
    deb = broken_cache / "libhello_1.0_amd64.deb"
    deb.write_bytes(b"\0" * deb.stat().st_size)  # right size, not a .deb
    out = tmp_path / "out" / "root.cpio.gz"
    with pytest.raises(MkrootError, match="dpkg-deb -x libhello_1.0_amd64.deb failed"):
        build_root(["hello"], out, cache=broken_cache, index=index, report=lambda m: None)
    assert list(out.parent.iterdir()) == []


def test_existing_directory_is_refused(fake_repo, tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "root/keep").write_text("x")
    with pytest.raises(MkrootError, match="not an empty directory"):
        build(fake_repo, ["hello"], tmp_path / "root")
    assert (tmp_path / "root/keep").read_text() == "x"


def test_cli_unknown_package_exit_status_2(fake_repo, tmp_path, monkeypatch, capsys):
    from pykerla.cli import main as cli_main  # imports the whole kernel: only this test needs it

    monkeypatch.setattr("pykerla.mkroot.build.load_apt_index", lambda: fake_repo[0])
    status = cli_main(["mkroot", "--packages", "hello,foo", "--cache", str(fake_repo[1]), str(tmp_path / "o")])
    assert status == 2
    assert "mkroot: no such Debian package: foo" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
