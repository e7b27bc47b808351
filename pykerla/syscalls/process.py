"""Process system calls: clone/fork/vfork, execve, exit, wait, ids, process groups, limits, TLS."""

from __future__ import annotations

import errno
import struct
import time

from pykerla.errors import KernelError
from pykerla.process.exec import do_execve
from pykerla.process.lifecycle import (
    CLONE_CLEAR_SIGHAND, CLONE_DETACHED, CLONE_INTO_CGROUP, CLONE_PARENT, CLONE_SIGHAND, CLONE_THREAD,
    CLONE_VFORK, CLONE_VM, CSIGNAL, P_ALL, P_PGID, P_PID, WCONTINUED, WEXITED, WNOHANG, WNOWAIT, WSTOPPED,
    WUNTRACED,
)
from pykerla.process.signal_state import SIGCHLD
from pykerla.process.task import Task
from pykerla.process.wait_queue import WouldBlock
from pykerla.syscalls.table import syscall

ARG_MAX_STRINGS = 0x7FFFFFFF // 8
MAX_ARG_STRLEN = 32 * 4096   # Linux: one argument or environment string at most 32 pages


def read_string_array(task: Task, addr: int) -> list[bytes]:
    """A NULL-terminated array of C strings (argv, envp)."""
    items: list[bytes] = []
    if addr == 0:
        return items
    while True:
        ptr = struct.unpack("<Q", task.mm.read(addr + 8 * len(items), 8))[0]
        if ptr == 0:
            return items
        try:
            items.append(task.mm.read_cstring(ptr, MAX_ARG_STRLEN))
        except KernelError as e:
            raise KernelError(errno.E2BIG if e.errno == errno.ENAMETOOLONG else e.errno) from None
        if len(items) > ARG_MAX_STRINGS:
            raise KernelError(errno.E2BIG)


def _do_clone(task: Task, flags: int, newsp: int, parent_tid: int, child_tid: int, tls: int,
              set_tid: int = 0) -> int:
    scratch = task.syscall_scratch
    if "vfork_child" in scratch:
        child = scratch["vfork_child"]
    else:
        tid = task.kernel.lifecycle.clone(task, flags, newsp, parent_tid, child_tid, tls, set_tid)
        child = scratch.get("vfork_child")
        if child is None:
            return tid
    if child.vfork_done is not None:
        raise WouldBlock((child.vfork_done,), interruptible=False)
    return child.tgid


@syscall(56, "clone", "x", "p", "p", "p", "p")
def sys_clone(task: Task, flags: int, newsp: int, parent_tid: int, child_tid: int, tls: int) -> int:
    return _do_clone(task, flags & 0xFFFFFFFF, newsp, parent_tid, child_tid, tls)   # clone3-only flags are higher


@syscall(57, "fork")
def sys_fork(task: Task) -> int:
    return _do_clone(task, SIGCHLD, 0, 0, 0, 0)


@syscall(58, "vfork")
def sys_vfork(task: Task) -> int:
    return _do_clone(task, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0)


CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER2 = 64, 88   # struct clone_args without / with .cgroup
PAGE_SIZE = 4096
PID_MAX = 4194304
MAX_PID_NS_LEVEL = 32


def _clone3_set_tid(task: Task, ptr: int, count: int) -> int:
    """The TID asked for by clone_args.set_tid (0: any). One pid namespace level exists."""
    if not count:
        return 0
    tids = struct.unpack(f"<{count}i", task.mm.read(ptr, 4 * count))
    if count > 1 or not 1 <= tids[0] < PID_MAX:
        raise KernelError(errno.EINVAL)
    if task.creds.euid != 0:
        raise KernelError(errno.EPERM)
    return tids[0]


