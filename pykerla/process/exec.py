"""execve: find the program, follow `#!` interpreters, load the ELF into a fresh address
space, and replace the calling process image (registers, signals, close-on-exec files).

Everything that can fail happens before the point of no return, so a failed execve leaves
the caller untouched.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

from pykerla.errors import KernelError
from pykerla.fs.file import backing_of
from pykerla.fs.namei import lookup
from pykerla.mm.address_space import AddressSpace
from pykerla.platform.base import NREGS, RFLAGS, RFLAGS_DEFAULT, RIP, RSP
from pykerla.process.binfmt_script import parse_script
from pykerla.process.elf import load_elf
from pykerla.process.exec_stack import build_initial_stack

if TYPE_CHECKING:
    from pykerla.process.task import Task

MAX_INTERPRETER_DEPTH = 4
S_IFMT, S_IFREG = 0o170000, 0o100000


def open_executable(task: Task, path: bytes):  # noqa: ANN201 - returns the VFS Backing
    """Resolve `path` for execution: a regular file the caller may execute."""
    dentry = lookup(task, path, follow=True)
    inode = dentry.inode
    if inode.mode & S_IFMT != S_IFREG:
        raise KernelError(errno.EACCES)
    if not _may_exec(task, inode):
        raise KernelError(errno.EACCES)
    return dentry, backing_of(dentry)


def _may_exec(task: Task, inode) -> bool:  # noqa: ANN001
    mode = inode.mode
    if task.creds.euid == 0:
        return bool(mode & 0o111)
    if task.creds.euid == inode.uid:
        return bool(mode & 0o100)
    if inode.gid == task.creds.egid or inode.gid in task.creds.groups:
        return bool(mode & 0o010)
    return bool(mode & 0o001)


def do_execve(task: Task, path: bytes, argv: list[bytes], envp: list[bytes]) -> None:
    kernel = task.kernel
    filename = path
    for _depth in range(MAX_INTERPRETER_DEPTH + 1):
        dentry, backing = open_executable(task, path)
        head = backing.pread(0, 256)
        script = parse_script(head)
        if script is None:
            break
        interp, arg = script
        argv = [interp] + ([arg] if arg is not None else []) + [path] + argv[1:]
        path = interp
    else:
        raise KernelError(errno.ELOOP)
    mm = AddressSpace(kernel.phys, kernel.platform.kernel_pml4_entries)
    try:
        image = load_elf(mm, backing, lambda p: open_executable(task, p.encode() if isinstance(p, str) else p)[1])
        vdso = kernel.vdso.map_into(mm) if kernel.vdso is not None else 0
        creds = task.creds
        sp = build_initial_stack(mm, argv, envp, image, filename,
                                 (creds.uid, creds.euid, creds.gid, creds.egid),
                                 kernel.hwcap, os.urandom(16), sysinfo_ehdr=vdso)
    except BaseException:
        mm.release()
        raise
    # Point of no return.
    group = task.group
    kernel.lifecycle.de_thread(task)
    old_mm = group.mm
    group.mm = mm
    kernel.lifecycle.get_mm(mm)
    if old_mm is not None:
        group.maxrss = max(group.maxrss, old_mm.hiwater_rss)
        kernel.lifecycle.put_mm(old_mm)
    kernel.lifecycle.release_vfork(group)
    group.did_exec = True
    kernel.timers.forget_group(group, posix_only=True)   # POSIX timers die with the old image
    group.files.close_on_exec()
    group.sighand = group.sighand.copy()
    group.sighand.reset_for_exec()
    group.comm = os.path.basename(filename)[:15]
    group.exe_path = kernel.path_of(dentry)
    group.cmdline = list(argv)
    group.environ = list(envp)
    task.altstack = (0, 2, 0)
    task.clear_child_tid = 0
    ctx = task.ctx
    for i in range(NREGS):
        ctx.regs[i] = 0
    ctx.regs[RIP] = image.entry
    ctx.regs[RSP] = sp
    ctx.regs[RFLAGS] = RFLAGS_DEFAULT
    ctx.fs_base = 0
    ctx.gs_base = 0
    ctx.cr3 = mm.root
    kernel.vcpu.load_fpu(ctx, kernel.vcpu.initial_fpu)
