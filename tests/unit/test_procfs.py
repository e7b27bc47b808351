"""procfs against a fake kernel: real ThreadGroup/Task, fd tables and mounts, a fake
address space; files are read through the VFS and the system-call handlers."""

from __future__ import annotations

import errno
import os
import struct

import pytest
from test_fs_fakes import FakeMM

from pykerla.errors import KernelError
from pykerla.fs import vfs
from pykerla.fs.context import FsContext
from pykerla.fs.fdtable import FdTable
from pykerla.fs.file import SEEK_END, SEEK_SET
from pykerla.fs.flags import O_CLOEXEC, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, S_IFMT
from pykerla.fs.mount import FILESYSTEMS, MountNamespace
from pykerla.fs.namei import lookup
from pykerla.fs.pipe import new_pipe
from pykerla.fs.proc import proc_factory
from pykerla.fs.proc.nodes import AnonDentry
from pykerla.fs.proc.system import LoadAverage
from pykerla.fs.tmpfs import new_tmpfs
from pykerla.mm.mman import PROT_EXEC, PROT_READ, PROT_WRITE
from pykerla.mm.vma import Vma
from pykerla.process.signal_state import SIG_IGN, SIGINT, SIGTERM, SIGUSR1, SigInfo, bit
from pykerla.process.task import DEAD, SLEEPING, Task, ThreadGroup
from pykerla.syscalls.table import TABLE, convert_args

EXE = "/bin/prog"


class ProcMM(FakeMM):
    """FakeMM plus what /proc reads of an AddressSpace."""

    def __init__(self) -> None:
        super().__init__()
        exe = type("B", (), {"map_name": EXE, "map_dev": 0, "map_ino": 7})()
        self.vmas = [Vma(0x400000, 0x402000, PROT_READ | PROT_EXEC, 0, exe),
                     Vma(0x402000, 0x403000, PROT_READ | PROT_WRITE, 0, exe, 0x2000)]
        self.start_brk, self.start_stack = 0x404000, 0x7FFF0000
        self.arg_start, self.arg_end, self.env_start, self.env_end = 0x7FFF0100, 0x7FFF0110, 0x7FFF0110, 0x7FFF0120
        self.saved_auxv = struct.pack("<4Q", 6, 4096, 0, 0)
        self.rss = 2
        self.total_vm = 3

    def vm_counters(self) -> dict[str, int]:
        return {"total": 3, "data": 1, "stack": 0, "exec": 2, "rss": 2}

    def maps_lines(self) -> list[str]:
        return ["00400000-00402000 r-xp 00000000 00:00 7 /bin/prog"]


class FakeScheduler:
    def __init__(self) -> None:
        self.current: Task | None = None
        self.context_switches = 5

    def pick(self) -> Task | None:
        return self.current


class FakePhys:
    total_frames = 1024
    free_frames = 256


class FakeKernel:
    def __init__(self) -> None:
        self.groups: dict[int, ThreadGroup] = {}
        self.tasks: dict[int, Task] = {}
        self.scheduler = FakeScheduler()
        self.phys = FakePhys()
        self.boot_time = 1_700_000_000.5
        self.boot_monotonic = 0.0
        self.hostname = b"pykerla"
        self.domainname = b"(none)"
        self.release = b"6.1.0-pykerla"
        self.version = b"#1 SMP PREEMPT_DYNAMIC pykerla"
        root = new_tmpfs(0o755)
        self.mounts = MountNamespace(root)
        for name in (b"proc", b"tmp", b"bin"):
            root.mkdir(name, 0o755, 0, 0)
        proc_dir = self.mounts.root.child(b"proc")
        assert proc_dir is not None
        self.mounts.attach(proc_dir, proc_factory(self, b"proc", 0, b""), b"proc", 0)

    def spawn(self, pid: int, parent: ThreadGroup | None = None, uid: int = 0) -> Task:
        group = ThreadGroup(self, pid, parent)  # type: ignore[arg-type]
        group.mm = ProcMM()
        group.files = FdTable()
        group.fs = FsContext(self.mounts.root)
        group.comm, group.exe_path = b"prog", EXE
        group.cmdline, group.environ = [b"prog", b"-x", b""], [b"A=1", b"B=2"]
        group.creds.uid = group.creds.euid = group.creds.suid = group.creds.fsuid = uid
        group.creds.gid = group.creds.egid = group.creds.sgid = group.creds.fsgid = uid
        group.start_time = 12.5
        task = Task(group, pid)
        group.threads.append(task)
        if parent is not None:
            parent.children.append(group)
        self.groups[pid], self.tasks[pid] = group, task
        return task