@syscall(435, "clone3", "p", "u")
def sys_clone3(task: Task, args: int, size: int) -> int:
    if "vfork_child" in task.syscall_scratch:       # a CLONE_VFORK parent waking up
        return _do_clone(task, 0, 0, 0, 0, 0)
    if size > PAGE_SIZE:
        raise KernelError(errno.E2BIG)
    if size < CLONE_ARGS_SIZE_VER0:
        raise KernelError(errno.EINVAL)
    raw = task.mm.read(args, size)
    if any(raw[CLONE_ARGS_SIZE_VER2:]):
        raise KernelError(errno.E2BIG)
    (flags, _pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid_ptr, set_tid_size,
     cgroup) = struct.unpack("<11Q", raw[:CLONE_ARGS_SIZE_VER2].ljust(CLONE_ARGS_SIZE_VER2, b"\0"))
    if set_tid_size > MAX_PID_NS_LEVEL or bool(set_tid_ptr) != bool(set_tid_size):
        raise KernelError(errno.EINVAL)
    if exit_signal & ~CSIGNAL or exit_signal > 64:
        raise KernelError(errno.EINVAL)
    if flags & CLONE_INTO_CGROUP and (cgroup > 0x7FFFFFFF or size < CLONE_ARGS_SIZE_VER2):
        raise KernelError(errno.EINVAL)
    set_tid = _clone3_set_tid(task, set_tid_ptr, set_tid_size)
    if (flags & ~(0xFFFFFFFF | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP) or flags & (CLONE_DETACHED | CSIGNAL)
            or flags & CLONE_SIGHAND and flags & CLONE_CLEAR_SIGHAND
            or flags & (CLONE_THREAD | CLONE_PARENT) and exit_signal
            or bool(stack) != bool(stack_size)):
        raise KernelError(errno.EINVAL)
    if flags & CLONE_INTO_CGROUP:
        raise KernelError(errno.EBADF)      # no cgroup hierarchy: no fd names a cgroup
    newsp = stack + stack_size if stack else 0
    return _do_clone(task, flags | exit_signal, newsp, parent_tid, child_tid, tls, set_tid)


@syscall(59, "execve", "s", "p", "p")
def sys_execve(task: Task, path: int, argv: int, envp: int) -> int:
    filename = task.mm.read_cstring(path, 4096)
    do_execve(task, filename, read_string_array(task, argv), read_string_array(task, envp))
    return 0


@syscall(322, "execveat", "dirfd", "s", "p", "p", "x")
def sys_execveat(task: Task, dirfd: int, path: int, argv: int, envp: int, flags: int) -> int:
    filename = task.mm.read_cstring(path, 4096)
    if dirfd != -100 and not filename.startswith(b"/"):
        raise KernelError(errno.ENOSYS)
    do_execve(task, filename, read_string_array(task, argv), read_string_array(task, envp))
    return 0


@syscall(60, "exit", "i")
def sys_exit(task: Task, code: int) -> int:
    task.kernel.tracer.exit(task, (code & 0xFF) << 8)
    task.kernel.lifecycle.exit_task(task, code)
    return 0


@syscall(231, "exit_group", "i")
def sys_exit_group(task: Task, code: int) -> int:
    task.kernel.tracer.exit(task, (code & 0xFF) << 8)
    task.kernel.lifecycle.exit_group(task.group, code)
    return 0


def _rusage(utime: float, stime: float, maxrss_pages: int) -> bytes:
    """struct rusage (144 bytes): the two times, ru_maxrss in KiB, and zeros for what is not counted."""
    def tv(seconds: float) -> bytes:
        return struct.pack("<qq", int(seconds), int((seconds % 1) * 1e6))
    return tv(utime) + tv(stime) + struct.pack("<q", maxrss_pages * 4) + bytes(144 - 40)


@syscall(61, "wait4", "i", "p", "x", "p")
def sys_wait4(task: Task, pid: int, status_ptr: int, options: int, rusage: int) -> int:
    if options & ~(WNOHANG | WUNTRACED | WCONTINUED | 0x20000000 | 0x40000000 | 0x80000000):
        raise KernelError(errno.EINVAL)
    if pid == -1:
        idtype, ident = P_ALL, 0
    elif pid > 0:
        idtype, ident = P_PID, pid
    else:
        idtype, ident = P_PGID, (task.group.pgid if pid == 0 else -pid)
    found = task.kernel.lifecycle.wait(task, idtype, ident, options | WEXITED)
    if found is None:
        return 0
    child, status, _code = found
    if status_ptr:
        task.mm.write(status_ptr, struct.pack("<i", status))
    if rusage:
        task.mm.write(rusage, _rusage(child.utime, child.stime, child.reaped_maxrss()))
    return child.tgid


