"""Acceptance of issue "Dynamically linked programs, threads, and root file systems from
Debian packages": a root built by `pykerla mkroot` from Debian 12 packages (once per
session, downloads cached in build/deb-cache), then bash, coreutils, grep, sed, findutils,
perl, lua and python3 run on pykerla and natively (chrooted into the same root, same clean
environment, /proc, /dev and a fresh /tmp mounted); stdout and exit status must match.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from harness import BUILD_DIR, chroot_argv, native_mode

from pykerla.mkroot.build import build_root

PACKAGES = ["dash", "bash", "coreutils", "grep", "sed", "findutils", "perl-base", "python3", "lua5.4"]
CACHE = BUILD_DIR / "deb-cache"
ACCEPT_SCRIPT = Path(__file__).parent / "scripts" / "debian_accept.py"
MISSING_TOOLS = [tool for tool in ("apt-get", "apt-cache", "dpkg-deb") if shutil.which(tool) is None]

PERL = r"""
my %stock = (apple => 3, banana => 1, cherry => 2, damson => 5);
for my $k (sort { $stock{$a} <=> $stock{$b} } keys %stock) { printf("%-7s|%03d|%5.1f\n", $k, $stock{$k}, $stock{$k} / 3) }
if ("2024-01-15 x=42" =~ /^(\d+)-(\d+)-(\d+) x=(\d+)$/) { print "y=$1 m=$2 d=$3 x=$4\n" }
(my $s = "a.b.c") =~ s/\./::/g; print "$s ", join(",", map { uc } split /::/, $s), "\n";
my @kids;
for my $n (1 .. 3) {
    my $pid = fork(); die "fork: $!" unless defined $pid;
    if ($pid == 0) { exit($n * 2) }
    push @kids, $pid;
}
my @status; for my $pid (@kids) { waitpid($pid, 0) == $pid or die "waitpid"; push @status, $? >> 8 }
print "children exited ", join(",", sort @status), "\n";
print join(" ", map { sprintf("%x", $_) } 250 .. 255), "\n";
"""

LUA = r"""
local s = "Hello, Lua World"
print(s:upper(), s:len(), s:sub(1, 5), (s:gsub("o", "0")), s:find("Lua"))
for word in s:gmatch("%a+") do io.write(word, ";") end print()
local t = {5, 3, 9, 1} table.sort(t) print(table.concat(t, ","))
local squares = {} for i = 1, 10 do squares[#squares + 1] = i * i end print(#squares, squares[10])
local count = {} for _, w in ipairs({"a", "b", "a", "c", "a"}) do count[w] = (count[w] or 0) + 1 end
print(count.a, count.b, count.c)
local day = os.time{year=2024, month=3, day=1, hour=12}
print(os.difftime(os.time{year=2024, month=3, day=2, hour=12}, day), os.time() > day)
local f = assert(io.open("/tmp/lua.txt", "w")) f:write("line1\nline2\nline3\n") f:close()
local n = 0 for _ in io.lines("/tmp/lua.txt") do n = n + 1 end
f = assert(io.open("/tmp/lua.txt")) local all = f:read("a") f:close()
print("lines", n, #all, os.remove("/tmp/lua.txt"))
print(string.format("%5.2f|%d|%s|%q", math.pi, 7 // 2, tostring(nil), "a\"b"))
"""

SED = ("seq 1 12 | sed -e 's/1/one/g' -e '/^[0-9]$/d' -e 's/\\(.*\\)2/[\\1]two/';"
       " printf 'a:b:c\\nkeep\\n' | sed -n 'y/abc/xyz/;s/:/-/2p'")

COMMANDS = {
    "bash_loop_sort": ["bash", "-c", "for i in $(seq 3); do echo $i; done | sort -r"],
    "ls_usr_bin": ["bash", "-c", "ls -la /usr/bin | wc -l"],
    "find_py": ["bash", "-c", "find /usr -name '*.py' | sort | head"],
    "grep_r": ["bash", "-c", "grep -rc root /etc | sort"],
    "sed": ["bash", "-c", SED],
    "xargs": ["bash", "-c", "seq 10 | xargs -n 3 echo"],
    "bash_dev_fd": ["bash", "-c", "paste <(seq 3) <(seq 4 6); cat /dev/stdin <<< here; echo x | wc -c /dev/fd/0"],
    "perl": ["perl", "-e", PERL],
    "lua": ["lua5.4", "-e", LUA],
    "python3": ["python3", "/root/accept.py"],
}


@pytest.fixture(scope="module")
def debian_root():
    """The root, built in a private directory under build/ and removed after the module."""
    if MISSING_TOOLS:
        pytest.skip(f"mkroot needs {', '.join(MISSING_TOOLS)}")
    if native_mode() != "chroot":
        pytest.skip("the native half needs root (chroot into the Debian root)")
    BUILD_DIR.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=BUILD_DIR, prefix="debian-root-test-"))
    try:
        root = build_root(PACKAGES, work / "root", cache=CACHE, report=lambda message: None)
        shutil.copyfile(ACCEPT_SCRIPT, root / "root" / "accept.py")
        yield root
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_matches_native_chroot(run_pykerla, debian_root, name):
    argv = COMMANDS[name]
    native = subprocess.run(chroot_argv(debian_root, argv), capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert native.returncode == 0 and native.stdout, f"native run failed: {native.stderr[-2000:]}"
    guest = run_pykerla(["--", *argv], root=debian_root)
    assert (guest.stdout, guest.returncode) == (native.stdout, native.returncode), guest.stderr[-3000:]