@pytest.fixture
def kernel() -> FakeKernel:
    k = FakeKernel()
    init = k.spawn(1)
    k.spawn(42, init.group)
    k.scheduler.current = init
    return k


def task_of(kernel: FakeKernel, pid: int) -> Task:
    return kernel.tasks[pid]


def read(kernel: FakeKernel, path: str, as_pid: int = 1) -> bytes:
    t = task_of(kernel, as_pid)
    kernel.scheduler.current = t
    f = vfs.open_path(t, t.fs.cwd, path.encode(), O_RDONLY)
    out = b""
    while chunk := f.read(t, 7):  # small reads: the text must continue across calls
        out += chunk
    return out


def call(t: Task, name: str, *args: int) -> int:
    spec = next(s for s in TABLE.values() if s.name == name)
    raw = list(args) + [0] * (6 - len(args))
    t.kernel.scheduler.current = t  # type: ignore[attr-defined]
    try:
        return spec.handler(t, *convert_args(spec, raw))
    except KernelError as e:
        return -e.errno
    finally:
        t.syscall_scratch.clear()


def readlink(kernel: FakeKernel, path: str, as_pid: int = 1) -> bytes | int:
    t = task_of(kernel, as_pid)
    buf = t.mm.alloc(256)
    n = call(t, "readlink", t.mm.put(path.encode()), buf, 256)
    return t.mm.read(buf, n) if n >= 0 else n


def getdents_names(kernel: FakeKernel, path: str, as_pid: int = 1) -> list[bytes]:
    t = task_of(kernel, as_pid)
    fd = call(t, "open", t.mm.put(path.encode()), O_RDONLY)
    assert fd >= 0, fd
    buf = t.mm.alloc(8192)
    names = []
    while (n := call(t, "getdents64", fd, buf, 8192)) > 0:
        data, off = t.mm.read(buf, n), 0
        while off < n:
            reclen = struct.unpack_from("<H", data, off + 16)[0]
            names.append(data[off + 19:off + reclen].split(b"\0")[0])
            off += reclen
    assert n == 0
    call(t, "close", fd)
    return names


def mode_of(kernel: FakeKernel, path: str, follow: bool = False) -> int:
    return lookup(task_of(kernel, 1), path, follow=follow).inode.mode


# -- registration, the root, self ----------------------------------------------------------

def test_registered_and_options_rejected(kernel: FakeKernel) -> None:
    assert FILESYSTEMS["proc"] is proc_factory
    with pytest.raises(KernelError) as e:
        proc_factory(kernel, b"proc", 0, b"hidepid=2")
    assert e.value.errno == errno.EINVAL


def test_root_listing_and_self(kernel: FakeKernel) -> None:
    names = getdents_names(kernel, "/proc")
    assert names[:2] == [b".", b".."]
    for name in (b"self", b"thread-self", b"mounts", b"meminfo", b"cpuinfo", b"uptime", b"loadavg",
                 b"stat", b"version", b"filesystems", b"sys", b"1", b"42"):
        assert name in names
    assert names.index(b"1") < names.index(b"42")
    assert readlink(kernel, "/proc/self") == b"1"
    assert readlink(kernel, "/proc/self", as_pid=42) == b"42"
    assert readlink(kernel, "/proc/thread-self", as_pid=42) == b"42/task/42"
    assert readlink(kernel, "/proc/mounts") == b"self/mounts"
    assert read(kernel, "/proc/self/comm", as_pid=42) == b"prog\n"
    assert readlink(kernel, "/proc/0042") == -errno.ENOENT
    assert readlink(kernel, "/proc/43") == -errno.ENOENT


