"""N_TTY, the default line discipline (drivers/tty/n_tty.c), as pure logic.

It sits between a terminal device and the processes using it, and owns:
  - input: `receive(data)` applies ISTRIP/IUCLC, flow control (IXON START/STOP, IXANY),
    ISIG (INTR/QUIT/SUSP -> the `signal` callback, flushing input unless NOFLSH),
    ICRNL/INLCR/IGNCR, and in canonical mode line editing (ERASE, KILL, WERASE, LNEXT,
    REPRINT, EOF, EOL, EOL2) with echo (ECHO, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOCTL);
  - reading: `read(size, nonblock, started)` returns one line in canonical mode, or applies
    the VMIN/VTIME rules otherwise; it raises WouldBlock (on `wait_queue`, with a deadline
    for VTIME) or EAGAIN when nothing may be returned yet;
  - output: `write(data)` applies OPOST processing (ONLCR, OCRNL, ONOCR, ONLRET, OLCUC,
    XTABS) and hands the bytes to the `output` callback, as do echoes; output can be
    stopped (STOP char, TCOOFF), echoes are then held until it restarts.
The device side (a host terminal, a pty master) only calls receive() and supplies the
`output` callback, so every kind of terminal reuses this class. The optional `notify`
callback hears of flushes and flow changes as TIOCPKT status bits (a pty master in packet
mode reports them).
"""

from __future__ import annotations

import errno
import re
import time
from collections import deque
from collections.abc import Callable

from ..errors import KernelError
from ..process.signal_state import SIGINT, SIGQUIT, SIGTSTP
from ..process.wait_queue import WaitQueue, WouldBlock
from .termios import (
    ECHO, ECHOCTL, ECHOE, ECHOK, ECHOKE, ECHONL, ICANON, ICRNL, IEXTEN, IGNCR, INLCR, ISIG, ISTRIP,
    IUCLC, IUTF8, IXANY, IXON, NOFLSH, OCRNL, OLCUC, ONLCR, ONLRET, ONOCR, OPOST, TABDLY, VDISABLE,
    VEOF, VEOL, VEOL2, VERASE, VINTR, VKILL, VLNEXT, VMIN, VQUIT, VREPRINT, VSTART, VSTOP, VSUSP,
    TIOCPKT_FLUSHREAD, TIOCPKT_FLUSHWRITE, TIOCPKT_START, TIOCPKT_STOP, VTIME, VWERASE, XTABS, Termios,
)

N_TTY_BUF_SIZE = 4096
NL, CR, TAB, BS = 0x0A, 0x0D, 0x09, 0x08
ERASE, WERASE, KILL = "erase", "werase", "kill"

# Output is processed in runs: printable bytes in bulk, control bytes one by one.
_OUTPUT_TOKEN = re.compile(rb"[^\x00-\x1f\x7f-\x9f]+|[\x00-\x1f\x7f-\x9f]")
_UTF8_CONTINUATION = bytes(range(0x80, 0xC0))


def is_cntrl(c: int) -> bool:
    """The kernel's iscntrl(): C0 controls, DEL and the C1 range 0x80-0x9f."""
    return c < 0x20 or 0x7F <= c < 0xA0


def _is_alnum(c: int) -> bool:
    """The kernel's isalnum() (Latin-1 letters count), used by WERASE."""
    return (0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A
            or (c >= 0xC0 and c not in (0xD7, 0xF7)))


