"""LearningRuntime on a real broker: hooked into the assistant, events leave for the hub, the signed table arrives."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

import paho.mqtt.client as mqtt
import pytest

from edge.config import settings_from_dict
from edge.learning.runtime import LearningRuntime
from edge.learning.signing import generate_keypair, load_private_key, sign_table
from edge.learning.table import Rewrite, RewriteTable
from edge.pipeline.events import Observers
from edge.turn import Outcome
from tests.conftest import wait_until
from tests.feedback_helpers import mk_turn

pytestmark = pytest.mark.integration


def test_the_runtime_hooks_in_sends_events_and_keeps_the_signed_table(broker, tmp_path: Path, ns: str, monkeypatch) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    priv, pub = tmp_path / "hub" / "hub.key", tmp_path / "hub" / "hub.pub"
    generate_keypair(priv, pub)
    settings = settings_from_dict({
        "mqtt": {"host": broker.host, "port": broker.port, "reconnect_max_s": 1.0},
        "speaker": {"id": f"spk-{ns}"},
        "learning": {"topic_prefix": f"{ns}/feedback", "table_topic": f"{ns}/rewrites/table", "public_key": str(pub)},
    })  # fmt: skip
    assistant = SimpleNamespace(processor=SimpleNamespace(learning=None), events=Observers(), matcher=object())
    seen: list[dict] = []
    got = threading.Event()
    watcher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"watch-{ns}")
    watcher.on_message = lambda c, u, m: (seen.append(json.loads(m.payload)), got.set())
    watcher.connect(broker.host, broker.port)
    watcher.subscribe(f"{ns}/feedback/#", qos=1)
    watcher.loop_start()
    runtime = LearningRuntime.start(settings, assistant)
    try:
        assert runtime is not None and assistant.processor.learning is runtime.loop
        assert runtime.loop in assistant.events.observers and runtime.loop.outbox is runtime.outbox
        assert (tmp_path / "state" / "home.secret").is_file()
        assistant.events.finished(mk_turn("turn on the reading lamp", Outcome.NO_DEVICE, 1000.0, turn_id="a"))
        assert got.wait(10) and seen[0]["turn_id"] == "a" and seen[0]["defects"] == ["no_device"]
        assert seen[0]["speaker"] != f"spk-{ns}" and "audio" not in json.dumps(seen[0])

        table = RewriteTable.of(4, 0.0, [Rewrite("turn on the reading lamp", "turn on the standing light", 2, 1.0)])
        watcher.publish(f"{ns}/rewrites/table", sign_table(table, load_private_key(priv)), qos=1, retain=True).wait_for_publish(5)
        assert wait_until(lambda: runtime.subscriber.current() is not None, 10)
        assert runtime.loop.rewriter._table().lookup("turn on the reading lamp").target == "turn on the standing light"
    finally:
        runtime.stop() if runtime else None
        watcher.publish(f"{ns}/rewrites/table", b"", qos=1, retain=True).wait_for_publish(5)
        watcher.loop_stop()
        watcher.disconnect()


def test_off_means_nothing(tmp_path: Path) -> None:
    settings = settings_from_dict({"learning": {"on_device": False}})
    assert LearningRuntime.start(settings, SimpleNamespace()) is None
