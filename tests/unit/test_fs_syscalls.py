"""System-call handlers of the file layer, run against a fake task."""

from __future__ import annotations

import errno
import struct

import pytest
from test_fs_fakes import AT_FDCWD_RAW, FakeTask

from pykerla.fs.flags import (
    AT_EMPTY_PATH,
    AT_REMOVEDIR,
    AT_SYMLINK_NOFOLLOW,
    O_APPEND,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECTORY,
    O_EXCL,
    O_NOFOLLOW,
    O_NONBLOCK,
    O_PATH,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    RENAME_EXCHANGE,
    RENAME_NOREPLACE,
)

STAT = struct.Struct("<QQQIIIiQqqqqqqqqq24x")


@pytest.fixture
def t() -> FakeTask:
    return FakeTask()


def write_file(t: FakeTask, path: bytes, data: bytes, mode: int = 0o644) -> None:
    fd = t.call("open", path, O_CREAT | O_WRONLY | O_TRUNC, mode)
    assert fd >= 0
    assert t.call("write", fd, t.mm.put(data), len(data)) == len(data)
    assert t.call("close", fd) == 0


def read_file(t: FakeTask, path: bytes) -> bytes:
    fd = t.call("open", path, O_RDONLY)
    assert fd >= 0
    buf = t.mm.alloc(65536)
    n = t.call("read", fd, buf, 65536)
    t.call("close", fd)
    return t.mm.read(buf, n)


def stat(t: FakeTask, path: bytes, name: str = "stat") -> tuple:
    buf = t.mm.alloc(144)
    assert t.call(name, path, buf) == 0
    return STAT.unpack(t.mm.read(buf, 144))


def test_open_write_read_lseek(t: FakeTask) -> None:
    write_file(t, b"/f", b"hello world")
    assert read_file(t, b"/f") == b"hello world"
    fd = t.call("open", b"/f", O_RDWR)
    assert t.call("lseek", fd, 6, 0) == 6
    buf = t.mm.alloc(16)
    assert t.call("read", fd, buf, 16) == 5
    assert t.mm.read(buf, 5) == b"world"
    assert t.call("lseek", fd, -1 & (2**64 - 1), 2) == 10
    assert t.call("lseek", fd, -100 & (2**64 - 1), 1) == -errno.EINVAL
    assert t.call("lseek", fd, 20, 0) == 20
    assert t.call("write", fd, t.mm.put(b"!"), 1) == 1
    st = stat(t, b"/f")
    assert st[8] == 21  # size, with a hole of zeros
    assert read_file(t, b"/f")[11:20] == bytes(9)


def test_open_flags(t: FakeTask) -> None:
    write_file(t, b"/f", b"abc")
    assert t.call("open", b"/f", O_CREAT | O_EXCL | O_WRONLY, 0o600) == -errno.EEXIST
    assert t.call("open", b"/nope", O_RDONLY) == -errno.ENOENT
    assert t.call("open", b"/f/", O_RDONLY) == -errno.ENOTDIR
    assert t.call("open", b"/f", O_DIRECTORY) == -errno.ENOTDIR
    assert t.call("open", b"/", O_WRONLY) == -errno.EISDIR
    assert t.call("open", b"/new/", O_CREAT | O_WRONLY, 0o600) == -errno.EISDIR
    fd = t.call("open", b"/f", O_WRONLY | O_APPEND)
    assert t.call("write", fd, t.mm.put(b"de"), 2) == 2
    assert read_file(t, b"/f") == b"abcde"
    assert t.call("read", fd, t.mm.alloc(4), 4) == -errno.EBADF
    rfd = t.call("open", b"/f", O_RDONLY)
    assert t.call("write", rfd, t.mm.put(b"x"), 1) == -errno.EBADF
    assert t.call("fcntl", fd, 3, 0) == O_WRONLY | O_APPEND | 0o100000  # F_GETFL has O_LARGEFILE


