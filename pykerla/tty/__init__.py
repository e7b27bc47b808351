"""Terminals.

termios.py          struct termios/termios2/winsize, flag bits, tty ioctl numbers, defaults
line_discipline.py  N_TTY: input processing, line editing, echo, ISIG, VMIN/VTIME, OPOST
tty.py              Tty (driver + line discipline + job-control state), TtyFile and its ioctls,
                    /dev/tty, controlling-terminal rules, job control, hang-up
pty.py              pseudo-terminals: /dev/ptmx, the slaves in /dev/pts (fs/devpts.py)
host_stream.py      host fds passed through unchanged (the console without a host terminal)
console.py          make_console(): init's fds 0-2, /dev/console, the host terminal in raw mode
"""

from . import pty as _pty  # noqa: F401 - registers /dev/ptmx