@syscall(247, "waitid", "i", "i", "p", "x", "p")
def sys_waitid(task: Task, idtype: int, ident: int, infop: int, options: int, rusage: int) -> int:
    if options & ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | 0x20000000 | 0x40000000 | 0x80000000) \
            or not options & (WEXITED | WSTOPPED | WCONTINUED):
        raise KernelError(errno.EINVAL)
    if idtype == P_ALL:
        ident = 0
    elif idtype == P_PGID and ident == 0:
        ident = task.group.pgid
    elif idtype not in (P_PID, P_PGID) or ident <= 0:
        raise KernelError(errno.EINVAL)
    found = task.kernel.lifecycle.wait(task, idtype, ident, options)
    info = bytearray(128)
    if found is not None:
        child, status, code = found
        value = status >> 8 if code in (1, 5) else (status & 0x7F if code in (2, 3) else SIGCHLD + 1)
        if code == 6:
            value = 18  # SIGCONT
        struct.pack_into("<iiiiiIi", info, 0, SIGCHLD, 0, code, 0, child.tgid, child.creds.uid, value)
        if rusage:
            task.mm.write(rusage, _rusage(child.utime, child.stime, child.reaped_maxrss()))
    if infop:
        task.mm.write(infop, bytes(info))
    return 0


@syscall(39, "getpid")
def sys_getpid(task: Task) -> int:
    return task.tgid


@syscall(186, "gettid")
def sys_gettid(task: Task) -> int:
    return task.tid


@syscall(110, "getppid")
def sys_getppid(task: Task) -> int:
    parent = task.group.parent
    return parent.tgid if parent is not None else 0


def _find_group(task: Task, pid: int):  # noqa: ANN202
    if pid == 0:
        return task.group
    group = task.kernel.groups.get(pid)
    if group is None or group.zombie and pid != task.tgid:
        raise KernelError(errno.ESRCH)
    return group


@syscall(109, "setpgid", "i", "i")
def sys_setpgid(task: Task, pid: int, pgid: int) -> int:
    if pgid < 0:
        raise KernelError(errno.EINVAL)
    group = _find_group(task, pid)
    if group is not task.group and group.parent is not task.group:
        raise KernelError(errno.ESRCH)
    if group.sid == group.tgid:
        raise KernelError(errno.EPERM)
    if group is not task.group and group.sid != task.group.sid:
        raise KernelError(errno.EPERM)
    if group is not task.group and group.did_exec:
        raise KernelError(errno.EACCES)
    pgid = pgid or group.tgid
    if pgid != group.tgid and not any(g.pgid == pgid and g.sid == group.sid
                                      for g in task.kernel.groups.values()):
        raise KernelError(errno.EPERM)
    group.pgid = pgid
    return 0


@syscall(121, "getpgid", "i")
def sys_getpgid(task: Task, pid: int) -> int:
    return _find_group(task, pid).pgid


@syscall(111, "getpgrp")
def sys_getpgrp(task: Task) -> int:
    return task.group.pgid


@syscall(112, "setsid")
def sys_setsid(task: Task) -> int:
    group = task.group
    if any(g.pgid == group.tgid for g in task.kernel.groups.values() if g is not group) or group.pgid == group.tgid:
        raise KernelError(errno.EPERM)
    group.sid = group.pgid = group.tgid
    group.ctty = None
    return group.sid


@syscall(124, "getsid", "i")
def sys_getsid(task: Task, pid: int) -> int:
    return _find_group(task, pid).sid


@syscall(102, "getuid")
def sys_getuid(task: Task) -> int:
    return task.creds.uid


@syscall(107, "geteuid")
def sys_geteuid(task: Task) -> int:
    return task.creds.euid


@syscall(104, "getgid")
def sys_getgid(task: Task) -> int:
    return task.creds.gid


@syscall(108, "getegid")
def sys_getegid(task: Task) -> int:
    return task.creds.egid


