"""mkroot's apt index: a candidate installed from a local .deb (no Filename, so apt cannot
download it) gives way to the newest version an archive holds."""

from __future__ import annotations

import subprocess

from pykerla.mkroot import index as index_module

DUMPAVAIL = """Package: nodejs
Architecture: amd64
Version: 20.1-1local
Depends: libc6

Package: libc6
Architecture: amd64
Version: 2.36
Filename: pool/main/g/glibc/libc6_2.36_amd64.deb

Package: onlylocal
Architecture: amd64
Version: 1.0
"""

SHOW = """Package: nodejs
Architecture: amd64
Version: 20.1-1local
Depends: libc6

Package: nodejs
Architecture: i386
Version: 18.2
Filename: pool/main/n/nodejs/nodejs_18.2_i386.deb

Package: nodejs
Architecture: amd64
Version: 18.2
Depends: libc6, libnode108
Filename: pool/main/n/nodejs/nodejs_18.2_amd64.deb

Package: nodejs
Architecture: amd64
Version: 18.1
Filename: pool/main/n/nodejs/nodejs_18.1_amd64.deb

Package: onlylocal
Architecture: amd64
Version: 1.0
"""


def test_local_candidate_replaced_by_newest_archive_version(monkeypatch):
    calls = []

    def fake_run(argv, **kwargs):
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0, SHOW, "")

    monkeypatch.setattr(index_module.subprocess, "run", fake_run)
    index = index_module.parse_packages(index_module._downloadable_candidates(DUMPAVAIL))
    assert calls == [["apt-cache", "show", "nodejs", "onlylocal"]]
    nodejs = index.packages["nodejs"]
    assert (nodejs.version, nodejs.filename) == ("18.2", "pool/main/n/nodejs/nodejs_18.2_amd64.deb")
    assert nodejs.depends == "libc6, libnode108"
    assert index.packages["libc6"].version == "2.36"
    assert index.packages["onlylocal"].filename == ""       # nothing better: kept as it was


def test_no_local_candidates_no_apt_call(monkeypatch):
    def no_run(*args, **kwargs):
        raise AssertionError("apt-cache show called")

    monkeypatch.setattr(index_module.subprocess, "run", no_run)
    text = "Package: a\nVersion: 1\nFilename: pool/a.deb\n"
    assert index_module._downloadable_candidates(text) == text