def test_umask_and_creat_mode(t: FakeTask) -> None:
    assert t.call("umask", 0o077) == 0o022
    fd = t.call("creat", b"/m", 0o666)
    assert fd >= 0
    assert stat(t, b"/m")[3] == 0o100600
    assert t.call("mkdir", b"/d", 0o777) == 0
    assert stat(t, b"/d")[3] == 0o40700


def test_o_creat_through_dangling_symlink(t: FakeTask) -> None:
    assert t.call("symlink", b"target", b"/link") == 0
    fd = t.call("open", b"/link", O_CREAT | O_WRONLY, 0o644)
    assert fd >= 0
    assert stat(t, b"/target")[3] & 0o170000 == 0o100000
    assert t.call("open", b"/link", O_CREAT | O_EXCL | O_WRONLY, 0o644) == -errno.EEXIST
    assert t.call("open", b"/link", O_RDONLY | O_NOFOLLOW) == -errno.ELOOP
    pfd = t.call("open", b"/link", O_PATH | O_NOFOLLOW)
    assert pfd >= 0
    buf = t.mm.alloc(64)
    assert t.call("readlinkat", pfd, b"", buf, 64) == 6
    assert t.mm.read(buf, 6) == b"target"
    assert t.call("read", pfd, buf, 1) == -errno.EBADF


def test_stat_family(t: FakeTask) -> None:
    write_file(t, b"/f", b"12345")
    t.call("symlink", b"/f", b"/l")
    st = stat(t, b"/f")
    lst = stat(t, b"/l", "lstat")
    assert st[1] != lst[1]
    assert lst[3] == 0o120777 and lst[8] == 2
    assert stat(t, b"/l")[1] == st[1]
    buf = t.mm.alloc(144)
    assert t.call("newfstatat", AT_FDCWD_RAW, b"/l", buf, AT_SYMLINK_NOFOLLOW) == 0
    assert STAT.unpack(t.mm.read(buf, 144))[3] == 0o120777
    fd = t.call("open", b"/f", O_RDONLY)
    assert t.call("fstat", fd, buf) == 0
    assert STAT.unpack(t.mm.read(buf, 144))[1] == st[1]
    assert t.call("newfstatat", fd, b"", buf, AT_EMPTY_PATH) == 0
    assert t.call("newfstatat", fd, b"", buf, 0) == -errno.ENOENT
    assert t.call("newfstatat", AT_FDCWD_RAW, b"/f", buf, 0x8000) == -errno.EINVAL
    sx = t.mm.alloc(256)
    assert t.call("statx", AT_FDCWD_RAW, b"/f", 0, 0x7FF, sx) == 0
    raw = t.mm.read(sx, 256)
    mask, _, _, nlink, uid, gid, mode = struct.unpack_from("<IIQIIIH", raw)
    assert mask & 0x7FF == 0x7FF and nlink == 1 and mode == 0o100644
    assert struct.unpack_from("<QQ", raw, 32) == (st[1], 5)
    assert t.call("statx", AT_FDCWD_RAW, b"/f", 0, 0x80000000, sx) == -errno.EINVAL
    assert t.call("statx", fd, 0, AT_EMPTY_PATH, 0x7FF, sx) == 0


def test_stat_times_and_utimensat(t: FakeTask) -> None:
    write_file(t, b"/f", b"x")
    times = t.mm.alloc(32)
    t.mm.write(times, struct.pack("<qqqq", 100, 5, 200, (1 << 30) - 2))  # mtime UTIME_OMIT
    before = stat(t, b"/f")
    assert t.call("utimensat", AT_FDCWD_RAW, b"/f", times, 0) == 0
    st = stat(t, b"/f")
    assert (st[11], st[12]) == (100, 5)
    assert (st[13], st[14]) == (before[13], before[14])
    t.mm.write(times, struct.pack("<qqqq", 1, 2_000_000_000, 0, 0))
    assert t.call("utimensat", AT_FDCWD_RAW, b"/f", times, 0) == -errno.EINVAL
    tv = t.mm.alloc(32)
    t.mm.write(tv, struct.pack("<qqqq", 7, 8, 9, 10))
    assert t.call("utimes", b"/f", tv) == 0
    st = stat(t, b"/f")
    assert (st[11], st[12], st[13], st[14]) == (7, 8000, 9, 10000)