def test_modes(kernel: FakeKernel) -> None:
    assert mode_of(kernel, "/proc") == 0o40555
    assert mode_of(kernel, "/proc/42") == 0o40555
    assert mode_of(kernel, "/proc/42/stat") == 0o100444
    assert mode_of(kernel, "/proc/42/environ") == 0o100400
    assert mode_of(kernel, "/proc/42/comm") == 0o100644
    assert mode_of(kernel, "/proc/42/fd") == 0o40500
    assert mode_of(kernel, "/proc/42/fdinfo") == 0o40555
    assert mode_of(kernel, "/proc/42/exe") & S_IFMT == 0o120000
    assert mode_of(kernel, "/proc/meminfo") == 0o100444
    assert lookup(task_of(kernel, 1), "/proc/42/stat").inode.size == 0
    t = task_of(kernel, 1)
    kernel.scheduler.current = t
    # entries and stat agree on inode numbers
    entry = next(e for e in lookup(t, "/proc/42").inode.readdir(2) if e.name == b"status")
    assert entry.ino == lookup(t, "/proc/42/status").inode.ino


# -- per-process files ---------------------------------------------------------------------

def test_stat(kernel: FakeKernel) -> None:
    child = kernel.groups[42]
    child.utime, child.stime = 1.5, 0.25
    child.pgid, child.sid = 1, 1
    child.threads[0].blocked_mask = bit(SIGINT)
    child.sighand.actions[SIGTERM].handler = SIG_IGN
    child.sighand.actions[SIGUSR1].handler = 0x401000
    text = read(kernel, "/proc/42/stat")
    assert text.endswith(b"\n")
    fields = text.split()
    assert len(fields) == 52
    assert fields[:9] == [b"42", b"(prog)", b"R", b"1", b"1", b"1", b"0", b"-1", b"0"]
    assert fields[13:15] == [b"150", b"25"]                   # utime stime in ticks
    assert fields[19] == b"1" and fields[21] == b"1250"       # num_threads, starttime
    assert fields[22:24] == [b"12288", b"2"]                  # vsize bytes, rss pages
    assert fields[24] == str((1 << 64) - 1).encode()
    assert fields[25:28] == [b"4194304", b"4202496", str(0x7FFF0000).encode()]
    assert fields[30:34] == [b"0", str(bit(SIGINT)).encode(), str(bit(SIGTERM)).encode(), str(bit(SIGUSR1)).encode()]
    assert fields[37] == b"17"
    assert fields[44:47] == [b"4202496", b"4206592", b"4210688"]


def test_status(kernel: FakeKernel) -> None:
    child = kernel.groups[42]
    child.creds.groups = [4, 27]
    child.threads[0].pending.add(SigInfo(SIGUSR1))
    child.threads[0].state = SLEEPING
    lines = read(kernel, "/proc/42/status").decode().splitlines()
    d = dict(line.split(":", 1) for line in lines)
    assert lines[0] == "Name:\tprog"
    assert d["Umask"] == "\t0022" and d["State"] == "\tS (sleeping)"
    assert d["Tgid"] == "\t42" and d["Pid"] == "\t42" and d["PPid"] == "\t1"
    assert d["Uid"] == "\t0\t0\t0\t0" and d["Groups"] == "\t4 27 "
    assert d["FDSize"] == "\t64"
    assert d["VmSize"] == "\t      12 kB" and d["VmRSS"] == "\t       8 kB"
    assert d["VmExe"] == "\t       8 kB" and d["VmLib"] == "\t       0 kB"
    assert d["Threads"] == "\t1" and d["SigQ"] == "\t1/63432"
    assert d["SigPnd"] == f"\t{bit(SIGUSR1):016x}"
    assert d["CapEff"] == "\t000001ffffffffff"
    assert lines[-1] == "nonvoluntary_ctxt_switches:\t0"


def test_cmdline_environ_auxv_comm(kernel: FakeKernel) -> None:
    assert read(kernel, "/proc/42/cmdline") == b"prog\0-x\0\0"
    assert read(kernel, "/proc/42/environ") == b"A=1\0B=2\0"
    assert read(kernel, "/proc/42/auxv") == struct.pack("<4Q", 6, 4096, 0, 0)
    t = task_of(kernel, 42)
    kernel.scheduler.current = t
    f = vfs.open_path(t, t.fs.cwd, b"/proc/self/comm", O_WRONLY)
    assert f.write(t, b"renamed") == 7
    assert read(kernel, "/proc/42/comm") == b"renamed\n"
    other = task_of(kernel, 1)
    f = vfs.open_path(other, other.fs.cwd, b"/proc/42/comm", O_WRONLY)
    with pytest.raises(KernelError) as e:
        f.write(other, b"x")
    assert e.value.errno == errno.EINVAL


