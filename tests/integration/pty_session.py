"""Driving pykerla as a person at a terminal: `pykerla run` inside a host pseudo-terminal.

    with ConsoleSession(root, platform) as console:   # boots the image's init: `setsid -c sh -i`
        assert console.command("echo $((6*7))") == "42"
        console.send("sleep 100\\r")
        console.expect_echo("sleep 100")
        console.send(CTRL_C)
        console.expect_prompt()
        console.resize(40, 120)                       # TIOCSWINSZ on the master: pykerla gets SIGWINCH

The pykerla process is the session leader of the pty's slave side (its controlling terminal,
so the host delivers SIGWINCH to it); the test holds the master side. Every wait is for
output (expect-style), with a generous timeout that fails the test showing what was seen.
The shell's prompt is set to PROMPT through the environment, so it cannot be mistaken for
command output. Only the standard library is used (pty/os.openpty, select).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

import pytest
from harness import pykerla_run_argv

PROMPT = "pk> "
CTRL_C, CTRL_Z, ESC = "\x03", "\x1a", "\x1b"
BOOT_TIMEOUT = 90.0
EXPECT_TIMEOUT = 30.0
# Terminal queries and cursor motion the shell's line editor writes around what it echoes.
_CONTROL_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def clean(text: str) -> str:
    """Terminal output as lines of text: no escape sequences, \\r\\n as \\n."""
    return _CONTROL_SEQUENCE.sub("", text).replace("\r\n", "\n").replace("\r", "")


class ConsoleSession:
    """`pykerla run --root ROOT` on the slave side of a fresh host pty (see the module docstring)."""

    def __init__(self, root: str | os.PathLike[str], platform: str, rows: int = 24, cols: int = 200,
                 args: tuple[str, ...] = ()) -> None:
        self.master, slave = os.openpty()
        self._set_winsize(slave, rows, cols)
        argv = pykerla_run_argv(root, ["-e", f"PS1={PROMPT}", "-e", "TERM=vt100", *args], platform)
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))  # the pty becomes its ctty
        os.close(slave)
        self.seen = ""          # everything read so far (for failure reports)
        self._pending = ""      # read but not yet consumed by an expect
        try:
            self.expect_prompt(BOOT_TIMEOUT)
        except BaseException:
            self.close()
            raise

    # -- output ------------------------------------------------------------------------------
    def _read(self, deadline: float) -> bool:
        """Read what the terminal has within the deadline; False on timeout or end of output."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the slave side is closed, pykerla has exited
            data = b""
        if not data:
            return False
        text = data.decode("utf-8", errors="backslashreplace")
        self.seen += text
        self._pending += text
        return True

    def expect(self, pattern: str, timeout: float = EXPECT_TIMEOUT) -> re.Match[str]:
        """Wait until the unconsumed output matches the regular expression `pattern`; consume
        the output up to the end of the match and return the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self._pending)
            if match is not None:
                self._pending = self._pending[match.end():]
                return match
            if not self._read(deadline):
                self.fail(f"no output matching {pattern!r} within {timeout:g} s")

    def expect_prompt(self, timeout: float = EXPECT_TIMEOUT) -> str:
        """Wait for the shell's prompt; returns the output before it."""
        return self.expect(r"(?s)(.*?)" + re.escape(PROMPT), timeout).group(1)

    def expect_echo(self, line: str) -> None:
        """Wait until the line typed at the prompt has been echoed and entered."""
        self.expect(re.escape(line) + r"\r\n")

    def fail(self, message: str) -> None:
        status = self.process.poll()
        state = "still running" if status is None else f"exited with status {status}"
        pytest.fail(f"{message}; pykerla {state}; terminal output so far:\n{self.seen[-6000:]!r}",
                    pytrace=False)

    # -- input -------------------------------------------------------------------------------
    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def command(self, line: str, timeout: float = EXPECT_TIMEOUT) -> str:
        """Type a command line and Enter; return its output (cleaned, without the final newline)."""
        self.send(line + "\r")
        self.expect_echo(line)
        return clean(self.expect_prompt(timeout)).removesuffix("\n")

    # -- the terminal itself -----------------------------------------------------------------
    @staticmethod
    def _set_winsize(fd: int, rows: int, cols: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def resize(self, rows: int, cols: int) -> None:
        """Resize the terminal as a terminal emulator does: the host kernel then sends
        SIGWINCH to the pty's foreground process group, which is pykerla."""
        self._set_winsize(self.master, rows, cols)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.process.wait()
        os.close(self.master)

    def __enter__(self) -> ConsoleSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

