"""SIGTERM / SIGINT -> a ``threading.Event`` the main loop checks for a clean shutdown.

systemd stops the service with SIGTERM (then SIGKILL after ``TimeoutStopSec``);
Ctrl-C sends SIGINT. The handler only requests the shutdown; the main loop
notices the event, finishes or abandons the current turn, flushes the turn
log and returns. A second SIGINT raises ``KeyboardInterrupt`` to force it.

The event is set from a small helper thread fed through a ``SimpleQueue``:
a Python signal handler runs in the main thread between bytecodes, and calling
``Event.set()`` there deadlocks if the main thread was interrupted inside
``Event.wait()``'s own lock. ``SimpleQueue.put()`` is documented as reentrant.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from types import FrameType
from typing import Any, Iterable

log = logging.getLogger(__name__)

DEFAULT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ShutdownSignals:
    """Installed handlers; ``event`` is set once a shutdown signal arrives."""

    def __init__(self, event: threading.Event, signals: Iterable[int] = DEFAULT_SIGNALS) -> None:
        self.event = event
        self.signum: int | None = None  # the first signal received
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._previous: dict[int, Any] = {}
        self._thread = threading.Thread(target=self._relay, name="edge-signals", daemon=True)
        self._thread.start()
        try:
            for sig in signals:
                self._previous[sig] = signal.signal(sig, self._handle)
        except ValueError:  # not the main thread
            self.restore()
            raise

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if self.signum is None:
            self.signum = signum
        self._queue.put(signum)

    def _relay(self) -> None:
        while (signum := self._queue.get()) is not None:
            log.info("received %s, shutting down", signal.Signals(signum).name)
            self.event.set()

    def restore(self) -> None:
        """Put the previous handlers back and stop the helper thread."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        self._queue.put(None)
        self._thread.join(timeout=1.0)

    def __enter__(self) -> "ShutdownSignals":
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()


def install_signal_handlers(
    event: threading.Event | None = None, signals: Iterable[int] = DEFAULT_SIGNALS
) -> threading.Event:
    """From the main thread: SIGTERM/SIGINT set the returned event (for the process's lifetime).

    Use ``ShutdownSignals`` directly to put the previous handlers back later.
    """
    return ShutdownSignals(event if event is not None else threading.Event(), signals).event
