"""DeviceLink against a real Mosquitto and the simulated home: discovery, commands, outages."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.broker import LocalBroker
from edge.config import MqttSettings
from edge.devices import DeviceLink, DeviceUnreachableError, Entity, LinkState, StateReport
from edge.errors import DeviceError
from edge.sim import SimHome, SimJsonLight, SimPowered, default_devices
from tests.conftest import wait_until

pytestmark = pytest.mark.integration

ALL_DEFAULT = {d.unique_id for d in default_devices()}
ON_OFF_DEFAULT = {d.unique_id for d in default_devices() if d.component in ("light", "switch", "fan")}
KITCHEN = "sim_kitchen_light"
HALLWAY = "sim_hallway_light"  # JSON schema
CEILING = "0x00158d0001a2b3c4_light_zigbee2mqtt"  # Zigbee2MQTT style, abbreviated keys, ~






def settings_for(broker: LocalBroker, prefix: str) -> MqttSettings:
    return MqttSettings(host=broker.host, port=broker.port, discovery_prefix=prefix, reconnect_max_s=2.0)


@pytest.fixture
def home(broker: LocalBroker, ns: str) -> Iterator[SimHome]:
    h = SimHome(broker.host, broker.port, prefix=f"ha_{ns}", devices=default_devices(f"sim_{ns}")).start()
    yield h
    h.stop(clear=True)


@pytest.fixture
def link(broker: LocalBroker, home: SimHome, ns: str) -> Iterator[DeviceLink]:
    lnk = DeviceLink(settings_for(broker, home.prefix), f"edge-test-{ns}").start()
    assert lnk.wait_for_discovery(10.0)
    yield lnk
    lnk.stop()


@pytest.fixture
def raw(broker: LocalBroker) -> Iterator[mqtt.Client]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"raw-{uuid.uuid4().hex[:6]}")
    client.connect(broker.host, broker.port)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


def publish(client: mqtt.Client, topic: str, payload: str | bytes, retain: bool = True) -> None:
    client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(2.0)


def test_discovery_of_the_default_home_within_one_second(broker: LocalBroker, home: SimHome, ns: str) -> None:
    started = time.monotonic()
    with DeviceLink(settings_for(broker, home.prefix), f"edge-{ns}") as lnk:
        assert lnk.wait_for_discovery()  # default timeout: settings.discovery_wait_s (1 s)
        elapsed = time.monotonic() - started
        reg = lnk.registry
        assert {e.unique_id for e in reg.entities()} == ALL_DEFAULT
        assert elapsed < 1.0
        assert reg.areas() == (
            "bathroom", "bedroom", "dining room", "driveway", "guest room", "hallway", "kitchen", "living room", "office",
            "outside",
        )
        assert {
            "Kitchen Light",
            "Living Room Lamp",
            "Living Room Ceiling Light",
            "Coffee Maker",
            "Desk Fan",
            "Hallway Light",
            "Porch Light",
            "Bedroom Light",
            "Office Light",
        } <= set(reg.names())
        assert len(reg.entities()) == len(ALL_DEFAULT) == 27
        # Retained states and availability arrived with discovery.
        assert all(reg.state(uid) == "off" for uid in ON_OFF_DEFAULT)
        assert all(reg.available(uid) for uid in ALL_DEFAULT)
        assert lnk.state is LinkState.CONNECTED


def test_turn_on_kitchen_light_is_confirmed(link: DeviceLink, home: SimHome) -> None:
    entity = link.registry.get(KITCHEN)
    assert entity is not None
    before = time.monotonic()
    action = link.publish_command(entity, "turn_on")
    assert before <= action.published_monotonic <= time.monotonic()
    assert (action.topic, action.payload) == (entity.command_topic, "ON")
    result = action.wait(2.0)
    assert result.confirmed and result.error == "" and result.state == "on"
    assert result.latency_ms is not None and home.delay_s * 1000 <= result.latency_ms < 1000
    assert (result.unique_id, result.topic, result.payload) == (KITCHEN, entity.command_topic, "ON")
    assert home.received(KITCHEN) == ["ON"]
    assert home.state(KITCHEN) == "on" and link.registry.state(KITCHEN) == "on"
    off = link.publish_command(KITCHEN, "turn_off").wait()  # by unique_id, default timeout
    assert off.confirmed and home.state(KITCHEN) == "off" and home.received(KITCHEN) == ["ON", "OFF"]


def test_json_schema_light_is_confirmed(link: DeviceLink, home: SimHome) -> None:
    result = link.publish_command(HALLWAY, "turn_on", {"brightness": 128}).wait(2.0)
    assert result.confirmed and result.state == "on"
    assert json.loads(home.received(HALLWAY)[-1]) == {"state": "ON", "brightness": 128}
    hallway = home.device(HALLWAY)
    assert isinstance(hallway, SimJsonLight) and hallway.brightness == 128


@pytest.mark.parametrize("uid", sorted(ON_OFF_DEFAULT))
def test_every_default_device_round_trips(link: DeviceLink, home: SimHome, uid: str) -> None:
    for service, state in (("turn_on", "on"), ("turn_off", "off")):
        result = link.publish_command(uid, service).wait(2.0)
        assert result.confirmed, result
        assert home.state(uid) == state == link.registry.state(uid)


def test_already_on_device_still_confirms(link: DeviceLink, home: SimHome) -> None:
    assert link.publish_command(CEILING, "turn_on").wait(2.0).confirmed
    again = link.publish_command(CEILING, "turn_on").wait(2.0)
    assert again.confirmed and again.state == "on"


def test_optimistic_entity_without_state_topic(link: DeviceLink, raw: mqtt.Client, ns: str) -> None:
    prefix = link.settings.discovery_prefix
    publish(
        raw,
        f"{prefix}/switch/garden_pump/config",
        json.dumps({"name": "Garden Pump", "cmd_t": f"opt_{ns}/pump/set", "uniq_id": f"pump_{ns}"}),
    )
    assert wait_until(lambda: link.registry.get(f"pump_{ns}") is not None, 2.0)
    result = link.publish_command(f"pump_{ns}", "turn_on").wait(1.0)
    assert (result.confirmed, result.state, result.error, result.latency_ms) == (False, "on", "", None)
    assert link.registry.state(f"pump_{ns}") == "on"
    publish(raw, f"{prefix}/switch/garden_pump/config", b"")


def test_unanswered_and_contradicted_commands(link: DeviceLink, raw: mqtt.Client, ns: str) -> None:
    prefix = link.settings.discovery_prefix
    publish(
        raw,
        f"{prefix}/light/mute/config",
        json.dumps({"name": "Mute", "cmd_t": f"mute_{ns}/set", "stat_t": f"mute_{ns}", "uniq_id": f"mute_{ns}"}),
    )
    assert wait_until(lambda: f"mute_{ns}" in link.registry, 2.0)
    silent = link.publish_command(f"mute_{ns}", "turn_on").wait(0.3)
    assert (silent.confirmed, silent.error, silent.state) == (False, "", None)  # unconfirmed, not failed

    action = link.publish_command(f"mute_{ns}", "turn_on")
    publish(raw, f"mute_{ns}", "OFF", retain=False)  # the device says no
    result = action.wait(0.5)
    assert not result.confirmed and result.state == "off" and "reported 'off'" in result.error
    publish(raw, f"{prefix}/light/mute/config", b"")


def test_removal_and_rediscovery_by_retained_config(link: DeviceLink, home: SimHome, raw: mqtt.Client) -> None:
    device = home.device(KITCHEN)
    topic = device.discovery_topic(home.prefix)
    publish(raw, topic, b"")
    assert wait_until(lambda: KITCHEN not in link.registry, 2.0)
    publish(raw, topic, json.dumps(device.discovery_config()))
    assert wait_until(lambda: KITCHEN in link.registry, 2.0)
    assert link.publish_command(KITCHEN, "turn_on").wait(2.0).confirmed  # state subscription is back


def test_malformed_discovery_is_logged_and_skipped(link: DeviceLink, raw: mqtt.Client, caplog: pytest.LogCaptureFixture) -> None:
    prefix = link.settings.discovery_prefix
    with caplog.at_level(logging.WARNING, logger="edge.devices"):
        publish(raw, f"{prefix}/light/broken_json/config", b"{nope")
        publish(raw, f"{prefix}/light/no_command/config", b'{"name": "x", "stat_t": "a"}')
        publish(raw, f"{prefix}/light/huge/config", b'{"x": "' + b"y" * 70000 + b'"}')
        publish(raw, f"{prefix}/vacuum/robo_vac/config", b'{"cmd_t": "f/set"}')  # unsupported: skipped quietly
        assert wait_until(lambda: caplog.text.count("skipping discovery message") >= 3, 2.0)
    assert f"{prefix}/light/broken_json/config" in caplog.text and "not valid JSON" in caplog.text
    assert "command_topic is missing" in caplog.text and "larger than" in caplog.text
    assert "robo_vac" not in caplog.text
    assert {e.unique_id for e in link.registry.entities()} == ALL_DEFAULT
    assert link.publish_command(KITCHEN, "turn_on").wait(2.0).confirmed  # the network thread is alive
    for name in ("light/broken_json", "light/no_command", "light/huge", "vacuum/robo_vac"):
        publish(raw, f"{prefix}/{name}/config", b"")


def test_callback_exceptions_do_not_kill_the_network_thread(
    link: DeviceLink, home: SimHome, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_listener(report: StateReport) -> None:
        raise RuntimeError("listener exploded")

    link.registry.add_listener(broken_listener)
    real_apply = link.registry.apply_message
    calls = {"n": 0}

    def apply_once_broken(topic: str, payload: bytes | str) -> tuple[str, ...]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("handler exploded")
        return real_apply(topic, payload)

    monkeypatch.setattr(link.registry, "apply_message", apply_once_broken)
    with caplog.at_level(logging.ERROR, logger="edge.devices"):
        first = link.publish_command(KITCHEN, "turn_on").wait(0.5)  # its state report hits the broken handler
        assert not first.confirmed
        second = link.publish_command(KITCHEN, "turn_off").wait(2.0)
        assert second.confirmed
        # The broken listener runs after the link's own one, on the network thread.
        assert wait_until(lambda: "listener exploded" in caplog.text, 2.0)
    assert "handler exploded" in caplog.text


def test_unknown_entity_and_unsupported_service(link: DeviceLink) -> None:
    with pytest.raises(DeviceError):
        link.publish_command("no_such_entity", "turn_on")
    with pytest.raises(DeviceError) as info:
        link.publish_command(KITCHEN, "set_temperature")
    assert info.value.code == "command"


def test_command_while_broker_unreachable_raises_unreachable(ns: str) -> None:
    down = LocalBroker()  # never started: nothing listens on its port
    lnk = DeviceLink(MqttSettings(host=down.host, port=down.port, reconnect_max_s=1.0), f"edge-{ns}").start()
    try:
        assert not lnk.connected and lnk.state is LinkState.CONNECTING
        assert not lnk.wait_for_discovery(0.2)
        entity = Entity(unique_id="x", name="Kitchen Light", domain="light", command_topic="x/set", state_topic="x")
        with pytest.raises(DeviceUnreachableError) as info:
            lnk.publish_command(entity, "turn_on")
        assert info.value.code == "unreachable" and isinstance(info.value, DeviceError)
        assert "Kitchen Light" in str(info.value) and f"{down.host}:{down.port}" in str(info.value)
    finally:
        lnk.stop()
        down.close()


def test_link_started_with_broker_down_connects_when_it_comes_up(ns: str, caplog: pytest.LogCaptureFixture) -> None:
    own = LocalBroker()
    prefix = f"ha_{ns}"
    lnk = DeviceLink(settings_for(own, prefix), f"edge-{ns}")
    try:
        with caplog.at_level(logging.INFO, logger="edge.devices"):
            lnk.start()  # must not raise
            time.sleep(1.5)  # at least two failed attempts (1 s backoff)
            assert not lnk.connected
            own.start()
            with SimHome(own.host, own.port, prefix=prefix, devices=default_devices(f"sim_{ns}")) as home:
                assert lnk.wait_connected(5.0)
                assert lnk.wait_for_discovery(10.0)
                assert {e.unique_id for e in lnk.registry.entities()} == ALL_DEFAULT
                assert lnk.publish_command(KITCHEN, "turn_on").wait(2.0).confirmed
                assert home.received(KITCHEN) == ["ON"]
        assert caplog.text.count("cannot reach the MQTT broker") == 1  # logged once, not per attempt
        assert caplog.text.count("connected to the MQTT broker") == 1
    finally:
        lnk.stop()
        own.close()


def test_outage_and_restart_bring_back_discovery_and_state(ns: str, caplog: pytest.LogCaptureFixture) -> None:
    own = LocalBroker()
    own.start()
    prefix = f"ha_{ns}"
    lnk = DeviceLink(settings_for(own, prefix), f"edge-{ns}")
    home = SimHome(own.host, own.port, prefix=prefix, devices=default_devices(f"sim_{ns}"))
    try:
        home.start()
        lnk.start()
        assert lnk.wait_for_discovery(10.0)
        assert lnk.publish_command(KITCHEN, "turn_on").wait(2.0).confirmed

        with caplog.at_level(logging.INFO, logger="edge.devices"):
            own.stop()
            assert wait_until(lambda: not lnk.connected, 3.0)
            assert lnk.state is LinkState.RECONNECTING
            with pytest.raises(DeviceUnreachableError):
                lnk.publish_command(KITCHEN, "turn_off")
            assert len(lnk.registry) == len(ALL_DEFAULT)  # entities survive an outage

            own.start()  # same port; retained messages are gone (persistence off)
            assert lnk.wait_connected(5.0)
            assert wait_until(lambda: home.connected, 7.0)  # the sim re-announces on reconnect
            assert lnk.wait_for_discovery(10.0)
        assert caplog.text.count("lost the MQTT broker") == 1

        # State subscriptions are back: a change made at the device reaches the registry...
        kitchen = home.device(KITCHEN)
        assert isinstance(kitchen, SimPowered)
        kitchen.set_on(False)
        home.publish_state(KITCHEN)
        assert wait_until(lambda: lnk.registry.state(KITCHEN) == "off", 2.0)
        # ...and commands confirm again.
        assert lnk.publish_command(HALLWAY, "turn_on").wait(2.0).confirmed

        # restart() in one go: the link drops and comes back by itself.
        own.restart()
        assert wait_until(lambda: lnk.connected and home.connected, 8.0)
        assert lnk.wait_for_discovery(10.0)
        assert {e.unique_id for e in lnk.registry.entities()} == ALL_DEFAULT
        assert lnk.publish_command(CEILING, "turn_on").wait(2.0).confirmed
    finally:
        lnk.stop()
        home.stop()
        own.close()


def test_pending_action_ends_early_when_the_broker_goes_away(ns: str, raw: mqtt.Client) -> None:
    own = LocalBroker()
    own.start()
    lnk = DeviceLink(settings_for(own, f"ha_{ns}"), f"edge-{ns}").start()
    try:
        assert lnk.wait_connected(3.0)
        silent = Entity(unique_id="s", name="Silent", domain="light", command_topic="s/set", state_topic="s")
        action = lnk.publish_command(silent, "turn_on")
        own.stop()
        started = time.monotonic()
        result = action.wait(5.0)
        assert time.monotonic() - started < 3.0
        assert not result.confirmed and "lost the connection" in result.error
    finally:
        lnk.stop()
        own.close()


def test_tls_with_a_missing_ca_file_is_a_clear_error() -> None:
    with pytest.raises(DeviceError) as info:
        DeviceLink(MqttSettings(tls=True, ca_file="/nonexistent/ca.pem"), "edge-tls")
    assert "ca_file" in info.value.fix


def test_credentials_are_accepted_by_an_anonymous_broker(broker: LocalBroker, ns: str) -> None:
    settings = MqttSettings(host=broker.host, port=broker.port, username="edge", password="secret", discovery_prefix=f"ha_{ns}")
    with DeviceLink(settings, f"edge-{ns}") as lnk:
        assert lnk.wait_connected(3.0)
        assert lnk.wait_for_discovery(10.0) and len(lnk.registry) == 0
