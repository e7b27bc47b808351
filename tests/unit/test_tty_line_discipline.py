"""N_TTY: input processing, canonical editing, echo, signals, VMIN/VTIME, output processing."""

import errno

import pytest

from pykerla.errors import KernelError
from pykerla.process.signal_state import SIGINT, SIGQUIT, SIGTSTP
from pykerla.process.wait_queue import WouldBlock
from pykerla.tty import termios as T
from pykerla.tty.line_discipline import N_TTY_BUF_SIZE, LineDiscipline


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Rig:
    def __init__(self, **changes):
        self.out = bytearray()
        self.signals = []
        self.clock = Clock()
        termios = T.Termios()
        for name, value in changes.items():
            setattr(termios, name, value)
        self.ld = LineDiscipline(termios, self.out.extend, self.signals.append, self.clock)

    def type(self, data):
        return self.ld.receive(data)

    def read(self, size=4096, nonblock=False, started=None):
        return self.ld.read(size, nonblock, self.clock.now if started is None else started)

    def set(self, **changes):
        new = self.ld.termios.copy()
        for name, value in changes.items():
            if name in ("vmin", "vtime"):
                new.cc[T.VMIN if name == "vmin" else T.VTIME] = value
            else:
                setattr(new, name, value)
        self.ld.set_termios(new)

    def echoed(self):
        data = bytes(self.out)
        self.out.clear()
        return data


RAW_LFLAG = T.Termios().lflag & ~T.ICANON


# -- canonical mode ----------------------------------------------------------------------

def test_canonical_line_with_icrnl_and_echo():
    r = Rig()
    r.type(b"hi")
    with pytest.raises(WouldBlock):
        r.read()
    r.type(b"\r")
    assert r.read() == b"hi\n"
    assert r.echoed() == b"hi\r\n"


def test_canonical_returns_one_line_per_read_and_partial_lines():
    r = Rig()
    r.type(b"abc\ndefgh\n")
    assert r.ld.inq() == 10
    assert r.read(2) == b"ab"
    assert r.read() == b"c\n"
    assert r.read() == b"defgh\n"


def test_nonblocking_canonical_without_line_is_eagain():
    r = Rig()
    r.type(b"partial")
    with pytest.raises(KernelError) as e:
        r.read(nonblock=True)
    assert e.value.errno == errno.EAGAIN
    assert r.ld.inq() == 0


def test_erase_with_echoe():
    r = Rig()
    r.type(b"ab\x7fc\n")
    assert r.read() == b"ac\n"
    assert r.echoed() == b"ab\b \bc\r\n"


def test_erase_without_echoe_echoes_the_erase_char():
    r = Rig(lflag=T.Termios().lflag & ~T.ECHOE)
    r.type(b"ab\x7f")
    assert r.echoed() == b"ab^?"


def test_erase_control_char_rubs_two_columns():
    r = Rig()
    r.type(b"a\x16\x01")       # LNEXT then ^A, echoed "^\b" then "^A"
    assert r.echoed() == b"a^\b^A"
    r.type(b"\x7f")
    assert r.echoed() == b"\b \b\b \b"
    r.type(b"\n")
    assert r.read() == b"a\n"


def test_erase_on_empty_line_does_nothing():
    r = Rig()
    r.type(b"\x7f\x15\x17")
    assert r.echoed() == b""


def test_erase_tab_moves_back_to_previous_column():
    r = Rig()
    r.type(b"ab\t")
    assert r.echoed() == b"ab\t"
    r.type(b"\x7f")
    assert r.echoed() == b"\b" * 6


def test_kill_with_echoke_erases_visually():
    r = Rig()
    r.type(b"hello\x15bye\n")
    assert r.read() == b"bye\n"
    assert r.echoed() == b"hello" + b"\b \b" * 5 + b"bye\r\n"


def test_kill_without_echoke_echoes_kill_char_and_newline():
    r = Rig(lflag=T.Termios().lflag & ~T.ECHOKE)
    r.type(b"hello\x15")
    assert r.echoed() == b"hello^U\r\n"


def test_werase_erases_a_word_and_trailing_blanks():
    r = Rig()
    r.type(b"one two  \x17x\n")
    assert r.read() == b"one x\n"
    r.type(b"foo-bar\x17\n")
    assert r.read() == b"foo-\n"


def test_utf8_erase_removes_whole_character():
    r = Rig(iflag=T.ICRNL | T.IXON | T.IUTF8)
    r.type("aé".encode() + b"\x7f\n")
    assert r.read() == b"a\n"


def test_eof_at_line_start_reads_zero_then_continues():
    r = Rig()
    r.type(b"\x04")
    assert r.read() == b""
    r.type(b"ab\x04")
    assert r.read() == b"ab"
    assert r.echoed() == b"ab"   # EOF is not echoed