def test_getdents64(t: FakeTask) -> None:
    t.call("mkdir", b"/d", 0o755)
    names = [b"f%03d" % i for i in range(50)]
    for n in names:
        write_file(t, b"/d/" + n, b"")
    fd = t.call("open", b"/d", O_RDONLY | O_DIRECTORY)
    seen = []
    buf = t.mm.alloc(512)
    while True:
        n = t.call("getdents64", fd, buf, 512)
        assert n >= 0
        if n == 0:
            break
        data = t.mm.read(buf, n)
        off = 0
        while off < n:
            ino, doff, reclen, dtype = struct.unpack_from("<QqHB", data, off)
            name = data[off + 19:off + reclen].split(b"\0")[0]
            assert reclen % 8 == 0
            seen.append((name, dtype))
            off += reclen
            # Removing entries while reading must not skip any.
            if name.startswith(b"f"):
                t.call("unlink", b"/d/" + name)
    assert [s[0] for s in seen] == [b".", b".."] + names
    assert all(d == 8 for n, d in seen[2:]) and seen[0][1] == 4
    assert t.call("getdents64", fd, buf, 10) == 0
    assert t.call("lseek", fd, 0, 0) == 0
    assert t.call("getdents64", fd, buf, 10) == -errno.EINVAL
    f = t.call("open", b"/", O_RDONLY)
    write_file(t, b"/plain", b"")
    pf = t.call("open", b"/plain", O_RDONLY)
    assert t.call("getdents64", pf, buf, 512) == -errno.ENOTDIR
    n = t.call("getdents", f, buf, 512)
    assert n > 0
    ino, doff, reclen = struct.unpack_from("<QQH", t.mm.read(buf, 24))
    assert t.mm.read(buf + 18, 2) == b".\0" and t.mm.read(buf + reclen - 1, 1) == b"\x04"


def test_dup_and_fcntl(t: FakeTask) -> None:
    write_file(t, b"/f", b"0123456789")
    fd = t.call("open", b"/f", O_RDONLY | O_CLOEXEC)
    assert t.call("fcntl", fd, 1, 0) == 1
    d = t.call("dup", fd)
    assert d == fd + 1 and t.call("fcntl", d, 1, 0) == 0
    buf = t.mm.alloc(4)
    t.call("read", fd, buf, 3)
    assert t.call("lseek", d, 0, 1) == 3  # shared offset
    assert t.call("dup2", fd, 10) == 10
    assert t.call("dup2", fd, fd) == fd
    assert t.call("dup3", fd, fd, 0) == -errno.EINVAL
    assert t.call("dup3", fd, 11, O_CLOEXEC) == 11 and t.call("fcntl", 11, 1, 0) == 1
    assert t.call("fcntl", fd, 0, 20) == 20
    assert t.call("fcntl", fd, 1030, 5) == 5 and t.call("fcntl", 5, 1, 0) == 1
    assert t.call("fcntl", fd, 0, 5000) == -errno.EINVAL
    assert t.call("fcntl", fd, 4, O_NONBLOCK | O_APPEND) == 0
    assert t.call("fcntl", fd, 3, 0) & (O_NONBLOCK | O_APPEND) == O_NONBLOCK | O_APPEND
    assert t.call("fcntl", fd, 2, 0) == 0 and t.call("fcntl", fd, 1, 0) == 0
    assert t.call("fcntl", 99, 1, 0) == -errno.EBADF
    assert t.call("dup2", 99, 3) == -errno.EBADF
    assert t.call("close", 99) == -errno.EBADF
    assert t.call("close_range", 5, 20, 0) == 0
    assert 10 not in t.files and 11 not in t.files and fd in t.files


