"""struct termios / termios2 / winsize layout and the default settings of a tty."""

import termios as host

import pytest

from pykerla.tty import termios as T


def test_default_termios_matches_linux_tty_defaults():
    t = T.Termios()
    assert t.iflag == host.ICRNL | host.IXON
    assert t.oflag == host.OPOST | host.ONLCR
    assert t.cflag == host.B38400 | host.CS8 | host.CREAD | host.HUPCL
    assert t.lflag == (host.ISIG | host.ICANON | host.ECHO | host.ECHOE | host.ECHOK | host.ECHOCTL
                       | host.ECHOKE | host.IEXTEN)
    expected = {host.VINTR: 3, host.VQUIT: 0x1C, host.VERASE: 0x7F, host.VKILL: 0x15, host.VEOF: 4,
                host.VTIME: 0, host.VMIN: 1, host.VSTART: 0x11, host.VSTOP: 0x13, host.VSUSP: 0x1A,
                host.VREPRINT: 0x12, host.VWERASE: 0x17, host.VLNEXT: 0x16, host.VDISCARD: 0x0F,
                host.VEOL: 0, host.VEOL2: 0}
    for index, value in expected.items():
        assert t.cc[index] == value


@pytest.mark.parametrize("name", ["IGNBRK", "ISTRIP", "INLCR", "IGNCR", "ICRNL", "IUCLC", "IXON", "IXANY",
                                  "IMAXBEL", "OPOST", "OLCUC", "ONLCR", "OCRNL", "ONOCR",
                                  "ONLRET", "TABDLY", "CSIZE", "CREAD", "HUPCL", "ISIG", "ICANON",
                                  "ECHO", "ECHOE", "ECHOK", "ECHONL", "NOFLSH", "TOSTOP", "ECHOCTL",
                                  "ECHOKE", "IEXTEN", "VEOL2", "VLNEXT", "TCGETS", "TCSETSF",
                                  "TIOCGWINSZ", "TIOCSWINSZ", "TIOCSCTTY", "TIOCNOTTY", "TIOCGPGRP",
                                  "FIONREAD", "TCFLSH", "TCXONC", "TIOCOUTQ"])
def test_constants_match_host_linux(name):
    assert getattr(T, name) == getattr(host, name)


def test_termios_pack_unpack_roundtrip():
    t = T.Termios()
    raw = t.pack()
    assert len(raw) == 36
    assert raw[:4] == (host.ICRNL | host.IXON).to_bytes(4, "little")
    assert raw[17:17 + 19] == bytes(t.cc)
    back = T.Termios.unpack(raw)
    assert back == t
    assert len(t.pack(termios2=True)) == 44
    assert T.Termios.unpack(t.pack(termios2=True)) == t


def test_unpack_old_struct_takes_speed_from_cbaud():
    t = T.Termios(cflag=0o10002 | T.CS8)  # B115200
    assert T.Termios.unpack(t.pack()).ispeed == 115200
    assert T.baud_rate(T.B38400) == 38400
    assert T.baud_rate(T.BOTHER) is None


def test_copy_is_independent():
    t = T.Termios()
    c = t.copy()
    c.cc[T.VMIN] = 5
    assert t.cc[T.VMIN] == 1


def test_winsize():
    w = T.Winsize(24, 80, 640, 480)
    assert w.pack() == bytes([24, 0, 80, 0, 0x80, 2, 0xE0, 1])
    assert T.Winsize.unpack(w.pack()) == w
