"""The kernel's clocks, as lines of the CPU time-stamp counter (a miniature of Linux
kernel/time/timekeeping.c), published in the vDSO's [vvar] page.

Linux's clock ids live here. When the guest reads the same TSC as the host (checked at boot
by mm/vdso.py), the kernel keeps two lines steered to the host's clocks:

    mono(tsc) = mono.base + ((tsc - tsc_base) * mono.mult) >> SHIFT   (host CLOCK_MONOTONIC)
    raw(tsc)  = raw.base  + ((tsc - tsc_base) * raw.mult)  >> SHIFT   (host CLOCK_MONOTONIC_RAW)

and CLOCK_REALTIME / CLOCK_BOOTTIME are mono plus an offset (realtime - monotonic on the
host, which changes only when the host's clock is set). The _COARSE clocks are the values
at the last update. The vDSO (arch/x64/vdso.c) computes exactly the same integers from the
[vvar] page as `Timekeeper.now` does for system calls, so the two paths form one clock.

Updates (at least every UPDATE_INTERVAL while user code runs, and before the kernel reads a
clock) restart each line at the current TSC with the long-run rate measured against its host
clock since boot: a line that fell behind the host steps forward to it; a line ahead keeps
its value and runs slower until the lead is gone. So monotonic clocks never go backwards,
across processes and updates alike, and stay within microseconds of the host.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 0, 1, 2, 3
CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME = 4, 5, 6, 7
COARSE_RES_NS = 4_000_000   # clock_getres of the _COARSE clocks (one tick of HZ=250, as Linux reports)

SHIFT = 32
UPDATE_INTERVAL = 0.01      # seconds between updates while user code runs (the timer tick)
HORIZON_NS = 50_000_000     # a line ahead of its host clock loses the lead over this much time...
MAX_CORRECTION_NS = 50_000  # ...slowing down by at most 1000 ppm
OFFSET_STEP_NS = 20_000     # a change of realtime - monotonic larger than this is a clock step
CALIBRATION_NS = 2_000_000  # the first rate measurement at boot
SAMPLE_TRIES = 3            # reads of each host clock per sample (the tightest TSC bracket wins)
MAX_BRACKET_NS = 20_000     # a wider bracket means we were preempted: the sample is not used
RETRY_INTERVAL = 0.001
HOST_CLOCKS = (time.CLOCK_MONOTONIC, time.CLOCK_MONOTONIC_RAW, time.CLOCK_REALTIME, time.CLOCK_BOOTTIME)

# struct vvar in arch/x64/vdso.c: seq, mode, tsc_base, shift, clock_mask, coarse_res_ns, then
# 16 x (base_ns, mult) indexed by clock id
VVAR_HEADER = struct.Struct("<IIQIIq")
VVAR_CLOCK = struct.Struct("<qQ")
VVAR_MODE_TSC, VVAR_MODE_SYSCALL = 0, 1
VDSO_CLOCKS = (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
               CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME)
CLOCK_MASK = sum(1 << c for c in VDSO_CLOCKS)


def write_vvar_mode(vvar: memoryview, mode: int) -> None:
    """Initialise a [vvar] page: no clock parameters, the given mode."""
    vvar[:] = bytes(len(vvar))
    VVAR_HEADER.pack_into(vvar, 0, 0, mode, 0, SHIFT, 0, COARSE_RES_NS)


@dataclass(slots=True)
class _Line:
    """One clock as a line of the TSC, steered towards a host clock."""
    host_clock: int
    base: int = 0          # value at Timekeeper.tsc_base
    mult: int = 0          # ns per cycle << SHIFT
    origin_ns: int = 0     # the host clock at origin_tsc (boot): the long-run rate's baseline
    origin_tsc: int = 0

    def at(self, tsc_base: int, tsc: int) -> int:
        return self.base + ((max(tsc - tsc_base, 0) * self.mult) >> SHIFT)

    def steer(self, tsc_base: int, tsc: int, host_ns: int) -> None:
        """Restart the line at tsc towards the host clock's value there, host_ns: a line
        behind the host steps forward to it; one ahead keeps its value (never a step back)
        and slows down to lose the lead over HORIZON_NS."""
        value = self.at(tsc_base, tsc)
        rate = ((host_ns - self.origin_ns) << SHIFT) // (tsc - self.origin_tsc)
        lead = value - host_ns
        if lead <= 0:
            self.base, self.mult = host_ns, rate
        else:
            self.base = value
            self.mult = max(1, rate - rate * min(lead, MAX_CORRECTION_NS) // HORIZON_NS)


class Timekeeper:
    """The kernel's clocks; writes them into `vvar` (a memoryview of the [vvar] page)."""

    def __init__(self, read_tsc: Callable[[], int], vvar: memoryview) -> None:
        self._read_tsc = read_tsc
        self._vvar = vvar
        self._seq = 0
        self._mono = _Line(time.CLOCK_MONOTONIC)
        self._raw = _Line(time.CLOCK_MONOTONIC_RAW)
        # A rough rate first (it only converts sampling brackets to ns), then the origins.
        tsc0, mono0 = read_tsc(), time.monotonic_ns()
        while time.monotonic_ns() < mono0 + CALIBRATION_NS:
            pass
        self._ns_mult = ((time.monotonic_ns() - mono0) << SHIFT) // (read_tsc() - tsc0)
        tsc, samples = self._sample_until_clean()
        for line in (self._mono, self._raw):
            line.base = line.origin_ns = samples[line.host_clock]
            line.origin_tsc = tsc
            line.mult = self._ns_mult
        self.tsc_base = tsc
        self._realtime_offset = samples[time.CLOCK_REALTIME] - samples[time.CLOCK_MONOTONIC]
        self._boottime_offset = samples[time.CLOCK_BOOTTIME] - samples[time.CLOCK_MONOTONIC]
        self.next_update = 0.0
        while time.monotonic_ns() < samples[time.CLOCK_MONOTONIC] + CALIBRATION_NS:
            pass
        self.update()

    def _sample(self) -> tuple[int, dict[int, int]] | None:
        """The TSC and the host clocks at one instant: each clock read between two TSC reads
        (the tightest of a few tries) and moved to the first one's TSC. None when the host
        kept preempting us (a bracket wider than MAX_BRACKET_NS)."""
        read_tsc, gettime = self._read_tsc, time.clock_gettime_ns
        tsc = -1
        values = {}
        for clock in HOST_CLOCKS:
            width, mid, value = min((b - a, (a + b) // 2, v) for a, v, b in
                                    ((read_tsc(), gettime(clock), read_tsc()) for _ in range(SAMPLE_TRIES)))
            if (width * self._ns_mult) >> SHIFT > MAX_BRACKET_NS:
                return None
            if tsc < 0:
                tsc = mid
            values[clock] = value + (((tsc - mid) * self._ns_mult) >> SHIFT)
        return tsc, values

    def _sample_until_clean(self) -> tuple[int, dict[int, int]]:
        for _ in range(100):
            sample = self._sample()
            if sample is not None:
                return sample
            time.sleep(0.001)
        raise RuntimeError("the host never let the kernel read its clocks without preemption")

    def update(self) -> None:
        """Restart the lines at the current TSC and publish them (retried soon when the host
        preempted the sampling)."""
        sample = self._sample()
        if sample is None:
            self.next_update = time.perf_counter() + RETRY_INTERVAL
            return
        tsc, samples = sample
        for line in (self._mono, self._raw):
            line.steer(self.tsc_base, tsc, samples[line.host_clock])
        self.tsc_base = tsc
        mono_host = samples[time.CLOCK_MONOTONIC]
        realtime_offset = samples[time.CLOCK_REALTIME] - mono_host
        if abs(realtime_offset - self._realtime_offset) > OFFSET_STEP_NS:
            self._realtime_offset = realtime_offset           # the host's clock was set
        boottime_offset = samples[time.CLOCK_BOOTTIME] - mono_host
        if boottime_offset - self._boottime_offset > OFFSET_STEP_NS:
            self._boottime_offset = boottime_offset           # the host was suspended
        self._publish()
        self.next_update = time.perf_counter() + UPDATE_INTERVAL

    def _clock_params(self) -> dict[int, tuple[int, int]]:
        mono, raw = self._mono, self._raw
        real = mono.base + self._realtime_offset
        return {CLOCK_REALTIME: (real, mono.mult), CLOCK_MONOTONIC: (mono.base, mono.mult),
                CLOCK_MONOTONIC_RAW: (raw.base, raw.mult), CLOCK_REALTIME_COARSE: (real, 0),
                CLOCK_MONOTONIC_COARSE: (mono.base, 0),
                CLOCK_BOOTTIME: (mono.base + self._boottime_offset, mono.mult)}

    def _publish(self) -> None:
        vvar = self._vvar
        self._seq += 2      # user code never runs during the update: an even count changed is enough
        VVAR_HEADER.pack_into(vvar, 0, self._seq, VVAR_MODE_TSC, self.tsc_base, SHIFT, CLOCK_MASK, COARSE_RES_NS)
        for clock, (base, mult) in self._clock_params().items():
            VVAR_CLOCK.pack_into(vvar, VVAR_HEADER.size + clock * VVAR_CLOCK.size, base, mult)

    def now(self, clock: int) -> int | None:
        """The clock in ns, exactly as the vDSO computes it now; None for a clock not kept here."""
        if clock not in VDSO_CLOCKS:
            return None
        if time.perf_counter() >= self.next_update:
            self.update()
        base, mult = self._clock_params()[clock]
        return base + ((max(self._read_tsc() - self.tsc_base, 0) * mult) >> SHIFT)
