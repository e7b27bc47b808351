"""Guests that serve the host: pykerla (or `pykerla serve`) running in the background with
published ports, for tests/integration/test_publish.py, test_web_servers.py and test_ssh_demo.py.

    with GuestServer(root, ["-p", f"{port}:8080", "--", "httpd", ...], platform) as guest:
        connect_when_listening(port)   # the host port is open as soon as the kernel starts

free_port() picks an unused host port; GuestServer stops the whole process group on exit
and shows the guest's stderr when a test fails; wait_for_port() polls until a host port
accepts connections (published ports hold a connection until the guest listens, so that
is enough for readiness).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence

from harness import pykerla_command, pykerla_run_argv

STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = STARTUP_TIMEOUT, proc: subprocess.Popen | None = None) -> None:
    """Poll until 127.0.0.1:port accepts a connection (AssertionError on timeout or when
    `proc` exits first)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited with status {proc.returncode} before listening on {port}")
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")
        time.sleep(0.05)


def connect(port: int, timeout: float = STARTUP_TIMEOUT) -> socket.socket:
    """A connection to a published port (retried until the kernel has opened it)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=timeout)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class GuestServer:
    """A background `pykerla run` (or, with serve=True, `pykerla serve`)."""

    def __init__(self, root: str | os.PathLike[str], args: Sequence[str], platform: str, *,
                 serve: bool = False) -> None:
        if serve:
            self.argv = [*pykerla_command(), "serve", "--root", os.fspath(root), "--platform", platform, *args]
        else:
            self.argv = pykerla_run_argv(root, list(args), platform)
        self.stderr = tempfile.TemporaryFile()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> GuestServer:
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr,
                                     start_new_session=True)
        return self

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="backslashreplace")

    def stop(self, timeout: float = 10.0) -> int | None:
        """Terminate the process group; returns the exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # anything it left behind
        except (ProcessLookupError, PermissionError):
            pass
        return self.proc.returncode

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        self.stop()
        if exc is not None:
            print(f"--- {' '.join(self.argv)}: output ---\n{self.log()[-6000:]}")
        self.stderr.close()


def wait_for_log(server: GuestServer, text: str, count: int = 1, timeout: float = STARTUP_TIMEOUT) -> str:
    """Poll the server's output until `text` appears `count` times; returns the output."""
    deadline = time.monotonic() + timeout
    while True:
        log = server.log()
        if log.count(text) >= count:
            return log
        if server.proc is not None and server.proc.poll() is not None:
            raise AssertionError(f"server exited with status {server.proc.returncode}; output:\n{log}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear {count} time(s) in {timeout:g} s; output:\n{log}")
        time.sleep(0.05)
