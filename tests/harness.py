"""Running programs for the test suite: pykerla itself, native binaries, and the root images.

Shared by tests/userland (differential tests) and tests/integration. It owns:
- GUEST_ENV: the clean environment pykerla gives its guest; native runs get exactly the same;
- pykerla_command(): how to start pykerla, `python -m pykerla` unless the PYKERLA_CMD
  environment variable gives another command (shell-quoted), e.g. the native stand-in
  `python tests/stub_pykerla.py` that lets the harness test itself without the kernel;
- default_platform() / default_timeout(): PYKERLA_PLATFORM (default "auto"; "all" = each of ALL_PLATFORMS), passed to
  `pykerla run --platform`, and PYKERLA_TEST_TIMEOUT (default 60 seconds per run);
- run_process(): run a command with a timeout, killing its whole process group when it
  expires or when it exits leaving children behind; fail_on_timeout() turns a timeout
  into a test failure that shows the partial output;
- run_native(): run a program on the host the way the guest would see it. As root (the
  normal case: CI, `make test`), it runs chrooted into the guest's root directory inside a
  private mount namespace with the host's /proc and /dev and a fresh tmpfs on /tmp, so
  paths like /t/NAME, /bin/sh (busybox) and AT_EXECFN are the guest's. Otherwise, or with
  PYKERLA_NATIVE=host, it runs the host binary directly with argv[0] spelled as in the
  guest, cwd "/" (re-executing argv[0] or running /bin/sh then differs from the guest);
- ensure_initramfs() / unpack_root(): the default busybox image (built if missing) and the
  same tree unpacked into a host directory (for `pykerla run --root DIR`).
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from pykerla.image.busybox_root import build_busybox_root
from pykerla.image.cpio import extract, read_cpio

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "build"
DEFAULT_IMAGE = BUILD_DIR / "initramfs.cpio.gz"

GUEST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
GUEST_ENV = {"PATH": GUEST_PATH, "HOME": "/root", "TERM": os.environ.get("TERM") or "dumb"}

# Run by `unshare --mount` (private propagation) as root: $1 = the root directory to mount
# /proc, /dev and /tmp in, then the command (env -i, so the environment keeps its order).
_MOUNT_SCRIPT = """
root=$1; shift
mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" &&
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" || { echo "native chroot: mounts failed" >&2; exit 125; }
exec "$@"
"""
_UNSHARE = ("unshare", "--mount", "--propagation", "private")


class ProcessTimeout(Exception):
    """A command ran past its timeout; it was killed. Carries the output it had produced."""

    def __init__(self, argv: Sequence[str], timeout: float, stdout: bytes, stderr: bytes) -> None:
        super().__init__(f"{shlex.join(map(str, argv))} timed out after {timeout:g} s")
        self.stdout = stdout
        self.stderr = stderr

    def report(self) -> str:
        return (f"{self}\nstdout so far:\n{self.stdout.decode(errors='backslashreplace')}\n"
                f"stderr (end):\n{self.stderr.decode(errors='backslashreplace')[-4000:]}")


def pykerla_command() -> list[str]:
    """The command that starts pykerla (PYKERLA_CMD, or this interpreter's `-m pykerla`)."""
    override = os.environ.get("PYKERLA_CMD")
    return shlex.split(override) if override else [sys.executable, "-m", "pykerla"]


ALL_PLATFORMS = ("kvm", "unicorn")


def default_platform() -> str:
    return os.environ.get("PYKERLA_PLATFORM") or "auto"


def default_timeout() -> float:
    return float(os.environ.get("PYKERLA_TEST_TIMEOUT") or 60)


def pykerla_run_argv(root: str | os.PathLike[str], args: Sequence[str], platform: str) -> list[str]:
    """argv for `pykerla run --root ROOT --platform PLATFORM ARGS...`."""
    return [*pykerla_command(), "run", "--root", os.fspath(root), "--platform", platform, *args]


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_process(argv: Sequence[str], *, input: bytes = b"", timeout: float,
                executable: str | os.PathLike[str] | None = None, cwd: str | os.PathLike[str] | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run argv in a new session with `input` on stdin; capture stdout and stderr.

    `executable` runs that file while argv[0] keeps its spelling. Raises ProcessTimeout
    (after killing the process group) when the command runs longer than `timeout` seconds."""
    with subprocess.Popen(list(argv), executable=executable, cwd=cwd, env=env, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            stdout, stderr = proc.communicate()
            raise ProcessTimeout(argv, timeout, stdout, stderr) from None
        finally:
            _kill_group(proc.pid)  # children left behind by a command that has exited
    return subprocess.CompletedProcess(list(argv), proc.returncode, stdout, stderr)


@functools.cache
def native_mode() -> str:
    """"chroot" when this host can run native programs inside the guest's root, else "host"."""
    if os.environ.get("PYKERLA_NATIVE") == "host" or os.geteuid() != 0:
        return "host"
    probe = subprocess.run([*_UNSHARE, "true"], capture_output=True)
    return "chroot" if probe.returncode == 0 else "host"


def chroot_argv(root: Path, guest_argv: Sequence[str], env: dict[str, str] = GUEST_ENV) -> list[str]:
    """A host command that runs guest_argv chrooted into `root` (needs native_mode() == "chroot"),
    with exactly `env` as its environment, in a private mount namespace with /proc, /dev
    and a fresh /tmp mounted inside `root`."""
    assignments = [f"{name}={value}" for name, value in env.items()]
    return [*_UNSHARE, "/bin/sh", "-c", _MOUNT_SCRIPT, "sh", os.fspath(root),
            "env", "-i", *assignments, "chroot", os.fspath(root), *guest_argv]


def run_native(guest_argv: Sequence[str], *, root: Path, host_binary: Path, input: bytes = b"",
               timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run a program natively as the guest would: guest_argv[0] is its path inside `root`,
    host_binary the same file on the host; cwd "/", environment GUEST_ENV (see native_mode)."""
    if native_mode() == "chroot":
        result = run_process(chroot_argv(root, guest_argv), cwd="/", env=GUEST_ENV, input=input,
                             timeout=timeout)
        return subprocess.CompletedProcess(list(guest_argv), result.returncode, result.stdout, result.stderr)
    return run_process(guest_argv, executable=host_binary, cwd="/", env=GUEST_ENV, input=input,
                       timeout=timeout)


def fail_on_timeout(run: Callable[[], subprocess.CompletedProcess[bytes]],
                    what: str) -> subprocess.CompletedProcess[bytes]:
    """run(), but a ProcessTimeout fails the current test with the partial output."""
    try:
        return run()
    except ProcessTimeout as exc:
        message = f"{what}: {exc.report()}"
    pytest.fail(message, pytrace=False)


def ensure_initramfs(path: Path = DEFAULT_IMAGE) -> Path:
    """The busybox root image, built if missing (`make` normally builds it first)."""
    if not path.exists():
        build_busybox_root(path)
    return path


def unpack_root(dest: Path, image: Path | None = None) -> Path:
    """Replace `dest` with the image's tree unpacked (the same layout the guest sees)."""
    if dest.exists():
        shutil.rmtree(dest)
    extract(read_cpio((image or ensure_initramfs()).read_bytes()), dest)
    return dest


def describe_status(returncode: int) -> str:
    """A wait status as a person reads it: "exit 3", "signal 11 (SIGSEGV)"."""
    if returncode >= 0:
        return f"exit {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"
    return f"signal {-returncode} ({name})"
