"""The simulated home, observed with a plain MQTT client on a real broker."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.broker import LocalBroker, free_port
from edge.devices import Discovered, parse_discovery
from edge.sim import SimError, SimHome, SimJsonLight, SimLight, SimPowered, SimSwitch, default_devices

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[1]


class Watcher:
    """A raw client that records every message on the topics it subscribes to."""

    def __init__(self, broker: LocalBroker, *topics: str) -> None:
        self.messages: queue.Queue[tuple[str, bytes, bool, float]] = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"watch-{uuid.uuid4().hex[:6]}")
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload, m.retain, time.monotonic()))
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        for topic in topics:
            self.client.subscribe(topic, qos=1)

    def collect(self, quiet_s: float = 0.3) -> dict[str, bytes]:
        seen: dict[str, bytes] = {}
        while True:
            try:
                topic, payload, _, _ = self.messages.get(timeout=quiet_s)
            except queue.Empty:
                return seen
            seen[topic] = payload

    def next_on(self, topic: str, timeout_s: float = 2.0) -> tuple[bytes, bool, float]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                got, payload, retain, at = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if got == topic:
                return payload, retain, at
        raise AssertionError(f"nothing on {topic} within {timeout_s} s")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def powered(home: SimHome, unique_id: str) -> SimPowered:
    device = home.device(unique_id)
    assert isinstance(device, SimPowered)
    return device




@pytest.fixture
def home(broker: LocalBroker, ns: str) -> Iterator[SimHome]:
    h = SimHome(broker.host, broker.port, prefix=f"ha_{ns}", devices=default_devices(f"sim_{ns}")).start()
    yield h
    h.stop(clear=True)


def test_default_home_covers_the_required_rooms_and_styles() -> None:
    devices = default_devices("r")
    by_name = {(d.name or d.device_name): d for d in devices}
    expected = {
        "Kitchen Light": "Kitchen",
        "Living Room Lamp": "Living Room",
        "Living Room Ceiling Light": "living_room",
        "Bedroom Light": "Bedroom",
        "Office Light": "Office",
        "Coffee Maker": "Kitchen",
        "Desk Fan": "Office",
        "Porch Light": "Outside",
        "Hallway Light": "Hallway",
    }
    assert {n: by_name[n].area for n in expected} == expected
    assert isinstance(by_name["Coffee Maker"], SimSwitch) and isinstance(by_name["Desk Fan"], SimSwitch)
    assert isinstance(by_name["Hallway Light"], SimJsonLight) and isinstance(by_name["Kitchen Light"], SimLight)
    configs = [d.discovery_config() for d in devices]
    assert any("cmd_t" in c and "~" in c for c in configs)  # Tasmota / Zigbee2MQTT style
    assert any(c.get("name", "x") is None for c in configs)  # Zigbee2MQTT: name null
    assert any(c.get("schema") == "json" for c in configs)
    assert all(t.startswith("r/") for d in devices for t in d.command_topics())


def test_retained_discovery_parses_into_the_default_home(broker: LocalBroker, home: SimHome) -> None:
    watcher = Watcher(broker, f"{home.prefix}/#")
    try:
        configs = watcher.collect()
    finally:
        watcher.close()
    assert len(configs) == len(home.devices)
    entities = {}
    for topic, payload in configs.items():
        result = parse_discovery(topic, payload, home.prefix)
        assert isinstance(result, Discovered), (topic, result)
        entities[result.entity.unique_id] = result.entity
    ceiling = entities["0x00158d0001a2b3c4_light_zigbee2mqtt"]
    assert (ceiling.name, ceiling.area, ceiling.schema) == ("Living Room Ceiling Light", "living room", "json")
    assert ceiling.command_topic.endswith("/zigbee2mqtt/Living Room Ceiling Light/set")
    assert entities["A1B2C3_LI_1"].command_topic.endswith("/tasmota/living_room_lamp/cmnd/POWER")
    assert entities["sim_porch_light"].area == "outside"


def test_command_is_obeyed_and_state_published_retained_after_the_delay(broker: LocalBroker, home: SimHome) -> None:
    kitchen = powered(home, "sim_kitchen_light")
    watcher = Watcher(broker, kitchen.state_topic)
    try:
        assert watcher.next_on(kitchen.state_topic)[:2] == (b"OFF", True)
        sent = time.monotonic()
        watcher.client.publish(kitchen.command_topic, "ON", qos=1)
        payload, _, at = watcher.next_on(kitchen.state_topic)
        assert payload == b"ON" and at - sent >= home.delay_s * 0.9
        assert home.state("sim_kitchen_light") == "on" and home.received("sim_kitchen_light") == ["ON"]
        watcher.client.publish(kitchen.command_topic, "BLINK", qos=1)  # firmware ignores it
        with pytest.raises(AssertionError):
            watcher.next_on(kitchen.state_topic, 0.3)
        assert home.received("sim_kitchen_light") == ["ON", "BLINK"] and home.state("sim_kitchen_light") == "on"
    finally:
        watcher.close()
    late = Watcher(broker, kitchen.state_topic)
    try:
        assert late.next_on(kitchen.state_topic)[:2] == (b"ON", True)
    finally:
        late.close()


def test_tasmota_and_zigbee2mqtt_payload_shapes(broker: LocalBroker, home: SimHome) -> None:
    lamp, ceiling = powered(home, "A1B2C3_LI_1"), powered(home, "0x00158d0001a2b3c4_light_zigbee2mqtt")
    watcher = Watcher(broker, lamp.state_topic, ceiling.state_topic)
    try:
        watcher.collect(0.2)
        watcher.client.publish(lamp.command_topic, "ON", qos=1)
        assert json.loads(watcher.next_on(lamp.state_topic)[0]) == {"POWER": "ON"}
        watcher.client.publish(ceiling.command_topic, json.dumps({"state": "ON", "brightness": 40}), qos=1)
        body = json.loads(watcher.next_on(ceiling.state_topic)[0])
        assert body["state"] == "ON" and body["brightness"] == 40
    finally:
        watcher.close()


def test_birth_message_makes_the_home_announce_again(broker: LocalBroker, home: SimHome) -> None:
    watcher = Watcher(broker, f"{home.prefix}/+/+/config", f"{home.prefix}/+/+/+/config")
    try:
        watcher.collect(0.2)
        watcher.client.publish(f"{home.prefix}/status", "online", qos=1)
        assert len(watcher.collect(0.3)) == len(home.devices)
    finally:
        watcher.close()


def test_stop_marks_offline_and_clear_removes_retained(broker: LocalBroker, ns: str) -> None:
    prefix = f"ha_{ns}"
    home = SimHome(broker.host, broker.port, prefix=prefix, devices=default_devices(f"sim_{ns}")).start()
    avail = home.device("sim_kitchen_light").availability
    assert avail is not None
    home.stop()
    watcher = Watcher(broker, avail.topic, f"{prefix}/#")
    try:
        seen = watcher.collect(0.3)
        assert seen[avail.topic] == b"offline" and len([t for t in seen if t.startswith(prefix)]) == len(home.devices)
    finally:
        watcher.close()
    SimHome(broker.host, broker.port, prefix=prefix, devices=default_devices(f"sim_{ns}")).start().stop(clear=True)
    watcher = Watcher(broker, f"{prefix}/#")
    try:
        assert watcher.collect(0.3) == {}
    finally:
        watcher.close()


def test_unreachable_broker_raises_sim_error() -> None:
    home = SimHome("127.0.0.1", free_port())
    with pytest.raises(SimError) as info:
        home.start(wait_s=0.5)
    assert info.value.code == "sim" and "could not reach" in str(info.value)


def test_duplicate_unique_ids_are_rejected() -> None:
    devices = default_devices("a")
    with pytest.raises(SimError):
        SimHome(devices=[devices[0], devices[0]])


def test_cli_runs_until_sigterm(broker: LocalBroker, ns: str) -> None:
    prefix = f"cli_{ns}"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edge.sim",
            "--host",
            broker.host,
            "--port",
            str(broker.port),
            "--prefix",
            prefix,
            "--root",
            f"sim_{ns}",
            "--clear",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=REPO,
    )
    watcher = Watcher(broker, f"{prefix}/#")
    try:
        deadline = time.monotonic() + 10.0
        seen: dict[str, bytes] = {}
        while len(seen) < len(default_devices()) and time.monotonic() < deadline:
            seen.update(watcher.collect(0.2))
        assert len(seen) == len(default_devices())
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        watcher.close()
    assert proc.returncode == 0, out.decode()
    assert b"Kitchen Light" in out
    watcher = Watcher(broker, f"{prefix}/#")
    try:
        assert watcher.collect(0.3) == {}  # --clear removed the retained discovery
    finally:
        watcher.close()
