"""The speaker's own state that must survive a restart (mute), in SQLite."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from edge.errors import EdgeError


class SpeakerStateError(EdgeError):
    code = "speaker"


class SpeakerStateStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("CREATE TABLE IF NOT EXISTS speaker_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise SpeakerStateError(
                f"cannot open the speaker state database {self.path}: {exc}", fix="set [speaker] state_db to a writable file"
            ) from exc
        self._lock = threading.Lock()

    def get(self, key: str, default: str = "") -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM speaker_state WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO speaker_state VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()
