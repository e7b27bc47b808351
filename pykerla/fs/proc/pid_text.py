"""The text of the per-process files, formatted as Linux's fs/proc/array.c, base.c,
task_mmu.c, fd.c and proc_namespace.c print them: stat, status, statm, limits, cmdline,
environ, maps, mounts, mountinfo and fdinfo.

`group` is a ThreadGroup and `task` one of its threads (process/task.py); a zombie has
neither address space nor files any more and shows what Linux shows for it.
"""

from __future__ import annotations

import time
from typing import Any

from ...mm.mman import PROT_EXEC, PROT_WRITE
from ...process.capability import CAP_FULL, capability_sets
from ..dentry import Dentry
from ..file import OpenFile
from ..flags import O_CLOEXEC
from ..inode import dev_major, dev_minor

PAGE_SIZE = 4096
HZ = 100  # USER_HZ: clock ticks per second in stat times
RLIM_INFINITY = (1 << 64) - 1
NR_OPEN_DEFAULT = 64
STATE_NAMES = {"R": "R (running)", "S": "S (sleeping)", "D": "D (disk sleep)", "T": "T (stopped)",
               "t": "t (tracing stop)", "X": "X (dead)", "Z": "Z (zombie)"}
LIMIT_NAMES = (("Max cpu time", "seconds"), ("Max file size", "bytes"), ("Max data size", "bytes"),
               ("Max stack size", "bytes"), ("Max core file size", "bytes"), ("Max resident set", "bytes"),
               ("Max processes", "processes"), ("Max open files", "files"), ("Max locked memory", "bytes"),
               ("Max address space", "bytes"), ("Max file locks", "locks"), ("Max pending signals", "signals"),
               ("Max msgqueue size", "bytes"), ("Max nice priority", ""), ("Max realtime priority", ""),
               ("Max realtime timeout", "us"))
MEMS_ALLOWED = ",".join(["00000000"] * 31 + ["00000001"])  # MAX_NUMNODES 1024, node 0
SIGQ_LIMIT_INDEX = 11  # RLIMIT_SIGPENDING
RSS_LIMIT_INDEX = 5    # RLIMIT_RSS
SIG_DFL, SIG_IGN = 0, 1


def as_bytes(value: bytes | str) -> bytes:
    return value.encode(errors="surrogateescape") if isinstance(value, str) else bytes(value)


def state_letter(group: Any, task: Any) -> str:
    """The one-letter state: a process that exited but was not reaped is a zombie."""
    if group.zombie:
        return "Z"
    return task.state


def has_mm(group: Any) -> bool:
    return group.mm is not None and not group.zombie


def ticks(seconds: float) -> int:
    return int(seconds * HZ)


def ppid_of(group: Any) -> int:
    return group.parent.tgid if group.parent is not None else 0


def tty_of(group: Any) -> tuple[int, int]:
    """(tty_nr, tpgid): the controlling terminal's device number in the kernel's 32-bit
    encoding and its foreground process group, or (0, -1) without one."""
    tty = group.ctty
    if tty is None:
        return 0, -1
    major, minor = dev_major(tty.rdev), dev_minor(tty.rdev)
    tty_nr = (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12)
    return tty_nr, tty.pgrp if tty.pgrp is not None else -1


def signal_sets(group: Any) -> tuple[int, int]:
    """(ignored, caught) signal masks of the process's dispositions."""
    ignored = caught = 0
    for signo, action in enumerate(group.sighand.actions):
        if signo == 0:
            continue
        if action.handler == SIG_IGN:
            ignored |= 1 << (signo - 1)
        elif action.handler != SIG_DFL:
            caught |= 1 << (signo - 1)
    return ignored, caught


def exe_ranges(group: Any) -> tuple[int, int, int, int]:
    """(start_code, end_code, start_data, end_data): the executable's text and writable
    mappings (mm's start_code etc.)."""
    code: list[int] = []
    data: list[int] = []
    exe = group.exe_path
    for vma in group.mm.vmas:
        if vma.backing is None or getattr(vma.backing, "map_name", None) != exe:
            continue
        if vma.prot & PROT_EXEC:
            code += (vma.start, vma.end)
        elif vma.prot & PROT_WRITE:
            data += (vma.start, vma.end)
    return (min(code, default=0), max(code, default=0), min(data, default=0), max(data, default=0))


# -- stat --------------------------------------------------------------------------------

