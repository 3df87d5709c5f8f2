"""The feedback outbox (SQLite) and the pseudonyms: durability, upserts, a SIGKILL mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge.feedback.outbox import Outbox
from edge.feedback.pseudonym import load_home_secret, pseudonymize
from edge.learning.errors import FeedbackError
from tests.learning_helpers import ev

ROOT = Path(__file__).resolve().parents[1]


def test_put_pending_ack_in_order(tmp_path: Path) -> None:
    with Outbox(tmp_path / "outbox.db") as box:
        for n in range(5):
            box.put(ev(f"t{n}", f"text {n}", n % 2 == 0))
        assert len(box) == 5
        assert [e.turn_id for e in box.pending(3)] == ["t0", "t1", "t2"]
        assert box.pending(10)[4] == ev("t4", "text 4", True)  # the whole event comes back
        assert box.ack("s1-t1") and not box.ack("s1-t1")
        assert [e.turn_id for e in box.pending(10)] == ["t0", "t2", "t3", "t4"]
        assert box.pending(0) == []


def test_put_is_an_upsert_and_a_stale_ack_keeps_the_newer_revision(tmp_path: Path) -> None:
    with Outbox(tmp_path / "outbox.db") as box:
        box.put(ev("t0", "lamp on", False))
        box.put(ev("t1", "other", True))
        (first, _) = box.pending_entries(2)
        box.put(ev("t0", "lamp on", True))  # labels became final while the first one was in flight
        assert len(box) == 2
        assert [e.turn_id for e in box.pending(2)] == ["t0", "t1"]  # keeps its place
        assert not box.ack(first.event.event_id, first.revision)  # the PUBACK of the old revision
        assert box.pending(1)[0].success
        newer = box.pending_entries(1)[0]
        assert newer.revision == first.revision + 1
        assert box.ack(newer.event.event_id, newer.revision)


def test_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    box = Outbox(path)
    box.put(ev("t0", "a", True))
    box.close()
    assert [e.turn_id for e in Outbox(path).pending(5)] == ["t0"]


def test_refuses_what_is_not_an_event(tmp_path: Path) -> None:
    with Outbox(tmp_path / "outbox.db") as box, pytest.raises(FeedbackError, match="FeedbackEvent"):
        box.put({"event_id": "x"})  # type: ignore[arg-type]


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FeedbackError, match="cannot open the feedback outbox"):
        Outbox(blocker / "outbox.db")


_WRITER = """
import sys
from edge.feedback.outbox import Outbox
from tests.learning_helpers import ev
box = Outbox(sys.argv[1])
n = 0
while True:
    box.put(ev(f"t{n}", "turn on the lamp " + "x" * 500, n % 3 == 0))
    print(n, flush=True)  # only after put() returned: this one is committed
    n += 1
"""


@pytest.mark.slow
def test_sigkill_while_writing_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    committed = -1
    deadline = time.monotonic() + 30
    while committed < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed = int(line)
    os.kill(proc.pid, signal.SIGKILL)  # mid-write: it never stops putting
    proc.wait(timeout=10)
    assert committed >= 150, "the writer did not get going"
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Outbox(path) as box:
        ids = {e.turn_id for e in box.pending(100_000)}
    assert {f"t{n}" for n in range(committed + 1)} <= ids  # everything put() confirmed is there
    assert len(ids) <= committed + 2  # at most the one being written when it died


def test_pseudonyms_are_stable_per_home_and_differ_across_homes(tmp_path: Path) -> None:
    secret = load_home_secret(tmp_path / "a")
    assert load_home_secret(tmp_path / "a") == secret
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "home.secret").st_mode) == 0o600
    other = load_home_secret(tmp_path / "b")
    assert other != secret
    p = pseudonymize("kitchen-speaker", secret)
    assert p == pseudonymize("kitchen-speaker", secret) and len(p) == 16 and int(p, 16) >= 0
    assert p != pseudonymize("kitchen-speaker", other)
    assert "kitchen" not in p
    with pytest.raises(FeedbackError):
        pseudonymize("x", b"")


def test_truncated_secret_is_refused(tmp_path: Path) -> None:
    (tmp_path / "home.secret").write_bytes(b"short")
    with pytest.raises(FeedbackError, match="too short"):
        load_home_secret(tmp_path)


def test_a_receipt_deletes_only_the_record_the_hub_stored(tmp_path: Path) -> None:
    from edge.feedback.outbox import payload_digest

    with Outbox(tmp_path / "outbox.db") as box:
        box.put(ev("t0", "lamp on", False, ts=5))  # an int ts: the stored JSON is what is sent and digested
        sent = box.pending_entries(1)[0].record
        box.put(ev("t0", "lamp on", True, ts=5))  # newer labels arrive before the hub's receipt
        assert not box.ack_digest("s1-t0", payload_digest(sent))
        assert len(box) == 1
        assert box.ack_digest("s1-t0", payload_digest(box.pending_entries(1)[0].record))
        assert len(box) == 0 and not box.ack_digest("nope", "x")