def test_private_files_need_access(kernel: FakeKernel) -> None:
    kernel.spawn(50, kernel.groups[1], uid=1000)
    kernel.spawn(51, kernel.groups[1], uid=1001)
    assert read(kernel, "/proc/51/environ", as_pid=51) == b"A=1\0B=2\0"
    with pytest.raises(KernelError) as e:
        read(kernel, "/proc/51/environ", as_pid=50)
    assert e.value.errno == errno.EACCES
    assert readlink(kernel, "/proc/51/cwd", as_pid=50) == -errno.EACCES
    assert readlink(kernel, "/proc/51/cwd", as_pid=1) == b"/"
    assert read(kernel, "/proc/51/stat", as_pid=50).startswith(b"51 (prog)")


def test_maps_statm_limits(kernel: FakeKernel) -> None:
    assert read(kernel, "/proc/42/maps") == b"00400000-00402000 r-xp 00000000 00:00 7 /bin/prog\n"
    assert read(kernel, "/proc/42/statm") == b"3 2 0 2 0 1 0\n"
    limits = read(kernel, "/proc/42/limits").decode().splitlines()
    assert limits[0] == "Limit                     Soft Limit           Hard Limit           Units     "
    assert limits[4] == "Max stack size            8388608              unlimited            bytes     "
    assert limits[14] == "Max nice priority         0                    0                    "
    assert len(limits) == 17


def test_links_exe_cwd_root(kernel: FakeKernel) -> None:
    t = task_of(kernel, 42)
    t.group.fs.cwd = lookup(t, "/tmp")
    assert readlink(kernel, "/proc/42/exe") == b"/bin/prog"
    assert readlink(kernel, "/proc/42/cwd") == b"/tmp"
    assert readlink(kernel, "/proc/42/root") == b"/"
    assert lookup(t, "/proc/42/cwd", follow=False).inode.jump_link() is t.group.fs.cwd


def test_mounts_and_mountinfo(kernel: FakeKernel) -> None:
    assert read(kernel, "/proc/mounts") == b"rootfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n"
    info = read(kernel, "/proc/42/mountinfo").decode().splitlines()
    root_id = kernel.mounts.root_mount.mnt_id
    fields = info[1].split()
    assert fields[1] == str(root_id) and fields[3:6] == ["/", "/proc", "rw"]
    assert fields[6:] == ["-", "proc", "proc", "rw"]


def test_task_dir(kernel: FakeKernel) -> None:
    group = kernel.groups[42]
    thread = Task(group, 43)
    group.threads.append(thread)
    kernel.tasks[43] = thread
    assert getdents_names(kernel, "/proc/42/task") == [b".", b"..", b"42", b"43"]
    assert read(kernel, "/proc/42/task/43/stat").split()[:3] == [b"43", b"(prog)", b"R"]
    assert b"Pid:\t43\n" in read(kernel, "/proc/42/task/43/status")
    assert b"task" not in getdents_names(kernel, "/proc/42/task/43")
    assert readlink(kernel, "/proc/self", as_pid=43) == b"42"
    assert b"42" in getdents_names(kernel, "/proc") and b"43" not in getdents_names(kernel, "/proc")
    assert read(kernel, "/proc/43/stat").split()[0] == b"43"  # hidden threads can be looked up
    assert read(kernel, "/proc/42/stat").split()[19] == b"2"
    thread.state = DEAD
    del kernel.tasks[43]
    assert getdents_names(kernel, "/proc/42/task") == [b".", b"..", b"42"]
    with pytest.raises(KernelError):
        lookup(task_of(kernel, 1), "/proc/42/task/43/stat")


# -- descriptors ---------------------------------------------------------------------------

