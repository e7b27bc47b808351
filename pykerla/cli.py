"""The `pykerla` command line: run a guest, build an initramfs."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from pykerla.boot import BootError, BootOptions, boot
from pykerla.net.host import NET_MODES
from pykerla.net.publish import PortSpec, parse_port_spec
from pykerla.serve import add_arguments as serve_arguments
from pykerla.serve import serve

DEFAULT_ROOT = "build/initramfs.cpio.gz"
_SIZE = re.compile(r"^(\d+)([KMG]?)i?B?$", re.IGNORECASE)


def parse_size(text: str) -> int:
    match = _SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (examples: 512M, 1G)")
    value = int(match.group(1)) * {"": 1 << 20, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[match.group(2).upper()]
    if value < 32 << 20 or value % (2 << 20):
        raise argparse.ArgumentTypeError("memory must be at least 32M and a multiple of 2M")
    return value


def default_root() -> str:
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        candidate = base / DEFAULT_ROOT
        if candidate.exists():
            return str(candidate)
    return DEFAULT_ROOT


def _port_spec(text: str) -> PortSpec:
    try:
        return parse_port_spec(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pykerla", description="A Linux-ABI kernel in Python.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="boot a root file system and run a command (or init) in it")
    run.add_argument("--root", help=f"cpio(.gz) archive or host directory (default {DEFAULT_ROOT})")
    run.add_argument("--platform", default="auto", choices=["auto", "kvm", "unicorn"])
    run.add_argument("--memory", type=parse_size, default=512 << 20, help="guest RAM (default 512M)")
    run.add_argument("--trace", action="store_true", help="print every system call (strace style)")
    run.add_argument("--stats", action="store_true", help="print counters at exit")
    run.add_argument("-e", "--env", action="append", default=[], metavar="NAME=VALUE")
    run.add_argument("--workdir", default="/")
    run.add_argument("-p", "--publish", action="append", default=[], type=_port_spec,
                     metavar="[HOSTIP:]HOSTPORT:GUESTPORT",
                     help="bridge connections to a host port (default address 127.0.0.1) to a guest TCP port")
    run.add_argument("--net", default="none", choices=NET_MODES,
                     help="what the guest reaches beyond its loopback (default none; host: the host's "
                     "network through host sockets, the host's 127.0.0.1 as 10.0.2.2)")
    run.add_argument("--vdso", action=argparse.BooleanOptionalAction, default=True,
                     help="map a vDSO so clock_gettime, gettimeofday, time and getcpu need no trap (default on)")
    run.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)    # used by `pykerla serve`
    run.add_argument("--serve-port", type=int, default=22, help=argparse.SUPPRESS)
    run.add_argument("command", nargs=argparse.REMAINDER)
    serve_arguments(sub.add_parser("serve", help="start a fresh kernel for every incoming TCP connection"),
                    parse_size)
    mk = sub.add_parser("mkinitramfs", help="build the default busybox initramfs")
    mk.add_argument("output", nargs="?", default=DEFAULT_ROOT)
    mkroot = sub.add_parser("mkroot", help="build a Debian root (directory, or OUTPUT.cpio.gz) from packages")
    mkroot.add_argument("--packages", required=True, help="comma-separated Debian packages, e.g. dash,coreutils")
    mkroot.add_argument("--cache", help="directory for downloaded .deb files (default ~/.cache/pykerla/debs)")
    mkroot.add_argument("output")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cmd == "mkinitramfs":
        from pykerla.image.busybox_root import build_busybox_root
        build_busybox_root(args.output)
        return 0
    if args.cmd == "mkroot":
        from pykerla.mkroot.build import run_mkroot
        return run_mkroot(args.packages, args.output, args.cache)
    if args.cmd == "serve":
        return serve(args)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    options = BootOptions(root=args.root or default_root(), command=command, platform=args.platform,
                          memory=args.memory, trace=args.trace, stats=args.stats, env=args.env,
                          workdir=args.workdir, publish=args.publish, net=args.net, serve_fd=args.serve_fd,
                          serve_port=args.serve_port, vdso=args.vdso)
    try:
        return boot(options)
    except BootError as e:
        print(f"pykerla: {e}", file=sys.stderr)
        return 125


if __name__ == "__main__":
    sys.exit(main())
