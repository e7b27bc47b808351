"""The Debian package index mkroot resolves against: Packages-format text parsed into records.

A Packages file (deb-control(5) / Debian Policy 5.3) is a sequence of stanzas separated by
blank lines, each of "Field: value" lines. `parse_packages(text)` keeps the fields mkroot
needs; `load_apt_index()` asks apt for the candidate version of every available package of
the host's architecture (`apt-cache dumpavail`, one stanza per package, whatever compression
apt stores its lists in). `parse_relations()` reads a Depends-style field: comma-separated
groups of "|"-separated alternatives, each a name with optional ":arch" qualifier,
"(op version)", "[arch list]" and "<build profiles>". Version constraints are not checked: the index holds
one candidate version per package, the one apt itself would install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

from pykerla.mkroot.errors import MkrootError

_FIELDS = re.compile(r"^(Package|Version|Architecture|Depends|Pre-Depends|Provides|Filename|Size|"
                     r"Priority|Essential|SHA256):[ \t]*(.*)$", re.MULTILINE)
_ALTERNATIVE = re.compile(r"^\s*([a-z0-9][a-z0-9+.\-]*)(?::[a-z0-9\-]+)?\s*(?:\(([^)]*)\))?\s*"
                          r"(?:\[[^\]]*\])?\s*(?:<[^>]*>\s*)*$")
# Lower rank wins when a virtual package has several providers (what apt prefers, roughly).
PRIORITY_RANK = {"required": 0, "important": 1, "standard": 2, "optional": 3, "extra": 4}


@dataclass(frozen=True)
class Package:
    """One binary package record (the fields mkroot uses)."""

    name: str
    version: str
    architecture: str = "amd64"
    depends: str = ""
    pre_depends: str = ""
    provides: str = ""
    filename: str = ""
    size: int = 0
    priority: str = "optional"
    essential: bool = False
    sha256: str = ""

    @property
    def relations(self) -> list[list[str]]:
        """Pre-Depends then Depends, as groups of alternative package names."""
        return parse_relations(self.pre_depends) + parse_relations(self.depends)

    @property
    def deb_name(self) -> str:
        """The cache file name: name_version_arch.deb, the epoch colon spelled %3a as apt does."""
        return f"{self.name}_{self.version.replace(':', '%3a')}_{self.architecture}.deb"


@dataclass
class PackageIndex:
    """Packages by name, plus virtual package name -> names of the packages providing it."""

    packages: dict[str, Package] = field(default_factory=dict)
    providers: dict[str, list[str]] = field(default_factory=dict)

    def add(self, package: Package) -> None:
        if package.name in self.packages:  # several versions: keep the first, as apt's candidate
            return
        self.packages[package.name] = package
        for group in parse_relations(package.provides):
            for virtual in group:
                self.providers.setdefault(virtual, []).append(package.name)


def parse_relations(text: str) -> list[list[str]]:
    """Depends-style field -> groups of alternative names, e.g. "a (>= 1) | b:any, c" ->
    [["a", "b"], ["c"]]. Raises MkrootError on a malformed alternative."""
    groups = []
    for group in text.split(","):
        if not group.strip():
            continue
        names = []
        for alternative in group.split("|"):
            match = _ALTERNATIVE.match(alternative)
            if match is None:
                raise MkrootError(f"malformed package relation {alternative.strip()!r}")
            names.append(match.group(1))
        groups.append(names)
    return groups


def parse_packages(text: str, architecture: str = "amd64") -> PackageIndex:
    """Parse Packages-format text (stanzas separated by blank lines) into an index, keeping
    the packages built for `architecture` or for "all"."""
    index = PackageIndex()
    for stanza in re.split(r"\n\s*\n", text):
        values = dict(_FIELDS.findall(stanza))
        name = values.get("Package")
        if not name or values.get("Architecture", architecture) not in (architecture, "all"):
            continue
        index.add(Package(name=name, version=values.get("Version", ""),
                          architecture=values.get("Architecture", "amd64"),
                          depends=values.get("Depends", ""), pre_depends=values.get("Pre-Depends", ""),
                          provides=values.get("Provides", ""), filename=values.get("Filename", ""),
                          size=int(values.get("Size", "0") or 0),
                          priority=values.get("Priority", "optional"),
                          essential=values.get("Essential", "").lower() == "yes",
                          sha256=values.get("SHA256", "")))
    return index


def load_apt_index() -> PackageIndex:
    """The candidate version of every package apt knows (needs `apt-get update` to have run)."""
    if shutil.which("apt-cache") is None:
        raise MkrootError("apt-cache not found: mkroot needs Debian's apt and dpkg")
    result = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise MkrootError(f"apt-cache dumpavail failed: {result.stderr.strip()}")
    native = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    index = parse_packages(_downloadable_candidates(result.stdout), native or "amd64")
    if not index.packages:
        raise MkrootError("apt knows no packages: run `apt-get update` first")
    return index


def _downloadable_candidates(text: str) -> str:
    """dumpavail's candidate may be a version installed from a local .deb (no Filename: apt
    cannot download it); put the newest version of the same architecture that an archive
    holds (`apt-cache show` lists the versions newest first) in its place, when there is one."""
    def key(stanza: str) -> tuple[str, str] | None:
        name = re.search(r"^Package:[ \t]*(\S+)", stanza, re.MULTILINE)
        arch = re.search(r"^Architecture:[ \t]*(\S+)", stanza, re.MULTILINE)
        return (name.group(1), arch.group(1) if arch else "") if name else None

    stanzas = re.split(r"\n\s*\n", text)
    local: dict[tuple[str, str], int] = {}
    for i, stanza in enumerate(stanzas):
        if (k := key(stanza)) and not re.search(r"^Filename:", stanza, re.MULTILINE):
            local[k] = i
    if not local:
        return text
    names = sorted({name for name, _arch in local})
    shown = subprocess.run(["apt-cache", "show", *names], capture_output=True, text=True, errors="replace").stdout
    for stanza in re.split(r"\n\s*\n", shown):
        if (k := key(stanza)) in local and re.search(r"^Filename:", stanza, re.MULTILINE):
            stanzas[local.pop(k)] = stanza
    return "\n\n".join(stanzas)
