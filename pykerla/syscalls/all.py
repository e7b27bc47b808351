"""Imports every system-call module of this package so that their handlers register in
syscalls.table."""

import importlib
import pkgutil

import pykerla.syscalls as _package

for _module in pkgutil.iter_modules(_package.__path__):
    if _module.name not in ("all", "table"):
        importlib.import_module(f"{_package.__name__}.{_module.name}")
