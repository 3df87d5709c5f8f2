"""The hub's own SQLite (WAL, synchronous=FULL): feedback events by (speaker, turn_id), and the table it last signed."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator

from edge.durable import close_durable, open_durable
from edge.feedback.events import FeedbackEvent
from edge.learning.errors import LearningError

log = logging.getLogger("edge.learning")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    speaker     TEXT NOT NULL,
    turn_id     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    home        TEXT NOT NULL,
    ts          REAL NOT NULL,
    received_at REAL NOT NULL,
    record      TEXT NOT NULL,
    PRIMARY KEY (speaker, turn_id)
);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE TABLE IF NOT EXISTS tables (
    version    INTEGER PRIMARY KEY,
    created_at REAL NOT NULL,
    rewrites   INTEGER NOT NULL,
    envelope   BLOB NOT NULL
);
"""


class HubStore:
    """Events upserted by (speaker, turn_id); signed tables by version. Thread-safe."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # an event acknowledged to the broker survives a power cut
        self._db = open_durable(self.path, _SCHEMA, what="the hub store", error=LearningError,
                                fix="check learning.hub_state_dir")  # fmt: skip
        self._lock = threading.Lock()

    def upsert(self, event: FeedbackEvent) -> bool:
        """Store the event, replacing an earlier one of the same (speaker, turn_id). True if it was new."""
        row = (event.speaker, event.turn_id, event.event_id, event.home, event.ts, time.time(), event.to_json())
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                new = self._db.execute(
                    "SELECT 1 FROM events WHERE speaker = ? AND turn_id = ?", (event.speaker, event.turn_id)
                ).fetchone() is None
                self._db.execute("INSERT OR REPLACE INTO events VALUES (?,?,?,?,?,?,?)", row)
                self._db.execute("COMMIT")
                return new
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise LearningError(f"cannot store feedback event {event.event_id}: {exc}", fix="check the hub's disk") from exc

    def events(self, since_ts: float | None = None) -> Iterator[FeedbackEvent]:
        sql, args = "SELECT record FROM events", ()
        if since_ts is not None:
            sql, args = sql + " WHERE ts >= ?", (since_ts,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY ts", args).fetchall()
        for (record,) in rows:
            yield FeedbackEvent.from_dict(json.loads(record))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def latest_version(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(version) FROM tables").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def latest_envelope(self) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT envelope FROM tables ORDER BY version DESC LIMIT 1").fetchone()
        return bytes(row[0]) if row else None

    def save_table(self, version: int, created_at: float, rewrites: int, envelope: bytes) -> None:
        with self._lock:
            try:
                self._db.execute("INSERT INTO tables VALUES (?,?,?,?)", (version, created_at, rewrites, envelope))
            except sqlite3.Error as exc:
                raise LearningError(f"cannot store rewrite table {version}: {exc}", fix="check the hub's disk") from exc

    def close(self) -> None:
        with self._lock:
            close_durable(self._db)

    def __enter__(self) -> HubStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
