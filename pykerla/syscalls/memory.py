"""Memory system calls: mmap, munmap, mprotect, mremap, madvise, msync, mincore, brk."""

from __future__ import annotations

import errno

from pykerla.errors import KernelError
from pykerla.process.task import Task
from pykerla.syscalls.table import syscall

MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_ANONYMOUS = 0x01, 0x02, 0x03, 0x20
O_ACCMODE, O_RDONLY, O_WRONLY = 3, 0, 1
PROT_WRITE = 2


@syscall(9, "mmap", "p", "u", "x", "x", "fd", "x")
def sys_mmap(task: Task, addr: int, length: int, prot: int, flags: int, fd: int, offset: int) -> int:
    backing = None
    if not flags & MAP_ANONYMOUS:
        file = task.files.get(fd)
        mode = file.flags & O_ACCMODE
        if mode == O_WRONLY:
            raise KernelError(errno.EACCES)
        if flags & 0x03 in (MAP_SHARED, MAP_SHARED_VALIDATE) and prot & PROT_WRITE and mode == O_RDONLY:
            raise KernelError(errno.EACCES)
        backing = file.backing()
    return task.mm.mmap(addr, length, prot, flags, backing, offset)


@syscall(11, "munmap", "p", "u")
def sys_munmap(task: Task, addr: int, length: int) -> int:
    task.mm.munmap(addr, length)
    return 0


@syscall(10, "mprotect", "p", "u", "x")
def sys_mprotect(task: Task, addr: int, length: int, prot: int) -> int:
    task.mm.mprotect(addr, length, prot)
    return 0


@syscall(25, "mremap", "p", "u", "u", "x", "p")
def sys_mremap(task: Task, old_addr: int, old_size: int, new_size: int, flags: int, new_addr: int) -> int:
    return task.mm.mremap(old_addr, old_size, new_size, flags, new_addr)


@syscall(28, "madvise", "p", "u", "i")
def sys_madvise(task: Task, addr: int, length: int, advice: int) -> int:
    task.mm.madvise(addr, length, advice)
    return 0


@syscall(26, "msync", "p", "u", "x")
def sys_msync(task: Task, addr: int, length: int, flags: int) -> int:
    task.mm.msync(addr, length, flags)
    return 0


@syscall(27, "mincore", "p", "u", "p")
def sys_mincore(task: Task, addr: int, length: int, vec: int) -> int:
    task.mm.write(vec, task.mm.mincore(addr, length))
    return 0


@syscall(12, "brk", "p")
def sys_brk(task: Task, addr: int) -> int:
    return task.mm.brk(addr)
