"""Assemble a kernel from options: platform, root file system, console, and pid 1."""

from __future__ import annotations

import errno
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pykerla.errors import KernelError
from pykerla.fs.context import FsContext
from pykerla.fs.fdtable import FdTable
from pykerla.fs import proc as _procfs  # noqa: F401 - registers the "proc" file system type
from pykerla.fs.namei import lookup
from pykerla.fs.rootfs import build_root, mount_proc
from pykerla.kernel import DeadlockError, Kernel
from pykerla.mm.vdso import Vdso
from pykerla.net.host import HostNetwork, NoNetwork
from pykerla.net.namespace import kernel_net
from pykerla.net.publish import PortPublisher, PortSpec, PublishError, trace_log
from pykerla.platform.base import Platform, PlatformError
from pykerla.process.exec import do_execve
from pykerla.syscalls import all as _all_syscalls  # noqa: F401 - registers the handlers
from pykerla.tty.console import make_console

GUEST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class BootOptions:
    root: str
    command: list[str] = field(default_factory=list)
    platform: str = "auto"
    memory: int = 512 << 20
    trace: bool = False
    stats: bool = False
    env: list[str] = field(default_factory=list)
    workdir: str = "/"
    publish: list[PortSpec] = field(default_factory=list)  # -p: host ports bridged to guest ports
    net: str = "none"
    serve_fd: int | None = None   # `pykerla serve`: a connected host socket bridged to serve_port;
    serve_port: int = 22          # the kernel stops when that connection ends
    vdso: bool = True             # map a vDSO into programs (clock_gettime & co. without a trap)


class BootError(Exception):
    """The kernel could not be started (the message says why, in one line)."""


def make_platform(name: str, memory: int) -> Platform:
    """KVM when asked, or for "auto" when its self-test passes; else the Unicorn emulator."""
    if name not in ("auto", "kvm", "unicorn"):
        raise BootError(f"unknown platform {name!r} (choose auto, kvm or unicorn)")
    kvm_error = None
    if name in ("auto", "kvm"):
        from pykerla.platform.kvm import KvmPlatform
        try:
            return KvmPlatform(memory)
        except PlatformError as e:
            if name == "kvm":
                raise BootError(f"KVM is not usable: {e}") from None
            kvm_error = e
    from pykerla.platform.unicorn import UnicornPlatform
    try:
        return UnicornPlatform(memory)
    except PlatformError as e:
        if kvm_error is not None:
            raise BootError(f"no usable platform: KVM: {kvm_error}; Unicorn: {e}") from None
        raise BootError(f"Unicorn is not usable: {e}") from None


def guest_environment(options: BootOptions) -> list[bytes]:
    env = {"PATH": GUEST_PATH, "HOME": "/root", "TERM": os.environ.get("TERM", "dumb")}
    for item in options.env:
        name, sep, value = item.partition("=")
        if not sep:
            if name in os.environ:
                env[name] = os.environ[name]
            continue
        env[name] = value
    return [f"{k}={v}".encode() for k, v in env.items()]


def _resolve_command(task, command: str) -> bytes:  # noqa: ANN001
    """Like a shell (and docker): a command without '/' is searched in the guest's PATH."""
    if "/" in command:
        return command.encode()
    for directory in GUEST_PATH.split(":"):
        candidate = f"{directory}/{command}".encode()
        try:
            lookup(task, candidate)
            return candidate
        except KernelError:
            continue
    raise BootError(f"{command}: command not found in the guest's PATH")


def boot(options: BootOptions) -> int:
    """Run the guest; returns the host exit status (128+N when pid 1 was killed by signal N)."""
    if not Path(options.root).exists():
        raise BootError(f"root file system {options.root!r} does not exist (run `make` to build the default one)")
    try:
        publisher = PortPublisher(options.publish, log=trace_log if options.trace else None)
    except PublishError as e:
        raise BootError(str(e)) from None
    platform = make_platform(options.platform, options.memory)
    kernel = Kernel(platform, trace=options.trace)
    kernel_net(kernel).uplink = HostNetwork(kernel.scheduler) if options.net == "host" else NoNetwork()
    publisher.attach(kernel)
    if options.serve_fd is not None:
        publisher.on_bridge_closed = lambda: kernel.finish(0)
        publisher.adopt(socket.socket(fileno=options.serve_fd), options.serve_port)
    vdso_status = "vDSO disabled (--no-vdso)"
    if options.vdso:
        kernel.vdso, vdso_status = Vdso.create(kernel)
    if options.trace:
        print(f"pykerla: platform {platform.describe()}", file=sys.stderr)
        print(f"pykerla: {vdso_status}", file=sys.stderr)
    try:
        namespace = build_root(options.root)
    except (ValueError, OSError) as e:
        raise BootError(f"cannot load root file system {options.root}: {e}") from None
    kernel.mounts = namespace
    if Path(options.root).is_dir():  # a host tree: show the guest's /proc, not the host's
        mount_proc(namespace, kernel)
    init = kernel.new_init()
    group = init.group
    group.fs = FsContext(namespace.root)
    try:
        group.fs.cwd = lookup(init, options.workdir.encode())
    except KernelError as e:
        raise BootError(f"--workdir {options.workdir}: {os.strerror(e.errno)}") from None
    group.files = FdTable()
    kernel.lifecycle.get_files(group.files)
    for fd, file in enumerate(make_console(kernel)):
        group.files.install_at(fd, file)
    if options.command:
        argv = [a.encode() for a in options.command]
        path = _resolve_command(init, options.command[0])
    else:
        path = b"/sbin/init"
        try:
            lookup(init, path)
        except KernelError:
            path = b"/bin/sh"
        argv = [path]
    try:
        do_execve(init, path, argv, guest_environment(options))
    except KernelError as e:
        reason = os.strerror(e.errno)
        if e.errno == errno.ENOEXEC:
            reason = f"not an executable format ({e})"
        raise BootError(f"cannot execute {path.decode(errors='replace')}: {reason}") from None
    kernel.scheduler.add(init)
    try:
        status = kernel.run()
    except DeadlockError as e:
        raise BootError(f"guest deadlock: {e}") from None
    finally:
        if options.stats:
            kernel.stats.report(sys.stderr, {
                "platform": platform.describe(),
                "context switches": kernel.scheduler.context_switches,
                "vcpu exits": kernel.vcpu.exits,
                "tlb flushes": kernel.vcpu.flushes,
                "vdso": vdso_status,
            })
    if status & 0x7F:
        return 128 + (status & 0x7F)
    return (status >> 8) & 0xFF
