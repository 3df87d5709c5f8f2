"""The speaker's own state that must survive a restart (mute), in SQLite."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from edge.durable import close_durable, open_durable
from edge.errors import EdgeError


class SpeakerStateError(EdgeError):
    code = "speaker"


class SpeakerStateStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._db = open_durable(
            self.path, "CREATE TABLE IF NOT EXISTS speaker_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
            what="the speaker state database", error=SpeakerStateError, fix="set [speaker] state_db to a writable file",
        )  # fmt: skip
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
            close_durable(self._db)
