"""mkroot's merged-/usr conversion and /etc files, on synthetic trees (no dpkg needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pykerla.mkroot.errors import MkrootError
from pykerla.mkroot.etcfiles import configure_root
from pykerla.mkroot.unpack import merge_usr, merged_path, rebased_link


def make_tree(root: Path, files: dict[str, str], links: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for name, target in links.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / name)


def test_merged_path_and_rebased_links():
    assert merged_path("/bin/sh") == "/usr/bin/sh"
    assert merged_path("/lib64") == "/usr/lib64"
    assert merged_path("/libexec/x") == "/libexec/x"
    assert rebased_link("dash", "/bin", "/usr/bin") == "dash"
    assert rebased_link("/lib/x/ld.so", "/lib64", "/usr/lib64") == "/lib/x/ld.so"
    assert rebased_link("../usr/bin/x", "/bin", "/usr/bin") == "x"
    assert rebased_link("../share/y", "/bin", "/usr/bin") == "../../share/y"


def test_merge_usr_moves_and_links(tmp_path):
    make_tree(tmp_path, {"bin/dash": "dash", "usr/bin/ls": "ls", "lib/x86_64-linux-gnu/libc.so.6": "libc",
                         "sbin/same": "one", "usr/sbin/same": "one", "bin/real": "real", "etc/x": ""},
              {"bin/sh": "dash", "bin/up": "../usr/bin/ls", "usr/bin/real": "/bin/real",
               "lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"})
    merge_usr(tmp_path)
    for name in ("bin", "sbin", "lib", "lib64"):
        assert os.readlink(tmp_path / name) == f"usr/{name}"
    assert (tmp_path / "usr/bin/dash").read_text() == "dash"
    assert os.readlink(tmp_path / "usr/bin/sh") == "dash"
    assert (tmp_path / "usr/bin/up").read_text() == "ls"  # rewritten: "../usr/bin/ls" -> "ls"
    assert not (tmp_path / "usr/bin/real").is_symlink()  # the real file beats the symlink
    assert (tmp_path / "usr/sbin/same").read_text() == "one"
    assert (tmp_path / "usr/lib/x86_64-linux-gnu/libc.so.6").read_text() == "libc"
    assert os.readlink(tmp_path / "usr/lib64/ld-linux-x86-64.so.2").startswith("/lib/")
    assert not (tmp_path / "lib32").exists()


def test_merge_usr_refuses_two_different_files(tmp_path):
    make_tree(tmp_path, {"bin/x": "one", "usr/bin/x": "two"}, {})
    with pytest.raises(MkrootError, match="/bin/x and /usr/bin/x are different files"):
        merge_usr(tmp_path)


def test_configure_root_writes_missing_files_only(tmp_path, monkeypatch):
    monkeypatch.setattr("pykerla.mkroot.etcfiles.build_ld_cache", lambda root: "no cache here")
    make_tree(tmp_path, {"etc/hosts": "mine\n", "usr/bin/bash": "", "usr/share/base-files/profile": "P\n",
                         "var/run/stale": ""}, {})
    assert configure_root(tmp_path) == ["no cache here"]
    assert (tmp_path / "etc/hosts").read_text() == "mine\n"
    assert (tmp_path / "etc/passwd").read_text().startswith("root:x:0:0:root:/root:/bin/bash\n")
    assert "hosts:          files dns" in (tmp_path / "etc/nsswitch.conf").read_text()
    assert (tmp_path / "etc/hostname").read_text() == "pykerla\n"
    assert (tmp_path / "etc/shells").read_text().splitlines()[1:] == ["/bin/bash", "/usr/bin/bash"]
    assert (tmp_path / "etc/profile").read_text() == "P\n"
    assert os.readlink(tmp_path / "var/run") == "/run"
    assert (tmp_path / "tmp").stat().st_mode & 0o7777 == 0o1777
    assert (tmp_path / "root").stat().st_mode & 0o777 == 0o700