def test_eof_terminated_line_fits_exactly():
    r = Rig()
    r.type(b"abc\x04\x04")
    assert r.read(3) == b"abc"
    assert r.read(3) == b""


def test_eol_char_ends_line_and_is_kept():
    r = Rig()
    r.set(cc=bytearray(T.Termios().cc))
    new = r.ld.termios.copy()
    new.cc[T.VEOL] = ord(";")
    r.ld.set_termios(new)
    r.type(b"ls;")
    assert r.read() == b"ls;"


def test_lnext_quotes_special_chars():
    r = Rig()
    r.type(b"\x16\x03\x16\x7f\n")
    assert r.signals == []
    assert r.read() == b"\x03\x7f\n"


def test_reprint():
    r = Rig()
    r.type(b"ab\x12")
    assert r.echoed() == b"ab^R\r\nab"


def test_echonl_without_echo():
    r = Rig(lflag=T.ICANON | T.ECHONL)
    r.type(b"secret\r")
    assert r.echoed() == b"\r\n"
    assert r.read() == b"secret\n"


def test_no_echo():
    r = Rig(lflag=T.ICANON | T.ISIG)
    r.type(b"pw\n")
    assert r.echoed() == b""


def test_input_flags_igncr_inlcr_istrip():
    r = Rig(iflag=T.IGNCR)
    r.type(b"a\rb\n")
    assert r.read() == b"ab\n"
    r = Rig(iflag=T.INLCR, lflag=RAW_LFLAG)
    r.type(b"x\n")
    assert r.read() == b"x\r"
    r = Rig(iflag=T.ISTRIP, lflag=RAW_LFLAG & ~T.ECHO)
    r.type(b"\xc1")
    assert r.read() == b"A"


def test_cr_without_icrnl_is_echoed_as_control():
    r = Rig(iflag=0)
    r.type(b"a\r")
    assert r.echoed() == b"a^M"


def test_canonical_line_length_is_limited():
    r = Rig(lflag=T.ICANON)
    r.type(b"x" * (N_TTY_BUF_SIZE + 10) + b"\n")
    assert len(r.read()) == N_TTY_BUF_SIZE


# -- signals -----------------------------------------------------------------------------

@pytest.mark.parametrize("char,signo", [(b"\x03", SIGINT), (b"\x1c", SIGQUIT), (b"\x1a", SIGTSTP)])
def test_isig_sends_signal_flushes_and_echoes(char, signo):
    r = Rig()
    r.type(b"done\npending" + char)
    assert r.signals == [signo]
    assert r.ld.inq() == 0 and not r.ld.line
    assert r.echoed().endswith(b"^" + bytes([char[0] ^ 0x40]))


def test_noflsh_keeps_input():
    r = Rig(lflag=T.Termios().lflag | T.NOFLSH)
    r.type(b"done\n\x03")
    assert r.signals == [SIGINT]
    assert r.read() == b"done\n"


def test_isig_off_passes_control_chars():
    r = Rig(lflag=T.ICANON)
    r.type(b"\x03\n")
    assert r.signals == []
    assert r.read() == b"\x03\n"


def test_disabled_cc_slot_matches_nothing():
    r = Rig()
    new = r.ld.termios.copy()
    new.cc[T.VINTR] = T.VDISABLE
    r.ld.set_termios(new)
    r.type(b"\x00\x03\n")
    assert r.signals == []
    assert r.read() == b"\x00\x03\n"


# -- flow control ------------------------------------------------------------------------

def test_stop_start_holds_echo():
    r = Rig()
    r.type(b"\x13ab")
    assert r.ld.stopped and r.echoed() == b""
    r.type(b"\x11")
    assert not r.ld.stopped and r.echoed() == b"ab"


def test_ixany_restarts_output():
    r = Rig(iflag=T.ICRNL | T.IXON | T.IXANY)
    r.type(b"\x13x")
    assert not r.ld.stopped
    assert r.echoed() == b"x"


def test_tcooff_is_only_undone_by_tcoon():
    r = Rig()
    r.ld.stop_output(tco=True)
    r.type(b"\x11")
    assert r.ld.stopped
    r.ld.start_output(tco=True)
    assert not r.ld.stopped


# -- non-canonical mode: VMIN / VTIME ------------------------------------------------------

def raw(vmin, vtime):
    r = Rig(lflag=RAW_LFLAG & ~T.ECHO)
    r.set(vmin=vmin, vtime=vtime)
    return r


def test_vmin0_vtime0_polls():
    r = raw(0, 0)
    assert r.read() == b""
    assert r.read(nonblock=True) == b""   # Linux returns 0, not EAGAIN
    r.type(b"abc")
    assert r.read(2) == b"ab"


