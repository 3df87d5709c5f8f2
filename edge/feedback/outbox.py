"""The store-and-forward outbox: FeedbackEvents waiting for the hub, in SQLite (WAL, synchronous=FULL).

``put()`` returns once the event is on disk, so a power cut right after loses
nothing; an event is deleted only by ``ack()``, which ``FeedbackSync`` calls
when the broker's PUBACK for it arrives. Putting an event with an event_id
already queued replaces it (its labels became final) and bumps its revision:
an ack for the older revision, still in flight, then leaves the newer one queued.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from edge.durable import close_durable, open_durable
from edge.feedback.events import FeedbackEvent
from edge.learning.errors import FeedbackError

log = logging.getLogger("edge.feedback")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id  TEXT NOT NULL UNIQUE,
    revision  INTEGER NOT NULL,
    queued_at REAL NOT NULL,
    record    TEXT NOT NULL
);
"""


def payload_digest(payload: bytes | str) -> str:
    """What a hub receipt names: SHA-256 of the exact payload it stored (first 32 hex digits)."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    event: FeedbackEvent
    revision: int  # bumped by every put() of the same event_id
    record: str  # the exact JSON stored: what is sent, and what the hub's receipt digests


class Outbox:
    """A durable queue of FeedbackEvents, oldest first; safe to use from several threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = open_durable(self.path, _SCHEMA, what="the feedback outbox", error=FeedbackError,
                                fix="make the state dir writable, or check the disk")  # fmt: skip
        self._lock = threading.Lock()

    def put(self, event: FeedbackEvent) -> None:
        """Queue (or replace) the event; durable when this returns."""
        if not isinstance(event, FeedbackEvent):
            raise FeedbackError(f"Outbox.put() takes a FeedbackEvent, got {type(event).__name__}", fix="build a FeedbackEvent")
        record = event.to_json()
        with self._lock:
            try:
                # A replaced event keeps its place in the queue (seq) and gets a new revision.
                self._db.execute(
                    "INSERT INTO outbox (event_id, revision, queued_at, record) VALUES (?, 1, ?, ?) "
                    "ON CONFLICT(event_id) DO UPDATE SET revision = revision + 1, record = excluded.record",
                    (event.event_id, time.time(), record),
                )
            except sqlite3.Error as exc:
                log.error("feedback event %s not queued: %s", event.event_id, exc)
                raise FeedbackError(f"cannot queue feedback event {event.event_id}: {exc}", fix="check the disk") from exc

    def pending_entries(self, limit: int, *, exclude: frozenset[str] | set[str] = frozenset()) -> list[OutboxEntry]:
        """Up to ``limit`` queued events with their revisions, oldest first, skipping the ids in ``exclude``."""
        if limit <= 0:
            return []
        out: list[OutboxEntry] = []
        with self._lock:
            rows = self._db.execute(
                "SELECT event_id, revision, record FROM outbox ORDER BY seq LIMIT ?", (int(limit) + len(exclude),)
            ).fetchall()
        for event_id, revision, record in rows:
            if event_id in exclude:
                continue
            try:
                out.append(OutboxEntry(FeedbackEvent.from_json(record), int(revision), record))
            except (ValueError, KeyError, TypeError) as exc:  # cannot happen unless the file was edited by hand
                log.error("dropping unreadable outbox record %s: %s", event_id, exc)
                self.ack(event_id)
                continue
            if len(out) >= limit:
                break
        return out

    def pending(self, limit: int) -> list[FeedbackEvent]:
        """Up to ``limit`` queued events, oldest first."""
        return [entry.event for entry in self.pending_entries(limit)]

    def ack(self, event_id: str, revision: int | None = None) -> bool:
        """Delete the event (only that revision, when given): the hub's broker has it. True if deleted."""
        sql, args = "DELETE FROM outbox WHERE event_id = ?", [event_id]
        if revision is not None:
            sql += " AND revision = ?"
            args.append(revision)
        with self._lock:
            try:
                return self._db.execute(sql, args).rowcount > 0
            except sqlite3.Error as exc:
                log.error("feedback event %s delivered but not removed from the outbox: %s", event_id, exc)
                raise FeedbackError(f"cannot remove feedback event {event_id}: {exc}", fix="check the disk") from exc

    def ack_digest(self, event_id: str, digest: str) -> bool:
        """Delete the event if its queued record is the one the hub's receipt names. True if deleted."""
        with self._lock:
            try:
                row = self._db.execute("SELECT record FROM outbox WHERE event_id = ?", (event_id,)).fetchone()
                if row is None or payload_digest(row[0]) != digest:
                    return False  # unknown, already gone, or replaced by newer labels since
                return self._db.execute("DELETE FROM outbox WHERE event_id = ? AND record = ?", (event_id, row[0])).rowcount > 0
            except sqlite3.Error as exc:
                log.error("feedback event %s stored by the hub but not removed from the outbox: %s", event_id, exc)
                raise FeedbackError(f"cannot remove feedback event {event_id}: {exc}", fix="check the disk") from exc

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            close_durable(self._db)

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
