"""SQLite opened one way for what must survive a power cut (``edge.durable``)."""

from __future__ import annotations

import pytest

from edge.durable import close_durable, open_durable
from edge.errors import ConfigError
from edge.rewrite.personal import PersonalStore
from edge.timers.store import TimerStore, TimerStoreError

SCHEMA = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT);"


def _open(path):
    return open_durable(path, SCHEMA, what="the test store", error=ConfigError, fix="pick another path")


def test_a_committed_row_is_on_disk_in_wal_mode_with_full_sync(tmp_path) -> None:
    db = _open(tmp_path / "deep" / "er" / "s.db")  # the folder is made
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    db.execute("INSERT INTO t VALUES ('a', '1')")  # autocommit: no commit() to forget
    close_durable(db)
    assert not (tmp_path / "deep" / "er" / "s.db-wal").exists() or (tmp_path / "deep" / "er" / "s.db-wal").stat().st_size == 0
    again = _open(tmp_path / "deep" / "er" / "s.db")
    assert again.execute("SELECT v FROM t WHERE k = 'a'").fetchone() == ("1",)
    close_durable(again)


def test_a_file_that_is_not_a_database_is_the_stores_error_with_its_fix(tmp_path) -> None:
    bad = tmp_path / "s.db"
    bad.write_bytes(b"this is not sqlite, it is a config file someone pointed at" * 20)
    with pytest.raises(ConfigError) as caught:
        _open(bad)
    assert f"cannot open the test store at {bad}" in str(caught.value)
    assert caught.value.fix == "pick another path"


def test_a_folder_that_cannot_be_made_is_the_stores_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TimerStoreError, match="cannot open the timer database"):
        TimerStore(blocker / "timers.db")  # a file where the folder should be


def test_in_memory_for_tests_needs_no_folder_and_no_wal() -> None:
    store = PersonalStore(":memory:")
    store.close()