def test_ioctl(t: FakeTask) -> None:
    write_file(t, b"/f", b"0123456789")
    fd = t.call("open", b"/f", O_RDONLY)
    arg = t.mm.alloc(4)
    t.call("lseek", fd, 4, 0)
    assert t.call("ioctl", fd, 0x541B, arg) == 0
    assert struct.unpack("<i", t.mm.read(arg, 4))[0] == 6
    t.mm.write(arg, struct.pack("<i", 1))
    assert t.call("ioctl", fd, 0x5421, arg) == 0
    assert t.call("fcntl", fd, 3, 0) & O_NONBLOCK
    assert t.call("ioctl", fd, 0x5451, 0) == 0 and t.call("fcntl", fd, 1, 0) == 1
    assert t.call("ioctl", fd, 0x5401, arg) == -errno.ENOTTY  # TCGETS on a file


def test_emfile(t: FakeTask) -> None:
    t.files.limit = 5
    write_file(t, b"/f", b"")
    fds = [t.call("open", b"/f", O_RDONLY) for _ in range(5)]
    assert fds == [0, 1, 2, 3, 4]
    assert t.call("open", b"/g", O_CREAT | O_WRONLY, 0o644) == -errno.EMFILE
    assert t.call("access", b"/g", 0) == -errno.ENOENT  # nothing was created
    assert t.call("dup2", 0, 5) == -errno.EBADF


def test_names(t: FakeTask) -> None:
    assert t.call("mkdir", b"/a", 0o755) == 0
    assert t.call("mkdir", b"/a", 0o755) == -errno.EEXIST
    assert t.call("mkdir", b"/a/b/c", 0o755) == -errno.ENOENT
    assert t.call("mkdirat", AT_FDCWD_RAW, b"/a/b", 0o755) == 0
    write_file(t, b"/a/b/f", b"data")
    assert t.call("rmdir", b"/a") == -errno.ENOTEMPTY
    assert t.call("rmdir", b"/a/b/f") == -errno.ENOTDIR
    assert t.call("unlink", b"/a/b") == -errno.EISDIR
    assert t.call("rmdir", b"/a/.") == -errno.EINVAL
    assert t.call("rmdir", b"/a/..") == -errno.ENOTEMPTY
    assert t.call("link", b"/a/b/f", b"/hard") == 0
    assert stat(t, b"/hard")[2] == 2
    assert t.call("link", b"/a", b"/dirlink") == -errno.EPERM
    assert t.call("unlink", b"/a/b/f") == 0
    assert read_file(t, b"/hard") == b"data"
    assert stat(t, b"/hard")[2] == 1
    assert t.call("unlinkat", AT_FDCWD_RAW, b"/a/b", AT_REMOVEDIR) == 0
    assert t.call("unlinkat", AT_FDCWD_RAW, b"/a", 1) == -errno.EINVAL
    assert t.call("unlink", b"/hard/") == -errno.ENOTDIR
    assert stat(t, b"/")[2] == 3  # ".", "..", and /a's ".."


