"""What an installed Debian root has beyond the packages' data: the work of the installer and
of the maintainer scripts mkroot does not run.

`configure_root(root)`:
- creates the mount points and runtime directories (/dev /proc /sys /tmp /run /run/lock
  /root /home) with Debian's modes, and /var/run -> /run, /var/lock -> /run/lock;
- writes /etc/passwd, /etc/group (root, daemon, bin, sys, nobody and a few base groups, as
  base-passwd's master files have them; root's shell is bash when the root has it),
  /etc/nsswitch.conf, /etc/hosts, /etc/hostname and /etc/ld.so.conf, each only when no
  package shipped one;
- copies base-files' defaults (/etc/profile, /root/.profile, /root/.bashrc) as its
  postinst would;
- builds /etc/ld.so.cache with the host's `ldconfig -r ROOT` (chroot, so only as root;
  without a cache the dynamic loader still finds libraries in its default directories).
Returns the warnings it has for the user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pykerla.image.busybox_root import HOSTNAME

# (path, mode), parents first.
DIRECTORIES = (("dev", 0o755), ("proc", 0o555), ("sys", 0o555), ("tmp", 0o1777), ("run", 0o755),
               ("run/lock", 0o1777), ("root", 0o700), ("home", 0o755), ("etc", 0o755), ("var", 0o755))
RUNTIME_LINKS = (("var/run", "/run"), ("var/lock", "/run/lock"))

PASSWD = """\
root:x:0:0:root:/root:{shell}
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
"""
GROUP = """\
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
staff:x:50:
users:x:100:
nogroup:x:65534:
"""
NSSWITCH = """\
passwd:         files
group:          files
shadow:         files
gshadow:        files
hosts:          files dns
networks:       files
protocols:      files
services:       files
ethers:         files
rpc:            files
"""
HOSTS = f"""\
127.0.0.1\tlocalhost
127.0.1.1\t{HOSTNAME}
::1\tlocalhost ip6-localhost ip6-loopback
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
"""
LD_SO_CONF = "include /etc/ld.so.conf.d/*.conf\n"
BASE_FILES_DEFAULTS = (("dot.profile", "root/.profile"), ("dot.bashrc", "root/.bashrc"),
                       ("profile", "etc/profile"))


LOGIN_SHELLS = ("sh", "dash", "bash", "rbash", "zsh", "fish")

def _write_new(path: Path, text: str, mode: int = 0o644) -> None:
    if not os.path.lexists(path):
        path.write_text(text)
        path.chmod(mode)


def _make_directories(root: Path) -> None:
    for name, mode in DIRECTORIES:
        path = root / name
        if not path.is_symlink():
            path.mkdir(exist_ok=True)
            path.chmod(mode)
    for name, target in RUNTIME_LINKS:
        path = root / name
        if path.is_symlink():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        os.symlink(target, path)


def _write_etc(root: Path) -> None:
    etc = root / "etc"
    shell = "/bin/bash" if os.path.lexists(root / "usr/bin/bash") else "/bin/sh"
    _write_new(etc / "passwd", PASSWD.format(shell=shell))
    _write_new(etc / "group", GROUP)
    _write_new(etc / "nsswitch.conf", NSSWITCH)
    _write_new(etc / "hosts", HOSTS)
    _write_new(etc / "hostname", f"{HOSTNAME}\n")
    _write_new(etc / "ld.so.conf", LD_SO_CONF)
    _write_new(etc / "shells", shells_file(root))
    defaults = root / "usr/share/base-files"
    for source, dest in BASE_FILES_DEFAULTS:
        if (defaults / source).is_file() and not os.path.lexists(root / dest):
            shutil.copy2(defaults / source, root / dest)


def shells_file(root: Path) -> str:
    """/etc/shells as the shells' postinst scripts (add-shell) would leave it: each login
    shell present, under /bin and /usr/bin (login programs such as dropbear refuse others)."""
    lines = ["# /etc/shells: valid login shells"]
    for name in LOGIN_SHELLS:
        if os.path.lexists(root / "usr/bin" / name):
            lines += [f"/bin/{name}", f"/usr/bin/{name}"]
    return "\n".join(lines) + "\n"


def build_ld_cache(root: Path) -> str | None:
    """Run `ldconfig -r root`; return a warning when it cannot run."""
    ldconfig = shutil.which("ldconfig") or ("/sbin/ldconfig" if os.access("/sbin/ldconfig", os.X_OK) else None)
    if ldconfig is None:
        return "ldconfig not found: no /etc/ld.so.cache (ld.so searches its default directories)"
    if os.geteuid() != 0:
        return "not root, so `ldconfig -r` cannot chroot: no /etc/ld.so.cache (ld.so searches its default directories)"
    result = subprocess.run([ldconfig, "-r", os.fspath(root)], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        return f"ldconfig -r failed: {result.stderr.strip()}"
    return None


def configure_root(root: Path) -> list[str]:
    """Add directories, /etc files and the loader cache to an unpacked, merged root."""
    _make_directories(root)
    _write_etc(root)
    warning = build_ld_cache(root)
    return [warning] if warning else []
