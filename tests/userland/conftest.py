"""Fixtures for the differential tests: one parameter per tests/userland/*.c program, the
compiled binaries and guest root (prepared once per session), and cached native runs.
Conventions for the programs: see differential.py and README.md in this folder."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from differential import CompileError, UserlandCase, compile_case, discover_cases, prepare_root
from harness import fail_on_timeout, run_native

NativeRun = Callable[[UserlandCase], subprocess.CompletedProcess[bytes]]


@dataclass(frozen=True)
class UserlandBuild:
    """The guest root directory and, per program name, its binary or why it did not compile."""

    root: Path
    binaries: dict[str, Path]
    errors: dict[str, str]

    def binary(self, case: UserlandCase) -> Path:
        if case.problem:
            pytest.fail(case.problem, pytrace=False)
        if case.name in self.errors:
            pytest.fail(f"{case.name} does not compile:\n{self.errors[case.name]}", pytrace=False)
        return self.binaries[case.name]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "userland_case" in metafunc.fixturenames:
        params = [pytest.param(case, id=case.name,
                               marks=[pytest.mark.skip(reason=case.skip)] if case.skip else [])
                  for case in discover_cases()]
        metafunc.parametrize("userland_case", params)


def _selected_cases(session: pytest.Session) -> dict[str, UserlandCase]:
    cases = {}
    for item in session.items:
        case = getattr(item, "callspec", None) and item.callspec.params.get("userland_case")
        if isinstance(case, UserlandCase) and not case.skip and not case.problem:
            cases[case.name] = case
    return cases


@pytest.fixture(scope="session")
def userland_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> UserlandBuild:
    """Compile the selected programs (in parallel, cached) and prepare the guest root."""
    cases = _selected_cases(request.session)
    binaries: dict[str, Path] = {}
    errors: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = {name: pool.submit(compile_case, case) for name, case in cases.items()}
        for name, future in futures.items():
            try:
                binaries[name] = future.result()
            except CompileError as exc:
                errors[name] = str(exc)
    root = prepare_root(binaries, tmp_path_factory.mktemp("userland-root", numbered=False))
    return UserlandBuild(root, binaries, errors)


@pytest.fixture(scope="session")
def native_run(userland_build: UserlandBuild) -> NativeRun:
    """Run a program natively (once per session; later calls return the first result)."""
    results: dict[str, subprocess.CompletedProcess[bytes]] = {}

    def run(case: UserlandCase) -> subprocess.CompletedProcess[bytes]:
        if case.name not in results:
            binary = userland_build.binary(case)
            results[case.name] = fail_on_timeout(
                lambda: run_native([case.guest_path, *case.args], root=userland_build.root, host_binary=binary,
                                   input=case.stdin, timeout=case.timeout), "native run")
        return results[case.name]

    return run
