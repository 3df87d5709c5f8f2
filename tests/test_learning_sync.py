"""Feedback sync to the hub over a real Mosquitto: outages, restarts, kills, bad payloads, the signed table back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import paho.mqtt.client as mqtt
import pytest

from edge.broker import LocalBroker
from edge.feedback.outbox import Outbox
from edge.feedback.sync import FeedbackSync
from edge.learning.hub import LearningHub
from edge.learning.hub_store import HubStore
from edge.learning.signing import generate_keypair, load_private_key, load_public_key, sign_table
from edge.learning.subscriber import RewriteTableSubscriber
from edge.learning.table import RewriteTable
from tests.conftest import wait_until
from tests.learning_helpers import chain, ev

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_broker() -> Iterator[LocalBroker]:
    """A broker this test may stop, kill and start again on the same port."""
    with LocalBroker() as b:
        yield b


@pytest.fixture
def hub_key(tmp_path: Path) -> tuple[Path, Path]:
    priv, pub = tmp_path / "hub" / "hub.key", tmp_path / "hub" / "hub.pub"
    generate_keypair(priv, pub)
    return priv, pub


def make_hub(tmp_path: Path, key: Path, broker: LocalBroker, ns: str, **kw: object) -> LearningHub:
    return LearningHub(
        HubStore(tmp_path / "hub" / "events.db"),
        load_private_key(key),
        broker.host,
        broker.port,
        client_id=f"hub-{ns}",
        topic_prefix=f"{ns}/feedback",
        table_topic=f"{ns}/rewrites/table",
        reconnect_max_s=1.0,
        **kw,  # type: ignore[arg-type]
    )


def test_events_put_while_the_broker_is_down_are_delivered_after(
    tmp_path: Path, own_broker: LocalBroker, hub_key: tuple[Path, Path], ns: str
) -> None:
    hub = make_hub(tmp_path, hub_key[0], own_broker, ns).start()
    box = Outbox(tmp_path / "outbox.db")
    # the speaker may be back on the broker before the hub: what it sends then reaches nobody, and is sent again
    # when no receipt came within resend_after_s (60 s by default; 2 s here, so the test need not wait a minute)
    sync = FeedbackSync(box, own_broker.host, own_broker.port, f"spk-{ns}", f"{ns}/feedback", reconnect_max_s=1.0,
                        resend_after_s=2.0)  # fmt: skip
    try:
        assert hub.wait_ready(10)
        sync.start()
        assert sync.wait_connected(10)
        box.put(ev("t0", "before the outage", True))
        sync.notify()
        assert wait_until(lambda: hub.store.count() == 1, 10)

        own_broker.stop()
        assert wait_until(lambda: not sync.connected, 10)
        for n in range(1, 6):
            box.put(ev(f"t{n}", f"during the outage {n}", n % 2 == 0))
            sync.notify()
        time.sleep(0.5)
        assert len(box) == 5  # nothing acknowledged, nothing deleted

        own_broker.start()
        assert hub.wait_ready(15), "the hub did not resubscribe after the broker came back"
        assert sync.wait_drained(15)
        assert wait_until(lambda: hub.store.count() == 6, 10)
        assert sorted(e.turn_id for e in hub.store.events()) == [f"t{n}" for n in range(6)]
        assert {e.text for e in hub.store.events()} >= {"during the outage 3"}
    finally:
        sync.stop()
        hub.stop()
        box.close()


_SPEAKER = """
import logging, sys, time
from edge.feedback.outbox import Outbox
from edge.feedback.sync import FeedbackSync
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
path, port, client_id, prefix, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
box = Outbox(path)
sync = FeedbackSync(box, "127.0.0.1", port, client_id, prefix, reconnect_max_s=1.0,
                    max_inflight=4, pace_s=0.01 if mode == "slow" else 0.0, resend_after_s=2.0).start()
if mode == "drain":
    ok = sync.wait_drained(60)
    sync.stop()
    print("drained" if ok else "not drained", flush=True)
else:
    while True:
        time.sleep(1)
