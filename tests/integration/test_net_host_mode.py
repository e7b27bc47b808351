"""`pykerla run --net host`: guest TCP connections and UDP datagrams to addresses outside
the guest go through host sockets. The guest reaches the host's own 127.0.0.1 as 10.0.2.2
(its 127.0.0.0/8 is its own loopback) and any other host address as itself; with
`--net none` the same fetch fails and pykerla says why."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.pykerla
PAGE = b"hello from the host\n"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(address: str, directory: str) -> Iterator[int]:
    handler = functools.partial(_Quiet, directory=directory)
    with http.server.ThreadingHTTPServer((address, 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()
            thread.join(10)


@pytest.fixture
def www(tmp_path) -> str:
    (tmp_path / "page.txt").write_bytes(PAGE)
    return str(tmp_path)


@pytest.fixture
def host_loopback_server(www) -> Iterator[int]:
    yield from _serve("127.0.0.1", www)


def _host_address() -> str | None:
    """A non-loopback IPv4 address of this host (none: None)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))     # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_wget_reaches_host_loopback_as_gateway(run_pykerla, host_loopback_server):
    port = host_loopback_server
    result = run_pykerla(["--net", "host", "--", "/bin/sh", "-c",
                          f"wget -q -O - http://10.0.2.2:{port}/page.txt; echo status=$?"])
    assert result.stdout == PAGE.decode() + "status=0\n", result.stderr


def test_wget_reaches_host_address(run_pykerla, www):
    address = _host_address()
    if address is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    for port in _serve(address, www):
        result = run_pykerla(["--net", "host", "--", "/bin/sh", "-c",
                              f"wget -q -O - http://{address}:{port}/page.txt; echo status=$?"])
        assert result.stdout == PAGE.decode() + "status=0\n", result.stderr


def test_refused_port_is_reported(run_pykerla):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]      # bound, never listening: connections are refused
        result = run_pykerla(["--net", "host", "--", "/bin/sh", "-c",
                              f"wget -q -O - http://10.0.2.2:{port}/; echo status=$?"])
    assert result.stdout == "status=1\n"
    assert "Connection refused" in result.stderr


def test_net_none_cannot_fetch(run_pykerla, host_loopback_server):
    port = host_loopback_server
    result = run_pykerla(["--", "/bin/sh", "-c", f"wget -q -O - http://10.0.2.2:{port}/page.txt; echo status=$?"])
    assert result.stdout == "status=1\n"
    assert f"pykerla: guest connection to 10.0.2.2:{port} refused: --net none" in result.stderr
    assert "Network is unreachable" in result.stderr
