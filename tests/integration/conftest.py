"""The `run_pykerla` fixture: boot pykerla on a root file system and collect what it printed.

    def test_arith(run_pykerla):
        result = run_pykerla(["--", "/bin/sh", "-c", "echo $((6*7)); exit 3"])
        assert (result.returncode, result.stdout) == (3, "42\\n")

`run_pykerla(args, root=None, input=None, timeout=None, platform=None, text=True)` runs
`python -m pykerla run --root ROOT --platform PLATFORM ARGS...` (PYKERLA_CMD overrides the
command) and returns a subprocess.CompletedProcess. ROOT defaults to the busybox initramfs
(built if missing); PLATFORM to --pykerla-platform; timeout to 60 s (PYKERLA_TEST_TIMEOUT).
With text=True, input may be str and stdout/stderr are str; with text=False, bytes.
A run that exceeds its timeout is killed and fails the test, showing its partial output.
Tests using this fixture carry the `pykerla` marker.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from harness import default_timeout, fail_on_timeout, pykerla_run_argv, run_process

RunPykerla = Callable[..., subprocess.CompletedProcess]


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="backslashreplace")


@pytest.fixture
def run_pykerla(initramfs: Path, pykerla_platform: str) -> RunPykerla:
    def run(args: Sequence[str] = (), *, root: str | os.PathLike[str] | None = None,
            input: str | bytes | None = None, timeout: float | None = None,
            platform: str | None = None, text: bool = True) -> subprocess.CompletedProcess:
        argv = pykerla_run_argv(initramfs if root is None else root, list(args), platform or pykerla_platform)
        stdin = input.encode() if isinstance(input, str) else (input or b"")
        result = fail_on_timeout(lambda: run_process(argv, input=stdin, timeout=timeout or default_timeout()),
                                 "pykerla run")
        if text:
            return subprocess.CompletedProcess(argv, result.returncode, _decode(result.stdout),
                                               _decode(result.stderr))
        return result

    return run
