"""A user address space: page tables + sorted VMAs, and every operation on them.

Owns mmap/munmap/mprotect/mremap/madvise/brk (Linux semantics, no ASLR), page faults
(demand zero, file copy, copy-on-write, stack growth, fault-around), fork's copy-on-write
copy, release on exit/execve, and the kernel's access to user memory (copy_from_user /
copy_to_user / strncpy_from_user), which faults pages in exactly as the CPU would.

Leaf entries always carry PTE_US and PTE_A; writable ones also PTE_D (no A/D faults).
A private page is mapped writable only while its frame is not shared (refcount 1);
otherwise the first write copies it.
"""

from __future__ import annotations

import errno
from bisect import bisect_left, bisect_right
from operator import attrgetter

from pykerla.arch.x64.paging import (
    PAGE_MASK,
    PAGE_SIZE,
    PTE_A,
    PTE_ADDR_MASK,
    PTE_D,
    PTE_NX,
    PTE_P,
    PTE_RW,
    PTE_US,
    TASK_SIZE,
    page_align_up,
)
from pykerla.errors import KernelError
from pykerla.mm import mman
from pykerla.mm.maps import format_vma
from pykerla.mm.mman import PROT_EXEC, PROT_RWX, PROT_WRITE
from pykerla.mm.page_table import PageTable
from pykerla.mm.physical import PhysicalMemory
from pykerla.mm.vma import (
    KIND_HEAP,
    VM_DONTFORK,
    VM_GROWSDOWN,
    VM_ACCOUNT,
    VM_LOCKED,
    VM_NORESERVE,
    VM_NOWRITE,
    VM_SHARED,
    VM_WIPEONFORK,
    Backing,
    Vma,
)
from pykerla.mm.shared_pages import SharedPages

