"""Terminal attributes as the x86-64 Linux kernel sees them: struct termios / termios2,
struct winsize, their flag bits, c_cc indices, the tty ioctl numbers, and the default
settings of a fresh tty (tty_std_termios in drivers/tty/tty_io.c).

Values come from asm-generic/termbits.h and asm-generic/ioctls.h, written out here so the
guest ABI never depends on the host.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

# -- c_iflag ---------------------------------------------------------------------------
IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP = 0o1, 0o2, 0o4, 0o10, 0o20, 0o40
INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY = 0o100, 0o200, 0o400, 0o1000, 0o2000, 0o4000
IXOFF, IMAXBEL, IUTF8 = 0o10000, 0o20000, 0o40000

# -- c_oflag ---------------------------------------------------------------------------
OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET = 0o1, 0o2, 0o4, 0o10, 0o20, 0o40
OFILL, OFDEL = 0o100, 0o200
TABDLY, XTABS = 0o14000, 0o14000

# -- c_cflag ---------------------------------------------------------------------------
CBAUD, BOTHER, B38400 = 0o10017, 0o10000, 0o17
CSIZE, CS8, CSTOPB, CREAD, PARENB, HUPCL, CLOCAL = 0o60, 0o60, 0o100, 0o200, 0o400, 0o2000, 0o4000

# -- c_lflag ---------------------------------------------------------------------------
ISIG, ICANON, XCASE, ECHO, ECHOE, ECHOK, ECHONL = 0o1, 0o2, 0o4, 0o10, 0o20, 0o40, 0o100
NOFLSH, TOSTOP, ECHOCTL, ECHOPRT, ECHOKE, FLUSHO = 0o200, 0o400, 0o1000, 0o2000, 0o4000, 0o10000
PENDIN, IEXTEN, EXTPROC = 0o40000, 0o100000, 0o200000

# -- c_cc indices ----------------------------------------------------------------------
VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSWTC = range(8)
VSTART, VSTOP, VSUSP, VEOL, VREPRINT, VDISCARD, VWERASE, VLNEXT, VEOL2 = range(8, 17)
NCCS = 19
VDISABLE = 0  # _POSIX_VDISABLE: a c_cc slot holding 0 matches no character

# -- ioctl requests --------------------------------------------------------------------
TCGETS, TCSETS, TCSETSW, TCSETSF = 0x5401, 0x5402, 0x5403, 0x5404
TCSBRK, TCXONC, TCFLSH = 0x5409, 0x540A, 0x540B
TIOCSCTTY, TIOCGPGRP, TIOCSPGRP, TIOCOUTQ = 0x540E, 0x540F, 0x5410, 0x5411
TIOCGWINSZ, TIOCSWINSZ = 0x5413, 0x5414
FIONREAD = TIOCINQ = 0x541B
TIOCNOTTY, TIOCSETD, TIOCGETD, TCSBRKP = 0x5422, 0x5423, 0x5424, 0x5425
TIOCSBRK, TIOCCBRK, TIOCGSID = 0x5427, 0x5428, 0x5429
TCGETS2, TCSETS2, TCSETSW2, TCSETSF2 = 0x802C542A, 0x402C542B, 0x402C542C, 0x402C542D
# pseudo-terminal masters
TIOCPKT, TIOCGPTN, TIOCSPTLCK, TIOCGPKT, TIOCGPTLCK = 0x5420, 0x80045430, 0x40045431, 0x80045438, 0x80045439
TIOCGPTPEER = 0x5441

# Status bits of a packet-mode master read (TIOCPKT)
TIOCPKT_DATA, TIOCPKT_FLUSHREAD, TIOCPKT_FLUSHWRITE, TIOCPKT_STOP, TIOCPKT_START = 0, 1, 2, 4, 8
TIOCPKT_NOSTOP, TIOCPKT_DOSTOP = 16, 32

# TCFLSH and TCXONC arguments
TCIFLUSH, TCOFLUSH, TCIOFLUSH = 0, 1, 2
TCOOFF, TCOON, TCIOFF, TCION = 0, 1, 2, 3
N_TTY = 0

_TERMIOS = struct.Struct("<IIIIB19s")      # 36 bytes
_TERMIOS2 = struct.Struct("<IIIIB19sII")   # 44 bytes
_WINSIZE = struct.Struct("<HHHH")          # 8 bytes
TERMIOS_SIZE = _TERMIOS.size
TERMIOS2_SIZE = _TERMIOS2.size
WINSIZE_SIZE = _WINSIZE.size

# Baud-rate codes of c_cflag & CBAUD (the index; CBAUDEX codes follow from 0o10001).
_BAUD_RATES = (0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400)
_BAUD_RATES_EX = (57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000,
                  1500000, 2000000, 2500000, 3000000, 3500000, 4000000)


def baud_rate(cflag: int) -> int | None:
    """The speed encoded in the CBAUD bits of `cflag` (None for BOTHER or an unused code)."""
    code = cflag & CBAUD
    if code < len(_BAUD_RATES):
        return _BAUD_RATES[code]
    index = code - BOTHER - 1
    return _BAUD_RATES_EX[index] if 0 <= index < len(_BAUD_RATES_EX) else None


def _default_cc() -> bytearray:
    cc = bytearray(NCCS)
    for index, char in ((VINTR, 0x03), (VQUIT, 0x1C), (VERASE, 0x7F), (VKILL, 0x15), (VEOF, 0x04),
                        (VSTART, 0x11), (VSTOP, 0x13), (VSUSP, 0x1A), (VREPRINT, 0x12),
                        (VDISCARD, 0x0F), (VWERASE, 0x17), (VLNEXT, 0x16), (VMIN, 1)):
        cc[index] = char
    return cc


@dataclass
class Termios:
    """struct termios2; the first 36 bytes are struct termios (TCGETS/TCSETS)."""

    iflag: int = ICRNL | IXON
    oflag: int = OPOST | ONLCR
    cflag: int = B38400 | CS8 | CREAD | HUPCL
    lflag: int = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
    line: int = N_TTY
    cc: bytearray = field(default_factory=_default_cc)
    ispeed: int = 38400
    ospeed: int = 38400

    def copy(self) -> Termios:
        return replace(self, cc=bytearray(self.cc))

    def pack(self, termios2: bool = False) -> bytes:
        fields = (self.iflag, self.oflag, self.cflag, self.lflag, self.line, bytes(self.cc))
        if termios2:
            return _TERMIOS2.pack(*fields, self.ispeed, self.ospeed)
        return _TERMIOS.pack(*fields)

    @classmethod
    def unpack(cls, data: bytes) -> Termios:
        """Decode struct termios (36 bytes; speeds follow CBAUD) or termios2 (44 bytes)."""
        if len(data) == TERMIOS2_SIZE:
            iflag, oflag, cflag, lflag, line, cc, ispeed, ospeed = _TERMIOS2.unpack(data)
        else:
            iflag, oflag, cflag, lflag, line, cc = _TERMIOS.unpack(data)
            speed = baud_rate(cflag) or 0
            ispeed = ospeed = speed
        return cls(iflag, oflag, cflag, lflag, line, bytearray(cc), ispeed, ospeed)


@dataclass
class Winsize:
    """struct winsize."""

    rows: int = 0
    cols: int = 0
    xpixel: int = 0
    ypixel: int = 0

    def pack(self) -> bytes:
        return _WINSIZE.pack(self.rows, self.cols, self.xpixel, self.ypixel)

    @classmethod
    def unpack(cls, data: bytes) -> Winsize:
        return cls(*_WINSIZE.unpack(data))
