"""A published command waiting for the device's state to confirm it."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from edge.devices.domains import Command
from edge.devices.entity import Entity
from edge.devices.registry import EntityState, StateReport
from edge.turn import ActionResult

# How far a reported attribute may be from the commanded one and still confirm it (device rounding).
TOLERANCES: dict[str, float] = {"brightness_pct": 1.0, "percentage": 1.0, "position": 1.0, "target_temperature": 0.05}


def _close(name: str, actual: Any, wanted: Any) -> bool:
    if actual is None:
        return False
    if isinstance(wanted, (int, float)) and isinstance(actual, (int, float)):
        return abs(actual - wanted) <= TOLERANCES.get(name, 1e-9)
    return bool(actual == wanted)


class PendingAction:
    """Handle for one published command; ``wait()`` returns its ``ActionResult``.

    Confirmed when a state report after the publish (counted from
    ``published_monotonic``, within the timeout) leaves the entity in the
    commanded state with the commanded attributes (``Command.expected_state`` or
    an ``accept_states``, and every ``Command.expected`` attribute within
    ``TOLERANCES``). An optimistic command (no state topic, a button, a scene) is
    never confirmed; its state is set by edge and ``error`` stays empty. A report
    of another state leaves the action waiting (it may be stale); if that is still
    the last word at the deadline, ``error`` says so, unless it is progress
    ("opening" for open_cover). Losing the broker ends the wait early with an error.
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
        self.command = command
        self.topic = command.topic
        self.payload = command.payload
        self.expected_state = command.expected_state
        self.published_monotonic = time.monotonic()  # reset by the link right before publishing
        self._forget = forget
        self._current_state = current_state
        self._default_timeout_s = default_timeout_s
        self._states = ((command.expected_state,) if command.expected_state else ()) + command.accept_states
        self._expected = dict(command.expected)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._confirmed_monotonic: float | None = None
        self._confirmed_state: str | None = None
        self._optimistic = False
        self._last_reported: str | None = None
        self._last_attributes: dict[str, Any] = {}
        self._lost = ""

    @property
    def unique_id(self) -> str:
        return self.entity.unique_id

    @property
    def done(self) -> bool:
        """True once confirmed, resolved optimistically, ended by a lost connection, or waited for."""
        return self._done.is_set()

    def _satisfied(self, state: EntityState) -> bool:
        if self._states and state.value not in self._states:
            return False
        return all(_close(k, getattr(state, k, None), v) for k, v in self._expected.items())

    def _offer(self, report: StateReport) -> None:
        if report.optimistic or report.received_monotonic < self.published_monotonic:
            return
        said = {k: v for k, v in report.attributes.items() if k in self._expected}
        if report.value is None and not said:
            return
        state = report.state if report.state is not None else EntityState(value=report.value)
        with self._lock:
            if self._done.is_set():
                return
            if report.value is not None:
                self._last_reported = report.value
            self._last_attributes.update(said)
            if self._satisfied(state):
                self._confirmed_monotonic = report.received_monotonic
                self._confirmed_state = state.value
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
                return ActionResult(**base, confirmed=True, state=self._confirmed_state, latency_ms=latency_ms)
            if self._optimistic:
                return ActionResult(**base, confirmed=False, state=self.expected_state, optimistic=True)
            last = self._last_reported
            attributes = dict(self._last_attributes)
        error = self._lost
        progress = self.command.progress_states
        if not error and last is not None and self._states and last not in self._states and last not in progress:
            error = f"{self.entity.name!r} reported {last!r}, not {self._states[0]!r}"
        if not error and last not in progress:
            for name, value in attributes.items():
                if not _close(name, value, self._expected[name]):
                    error = f"{self.entity.name!r} reported {name} {value!r}, not {self._expected[name]!r}"
                    break
        state = last if last is not None else self._current_state(self.unique_id)
        return ActionResult(**base, confirmed=False, state=state, error=error)