class LineDiscipline:
    def __init__(self, termios: Termios, output: Callable[[bytes], None],
                 signal: Callable[[int], None], clock: Callable[[], float] = time.monotonic,
                 notify: Callable[[int], None] | None = None) -> None:
        self.termios = termios
        self._output = output
        self._signal = signal
        self._notify = notify or (lambda status: None)
        self.clock = clock
        self.wait_queue = WaitQueue()   # woken when input, flow state or settings change
        self.buf = bytearray()          # non-canonical mode: readable input
        self.lines: deque[tuple[bytes, bool]] = deque()  # canonical: (line, ended by EOF)
        self.line = bytearray()         # canonical: the line being edited
        self.lnext = False
        self.last_input = 0.0           # when input last became readable (VTIME timer)
        self.column = 0                 # output column, for tabs and erasing
        self.canon_column = 0           # column where the line being edited starts
        self.stopped = False            # output stopped (STOP char or TCOOFF)
        self.tco_stopped = False        # ... by TCOOFF, which only TCOON undoes
        self.held = bytearray()         # echoes produced while output is stopped
        self.icanon = bool(termios.lflag & ICANON)
        self._special = self._special_chars()
        self._real_raw = self._is_real_raw()

    # -- settings ------------------------------------------------------------------------
    def set_termios(self, new: Termios) -> None:
        """Install new settings; switching ICANON converts the buffered input."""
        old = self.termios
        self.termios = new
        icanon = bool(new.lflag & ICANON)
        if icanon and not self.icanon:
            if self.buf:  # pending raw input becomes a line readable at once, as in Linux
                self.lines.append((bytes(self.buf), False))
                self.buf.clear()
        elif self.icanon and not icanon:
            self.buf = bytearray(b"".join(data for data, _ in self.lines)) + self.line
            self.lines.clear()
            self.line.clear()
            self.last_input = self.clock()
        self.icanon = icanon
        self._special = self._special_chars()
        self._real_raw = self._is_real_raw()
        if old.iflag & IXON and not new.iflag & IXON and not self.tco_stopped:
            self.start_output()
        self.wait_queue.wake_all()

    def _special_chars(self) -> frozenset[int]:
        """Characters that need more than storing and echoing (n_tty's char_map)."""
        t = self.termios
        cc = t.cc
        chars: set[int] = set()
        if t.iflag & (IGNCR | ICRNL):
            chars.add(CR)
        if t.iflag & INLCR:
            chars.add(NL)
        if t.lflag & ICANON:
            chars.update((cc[VERASE], cc[VKILL], cc[VEOF], NL, cc[VEOL]))
            if t.lflag & IEXTEN:
                chars.update((cc[VWERASE], cc[VLNEXT], cc[VEOL2]))
                if t.lflag & ECHO:
                    chars.add(cc[VREPRINT])
        if t.iflag & IXON:
            chars.update((cc[VSTART], cc[VSTOP]))
        if t.lflag & ISIG:
            chars.update((cc[VINTR], cc[VQUIT], cc[VSUSP]))
        chars.discard(VDISABLE)
        return frozenset(chars)

    def _is_real_raw(self) -> bool:
        """True when input is stored as is: no special characters, translation or echo."""
        t = self.termios
        return not (self.icanon or self._special or t.iflag & (ISTRIP | IUCLC) or t.lflag & ECHO)

    def _is(self, c: int, index: int) -> bool:
        value = self.termios.cc[index]
        return value != VDISABLE and c == value

    # -- input ---------------------------------------------------------------------------
    def room(self) -> int:
        """How many more input bytes may be received now (0: the reader must drain first)."""
        if self.icanon:
            if not self.lines:
                return N_TTY_BUF_SIZE  # editing never stops, so a line can always be ended
            pending = sum(len(data) for data, _ in self.lines) + len(self.line)
        else:
            pending = len(self.buf)
        return max(0, N_TTY_BUF_SIZE - 1 - pending)

    def receive(self, data: bytes) -> int:
        """Process input from the device; returns how many bytes were taken."""
        if self._real_raw and not self.lnext:
            taken = min(len(data), self.room())
            if taken:
                self.buf += data[:taken]
                self.last_input = self.clock()
                self.wait_queue.wake_all()
            return taken
        taken = 0
        for c in data:
            if self.room() == 0:
                break
            self._receive_char(c)
            taken += 1
        if taken:
            self.wait_queue.wake_all()
        return taken

    def _receive_char(self, c: int) -> None:
        t = self.termios
        if t.iflag & ISTRIP:
            c &= 0x7F
        if t.iflag & IUCLC and t.lflag & IEXTEN and 0x41 <= c <= 0x5A:
            c += 0x20
        if self.lnext:
            self.lnext = False
            self._store(c)
        elif c in self._special:
            self._receive_special(c)
        else:
            self._store(c)

    def _receive_special(self, c: int) -> None:
        t = self.termios
        if t.iflag & IXON:
            if self._is(c, VSTART):
                self.start_output()
                return
            if self._is(c, VSTOP):
                self.stop_output()
                return
        if t.lflag & ISIG:
            for index, signo in ((VINTR, SIGINT), (VQUIT, SIGQUIT), (VSUSP, SIGTSTP)):
                if self._is(c, index):
                    self._isig(signo, c)
                    return
        self._restart_on_any()
        if c == CR:
            if t.iflag & IGNCR:
                return
            if t.iflag & ICRNL:
                c = NL
        elif c == NL and t.iflag & INLCR:
            c = CR
        if self.icanon and self._receive_canon(c):
            return
        if t.lflag & ECHO:
            if c == NL:
                self._echo(b"\n")
            else:
                self._echo_input(c)
        self._queue(c)

    def _store(self, c: int) -> None:
        """An ordinary character: echo it and queue it."""
        self._restart_on_any()
        if self.termios.lflag & ECHO:
            self._echo_input(c)
        self._queue(c)

    def _queue(self, c: int) -> None:
        if not self.icanon:
            self.buf.append(c)
            self.last_input = self.clock()
        elif len(self.line) < N_TTY_BUF_SIZE - 1:
            self.line.append(c)

    def _restart_on_any(self) -> None:
        if self.stopped and not self.tco_stopped and self.termios.iflag & IXON and self.termios.iflag & IXANY:
            self.start_output()

    def _isig(self, signo: int, c: int) -> None:
        t = self.termios
        if not t.lflag & NOFLSH:
            self.flush_output()
            self.flush_input()
        self._signal(signo)
        if t.iflag & IXON:
            self.start_output()
        if t.lflag & ECHO:
            self._echo_char(c)

    def _receive_canon(self, c: int) -> bool:
        """Canonical-mode editing characters; False when `c` is an ordinary character."""
        lflag = self.termios.lflag
        iexten = lflag & IEXTEN
        if self._is(c, VERASE) or self._is(c, VKILL) or (iexten and self._is(c, VWERASE)):
            self._erase(ERASE if self._is(c, VERASE) else KILL if self._is(c, VKILL) else WERASE)
            return True
        if iexten and self._is(c, VLNEXT):
            self.lnext = True
            if lflag & ECHO and lflag & ECHOCTL:
                self._echo(b"^\b")
            return True
        if iexten and lflag & ECHO and self._is(c, VREPRINT):
            self._echo_char(c)
            self._echo(b"\n")
            for char in bytes(self.line):
                self._echo_char(char)
            return True
        if c == NL:
            if lflag & (ECHO | ECHONL):
                self._echo(b"\n")
            self._end_line(c)
            return True
        if self._is(c, VEOF):
            self._end_line(None)
            return True
        if self._is(c, VEOL) or (iexten and self._is(c, VEOL2)):
            if lflag & ECHO:
                self._echo_input(c)
            self._end_line(c)
            return True
        return False

    def _end_line(self, delimiter: int | None) -> None:
        if delimiter is not None:
            self.line.append(delimiter)
        self.lines.append((bytes(self.line), delimiter is None))
        self.line.clear()
        self.wait_queue.wake_all()

    def _erase(self, kind: str) -> None:
        """ERASE one character, WERASE one word, or KILL the whole line being edited."""
        t = self.termios
        line = self.line
        if not line:
            return
        echo = t.lflag & ECHO
        if kind == KILL and (not echo or not (t.lflag & ECHOK and t.lflag & ECHOKE and t.lflag & ECHOE)):
            line.clear()
            if echo:
                self._echo_char(t.cc[VKILL])
                if t.lflag & ECHOK:
                    self._echo(b"\n")
            return
        utf8 = t.iflag & IUTF8
        seen_alnum = False
        while line:
            start = len(line) - 1
            while utf8 and start > 0 and line[start] & 0xC0 == 0x80:
                start -= 1
            c = line[start]
            if utf8 and c & 0xC0 == 0x80:
                break  # never erase part of a character
            if kind == WERASE:
                if _is_alnum(c) or c == 0x5F:
                    seen_alnum = True
                elif seen_alnum:
                    break
            del line[start:]
            if echo:
                if kind == ERASE and not t.lflag & ECHOE:
                    self._echo_char(t.cc[VERASE])
                elif c == TAB:
                    self._rub_tab()
                elif not is_cntrl(c):
                    self._echo(b"\b \b")
                elif t.lflag & ECHOCTL:
                    self._echo(b"\b \b\b \b")
            if kind == ERASE:
                break

    def _rub_tab(self) -> None:
        """Move back over an erased tab: the columns it filled depend on what precedes it."""
        width = 0
        after_tab = False
        for c in reversed(self.line):
            if c == TAB:
                after_tab = True
                break
            if is_cntrl(c):
                width += 2 if self.termios.lflag & ECHOCTL else 0
            elif not (self.termios.iflag & IUTF8 and c & 0xC0 == 0x80):
                width += 1
        if not after_tab:
            width += self.canon_column
        back = min(8 - (width & 7), self.column)
        self._echo(b"\b" * back)

    # -- echo ----------------------------------------------------------------------------
    def _echo_input(self, c: int) -> None:
        """Echo a character entering the buffer; the first one of a line fixes its column."""
        if not self.line:
            self.canon_column = self.column
        self._echo_char(c)

    def _echo_char(self, c: int) -> None:
        if self.termios.lflag & ECHOCTL and is_cntrl(c) and c != TAB:
            self._echo(bytes((0x5E, c ^ 0x40)))
        else:
            self._echo(bytes((c,)))

    def _echo(self, data: bytes) -> None:
        out = self.process_output(data)
        if self.stopped:
            self.held += out
        else:
            self._output(out)

    # -- reading -------------------------------------------------------------------------
    def read(self, size: int, nonblock: bool, started: float) -> bytes:
        """Take input for read(2). `started` is when this read first ran (the VMIN=0 timer).
        Raises WouldBlock, or KernelError(EAGAIN) when `nonblock` forbids waiting."""
        if size == 0:
            return b""
        if self.icanon:
            if self.lines:
                return self._read_line(size)
            if nonblock:
                raise KernelError(errno.EAGAIN)
            raise WouldBlock([self.wait_queue])
        vmin, vtime = self.termios.cc[VMIN], self.termios.cc[VTIME]
        available = len(self.buf)
        deadline: float | None = None
        if vmin == 0:
            if available or vtime == 0:
                return self._take(size)
            deadline = started + vtime / 10
            if self.clock() >= deadline:
                return b""
        elif available >= min(vmin, size):
            return self._take(size)
        elif available and (nonblock or (vtime and self.clock() >= self.last_input + vtime / 10)):
            return self._take(size)
        elif available and vtime:
            deadline = self.last_input + vtime / 10  # the inter-byte timer
        if nonblock:
            raise KernelError(errno.EAGAIN)
        raise WouldBlock([self.wait_queue], deadline)

    def _take(self, size: int) -> bytes:
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    def _read_line(self, size: int) -> bytes:
        """One line at most; a line ended by EOF loses its (invisible) terminator, and a
        line alone with it reads as end of file."""
        data, eof = self.lines[0]
        if len(data) <= size:
            self.lines.popleft()
            return data
        self.lines[0] = (data[size:], eof)
        return data[:size]

    def input_available(self, for_poll: bool = False) -> bool:
        if self.icanon:
            return bool(self.lines)
        cc = self.termios.cc
        wanted = cc[VMIN] if for_poll and cc[VMIN] and not cc[VTIME] else 1
        return len(self.buf) >= wanted

    def inq(self) -> int:
        """Bytes a read could return (FIONREAD): complete lines only in canonical mode."""
        if self.icanon:
            return sum(len(data) for data, _ in self.lines)
        return len(self.buf)

    def flush_input(self) -> None:
        self.buf.clear()
        self.lines.clear()
        self.line.clear()
        self.lnext = False
        self._notify(TIOCPKT_FLUSHREAD)
        self.wait_queue.wake_all()

    def flush_output(self) -> None:
        """Drop output not yet delivered (held echoes)."""
        self.held.clear()
        self._notify(TIOCPKT_FLUSHWRITE)
        self.wait_queue.wake_all()

    # -- output --------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Output from a process (the caller has checked `stopped`)."""
        self._output(self.process_output(data))

    def process_output(self, data: bytes) -> bytes:
        t = self.termios
        oflag = t.oflag
        if not oflag & OPOST:
            return bytes(data)
        out = bytearray()
        for match in _OUTPUT_TOKEN.finditer(data):
            token = match.group()
            c = token[0]
            if not is_cntrl(c):
                if oflag & OLCUC:
                    token = token.upper()
                if t.iflag & IUTF8:
                    self.column += len(token.translate(None, _UTF8_CONTINUATION))
                else:
                    self.column += len(token)
                out += token
            elif c == NL:
                if oflag & ONLRET:
                    self.column = 0
                if oflag & ONLCR:
                    self.column = self.canon_column = 0
                    out += b"\r\n"
                    continue
                self.canon_column = self.column
                out.append(NL)
            elif c == CR:
                if oflag & ONOCR and self.column == 0:
                    continue
                if oflag & OCRNL:
                    if oflag & ONLRET:
                        self.column = self.canon_column = 0
                    out.append(NL)
                    continue
                self.column = self.canon_column = 0
                out.append(CR)
            elif c == TAB:
                spaces = 8 - (self.column & 7)
                self.column += spaces
                out += b" " * spaces if oflag & TABDLY == XTABS else b"\t"
            else:
                if c == BS and self.column > 0:
                    self.column -= 1
                out.append(c)
        return bytes(out)

    # -- flow control --------------------------------------------------------------------
    def stop_output(self, tco: bool = False) -> None:
        if tco:
            self.tco_stopped = True
        if not self.stopped:
            self.stopped = True
            self._notify(TIOCPKT_STOP)

    def start_output(self, tco: bool = False) -> None:
        if tco:
            if not self.tco_stopped:
                return
            self.tco_stopped = False
        elif self.tco_stopped:
            return
        if self.stopped:
            self.stopped = False
            self._notify(TIOCPKT_START)
            if self.held:
                held = bytes(self.held)
                self.held.clear()
                self._output(held)
            self.wait_queue.wake_all()
