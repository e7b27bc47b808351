"""The SSH demo: dropbear in a Debian root (mkroot + pykerla.ssh_demo), logged into from the
host's OpenSSH client through a published port, with and without a pty; then `pykerla
serve`, which boots a fresh kernel for every connection."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from guest_server import GuestServer, free_port, wait_for_log, wait_for_port
from harness import BUILD_DIR

pytestmark = pytest.mark.pykerla
TIMEOUT = 90
MISSING_TOOLS = [tool for tool in ("apt-get", "apt-cache", "dpkg-deb", "ssh", "ssh-keygen") if shutil.which(tool) is None]
DROPBEAR = ["--", "dropbear", "-F", "-E", "-p", "22"]


@pytest.fixture(scope="module")
def client_key(tmp_path_factory) -> Path:
    if MISSING_TOOLS:
        pytest.skip(f"the SSH demo needs {', '.join(MISSING_TOOLS)}")
    key = tmp_path_factory.mktemp("sshkey") / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=TIMEOUT)
    return key


@pytest.fixture(scope="module")
def ssh_root(client_key, tmp_path_factory, pykerla_platform) -> Path:
    from pykerla.ssh_demo import build_ssh_root
    return build_ssh_root(tmp_path_factory.mktemp("sshroot") / "root", [client_key.with_suffix(".pub").read_text()],
                          cache=BUILD_DIR / "deb-cache", platform=pykerla_platform, report=lambda line: None)


def ssh(key: Path, port: int, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    argv = ["ssh", "-p", str(port), "-i", str(key), "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=60", "root@127.0.0.1", *args]
    return subprocess.run(argv, input=input if input is not None else "", capture_output=True, text=True,
                          timeout=TIMEOUT)


def test_ssh_command_and_interactive_pty(ssh_root, client_key, pykerla_platform):
    port = free_port()
    with GuestServer(ssh_root, ["-p", f"{port}:22", *DROPBEAR], pykerla_platform) as guest:
        wait_for_port(port, proc=guest.proc)
        start = time.monotonic()
        result = ssh(client_key, port, "uname", "-a")
        print(f"ssh uname -a: {time.monotonic() - start:.2f} s")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Linux pykerla 6.1.0-pykerla ")
        session = ssh(client_key, port, "-tt", input="echo $((6*7)); tty; exit\n")
        assert session.returncode == 0, session.stderr
        lines = session.stdout.replace("\r", "").splitlines()
        assert "42" in lines and "/dev/pts/0" in lines, session.stdout
        assert "Pubkey auth succeeded for 'root'" in guest.log()


def test_serve_fresh_kernel_per_login_with_a_cap(ssh_root, client_key, pykerla_platform):
    port = free_port()
    args = ["--port", str(port), "--max", "1", *DROPBEAR]
    with GuestServer(ssh_root, args, pykerla_platform, serve=True) as server:
        wait_for_log(server, "listening on")
        for login in (1, 2):                       # two sequential logins, each on its own kernel
            result = ssh(client_key, port, "echo", f"login{login}", "$$")
            assert result.returncode == 0, result.stderr
            assert result.stdout.split()[0] == f"login{login}"
            wait_for_log(server, "ended (status 0)", count=login)
        with subprocess.Popen(["ssh", "-p", str(port), "-i", str(client_key), "-F", "/dev/null",
                               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                               "-o", "BatchMode=yes", "root@127.0.0.1", "sleep 60"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as busy:
            wait_for_log(server, "Pubkey auth succeeded", count=3)
            refused = ssh(client_key, port, "true")
            assert refused.returncode == 255
            assert "(--max 1)" in wait_for_log(server, "refused 127.0.0.1:")
            assert busy.poll() is None                 # the first session was open all along
            busy.terminate()
