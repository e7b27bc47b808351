"""Acceptance tests of the kernel core with busybox sh (issue "Kernel core")."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest
from harness import GUEST_ENV, chroot_argv, native_mode, unpack_root

SCRIPTS = Path(__file__).parent / "scripts"


def test_arithmetic_pipe_and_exit_status(run_pykerla):
    result = run_pykerla(["--", "/bin/sh", "-c", "echo $((6*7)) | cat; exit 3"])
    assert (result.stdout, result.returncode) == ("42\n", 3), result.stderr


def test_killed_by_signal_gives_128_plus_n(run_pykerla):
    result = run_pykerla(["--", "/bin/sh", "-c", "kill -TERM $$"])
    assert result.returncode == 128 + 15, result.stderr


def test_command_found_in_guest_path(run_pykerla):
    result = run_pykerla(["--", "echo", "hi", "there"])
    assert (result.stdout, result.returncode) == ("hi there\n", 0), result.stderr


def test_environment_is_clean_plus_e(run_pykerla):
    result = run_pykerla(["-e", "FOO=bar", "--", "/bin/sh", "-c", "env | sort"])
    lines = result.stdout.splitlines()
    assert "FOO=bar" in lines and "HOME=/root" in lines
    assert f"PATH={GUEST_ENV['PATH']}" in lines
    assert not any(line.startswith("PYTEST") for line in lines)


def test_stdin_passes_through(run_pykerla):
    result = run_pykerla(["--", "/bin/sh", "-c", "tr a-z A-Z"], input="hello\n")
    assert result.stdout == "HELLO\n"


def test_standard_streams_reopen_through_dev(run_pykerla, tmp_path):
    """/dev/stdout, /dev/stderr, /dev/stdin (links into /proc/self/fd) reopen the host streams."""
    root = unpack_root(tmp_path / "root")
    script = "echo out > /dev/stdout; echo err > /dev/stderr; cat /dev/stdin; echo fd > /proc/self/fd/1"
    result = run_pykerla(["--", "/bin/sh", "-c", script], root=root, input="in\n")
    assert (result.returncode, result.stdout) == (0, "out\nin\nfd\n")
    assert "err\n" in result.stderr


def test_trace_shows_signal_delivery_and_sigreturn(run_pykerla):
    result = run_pykerla(["--trace", "--", "/bin/sh", "-c", 'trap "echo caught" INT; kill -INT $$'])
    assert result.stdout == "caught\n"
    lines = result.stderr.splitlines()
    delivery = [i for i, line in enumerate(lines)
                if line.startswith("[1] --- SIGINT {si_signo=SIGINT, si_code=SI_USER, si_pid=1, si_uid=0} ---")]
    assert delivery, result.stderr
    assert any(line.startswith("[1] rt_sigreturn(") for line in lines[delivery[0]:]), result.stderr


def test_workdir(run_pykerla):
    result = run_pykerla(["--workdir", "/etc", "--", "/bin/pwd"])
    assert result.stdout == "/etc\n"


def test_non_elf_command_is_enoexec(run_pykerla, tmp_path):
    root = unpack_root(tmp_path / "root")
    (root / "notelf").write_bytes(b"\x7fELX garbage that is no program\n" * 4)
    (root / "notelf").chmod(0o755)
    result = run_pykerla(["--", "/notelf"], root=root)
    assert result.returncode != 0
    assert "not an executable format" in result.stderr


def test_truncated_cpio_names_the_offset(run_pykerla, initramfs, tmp_path):
    data = gzip.decompress(initramfs.read_bytes())
    broken = tmp_path / "broken.cpio"
    broken.write_bytes(data[: len(data) // 2])
    result = run_pykerla(["--", "/bin/true"], root=broken)
    assert result.returncode != 0
    assert "offset" in result.stderr and "Traceback" not in result.stderr


def test_busybox_script_matches_native(run_pykerla, tmp_path):
    if native_mode() != "chroot":
        pytest.skip("the native half needs root (chroot into the busybox root)")
    root = unpack_root(tmp_path / "root")
    (root / "script.sh").write_text((SCRIPTS / "shell_core.sh").read_text())
    native = subprocess.run(chroot_argv(root, ["/bin/sh", "/script.sh"]), capture_output=True, timeout=120)
    assert native.returncode == 0, native.stderr
    guest = run_pykerla(["--", "/bin/sh", "/script.sh"], root=root, timeout=300)
    assert guest.stdout == native.stdout.decode(), guest.stderr[-3000:]
    assert guest.returncode == native.returncode