def test_fd_links_and_fdinfo(kernel: FakeKernel) -> None:
    t = task_of(kernel, 42)
    f = vfs.open_path(t, t.fs.cwd, b"/tmp/data", O_CREAT | O_RDWR, 0o644)
    f.write(t, b"hello")
    fd = t.files.install(f, cloexec=True)
    r, w = new_pipe(0, 0)
    rfd, wfd = t.files.install(r), t.files.install(w)
    assert getdents_names(kernel, "/proc/42/fd") == [b".", b"..", b"0", b"1", b"2"]
    assert readlink(kernel, f"/proc/42/fd/{fd}") == b"/tmp/data"
    assert readlink(kernel, f"/proc/42/fd/{rfd}") == f"pipe:[{r.inode.ino}]".encode()
    link = lookup(t, f"/proc/42/fd/{fd}", follow=False).inode
    assert link.mode == 0o120700 and link.size == 64
    assert lookup(t, f"/proc/42/fd/{wfd}", follow=False).inode.mode == 0o120300
    assert read(kernel, f"/proc/42/fdinfo/{fd}") == (
        f"pos:\t5\nflags:\t0{0o100002 | O_CLOEXEC:o}\nmnt_id:\t{f.dentry.mount.mnt_id}\n"
        f"ino:\t{f.inode.ino}\n").encode()
    # a magic link leads to the open file itself: reopening gives a new file of the same inode
    target = link.jump_link()
    assert target is f.dentry
    again = vfs.open_dentry(t, target, O_RDONLY)
    assert again is not f and again.inode is f.inode and again.read(t, 10) == b"hello"
    pipe_target = lookup(t, f"/proc/42/fd/{rfd}", follow=False).inode.jump_link()
    assert isinstance(pipe_target, AnonDentry) and pipe_target.inode is r.inode
    assert pipe_target.path() == f"pipe:[{r.inode.ino}]".encode()
    # closing the descriptor removes the entry; a new file on the same number shows instead
    t.files.close(fd)
    assert readlink(kernel, f"/proc/42/fd/{fd}") == -errno.ENOENT
    assert not link.revalidate()
    g = vfs.open_path(t, t.fs.cwd, b"/tmp/other", O_CREAT | O_WRONLY, 0o644)
    assert t.files.install(g) == fd
    assert readlink(kernel, f"/proc/42/fd/{fd}") == b"/tmp/other"


def test_fd_dir_listing_is_private(kernel: FakeKernel) -> None:
    kernel.spawn(50, kernel.groups[1], uid=1000)
    assert getdents_names(kernel, "/proc/50/fd", as_pid=50) == [b".", b"..", b"0"]  # the listing's own fd
    t = task_of(kernel, 42)
    t.group.creds.fsuid = t.group.creds.euid = 1001
    with pytest.raises(KernelError) as e:
        vfs.open_path(t, t.fs.cwd, b"/proc/50/fd", O_RDONLY)
    assert e.value.errno == errno.EACCES


# -- process exit ----------------------------------------------------------------------------

def test_exit_zombie_and_reap(kernel: FakeKernel) -> None:
    t = task_of(kernel, 42)
    kernel.scheduler.current = task_of(kernel, 1)
    open_stat = vfs.open_path(t, t.fs.cwd, b"/proc/42/stat", O_RDONLY)
    open_status = vfs.open_path(t, t.fs.cwd, b"/proc/42/status", O_RDONLY)
    group = t.group
    t.state = DEAD
    del kernel.tasks[42]
    group.zombie, group.exit_status = True, 3 << 8
    fields = read(kernel, "/proc/42/stat").split()
    assert fields[2] == b"Z" and fields[22] == b"0" and fields[51] == b"768"
    status = read(kernel, "/proc/42/status")
    assert b"State:\tZ (zombie)\n" in status and b"VmSize" not in status
    assert read(kernel, "/proc/42/cmdline") == b""
    assert readlink(kernel, "/proc/42/exe") == -errno.ENOENT
    assert b"42" in getdents_names(kernel, "/proc")
    del kernel.groups[42]  # reaped
    assert b"42" not in getdents_names(kernel, "/proc")
    with pytest.raises(KernelError) as e:
        read(kernel, "/proc/42/stat")
    assert e.value.errno == errno.ENOENT
    with pytest.raises(KernelError) as e:
        open_stat.pread(t, 100, 0)
    assert e.value.errno == errno.ESRCH
    with pytest.raises(KernelError) as e:
        open_status.read(t, 100)
    assert e.value.errno == errno.ESRCH


# -- seq_file behaviour --------------------------------------------------------------------

def test_rerender_at_offset_zero_and_seek(kernel: FakeKernel) -> None:
    t = task_of(kernel, 1)
    f = vfs.open_path(t, t.fs.cwd, b"/proc/sys/kernel/hostname", O_RDONLY)
    assert f.read(t, 3) == b"pyk"
    kernel.hostname = b"other"
    assert f.read(t, 100) == b"erla\n"  # the rest of the first rendering
    assert f.seek(0, SEEK_SET) == 0
    assert f.read(t, 100) == b"other\n"
    with pytest.raises(KernelError) as e:
        f.seek(0, SEEK_END)
    assert e.value.errno == errno.EINVAL
    ro = vfs.open_path(t, t.fs.cwd, b"/proc/uptime", O_RDWR)
    with pytest.raises(KernelError) as e:
        ro.write(t, b"1")
    assert e.value.errno == errno.EINVAL


