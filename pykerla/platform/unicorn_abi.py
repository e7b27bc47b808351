"""The libunicorn C API pykerla calls directly through ctypes (x86-64 only).

The Python binding of Unicorn costs 10-30 µs per batch register access; the C functions
called with prepared argument arrays cost 1-3 µs. This module loads the library shipped
with the pinned `unicorn` package (2.1.4), declares the few functions the platform uses,
and names the private offsets of Unicorn's saved CPU context that the platform needs
(verified by the platform's start-up self-test, since they are not public API).
"""

from __future__ import annotations

import ctypes

import unicorn
from unicorn import unicorn_const as uc
from unicorn import x86_const as x86
from unicorn.unicorn_py3.unicorn import uclib as _binding_lib

VERSION = "2.1.4"

# Offsets into the bytes of a uc_context (header + CPUX86State) for unicorn 2.1.4.
CTX_ERROR_CODE = 5424      # env->error_code of the exception being raised
CTX_OLD_EXCEPTION = 5536   # env->old_exception: never reset by Unicorn (2nd #PF -> #DF, 3rd halts)

# uc_ctl() command encoding: (io << 30) | (nargs << 26) | ctl
_CTL_WRITE = uc.UC_CTL_IO_WRITE << 30
CTL_TLB_FLUSH = _CTL_WRITE | uc.UC_CTL_TLB_FLUSH
CTL_TB_FLUSH = _CTL_WRITE | uc.UC_CTL_TB_FLUSH
CTL_USE_EXITS = _CTL_WRITE | (1 << 26) | uc.UC_CTL_UC_USE_EXITS

ARCH_X86 = uc.UC_ARCH_X86
MODE_64 = uc.UC_MODE_64
ERR_OK = uc.UC_ERR_OK
ERR_INSN_INVALID = uc.UC_ERR_INSN_INVALID

HOOK_INSN = uc.UC_HOOK_INSN
HOOK_INTR = uc.UC_HOOK_INTR
HOOK_BLOCK = uc.UC_HOOK_BLOCK
INS_SYSCALL = x86.UC_X86_INS_SYSCALL

# Registers in the order of CpuContext.regs (kvm_regs): rax..r15, rip, rflags.
GPR_IDS = (x86.UC_X86_REG_RAX, x86.UC_X86_REG_RBX, x86.UC_X86_REG_RCX, x86.UC_X86_REG_RDX,
           x86.UC_X86_REG_RSI, x86.UC_X86_REG_RDI, x86.UC_X86_REG_RSP, x86.UC_X86_REG_RBP,
           x86.UC_X86_REG_R8, x86.UC_X86_REG_R9, x86.UC_X86_REG_R10, x86.UC_X86_REG_R11,
           x86.UC_X86_REG_R12, x86.UC_X86_REG_R13, x86.UC_X86_REG_R14, x86.UC_X86_REG_R15,
           x86.UC_X86_REG_RIP, x86.UC_X86_REG_EFLAGS)
REG = x86   # the UC_X86_REG_* names

HOOK_INSN_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
HOOK_INTR_CFUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)


class Msr(ctypes.Structure):
    _fields_ = (("rid", ctypes.c_uint32), ("value", ctypes.c_uint64))


class TableRegister(ctypes.Structure):
    """uc_x86_mmr: GDTR/IDTR (selector and flags unused)."""

    _fields_ = (("selector", ctypes.c_uint16), ("base", ctypes.c_uint64), ("limit", ctypes.c_uint32),
                ("flags", ctypes.c_uint32))


def load() -> ctypes.CDLL:
    """The C library with the prototypes the platform uses; raises RuntimeError on a version mismatch."""
    if unicorn.__version__ != VERSION:
        raise RuntimeError(f"unicorn {unicorn.__version__} is installed; pykerla needs exactly {VERSION}")
    lib = ctypes.CDLL(_binding_lib._name)
    vp, u64, i32 = ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int
    protos = {
        "uc_open": (i32, i32, ctypes.POINTER(vp)),
        "uc_close": (vp,),
        "uc_mem_map_ptr": (vp, u64, u64, ctypes.c_uint32, vp),
        "uc_reg_read": (vp, i32, vp),
        "uc_reg_write": (vp, i32, vp),
        "uc_reg_read_batch": (vp, vp, vp, i32),
        "uc_reg_write_batch": (vp, vp, vp, i32),
        "uc_emu_start": (vp, u64, u64, u64, ctypes.c_size_t),
        "uc_emu_stop": (vp,),
        "uc_context_alloc": (vp, ctypes.POINTER(vp)),
        "uc_context_save": (vp, vp),
        "uc_context_restore": (vp, vp),
        "uc_strerror": (i32,),
    }
    for name, argtypes in protos.items():
        func = getattr(lib, name)
        func.argtypes = argtypes
        func.restype = ctypes.c_char_p if name == "uc_strerror" else ctypes.c_int
    lib.uc_context_size.argtypes = (vp,)
    lib.uc_context_size.restype = ctypes.c_size_t
    # uc_hook_add and uc_ctl are variadic: only the fixed arguments are declared.
    lib.uc_hook_add.restype = ctypes.c_int
    lib.uc_ctl.restype = ctypes.c_int
    return lib


def int_array(values: tuple[int, ...] | list[int]) -> ctypes.Array:
    return (ctypes.c_int * len(values))(*values)


def pointer_array(addresses: list[int]) -> ctypes.Array:
    return (ctypes.c_void_p * len(addresses))(*addresses)
