"""FsContext: a process's root directory, working directory and umask (struct fs_struct)."""

from __future__ import annotations

from .dentry import Dentry


class FsContext:
    """Root, cwd and umask; shared by CLONE_FS threads, copied by fork()."""

    __slots__ = ("root", "cwd", "umask")

    def __init__(self, root: Dentry, cwd: Dentry | None = None, umask: int = 0o022) -> None:
        self.root = root
        self.cwd = cwd if cwd is not None else root
        self.umask = umask

    def fork(self) -> FsContext:
        return FsContext(self.root, self.cwd, self.umask)


class KernelCreds:
    """The credentials of kernel-internal path lookups (boot, exec of init): uid 0."""

    uid = euid = suid = fsuid = 0
    gid = egid = sgid = fsgid = 0
    groups: list[int] = []


KERNEL_CREDS = KernelCreds()