def test_hostname_write(kernel: FakeKernel) -> None:
    t = task_of(kernel, 1)
    f = vfs.open_path(t, t.fs.cwd, b"/proc/sys/kernel/hostname", O_WRONLY)
    assert f.write(t, b"box\nignored") == 11
    assert kernel.hostname == b"box"
    assert read(kernel, "/proc/sys/kernel/ostype") == b"Linux\n"
    assert read(kernel, "/proc/sys/kernel/osrelease") == b"6.1.0-pykerla\n"
    user = kernel.spawn(60, kernel.groups[1], uid=1000)
    with pytest.raises(KernelError) as e:
        vfs.open_path(user, user.fs.cwd, b"/proc/sys/kernel/hostname", O_WRONLY)
    assert e.value.errno == errno.EACCES


# -- system files ----------------------------------------------------------------------------

def test_meminfo(kernel: FakeKernel) -> None:
    lines = read(kernel, "/proc/meminfo").decode().splitlines()
    assert lines[:3] == ["MemTotal:           4096 kB", "MemFree:            1024 kB",
                         "MemAvailable:       1024 kB"]
    assert "HugePages_Total:       0" in lines
    assert all(len(line.split(":")[0]) < 16 for line in lines)


def test_cpuinfo_single_processor(kernel: FakeKernel) -> None:
    text = read(kernel, "/proc/cpuinfo").decode()
    assert text.endswith("\n\n") and text.count("processor\t: ") == 1
    assert text.startswith("processor\t: 0\n")
    assert "model name\t: " in text
    if os.path.exists("/proc/cpuinfo") and "siblings" in text:
        assert "siblings\t: 1\n" in text and "cpu cores\t: 1\n" in text


def test_uptime_loadavg_stat_version_filesystems(kernel: FakeKernel) -> None:
    kernel.groups[42].utime = 1.0
    up, idle = (float(x) for x in read(kernel, "/proc/uptime").split())
    assert up > 0 and 0 <= idle <= up
    load = read(kernel, "/proc/loadavg").decode().split()
    assert load[3] == "2/2" and load[4] == "42" and load[0].count(".") == 1
    stat = read(kernel, "/proc/stat").decode().splitlines()
    cpu = stat[0].split()
    assert stat[0].startswith("cpu  ") and len(cpu) == 11 and cpu[1] == "100"
    assert stat[1].startswith("cpu0 ")
    assert "btime 1700000000" in stat and "ctxt 5" in stat and "procs_running 2" in stat
    assert read(kernel, "/proc/version").startswith(b"Linux version 6.1.0-pykerla (pykerla@pykerla) (")
    fs = read(kernel, "/proc/filesystems").decode().splitlines()
    assert "nodev\tproc" in fs and "nodev\ttmpfs" in fs


def test_load_average_decays_towards_run_queue() -> None:
    load = LoadAverage(0.0)
    assert load.sample(4.9, 3) == [0.0, 0.0, 0.0]
    one, five, fifteen = load.sample(60.0, 1)
    assert 0.6 < one < 0.65 and fifteen < five < one
    assert load.sample(3600.0, 1)[0] == pytest.approx(1.0)


def test_pid_lookup_rejects_odd_names(kernel: FakeKernel) -> None:
    t = task_of(kernel, 1)
    for path in ("/proc/+1", "/proc/01", "/proc/1x", "/proc/42/fd/00"):
        with pytest.raises(KernelError) as e:
            lookup(t, path)
        assert e.value.errno == errno.ENOENT


def test_rmdir_and_unlink_refused(kernel: FakeKernel) -> None:
    t = task_of(kernel, 1)
    root = t.fs.root
    for fn, path in ((vfs.rmdir, b"/proc/42"), (vfs.unlink, b"/proc/meminfo")):
        with pytest.raises(KernelError) as e:
            fn(t, root, path)
        assert e.value.errno == errno.EPERM
    with pytest.raises(KernelError) as e:
        vfs.open_path(t, root, b"/proc/newfile", O_CREAT | O_WRONLY, 0o644)
    assert e.value.errno == errno.EPERM
