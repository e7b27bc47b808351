"""Microbenchmark driver: compiles bench/*.c, runs each natively and under pykerla, prints a table.

Every benchmark program takes an operation count N, times N operations itself with
CLOCK_MONOTONIC and prints `<name> <ops> <seconds>`. This driver

- compiles the programs with `gcc -static -O2` into build/bench/ (when the source is newer),
- builds a minimal guest root in build/bench/root/ (the binaries under /bench, plus empty
  /tmp, /dev and /proc for the kernel to mount on; no busybox is needed),
- runs each program natively with a large N and under
  `python -m pykerla run --root DIR --platform P -- /bench/NAME N` with a smaller N
  (pykerla pays ~35 us per system call, so N is chosen for runs of a few seconds),
- measures boot-to-first-output from the outside: the time from starting the command
  until the first byte of /bench/hello's output arrives (natively: just exec time),
- prints native us/op, pykerla us/op and their ratio for each platform.

A failing or timed-out run prints "error" in its cell and the driver carries on. Times are
reported, never judged: benchmarks do not pass or fail.

    python bench/run.py [--platform kvm [--platform unicorn]] [--only NAME ...] [--scale F]

PYKERLA_CMD (e.g. "python -m pykerla") overrides how pykerla is started.
"""

from __future__ import annotations

import argparse
import os
import selectors
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "bench"
BUILD = REPO / "build" / "bench"
ROOT = BUILD / "root"
GUEST_DIR = "/bench"
HELPERS = ("true", "hello")  # programs other benchmarks need, not benchmarks themselves
RUN_TIMEOUT = 300.0
BOOT_NAME = "boot_to_first_output"
BOOT_REPEATS = 3


@dataclass(frozen=True)
class Benchmark:
    name: str
    native_ops: int
    guest_ops: int
    extra_native: tuple[str, ...] = ()  # arguments after N natively (guest defaults suffice)


BENCHMARKS = (
    Benchmark("null_syscall", 1_000_000, 50_000),
    Benchmark("clock_gettime", 10_000_000, 2_000_000),
    Benchmark("write_null", 1_000_000, 50_000),
    Benchmark("pipe_pingpong", 50_000, 10_000),
    Benchmark("fork_exit", 5_000, 1_000),
    Benchmark("fork_exec", 2_000, 400, extra_native=(str(BUILD / "true"),)),
    Benchmark("open_read_close", 200_000, 20_000),
    Benchmark("mmap_touch", 200_000, 10_000),
    Benchmark("touch_64m", 20, 5),
    Benchmark("compute", 50, 50),
)


