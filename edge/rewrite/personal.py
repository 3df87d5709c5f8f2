"""The personal layer: this home's own utterances that worked, and what the user taught, in SQLite.

Learned on the device, never sent anywhere as such (the hub gets feedback
events, not this file). Two tables:

* ``utterances``: one row per normalised utterance said here, with the intent
  and devices it got when it worked, and how often it worked or failed. The
  rewriter retrieves over the ones that worked.
* ``taught``: "when I say movie time, turn off the living room lights"
  (phrase -> target), newest wins; ``forget_last`` deactivates the newest.
* ``rephrases``: an utterance that failed here -> the rephrase that then
  worked (the home's own one-step rewrite table, learned at once; the hub's
  table needs several homes or days); a rewrite by it that goes wrong again
  removes it (``unlearn_rephrase``).
* ``substitutions``: the words such a rephrase said in place of others, when
  that was all it changed ("whole light" -> "hallway light" from "turn on the
  whole light" / "turn on the hallway light"), so "turn off the whole light"
  is fixed too; dropped the same way (``unlearn_substitution``).
* ``preferences``: what "learn my preferences" asked (``edge.rewrite.preferences``:
  this speaker's room, the temperature liked, what "the light" means), per
  speaker, one batch per dialog written in one transaction; the newest active
  row of a key is in effect, ``forget_preferences`` deactivates the newest
  batch when it is newer than the newest teaching ("forget that" undoes what
  was learned last, whichever kind), so the values before it come back.

Public API::

    store = PersonalStore(path)            # ":memory:" for tests
    store.record(text, intent, entities, success=True, ts=...)
    store.examples()                        # list[PersonalExample], most successful first
    store.teach(phrase, target, ts=...)     # Taught
    store.taught_for(text)                  # Taught | None (exact, normalised)
    store.forget_last()                     # Taught | None: the one undone
    store.learn_rephrase(failed, worked)    # the home's own rewrite pair
    store.rephrase_for(text)                # (target, support) | None
    store.unlearn_rephrase(text)            # True if there was one
    store.learn_substitution(words, instead)  # "whole light" -> "hallway light"
    store.substitutions()                   # list[(source, target, support)], longest source first
    store.unlearn_substitution(words)
    store.learn_preferences(speaker, {"room": "kitchen"})  # the batch number
    store.preferences(speaker)              # {"room": "kitchen", ...}: in effect now
    store.forget_preferences(speaker)       # the batch undone, or None when a teaching is newer
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from edge.durable import close_durable, open_durable
from edge.learning.errors import LearningError
from edge.learning.table import normalize_utterance

log = logging.getLogger("edge.rewrite")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS utterances (
    norm      TEXT PRIMARY KEY,
    text      TEXT NOT NULL,
    intent    TEXT,
    entities  TEXT NOT NULL DEFAULT '[]',
    successes INTEGER NOT NULL DEFAULT 0,
    failures  INTEGER NOT NULL DEFAULT 0,
    last_ts   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS taught (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    phrase     TEXT NOT NULL,
    said       TEXT NOT NULL,
    target     TEXT NOT NULL,
    created_at REAL NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS taught_phrase ON taught(phrase, active);
CREATE TABLE IF NOT EXISTS substitutions (
    source   TEXT PRIMARY KEY,
    target   TEXT NOT NULL,
    support  INTEGER NOT NULL DEFAULT 1,
    last_ts  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS preferences (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    batch        INTEGER NOT NULL,
    speaker      TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    after_taught INTEGER NOT NULL,
    created_at   REAL NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS preferences_speaker ON preferences(speaker, active);
CREATE TABLE IF NOT EXISTS rephrases (
    source   TEXT PRIMARY KEY,
    target   TEXT NOT NULL,
    support  INTEGER NOT NULL DEFAULT 1,
    last_ts  REAL NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class PersonalExample:
    text: str
    intent: str
    entities: tuple[str, ...]  # unique ids it acted on when it worked
    successes: int
    failures: int

    @property
    def success_rate(self) -> float:
        total = self.successes + self.failures
        return self.successes / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Taught:
    seq: int
    phrase: str  # normalised
    said: str  # the phrase as the user said it
    target: str  # what it means: a request edge understands
    created_at: float


class PersonalStore:
    """Safe to use from several threads (one connection, one lock)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db = open_durable(self.path, _SCHEMA, what="the personal rewrite store", error=LearningError,
                                fix="make the state dir writable, or set [learning] personal_db")  # fmt: skip
        self._lock = threading.Lock()
        self._version = 0  # bumped on every change: the rewriter re-embeds when it moves
        self._preferences: dict[str, dict[str, str]] = {}  # speaker -> in effect (read once, kept on writes)

    @property
    def version(self) -> int:
        return self._version

    def _run(self, sql: str, args: tuple[object, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.Error as exc:
            raise LearningError(f"personal rewrite store {self.path}: {exc}", fix="check the disk") from exc

    # -- utterances -------------------------------------------------------------------------
    def record(self, text: str, intent: str | None, entities: tuple[str, ...] = (), *, success: bool,
               ts: float | None = None) -> None:  # fmt: skip
        """Count one turn of ``text``; a success also keeps its intent and devices."""
        norm = normalize_utterance(text)
        if not norm:
            return
        ts = time.time() if ts is None else ts
        with self._lock:
            if success and intent:
                self._run(
                    "INSERT INTO utterances (norm, text, intent, entities, successes, failures, last_ts) "
                    "VALUES (?, ?, ?, ?, 1, 0, ?) ON CONFLICT(norm) DO UPDATE SET successes = successes + 1, "
                    "intent = excluded.intent, entities = excluded.entities, text = excluded.text, last_ts = excluded.last_ts",
                    (norm, text.strip(), intent, json.dumps(sorted(entities)), ts),
                )
            else:
                self._run(
                    "INSERT INTO utterances (norm, text, intent, successes, failures, last_ts) VALUES (?, ?, NULL, 0, 1, ?) "
                    "ON CONFLICT(norm) DO UPDATE SET failures = failures + 1, last_ts = excluded.last_ts",
                    (norm, text.strip(), ts),
                )
            self._version += 1

    def demote(self, text: str) -> bool:
        """One success of ``text`` turned out wrong (a rephrase or a "no" came later): count it as a failure."""
        with self._lock:
            cur = self._run(
                "UPDATE utterances SET successes = successes - 1, failures = failures + 1 WHERE norm = ? AND successes > 0",
                (normalize_utterance(text),),
            )
            self._version += 1
        return cur.rowcount > 0

    def examples(self, min_successes: int = 1) -> list[PersonalExample]:
        """The utterances that worked here at least ``min_successes`` times, most successful first."""
        with self._lock:
            rows = self._run(
                "SELECT text, intent, entities, successes, failures FROM utterances "
                "WHERE successes >= ? AND intent IS NOT NULL ORDER BY successes DESC, norm",
                (max(1, min_successes),),
            ).fetchall()
        return [PersonalExample(t, i, tuple(json.loads(e)), int(s), int(f)) for t, i, e, s, f in rows]

    def stats(self, text: str) -> tuple[int, int]:
        """(successes, failures) of one utterance here."""
        with self._lock:
            row = self._run("SELECT successes, failures FROM utterances WHERE norm = ?", (normalize_utterance(text),)).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # -- teaching -----------------------------------------------------------------------------
    def teach(self, phrase: str, target: str, *, ts: float | None = None) -> Taught:
        norm = normalize_utterance(phrase)
        if not norm or not target.strip():
            raise LearningError(f"cannot teach {phrase!r} -> {target!r}", fix="say both the phrase and what it means")
        ts = time.time() if ts is None else ts
        with self._lock:
            cur = self._run(
                "INSERT INTO taught (phrase, said, target, created_at) VALUES (?, ?, ?, ?)",
                (norm, phrase.strip(), target.strip(), ts),
            )
            self._version += 1
            seq = int(cur.lastrowid or 0)
        log.info("taught %r -> %r", phrase, target)
        return Taught(seq, norm, phrase.strip(), target.strip(), ts)

    def taught_for(self, text: str) -> Taught | None:
        """The newest active teaching for exactly this phrase (normalised)."""
        with self._lock:
            row = self._run(
                "SELECT seq, phrase, said, target, created_at FROM taught WHERE phrase = ? AND active = 1 "
                "ORDER BY seq DESC LIMIT 1",
                (normalize_utterance(text),),
            ).fetchone()
        return Taught(int(row[0]), row[1], row[2], row[3], float(row[4])) if row else None

    def taught(self) -> list[Taught]:
        """Every active teaching, newest first."""
        with self._lock:
            rows = self._run(
                "SELECT seq, phrase, said, target, created_at FROM taught WHERE active = 1 ORDER BY seq DESC"
            ).fetchall()
        return [Taught(int(s), p, sd, t, float(c)) for s, p, sd, t, c in rows]

    def forget_last(self) -> Taught | None:
        """Undo the newest active teaching; the one undone, or None when there is none."""
        with self._lock:
            row = self._run(
                "SELECT seq, phrase, said, target, created_at FROM taught WHERE active = 1 ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            self._run("UPDATE taught SET active = 0 WHERE seq = ?", (row[0],))
            self._version += 1
        log.info("forgot %r -> %r", row[2], row[3])
        return Taught(int(row[0]), row[1], row[2], row[3], float(row[4]))

    # -- preferences ("learn my preferences") ---------------------------------------------------
    def learn_preferences(self, speaker: str, values: Mapping[str, str], *, ts: float | None = None) -> int:
        """Store one dialog's answers together (all or none: one transaction); the batch number."""
        if not values:
            raise LearningError(f"no preferences to learn for {speaker!r}", fix="answer at least one question")
        ts = time.time() if ts is None else ts
        with self._lock:
            try:
                self._run("BEGIN IMMEDIATE")
                batch = int(self._run("SELECT COALESCE(MAX(batch), 0) + 1 FROM preferences").fetchone()[0])
                after = int(self._run("SELECT COALESCE(MAX(seq), 0) FROM taught").fetchone()[0])
                for key, value in values.items():
                    self._run(
                        "INSERT INTO preferences (batch, speaker, key, value, after_taught, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (batch, speaker, key, str(value), after, ts),
                    )
                self._run("COMMIT")
            except LearningError:
                self._rollback()
                raise
            self._preferences.pop(speaker, None)
        log.info("learned preferences %s for speaker %s (batch %d)", sorted(values), speaker, batch)
        return batch

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # nothing was begun

    def preferences(self, speaker: str) -> dict[str, str]:
        """The preferences in effect for ``speaker``: the newest active value of each key."""
        with self._lock:
            cached = self._preferences.get(speaker)
            if cached is None:
                rows = self._run(
                    "SELECT key, value FROM preferences WHERE speaker = ? AND active = 1 ORDER BY seq", (speaker,)
                ).fetchall()
                cached = self._preferences[speaker] = {str(k): str(v) for k, v in rows}
        return dict(cached)

    def forget_preferences(self, speaker: str) -> dict[str, str] | None:
        """Undo ``speaker``'s newest batch of preferences when nothing was taught after it; what it had, or None."""
        with self._lock:
            row = self._run(
                "SELECT batch, after_taught FROM preferences WHERE speaker = ? AND active = 1 ORDER BY seq DESC LIMIT 1",
                (speaker,),
            ).fetchone()
            if row is None:
                return None
            newest_taught = int(self._run("SELECT COALESCE(MAX(seq), 0) FROM taught WHERE active = 1").fetchone()[0])
            if newest_taught > int(row[1]):
                return None  # a phrase was taught after it: "forget that" means that one
            rows = self._run("SELECT key, value FROM preferences WHERE batch = ? ORDER BY seq", (row[0],)).fetchall()
            self._run("UPDATE preferences SET active = 0 WHERE batch = ?", (row[0],))
            self._preferences.pop(speaker, None)
        log.info("forgot preferences %s for speaker %s (batch %d)", sorted(k for k, _ in rows), speaker, row[0])
        return {str(k): str(v) for k, v in rows}

    # -- this home's rephrases and substitutions -------------------------------------------------
    def _learn(self, table: str, source: str, target: str, ts: float | None) -> None:
        """Upsert source -> target: the same target again adds support, another one starts over."""
        ts = time.time() if ts is None else ts
        with self._lock:
            self._run(
                f"INSERT INTO {table} (source, target, support, last_ts) VALUES (?, ?, 1, ?) ON CONFLICT(source) DO UPDATE "
                "SET support = CASE WHEN target = excluded.target THEN support + 1 ELSE 1 END, target = excluded.target, "
                "last_ts = excluded.last_ts",
                (source, target, ts),
            )
            self._version += 1

    def _unlearn(self, table: str, source: str) -> bool:
        with self._lock:
            cur = self._run(f"DELETE FROM {table} WHERE source = ?", (normalize_utterance(source),))
            self._version += 1
        return cur.rowcount > 0

    def learn_rephrase(self, failed: str, worked: str, *, ts: float | None = None) -> None:
        source, target = normalize_utterance(failed), worked.strip()
        if source and target and source != normalize_utterance(target):
            self._learn("rephrases", source, target, ts)

    def rephrase_for(self, text: str) -> tuple[str, int] | None:
        with self._lock:
            row = self._run("SELECT target, support FROM rephrases WHERE source = ?", (normalize_utterance(text),)).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    def unlearn_rephrase(self, text: str) -> bool:
        return self._unlearn("rephrases", text)

    def learn_substitution(self, words: str, instead: str, *, ts: float | None = None) -> None:
        source, target = normalize_utterance(words), normalize_utterance(instead)
        if source and target and source != target:
            self._learn("substitutions", source, target, ts)

    def substitutions(self) -> list[tuple[str, str, int]]:
        with self._lock:
            rows = self._run("SELECT source, target, support FROM substitutions").fetchall()
        return sorted(((str(a), str(b), int(n)) for a, b, n in rows), key=lambda r: (-len(r[0]), r[0]))

    def unlearn_substitution(self, words: str) -> bool:
        return self._unlearn("substitutions", words)

    def close(self) -> None:
        with self._lock:
            close_durable(self._db)

    def __enter__(self) -> PersonalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
