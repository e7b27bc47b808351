"""Dependency closure: which packages a root needs for the packages asked for.

Rules (a simplified apt, enough for a root without maintainer scripts):
- every root gets BASE_PACKAGES: base-files (the FHS tree, /etc/os-release, /etc/profile),
  libc6 (the dynamic loader every program needs) and dash (/bin/sh, which Debian's own
  scripts and system() assume), plus their dependencies;
- Pre-Depends and Depends are followed; Recommends and Suggests are not;
- a group of alternatives "a | b" is satisfied by an alternative already chosen, else by the
  first installable one (a real package, or a virtual one some package provides);
- a virtual package resolves to a provider already chosen, else to the provider with the
  most important Priority (required < important < standard < optional), ties by name;
- packages already chosen are not visited again, so dependency cycles end;
- versions are not compared: the index holds the single candidate apt would install.
The closure comes back in a stable order: breadth first from the requests.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from pykerla.mkroot.errors import NoSuchPackage
from pykerla.mkroot.index import PRIORITY_RANK, Package, PackageIndex

BASE_PACKAGES = ("base-files", "libc6", "dash")


def _pick(index: PackageIndex, name: str, chosen: dict[str, Package]) -> Package | None:
    """The package installing `name` (real, or a provider of the virtual name), or None."""
    if name in index.packages:
        return index.packages[name]
    providers = index.providers.get(name, [])
    for provider in providers:
        if provider in chosen:
            return chosen[provider]
    if not providers:
        return None
    best = min(providers, key=lambda p: (PRIORITY_RANK.get(index.packages[p].priority, 9), p))
    return index.packages[best]


def _satisfied_by(index: PackageIndex, group: list[str], chosen: dict[str, Package]) -> Package | None:
    """A chosen package satisfying one of the alternatives, else the first installable one."""
    for name in group:
        if name in chosen:
            return chosen[name]
        for provider in index.providers.get(name, ()):
            if provider in chosen:
                return chosen[provider]
    for name in group:
        package = _pick(index, name, chosen)
        if package is not None:
            return package
    return None


def resolve(index: PackageIndex, requested: Iterable[str], base: Iterable[str] = BASE_PACKAGES) -> list[Package]:
    """The packages to unpack for `requested` (plus `base`), dependencies included.

    Raises NoSuchPackage for a requested name, or a dependency with no installable
    alternative, that the index does not know."""
    chosen: dict[str, Package] = {}
    queue: deque[Package] = deque()

    def choose(package: Package) -> None:
        if package.name not in chosen:
            chosen[package.name] = package
            queue.append(package)

    for name in [*requested, *base]:
        package = _pick(index, name, chosen)
        if package is None:
            raise NoSuchPackage(name)
        choose(package)
    while queue:
        package = queue.popleft()
        for group in package.relations:
            dependency = _satisfied_by(index, group, chosen)
            if dependency is None:
                raise NoSuchPackage(" | ".join(group), wanted_by=package.name)
            choose(dependency)
    return list(chosen.values())
