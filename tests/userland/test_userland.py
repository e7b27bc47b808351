"""Each tests/userland/*.c program runs natively (sanity) and on pykerla (must match native)."""

from __future__ import annotations

import shlex

import pytest
from differential import UserlandCase, compare
from harness import fail_on_timeout, pykerla_run_argv, run_process


def test_native(userland_case: UserlandCase, native_run) -> None:
    """The program compiles and finishes within its timeout on the host."""
    native_run(userland_case)


@pytest.mark.pykerla
def test_pykerla_matches_native(userland_case: UserlandCase, native_run, userland_build,
                                pykerla_platform: str) -> None:
    native = native_run(userland_case)
    argv = pykerla_run_argv(userland_build.root, ["--", userland_case.guest_path, *userland_case.args],
                            pykerla_platform)
    guest = fail_on_timeout(lambda: run_process(argv, input=userland_case.stdin, timeout=userland_case.timeout),
                            "pykerla run")
    problem = compare(userland_case, native, guest)
    if userland_case.known_failure:
        if problem:
            pytest.xfail(userland_case.known_failure)
        pytest.fail("passes now: remove its '// known-failure:' directive", pytrace=False)
    if problem:
        pytest.fail(f"{problem}to reproduce: {shlex.join(argv)}", pytrace=False)
