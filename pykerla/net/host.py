"""What lies beyond the guest's loopback (`pykerla run --net MODE`).

The guest's network namespace has only `lo`. With `--net none` (the default) a connection
or datagram to any other address fails with ENETUNREACH; NoNetwork, installed as the
namespace's uplink, says so once on stderr so the user learns why.
"""

from __future__ import annotations

import socket
import sys

from .addr import AF_INET, InetAddr

NET_MODES = ("none",)


def format_addr(addr: InetAddr) -> str:
    """"93.184.216.34:80" or "[2001:db8::1]:80"."""
    if addr.family == AF_INET:
        return f"{socket.inet_ntop(socket.AF_INET, addr.host)}:{addr.port}"
    return f"[{socket.inet_ntop(socket.AF_INET6, addr.host)}]:{addr.port}"


class NoNetwork:
    """--net none: nothing outside the guest; the first refusal is reported."""

    def __init__(self) -> None:
        self.reported = False

    def refused(self, addr: InetAddr) -> None:
        if not self.reported:
            self.reported = True
            print(f"pykerla: guest connection to {format_addr(addr)} refused: --net none "
                  "(the guest has only its loopback; later refusals are not reported)", file=sys.stderr, flush=True)
