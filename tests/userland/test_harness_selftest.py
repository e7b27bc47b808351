"""The differential harness tested on itself, with the native stand-in for pykerla
(tests/stub_pykerla.py), so it is known to be right before the kernel can run anything."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from differential import CompileError, compare, compile_case, parse_case, prepare_root
import harness
from harness import GUEST_ENV, REPO_ROOT, native_mode, pykerla_run_argv, run_native, run_process

PROBE = r"""// A probe of what a test program sees.
// args: one 'two words'
// stdin: first line
// stdin: second line
// timeout: 20
// stderr: compare
#include <stdio.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
    char cwd[256], buf[256];
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    printf("cwd=%s\n", getcwd(cwd, sizeof cwd));
    for (char **e = environ; *e; e++) printf("env %s\n", *e);
    ssize_t n = read(0, buf, sizeof buf);
    printf("stdin=%.*s|\n", (int)n, buf);
    fprintf(stderr, "to stderr\n");
    return 7;
}
"""


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    source = tmp_path / "probe.c"
    source.write_text(PROBE)
    return source


def test_directives(probe: Path) -> None:
    case = parse_case(probe)
    assert (case.name, case.args, case.stdin, case.timeout) == \
           ("probe", ("one", "two words"), b"first line\nsecond line\n", 20.0)
    assert case.compare_stderr and case.skip is None and case.problem is None
    assert case.guest_path == "/t/probe"


def test_directives_stop_at_code_and_report_errors(tmp_path: Path) -> None:
    source = tmp_path / "bad.c"
    source.write_text("// timeout: soon\nint main(void) { return 0; }\n")
    assert parse_case(source).problem == "bad.c:1: bad 'timeout' directive: could not convert string to float: 'soon'"
    source.write_text("// Note: a comment\nint x;\n// skip: too late\n")
    assert parse_case(source).skip is None and parse_case(source).problem is None


def test_compile_is_cached_until_the_source_changes(probe: Path, tmp_path: Path) -> None:
    binary = compile_case(parse_case(probe), tmp_path / "out")
    built = binary.stat().st_mtime_ns
    assert compile_case(parse_case(probe), tmp_path / "out").stat().st_mtime_ns == built
    probe.write_text(PROBE.replace("return 7", "return 8"))
    assert compile_case(parse_case(probe), tmp_path / "out").stat().st_mtime_ns != built
    probe.write_text("int main(void) { return }\n")
    with pytest.raises(CompileError, match="gcc -static -O1"):
        compile_case(parse_case(probe), tmp_path / "out")


@pytest.mark.parametrize("mode", ["chroot", "host"])
def test_native_and_stub_runs_agree(probe: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    mode: str) -> None:
    if mode == "chroot" and native_mode() != "chroot":
        pytest.skip("native runs in the guest root need root and mount namespaces")
    monkeypatch.setattr(harness, "native_mode", lambda: mode)
    if mode == "host":
        monkeypatch.setenv("PYKERLA_NATIVE", "host")  # for the stand-in's own process
    case = parse_case(probe)
    binary = compile_case(case, tmp_path / "out")
    root = prepare_root({"probe": binary}, tmp_path / "root")
    assert (root / "bin/busybox").exists() and (root / "t/probe").exists()

    native = run_native([case.guest_path, *case.args], root=root, host_binary=binary, input=case.stdin,
                        timeout=case.timeout)
    assert native.returncode == 7
    lines = native.stdout.decode().splitlines()
    assert lines[:4] == ["argv[0]=/t/probe", "argv[1]=one", "argv[2]=two words", "cwd=/"]
    assert sorted(line[4:] for line in lines if line.startswith("env ")) == \
           sorted(f"{k}={v}" for k, v in GUEST_ENV.items())
    assert "stdin=first line\nsecond line\n|" in native.stdout.decode()

    monkeypatch.setenv("PYKERLA_CMD", shlex.join([sys.executable, str(REPO_ROOT / "tests/stub_pykerla.py")]))
    guest = run_process(pykerla_run_argv(root, ["--", case.guest_path, *case.args], "auto"),
                        input=case.stdin, timeout=case.timeout)
    assert compare(case, native, guest) is None, guest.stderr.decode()


def _completed(status: int, stdout: bytes, stderr: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.CompletedProcess([], status, stdout, stderr)


def test_compare_reports_status_and_unified_diff(probe: Path) -> None:
    case = parse_case(probe)
    report = compare(case, _completed(0, b"a\nb\n"), _completed(-11, b"a\nc\n", b"oops\n"))
    assert report is not None
    assert "status differs: native exit 0, pykerla signal 11 (SIGSEGV)" in report
    assert "--- stdout (native)\n+++ stdout (pykerla)\n" in report
    assert "-b\n+c\n" in report
    assert "-oops" not in report and "+oops\n" in report  # stderr compared: this probe opts in


def test_compare_ignores_stderr_unless_asked(tmp_path: Path) -> None:
    source = tmp_path / "plain.c"
    source.write_text("int main(void) { return 0; }\n")
    case = parse_case(source)
    assert compare(case, _completed(0, b"x", b"native noise"), _completed(0, b"x", b"kernel log")) is None
    report = compare(case, _completed(0, b"x"), _completed(0, b"y", b"kernel log\n"))
    assert report is not None and "\\ No newline at end of file" in report
    assert report.endswith("pykerla stderr (last lines):\nkernel log\n")
