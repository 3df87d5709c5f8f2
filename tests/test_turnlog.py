import subprocess
import sys
from pathlib import Path

import pytest

from edge.errors import TurnLogError
from edge.turnlog import TurnLog
from tests.test_turn import full_turn


def test_append_and_read_back(tmp_path: Path):
    with TurnLog(tmp_path / "turns.db") as log:
        a, b = full_turn(), full_turn()
        log.append(a)
        log.append(b)
        assert log.count() == 2
        assert list(log.turns()) == sorted([a, b], key=lambda t: t.started_at)
        assert list(log.turns(limit=1)) == [max([a, b], key=lambda t: t.started_at)]


def test_wal_mode(tmp_path: Path):
    log = TurnLog(tmp_path / "turns.db")
    assert log._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    log.close()


def test_a_committed_turn_survives_the_process_dying(tmp_path: Path):
    db = tmp_path / "turns.db"
    code = (
        "import os, sys; sys.path.insert(0, %r)\n"
        "from edge.turnlog import TurnLog\nfrom tests.test_turn import full_turn\n"
        "log = TurnLog(%r); log.append(full_turn()); os._exit(9)\n"
    ) % (str(Path(__file__).resolve().parents[1]), str(db))
    proc = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 9  # died without closing the database
    with TurnLog(db) as log:
        assert log.count() == 1


def test_unwritable_path_names_the_fix(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(TurnLogError) as err:
        TurnLog(blocker / "turns.db")
    assert "[log] db" in err.value.fix