"""


def _speaker(outbox: Path, broker: LocalBroker, ns: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _SPEAKER, str(outbox), str(broker.port), f"spk-{ns}", f"{ns}/feedback", mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow
def test_no_event_lost_when_the_broker_dies_mid_sync_and_the_speaker_restarts(
    tmp_path: Path, own_broker: LocalBroker, hub_key: tuple[Path, Path], ns: str
) -> None:
    n_events = 300
    outbox = tmp_path / "speaker" / "outbox.db"
    with Outbox(outbox) as box:
        for n in range(n_events):
            box.put(ev(f"t{n:03d}", f"turn on lamp {n}", n % 4 != 0, speaker="spk", ts=float(n)))
    hub = make_hub(tmp_path, hub_key[0], own_broker, ns).start()
    speaker = _speaker(outbox, own_broker, ns, "slow")
    try:
        assert hub.wait_ready(10)
        assert wait_until(lambda: hub.store.count() >= 60, 30), "the speaker did not start syncing"
        own_broker.kill()  # mid-sync: a crash of the broker
        at_kill = hub.store.count()
        assert at_kill < n_events, "the sync finished before the broker died; nothing was tested"
        time.sleep(0.5)
        speaker.send_signal(signal.SIGKILL)  # and the speaker loses power
        speaker.wait(timeout=10)
        with Outbox(outbox) as box:
            left = len(box)
        assert left > 0  # what the hub has not confirmed is still queued

        own_broker.start()
        assert hub.wait_ready(15), "the hub did not resubscribe after the broker came back"
        speaker = _speaker(outbox, own_broker, ns, "drain")  # the speaker reboots: new process, same outbox
        out, _ = speaker.communicate(timeout=90)
        assert out.strip() == "drained"
        ok = wait_until(lambda: hub.store.count() == n_events, 15)
        got = {e.turn_id for e in hub.store.events()}
        assert ok, (at_kill, left, hub.store.count(), sorted({f"t{n:03d}" for n in range(n_events)} - got)[:20])
        turns = [e.turn_id for e in hub.store.events()]
        assert sorted(turns) == [f"t{n:03d}" for n in range(n_events)]  # each exactly once
        assert hub.received >= n_events  # duplicates (redelivered in-flight events) collapsed by the upsert
    finally:
        if speaker.poll() is None:
            speaker.kill()
            speaker.wait(timeout=10)
        hub.stop()


def test_hub_skips_malformed_payloads_and_keeps_going(
    tmp_path: Path, broker: LocalBroker, hub_key: tuple[Path, Path], ns: str
) -> None:
    hub = make_hub(tmp_path, hub_key[0], broker, ns, max_payload_bytes=8192).start()
    good = ev("t1", "turn on the lamp", True, speaker="spk")
    wrong_types = {**good.to_dict(), "ts": "yesterday"}
    bad_list = {**good.to_dict(), "defects": [1, 2]}
    bools = {**good.to_dict(), "ts": True}
    missing = {k: v for k, v in good.to_dict().items() if k != "turn_id"}
    huge = {**good.to_dict(), "text": "x" * 10_000}
    payloads = [
        b"not json at all",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        json.dumps(wrong_types).encode(),
        json.dumps(bad_list).encode(),
        json.dumps(bools).encode(),
        json.dumps(missing).encode(),
        json.dumps(huge).encode(),
        b"",
    ]
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"attacker-{ns}")
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        assert hub.wait_ready(10)
        for payload in payloads:
            client.publish(f"{ns}/feedback/spk", payload, qos=1).wait_for_publish(5)
        client.publish(f"{ns}/feedback/someone-else", good.to_json(), qos=1).wait_for_publish(5)  # spoofed speaker
        client.publish(f"{ns}/feedback/spk", good.to_json(), qos=1).wait_for_publish(5)
        assert wait_until(lambda: hub.store.count() == 1, 10)
        assert wait_until(lambda: hub.skipped == len(payloads) + 1, 5)
        assert list(hub.store.events()) == [good]
        assert hub.connected
    finally:
        client.loop_stop()
        client.disconnect()
        hub.stop()


def test_end_to_end_events_to_a_signed_table_on_the_speaker(
    tmp_path: Path, broker: LocalBroker, hub_key: tuple[Path, Path], ns: str
) -> None:
    priv, pub = hub_key
    hub = make_hub(tmp_path, priv, broker, ns, clock=lambda: 1_800_000_000.0).start()
    box = Outbox(tmp_path / "speaker" / "outbox.db")
    sync = FeedbackSync(box, broker.host, broker.port, f"spk-{ns}", f"{ns}/feedback")
    speaker_dir = tmp_path / "speaker"
    sub = RewriteTableSubscriber(load_public_key(pub), speaker_dir, topic=f"{ns}/rewrites/table")
    try:
        assert hub.wait_ready(10)
        # Three speakers in two homes say "switch on lamp", fail, and then "turn on the lamp", which works.
        for n, speaker in enumerate(("kitchen", "hall", "bedroom")):
            for e in chain(speaker, ("switch on lamp", False), ("turn on the lamp", True), start_ts=100.0 * n):
                box.put(e)
        box.put(ev("x1", "what time is it", True, speaker="kitchen", intent="HassGetCurrentTime", ts=500))
        sync.start()
        assert sync.wait_drained(15)
        assert hub.store.count() == 7 and hub.received == 7

        sub.start(broker.host, broker.port, f"sub-{ns}")
        table = hub.mine_and_publish()
        assert table.version == 1 and len(table) == 1
        assert wait_until(lambda: sub.current() is not None, 10)
        current = sub.current()
        assert current == table
        hit = current.lookup("Switch on lamp")
        assert hit is not None and (hit.target, hit.support) == ("turn on the lamp", 3)
        assert {x.text for x in current.examples} == {"turn on the lamp", "what time is it"}

        # Someone else publishes a tampered copy, then an older (validly signed) one: both refused.
        data = json.loads((speaker_dir / "rewrite-table.json").read_bytes())
        data["table"] = data["table"].replace("turn on the lamp", "unlock the door").replace('"version":1', '"version":9')
        attacker = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"attacker-{ns}")
        attacker.connect(broker.host, broker.port)
        attacker.loop_start()
        attacker.publish(f"{ns}/rewrites/table", json.dumps(data), qos=1, retain=True).wait_for_publish(5)
        old = sign_table(RewriteTable.of(0, 0.0, []), load_private_key(priv))
        attacker.publish(f"{ns}/rewrites/table", old, qos=1, retain=True).wait_for_publish(5)
        time.sleep(0.5)
        attacker.loop_stop()
        attacker.disconnect()
        assert sub.current() == table

        # The next mining gives version 2; the speaker takes it and keeps it across a reboot.
        hub.mine_and_publish()
        assert wait_until(lambda: (sub.current() or table).version == 2, 10)
        sub.stop()
        rebooted = RewriteTableSubscriber(load_public_key(pub), speaker_dir, topic=f"{ns}/rewrites/table")
        assert rebooted.current() is not None and rebooted.current().version == 2
    finally:
        sub.stop()
        sync.stop()
        hub.stop()
        box.close()


def test_hub_republishes_its_table_to_a_broker_that_lost_it(
    tmp_path: Path, own_broker: LocalBroker, hub_key: tuple[Path, Path], ns: str
) -> None:
    priv, pub = hub_key
    hub = make_hub(tmp_path, priv, own_broker, ns).start()
    try:
        assert hub.wait_ready(10)
        hub.store.upsert(ev("a", "switch on lamp", False, speaker="s1"))
        table = hub.mine_and_publish()
        own_broker.restart()  # no persistence: the retained table is gone
        assert hub.wait_ready(15)
        sub = RewriteTableSubscriber(load_public_key(pub), tmp_path / "spk", topic=f"{ns}/rewrites/table")
        sub.start(own_broker.host, own_broker.port, f"sub-{ns}")
        try:
            assert wait_until(lambda: sub.current() == table, 10)
        finally:
            sub.stop()
    finally:
        hub.stop()