# Linux x86-64 layout without ASLR: mmap_base = TASK_SIZE - max(RLIMIT_STACK + guard, 128 MiB).
MMAP_BASE = TASK_SIZE - (128 << 20)
TASK_UNMAPPED_BASE = page_align_up(TASK_SIZE // 3)  # bottom-up fallback start
MMAP_MIN_ADDR = 0x10000
STACK_GUARD_GAP = 256 * PAGE_SIZE
DEFAULT_STACK_RLIMIT = 8 << 20
MAX_MAP_COUNT = 65530
PMD_SIZE = 2 << 20
MAP_32BIT_BASE = 0x40000000
MAP_32BIT_END = 0x80000000

FAULT_AROUND_PAGES = 16  # pages mapped per not-present fault (aligned window), ~75 us a trap saved
FAULT_AROUND_SPAN = FAULT_AROUND_PAGES * PAGE_SIZE

_vma_start = attrgetter("start")
_vma_end = attrgetter("end")
_ZERO = bytes(PAGE_SIZE)


def _fail(err: int, message: str | None = None) -> KernelError:
    return KernelError(err, message)


class AddressSpace:
    """Page tables and VMAs of one process (Linux mm_struct)."""

    def __init__(self, phys: PhysicalMemory, kernel_pml4_entries: dict[int, int]) -> None:
        self.phys = phys
        self._kernel_entries = dict(kernel_pml4_entries)
        self.pt = PageTable(phys, kernel_pml4_entries)
        self.root = self.pt.root
        self.vmas: list[Vma] = []
        self.mmap_base = MMAP_BASE
        self.start_brk = 0
        self.cur_brk = 0
        # Set by the ELF loader / initial stack builder (for /proc/pid/{stat,maps,cmdline,environ}).
        self.start_stack = 0
        self.arg_start = self.arg_end = 0
        self.env_start = self.env_end = 0
        self.saved_auxv = b""  # the auxv words as written to the stack (/proc/pid/auxv)
        self.stack_rlimit = DEFAULT_STACK_RLIMIT
        self.rss = 0  # leaf entries holding a frame (pages)
        self.hiwater_rss = 0  # the most rss has been (getrusage's ru_maxrss)
        self._words = phys.words
        self._ram = phys.ram

    # ----------------------------------------------------------------- VMA bookkeeping

    @property
    def total_vm(self) -> int:
        """Mapped size in pages (VmSize)."""
        return sum(v.end - v.start for v in self.vmas) // PAGE_SIZE

    def vm_counters(self) -> dict[str, int]:
        """Page counts for /proc/pid/status: total, data, stack, exec, rss (Linux rules)."""
        data = stack = exe = 0
        for v in self.vmas:
            pages = (v.end - v.start) // PAGE_SIZE
            if v.flags & VM_GROWSDOWN:
                stack += pages
            elif v.prot & PROT_WRITE and not v.is_shared:
                data += pages
            elif v.prot & PROT_EXEC:
                exe += pages
        return {"total": self.total_vm, "data": data, "stack": stack, "exec": exe, "rss": self.rss}

    def find_vma(self, addr: int) -> Vma | None:
        """The first VMA ending above addr (Linux find_vma), or None."""
        i = bisect_right(self.vmas, addr, key=_vma_end)
        return self.vmas[i] if i < len(self.vmas) else None

    def vma_at(self, addr: int) -> Vma | None:
        """The VMA containing addr, or None."""
        vma = self.find_vma(addr)
        return vma if vma is not None and vma.start <= addr else None

    def _split(self, addr: int) -> None:
        """Make addr a VMA boundary if it falls strictly inside one."""
        i = bisect_right(self.vmas, addr, key=_vma_end)
        if i < len(self.vmas):
            vma = self.vmas[i]
            if vma.start < addr:
                self.vmas.insert(i + 1, vma.split_copy(addr, vma.end))
                vma.end = addr

    def _slice(self, start: int, end: int) -> tuple[int, int]:
        """Split at start and end; the index range of the VMAs inside [start, end)."""
        self._split(start)
        self._split(end)
        return (bisect_left(self.vmas, start, key=_vma_start),
                bisect_left(self.vmas, end, key=_vma_start))

    def _insert(self, vma: Vma) -> None:
        i = bisect_left(self.vmas, vma.start, key=_vma_start)
        self.vmas.insert(i, vma)
        self._merge_next(i)
        self._merge_next(i - 1)

    def _merge_next(self, i: int) -> None:
        """Merge vmas[i + 1] into vmas[i] when they are compatible neighbours."""
        if 0 <= i < len(self.vmas) - 1 and self.vmas[i].can_merge_after(self.vmas[i + 1]):
            other = self.vmas.pop(i + 1)
            self.vmas[i].end = other.end
            if other.shared is not None:
                other.shared.put()

    def _merge_range(self, i: int, j: int) -> None:
        """Merge the VMAs at indices [i - 1, j] where possible (after changing [i, j))."""
        for k in range(min(j, len(self.vmas) - 1), max(i - 1, 0) - 1, -1):
            self._merge_next(k)

    def _drop_leaf(self, entry: int) -> None:
        self.phys.unref(entry & PTE_ADDR_MASK)
        self.rss -= 1

    def _unmap(self, start: int, end: int) -> None:
        """Remove every mapping in [start, end) (page aligned)."""
        i, j = self._slice(start, end)
        for vma in self.vmas[i:j]:
            if vma.shared is not None:
                vma.shared.put()
        del self.vmas[i:j]
        self.pt.clear(start, end, self._drop_leaf)

    # ----------------------------------------------------------------- placement

    def _gaps(self) -> list[tuple[int, int]]:
        """Free ranges between VMAs (a stack's guard gap counts as used), ascending."""
        gaps = []
        prev_end = 0
        for vma in self.vmas:
            start = vma.start
            if vma.flags & VM_GROWSDOWN:
                start = max(start - STACK_GUARD_GAP, 0)
            gaps.append((prev_end, start))
            prev_end = vma.end
        gaps.append((prev_end, TASK_SIZE))
        return gaps

    def _search(self, length: int, low: int, high: int, topdown: bool, align: int = PAGE_SIZE) -> int:
        """The highest (topdown) or lowest free aligned address for length bytes in [low, high),
        or -1."""
        gaps = self._gaps()
        if topdown:
            for gap_start, gap_end in reversed(gaps):
                lo, hi = max(gap_start, low), min(gap_end, high)
                addr = (hi - length) & ~(align - 1)
                if hi - lo >= length and addr >= lo:
                    return addr
        else:
            for gap_start, gap_end in gaps:
                lo, hi = max(gap_start, low), min(gap_end, high)
                addr = (lo + align - 1) & ~(align - 1)
                if addr + length <= hi:
                    return addr
        return -1

    def _range_free(self, addr: int, length: int) -> bool:
        """Is [addr, addr + length) free, including the guard gap below a stack above it?"""
        vma = self.find_vma(addr)
        if vma is None:
            return True
        start = vma.start - STACK_GUARD_GAP if vma.flags & VM_GROWSDOWN else vma.start
        return addr + length <= start

    def get_unmapped_area(self, hint: int, length: int, flags: int, anon_private: bool) -> int:
        """Where a new mapping goes (Linux arch_get_unmapped_area_topdown); ENOMEM if nowhere."""
        if length > TASK_SIZE:
            raise _fail(errno.ENOMEM)
        if flags & mman.MAP_32BIT:
            if hint:
                hint = page_align_up(hint)
                if hint <= MAP_32BIT_END - length and self._range_free(hint, length):
                    return hint
            addr = self._search(length, MAP_32BIT_BASE, MAP_32BIT_END, topdown=False)
        else:
            if hint:
                hint &= PAGE_MASK
                if hint <= TASK_SIZE - length and self._range_free(hint, length):
                    return hint
            align = PMD_SIZE if anon_private and not hint and length % PMD_SIZE == 0 else PAGE_SIZE
            addr = self._search(length, PAGE_SIZE, self.mmap_base, topdown=True, align=align)
            if addr < 0 and align != PAGE_SIZE:
                addr = self._search(length, PAGE_SIZE, self.mmap_base, topdown=True)
            if addr < 0:
                addr = self._search(length, TASK_UNMAPPED_BASE, TASK_SIZE, topdown=False)
        if addr < 0:
            raise _fail(errno.ENOMEM)
        return addr

    # ----------------------------------------------------------------- mmap family

    def mmap(self, addr: int, length: int, prot: int, flags: int, backing: Backing | None = None,
             offset: int = 0) -> int:
        """Linux do_mmap: create a mapping; returns its address. The caller has checked the
        file's open mode (EACCES) and resolved the fd (EBADF/ENODEV)."""
        anonymous = backing is None
        if offset & ~PAGE_MASK or offset < 0:
            raise _fail(errno.EINVAL, "mmap: offset not page aligned")
        if length == 0:
            raise _fail(errno.EINVAL, "mmap: zero length")
        if not flags & mman.MAP_FIXED and addr and addr < MMAP_MIN_ADDR:
            addr = MMAP_MIN_ADDR
        length = page_align_up(length)
        if length > TASK_SIZE:
            raise _fail(errno.ENOMEM)
        if (offset >> 12) + (length >> 12) >= 1 << 52:
            raise _fail(errno.EOVERFLOW)
        if len(self.vmas) > MAX_MAP_COUNT:
            raise _fail(errno.ENOMEM, "mmap: too many mappings")
        map_type = flags & mman.MAP_TYPE
        if map_type not in (mman.MAP_SHARED, mman.MAP_PRIVATE, mman.MAP_SHARED_VALIDATE) or (
                anonymous and map_type == mman.MAP_SHARED_VALIDATE):
            raise _fail(errno.EINVAL, "mmap: bad mapping type")
        if map_type == mman.MAP_SHARED_VALIDATE and flags & ~mman.LEGACY_MAP_MASK & ~mman.MAP_FIXED_NOREPLACE:
            raise _fail(errno.EOPNOTSUPP)
        shared = map_type != mman.MAP_PRIVATE
        if anonymous and flags & mman.MAP_HUGETLB:
            raise _fail(errno.ENOMEM, "mmap: no huge pages reserved")
        if shared and anonymous and flags & mman.MAP_GROWSDOWN:
            raise _fail(errno.EINVAL)
        may_write = not shared or anonymous or getattr(backing, "map_may_write", True)
        if shared and prot & PROT_WRITE and not may_write:
            raise _fail(errno.EACCES, "mmap: shared writable mapping of a read-only file")

        if flags & (mman.MAP_FIXED | mman.MAP_FIXED_NOREPLACE):
            if addr & ~PAGE_MASK:
                raise _fail(errno.EINVAL, "mmap: MAP_FIXED address not page aligned")
            if addr > TASK_SIZE - length:
                raise _fail(errno.ENOMEM)
            if flags & mman.MAP_FIXED_NOREPLACE:
                vma = self.find_vma(addr)
                if vma is not None and vma.start < addr + length:
                    raise _fail(errno.EEXIST)
        else:
            addr = self.get_unmapped_area(addr, length, flags, anonymous and not shared)

        vm_flags = 0
        if shared:
            vm_flags |= VM_SHARED
        if flags & mman.MAP_GROWSDOWN:
            vm_flags |= VM_GROWSDOWN
        if flags & mman.MAP_LOCKED:
            vm_flags |= VM_LOCKED
        if not may_write:
            vm_flags |= VM_NOWRITE
        if flags & mman.MAP_NORESERVE:
            vm_flags |= VM_NORESERVE
        elif not shared and prot & PROT_WRITE:
            vm_flags |= VM_ACCOUNT  # Linux accountable_mapping
        self._unmap(addr, addr + length)
        pages = SharedPages.attach(self.phys, backing) if shared else None
        if pages is not None and prot & PROT_WRITE:
            pages.writable = True
        self._insert(Vma(addr, addr + length, prot & PROT_RWX, vm_flags, backing,
                         offset if backing is not None else 0, pages))
        if flags & mman.MAP_POPULATE and not flags & mman.MAP_NONBLOCK and prot & PROT_RWX:
            try:
                self._populate(addr, addr + length, write=bool(prot & PROT_WRITE) and not shared)
            except KernelError:
                self._unmap(addr, addr + length)  # out of memory: the mmap fails as a whole
                raise
        return addr

    def map_special(self, addr: int, frames: list[int], prot: int, name: str) -> None:
        """Map platform-owned frames (vDSO, vvar) read-only/exec at a fixed address as a VMA
        named `name`; the frames are referenced, never written by COW (no PROT_WRITE)."""
        end = addr + len(frames) * PAGE_SIZE
        self._unmap(addr, end)
        vma = Vma(addr, end, prot & ~PROT_WRITE & PROT_RWX, 0, name=name)
        self._insert(vma)
        for i, paddr in enumerate(frames):
            self.phys.ref(paddr)
            self._set_leaf(self.pt.lookup_alloc(addr + i * PAGE_SIZE), vma, paddr)

    def munmap(self, addr: int, length: int) -> None:
        length = page_align_up(length)
        if addr & ~PAGE_MASK or length == 0 or addr > TASK_SIZE or length > TASK_SIZE - addr:
            raise _fail(errno.EINVAL)
        self._unmap(addr, addr + length)

    def mprotect(self, addr: int, length: int, prot: int) -> None:
        """Linux mprotect: applies to the mapped part before any hole, then ENOMEM."""
        if addr & ~PAGE_MASK:
            raise _fail(errno.EINVAL)
        grows = prot & (mman.PROT_GROWSDOWN | mman.PROT_GROWSUP)
        if prot & ~(PROT_RWX | mman.PROT_SEM | grows) or grows == mman.PROT_GROWSDOWN | mman.PROT_GROWSUP:
            raise _fail(errno.EINVAL)
        if length == 0:
            return
        end = addr + page_align_up(length)
        vma = self.find_vma(addr)
        if vma is None:
            raise _fail(errno.ENOMEM)
        if grows == mman.PROT_GROWSDOWN:
            if vma.start >= end:
                raise _fail(errno.ENOMEM)
            if not vma.flags & VM_GROWSDOWN:
                raise _fail(errno.EINVAL)
            addr = vma.start
        elif grows:
            raise _fail(errno.EINVAL)  # no VM_GROWSUP areas on x86
        elif vma.start > addr:
            raise _fail(errno.ENOMEM)
        prot &= PROT_RWX
        i, j = self._slice(addr, min(end, self.vmas[-1].end))
        error = 0
        expected = addr
        for vma in self.vmas[i:j]:
            if vma.start != expected:
                error = errno.ENOMEM
                break
            if prot & PROT_WRITE and vma.flags & VM_NOWRITE:
                error = errno.EACCES
                break
            if vma.prot != prot:
                if prot & PROT_WRITE and not vma.flags & (VM_ACCOUNT | VM_SHARED | VM_NORESERVE) \
                        and not vma.prot & PROT_WRITE:
                    vma.flags |= VM_ACCOUNT  # turning into private data charges it (mprotect_fixup)
                vma.prot = prot
                if vma.shared is not None and prot & PROT_WRITE:
                    vma.shared.writable = True
                self._reprotect(vma, vma.start, vma.end)
            expected = vma.end
        else:
            if expected < end:
                error = errno.ENOMEM
        self._merge_range(i, j)
        if error:
            raise _fail(error)

    def _reprotect(self, vma: Vma, start: int, end: int) -> None:
        """Recompute the leaf entries of [start, end) after vma.prot changed."""
        q = self._words
        log = self.phys.flush_log
        for pte, _va, count in self.pt.leaf_tables(start, end):
            base = pte >> 3
            for k, old in enumerate(q[base : base + count].tolist()):
                if old:
                    new = self._leaf_bits(vma, old & PTE_ADDR_MASK)
                    if new != old:
                        q[base + k] = new
                        if _more_restrictive(old, new):
                            log.pte(pte + (k << 3))

    def mremap(self, old_addr: int, old_size: int, new_size: int, flags: int, new_addr: int = 0) -> int:
        """Linux mremap: shrink, grow in place, or move (MREMAP_MAYMOVE / MREMAP_FIXED /
        MREMAP_DONTUNMAP); returns the new address."""
        if flags & ~(mman.MREMAP_MAYMOVE | mman.MREMAP_FIXED | mman.MREMAP_DONTUNMAP):
            raise _fail(errno.EINVAL)
        if flags & mman.MREMAP_FIXED and not flags & mman.MREMAP_MAYMOVE:
            raise _fail(errno.EINVAL)
        if flags & mman.MREMAP_DONTUNMAP and (flags & mman.MREMAP_MAYMOVE == 0 or old_size != new_size):
            raise _fail(errno.EINVAL)
        if old_addr & ~PAGE_MASK:
            raise _fail(errno.EINVAL)
        old_size = page_align_up(old_size)
        new_size = page_align_up(new_size)
        if new_size == 0 or old_size > TASK_SIZE or new_size > TASK_SIZE:
            raise _fail(errno.EINVAL)
        if flags & mman.MREMAP_FIXED:
            return self._mremap_to(old_addr, old_size, new_addr, new_size, flags)
        if old_size >= new_size and not flags & mman.MREMAP_DONTUNMAP:
            self._unmap(old_addr + new_size, old_addr + old_size)
            return old_addr
        vma = self._resize_source(old_addr, old_size, new_size, flags)
        old_end = old_addr + old_size
        in_place = not flags & mman.MREMAP_DONTUNMAP  # DONTUNMAP always moves
        if in_place and vma.end == old_end and old_end <= TASK_SIZE - (new_size - old_size) and \
                self._range_free(old_end, new_size - old_size):
            vma.end = old_addr + new_size  # grow in place
            self._merge_next(self.vmas.index(vma))
            return old_addr
        if not flags & mman.MREMAP_MAYMOVE:
            raise _fail(errno.ENOMEM)
        dest = self.get_unmapped_area(0, new_size, 0, vma.is_anonymous and not vma.is_shared)
        return self._move(vma, old_addr, old_size, dest, new_size, flags)

    def _resize_source(self, old_addr: int, old_size: int, new_size: int, flags: int) -> Vma:
        """The VMA being resized (Linux vma_to_resize)."""
        vma = self.vma_at(old_addr)
        if vma is None:
            raise _fail(errno.EFAULT)
        if old_size == 0 and not (vma.is_shared and flags & mman.MREMAP_MAYMOVE):
            raise _fail(errno.EINVAL)
        if old_size > vma.end - old_addr or (new_size > old_size and vma.name is not None):
            raise _fail(errno.EFAULT)
        if flags & mman.MREMAP_DONTUNMAP and (vma.is_shared or not vma.is_anonymous):
            raise _fail(errno.EINVAL)
        return vma

    def _mremap_to(self, old_addr: int, old_size: int, new_addr: int, new_size: int, flags: int) -> int:
        if new_addr & ~PAGE_MASK or new_size > TASK_SIZE or new_addr > TASK_SIZE - new_size:
            raise _fail(errno.EINVAL)
        if new_addr < old_addr + old_size and old_addr < new_addr + new_size:
            raise _fail(errno.EINVAL)
        self._unmap(new_addr, new_addr + new_size)
        if old_size > new_size:
            self._unmap(old_addr + new_size, old_addr + old_size)
            old_size = new_size
        vma = self._resize_source(old_addr, old_size, new_size, flags)
        return self._move(vma, old_addr, old_size, new_addr, new_size, flags)

    def _move(self, vma: Vma, old_addr: int, old_size: int, dest: int, new_size: int, flags: int) -> int:
        """Move [old_addr, old_addr + old_size) of vma to dest, grown to new_size."""
        moved = vma.split_copy(old_addr, old_addr + (old_size or new_size))
        moved.start, moved.end = dest, dest + new_size
        if old_size:
            q = self._words
            log = self.phys.flush_log
            for pte, va, count in list(self.pt.leaf_tables(old_addr, old_addr + old_size)):
                base = pte >> 3
                for k, entry in enumerate(q[base : base + count].tolist()):
                    if entry:
                        q[base + k] = 0
                        if entry & PTE_P:
                            log.pte(pte + (k << 3))
                        q[self.pt.lookup_alloc(dest + va - old_addr + (k << 12)) >> 3] = entry
            if not flags & mman.MREMAP_DONTUNMAP:  # else the old range stays, empty
                i, j = self._slice(old_addr, old_addr + old_size)
                for old in self.vmas[i:j]:
                    if old.shared is not None:
                        old.shared.put()
                del self.vmas[i:j]
                self.pt.clear(old_addr, old_addr + old_size, self._drop_leaf)
        self._insert(moved)
        return dest

    def madvise(self, addr: int, length: int, advice: int) -> None:
        if addr & ~PAGE_MASK or advice not in _ADVICE:
            raise _fail(errno.EINVAL)
        end = addr + page_align_up(length)
        if end < addr or end > TASK_SIZE:
            raise _fail(errno.EINVAL if end < addr else errno.ENOMEM)
        if end == addr:
            return
        i = bisect_right(self.vmas, addr, key=_vma_end)
        j = bisect_left(self.vmas, end, key=_vma_start)
        targets = self.vmas[i:j]  # snapshot: flag advice splits and merges the list
        covered = sum(min(end, v.end) - max(addr, v.start) for v in targets)
        for vma in targets:
            self._advise(vma, max(addr, vma.start), min(end, vma.end), advice)
        if covered < end - addr:
            raise _fail(errno.ENOMEM)

    def _advise(self, vma: Vma, start: int, end: int, advice: int) -> None:
        if advice in (mman.MADV_DONTNEED, mman.MADV_DONTNEED_LOCKED, mman.MADV_FREE, mman.MADV_REMOVE):
            if advice == mman.MADV_FREE and not (vma.is_anonymous and not vma.is_shared):
                raise _fail(errno.EINVAL)
            if (advice == mman.MADV_DONTNEED and vma.flags & VM_LOCKED) or vma.name is not None:
                raise _fail(errno.EINVAL)
            if advice == mman.MADV_REMOVE:
                if not vma.is_shared or vma.shared is None:
                    raise _fail(errno.EINVAL)
                vma.shared.discard(vma.offset_of(start) >> 12, vma.offset_of(end) >> 12)
            self.pt.clear(start, end, self._drop_leaf)
        elif advice in (mman.MADV_POPULATE_READ, mman.MADV_POPULATE_WRITE):
            write = advice == mman.MADV_POPULATE_WRITE
            if not vma.allows(write, False):
                raise _fail(errno.EINVAL if not vma.accessible else errno.EFAULT)
            self._populate(start, end, write)
        elif advice in _VMA_FLAG_ADVICE:
            flag, setting = _VMA_FLAG_ADVICE[advice]
            if flag == VM_WIPEONFORK and (vma.is_shared or not vma.is_anonymous):
                raise _fail(errno.EINVAL)
            if bool(vma.flags & flag) != setting:
                i, j = self._slice(start, end)
                for part in self.vmas[i:j]:
                    part.flags = part.flags | flag if setting else part.flags & ~flag
                self._merge_range(i, j)

    def msync(self, addr: int, length: int, flags: int) -> None:
        """Linux msync: MS_SYNC writes shared file pages back (MS_ASYNC has nothing to do: the
        store is the page cache read() uses); ENOMEM when part of the range is unmapped."""
        if flags & ~(mman.MS_ASYNC | mman.MS_INVALIDATE | mman.MS_SYNC) or addr & ~PAGE_MASK or (
                flags & mman.MS_ASYNC and flags & mman.MS_SYNC):
            raise _fail(errno.EINVAL)
        end = addr + page_align_up(length)
        if end < addr:
            raise _fail(errno.ENOMEM)
        covered = 0
        for vma in self._vmas_in(addr, end):
            if flags & mman.MS_INVALIDATE and vma.flags & VM_LOCKED:
                raise _fail(errno.EBUSY)
            if flags & mman.MS_SYNC and vma.shared is not None:
                vma.shared.writeback()
            covered += min(end, vma.end) - max(addr, vma.start)
        if covered < end - addr:
            raise _fail(errno.ENOMEM)  # after syncing the mapped parts, as Linux does

    def mincore(self, addr: int, length: int) -> bytes:
        """Linux mincore: one byte per page of [addr, addr + length), 1 when resident (mapped
        here, or held by the shared store); ENOMEM unless the whole range is mapped."""
        if addr & ~PAGE_MASK:
            raise _fail(errno.EINVAL)
        end = addr + page_align_up(length)
        if end > TASK_SIZE or end < addr:
            raise _fail(errno.ENOMEM)
        result = bytearray()
        for va in range(addr, end, PAGE_SIZE):
            vma = self.vma_at(va)
            if vma is None:
                raise _fail(errno.ENOMEM)
            pte = self.pt.lookup(va)
            resident = pte >= 0 and self._words[pte >> 3] != 0
            if not resident and vma.shared is not None:
                resident = vma.offset_of(va) >> 12 in vma.shared.pages
            result.append(int(resident))
        return bytes(result)

    def _vmas_in(self, start: int, end: int) -> list[Vma]:
        """The VMAs meeting [start, end), in address order."""
        return self.vmas[bisect_right(self.vmas, start, key=_vma_end):bisect_left(self.vmas, end, key=_vma_start)]

    def _populate(self, start: int, end: int, write: bool) -> None:
        """Fault in every page of [start, end) as an access would (MAP_POPULATE, MADV_POPULATE)."""
        for va in range(start, end, PAGE_SIZE):
            self._user_page(va, write)

    # ----------------------------------------------------------------- brk

    def set_brk_base(self, addr: int) -> None:
        """Start of the heap (page aligned by the ELF loader)."""
        self.start_brk = self.cur_brk = addr

    def brk(self, new_brk: int) -> int:
        """Linux sys_brk: the new break, or the current one when the request fails."""
        old = self.cur_brk
        if new_brk < self.start_brk or new_brk > TASK_SIZE:
            return old
        new_top = page_align_up(new_brk)
        old_top = page_align_up(old)
        if new_top == old_top:
            self.cur_brk = new_brk
            return new_brk
        if new_brk <= old:
            self.cur_brk = new_brk
            self._unmap(new_top, old_top)
            return new_brk
        nxt = self.find_vma(old_top)
        if nxt is not None:
            limit = nxt.start - STACK_GUARD_GAP if nxt.flags & VM_GROWSDOWN else nxt.start
            if new_top + PAGE_SIZE > limit:
                return old
        self._insert(Vma(old_top, new_top, mman.PROT_READ | PROT_WRITE, VM_ACCOUNT, kind=KIND_HEAP))
        self.cur_brk = new_brk
        return new_brk

    # ----------------------------------------------------------------- page faults

    def _leaf_bits(self, vma: Vma, paddr: int) -> int:
        """The leaf entry mapping frame paddr in vma (writable only if not COW-shared)."""
        prot = vma.prot
        if not prot & PROT_RWX:
            return paddr | PTE_US | PTE_A  # PROT_NONE: keeps the frame, not present
        entry = paddr | PTE_P | PTE_US | PTE_A
        if prot & PROT_WRITE and (vma.flags & VM_SHARED or self.phys.refcount(paddr) == 1):
            entry |= PTE_RW | PTE_D
        if not prot & PROT_EXEC:
            entry |= PTE_NX
        return entry

    def _set_leaf(self, pte: int, vma: Vma, paddr: int) -> None:
        self._words[pte >> 3] = self._leaf_bits(vma, paddr)
        self.rss += 1
        if self.rss > self.hiwater_rss:
            self.hiwater_rss = self.rss

    def _fault_vma(self, addr: int) -> Vma | None:
        """The VMA covering addr, growing a stack VMA down to it when Linux would."""
        vma = self.find_vma(addr)
        if vma is None or vma.start <= addr:
            return vma
        if not vma.flags & VM_GROWSDOWN:
            return None
        new_start = addr & PAGE_MASK
        if new_start < MMAP_MIN_ADDR or vma.end - new_start > self.stack_rlimit:
            return None
        i = self.vmas.index(vma)
        if i > 0:
            prev = self.vmas[i - 1]
            if not prev.flags & VM_GROWSDOWN and prev.accessible and new_start - prev.end < STACK_GUARD_GAP:
                return None
        vma.offset -= vma.start - new_start
        vma.start = new_start
        return vma

    def fault_reason(self, addr: int) -> int:
        """si_code for a fault handle_fault refused: SEGV_MAPERR (no VMA) or SEGV_ACCERR."""
        return mman.SEGV_ACCERR if self.vma_at(addr) is not None else mman.SEGV_MAPERR

    def handle_fault(self, addr: int, write: bool, fetch: bool) -> bool:
        """A user page fault at addr: True when fixed (retry the instruction), False when the
        task must get SIGSEGV (see fault_reason). KernelError(ENOMEM) when out of memory."""
        if not 0 <= addr < TASK_SIZE:
            return False
        vma = self._fault_vma(addr)
        if vma is None or not vma.allows(write, fetch):
            return False
        page = addr & PAGE_MASK
        pte = self.pt.lookup_alloc(page)
        entry = self._words[pte >> 3]
        if entry & PTE_P:
            if write and not entry & PTE_RW:
                self._break_cow(vma, pte, entry)
            return True
        if entry:  # frame kept under PROT_NONE earlier: entry just needs its bits
            self._words[pte >> 3] = self._leaf_bits(vma, entry & PTE_ADDR_MASK)
            return True
        if vma.name is not None:
            return False  # special mappings are fully mapped by map_special; nothing to fill
        self._fill(vma, page, pte)
        return True

    def _break_cow(self, vma: Vma, pte: int, entry: int) -> None:
        old = entry & PTE_ADDR_MASK
        if self.phys.refcount(old) == 1 or vma.flags & VM_SHARED:
            self._words[pte >> 3] = entry | PTE_RW | PTE_D
            return
        new = self.phys.alloc(zero=False)
        self._ram[new : new + PAGE_SIZE] = self._ram[old : old + PAGE_SIZE]
        self._words[pte >> 3] = self._leaf_bits(vma, new)
        self.phys.unref(old)
        self.phys.flush_log.pte(pte)

    def _fill(self, vma: Vma, page: int, pte: int) -> None:
        """Map page (and its not-yet-mapped neighbours in the fault-around window of the same
        VMA and leaf table) with fresh frames."""
        window_start = max(vma.start, page & ~(FAULT_AROUND_SPAN - 1))
        window_end = min(vma.end, (page & ~(FAULT_AROUND_SPAN - 1)) + FAULT_AROUND_SPAN)
        q = self._words
        first = (pte >> 3) - ((page - window_start) >> 12)
        count = (window_end - window_start) >> 12
        entries = q[first : first + count].tolist()
        # the contiguous run of empty entries around the faulting page
        k = (page - window_start) >> 12
        lo = k
        while lo > 0 and not entries[lo - 1]:
            lo -= 1
        hi = k + 1
        while hi < count and not entries[hi]:
            hi += 1
        run_start = window_start + (lo << 12)
        if vma.shared is not None:
            index = vma.offset_of(run_start) >> 12
            for n in range(hi - lo):
                paddr = vma.shared.frame(index + n)
                self.phys.ref(paddr)
                self._set_leaf((first + lo + n) << 3, vma, paddr)
            return
        data = b""
        if vma.backing is not None:
            cache = SharedPages.of_backing(vma.backing)  # stores by shared mappings count
            reader = cache.read if cache is not None else vma.backing.pread
            data = reader(vma.offset_of(run_start), (hi - lo) << 12)
        ram = self._ram
        for n in range(hi - lo):
            chunk = data[n << 12 : (n + 1) << 12]
            paddr = self.phys.alloc(zero=not chunk)
            if chunk:
                ram[paddr : paddr + len(chunk)] = chunk
                if len(chunk) < PAGE_SIZE:
                    ram[paddr + len(chunk) : paddr + PAGE_SIZE] = _ZERO[len(chunk):]
            self._set_leaf((first + lo + n) << 3, vma, paddr)

    # ----------------------------------------------------------------- fork / release

    def fork(self) -> AddressSpace:
        """A copy-on-write copy (shared mappings stay shared; DONTFORK areas are left out,
        WIPEONFORK areas start empty in the child)."""
        child = AddressSpace(self.phys, self._kernel_entries)
        for attr in ("mmap_base", "start_brk", "cur_brk", "start_stack", "arg_start", "arg_end",
                     "env_start", "env_end", "saved_auxv", "stack_rlimit"):
            setattr(child, attr, getattr(self, attr))
        q = self._words
        log = self.phys.flush_log
        ref = self.phys.ref
        for vma in self.vmas:
            if vma.flags & VM_DONTFORK:
                continue
            child.vmas.append(vma.split_copy(vma.start, vma.end))
            if vma.flags & VM_WIPEONFORK:
                continue
            cow = not vma.flags & VM_SHARED
            for pte, va, count in self.pt.leaf_tables(vma.start, vma.end):
                base = pte >> 3
                child_base = -1
                for k, entry in enumerate(q[base : base + count].tolist()):
                    if not entry:
                        continue
                    if child_base < 0:
                        child_base = child.pt.lookup_alloc(va) >> 3
                    ref(entry & PTE_ADDR_MASK)
                    if cow and entry & PTE_RW:
                        entry &= ~(PTE_RW | PTE_D)
                        q[base + k] = entry
                        log.pte(pte + (k << 3))
                    q[child_base + k] = entry
                    child.rss += 1
        child.hiwater_rss = child.rss
        return child

    def release(self) -> None:
        """Free every frame and page-table page (exit, execve). The object is dead afterwards."""
        if self.root < 0:
            return
        for vma in self.vmas:
            if vma.shared is not None:
                vma.shared.put()
        self.vmas = []
        self.pt.destroy(self._drop_leaf)
        self.root = -1

    # ----------------------------------------------------------------- user memory access

    def _user_page(self, va: int, write: bool) -> int:
        """Physical address of the page holding va, faulted in like a user access; EFAULT."""
        pte = self.pt.lookup(va)
        if pte >= 0:
            entry = self._words[pte >> 3]
            if entry & PTE_P and (not write or entry & PTE_RW):
                return entry & PTE_ADDR_MASK
        if not self.handle_fault(va, write, False):
            raise _fail(errno.EFAULT)
        return self._words[self.pt.lookup(va) >> 3] & PTE_ADDR_MASK

    def _check_range(self, addr: int, size: int) -> None:
        if addr < 0 or size < 0 or addr + size > TASK_SIZE:
            raise _fail(errno.EFAULT)

    def read(self, addr: int, size: int) -> bytes:
        """copy_from_user: size bytes at user address addr; EFAULT on any bad byte."""
        if size <= 0:
            return b""
        self._check_range(addr, size)
        ram = self._ram
        offset = addr & ~PAGE_MASK
        if offset + size <= PAGE_SIZE:
            paddr = self._user_page(addr, False) + offset
            return ram[paddr : paddr + size].tobytes()
        parts = []
        end = addr + size
        while addr < end:
            n = min(end - addr, PAGE_SIZE - (addr & ~PAGE_MASK))
            paddr = self._user_page(addr, False) + (addr & ~PAGE_MASK)
            parts.append(ram[paddr : paddr + n])
            addr += n
        return b"".join(parts)

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        """copy_to_user: store data at user address addr (COW broken as needed); EFAULT."""
        size = len(data)
        if size == 0:
            return
        self._check_range(addr, size)
        ram = self._ram
        src = memoryview(data).cast("B")
        done = 0
        while done < size:
            n = min(size - done, PAGE_SIZE - (addr & ~PAGE_MASK))
            paddr = self._user_page(addr, True) + (addr & ~PAGE_MASK)
            ram[paddr : paddr + n] = src[done : done + n]
            done += n
            addr += n

    def read_cstring(self, addr: int, limit: int = 4096 * 32) -> bytes:
        """A NUL-terminated user string without its NUL; ENAMETOOLONG if none within limit
        bytes, EFAULT on a bad byte before it."""
        parts = []
        total = 0
        while total < limit:
            if not 0 <= addr < TASK_SIZE:
                raise _fail(errno.EFAULT)
            n = min(limit - total, PAGE_SIZE - (addr & ~PAGE_MASK))
            paddr = self._user_page(addr, False) + (addr & ~PAGE_MASK)
            chunk = self._ram[paddr : paddr + n].tobytes()
            nul = chunk.find(0)
            if nul >= 0:
                parts.append(chunk[:nul])
                return b"".join(parts)
            parts.append(chunk)
            total += n
            addr += n
        raise _fail(errno.ENAMETOOLONG)

    # ----------------------------------------------------------------- /proc/pid/maps

    def maps_lines(self) -> list[str]:
        """/proc/pid/maps lines (without newlines), Linux format."""
        return [format_vma(vma, self.start_brk, self.cur_brk, self.start_stack) for vma in self.vmas]


def _more_restrictive(old: int, new: int) -> bool:
    """Does replacing entry old by new take away any access the old one allowed?"""
    if not old & PTE_P:
        return False
    return (not new & PTE_P or (old & PTE_RW and not new & PTE_RW) or (new & PTE_NX and not old & PTE_NX)
            or (old ^ new) & PTE_ADDR_MASK != 0)


_ADVICE = frozenset({
    mman.MADV_NORMAL, mman.MADV_RANDOM, mman.MADV_SEQUENTIAL, mman.MADV_WILLNEED, mman.MADV_DONTNEED,
    mman.MADV_FREE, mman.MADV_REMOVE, mman.MADV_DONTFORK, mman.MADV_DOFORK, mman.MADV_MERGEABLE,
    mman.MADV_UNMERGEABLE, mman.MADV_HUGEPAGE, mman.MADV_NOHUGEPAGE, mman.MADV_DONTDUMP,
    mman.MADV_DODUMP, mman.MADV_WIPEONFORK, mman.MADV_KEEPONFORK, mman.MADV_COLD, mman.MADV_PAGEOUT,
    mman.MADV_POPULATE_READ, mman.MADV_POPULATE_WRITE, mman.MADV_DONTNEED_LOCKED, mman.MADV_COLLAPSE,
})

_VMA_FLAG_ADVICE = {
    mman.MADV_DONTFORK: (VM_DONTFORK, True),
    mman.MADV_DOFORK: (VM_DONTFORK, False),
    mman.MADV_WIPEONFORK: (VM_WIPEONFORK, True),
    mman.MADV_KEEPONFORK: (VM_WIPEONFORK, False),
}

__all__ = ["AddressSpace", "Backing", "MMAP_BASE"]
