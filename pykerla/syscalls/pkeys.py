"""Memory protection keys: pkey_alloc, pkey_free, pkey_mprotect.

pykerla never sets CR4.PKE, so it behaves as x86 Linux on a CPU without OSPKE: no key can
be allocated, no key counts as allocated (pkey_free is EINVAL), and
pkey_mprotect is mprotect when the key is -1 and EINVAL for any other key once its
arguments have passed mprotect's own checks. Programs probe with pkey_alloc and carry on
without keys (V8 does).

pkey_alloc with valid arguments fails as Linux's does there: the first call in an address
space takes key 0 from an empty allocation map, fails to set its access rights (EINVAL)
and cannot give it back (key 0 is then the "execute-only" key, which pkey_free refuses),
so every later call finds the one-key map full (ENOSPC). (Linux copies that state into a
forked child; here a child starts afresh.)
"""

from __future__ import annotations

import errno
import weakref
from typing import Any

from ..errors import KernelError
from .table import syscall

PAGE_SIZE = 4096
_MASK64 = (1 << 64) - 1
PKEY_ACCESS_MASK = 0x3  # PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE

_key0_taken: weakref.WeakSet[Any] = weakref.WeakSet()  # address spaces whose key 0 leaked


@syscall(330, "pkey_alloc", "x", "x")
def sys_pkey_alloc(task: Any, flags: int, init_val: int) -> int:
    if flags or init_val & ~PKEY_ACCESS_MASK:
        raise KernelError(errno.EINVAL)
    if task.mm in _key0_taken:
        raise KernelError(errno.ENOSPC)
    _key0_taken.add(task.mm)
    raise KernelError(errno.EINVAL)


@syscall(331, "pkey_free", "i")
def sys_pkey_free(task: Any, pkey: int) -> int:
    raise KernelError(errno.EINVAL)  # never allocated


@syscall(329, "pkey_mprotect", "p", "u", "x", "i")
def sys_pkey_mprotect(task: Any, addr: int, length: int, prot: int, pkey: int) -> int:
    if pkey == -1:
        task.mm.mprotect(addr, length, prot)
        return 0
    task.mm.mprotect(addr, 0, prot)   # mprotect's argument checks alone (a length of 0 changes nothing)
    if length == 0:
        return 0
    if (addr + (length + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE) & _MASK64 <= addr:
        raise KernelError(errno.ENOMEM)
    raise KernelError(errno.EINVAL)  # the key is not allocated
