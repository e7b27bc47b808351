"""Ancillary data (cmsg(3)): SCM_RIGHTS and SCM_CREDENTIALS of Unix sockets.

Layout (x86-64): struct cmsghdr = cmsg_len size_t, cmsg_level int, cmsg_type int (16
bytes), data aligned to 8 (CMSG_ALIGN). `parse_control` reads what sendmsg passes;
`ControlWriter` fills the receiver's buffer as Linux's put_cmsg/scm_detach_fds do
(truncating with MSG_CTRUNC, installing as many passed files as fit).
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass, field
from typing import Any

from ..errors import KernelError

SOL_SOCKET = 1
SCM_RIGHTS = 1
SCM_CREDENTIALS = 2
SCM_MAX_FD = 253
MSG_CTRUNC = 0x8
MAX_CONTROL = 1 << 20

_CMSGHDR = struct.Struct("<Qii")
_UCRED = struct.Struct("<iII")


def cmsg_align(n: int) -> int:
    return (n + 7) & ~7


def cmsg_len(n: int) -> int:
    return _CMSGHDR.size + n


def cmsg_space(n: int) -> int:
    return _CMSGHDR.size + cmsg_align(n)


@dataclass
class Ancillary:
    """What travels beside the data: open files (each holding a reference until received
    or dropped) and the sender's (pid, uid, gid)."""

    files: list[Any] = field(default_factory=list)
    creds: tuple[int, int, int] | None = None

    def release(self) -> None:
        """Drop the references of files never received."""
        files, self.files = self.files, []
        for file in files:
            file.put()


def default_creds(task: Any) -> tuple[int, int, int]:
    """The credentials a Unix socket message carries unless SCM_CREDENTIALS says otherwise."""
    return task.tgid, task.creds.uid, task.creds.gid


def _check_creds(task: Any, pid: int, uid: int, gid: int) -> None:
    """__scm_creds rules: your own pid, one of your uids and gids (root: anything)."""
    c = task.creds
    if c.euid == 0:
        return
    if pid != task.tgid or uid not in (c.uid, c.euid, c.suid) or gid not in (c.gid, c.egid, c.sgid):
        raise KernelError(errno.EPERM)


def parse_control(task: Any, control: bytes, unix: bool) -> Ancillary:
    """The ancillary data of a sendmsg control buffer: EINVAL for malformed headers or
    unknown SOL_SOCKET types, EBADF for a bad fd; other levels are ignored, and so are
    SCM_RIGHTS/SCM_CREDENTIALS on non-Unix sockets."""
    anc = Ancillary()
    try:
        pos = 0
        while len(control) - pos >= _CMSGHDR.size:
            length, level, ctype = _CMSGHDR.unpack_from(control, pos)
            if length < _CMSGHDR.size or length > len(control) - pos:
                raise KernelError(errno.EINVAL)
            payload = control[pos + _CMSGHDR.size:pos + length]
            if level == SOL_SOCKET:
                if ctype in (SCM_RIGHTS, SCM_CREDENTIALS) and not unix:
                    pass  # inet sockets ignore them, as Linux's __sock_cmsg_send does
                elif ctype == SCM_RIGHTS:
                    count = len(payload) // 4
                    if len(anc.files) + count > SCM_MAX_FD:
                        raise KernelError(errno.EINVAL)
                    for (fd,) in struct.iter_unpack("<i", payload[:count * 4]):
                        anc.files.append(task.files.get(fd).get())
                elif ctype == SCM_CREDENTIALS:
                    if len(payload) != _UCRED.size:
                        raise KernelError(errno.EINVAL)
                    creds = _UCRED.unpack(payload)
                    _check_creds(task, *creds)
                    anc.creds = creds
                else:
                    raise KernelError(errno.EINVAL)
            pos += cmsg_align(length)
    except KernelError:
        anc.release()
        raise
    return anc


class ControlWriter:
    """Builds the control buffer recvmsg returns, at most `room` bytes."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.out = bytearray()
        self.flags = 0

    def put(self, level: int, ctype: int, data: bytes) -> None:
        """put_cmsg: one message, truncated (MSG_CTRUNC) when it does not fit."""
        left = self.room - len(self.out)
        if left < _CMSGHDR.size:
            self.flags |= MSG_CTRUNC
            return
        full = cmsg_len(len(data))
        if left < full:
            self.flags |= MSG_CTRUNC
            full = left
        msg = _CMSGHDR.pack(full, level, ctype) + data
        self.out += msg[:full]
        self.out += bytes(min(cmsg_space(len(data)), left) - full)

    def put_creds(self, creds: tuple[int, int, int]) -> None:
        self.put(SOL_SOCKET, SCM_CREDENTIALS, _UCRED.pack(*creds))

    def put_files(self, task: Any, files: list[Any], cloexec: bool) -> None:
        """scm_detach_fds: install the files that fit, drop the rest (MSG_CTRUNC)."""
        left = self.room - len(self.out)
        fit = max(0, (left - _CMSGHDR.size) // 4) if left > _CMSGHDR.size else 0
        fds = []
        for file in files[:fit]:
            try:
                fds.append(task.files.install(file, cloexec))
            except KernelError:
                break
        if fds:
            data = struct.pack(f"<{len(fds)}i", *fds)
            full = cmsg_len(len(data))
            self.out += _CMSGHDR.pack(full, SOL_SOCKET, SCM_RIGHTS) + data
            self.out += bytes(min(cmsg_space(len(data)), left) - full)
        if len(fds) < len(files):
            self.flags |= MSG_CTRUNC
        for file in files:
            file.put()
