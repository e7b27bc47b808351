"""`pykerla run -p HOSTPORT:GUESTPORT` bridges host connections into the guest, and
`--net none` refuses (and explains) connections leaving the guest."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import threading

import pytest
from guest_server import GuestServer, connect, free_port
from harness import pykerla_run_argv

pytestmark = pytest.mark.pykerla
TIMEOUT = 60


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_bytes_both_ways_and_half_close(initramfs, pykerla_platform):
    """The client connects before the guest listens (held), sends, half-closes; the guest's
    reply and its close come back."""
    port = free_port()
    script = "sleep 0.3; nc -l -p 9000 -e tr a-z A-Z; echo guest-done"
    with GuestServer(initramfs, ["-p", f"{port}:9000", "--", "/bin/sh", "-c", script], pykerla_platform) as guest:
        with connect(port, TIMEOUT) as sock:
            sock.sendall(b"hello, pykerla\n")
            sock.shutdown(socket.SHUT_WR)
            assert read_all(sock) == b"HELLO, PYKERLA\n"
        assert guest.proc.wait(TIMEOUT) == 0
        assert "guest-done" in guest.log()


def test_large_transfer_keeps_flow_control(initramfs, pykerla_platform):
    """2 MiB through `cat` in the guest while the host sends and receives at once."""
    port = free_port()
    payload = bytes(range(256)) * (8 << 10)
    with GuestServer(initramfs, ["-p", f"{port}:9001", "--", "nc", "-l", "-p", "9001", "-e", "cat"],
                     pykerla_platform):
        with connect(port, TIMEOUT) as sock:
            def send() -> None:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
            sender = threading.Thread(target=send)
            sender.start()
            received = read_all(sock)
            sender.join(TIMEOUT)
    assert hashlib.sha256(received).hexdigest() == hashlib.sha256(payload).hexdigest()


def test_port_already_taken_fails_at_start(initramfs, pykerla_platform):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(pykerla_run_argv(initramfs, ["-p", f"{port}:80", "--", "/bin/true"], pykerla_platform),
                                capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 125
    assert result.stderr == f"pykerla: cannot publish port 127.0.0.1:{port}: Address already in use\n"


def test_net_none_refuses_and_says_why(run_pykerla):
    result = run_pykerla(["--", "/bin/sh", "-c", "echo x | nc 93.184.216.34 80; echo status=$?"])
    assert result.stdout == "status=1\n"
    assert "pykerla: guest connection to 93.184.216.34:80 refused: --net none" in result.stderr
    assert "Network is unreachable" in result.stderr