def test_vmin_gt0_vtime0_waits_for_vmin_bytes():
    r = raw(3, 0)
    r.type(b"ab")
    with pytest.raises(WouldBlock) as e:
        r.read()
    assert e.value.deadline is None
    assert r.read(2) == b"ab"   # a smaller buffer is satisfied sooner
    r.type(b"abcd")
    assert r.read() == b"abcd"


def test_vmin_nonblocking_returns_what_there_is():
    r = raw(3, 0)
    with pytest.raises(KernelError):
        r.read(nonblock=True)
    r.type(b"a")
    assert r.read(nonblock=True) == b"a"


def test_vmin0_vtime_is_an_overall_timeout():
    r = raw(0, 5)
    start = r.clock.now
    with pytest.raises(WouldBlock) as e:
        r.read(started=start)
    assert e.value.deadline == pytest.approx(start + 0.5)
    r.clock.now += 0.6
    assert r.read(started=start) == b""
    r.type(b"z")
    assert r.read(started=start) == b"z"


def test_vmin_vtime_is_an_interbyte_timer():
    r = raw(4, 2)
    with pytest.raises(WouldBlock) as e:
        r.read()
    assert e.value.deadline is None      # the timer starts with the first byte
    r.type(b"a")
    with pytest.raises(WouldBlock) as e:
        r.read()
    assert e.value.deadline == pytest.approx(r.clock.now + 0.2)
    r.clock.now += 0.1
    r.type(b"b")
    with pytest.raises(WouldBlock) as e:
        r.read()
    assert e.value.deadline == pytest.approx(r.clock.now + 0.2)
    r.clock.now += 0.25
    assert r.read() == b"ab"


def test_poll_readiness_honours_vmin_when_vtime_is_zero():
    r = raw(2, 0)
    r.type(b"a")
    assert r.ld.input_available() and not r.ld.input_available(for_poll=True)
    r.type(b"b")
    assert r.ld.input_available(for_poll=True)


def test_raw_echo_shows_newline_as_control():
    r = Rig(lflag=RAW_LFLAG, iflag=0)
    r.type(b"a\n")
    assert r.echoed() == b"a^J"


def test_raw_input_buffer_is_bounded():
    r = raw(1, 0)
    assert r.type(b"x" * 5000) == N_TTY_BUF_SIZE - 1
    r.read(100)
    assert r.type(b"y" * 200) == 100


# -- switching modes, flushing -----------------------------------------------------------

def test_switch_to_raw_makes_partial_line_readable():
    r = Rig()
    r.type(b"ab\ncd")
    r.set(lflag=RAW_LFLAG)
    assert r.read() == b"ab\ncd"


def test_switch_to_canonical_pushes_pending_input():
    r = raw(1, 0)
    r.type(b"xy")
    r.set(lflag=T.Termios().lflag)
    assert r.read() == b"xy"


def test_flush_input():
    r = Rig()
    r.type(b"a\nb")
    r.ld.flush_input()
    assert r.ld.inq() == 0 and not r.ld.line


# -- output processing -------------------------------------------------------------------

def test_onlcr():
    assert Rig().ld.process_output(b"a\nb\n") == b"a\r\nb\r\n"


def test_no_opost_passes_through():
    assert Rig(oflag=T.ONLCR).ld.process_output(b"a\n") == b"a\n"


def test_ocrnl_onocr_onlret_olcuc():
    assert Rig(oflag=T.OPOST | T.OCRNL).ld.process_output(b"a\r") == b"a\n"
    ld = Rig(oflag=T.OPOST | T.ONOCR).ld
    assert ld.process_output(b"\rab\r") == b"ab\r"
    ld = Rig(oflag=T.OPOST | T.ONLRET | T.ONOCR).ld
    assert ld.process_output(b"ab\n\r") == b"ab\n"
    assert Rig(oflag=T.OPOST | T.OLCUC).ld.process_output(b"abc\xe9") == b"ABC\xe9"


def test_xtabs_expands_to_columns():
    ld = Rig(oflag=T.OPOST | T.XTABS).ld
    assert ld.process_output(b"ab\tc\t") == b"ab      c       "
    assert ld.column == 16


def test_column_tracking_with_utf8_and_backspace():
    ld = Rig(iflag=T.IUTF8).ld
    ld.process_output("héé\b".encode())
    assert ld.column == 2


def test_real_raw_bulk_input():
    r = Rig(iflag=0, lflag=0)
    assert r.type(b"\x03\r\n" * 2000) == N_TTY_BUF_SIZE - 1
    assert r.read(3) == b"\x03\r\n"
    assert r.signals == [] and r.echoed() == b""
