"""A dependency-free sd_notify client: tell systemd we are ready, alive, stopping.

systemd passes the address of its notification socket in ``NOTIFY_SOCKET``
(a path, or ``@name`` for the abstract namespace) and, with ``WatchdogSec=``,
the watchdog interval in ``WATCHDOG_USEC``. Outside systemd there is no socket
and every call is a no-op, so the same code runs from a terminal.

Usage (in the entry point; stages never read the environment)::

    notifier = SdNotifier()                    # NOTIFY_SOCKET from the environment
    interval_s = notifier.watchdog_interval_s()  # None: no watchdog
    ... load models ...
    notifier.ready("listening")
    while not stop.is_set():
        ... one turn or a short wait ...
        if interval_s and time.monotonic() >= next_ping:
            notifier.watchdog()
    notifier.stopping()

Ping the watchdog from the main loop, not from a timer thread: a timer thread
keeps pinging when the loop is stuck, which defeats the point.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Mapping

from edge.errors import ServiceError

log = logging.getLogger(__name__)


def _address(value: str) -> str | bytes:
    if value.startswith("@"):
        return b"\0" + value[1:].encode()  # abstract namespace
    if value.startswith("/"):
        return value
    raise ServiceError(
        f"NOTIFY_SOCKET={value!r} is not a socket path or an abstract name",
        fix="run edge under systemd with Type=notify, or unset NOTIFY_SOCKET",
    )


class SdNotifier:
    """Sends sd_notify datagrams to ``address`` (None: ``$NOTIFY_SOCKET``); no-op when empty."""

    def __init__(self, address: str | None = None) -> None:
        if address is None:
            address = os.environ.get("NOTIFY_SOCKET", "")
        self._address = _address(address) if address else None
        self._sock: socket.socket | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "SdNotifier":
        env = os.environ if environ is None else environ
        return cls(env.get("NOTIFY_SOCKET", ""))

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *fields: str) -> bool:
        """Send ``KEY=value`` fields in one datagram; True if it was sent."""
        if self._address is None:
            return False
        message = "\n".join(fields).encode()
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(message, self._address)
        except OSError as exc:  # systemd gone or socket unreachable: the service itself keeps running
            log.warning("sd_notify %r failed: %s", fields, exc)
            return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([_status(status)] if status else []))

    def status(self, text: str) -> bool:
        return self.notify(_status(text))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def watchdog_interval_s(self, environ: Mapping[str, str] | None = None) -> float | None:
        """How often to call ``watchdog()``; None when systemd set no watchdog for us."""
        return watchdog_interval_s(environ) if self.enabled else None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "SdNotifier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _status(text: str) -> str:
    # One field per line: a newline inside the text would start a new field.
    return "STATUS=" + " ".join(text.splitlines())


def watchdog_interval_s(environ: Mapping[str, str] | None = None, *, pid: int | None = None) -> float | None:
    """How often to send WATCHDOG=1: half of ``WatchdogSec``; None if no watchdog is set for us."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    if not usec:
        return None
    owner = env.get("WATCHDOG_PID", "")
    if owner:
        if not owner.isdigit():
            raise ServiceError(f"WATCHDOG_PID={owner!r} is not a process id", fix="let systemd set it")
        if int(owner) != (os.getpid() if pid is None else pid):
            return None  # the watchdog belongs to another process (e.g. our parent)
    if not usec.isdigit() or int(usec) == 0:
        raise ServiceError(f"WATCHDOG_USEC={usec!r} is not a positive integer", fix="set WatchdogSec= in the unit")
    return int(usec) / 1e6 / 2
