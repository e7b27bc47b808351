"""mkroot's package index parser and dependency resolver, on a fake Packages file."""

from __future__ import annotations

import pytest

from pykerla.mkroot.errors import EXIT_USAGE, MkrootError, NoSuchPackage
from pykerla.mkroot.index import Package, parse_packages, parse_relations
from pykerla.mkroot.resolve import resolve

PACKAGES = """\
Package: libc6
Version: 2.36-9
Architecture: amd64
Priority: optional
Filename: pool/main/g/glibc/libc6_2.36-9_amd64.deb
Size: 2700000
Description: GNU C Library
 a continuation line: Depends: not-a-field

Package: app
Version: 1:1.0-1
Architecture: amd64
Pre-Depends: libc6 (>= 2.34)
Depends: missing-pkg | libfoo:any (>= 2) [amd64], awk, mail-transport-agent
Size: 10

Package: libfoo
Version: 2.0
Architecture: all
Depends: libbar

Package: libbar
Version: 2.0
Architecture: amd64
Depends: libfoo, libc6

Package: gawk
Version: 5.2
Architecture: amd64
Priority: optional
Provides: awk

Package: mawk
Version: 1.3
Architecture: amd64
Priority: required
Provides: awk (= 1.3)

Package: exim
Version: 4
Architecture: amd64
Provides: mail-transport-agent

Package: uses-gawk
Version: 1
Architecture: amd64
Depends: gawk, awk

Package: broken
Version: 1
Architecture: amd64
Depends: libc6, nowhere-to-be-found

Package: libc6
Version: 2.36-1
Architecture: amd64

Package: libc6
Version: 2.36-9
Architecture: i386

Package: only-i386
Version: 1
Architecture: i386
"""


@pytest.fixture
def index():
    return parse_packages(PACKAGES)


def names(packages: list[Package]) -> list[str]:
    return [p.name for p in packages]


def test_parse_keeps_first_stanza_and_fields(index):
    libc = index.packages["libc6"]
    assert (libc.version, libc.size, libc.architecture) == ("2.36-9", 2700000, "amd64")
    assert index.packages["app"].deb_name == "app_1%3a1.0-1_amd64.deb"
    assert sorted(index.providers["awk"]) == ["gawk", "mawk"]
    assert "only-i386" not in index.packages


def test_parse_relations_strips_qualifiers_versions_and_arch_lists():
    assert parse_relations("a (>= 1) | b:any [amd64 i386] <!nocheck>, c") == [["a", "b"], ["c"]]
    assert parse_relations("") == []
    with pytest.raises(MkrootError):
        parse_relations("a (>= 1")


def test_alternatives_virtuals_and_cycles(index):
    closure = names(resolve(index, ["app"], base=()))
    # missing-pkg | libfoo -> libfoo; awk -> mawk (Priority required); libfoo <-> libbar cycle ends
    assert closure == ["app", "libc6", "libfoo", "mawk", "exim", "libbar"]


def test_chosen_provider_satisfies_virtual(index):
    assert names(resolve(index, ["uses-gawk"], base=())) == ["uses-gawk", "gawk"]


def test_alternative_already_chosen_wins(index):
    index.packages["app2"] = Package("app2", "1", depends="gawk | mawk")
    assert names(resolve(index, ["mawk", "app2"], base=())) == ["mawk", "app2"]


def test_base_packages_always_included(index):
    assert names(resolve(index, ["libfoo"], base=("libc6",))) == ["libfoo", "libc6", "libbar"]


def test_requested_virtual_package(index):
    assert names(resolve(index, ["mail-transport-agent"], base=())) == ["exim"]


def test_unknown_requested_package(index):
    with pytest.raises(NoSuchPackage) as info:
        resolve(index, ["nonexistent"], base=())
    assert str(info.value) == "no such Debian package: nonexistent"
    assert info.value.status == EXIT_USAGE


def test_unknown_dependency_names_the_dependent(index):
    with pytest.raises(NoSuchPackage, match=r"nowhere-to-be-found \(needed by broken\)"):
        resolve(index, ["broken"], base=())