def stat_text(group: Any, task: Any, kernel: Any, tid: int) -> bytes:
    """/proc/PID/stat (do_task_stat): 52 space-separated fields."""
    state = state_letter(group, task)
    tty_nr, tpgid = tty_of(group)
    ignored, caught = signal_sets(group)
    start = ticks(group.start_time - kernel.boot_monotonic)
    vsize = rss = 0
    start_code = end_code = start_data = end_data = start_brk = start_stack = 0
    args = env = (0, 0)
    if has_mm(group):
        mm = group.mm
        vsize, rss = mm.total_vm * PAGE_SIZE, mm.rss
        start_code, end_code, start_data, end_data = exe_ranges(group)
        start_brk, start_stack = mm.start_brk, mm.start_stack
        args, env = (mm.arg_start, mm.arg_end), (mm.env_start, mm.env_end)
    fields = [
        tid, f"({as_bytes(group.comm).decode(errors='replace')})", state, ppid_of(group), group.pgid, group.sid,
        tty_nr, tpgid, 0,                                   # flags
        0, 0, 0, 0,                                         # minflt cminflt majflt cmajflt
        ticks(group.utime), ticks(group.stime), ticks(group.children_utime), ticks(group.children_stime),
        20, 0, len(live_threads(group)), 0, start,          # priority nice num_threads itrealvalue
        vsize, rss, group.rlimits[RSS_LIMIT_INDEX][0],
        start_code, end_code, start_stack, 0, 0,            # kstkesp kstkeip
        task.pending.mask & 0x7FFFFFFF, task.blocked_mask & 0x7FFFFFFF,
        ignored & 0x7FFFFFFF, caught & 0x7FFFFFFF,
        0 if state == "R" else 1, 0, 0,                     # wchan nswap cnswap
        group.exit_signal, 0, 0, 0, 0, 0, 0,                # processor rt_priority policy blkio guest cguest
        start_data, end_data, start_brk, args[0], args[1], env[0], env[1],
        group.exit_status if group.zombie else group.stop_signal,   # exit_code
    ]
    return " ".join(str(f) for f in fields).encode() + b"\n"


def live_threads(group: Any) -> list[Any]:
    """The threads shown under task/: the live ones, or the leader of a zombie."""
    alive = group.alive_threads()
    return alive if alive else group.threads[:1]


# -- status ------------------------------------------------------------------------------

def fd_table_size(files: Any) -> int:
    """FDSize: the fd array's capacity as Linux grows it (64, then powers of two of 128)."""
    highest = max((fd for fd, _ in files.items()), default=-1)
    if highest < NR_OPEN_DEFAULT:
        return NR_OPEN_DEFAULT
    nr = highest // 128
    return (1 << nr.bit_length()) * 128


def _kb(pages: int) -> str:
    return f"{pages * PAGE_SIZE // 1024:8d} kB"


