"""The "#!" script format (Linux fs/binfmt_script.c): parse the interpreter line.

The kernel looks only at the first BINPRM_BUF_SIZE (256) bytes. The interpreter path must
not be truncated: either a newline is found, or the path is followed by a space, tab or
NUL inside the buffer; otherwise ENOEXEC. Everything after the path (leading blanks
dropped, trailing blanks trimmed) is one single optional argument, embedded blanks included.
"""

from __future__ import annotations

import errno

from pykerla.errors import KernelError

BINPRM_BUF_SIZE = 256
_BLANK = b" \t"


def parse_script(head: bytes) -> tuple[bytes, bytes | None] | None:
    """(interpreter, optional argument) for a "#!" file whose first bytes are head; None when
    head does not start with "#!". KernelError(ENOEXEC) when the line is unusable."""
    if head[:2] != b"#!":
        return None
    buf = bytearray(head[:BINPRM_BUF_SIZE].ljust(BINPRM_BUF_SIZE, b"\0"))
    last = BINPRM_BUF_SIZE - 1
    nul = buf.find(0)
    newline = buf.find(b"\n", 0, nul if nul >= 0 else BINPRM_BUF_SIZE)
    if newline >= 0:
        end = newline
    else:
        start = next((i for i in range(2, last + 1) if buf[i] not in _BLANK), -1)
        if start < 0:
            raise KernelError(errno.ENOEXEC, "#! line is only blanks")
        if not any(buf[i] in _BLANK or buf[i] == 0 for i in range(start, last + 1)):
            raise KernelError(errno.ENOEXEC, "#! interpreter path too long")
        end = last
    # trailing blanks go first (up to a NUL), then the rest is read as a C string
    line = bytes(buf[2:end]).rstrip(_BLANK).lstrip(_BLANK).split(b"\0", 1)[0]
    if not line:
        raise KernelError(errno.ENOEXEC, "#! line names no interpreter")
    cut = next((i for i, c in enumerate(line) if c in _BLANK), len(line))
    interpreter = line[:cut]
    argument = line[cut:].lstrip(_BLANK)
    return interpreter, argument or None
