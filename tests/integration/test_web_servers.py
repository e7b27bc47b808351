"""Web servers inside pykerla, fetched from the host through a published port: busybox
httpd in the default image, `python3 -m http.server` and a Node.js http server (Kerla's
demo) in Debian roots built by mkroot (downloads cached in build/deb-cache)."""

from __future__ import annotations

import http.client
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from guest_server import GuestServer, free_port, wait_for_port
from harness import BUILD_DIR

pytestmark = pytest.mark.pykerla
TIMEOUT = 60
MISSING_TOOLS = [tool for tool in ("apt-get", "apt-cache", "dpkg-deb") if shutil.which(tool) is None]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        assert response.status == 200
        return response.read()


def test_busybox_httpd(initramfs, pykerla_platform):
    port = free_port()
    script = "mkdir -p /www && echo '<h1>hello from pykerla</h1>' > /www/index.html && exec httpd -f -p 8080 -h /www"
    with GuestServer(initramfs, ["-p", f"{port}:8080", "--", "/bin/sh", "-c", script], pykerla_platform) as guest:
        wait_for_port(port, proc=guest.proc)
        assert fetch(f"http://127.0.0.1:{port}/") == b"<h1>hello from pykerla</h1>\n"
        start = time.monotonic()
        assert fetch(f"http://127.0.0.1:{port}/index.html") == b"<h1>hello from pykerla</h1>\n"
        print(f"busybox httpd: page fetched in {(time.monotonic() - start) * 1000:.0f} ms")


@pytest.fixture(scope="module")
def python_root(tmp_path_factory) -> Path:
    if MISSING_TOOLS:
        pytest.skip(f"mkroot needs {', '.join(MISSING_TOOLS)}")
    from pykerla.mkroot.build import build_root
    root = build_root(["python3"], tmp_path_factory.mktemp("pyroot") / "root", cache=BUILD_DIR / "deb-cache",
                      report=lambda message: None)
    www = root / "srv/www"
    www.mkdir(parents=True)
    (www / "page.txt").write_text("served by python3 on pykerla\n")
    return root


def test_python_http_server(python_root, pykerla_platform):
    port = free_port()
    args = ["-p", f"{port}:8000", "--workdir", "/srv/www", "--", "python3", "-m", "http.server", "8000"]
    with GuestServer(python_root, args, pykerla_platform) as guest:
        wait_for_port(port, proc=guest.proc)
        assert fetch(f"http://127.0.0.1:{port}/page.txt") == b"served by python3 on pykerla\n"
        start = time.monotonic()
        listing = fetch(f"http://127.0.0.1:{port}/")
        print(f"python3 http.server: listing fetched in {(time.monotonic() - start) * 1000:.0f} ms")
        assert b'<a href="page.txt">page.txt</a>' in listing
        assert '"GET /page.txt HTTP/1.1" 200' in guest.log()


@pytest.fixture(scope="module")
def node_root(tmp_path_factory) -> Path:
    """A Debian root with nodejs (about 130 MB), built once for this module."""
    if MISSING_TOOLS:
        pytest.skip(f"mkroot needs {', '.join(MISSING_TOOLS)}")
    from pykerla.mkroot.build import build_root
    from pykerla.mkroot.errors import EXIT_FAILURE, MkrootError
    start = time.monotonic()
    try:
        root = build_root(["nodejs"], tmp_path_factory.mktemp("noderoot") / "root", cache=BUILD_DIR / "deb-cache",
                          report=lambda message: None)
    except MkrootError as e:
        if e.status != EXIT_FAILURE:
            raise
        print(f"nodejs root not built, apt failed: {e}")    # apt or the network is unavailable
        pytest.skip(f"cannot build a nodejs root: {e}")
    print(f"nodejs root built in {time.monotonic() - start:.1f} s")
    return root


def test_node_eval(node_root, run_pykerla):
    start = time.monotonic()
    result = run_pykerla(["--", "node", "-e", "console.log(process.version.startsWith('v'), 1 + 1)"],
                         root=node_root)
    print(f"node -e: {time.monotonic() - start:.2f} s")
    assert (result.returncode, result.stdout) == (0, "true 2\n"), result.stderr
    assert "unimplemented syscall" not in result.stderr


NODE_SERVER = "require('http').createServer((q, r) => r.end('hello from node\\n')).listen(8080)"


def keep_alive_get(connection: http.client.HTTPConnection, path: str) -> float:
    """GET `path` on an open connection, check node's answer; returns the latency in s."""
    begin = time.monotonic()
    connection.request("GET", path)
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"hello from node\n")
    assert response.getheader("Connection") == "keep-alive"
    return time.monotonic() - begin


def test_node_http_server(node_root, pykerla_platform):
    port = free_port()
    start = time.monotonic()
    with GuestServer(node_root, ["-p", f"{port}:8080", "--", "node", "-e", NODE_SERVER], pykerla_platform) as guest:
        wait_for_port(port, proc=guest.proc)
        assert fetch(f"http://127.0.0.1:{port}/") == b"hello from node\n"   # urllib: Connection: close
        first = time.monotonic() - start
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            latencies = [keep_alive_get(connection, "/a")]
            sock = connection.sock
            latencies.append(keep_alive_get(connection, "/b"))
            assert connection.sock is sock                              # the same connection served both
        finally:
            connection.close()
        print(f"node http server on {pykerla_platform}: first response {first:.2f} s after start, "
              f"keep-alive requests {', '.join(f'{t * 1000:.1f}' for t in latencies)} ms")
