"""procfs as process tools use it (issue "Signals, terminals and job control,
pseudo-terminals", part 4): busybox ps, top, pidof, killall, kill %1 in an interactive
shell, and, when the host has them, procps's pgrep, pkill and ps (dynamically linked,
copied with their libraries into the guest's root under /opt/procps).

One scenario script builds the interesting processes (a stopped sleep, a zombie, the shell
itself) and prints /proc files and tool output in sections; the tests check each section
against Linux's formats: exact where the value is deterministic, the shape otherwise
(columns, state letters, field counts), as captured from the same tools on Linux.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from harness import default_timeout, fail_on_timeout, pykerla_run_argv, run_process, unpack_root
from pty_session import ConsoleSession

pytestmark = pytest.mark.pykerla

PROCPS_TOOLS = ("pgrep", "pkill", "ps")
PROCPS_DIR = "opt/procps"
RLIM_INFINITY = 2**64 - 1
SIGCHLD = 17

# Waits poll /proc inside the guest (usleep 1000) until the state they need is reached:
# asleep waits until each process it is given runs `sleep` and sleeps in it; the zombie is
# a child that exits once its parent has become `sleep 100`, which never waits.
ASLEEP = ("asleep() { for p; do until [ \"$(cat /proc/$p/comm 2>/dev/null)\" = sleep ] "
          "&& grep -q '^State:.S' /proc/$p/status; do usleep 1000; done; done; }")
# `settled CMD...` runs CMD in a child once the shell itself sleeps waiting for it: a child
# may otherwise run before its parent has reached wait4 and see the shell running (R).
SETTLED = ("settled() { (until grep -q '^State:.S' /proc/$$/status; do usleep 1000; done; "
           "exec \"$@\"); }")
SCENARIO = ASLEEP + "\n" + SETTLED + """
ZOMBIE='p=$(cut -d" " -f4 /proc/$$/stat); until [ "$(cat /proc/$p/comm)" = sleep ]; do usleep 1000; done'
mount -t proc proc /proc
mount -t tmpfs tmp /tmp
sleep 100 & s=$!
asleep $s
kill -STOP $s
z=$( (sh -c "$ZOMBIE" & echo $!; exec sleep 100 >/dev/null) & )
until grep -q '^State:.T' /proc/$s/status; do usleep 1000; done
until grep -q '^State:.Z' /proc/$z/status; do usleep 1000; done
h=$(grep '^PPid:' /proc/$z/status | cut -f2)
asleep $h
echo "== ids"; echo $$ $s $z $h
echo "== stat"; settled cat /proc/$$/stat /proc/$s/stat /proc/$z/stat
echo "== status-self"; settled cat /proc/$$/status
echo "== status-stopped"; cat /proc/$s/status
echo "== status-zombie"; cat /proc/$z/status
echo "== ps"; settled ps -o pid,ppid,stat,comm,args
echo "== top"; settled top -b -n 1
exec 9</etc/passwd
cd /tmp
echo "== links"; for l in cwd root exe fd/9; do readlink /proc/$$/$l; done
echo "== fd"; ls /proc/$$/fd
echo "== fdinfo"; cat /proc/$$/fdinfo/9
echo "== task"; ls /proc/$$/task
echo "== cmdline"; tr '\\0' '|' </proc/$$/cmdline; echo; tr '\\0' '|' </proc/$z/cmdline; echo "<zombie"
echo "== environ"; tr '\\0' '\\n' </proc/$$/environ
echo "== loadavg"; cat /proc/loadavg
echo "== uptime"; cat /proc/uptime
echo "== proc-stat"; cat /proc/stat
echo "== meminfo"; cat /proc/meminfo
echo "== pidof"; pidof sleep
echo "== killall"; killall sleep; echo "killall=$?"; kill -CONT $s; wait $s; echo "stopped sleep=$?"
"""

PROCPS_SCENARIO = ASLEEP + """
mount -t proc proc /proc
sleep 100 & a=$!
sleep 200 & b=$!
asleep $a $b
echo "== ids"; echo $$ $a $b
echo "== pgrep"; /opt/procps/pgrep -l sleep
echo "== pgrep-f"; /opt/procps/pgrep -f 'sleep 200'
echo "== ps"; /opt/procps/ps -o pid,ppid,stat,tty,comm,args -p $$,$a,$b
echo "== pkill"; /opt/procps/pkill -e sleep; echo "pkill=$?"; wait $a; echo "a=$?"; wait $b; echo "b=$?"
"""

# The lines of /proc/PID/status in Linux 6.1's order (array.c); Vm*/Rss* lines only while
# the process has memory, Umask only while it has an fs context (not as a zombie).
STATUS_KEYS = (
    "Name Umask State Tgid Ngid Pid PPid TracerPid Uid Gid FDSize Groups NStgid NSpid NSpgid NSsid "
    "VmPeak VmSize VmLck VmPin VmHWM VmRSS RssAnon RssFile RssShmem VmData VmStk VmExe VmLib VmPTE "
    "VmSwap HugetlbPages CoreDumping THP_enabled Threads SigQ SigPnd ShdPnd SigBlk SigIgn SigCgt "
    "CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp Seccomp_filters Speculation_Store_Bypass "
    "SpeculationIndirectBranch Cpus_allowed Cpus_allowed_list Mems_allowed Mems_allowed_list "
    "voluntary_ctxt_switches nonvoluntary_ctxt_switches").split()
MEMORY_KEYS = set(STATUS_KEYS[STATUS_KEYS.index("VmPeak"):STATUS_KEYS.index("THP_enabled") + 1])


def sections(output: str) -> dict[str, list[str]]:
    """The script's output split at its "== name" lines."""
    found: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in output.splitlines():
        if line.startswith("== "):
            lines = found.setdefault(line[3:], [])
        else:
            lines.append(line)
    return found