def test_rename(t: FakeTask) -> None:
    write_file(t, b"/x", b"X")
    write_file(t, b"/y", b"Y")
    t.call("mkdir", b"/d", 0o755)
    t.call("mkdir", b"/e", 0o755)
    write_file(t, b"/e/in", b"")
    assert t.call("rename", b"/x", b"/y") == 0
    assert read_file(t, b"/y") == b"X" and t.call("access", b"/x", 0) == -errno.ENOENT
    assert t.call("rename", b"/y", b"/d") == -errno.EISDIR
    assert t.call("rename", b"/d", b"/y") == -errno.ENOTDIR
    assert t.call("rename", b"/d", b"/e") == -errno.ENOTEMPTY
    assert t.call("rename", b"/d", b"/d/sub") == -errno.EINVAL
    assert t.call("rename", b"/y", b"/y") == 0
    write_file(t, b"/z", b"Z")
    assert t.call("renameat2", AT_FDCWD_RAW, b"/z", AT_FDCWD_RAW, b"/y", RENAME_NOREPLACE) == -errno.EEXIST
    assert t.call("renameat2", AT_FDCWD_RAW, b"/z", AT_FDCWD_RAW, b"/y", RENAME_EXCHANGE) == 0
    assert read_file(t, b"/y") == b"Z" and read_file(t, b"/z") == b"X"
    assert t.call("renameat2", AT_FDCWD_RAW, b"/z", AT_FDCWD_RAW, b"/nope", RENAME_EXCHANGE) == -errno.ENOENT
    assert t.call("renameat2", AT_FDCWD_RAW, b"/z", AT_FDCWD_RAW, b"/q", 3) == -errno.EINVAL
    # A directory moved while it is the cwd: getcwd follows it.
    t.call("mkdir", b"/d/sub", 0o755)
    t.call("chdir", b"/d/sub")
    assert t.call("rename", b"/d", b"/e/moved") == 0
    buf = t.mm.alloc(64)
    n = t.call("getcwd", buf, 64)
    assert t.mm.read(buf, n) == b"/e/moved/sub\0"
    assert stat(t, b"/e")[2] == 3
    assert t.call("getcwd", buf, 5) == -errno.ERANGE
    t.call("rmdir", b"/e/moved/sub")
    assert t.call("getcwd", buf, 64) == -errno.ENOENT


def test_readlink_symlink(t: FakeTask) -> None:
    assert t.call("symlink", b"", b"/l") == -errno.ENOENT
    assert t.call("symlink", b"a/b", b"/l") == 0
    assert t.call("symlink", b"x", b"/l") == -errno.EEXIST
    buf = t.mm.alloc(16)
    assert t.call("readlink", b"/l", buf, 2) == 2 and t.mm.read(buf, 2) == b"a/"
    assert t.call("readlink", b"/", buf, 16) == -errno.EINVAL
    assert t.call("readlink", b"/l", buf, 0) == -errno.EINVAL


def test_chdir_fchdir_chroot(t: FakeTask) -> None:
    t.call("mkdir", b"/jail", 0o755)
    t.call("mkdir", b"/jail/in", 0o755)
    write_file(t, b"/jail/in/f", b"inside")
    write_file(t, b"/secret", b"s")
    assert t.call("chdir", b"/jail/in/f") == -errno.ENOTDIR
    fd = t.call("open", b"/jail", O_RDONLY | O_DIRECTORY)
    assert t.call("fchdir", fd) == 0
    assert read_file(t, b"in/f") == b"inside"
    assert t.call("openat", fd, b"in/f", O_RDONLY) >= 0
    assert t.call("chroot", b"/jail") == 0
    assert t.call("access", b"/secret", 0) == -errno.ENOENT
    assert t.call("access", b"/../../in/f", 0) == 0
    buf = t.mm.alloc(64)
    n = t.call("getcwd", buf, 64)
    assert t.mm.read(buf, n) == b"/\0"
    t.creds.euid = 1
    assert t.call("chroot", b"/in") == -errno.EPERM