def compile_program(name: str) -> bool:
    """gcc -static -O2 bench/NAME.c -> build/bench/NAME, skipped when newer than the source
    and the headers beside it."""
    source, binary = SOURCES / f"{name}.c", BUILD / name
    inputs = [source, *SOURCES.glob("*.h")]
    if binary.exists() and binary.stat().st_mtime >= max(p.stat().st_mtime for p in inputs):
        return True
    BUILD.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["gcc", "-static", "-O2", "-o", str(binary), str(source)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(f"compile {name}: failed\n{result.stderr}", file=sys.stderr)
        return False
    return True


def prepare_root(names: Sequence[str]) -> Path:
    """A guest root holding the compiled programs under /bench and empty mount points."""
    for directory in ("bench", "tmp", "dev", "proc"):
        (ROOT / directory).mkdir(parents=True, exist_ok=True)
    (ROOT / "tmp").chmod(0o1777)
    for name in names:
        if (BUILD / name).exists():
            shutil.copy2(BUILD / name, ROOT / "bench" / name)
    return ROOT


def pykerla_argv(platform: str, guest_argv: Sequence[str]) -> list[str]:
    base = shlex.split(os.environ.get("PYKERLA_CMD", "")) or [sys.executable, "-m", "pykerla"]
    return [*base, "run", "--root", str(ROOT), "--platform", platform, "--", *guest_argv]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def report_failure(what: str, detail: str) -> None:
    lines = detail.strip().splitlines()
    print(f"[{what}] {lines[-1] if lines else 'failed'}", file=sys.stderr)


def seconds_per_op(argv: Sequence[str], name: str, what: str) -> float | None:
    """Runs one benchmark command and parses its `<name> <ops> <seconds>` line."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=REPO,
                                env=child_env(), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        report_failure(what, f"timed out after {RUN_TIMEOUT:.0f} s")
        return None
    except OSError as exc:
        report_failure(what, str(exc))
        return None
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] == name and result.returncode == 0:
            try:
                ops, seconds = int(fields[1]), float(fields[2])
            except ValueError:
                break
            return seconds / ops if ops > 0 else None
    report_failure(what, f"exit status {result.returncode}\n{result.stderr}")
    return None


def first_output_delay(argv: Sequence[str], what: str) -> float | None:
    """Seconds from starting argv until the first byte on its stdout (the run must then succeed)."""
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                cwd=REPO, env=child_env())
    except OSError as exc:
        report_failure(what, str(exc))
        return None
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=RUN_TIMEOUT)
    first = os.read(proc.stdout.fileno(), 1) if ready else b""
    delay = time.perf_counter() - start
    try:
        _, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
    if not first or proc.returncode != 0:
        report_failure(what, f"exit status {proc.returncode}\n{stderr.decode(errors='replace')}")
        return None
    return delay


def boot_delay(argv: Sequence[str], what: str) -> float | None:
    samples = [first_output_delay(argv, what) for _ in range(BOOT_REPEATS)]
    valid = [s for s in samples if s is not None]
    return statistics.median(valid) if len(valid) == len(samples) else None


def scaled(ops: int, scale: float) -> int:
    return max(1, round(ops * scale))


def measure(names: Sequence[str], platforms: Sequence[str], scale: float) -> dict[str, list[float | None]]:
    """name -> [native s/op, one s/op per platform]."""
    rows: dict[str, list[float | None]] = {}
    for bench in BENCHMARKS:
        if bench.name not in names:
            continue
        native_argv = [str(BUILD / bench.name), str(scaled(bench.native_ops, scale)), *bench.extra_native]
        guest_argv = [f"{GUEST_DIR}/{bench.name}", str(scaled(bench.guest_ops, scale))]
        row = [seconds_per_op(native_argv, bench.name, f"{bench.name} native")]
        for platform in platforms:
            row.append(seconds_per_op(pykerla_argv(platform, guest_argv), bench.name,
                                      f"{bench.name} on {platform}"))
        rows[bench.name] = row
        print(f"measured {bench.name}", file=sys.stderr)
    if BOOT_NAME in names:
        row = [boot_delay([str(BUILD / "hello")], f"{BOOT_NAME} native")]
        for platform in platforms:
            row.append(boot_delay(pykerla_argv(platform, [f"{GUEST_DIR}/hello"]), f"{BOOT_NAME} on {platform}"))
        rows[BOOT_NAME] = row
    return rows


def format_table(rows: dict[str, list[float | None]], platforms: Sequence[str]) -> str:
    header = ["benchmark", "native us/op"]
    for platform in platforms:
        header += [f"{platform} us/op", f"{platform} ratio"]
    lines = [header]
    for name, (native, *guests) in rows.items():
        cells = [name, cell_us(native)]
        for guest in guests:
            cells += [cell_us(guest), cell_ratio(guest, native)]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(line, widths, strict=True))) for line in lines)


def cell_ratio(guest: float | None, native: float | None) -> str:
    if guest is None:
        return "error"
    return f"{guest / native:.1f}x" if native else "-"


def cell_us(seconds: float | None) -> str:
    if seconds is None:
        return "error"
    micro = seconds * 1e6
    return f"{micro:.3f}" if micro < 10 else f"{micro:.1f}" if micro < 10_000 else f"{micro:.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    all_names = [b.name for b in BENCHMARKS] + [BOOT_NAME]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", action="append", dest="platforms", metavar="P",
                        help="pykerla platform to measure (repeatable; default: kvm)")
    parser.add_argument("--only", action="append", choices=all_names, metavar="NAME",
                        help=f"run only these benchmarks (repeatable): {', '.join(all_names)}")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every operation count by F")
    args = parser.parse_args(argv)
    platforms: list[str] = args.platforms or ["kvm"]
    names = args.only or all_names

    programs = [b.name for b in BENCHMARKS if b.name in names] + list(HELPERS)
    compiled = {name for name in programs if compile_program(name)}
    prepare_root(sorted(compiled))
    rows = measure([n for n in names if n == BOOT_NAME or n in compiled], platforms, args.scale)
    for name in names:
        rows.setdefault(name, [None] * (1 + len(platforms)))
    print(format_table(rows, platforms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
