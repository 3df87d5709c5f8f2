"""SQLite opened one way for everything that must survive a power cut.

The turn log, the feedback outbox, the hub's store, timers, the speaker's
state and the personal rewrites each keep one connection shared by their
threads (``check_same_thread=False`` behind the store's own lock), in
autocommit mode (``isolation_level=None``: a statement is committed when it
returns, or the store says ``BEGIN IMMEDIATE`` itself), in WAL mode with
``synchronous=FULL`` (a committed row is on the disk before the call returns),
and wait up to ``busy_timeout_s`` for another process holding the file
(``edge report`` reading a live turn log). A folder that cannot be made or a
file that is not a database is the store's own error, naming what to fix.
``":memory:"`` (tests) skips the folder and the WAL.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from edge.errors import EdgeError


def open_durable(
    path: str | os.PathLike[str], schema: str, *, what: str, error: type[EdgeError], fix: str, busy_timeout_s: float = 10.0
) -> sqlite3.Connection:
    """The connection, its ``schema`` (a script of CREATE ... IF NOT EXISTS) applied; ``error`` if it cannot be opened."""
    name = str(path)
    db: sqlite3.Connection | None = None
    try:
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(name, check_same_thread=False, isolation_level=None, timeout=busy_timeout_s)
        if name != ":memory:":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(schema)
    except (OSError, sqlite3.Error) as exc:
        if db is not None:
            db.close()
        raise error(f"cannot open {what} at {name}: {exc}", fix=fix) from exc
    return db


def close_durable(db: sqlite3.Connection) -> None:
    """Fold the WAL back into the database file (best effort: another reader may hold it), then close."""
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass
    finally:
        db.close()