def test_permissions_non_root(t: FakeTask) -> None:
    write_file(t, b"/secret", b"s", mode=0o600)
    t.call("mkdir", b"/priv", 0o700)
    t.call("mkdir", b"/tmpdir", 0o1777)
    t.call("chmod", b"/tmpdir", 0o1777)
    write_file(t, b"/tmpdir/rootfile", b"", mode=0o666)
    user = FakeTask(root=t.fs.root, uid=1000, gid=1000)
    assert user.call("open", b"/secret", O_RDONLY) == -errno.EACCES
    assert user.call("access", b"/secret", 4) == -errno.EACCES
    assert user.call("access", b"/secret", 0) == 0
    assert user.call("open", b"/priv/x", O_CREAT | O_WRONLY, 0o644) == -errno.EACCES
    assert user.call("mkdir", b"/u", 0o755) == -errno.EACCES
    assert user.call("chmod", b"/secret", 0o777) == -errno.EPERM
    assert user.call("chown", b"/secret", 1000, 1000) == -errno.EPERM
    fd = user.call("open", b"/tmpdir/mine", O_CREAT | O_WRONLY, 0o644)
    assert fd >= 0
    st = stat(user, b"/tmpdir/mine")
    assert (st[4], st[5]) == (1000, 1000)
    assert user.call("unlink", b"/tmpdir/rootfile") == -errno.EPERM  # sticky directory
    assert user.call("unlink", b"/tmpdir/mine") == 0
    assert user.call("fchown", fd, 0xFFFFFFFF, 1000) == 0
    assert user.call("fchown", fd, 0xFFFFFFFF, 5) == -errno.EPERM
    # root bypasses permission bits but still needs an x bit to execute
    assert t.call("access", b"/secret", 6) == 0
    assert t.call("access", b"/secret", 1) == -errno.EACCES
    assert t.call("chmod", b"/secret", 0o4755) == 0
    assert t.call("chown", b"/secret", 5, 5) == 0
    assert stat(t, b"/secret")[3] == 0o100755  # set-uid cleared by chown


def test_truncate(t: FakeTask) -> None:
    write_file(t, b"/f", b"0123456789")
    assert t.call("truncate", b"/f", 4) == 0
    assert read_file(t, b"/f") == b"0123"
    fd = t.call("open", b"/f", O_RDONLY)
    assert t.call("ftruncate", fd, 0) == -errno.EINVAL
    wfd = t.call("open", b"/f", O_WRONLY)
    assert t.call("ftruncate", wfd, 8) == 0
    assert read_file(t, b"/f") == b"0123" + bytes(4)
    assert t.call("truncate", b"/", 0) == -errno.EISDIR
    assert t.call("truncate", b"/f", -1 & (2**64 - 1)) == -errno.EINVAL


def test_vector_and_positional_io(t: FakeTask) -> None:
    fd = t.call("open", b"/v", O_CREAT | O_RDWR, 0o644)
    a, b = t.mm.put(b"abc"), t.mm.put(b"defg")
    iov = t.mm.alloc(32)
    t.mm.write(iov, struct.pack("<QQQQ", a, 3, b, 4))
    assert t.call("writev", fd, iov, 2) == 7
    assert t.call("pwrite64", fd, t.mm.put(b"Z"), 1, 0) == 1
    out1, out2 = t.mm.alloc(2), t.mm.alloc(16)
    t.mm.write(iov, struct.pack("<QQQQ", out1, 2, out2, 16))
    assert t.call("preadv", fd, iov, 2, 1, 0) == 6
    assert t.mm.read(out1, 2) == b"bc" and t.mm.read(out2, 4) == b"defg"
    assert t.call("pread64", fd, out2, 3, 4) == 3 and t.mm.read(out2, 3) == b"efg"
    assert t.call("lseek", fd, 0, 1) == 7  # positional I/O leaves the offset alone
    assert t.call("readv", fd, iov, 1025) == -errno.EINVAL
    assert t.call("pread64", fd, out2, 3, -1 & (2**64 - 1)) == -errno.EINVAL
    assert t.call("read", fd, 0x5, 3) in (0, -errno.EFAULT)


def test_sendfile(t: FakeTask) -> None:
    write_file(t, b"/src", bytes(range(256)) * 1000)
    src = t.call("open", b"/src", O_RDONLY)
    dst = t.call("open", b"/dst", O_CREAT | O_WRONLY, 0o644)
    off = t.mm.alloc(8)
    t.mm.write(off, struct.pack("<Q", 1000))
    assert t.call("sendfile", dst, src, off, 100000) == 100000
    assert struct.unpack("<Q", t.mm.read(off, 8))[0] == 101000
    assert t.call("lseek", src, 0, 1) == 0
    assert t.call("sendfile", dst, src, 0, 10) == 10
    assert t.call("lseek", src, 0, 1) == 10
    data = read_file(t, b"/dst")
    assert len(data) == 65536  # read_file reads one buffer
    pipe = t.mm.alloc(8)
    t.call("pipe", pipe)
    r, w = struct.unpack("<ii", t.mm.read(pipe, 8))
    assert t.call("sendfile", w, src, 0, 1 << 20) == 65536  # stops when the pipe is full
    assert t.call("sendfile", r, src, 0, 10) == -errno.EBADF


