"""Differential testing of the C programs in tests/userland/: compile, run natively and on pykerla, compare.

Every tests/userland/NAME.c is compiled once (`gcc -static -O1 -o build/userland/NAME`,
cached by a hash of the source, the headers beside it and the command) and run twice:
- natively: argv[0] spelled "/t/NAME" (the binary itself stays in build/userland/), cwd "/",
  environment exactly harness.GUEST_ENV (PATH, HOME=/root, TERM);
- on pykerla: `python -m pykerla run --root ROOT --platform P -- /t/NAME ARGS`, where ROOT
  (a fresh directory per pytest session, under pytest's temporary directory) is the busybox
  image unpacked, plus the binaries under /t/.
Standard output and the exit status must be identical (standard error too, if asked).

A program states how it is run in `//` comment lines at the top of the file (before any
other line; other comments there are ignored):
  // args: one 'two words'   argv[1:], split like a shell would
  // stdin: some text        a line of standard input; repeat for more lines (default: empty)
  // timeout: 10             seconds allowed for each run (default 60 or PYKERLA_TEST_TIMEOUT)
  // skip: reason            skip the program (both runs)
  // stderr: compare         also require identical standard error
  // cflags: -lm -pthread    extra compiler arguments
  // known-failure: reason   pykerla is known to differ (an open issue): the test is
                             reported as xfail, and fails once the two runs agree
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import BUILD_DIR, default_timeout, describe_status, unpack_root

USERLAND_DIR = Path(__file__).resolve().parent
BINARY_DIR = BUILD_DIR / "userland"
GUEST_TEST_DIR = "t"
COMPILER = ("gcc", "-static", "-O1")
DIRECTIVE = re.compile(r"//\s*([a-z-]+):\s?(.*)")
KNOWN_KEYS = ("args", "stdin", "timeout", "skip", "stderr", "cflags", "known-failure")
MAX_DIFF_LINES = 200
STDERR_TAIL_LINES = 30


class CompileError(Exception):
    """gcc rejected a test program; the message holds its command and output."""


@dataclass(frozen=True)
class UserlandCase:
    """One test program and how to run it. `problem` is set when its directives are invalid."""

    name: str
    source: Path
    args: tuple[str, ...] = ()
    stdin: bytes = b""
    timeout: float = field(default_factory=default_timeout)
    skip: str | None = None
    known_failure: str | None = None
    compare_stderr: bool = False
    cflags: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def guest_path(self) -> str:
        return f"/{GUEST_TEST_DIR}/{self.name}"


def _leading_comments(text: str) -> Iterable[tuple[int, str]]:
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("//"):
            return
        yield lineno, stripped


def parse_case(source: Path) -> UserlandCase:
    """Read a program's directives (see the module docstring)."""
    values: dict[str, Any] = {}
    stdin_lines: list[str] = []
    for lineno, line in _leading_comments(source.read_text(errors="replace")):
        match = DIRECTIVE.fullmatch(line)
        if match is None or match[1] not in KNOWN_KEYS:
            continue
        key, value = match[1], match[2].strip()
        where = f"{source.name}:{lineno}"
        try:
            if key == "stdin":
                stdin_lines.append(match[2])
            elif key in ("args", "cflags"):
                values[key] = tuple(shlex.split(value))
            elif key == "timeout":
                values["timeout"] = float(value)
            elif key == "skip":
                values["skip"] = value or "skipped"
            elif key == "known-failure":
                values["known_failure"] = value or "known to differ"
            elif value != "compare":
                raise ValueError(f"'// stderr:' takes only 'compare', not {value!r}")
            else:
                values["compare_stderr"] = True
        except ValueError as exc:
            return UserlandCase(source.stem, source, problem=f"{where}: bad '{key}' directive: {exc}")
    stdin = "".join(line + "\n" for line in stdin_lines).encode()
    return UserlandCase(source.stem, source, stdin=stdin, **values)


def discover_cases(directory: Path = USERLAND_DIR) -> list[UserlandCase]:
    return [parse_case(source) for source in sorted(directory.glob("*.c"))]


def compile_case(case: UserlandCase, out_dir: Path = BINARY_DIR) -> Path:
    """The program's static binary, compiled unless an up-to-date one is cached in out_dir."""
    binary = out_dir / case.name
    command = [*COMPILER, "-o", str(binary), str(case.source), *case.cflags]
    key = hashlib.sha256("\0".join(command).encode())
    for path in [case.source, *sorted(case.source.parent.glob("*.h"))]:
        key.update(path.read_bytes())
    stamp = out_dir / f"{case.name}.key"
    if binary.exists() and stamp.exists() and stamp.read_text() == key.hexdigest():
        return binary
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / f"{case.name}.partial.{os.getpid()}"  # concurrent sessions may compile too
    command[command.index(str(binary))] = str(partial)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(f"{shlex.join(command)}\n{result.stdout}{result.stderr}")
    partial.replace(binary)
    stamp.write_text(key.hexdigest())
    return binary


def prepare_root(binaries: dict[str, Path], root: Path) -> Path:
    """The guest's root directory: the busybox image unpacked, the binaries in /t/."""
    unpack_root(root)
    test_dir = root / GUEST_TEST_DIR
    test_dir.mkdir()
    for name, binary in binaries.items():
        try:
            os.link(binary, test_dir / name)
        except OSError:
            shutil.copy2(binary, test_dir / name)
    return root


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="backslashreplace")


def _diff(what: str, native: bytes, guest: bytes) -> str:
    lines = list(difflib.unified_diff(_text(native).splitlines(keepends=True),
                                      _text(guest).splitlines(keepends=True),
                                      fromfile=f"{what} (native)", tofile=f"{what} (pykerla)"))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... {len(lines) - MAX_DIFF_LINES} more diff lines\n"]
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def as_container_status(returncode: int) -> int:
    """The exit status `pykerla run` gives for a process that ended with `returncode`:
    like `docker run`, 128+N when it was killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def compare(case: UserlandCase, native: subprocess.CompletedProcess[bytes],
            guest: subprocess.CompletedProcess[bytes]) -> str | None:
    """None when the runs agree, else a report: status, unified diffs, pykerla's stderr tail."""
    problems = []
    if as_container_status(native.returncode) != guest.returncode:
        problems.append(f"status differs: native {describe_status(native.returncode)}, "
                        f"pykerla {describe_status(guest.returncode)}\n")
    if native.stdout != guest.stdout:
        problems.append(_diff("stdout", native.stdout, guest.stdout))
    if case.compare_stderr and native.stderr != guest.stderr:
        problems.append(_diff("stderr", native.stderr, guest.stderr))
    if not problems:
        return None
    if not case.compare_stderr and guest.stderr:
        tail = _text(guest.stderr).splitlines()[-STDERR_TAIL_LINES:]
        problems.append("pykerla stderr (last lines):\n" + "\n".join(tail) + "\n")
    return f"{case.name}: pykerla differs from native\n" + "".join(problems)
