"""The interactive console as a person sees it (issue "Signals, terminals and job control,
pseudo-terminals", part 1): pykerla runs in a host pseudo-terminal, its init starts
busybox `sh -i` with the console as controlling terminal, and the test types keys.

To know when a foreground `sleep` really runs (so that a Ctrl-C or Ctrl-Z reaches it and
not the shell), the guest itself reports it: `fgwatch` polls /proc until the sleep's
process group is the terminal's foreground group (stat fields 5 and 8) and prints FG-PID.
It runs outside the shell's job table, so `fg` and `jobs` see only the sleep.
"""

from __future__ import annotations

import re

import pytest
from pty_session import CTRL_C, CTRL_Z, ESC, ConsoleSession

pytestmark = pytest.mark.pykerla

FGWATCH = ('fgwatch() { until p=$(pidof sleep) && set -- $(cat /proc/$p/stat 2>/dev/null) '
           '&& [ "$5" = "$8" ] && [ "$3" != T ]; do usleep 10000; done; echo "FG-$1"; }')

# busybox `stty -a` on a Linux terminal after `stty rows 33 cols 101 intr ^G -echo -hupcl`
# (captured on Linux 6.18 in a host pty with the same busybox).
STTY_AFTER_SETTINGS = """\
speed 38400 baud; rows 33; columns 101; line = 0;
intr = ^G; quit = ^\\; erase = ^?; kill = ^U; eof = ^D; eol = <undef>; eol2 = <undef>;
swtch = <undef>; start = ^Q; stop = ^S; susp = ^Z; rprnt = ^R; werase = ^W; lnext = ^V; flush = ^O;
min = 1; time = 0;
-parenb -parodd -cmspar cs8 -hupcl -cstopb cread -clocal -crtscts
-ignbrk -brkint -ignpar -parmrk -inpck -istrip -inlcr -igncr icrnl ixon -ixoff -iuclc -ixany
-imaxbel -iutf8
opost -olcuc -ocrnl onlcr -onocr -onlret -ofill -ofdel nl0 cr0 tab0 bs0 vt0 ff0
isig icanon iexten -echo echoe echok -echonl -noflsh -xcase -tostop -echoprt echoctl echoke -flusho
-extproc"""


@pytest.fixture
def console(initramfs, pykerla_platform):
    with ConsoleSession(initramfs, pykerla_platform) as session:
        session.command(FGWATCH)
        yield session


def start_foreground_sleep(console: ConsoleSession, command: str = "sleep 100") -> None:
    """Type `command` (a foreground sleep) and wait until it is the foreground job."""
    console.command("(fgwatch &)")
    console.send(command + "\r")
    console.expect_echo(command)
    console.expect(r"FG-\d+\r\n")


def test_ctrl_c_ends_the_foreground_job(console):
    start_foreground_sleep(console)
    console.send(CTRL_C)
    console.expect_prompt()
    assert console.command("echo $?") == "130"


def test_ctrl_z_stops_then_fg_resumes(console):
    start_foreground_sleep(console)
    console.send(CTRL_Z)
    stopped = console.expect_prompt()
    assert re.search(r"\[\d+\]\+ +Stopped +sleep 100", stopped), stopped
    assert re.fullmatch(r"\[\d+\]\+ +Stopped +sleep 100", console.command("jobs"))
    console.command("(fgwatch &)")
    console.send("fg\r")
    console.expect_echo("fg")
    console.expect(r"sleep 100\r\n")    # fg names the job it resumes
    console.expect(r"FG-\d+\r\n")       # running again, in the foreground
    console.send(CTRL_C)
    console.expect_prompt()
    assert console.command("echo $?") == "130"
    assert console.command("jobs") == ""


def test_vi_edits_and_saves_a_file(console):
    console.send("vi /tmp/f\r")
    console.expect_echo("vi /tmp/f")
    console.expect(r"- /tmp/f")         # vi's status line, command mode
    console.send("i")
    console.expect(r"I /tmp/f")         # insert mode
    console.send("typed in vi")
    console.send(ESC)
    console.expect(r"- /tmp/f")         # back in command mode (vi waits to see if ESC starts a sequence)
    console.send(":wq\r")
    console.expect_prompt()
    assert console.command("cat /tmp/f") == "typed in vi"
    assert console.command("echo still cooked") == "still cooked"


def test_stty_shows_settings_in_linux_spelling(console):
    console.command("stty rows 33 cols 101 intr ^G -echo -hupcl")
    console.send("stty -a\r")  # not echoed any more
    assert console.expect_prompt().replace("\r\n", "\n").strip("\n") == STTY_AFTER_SETTINGS
    console.send("stty echo\r")
    console.expect_prompt()
    start_foreground_sleep(console)
    console.send("\x07")  # ^G is now the interrupt character
    console.expect_prompt()
    assert console.command("echo $?") == "130"


def test_host_resize_reaches_the_guest(console):
    assert console.command("stty size") == "24 200"
    waiter = "sh -c 'trap \"stty size; kill \\$!; exit\" WINCH; echo ready; sleep 100 & wait'"
    console.send(waiter + "\r")
    console.expect_echo(waiter)
    console.expect(r"ready\r\n")
    console.resize(40, 120)
    console.expect(r"40 120\r\n")       # the guest's SIGWINCH handler already sees the new size
    console.expect_prompt()
    assert console.command("stty size") == "40 120"
