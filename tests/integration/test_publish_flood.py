"""A burst of host connections to a published port: 2,000 connections opened at once
(more than the guest's accept queue and the host listener's backlog take) and closed
again; the kernel survives and the guest server still answers a normal request."""

from __future__ import annotations

import resource
import select
import socket
import time
import urllib.request

import pytest
from guest_server import GuestServer, free_port, wait_for_port

pytestmark = pytest.mark.pykerla
CONNECTIONS = 2000
TIMEOUT = 60
MAX_GROWTH_KIB = 64 << 10    # the kernel process (guest RAM included) may grow by 64 MiB at most


@pytest.fixture
def enough_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = CONNECTIONS + 256
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {want}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _wait_connected(socks: list[socket.socket], deadline: float) -> int:
    """Wait (until `deadline`) for the connects to complete; how many did."""
    pending = {sock.fileno(): sock for sock in socks}
    done = 0
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLOUT)
    while pending and time.monotonic() < deadline:
        for fd, _events in poller.poll(100):
            sock = pending.pop(fd)
            poller.unregister(fd)
            done += sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    return done


def test_connection_burst_then_normal_request(initramfs, pykerla_platform, enough_fds):
    port = free_port()
    script = "mkdir -p /www && echo still serving > /www/index.html && exec httpd -f -p 8080 -h /www"
    with GuestServer(initramfs, ["-p", f"{port}:8080", "--", "/bin/sh", "-c", script], pykerla_platform) as guest:
        wait_for_port(port, proc=guest.proc)
        rss_before = _rss_kib(guest.proc.pid)
        start = time.monotonic()
        burst = []
        for _ in range(CONNECTIONS):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            burst.append(sock)
        connected = _wait_connected(burst, deadline=time.monotonic() + 10)
        for sock in burst:
            sock.close()
        opened = time.monotonic() - start
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=TIMEOUT) as response:
            assert response.read() == b"still serving\n"
        assert guest.proc.poll() is None
        grown = _rss_kib(guest.proc.pid) - rss_before
        assert grown < MAX_GROWTH_KIB, f"the kernel grew by {grown} KiB"
        print(f"{connected} of {CONNECTIONS} connections established, closed after {opened:.1f} s; "
              f"normal request answered after {time.monotonic() - start:.1f} s; kernel grew by {grown} KiB")