def _write_ids(task: Task, pointers: tuple[int, int, int], values: tuple[int, int, int]) -> int:
    for ptr, value in zip(pointers, values, strict=True):
        task.mm.write(ptr, struct.pack("<I", value))
    return 0


@syscall(118, "getresuid", "p", "p", "p")
def sys_getresuid(task: Task, ruid: int, euid: int, suid: int) -> int:
    c = task.creds
    return _write_ids(task, (ruid, euid, suid), (c.uid, c.euid, c.suid))


@syscall(120, "getresgid", "p", "p", "p")
def sys_getresgid(task: Task, rgid: int, egid: int, sgid: int) -> int:
    c = task.creds
    return _write_ids(task, (rgid, egid, sgid), (c.gid, c.egid, c.sgid))


@syscall(115, "getgroups", "i", "p")
def sys_getgroups(task: Task, size: int, ptr: int) -> int:
    groups = task.creds.groups
    if size == 0:
        return len(groups)
    if size < len(groups):
        raise KernelError(errno.EINVAL)
    task.mm.write(ptr, struct.pack(f"<{len(groups)}I", *groups))
    return len(groups)


def _set_ids(task: Task, kind: str, real: int, effective: int, saved: int) -> int:
    """setres[ug]id semantics; -1 (0xffffffff) keeps a value. Unprivileged callers may only
    pick among their current real/effective/saved ids."""
    c = task.creds
    names = ("uid", "euid", "suid") if kind == "u" else ("gid", "egid", "sgid")
    current = [getattr(c, n) for n in names]
    new = [current[i] if v in (-1, 0xFFFFFFFF) else v for i, v in enumerate((real, effective, saved))]
    if c.euid != 0 and any(v not in current for v in new):
        raise KernelError(errno.EPERM)
    for n, v in zip(names, new, strict=True):
        setattr(c, n, v)
    if kind == "u":
        c.fsuid = c.euid
    else:
        c.fsgid = c.egid
    return 0


@syscall(117, "setresuid", "i", "i", "i")
def sys_setresuid(task: Task, r: int, e: int, s: int) -> int:
    return _set_ids(task, "u", r, e, s)


@syscall(119, "setresgid", "i", "i", "i")
def sys_setresgid(task: Task, r: int, e: int, s: int) -> int:
    return _set_ids(task, "g", r, e, s)


@syscall(105, "setuid", "i")
def sys_setuid(task: Task, uid: int) -> int:
    if task.creds.euid == 0:
        return _set_ids(task, "u", uid, uid, uid)
    return _set_ids(task, "u", -1, uid, -1)


@syscall(106, "setgid", "i")
def sys_setgid(task: Task, gid: int) -> int:
    if task.creds.euid == 0:
        return _set_ids(task, "g", gid, gid, gid)
    return _set_ids(task, "g", -1, gid, -1)


@syscall(113, "setreuid", "i", "i")
def sys_setreuid(task: Task, r: int, e: int) -> int:
    return _set_ids(task, "u", r, e, -1)


@syscall(114, "setregid", "i", "i")
def sys_setregid(task: Task, r: int, e: int) -> int:
    return _set_ids(task, "g", r, e, -1)


@syscall(116, "setgroups", "i", "p")
def sys_setgroups(task: Task, size: int, ptr: int) -> int:
    if task.creds.euid != 0:
        raise KernelError(errno.EPERM)
    if size < 0 or size > 65536:
        raise KernelError(errno.EINVAL)
    task.creds.groups = list(struct.unpack(f"<{size}I", task.mm.read(ptr, 4 * size))) if size else []
    return 0


@syscall(302, "prlimit64", "i", "i", "p", "p")
def sys_prlimit64(task: Task, pid: int, resource: int, new: int, old: int) -> int:
    group = _find_group(task, pid)
    if resource not in group.rlimits:
        raise KernelError(errno.EINVAL)
    if old:
        task.mm.write(old, struct.pack("<QQ", *group.rlimits[resource]))
    if new:
        soft, hard = struct.unpack("<QQ", task.mm.read(new, 16))
        cur_hard = group.rlimits[resource][1]
        if soft > hard or (hard > cur_hard and task.creds.euid != 0):
            raise KernelError(errno.EINVAL if soft > hard else errno.EPERM)
        group.rlimits[resource] = (soft, hard)
        if resource == 7 and group.files is not None:  # RLIMIT_NOFILE bounds the fd table
            group.files.limit = soft
    return 0


