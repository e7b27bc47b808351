"""The #! parser, checked against the host kernel: each script is exec'd natively and the
interpreter's argv compared with what parse_script says."""

from __future__ import annotations

import errno
import shutil
import subprocess

import pytest

from pykerla.errors import KernelError
from pykerla.process.binfmt_script import parse_script

ARGS_C = '#include <stdio.h>\nint main(int c,char**v){for(int i=1;i<c;i++)printf("[%s]",v[i]);return 0;}\n'


@pytest.fixture(scope="module")
def args_prog(tmp_path_factory) -> str:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    out = tmp_path_factory.mktemp("script")
    (out / "args.c").write_text(ARGS_C)
    subprocess.run(["gcc", "-O2", str(out / "args.c"), "-o", str(out / "args")], check=True)
    return str(out / "args")


LINES = [
    "#!{p}\n",
    "#!{p} -x\n",
    "#! \t{p}  -a  -b \t\n",
    "#!{p}\t-x y\n",
    "#!{p} -x \0junk\n",
    "#!{p}",
    "#!{p} " + "a" * 300,
    "#!{p}\0 -x\n",
    "#!\n",
    "#!  \t \n",
    "#!" + " " * 300,
    "#!/" + "d" * 300,
    "#!{p} -x\r\n",
]


@pytest.mark.parametrize("line", LINES)
def test_parse_matches_host_kernel(tmp_path, args_prog, line):
    script = tmp_path / "script"
    head = line.format(p=args_prog).encode()
    script.write_bytes(head + b"\necho\n")
    script.chmod(0o755)
    try:
        native = subprocess.run([str(script)], capture_output=True, check=False).stdout
    except OSError as error:
        native = error.errno
    try:
        interp, arg = parse_script(head + b"\necho\n")
    except KernelError as error:
        assert native == error.errno
        return
    if interp != args_prog.encode():
        assert native in (errno.ENOENT, errno.EACCES, errno.ENOEXEC)  # the path itself is bogus
        return
    expected = b"".join(b"[" + s + b"]" for s in ([arg] if arg is not None else []) + [str(script).encode()])
    assert native == expected


def test_not_a_script():
    assert parse_script(b"\x7fELF") is None
    assert parse_script(b"#") is None
    assert parse_script(b"") is None
    assert parse_script(b"#!/bin/sh -e") == (b"/bin/sh", b"-e")
    with pytest.raises(KernelError) as info:
        parse_script(b"#!" + b"x" * 300)
    assert info.value.errno == errno.ENOEXEC

