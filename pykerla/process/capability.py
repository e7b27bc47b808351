"""Capability sets as the kernel reports them (capget(2), /proc/PID/status).

pykerla keeps no capability state of its own: privilege is decided from the user ids, as
for a Linux process that never called capset or prctl(PR_SET_KEEPCAPS) and whose
executables carry no file capabilities. Under those rules a task whose effective uid is 0
holds every capability in its effective set, one with a 0 among its real, effective or
saved uids holds every capability in its permitted set, and the inheritable set is empty.
"""

from __future__ import annotations

from typing import Any, NamedTuple

CAP_LAST_CAP = 40  # CAP_CHECKPOINT_RESTORE
CAP_FULL = (1 << (CAP_LAST_CAP + 1)) - 1


class CapabilitySets(NamedTuple):
    effective: int
    permitted: int
    inheritable: int


def capability_sets(creds: Any) -> CapabilitySets:
    """The capability sets that `creds` (a Credentials) imply."""
    permitted = CAP_FULL if 0 in (creds.uid, creds.euid, creds.suid) else 0
    return CapabilitySets(CAP_FULL if creds.euid == 0 else 0, permitted, 0)
