"""Unmodified dynamically linked host programs (the host is Debian) run on pykerla with the
host tree as root (`--root /`, copy-up layer: the host is never written), and print what
they print natively: PT_INTERP/PIE loading, file mappings, glibc start-up, fork/exec/pipes.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from harness import GUEST_ENV

PYTHON_SNIPPET = (
    "import json, sqlite3, threading, subprocess, select\n"
    "print(json.dumps({'a': [1, 2, {'b': None}]}, sort_keys=True))\n"
    "db = sqlite3.connect(':memory:')\n"
    "db.execute('create table t (x)')\n"
    "db.executemany('insert into t values (?)', [(i,) for i in range(10)])\n"
    "print(db.execute('select sum(x), count(*) from t').fetchone())\n"
    "print(subprocess.run(['echo', 'from a child'], capture_output=True, text=True).stdout.strip())\n"
    "out = []\n"
    "t = threading.Thread(target=out.append, args=('from a thread',))\n"
    "t.start(); t.join(); print(out[0])\n"
    "r, w = __import__('os').pipe()\n"
    "print(select.select([r], [w], [], 0)[1] == [w])\n"
)

COMMANDS = {
    "bash_loop_sort": ("bash", "bash -c 'for i in $(seq 3); do echo $i; done | sort -r'"),
    "ls_usr_bin": ("ls", "ls -la /usr/bin | wc -l; ls -ld / /etc /usr/bin/env | cut -c1-10"),
    "find_py": ("find", "find /usr/lib/python3.11/json /usr/share/perl5 -name '*.p[my]' | head -20"),
    "grep_r": ("grep", "grep -rn 'def ' /usr/lib/python3/dist-packages | head -5; grep -rc root /etc/passwd /etc/group"),
    "sed": ("sed", "printf 'one\\ntwo\\nthree\\n' | sed -e 's/o/0/g' -e '2d'; sed -n '1,2p' /etc/passwd"),
    "xargs": ("xargs", "printf 'a b\\nc\\n' | xargs -n1 echo item; echo /etc/hostname | xargs wc -c"),
    "perl": ("perl", "perl -e 'print \"hi\\n\"; printf(\"%d\\n\", 6*7)'"),
    "python3": ("python3", f"python3 -c \"{PYTHON_SNIPPET}\""),
}


def _native(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/sh", "-c", command], cwd="/", env=GUEST_ENV, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_host_program_matches_native(run_pykerla, name):
    program, command = COMMANDS[name]
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed on the host")
    native = _native(command)
    guest = run_pykerla(["--", "/bin/sh", "-c", command], root="/")
    assert (guest.stdout, guest.returncode) == (native.stdout, native.returncode), guest.stderr[-3000:]
