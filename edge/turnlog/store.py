"""SQLite (WAL, synchronous=FULL) store of Turn records.

The whole Turn is kept as JSON next to a few indexed columns; the learning
side reads only this log. One connection, guarded by a lock, so the worker
thread and the main thread can both write.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

from edge.durable import close_durable, open_durable
from edge.errors import TurnLogError
from edge.turn import Turn

_LOG = logging.getLogger("edge.turnlog")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    turn_id     TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    started_at  REAL NOT NULL,
    source      TEXT NOT NULL,
    transcript  TEXT,
    intent      TEXT,
    outcome     TEXT,
    record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_started_at ON turns(started_at);
"""


class TurnLog:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = open_durable(self.path, _SCHEMA, what="the turn log", error=TurnLogError,
                                fix="set [log] db to a writable path, or check the disk")  # fmt: skip
        self._lock = threading.Lock()

    def append(self, turn: Turn) -> None:
        row = (
            turn.turn_id,
            turn.session_id,
            turn.device_id,
            turn.started_at,
            turn.source,
            turn.asr.text if turn.asr else None,
            turn.nlu.intent if turn.nlu else None,
            turn.outcome.value if turn.outcome else None,
            json.dumps(turn.to_dict(), separators=(",", ":")),
        )
        with self._lock:
            try:
                self._db.execute("INSERT OR REPLACE INTO turns VALUES (?,?,?,?,?,?,?,?,?)", row)
            except sqlite3.Error as exc:
                _LOG.error("turn %s not logged: %s", turn.turn_id, exc)
                raise TurnLogError(f"cannot write turn {turn.turn_id}: {exc}", fix="check the disk") from exc

    def turns(self, limit: int | None = None) -> Iterator[Turn]:
        sql = "SELECT record FROM turns ORDER BY started_at"
        if limit is not None:
            sql += f" DESC LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql).fetchall()
        if limit is not None:
            rows.reverse()
        for (record,) in rows:
            yield Turn.from_dict(json.loads(record))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM turns").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            close_durable(self._db)

    def __enter__(self) -> TurnLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
