"""procfs: the process and kernel information file system mounted on /proc.

    nodes.py     inodes whose content is computed when read (files, links, directories)
    pid.py       /proc/PID and /proc/PID/task/TID: stat, status, maps, fd/, fdinfo/, ...
    pid_text.py  the text of the per-process files, formatted as Linux does
    system.py    the text of meminfo, cpuinfo, uptime, loadavg, stat, version, filesystems
    root.py      the root directory, /proc/sys/kernel, and the file-system factory

Importing this package registers the "proc" file-system type for mount(2).
"""

from __future__ import annotations

from ..mount import register_filesystem
from .root import new_procfs, proc_factory

__all__ = ["new_procfs", "proc_factory"]

register_filesystem("proc", proc_factory)
