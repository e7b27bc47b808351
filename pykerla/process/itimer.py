"""Process timers: the interval timers of setitimer/alarm (ITIMER_REAL, ITIMER_VIRTUAL,
ITIMER_PROF) and POSIX timers (timer_create), and firing them.

Every timer belongs to a process (ThreadGroup) and counts on one clock:
- "wall": time.monotonic_ns() (ITIMER_REAL, CLOCK_REALTIME/MONOTONIC/BOOTTIME timers; an
  absolute CLOCK_REALTIME expiry is converted when the timer is armed);
- "virt": the process's user CPU time (ITIMER_VIRTUAL);
- "prof": its user + system CPU time (ITIMER_PROF, CLOCK_PROCESS/THREAD_CPUTIME_ID).
The CPU times are the ones the kernel accounts (group.utime / group.stime), so CPU timers fire
at the next timer tick after the process has used enough time.

Wall timers sit in a heap; the kernel calls `fire()` on every timer tick and when its idle
wait ends, and takes `next_deadline()` into that wait. An interval timer re-arms itself when
it fires (skipping the periods it missed, as Linux does); a POSIX timer whose signal is
queued re-arms when that signal is dequeued, counting the periods missed meanwhile as its
overrun (Linux's timer_getoverrun / si_overrun).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pykerla.process.signal_state import SI_KERNEL, SI_TIMER, SIGALRM, SIGPROF, SIGVTALRM, SigInfo
from pykerla.process.task import DEAD

if TYPE_CHECKING:
    from pykerla.kernel import Kernel
    from pykerla.process.task import Task, ThreadGroup

ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF = 0, 1, 2
ITIMER_SIGNALS = {ITIMER_REAL: SIGALRM, ITIMER_VIRTUAL: SIGVTALRM, ITIMER_PROF: SIGPROF}
ITIMER_CLOCKS = {ITIMER_REAL: "wall", ITIMER_VIRTUAL: "virt", ITIMER_PROF: "prof"}
SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID = 0, 1, 2, 4
DELAYTIMER_MAX = 0x7FFFFFFF


class Timer:
    """One timer; `expires` is 0 while disarmed (values in ns on the timer's clock)."""

    def __init__(self, group: ThreadGroup, clock: str, signo: int, notify: int = SIGEV_SIGNAL,
                 value: int = 0, target: Task | None = None, timer_id: int = -1, clock_id: int = -1) -> None:
        self.group = group
        self.clock = clock
        self.clock_id = clock_id        # the Linux clock of a POSIX timer
        self.signo = signo
        self.notify = notify
        self.value = value              # sigev_value (POSIX timers)
        self.target = target            # SIGEV_THREAD_ID: the thread to signal
        self.timer_id = timer_id        # -1 for the setitimer timers
        self.expires = 0
        self.interval = 0
        self.generation = 0             # bumped on every (re)arm; stale heap entries and signals ignore it
        self.signal_queued = False      # POSIX timer waiting for its signal to be dequeued
        self.overrun = 0                # periods missed while the signal was queued
        self.overrun_last = 0           # what timer_getoverrun reports
        self.on_expire: Callable[[], None] | None = None   # a kernel object's timer (timerfd): no signal

    @property
    def is_posix(self) -> bool:
        return self.timer_id >= 0

    def now(self) -> int:
        if self.clock == "wall":
            return time.monotonic_ns()
        cpu = self.group.utime if self.clock == "virt" else self.group.utime + self.group.stime
        return int(cpu * 1_000_000_000)

    def remaining(self) -> int:
        """Nanoseconds until the next expiry (0 if disarmed; periodic timers whose signal is
        still queued count from the period in progress)."""
        if not self.expires:
            return 0
        left = self.expires - self.now()
        if left > 0:
            return left
        if not self.interval:
            return 0
        return self.interval - (-left) % self.interval

    def forward(self, now: int) -> int:
        """Move an expired periodic timer past `now`; returns the number of periods skipped."""
        missed = (now - self.expires) // self.interval
        self.expires += (missed + 1) * self.interval
        return missed


class Timers:
    """Every armed timer of the system, and the per-process tables that name them."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._heap: list[tuple[int, int, int, Timer]] = []     # (expires, seq, generation, timer)
        self._seq = itertools.count()
        self._cpu: set[Timer] = set()
        self._itimers: dict[ThreadGroup, dict[int, Timer]] = {}
        self._posix: dict[ThreadGroup, dict[int, Timer]] = {}
        self._next_id: dict[ThreadGroup, int] = {}

    # -- tables -----------------------------------------------------------------------------
    def itimer(self, group: ThreadGroup, which: int) -> Timer:
        table = self._itimers.setdefault(group, {})
        if which not in table:
            table[which] = Timer(group, ITIMER_CLOCKS[which], ITIMER_SIGNALS[which])
        return table[which]

    def create(self, group: ThreadGroup, clock: str, clock_id: int, signo: int, notify: int,
               value: int | None, target: Task | None) -> Timer:
        """A new disarmed POSIX timer with the lowest free id; `value` None means the id."""
        table = self._posix.setdefault(group, {})
        timer_id = self._next_id.get(group, 0)      # ids go up (wrapping), as Linux hands them out
        while timer_id in table:
            timer_id = (timer_id + 1) & DELAYTIMER_MAX
        self._next_id[group] = (timer_id + 1) & DELAYTIMER_MAX
        timer = Timer(group, clock, signo, notify, timer_id if value is None else value, target, timer_id,
                      clock_id)
        table[timer_id] = timer
        return timer

    def lookup(self, group: ThreadGroup, timer_id: int) -> Timer | None:
        return self._posix.get(group, {}).get(timer_id)

    def delete(self, timer: Timer) -> None:
        self.disarm(timer)
        self._posix.get(timer.group, {}).pop(timer.timer_id, None)

    def forget_group(self, group: ThreadGroup, posix_only: bool = False) -> None:
        """Drop a process's timers (exit; execve drops only the POSIX ones)."""
        tables = (self._posix,) if posix_only else (self._posix, self._itimers)
        for table in tables:
            for timer in table.pop(group, {}).values():
                self.disarm(timer)
        if not posix_only:
            self._next_id.pop(group, None)

    # -- arming -----------------------------------------------------------------------------
    def arm(self, timer: Timer, expires: int, interval: int) -> None:
        """Arm for `expires` (absolute, on the timer's clock; 0 disarms) then every `interval` ns."""
        self.disarm(timer)
        if not expires:
            return
        timer.expires, timer.interval = expires, interval
        self._schedule(timer)

    def disarm(self, timer: Timer) -> None:
        timer.generation += 1
        timer.expires = timer.interval = 0
        timer.signal_queued = False
        timer.overrun = 0
        self._cpu.discard(timer)

    def _schedule(self, timer: Timer) -> None:
        if timer.clock == "wall":
            heapq.heappush(self._heap, (timer.expires, next(self._seq), timer.generation, timer))
        else:
            self._cpu.add(timer)

    # -- firing -----------------------------------------------------------------------------
    def next_deadline(self) -> float | None:
        """The nearest wall-clock expiry as a time.monotonic() value, or None."""
        heap = self._heap
        while heap:
            expires, _, generation, timer = heap[0]
            if generation == timer.generation and timer.expires == expires:
                return expires / 1e9
            heapq.heappop(heap)
        return None

    def fire(self) -> None:
        """Expire every timer that is due."""
        heap = self._heap
        if heap:
            now = time.monotonic_ns()
            while heap and heap[0][0] <= now:
                expires, _, generation, timer = heapq.heappop(heap)
                if generation == timer.generation and timer.expires == expires:
                    self._expire(timer, now)
        for timer in [t for t in self._cpu if t.now() >= t.expires]:
            self._cpu.discard(timer)
            self._expire(timer, timer.now())

    def _expire(self, timer: Timer, now: int) -> None:
        if timer.on_expire is not None:
            timer.expires = 0
            timer.on_expire()
            return
        group = timer.group
        if group.zombie or group.group_exiting:
            self.forget_group(group)
            return
        signals = self.kernel.signals
        if not timer.is_posix:
            signals.send_to_group(group, SigInfo(timer.signo, code=SI_KERNEL))
        elif timer.notify == SIGEV_NONE:
            return                          # no signal; timer_gettime computes from the expiry
        else:
            info = SigInfo(timer.signo, code=SI_TIMER, value=timer.value,
                           extra={"timer": timer, "generation": timer.generation, "timerid": timer.timer_id})
            target = timer.target
            if target is not None and target.state != DEAD:
                queued = signals.send_to_task(target, timer.signo, info=info)
            else:
                queued = signals.send_to_group(group, info)
            if queued:
                timer.signal_queued = True
                return                      # re-armed when the signal is dequeued
        if timer.interval:
            timer.forward(now)
            self._schedule(timer)
        else:
            timer.expires = 0

    def dequeued(self, info: SigInfo) -> None:
        """A POSIX timer's signal left a pending set: fill si_overrun and re-arm a periodic timer."""
        timer: Timer = info.extra["timer"]
        if info.extra["generation"] != timer.generation or not timer.signal_queued:
            return
        timer.signal_queued = False
        if timer.interval:
            timer.overrun += timer.forward(timer.now())
            self._schedule(timer)
        else:
            timer.expires = 0
        timer.overrun_last = min(timer.overrun, DELAYTIMER_MAX)
        timer.overrun = 0
        info.extra["overrun"] = timer.overrun_last
