"""`pykerla serve`: one fresh kernel per incoming connection (Kerla's public SSH demo).

    pykerla serve --port 2222 --root build/ssh-root --max 4 -- dropbear -F -E -p 22

A host TCP server on HOST:PORT. For every accepted connection it starts a child
`pykerla run --root ROOT -- COMMAND...` and hands it the connected socket (inherited
descriptor, `run --serve-fd`): the child's kernel bridges it to the guest's GUESTPORT as a
published port would (held until COMMAND listens) and stops when that connection ends.
At most --max kernels run at once; a connection beyond the cap is closed at once, with a
log line. Everything is logged on stderr, one line per event; SIGINT/SIGTERM stop the
server and its kernels.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from pykerla.net.publish import host_listener, parse_port_spec

POLL_INTERVAL = 0.2
STOP_GRACE = 5.0


@dataclass
class Session:
    proc: subprocess.Popen
    client: str
    started: float


def log(message: str) -> None:
    print(f"pykerla serve: {message}", file=sys.stderr, flush=True)


def kernel_argv(args: argparse.Namespace, fd: int) -> list[str]:
    argv = [sys.executable, "-m", "pykerla", "run", "--root", args.root, "--platform", args.platform,
            "--memory", f"{args.memory >> 20}M", "--serve-fd", str(fd), "--serve-port", str(args.guest_port)]
    for item in args.env:
        argv += ["-e", item]
    return [*argv, "--", *args.command]


class Server:
    def __init__(self, args: argparse.Namespace, listener: socket.socket) -> None:
        self.args = args
        self.listener = listener
        self.sessions: list[Session] = []
        self.stopping = False

    def reap(self) -> None:
        for session in list(self.sessions):
            status = session.proc.poll()
            if status is not None:
                self.sessions.remove(session)
                log(f"kernel {session.proc.pid} for {session.client} ended (status {status}) after "
                    f"{time.monotonic() - session.started:.1f} s; {len(self.sessions)} running")

    def start(self, conn: socket.socket, client: str) -> None:
        if len(self.sessions) >= self.args.max:
            log(f"refused {client}: {len(self.sessions)} kernels already running (--max {self.args.max})")
            conn.close()
            return
        try:
            proc = subprocess.Popen(kernel_argv(self.args, conn.fileno()), pass_fds=(conn.fileno(),),
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            log(f"cannot start a kernel for {client}: {e}")
            return
        finally:
            conn.close()
        self.sessions.append(Session(proc, client, time.monotonic()))
        log(f"connection from {client}: kernel {proc.pid} started; {len(self.sessions)} running")

    def run(self) -> int:
        self.listener.settimeout(POLL_INTERVAL)
        while not self.stopping:
            self.reap()
            try:
                conn, addr = self.listener.accept()
            except TimeoutError:
                continue
            except InterruptedError:
                continue
            except OSError as e:
                if self.stopping:
                    break
                log(f"accept failed: {e.strerror or e}")
                time.sleep(POLL_INTERVAL)
                continue
            conn.setblocking(True)
            self.start(conn, f"{addr[0]}:{addr[1]}")
        self.shutdown()
        return 0

    def shutdown(self) -> None:
        for session in self.sessions:
            try:
                os.killpg(session.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_GRACE
        for session in self.sessions:
            try:
                session.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(session.proc.pid, signal.SIGKILL)
                session.proc.wait()
        log("stopped")


def add_arguments(parser: argparse.ArgumentParser, parse_size: object) -> None:
    parser.add_argument("--port", type=int, required=True, help="host TCP port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="host address to listen on (default 127.0.0.1)")
    parser.add_argument("--root", required=True, help="root file system of every kernel")
    parser.add_argument("--max", type=int, default=4, help="most kernels running at once (default 4)")
    parser.add_argument("--guest-port", type=int, default=22, help="guest TCP port to connect to (default 22)")
    parser.add_argument("--platform", default="auto", choices=["auto", "kvm", "unicorn"])
    parser.add_argument("--memory", type=parse_size, default=512 << 20, help="guest RAM per kernel (default 512M)")
    parser.add_argument("-e", "--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND... run as pid 1 of each kernel")


def serve(args: argparse.Namespace) -> int:
    """The `pykerla serve` command; 125 when it cannot start."""
    args.command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not args.command:
        log("no command given (e.g. -- dropbear -F -E -p 22)")
        return 125
    if args.max < 1:
        log("--max must be at least 1")
        return 125
    try:
        parse_port_spec(f"{args.port}:{args.guest_port}")
    except ValueError as e:
        log(str(e))
        return 125
    if not os.path.exists(args.root):
        log(f"root file system {args.root!r} does not exist")
        return 125
    try:
        listener = host_listener(args.host, args.port, 64)
    except OSError as e:
        log(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}")
        return 125
    server = Server(args, listener)

    def stop(_signo: int, _frame: object) -> None:
        server.stopping = True
        listener.close()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"listening on {args.host}:{args.port}: each connection gets a fresh kernel running "
        f"{' '.join(args.command)} (guest port {args.guest_port}, at most {args.max} at once)")
    return server.run()