def test_statfs_sync_mount(t: FakeTask) -> None:
    buf = t.mm.alloc(120)
    assert t.call("statfs", b"/", buf) == 0
    assert struct.unpack_from("<q", t.mm.read(buf, 8))[0] == 0x01021994
    assert t.call("sync") == 0
    t.call("mkdir", b"/mnt", 0o755)
    write_file(t, b"/mnt/under", b"")
    assert t.call("mount", b"none", b"/mnt", b"tmpfs", 0, 0) == 0
    assert t.call("access", b"/mnt/under", 0) == -errno.ENOENT
    write_file(t, b"/mnt/over", b"x")
    assert t.call("rename", b"/mnt/over", b"/over") == -errno.EXDEV
    assert t.call("rmdir", b"/mnt") == -errno.EBUSY
    assert t.call("mount", b"none", b"/mnt", b"nosuchfs", 0, 0) == -errno.ENODEV
    assert t.call("mount", b"none", b"/mnt", b"tmpfs", 1 | 32, 0) == 0  # remount read-only
    assert t.call("open", b"/mnt/new", O_CREAT | O_WRONLY, 0o644) == -errno.EROFS
    assert t.call("umount2", b"/mnt", 0) == 0
    assert t.call("access", b"/mnt/under", 0) == 0
    assert t.call("umount2", b"/mnt", 0) == -errno.EINVAL
    t.creds.euid = 1000
    assert t.call("mount", b"none", b"/mnt", b"tmpfs", 0, 0) == -errno.EPERM


def test_bind_mount(t: FakeTask) -> None:
    t.call("mkdir", b"/src", 0o755)
    t.call("mkdir", b"/dst", 0o755)
    write_file(t, b"/src/f", b"shared")
    assert t.call("mount", b"/src", b"/dst", 0, 4096, 0) == 0
    assert read_file(t, b"/dst/f") == b"shared"
    write_file(t, b"/dst/g", b"new")
    assert read_file(t, b"/src/g") == b"new"


def test_partial_copies_at_a_bad_page(t: FakeTask) -> None:
    write_file(t, b"/f", b"p" * 8192)
    fd = t.call("open", b"/f", O_RDWR)
    two = t.mm.alloc_pages(2)
    t.mm.holes.add((two >> 12) + 1)
    assert t.call("read", fd, two, 8192) == 4096  # stops at the hole
    assert t.call("lseek", fd, 0, 1) == 4096  # and the offset only moves by what was stored
    assert t.call("read", fd, two + 4096, 10) == -errno.EFAULT
    assert t.call("lseek", fd, 0, 1) == 4096
    assert t.call("write", fd, two, 8192) == 4096
    assert t.call("write", fd, two + 4096, 1) == -errno.EFAULT
    good = t.mm.put(b"abcd")
    iov = t.mm.alloc(32)
    t.mm.write(iov, struct.pack("<QQQQ", good, 4, two + 4096, 10))
    assert t.call("writev", fd, iov, 2) == 4
    t.mm.write(iov, struct.pack("<QQQQ", two + 4090, 6, two + 4096, 10))
    t.call("lseek", fd, 0, 0)
    assert t.call("readv", fd, iov, 2) == 6 and t.call("lseek", fd, 0, 1) == 6
    # a pipe keeps what could not be delivered
    pipe = t.mm.alloc(8)
    t.call("pipe", pipe)
    r, w = struct.unpack("<ii", t.mm.read(pipe, 8))
    t.call("write", w, t.mm.put(b"x" * 10), 10)
    assert t.call("read", r, two + 4092, 10) == 4
    assert t.call("read", r, two + 4096, 10) == -errno.EFAULT
    assert t.call("read", r, good, 10) == 6