@syscall(97, "getrlimit", "i", "p")
def sys_getrlimit(task: Task, resource: int, ptr: int) -> int:
    return sys_prlimit64(task, 0, resource, 0, ptr)


@syscall(160, "setrlimit", "i", "p")
def sys_setrlimit(task: Task, resource: int, ptr: int) -> int:
    return sys_prlimit64(task, 0, resource, ptr, 0)


@syscall(218, "set_tid_address", "p")
def sys_set_tid_address(task: Task, ptr: int) -> int:
    task.clear_child_tid = ptr
    return task.tid


@syscall(273, "set_robust_list", "p", "u")
def sys_set_robust_list(task: Task, head: int, size: int) -> int:
    if size != 24:
        raise KernelError(errno.EINVAL)
    task.robust_list = head
    return 0


ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS = 0x1001, 0x1002, 0x1003, 0x1004


@syscall(158, "arch_prctl", "x", "p")
def sys_arch_prctl(task: Task, code: int, addr: int) -> int:
    ctx = task.ctx
    if code in (ARCH_SET_FS, ARCH_SET_GS):
        if addr >= 0x0000800000000000:
            raise KernelError(errno.EPERM)
        if code == ARCH_SET_FS:
            ctx.fs_base = addr
        else:
            ctx.gs_base = addr
        return 0
    if code in (ARCH_GET_FS, ARCH_GET_GS):
        task.mm.write(addr, struct.pack("<Q", ctx.fs_base if code == ARCH_GET_FS else ctx.gs_base))
        return 0
    raise KernelError(errno.EINVAL)


@syscall(98, "getrusage", "i", "p")
def sys_getrusage(task: Task, who: int, ptr: int) -> int:
    group = task.group
    if who == 0 or who == 1:            # RUSAGE_SELF, RUSAGE_THREAD
        data = _rusage(group.utime, group.stime, group.peak_rss())
    elif who == -1:                     # RUSAGE_CHILDREN
        data = _rusage(group.children_utime, group.children_stime, group.children_maxrss)
    else:
        raise KernelError(errno.EINVAL)
    task.mm.write(ptr, data)
    return 0


@syscall(100, "times", "p")
def sys_times(task: Task, ptr: int) -> int:
    g = task.group
    if ptr:
        task.mm.write(ptr, struct.pack("<4q", *(int(v * 100) for v in (g.utime, g.stime, g.children_utime,
                                                                       g.children_stime))))
    return int((time.monotonic() - task.kernel.boot_monotonic) * 100) & 0x7FFFFFFFFFFFFFFF


PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE = 1, 2, 3, 4
PR_SET_NAME, PR_GET_NAME, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS = 15, 16, 38, 39


@syscall(157, "prctl", "i", "x", "x", "x", "x")
def sys_prctl(task: Task, option: int, arg2: int, arg3: int, arg4: int, arg5: int) -> int:
    group = task.group
    if option == PR_SET_NAME:
        group.comm = task.mm.read_cstring(arg2, 4096)[:15]
        return 0
    if option == PR_GET_NAME:
        task.mm.write(arg2, group.comm[:15].ljust(16, b"\0"))
        return 0
    if option == PR_SET_PDEATHSIG:
        if arg2 > 64:
            raise KernelError(errno.EINVAL)
        group.pdeath_signal = arg2
        return 0
    if option == PR_GET_PDEATHSIG:
        task.mm.write(arg2, struct.pack("<i", group.pdeath_signal))
        return 0
    if option == PR_GET_DUMPABLE:
        return 1
    if option == PR_SET_NO_NEW_PRIVS:
        if arg2 != 1 or arg3 or arg4 or arg5:
            raise KernelError(errno.EINVAL)
        group.no_new_privs = True
        return 0
    if option == PR_GET_NO_NEW_PRIVS:
        return int(group.no_new_privs)
    raise KernelError(errno.EINVAL)