def stat_fields(line: str) -> list[str]:
    """/proc/PID/stat split into its fields; comm (in parentheses) may contain spaces."""
    head, _, tail = line.rpartition(")")
    pid, _, comm = head.partition(" (")
    return [pid, comm, *tail.split()]


def copy_procps(root: Path) -> bool:
    """Install the host's procps tools and the libraries they load (per ldd) into `root`;
    False when the host has no procps."""
    tools = [Path("/usr/bin", name) for name in PROCPS_TOOLS]
    if shutil.which("ldd") is None or not all(tool.exists() for tool in tools):
        return False
    libraries: set[str] = set()
    for tool in tools:
        listing = subprocess.run(["ldd", tool], capture_output=True, text=True, check=True).stdout
        libraries.update(re.findall(r"(/\S+) \(0x", listing))
    for path in [*libraries, *(str(tool) for tool in tools)]:
        dest = root / (PROCPS_DIR + "/" + Path(path).name if path.startswith("/usr/bin/") else path.lstrip("/"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        dest.chmod(0o755)
    return True


@pytest.fixture(scope="module")
def guest_root(tmp_path_factory) -> tuple[Path, bool]:
    """The busybox image unpacked (hostfs root) with the scenario scripts, plus procps if
    the host has it."""
    root = unpack_root(tmp_path_factory.mktemp("proc_tools") / "root")
    (root / "scenario.sh").write_text(SCENARIO)
    (root / "procps.sh").write_text(PROCPS_SCENARIO)
    return root, copy_procps(root)


def run_script(root: Path, platform: str, script: str) -> tuple[dict[str, list[str]], str]:
    argv = pykerla_run_argv(root, ["-e", "FOO=bar", "--", "/bin/sh", script], platform)
    result = fail_on_timeout(lambda: run_process(argv, timeout=default_timeout()), "pykerla run")
    stdout = result.stdout.decode(errors="backslashreplace")
    assert result.returncode == 0, result.stderr.decode(errors="backslashreplace")[-3000:]
    return sections(stdout), stdout


@pytest.fixture(scope="module")
def scenario(guest_root, pykerla_platform) -> dict[str, list[str]]:
    found, _ = run_script(guest_root[0], pykerla_platform, "/scenario.sh")
    return found


@pytest.fixture(scope="module")
def ids(scenario) -> dict[str, int]:
    """Pids: the shell, the stopped sleep, the zombie, and the zombie's parent (holder)."""
    shell, stopped, zombie, holder = map(int, scenario["ids"][0].split())
    return {"shell": shell, "stopped": stopped, "zombie": zombie, "holder": holder}


# -- /proc/PID/stat and status -------------------------------------------------------------

def test_stat_has_52_fields_with_linux_states(scenario, ids):
    shell, stopped, zombie = (stat_fields(line) for line in scenario["stat"])
    assert [len(shell), len(stopped), len(zombie)] == [52, 52, 52]
    assert (shell[:6], stopped[:4], zombie[:4]) == (
        [str(ids["shell"]), "sh", "S", "0", "1", "1"],
        [str(ids["stopped"]), "sleep", "T", str(ids["shell"])],
        [str(ids["zombie"]), "sh", "Z", str(ids["holder"])])
    for fields in (shell, stopped, zombie):
        assert fields[6:8] == ["0", "-1"]                           # tty_nr, tpgid: no terminal
        assert (fields[17], fields[18], fields[19]) == ("20", "0", "1")  # priority nice num_threads
        assert int(fields[24]) == RLIM_INFINITY                     # rsslim
        assert int(fields[37]) == SIGCHLD                           # exit_signal
        assert all(re.fullmatch(r"-?\d+", field) for field in fields[3:]), fields
    vsize, rss, start_code, end_code, start_stack = (int(shell[i]) for i in (22, 23, 25, 26, 27))
    assert vsize > 0 and rss > 0 and 0 < start_code < end_code < start_stack, shell
    arg_start, arg_end, env_start, env_end = (int(shell[i]) for i in (47, 48, 49, 50))
    assert arg_start < arg_end <= env_start < env_end
    # A zombie has no memory any more: its sizes and addresses read 0; it exited with 0 (field 52).
    assert [int(zombie[i]) for i in (22, 23, 25, 26, 27, 44, 45, 46, 47, 48, 49, 50, 51)] == [0] * 13


def test_status_lines_in_linux_order(scenario, ids):
    def parse(lines: list[str]) -> dict[str, str]:
        return dict(line.split(":\t", 1) for line in lines)

    me, stopped, zombie = (parse(scenario[name]) for name in ("status-self", "status-stopped", "status-zombie"))
    assert list(me) == list(STATUS_KEYS)
    assert list(zombie) == [k for k in STATUS_KEYS if k not in MEMORY_KEYS and k != "Umask"]
    assert (me["Name"], me["State"], me["Pid"], me["PPid"], me["Umask"]) == (
        "sh", "S (sleeping)", str(ids["shell"]), "0", "0022")
    assert (stopped["State"], zombie["State"]) == ("T (stopped)", "Z (zombie)")
    assert me["Uid"] == me["Gid"] == "0\t0\t0\t0"
    assert re.fullmatch(r" *\d+ kB", me["VmRSS"]) and me["Threads"] == "1"
    assert re.fullmatch(r"[0-9a-f]{16}", me["SigCgt"])


# -- busybox tools ------------------------------------------------------------------------

def test_busybox_ps_columns_and_states(scenario, ids):
    header, *rows = scenario["ps"]
    assert header == "PID   PPID  STAT COMMAND          COMMAND"
    table = {}
    for row in rows:
        match = re.fullmatch(r" *(\d+) +(\d+) (\S+) +(\S+) +(.*)", row)
        assert match, row
        pid, ppid, stat, comm, args = match.groups()
        table[int(pid)] = (int(ppid), stat, comm, args)
    assert table[ids["shell"]] == (0, "S", "sh", "/bin/sh /scenario.sh")
    assert table[ids["stopped"]] == (ids["shell"], "T", "sleep", "sleep 100")
    assert table[ids["zombie"]] == (ids["holder"], "Z", "sh", "[sh]")
    assert table[ids["holder"]] == (ids["shell"], "S", "sleep", "sleep 100")
    assert [stat for _, stat, comm, _ in table.values() if comm == "ps"] == ["R"]


def test_busybox_top_batch(scenario, ids):
    mem, cpu, load, header, *rows = scenario["top"]
    assert re.fullmatch(r"Mem: \d+K used, \d+K free, \d+K shrd, \d+K buff, \d+K cached", mem), mem
    assert re.fullmatch(r"CPU: +(\d+% \w+ +){6}\d+% sirq", cpu), cpu
    assert re.fullmatch(r"Load average: \d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+", load), load
    assert header == "  PID  PPID USER     STAT   VSZ %VSZ %CPU COMMAND"
    states = {}
    for row in filter(None, rows):
        match = re.fullmatch(r" *(\d+) +(\d+) root +(\S+) +(\d+) +\d+% +\d+% (.*)", row)
        assert match, row
        states[int(match[1])] = (match[3], int(match[4]), match[5])
    assert states[ids["stopped"]][0] == "T" and states[ids["zombie"]] == ("Z", 0, "[sh]")
    assert states[ids["shell"]][1] > 0


def test_busybox_pidof_and_killall(scenario, ids):
    assert set(map(int, scenario["pidof"][0].split())) == {ids["stopped"], ids["holder"]}
    # SIGTERM stays pending on the stopped sleep until SIGCONT lets it act: 128 + 15.
    assert scenario["killall"] == ["killall=0", "stopped sleep=143"]


# -- per-process files and links ------------------------------------------------------------

def test_pid_links_fd_fdinfo_task(scenario, ids):
    assert scenario["links"] == ["/tmp", "/", "/bin/busybox", "/etc/passwd"]
    assert {"0", "1", "2", "9"} <= set(scenario["fd"])
    assert re.fullmatch(r"pos:\t0\nflags:\t0100000\nmnt_id:\t\d+\nino:\t\d+", "\n".join(scenario["fdinfo"]))
    assert scenario["task"] == [str(ids["shell"])]


def test_cmdline_and_environ(scenario):
    assert scenario["cmdline"] == ["/bin/sh|/scenario.sh|", "<zombie"]
    assert "FOO=bar" in scenario["environ"] and "HOME=/root" in scenario["environ"]


# -- system-wide files ------------------------------------------------------------------------

def test_loadavg_uptime_stat_meminfo(scenario):
    load = re.fullmatch(r"\d+\.\d\d \d+\.\d\d \d+\.\d\d (\d+)/(\d+) (\d+)", scenario["loadavg"][0])
    assert load and 1 <= int(load[1]) <= int(load[2]), scenario["loadavg"]
    up, idle = map(float, scenario["uptime"][0].split())
    assert re.fullmatch(r"\d+\.\d\d \d+\.\d\d", scenario["uptime"][0]) and 0 < up and 0 <= idle <= up
    stat = {line.split()[0]: line.split()[1:] for line in scenario["proc-stat"]}
    assert re.fullmatch(r"cpu  (\d+ ){9}\d+", scenario["proc-stat"][0])
    assert stat["cpu0"] == stat["cpu"] and "cpu1" not in stat     # one CPU
    assert abs(int(stat["btime"][0]) - time.time()) < 600
    assert int(stat["processes"][0]) >= 4 and int(stat["procs_running"][0]) >= 1
    meminfo = scenario["meminfo"]
    assert [line.split(":")[0] for line in meminfo[:3]] == ["MemTotal", "MemFree", "MemAvailable"]
    for line in meminfo:
        assert re.fullmatch(r"[\w()]+: +\d+( kB)?", line) and (len(line) >= 27 or not line.endswith("kB")), line
    total, free = (int(line.split()[1]) for line in meminfo[:2])
    assert 0 < free < total


# -- procps (the host's, dynamically linked) ------------------------------------------------

def test_procps_pgrep_ps_pkill(guest_root, pykerla_platform):
    root, has_procps = guest_root
    if not has_procps:
        pytest.skip("the host has no procps (pgrep, pkill, ps) to copy into the guest")
    found, stdout = run_script(root, pykerla_platform, "/procps.sh")
    shell, a, b = map(int, found["ids"][0].split())
    assert found["pgrep"] == [f"{a} sleep", f"{b} sleep"], stdout
    assert found["pgrep-f"] == [str(b)]
    header, *rows = found["ps"]
    assert header.split() == ["PID", "PPID", "STAT", "TT", "COMMAND", "COMMAND"]
    assert [row.split(None, 5) for row in rows] == [
        [str(shell), "0", "Ss", "?", "sh", "/bin/sh /procps.sh"],   # pid 1 leads its session
        [str(a), str(shell), "S", "?", "sleep", "sleep 100"],
        [str(b), str(shell), "S", "?", "sleep", "sleep 200"]]
    assert found["pkill"] == [f"sleep killed (pid {a})", f"sleep killed (pid {b})", "pkill=0", "a=143", "b=143"]


# -- an interactive shell on the console --------------------------------------------------------

def test_interactive_kill_job_and_terminal_columns(guest_root, pykerla_platform):
    root, has_procps = guest_root
    with ConsoleSession(root, pykerla_platform) as console:
        console.command(ASLEEP)
        console.command(SETTLED)
        console.command("sleep 100 &")
        console.command("asleep $!")
        shell = console.command("echo $$")
        sleep = console.command("echo $!")
        rows = console.command("ps -o pid,tty,stat,comm").splitlines()
        assert rows[0] == "PID   TT     STAT COMMAND"
        assert f"{sleep:>5} 5,1    S    sleep" in rows        # the console is char device 5:1
        stat, cat = (line.split() for line in console.command(f"cat /proc/{sleep}/stat /proc/self/stat").splitlines())
        assert (stat[4], stat[5], stat[6]) == (sleep, shell, str(5 << 8 | 1))  # own group, shell's session
        assert stat[7] == cat[4] == cat[0]      # tpgid: the foreground job, cat in a group of its own
        if has_procps:
            procps = console.command(f"settled /opt/procps/ps -o pid,stat,tty,comm -p {shell},{sleep}").splitlines()
            assert [line.split() for line in procps[1:]] == [
                [shell, "Ss", "console", "sh"], [sleep, "S", "console", "sleep"]]
        seen = console.command("kill %1") + "\n"   # the end is reported at a prompt or by `jobs`,
        for _ in range(100):                        # depending on when it lands
            jobs = console.command("jobs")
            seen += jobs + "\n"
            if "Terminated" in seen and jobs == "":
                break
            time.sleep(0.05)
        assert re.search(r"^\[1\]\+ +Terminated +sleep 100$", seen, re.MULTILINE), seen
        assert jobs == ""