def test_sparse_file_blocks(t: FakeTask) -> None:
    fd = t.call("open", b"/s", O_CREAT | O_RDWR, 0o644)
    assert t.call("pwrite64", fd, t.mm.put(b"x"), 1, 99999) == 1
    st = stat(t, b"/s")
    assert st[8] == 100000 and st[10] * 512 == 4096
    t.call("ftruncate", fd, 5000)
    assert stat(t, b"/s")[10] == 0
    t.call("pwrite64", fd, t.mm.put(b"y" * 5000), 5000, 0)
    assert stat(t, b"/s")[10] == 16


class FakePageCache:
    def __init__(self) -> None:
        self.log: list[tuple] = []

    def writeback(self) -> None:
        self.log.append(("writeback",))

    def file_written(self, offset: int, data: bytes) -> None:
        self.log.append(("written", offset, data))

    def file_truncated(self, size: int) -> None:
        self.log.append(("truncated", size))


def test_page_cache_hooks(t: FakeTask) -> None:
    write_file(t, b"/m", b"0123456789")
    fd = t.call("open", b"/m", O_RDWR)
    file = t.files.get(fd)
    cache = FakePageCache()
    file.inode.page_cache = cache
    backing = file.backing()
    assert backing.map_may_write and backing.inode is file.inode and backing.size == 10
    assert not t.files.get(t.call("open", b"/m", O_RDONLY)).backing().map_may_write
    t.call("pwrite64", fd, t.mm.put(b"AB"), 2, 3)
    t.call("read", fd, t.mm.alloc(4), 4)
    t.call("ftruncate", fd, 4)
    t.call("open", b"/m", O_WRONLY | O_TRUNC)
    assert cache.log == [("written", 3, b"AB"), ("writeback",), ("truncated", 4), ("truncated", 0)]
    assert backing.pread(0, 4) == b""  # Backing reads the file directly, no hooks


def test_copy_file_range_and_fadvise(t: FakeTask) -> None:
    write_file(t, b"/src", b"0123456789")
    src = t.call("open", b"/src", O_RDONLY)
    dst = t.call("open", b"/dst", O_CREAT | O_WRONLY, 0o644)
    assert t.call("copy_file_range", src, 0, dst, 0, 4, 0) == 4
    off = t.mm.alloc(8)
    t.mm.write(off, struct.pack("<Q", 8))
    assert t.call("copy_file_range", src, off, dst, 0, 100, 0) == 2
    assert struct.unpack("<Q", t.mm.read(off, 8))[0] == 10
    assert read_file(t, b"/dst") == b"012389"
    assert t.call("copy_file_range", src, 0, dst, 0, 4, 1) == -errno.EINVAL
    assert t.call("copy_file_range", dst, 0, src, 0, 4, 0) == -errno.EBADF
    assert t.call("fadvise64", src, 0, 0, 2) == 0
    assert t.call("fadvise64", src, 0, 0, 9) == -errno.EINVAL


def test_o_tmpfile(t: FakeTask) -> None:
    O_TMPFILE = 0o20200000
    assert t.call("open", b"/", O_TMPFILE | O_RDONLY, 0o600) == -errno.EINVAL
    fd = t.call("open", b"/", O_TMPFILE | O_RDWR, 0o600)
    assert fd >= 0
    assert t.call("write", fd, t.mm.put(b"anon"), 4) == 4
    assert stat(t, b"/")[2] == 2  # no name anywhere
    assert t.files.get(fd).path_name().endswith(b" (deleted)")
    assert t.call("linkat", fd, b"", AT_FDCWD_RAW, b"/named", AT_EMPTY_PATH) == 0
    assert read_file(t, b"/named") == b"anon" and stat(t, b"/named")[2] == 1
    excl = t.call("open", b"/", O_TMPFILE | O_RDWR | O_EXCL, 0o600)
    assert t.call("linkat", excl, b"", AT_FDCWD_RAW, b"/other", AT_EMPTY_PATH) == -errno.ENOENT
