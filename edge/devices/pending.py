"""A published command waiting for the device's state to confirm it."""

from __future__ import annotations

import threading
import time
from typing import Callable

from edge.devices.domains import Command
from edge.devices.entity import Entity
from edge.devices.registry import StateReport
from edge.turn import ActionResult


class PendingAction:
    """Handle for one published command; ``wait()`` returns its ``ActionResult``.

    Confirmed when the entity's state topic reports the commanded state after
    the publish, within the timeout (counted from ``published_monotonic``). An
    optimistic entity (no state topic) is never confirmed; its state is set by
    edge and ``error`` stays empty. A report of another state leaves the action
    waiting (it may be stale); if that is still the last word at the deadline,
    ``error`` says so. Losing the broker ends the wait early with an error.
    """

    def __init__(
        self,
        forget: Callable[[PendingAction], None],
        current_state: Callable[[str], str | None],
        entity: Entity,
        command: Command,
        service: str,
        default_timeout_s: float,
    ) -> None:
        self.entity = entity
        self.service = service
        self.topic = command.topic
        self.payload = command.payload
        self.expected_state = command.expected_state
        self.published_monotonic = time.monotonic()  # reset by the link right before publishing
        self._forget = forget
        self._current_state = current_state
        self._default_timeout_s = default_timeout_s
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._confirmed_monotonic: float | None = None
        self._optimistic = False
        self._last_reported: str | None = None
        self._lost = ""

    @property
    def unique_id(self) -> str:
        return self.entity.unique_id

    @property
    def done(self) -> bool:
        """True once confirmed, resolved optimistically, ended by a lost connection, or waited for."""
        return self._done.is_set()

    def _offer(self, report: StateReport) -> None:
        if report.optimistic or report.value is None or report.received_monotonic < self.published_monotonic:
            return
        with self._lock:
            if self._done.is_set():
                return
            self._last_reported = report.value
            if report.value == self.expected_state:
                self._confirmed_monotonic = report.received_monotonic
                self._done.set()

    def _resolve_optimistic(self) -> None:
        with self._lock:
            self._optimistic = True
            self._done.set()

    def _connection_lost(self, why: str) -> None:
        with self._lock:
            if not self._done.is_set():
                self._lost = why
                self._done.set()

    def wait(self, timeout_s: float | None = None) -> ActionResult:
        """Block until confirmed or until published_monotonic + timeout_s (default: settings.confirm_timeout_s).

        The result is final: reports after the first ``wait()`` returns no longer count.
        """
        timeout = self._default_timeout_s if timeout_s is None else timeout_s
        remaining = self.published_monotonic + timeout - time.monotonic()
        self._done.wait(max(remaining, 0.0))
        with self._lock:
            self._done.set()  # the result is final: later reports no longer count
        self._forget(self)
        return self._result()

    def _result(self) -> ActionResult:
        with self._lock:
            base = {"unique_id": self.unique_id, "topic": self.topic, "payload": self.payload}
            if self._confirmed_monotonic is not None:
                latency_ms = (self._confirmed_monotonic - self.published_monotonic) * 1000.0
                return ActionResult(**base, confirmed=True, state=self.expected_state, latency_ms=latency_ms)
            if self._optimistic:
                return ActionResult(**base, confirmed=False, state=self.expected_state)
            last = self._last_reported
        error = self._lost
        if not error and last is not None and last != self.expected_state:
            error = f"{self.entity.name!r} reported {last!r}, not {self.expected_state!r}"
        state = last if last is not None else self._current_state(self.unique_id)
        return ActionResult(**base, confirmed=False, state=state, error=error)
