"""How late timers ring: the ringer thread's lateness, and what one ring costs to prepare.

Starts N timers of 1-3 s at once on the real clock (in memory), records when each
reaches ``on_ring`` and prints the lateness (ring time - end time) percentiles,
plus the time to generate the chime. Usage: python -m benchmarks.timer_ring [N]
"""

from __future__ import annotations

import sys
import threading
import time

from benchmarks._common import pct
from edge.timers import TimerManager
from edge.timers.chime import CHIME_RATE, chime
from edge.timers.ringer import Ring, TimerRinger


def main(n: int = 20) -> None:
    timers = TimerManager(None, time.time)
    late_ms: list[float] = []
    done = threading.Event()

    def on_ring(ring: Ring) -> None:
        late_ms.append((time.time() - (ring.timer.created_s + ring.timer.duration_s)) * 1000)
        if len(late_ms) == n:
            done.set()

    ringer = TimerRinger(timers, on_ring).start()
    for i in range(n):
        timers.start(1 + i % 3, f"t{i}")
    done.wait(10)
    ringer.stop()
    print(f"timers: {n}, rang: {len(late_ms)}")
    print(f"lateness ms: p50 {pct(late_ms, 0.5):.2f}  p95 {pct(late_ms, 0.95):.2f}  max {max(late_ms):.2f}")
    t0 = time.perf_counter()
    for _ in range(20):
        audio = chime(3)
    ms = (time.perf_counter() - t0) / 20 * 1000
    print(f"chime (3 repeats, {len(audio) / CHIME_RATE:.2f} s of audio): {ms:.2f} ms to generate")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
