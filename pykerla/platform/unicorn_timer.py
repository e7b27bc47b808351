"""The timer interrupt of the Unicorn platform: a ticking thread and a block hook that stops
emulation cleanly at the start of the next translated block.

Why not simply call uc_emu_stop from the ticking thread: Unicorn 2.1.4 checks the exit
request after every guest memory access, and an exit taken there reports the PC of the
instruction that made the access *with its store already done*. Resuming at that PC runs the
instruction again: `inc [m]` counts twice and a `lock cmpxchg` that took a lock fails against
itself, which deadlocked threaded programs now and then (measured: 40% of asynchronous stops in
a loop of `inc dword [rdi]` broke the count; 0% with the block hook below).

So the thread only raises a flag every TICK, and a block hook, called by the emulator at the
start of each translated block, stops emulation when it sees the flag. A stop requested inside a
hook is taken before the block's first instruction, so the state is exact. The hook runs on every
block, so it is native code: ten bytes of x86-64 placed in an executable page (no compiler
needed). On hosts where that is not possible (another CPU, W^X policy) a ctypes callback does the
same job, correctly but much more slowly.
"""

from __future__ import annotations

import ctypes
import mmap
import platform as host_platform
import signal
import threading

TICK = 0.01                 # seconds between timer interrupts

# The hook's data: the pending flag and the address of uc_emu_stop.
class TickData(ctypes.Structure):
    _fields_ = (("pending", ctypes.c_int32), ("stop", ctypes.c_void_p))


# uc_cb_hookcode_t(uc=rdi, address=rsi, size=edx, data=rcx) in the System V x86-64 ABI:
#   mov eax,[rcx]; test eax,eax; jnz 1f; ret; 1: mov dword [rcx],0; jmp qword [rcx+8]
# i.e. if data->pending: data->pending = 0; return data->stop(uc)   (rdi still holds uc)
_HOOK_X86_64 = bytes.fromhex("8b01 85c0 7501 c3 c70100000000 ff6108")

HOOK_BLOCK_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p)


class TimerHook:
    """The flag, the block-hook callback for it (`callback`, a C function pointer, with `data`
    as its user data) and the thread that raises the flag every TICK."""

    def __init__(self, stop_function: ctypes._CFuncPtr) -> None:
        self.data = TickData(0, ctypes.cast(stop_function, ctypes.c_void_p).value)
        self.callback = self._make_callback(stop_function)
        self._quit = threading.Event()
        threading.Thread(target=self._loop, name="pykerla-unicorn-timer", daemon=True).start()

    def _make_callback(self, stop_function: ctypes._CFuncPtr) -> ctypes.c_void_p:
        if host_platform.machine() in ("x86_64", "AMD64"):
            try:
                page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            except (OSError, AttributeError):
                page = None
            if page is not None:
                page.write(_HOOK_X86_64)
                self._page = page
                return ctypes.c_void_p(ctypes.addressof(ctypes.c_char.from_buffer(page)))
        data = self.data

        def hook(uc: int, _address: int, _size: int, _user: int) -> None:
            if data.pending:
                data.pending = 0
                stop_function(uc)

        self._pyhook = HOOK_BLOCK_CFUNC(hook)
        return ctypes.cast(self._pyhook, ctypes.c_void_p)

    def _loop(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())   # host signals belong to the kernel
        data = self.data
        while not self._quit.wait(TICK):
            data.pending = 1

    def clear(self) -> None:
        self.data.pending = 0

    def close(self) -> None:
        self._quit.set()
