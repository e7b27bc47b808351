"""The vDSO image: vdso.c + vdso.lds compiled with the host's gcc into a small ELF shared
object, cached by the hash of its sources and build command, and checked before use.

The build needs gcc only once per source version (the cache lives in $XDG_CACHE_HOME/pykerla
or ~/.cache/pykerla, falling back to the temporary directory). Without gcc there is simply
no vDSO: `load_image` returns None and says why, and programs use system calls instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent
SOURCES = ("vdso.c", "vdso.lds")
CFLAGS = ("-O2", "-fPIC", "-fno-stack-protector", "-fcf-protection=none", "-fno-plt", "-nostdlib",
          "-shared", "-Wall", "-Werror")
LDFLAGS = ("-Wl,-T,vdso.lds", "-Wl,-soname=linux-vdso.so.1", "-Wl,--hash-style=both", "-Wl,--eh-frame-hdr",
           "-Wl,-Bsymbolic", "-Wl,--no-undefined", "-Wl,--build-id=none", "-Wl,-z,noexecstack",
           "-Wl,-z,max-page-size=4096", "-Wl,-s")

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_SHDR = struct.Struct("<IIQQQQIIQQ")
PT_LOAD, PT_DYNAMIC = 1, 2
SHT_RELA, SHT_REL = 4, 9
MAX_IMAGE = 4 * 4096


class VdsoUnavailable(Exception):
    """No vDSO can be built or used here (the message says why, in one line)."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pykerla"


def source_key() -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (SOURCE_DIR / name).read_bytes() + b"\0")
    digest.update(" ".join(CFLAGS + LDFLAGS).encode())
    return digest.hexdigest()[:20]


def validate(data: bytes) -> None:
    """Raise VdsoUnavailable unless data is a vDSO the kernel can map as is: a 64-bit x86-64
    ET_DYN linked at 0 with one PT_LOAD covering the file, a PT_DYNAMIC, no relocations."""
    if len(data) < _EHDR.size or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise VdsoUnavailable("vDSO image is not a 64-bit little-endian ELF file")
    (_ident, etype, machine, _version, _entry, phoff, shoff, _flags, _ehsize, phentsize, phnum,
     shentsize, shnum, _shstrndx) = _EHDR.unpack_from(data)
    if etype != 3 or machine != 62 or phentsize != _PHDR.size or len(data) > MAX_IMAGE:
        raise VdsoUnavailable("vDSO image is not a small x86-64 shared object")
    phdrs = [_PHDR.unpack_from(data, phoff + i * _PHDR.size) for i in range(phnum)]
    loads = [p for p in phdrs if p[0] == PT_LOAD]
    if len(loads) != 1 or loads[0][2] != 0 or loads[0][3] != 0 or loads[0][5] != loads[0][6]:
        raise VdsoUnavailable("vDSO image must have one PT_LOAD at offset and address 0")
    if not any(p[0] == PT_DYNAMIC for p in phdrs):
        raise VdsoUnavailable("vDSO image has no PT_DYNAMIC")
    if shentsize == _SHDR.size:
        for i in range(shnum):
            if _SHDR.unpack_from(data, shoff + i * _SHDR.size)[1] in (SHT_RELA, SHT_REL):
                raise VdsoUnavailable("vDSO image has relocations")


def build(output: Path) -> None:
    """Compile the vDSO into output (atomically: concurrent builders never see half a file)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise VdsoUnavailable("no gcc on this host to build the vDSO")
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=output.name, dir=output.parent)
    os.close(fd)
    try:
        result = subprocess.run([gcc, *CFLAGS, *LDFLAGS, "-o", tmp, "vdso.c"], cwd=SOURCE_DIR,
                                capture_output=True, text=True)
        if result.returncode != 0:
            first = (result.stderr.strip().splitlines() or ["?"])[0]
            raise VdsoUnavailable(f"building the vDSO failed: {first}")
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_image() -> bytes:
    """The checked vDSO file (mapped from address 0 of the [vdso] area), built on first use;
    VdsoUnavailable says why there is none."""
    key = source_key()
    candidates = [cache_dir(), Path(tempfile.gettempdir()) / "pykerla-cache"]
    errors = []
    for directory in candidates:
        path = directory / f"vdso-{key}.so"
        try:
            if not path.exists():
                build(path)
            data = path.read_bytes()
        except OSError as e:
            errors.append(str(e))
            continue
        validate(data)
        return data
    raise VdsoUnavailable(f"cannot cache the vDSO: {'; '.join(errors)}")
