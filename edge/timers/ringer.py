"""The thread that notices finished timers and hands each ring to whoever plays it.

It sleeps until the next timer's end (or a change to the timers) and never
plays audio itself: ``on_ring`` enqueues the ring for the worker thread in the
service loop, so the audio thread never waits on a timer.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from edge.timers.manager import Timer, TimerManager

_LOG = logging.getLogger("edge.timers")
MAX_SLEEP_S = 30.0  # re-check this often even without a change (the wall clock may be set meanwhile)


@dataclass(frozen=True, slots=True)
class Ring:
    timer: Timer
    missed: bool = False  # it ended while edge was off

    @property
    def text(self) -> str:
        if self.missed:
            return f"Your {self.timer.label} finished while I was off."
        return f"Your {self.timer.label} is done."


class TimerRinger:
    def __init__(self, manager: TimerManager, on_ring: Callable[[Ring], None]) -> None:
        self._manager = manager
        self.on_ring = on_ring
        self._wake = threading.Condition()
        self._changed = False
        self._stop = False
        self._thread: threading.Thread | None = None
        manager.add_listener(self._on_change)

    def _on_change(self) -> None:
        with self._wake:
            self._changed = True
            self._wake.notify_all()

    def start(self) -> TimerRinger:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="edge-timers", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _hand(self, ring: Ring) -> None:
        _LOG.info("timer %s rings: %s", ring.timer.timer_id, ring.text)
        try:
            self.on_ring(ring)
        except Exception:  # a failed ring must not stop the other timers
            _LOG.exception("could not ring timer %s", ring.timer.timer_id)

    def _run(self) -> None:
        for timer in self._manager.take_missed():
            self._hand(Ring(timer, missed=True))
        while True:
            for timer in self._manager.due():
                self._hand(Ring(timer))
            with self._wake:
                if self._stop:
                    return
                if not self._changed:
                    end = self._manager.next_end_s()
                    wait = MAX_SLEEP_S if end is None else min(MAX_SLEEP_S, max(0.0, end - self._manager.now()))
                    self._wake.wait(wait)
                self._changed = False
                if self._stop:
                    return
