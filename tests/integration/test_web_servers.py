"""Web servers inside pykerla, fetched from the host through a published port: busybox
httpd in the default image, and `python3 -m http.server` in a Debian root built by mkroot
(downloads cached in build/deb-cache)."""

from __future__ import annotations

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
