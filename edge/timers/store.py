"""Timers in SQLite, so a restart (or a power cut) keeps them. One row per timer."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from edge.durable import close_durable, open_durable
from edge.errors import EdgeError
from edge.timers.manager import Timer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS timers (
    timer_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    duration_s INTEGER NOT NULL,
    created_s REAL NOT NULL,
    ends_s REAL,
    remaining_s REAL NOT NULL
)
"""


class TimerStoreError(EdgeError):
    code = "timers"


class TimerStore:
    """``save`` / ``delete`` / ``load``; every write is committed at once (WAL, synchronous=FULL)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._db = open_durable(self.path, _SCHEMA, what="the timer database", error=TimerStoreError,
                                fix="set [timers] db to a writable file")  # fmt: skip
        self._lock = threading.Lock()

    def load(self) -> list[Timer]:
        with self._lock:
            rows = self._db.execute(
                "SELECT timer_id, name, duration_s, created_s, ends_s, remaining_s FROM timers ORDER BY created_s, rowid"
            ).fetchall()
        return [Timer(r[0], r[1], int(r[2]), float(r[3]), None if r[4] is None else float(r[4]), float(r[5])) for r in rows]

    def save(self, timer: Timer) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?, ?, ?)",
                (timer.timer_id, timer.name, timer.duration_s, timer.created_s, timer.ends_s, timer.remaining_s),
            )

    def delete(self, timer_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM timers WHERE timer_id = ?", (timer_id,))

    def close(self) -> None:
        with self._lock:
            close_durable(self._db)
