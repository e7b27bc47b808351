"""Linux x86-64 constants of the file ABI: open flags, *at flags, file modes, dirent types.

Values come from the kernel's uapi headers (asm-generic/fcntl.h, linux/stat.h, linux/fcntl.h);
they are defined here rather than taken from the host's `os` module so the guest ABI never
depends on the host.
"""

from __future__ import annotations

# open(2) flags (octal, as in asm-generic/fcntl.h)
O_ACCMODE = 0o3
O_RDONLY = 0o0
O_WRONLY = 0o1
O_RDWR = 0o2
O_CREAT = 0o100
O_EXCL = 0o200
O_NOCTTY = 0o400
O_TRUNC = 0o1000
O_APPEND = 0o2000
O_NONBLOCK = 0o4000
O_DSYNC = 0o10000
O_ASYNC = 0o20000
O_DIRECT = 0o40000
O_LARGEFILE = 0o100000
O_DIRECTORY = 0o200000
O_NOFOLLOW = 0o400000
O_NOATIME = 0o1000000
O_CLOEXEC = 0o2000000
O_SYNC = 0o4010000
O_PATH = 0o10000000
O_TMPFILE = 0o20200000

# Flags F_SETFL may change (fs/fcntl.c SETFL_MASK).
SETFL_MASK = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_ASYNC
# Flags kept in the open file's status (creation flags are dropped, as open(2) does).
STATUS_FLAGS_KEPT = ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC) & 0xFFFFFFFF

# *at(2) flags (linux/fcntl.h)
AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_EACCESS = 0x200
AT_REMOVEDIR = 0x200
AT_SYMLINK_FOLLOW = 0x400
AT_NO_AUTOMOUNT = 0x800
AT_EMPTY_PATH = 0x1000
AT_STATX_SYNC_TYPE = 0x6000

# renameat2(2) flags
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
RENAME_WHITEOUT = 4

# File type and permission bits (linux/stat.h)
S_IFMT = 0o170000
S_IFSOCK = 0o140000
S_IFLNK = 0o120000
S_IFREG = 0o100000
S_IFBLK = 0o060000
S_IFDIR = 0o040000
S_IFCHR = 0o020000
S_IFIFO = 0o010000
S_ISUID = 0o4000
S_ISGID = 0o2000
S_ISVTX = 0o1000
S_IALLUGO = 0o7777

# access(2) modes
F_OK = 0
X_OK = 1
W_OK = 2
R_OK = 4

# linux_dirent d_type values
DT_UNKNOWN = 0
DT_FIFO = 1
DT_CHR = 2
DT_DIR = 4
DT_BLK = 6
DT_REG = 8
DT_LNK = 10
DT_SOCK = 12

PATH_MAX = 4096
NAME_MAX = 255
MAXSYMLINKS = 40


def dtype_of(mode: int) -> int:
    """The d_type of a file mode (DT_* is the S_IF* type shifted right by 12)."""
    return (mode & S_IFMT) >> 12
