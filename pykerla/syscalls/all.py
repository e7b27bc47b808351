"""Imports every system-call module so that their handlers register in syscalls.table."""

from pykerla.syscalls import memory, misc, process, signal, time  # noqa: F401