def _memory_lines(group: Any) -> list[str]:
    c = group.mm.vm_counters()
    start_code, end_code, _, _ = exe_ranges(group)
    text = min((end_code - start_code) // PAGE_SIZE, c["exec"])
    return [f"VmPeak:\t{_kb(c['total'])}", f"VmSize:\t{_kb(c['total'])}", f"VmLck:\t{_kb(0)}",
            f"VmPin:\t{_kb(0)}", f"VmHWM:\t{_kb(c['rss'])}", f"VmRSS:\t{_kb(c['rss'])}",
            f"RssAnon:\t{_kb(c['rss'])}", f"RssFile:\t{_kb(0)}", f"RssShmem:\t{_kb(0)}",
            f"VmData:\t{_kb(c['data'])}", f"VmStk:\t{_kb(c['stack'])}", f"VmExe:\t{_kb(text)}",
            f"VmLib:\t{_kb(c['exec'] - text)}", f"VmPTE:\t{_kb(0)}", f"VmSwap:\t{_kb(0)}",
            f"HugetlbPages:\t{_kb(0)}", "CoreDumping:\t0", "THP_enabled:\t1"]


def status_text(group: Any, task: Any, tid: int) -> bytes:
    """/proc/PID/status (proc_pid_status) in Linux 6.1's layout."""
    c = group.creds
    state = state_letter(group, task)
    ignored, caught = signal_sets(group)
    queued = len(group.shared_pending.queue) + sum(len(t.pending.queue) for t in group.threads)
    files = None if group.zombie else group.files
    fs = None if group.zombie else group.fs
    caps = capability_sets(c)
    lines = [
        f"Name:\t{as_bytes(group.comm).decode(errors='replace')}",
        *([f"Umask:\t{fs.umask:04o}"] if fs is not None else []),  # none once the process has exited
        f"State:\t{STATE_NAMES.get(state, state)}", f"Tgid:\t{group.tgid}", "Ngid:\t0", f"Pid:\t{tid}",
        f"PPid:\t{ppid_of(group)}", "TracerPid:\t0",
        f"Uid:\t{c.uid}\t{c.euid}\t{c.suid}\t{c.fsuid}", f"Gid:\t{c.gid}\t{c.egid}\t{c.sgid}\t{c.fsgid}",
        f"FDSize:\t{fd_table_size(files) if files is not None else 0}",
        "Groups:\t" + " ".join(str(g) for g in c.groups) + " ",
        f"NStgid:\t{group.tgid}", f"NSpid:\t{tid}", f"NSpgid:\t{group.pgid}", f"NSsid:\t{group.sid}",
    ]
    if has_mm(group):
        lines += _memory_lines(group)
    lines += [
        f"Threads:\t{len(live_threads(group))}",
        f"SigQ:\t{queued}/{group.rlimits[SIGQ_LIMIT_INDEX][0]}",
        f"SigPnd:\t{task.pending.mask:016x}", f"ShdPnd:\t{group.shared_pending.mask:016x}",
        f"SigBlk:\t{task.blocked_mask:016x}", f"SigIgn:\t{ignored:016x}", f"SigCgt:\t{caught:016x}",
        f"CapInh:\t{caps.inheritable:016x}", f"CapPrm:\t{caps.permitted:016x}", f"CapEff:\t{caps.effective:016x}",
        f"CapBnd:\t{CAP_FULL:016x}", "CapAmb:\t0000000000000000",
        f"NoNewPrivs:\t{int(group.no_new_privs)}", "Seccomp:\t0", "Seccomp_filters:\t0",
        "Speculation_Store_Bypass:\tvulnerable", "SpeculationIndirectBranch:\talways enabled",
        "Cpus_allowed:\t1", "Cpus_allowed_list:\t0",
        f"Mems_allowed:\t{MEMS_ALLOWED}", "Mems_allowed_list:\t0",
        "voluntary_ctxt_switches:\t0", "nonvoluntary_ctxt_switches:\t0",
    ]
    return "\n".join(lines).encode() + b"\n"


def statm_text(group: Any) -> bytes:
    """/proc/PID/statm: size resident shared text lib data dt, in pages."""
    if not has_mm(group):
        return b"0 0 0 0 0 0 0\n"
    c = group.mm.vm_counters()
    start_code, end_code, _, _ = exe_ranges(group)
    text = (end_code - start_code) // PAGE_SIZE
    return f"{c['total']} {c['rss']} 0 {text} 0 {c['data'] + c['stack']} 0\n".encode()


def limits_text(group: Any) -> bytes:
    def value(v: int) -> str:
        return "unlimited" if v == RLIM_INFINITY else str(v)

    out = [f"{'Limit':<25} {'Soft Limit':<20} {'Hard Limit':<20} {'Units':<10}\n"]
    for i, (name, unit) in enumerate(LIMIT_NAMES):
        soft, hard = group.rlimits[i]
        out.append(f"{name:<25} {value(soft):<20} {value(hard):<20} " + (f"{unit:<10}" if unit else "") + "\n")
    return "".join(out).encode()


# -- strings and memory ------------------------------------------------------------------

def nul_list(items: list[bytes] | list[str]) -> bytes:
    """cmdline / environ: every string followed by a NUL."""
    return b"".join(as_bytes(s) + b"\0" for s in items)


def maps_text(group: Any) -> bytes:
    if not has_mm(group):
        return b""
    return "".join(line + "\n" for line in group.mm.maps_lines()).encode(errors="surrogateescape")


def uptime_seconds(kernel: Any) -> float:
    return time.monotonic() - kernel.boot_monotonic


# -- mounts ------------------------------------------------------------------------------

def mangle(s: bytes) -> bytes:
    """Escape space, tab, newline and backslash as \\ooo (seq_escape in show_vfsmnt)."""
    return b"".join(b"\\%03o" % c if c in b" \t\n\\" else bytes((c,)) for c in s)


def _visible_mounts(kernel: Any, root: Dentry) -> list[tuple[Any, bytes]]:
    """Mounts whose mount point is visible from `root`, with their path from there."""
    out = []
    for mount in kernel.mounts.mounts:
        path = mount.root.path_from(root)
        if path is not None:
            out.append((mount, path))
    return out


def mounts_text(kernel: Any, root: Dentry) -> bytes:
    """/proc/PID/mounts (fstab format): source, mount point, type, options, 0 0."""
    return b"".join(b"%s %s %s %s 0 0\n" % (mangle(m.source or b"none"), mangle(path),
                                            mangle(m.sb.fstype.encode()), m.options().encode())
                    for m, path in _visible_mounts(kernel, root))


def mountinfo_text(kernel: Any, root: Dentry) -> bytes:
    """/proc/PID/mountinfo: id, parent id, dev, root, mount point, options, -, type, source, sb options."""
    out = []
    for m, path in _visible_mounts(kernel, root):
        parent = m.parent.mnt_id if m.parent is not None else m.mnt_id
        sb_opts = "ro" if m.readonly else "rw"
        out.append(b"%d %d %d:%d / %s %s - %s %s %s\n" % (
            m.mnt_id, parent, dev_major(m.sb.dev), dev_minor(m.sb.dev), mangle(path), m.options().encode(),
            mangle(m.sb.fstype.encode()), mangle(m.source or b"none"), sb_opts.encode()))
    return b"".join(out)


# -- fdinfo ------------------------------------------------------------------------------

def fdinfo_text(file: OpenFile, cloexec: bool, mnt_id: int) -> bytes:
    flags = file.flags | (O_CLOEXEC if cloexec else 0)
    return f"pos:\t{file.pos}\nflags:\t0{flags:o}\nmnt_id:\t{mnt_id}\nino:\t{file.inode.ino}\n".encode()
