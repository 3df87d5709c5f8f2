"""Every domain end to end: DeviceLink on a real Mosquitto against the simulated house (short travel times)."""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from edge.broker import LocalBroker
from edge.config import MqttSettings
from edge.devices import DeviceLink, Registry, StateReport
from edge.sim import SimContact, SimHome, SimLock, default_devices
from tests.conftest import wait_until

pytestmark = pytest.mark.integration

TRAVEL_S = 0.4






@pytest.fixture
def home(broker: LocalBroker, ns: str) -> Iterator[SimHome]:
    devices = default_devices(f"sim_{ns}", travel_s=TRAVEL_S, lock_s=0.1)
    h = SimHome(broker.host, broker.port, prefix=f"ha_{ns}", devices=devices, tick_s=0.05).start()
    yield h
    h.stop(clear=True)


@pytest.fixture
def link(broker: LocalBroker, home: SimHome, ns: str, tmp_path) -> Iterator[DeviceLink]:
    settings = MqttSettings(host=broker.host, port=broker.port, discovery_prefix=home.prefix, confirm_timeout_s=3.0)
    lnk = DeviceLink(settings, f"edge-test-{ns}", registry_path=tmp_path / "registry.json").start()
    assert lnk.wait_for_discovery(10.0)
    yield lnk
    lnk.stop()


def uid(link: DeviceLink, name: str) -> str:
    return next(e.unique_id for e in link.registry.entities() if e.name == name)


def test_the_house_is_big_enough_and_complete(link: DeviceLink) -> None:
    entities = link.registry.entities()
    assert len(entities) >= 25 and len(link.registry.areas()) >= 6
    assert {e.domain for e in entities} == {
        "light",
        "switch",
        "fan",
        "climate",
        "cover",
        "lock",
        "sensor",
        "binary_sensor",
        "button",
        "scene",
    }
    assert {e.device_class for e in entities if e.domain == "cover"} == {"garage", "blind", "door"}
    for name in (
        "Standing Light",
        "Bed Light",
        "Front Door",
        "Garage Door",
        "Outdoor Humidity",
        "EcoBee",
        "Mood Lighting",
        "Party Time",
    ):
        assert uid(link, name)


def test_lights_with_brightness_colour_temperature_and_colour(link: DeviceLink, home: SimHome) -> None:
    bed = uid(link, "Bed Light")  # Zigbee2MQTT JSON schema
    result = link.publish_command(bed, "turn_on", {"brightness_pct": 50, "color_temp_kelvin": 2700}).wait()
    assert result.confirmed and result.state == "on"
    record = link.registry.state_record(bed)
    assert (record.brightness_pct, record.color_temp_kelvin) == (50, 2703)
    assert link.publish_command(bed, "turn_on", {"rgb_color": [0, 255, 0]}).wait().confirmed
    assert wait_until(lambda: link.registry.state_record(bed).rgb_color == (0, 255, 0))

    standing = uid(link, "Standing Light")  # default schema, a topic per attribute, brightness_scale 100
    result = link.publish_command(standing, "turn_on", {"brightness_pct": 40}).wait()
    assert result.confirmed and link.registry.state_record(standing).brightness_pct == 40
    assert home.received(standing)[-2:] == ["40", "ON"]
    kitchen = uid(link, "Kitchen Light")
    assert link.publish_command(kitchen, "turn_on", {"rgb_color": [0, 255, 0]}).wait().confirmed
    assert wait_until(lambda: link.registry.state_record(kitchen).rgb_color == (0, 255, 0))
    assert link.publish_command(kitchen, "toggle").wait().state == "off"


def test_fan_percentage(link: DeviceLink) -> None:
    fan = uid(link, "Ceiling Fan")
    result = link.publish_command(fan, "turn_on", {"percentage": 50}).wait()
    assert result.confirmed and link.registry.state_record(fan).percentage == 66
    assert link.publish_command(fan, "turn_off").wait().confirmed


def test_thermostat_target_mode_and_drifting_room_temperature(link: DeviceLink) -> None:
    ecobee = uid(link, "EcoBee")
    start = link.registry.state_record(ecobee)
    assert (start.value, start.target_temperature, start.unit) == (
        "heat",
        21.0,
        "°C",
    ) and start.current_temperature is not None
    result = link.publish_command(ecobee, "set_temperature", {"temperature": 24}).wait()
    assert result.confirmed and link.registry.state_record(ecobee).target_temperature == 24.0
    first = link.registry.state_record(ecobee).current_temperature
    assert wait_until(lambda: (link.registry.state_record(ecobee).current_temperature or 0) > (first or 0) + 0.25, 3.0)
    result = link.publish_command(ecobee, "set_hvac_mode", {"hvac_mode": "cool"}).wait()
    assert result.confirmed and result.state == "cool" and link.registry.state(ecobee) == "cool"


def test_garage_door_opening_is_progress_then_open(link: DeviceLink, home: SimHome) -> None:
    garage = uid(link, "Garage Door")
    heard: list[str | None] = []
    link.registry.add_listener(lambda r: heard.append(r.value) if r.unique_id == garage else None)
    early = link.publish_command(garage, "open_cover").wait(TRAVEL_S / 3)
    assert (early.confirmed, early.state, early.error) == (False, "opening", "")  # under way: unconfirmed, not failed
    assert home.state(garage) == "opening"
    action = link.publish_command(garage, "open_cover")
    result = action.wait()
    assert result.confirmed and result.state == "open" and home.state(garage) == "open"
    assert result.latency_ms is not None and result.latency_ms >= TRAVEL_S * 1000 * 0.3
    assert heard[:2] == ["opening", "opening"] and heard[-1] == "open"
    assert link.publish_command(garage, "close_cover").wait().state == "closed"


def test_blind_position_reports_on_the_way(link: DeviceLink) -> None:
    blind = uid(link, "Bedroom Blinds")
    positions: list[int] = []
    link.registry.add_listener(
        lambda r: (
            positions.append(r.attributes["position"]) if r.unique_id == blind and "position" in r.attributes else None
        )
    )
    result = link.publish_command(blind, "set_cover_position", {"position": 60}).wait()
    assert result.confirmed and result.state == "open" and link.registry.state_record(blind).position == 60
    assert 20 in positions and positions[-1] == 60
    assert link.publish_command(blind, "close_cover").wait().confirmed
    stop = link.publish_command(blind, "stop_cover").wait(0.5)
    assert not stop.confirmed and stop.error == ""


def test_front_door_lock_and_a_jam(link: DeviceLink, home: SimHome) -> None:
    door = uid(link, "Front Door")
    assert link.registry.available(door)
    result = link.publish_command(door, "lock").wait()
    assert result.confirmed and result.state == "locked" and home.state(door) == "locked"
    device = home.device(door)
    assert isinstance(device, SimLock)
    action = link.publish_command(door, "unlock")
    device.jam()
    home.publish_state(door)
    result = action.wait(1.0)
    assert not result.confirmed and result.state == "jammed" and "jammed" in result.error


def test_oven_heats_and_its_thermometer_reports(link: DeviceLink) -> None:
    oven, thermometer = uid(link, "Oven"), uid(link, "Oven Temperature")
    before = float(link.registry.state(thermometer) or 0)
    assert link.registry.state_record(thermometer).unit == "°C"
    assert link.publish_command(oven, "turn_on").wait().confirmed
    assert wait_until(lambda: float(link.registry.state(thermometer) or 0) >= before + 30, 3.0)


def test_sensors_and_contacts(link: DeviceLink, home: SimHome) -> None:
    humidity = link.registry.state_record(uid(link, "Outdoor Humidity"))
    assert (humidity.value, humidity.unit) == ("71.0", "%")
    assert link.registry.state(uid(link, "Outdoor Temperature")) == "12.5"
    back = uid(link, "Back Door")
    assert link.registry.state(back) == "off"
    contact = home.device(back)
    assert isinstance(contact, SimContact)
    contact.set_open(True)
    home.publish_state(back)
    assert wait_until(lambda: link.registry.state(back) == "on")
    assert link.registry.get(back).device_class == "door"  # type: ignore[union-attr]


def test_button_and_scenes_are_optimistic(link: DeviceLink, home: SimHome) -> None:
    for name, service in (("Restart Router", "press"), ("Mood Lighting", "activate"), ("Party Time", "turn_on")):
        started = time.monotonic()
        result = link.publish_command(uid(link, name), service).wait()
        assert (result.confirmed, result.error) == (False, "")
        assert time.monotonic() - started < 0.5  # nothing to wait for
        assert wait_until(lambda: home.state(uid(link, name)) == "1", 2.0)


def test_registry_persists_across_restarts(broker: LocalBroker, home: SimHome, ns: str, tmp_path) -> None:
    path = tmp_path / "reg" / "entities.json"
    settings = MqttSettings(host=broker.host, port=broker.port, discovery_prefix=home.prefix)
    with DeviceLink(settings, f"edge-a-{ns}", registry_path=path) as first:
        assert first.wait_for_discovery(10.0)
        known = {e.unique_id: e for e in first.registry.entities()}
    assert path.is_file() and not list(path.parent.glob("*.tmp"))
    # A restart with the broker down: the house is known at once, state unknown until the broker answers.
    restarted = Registry(path)
    assert {e.unique_id: e for e in restarted.entities()} == known
    assert all(restarted.state(u) is None for u in known)
    assert restarted.get(uid_of(restarted, "Bed Light")).features == known[uid_of(restarted, "Bed Light")].features  # type: ignore[union-attr]
    with DeviceLink(settings, f"edge-b-{ns}", registry=restarted) as second:
        assert second.wait_for_discovery(10.0)
        assert second.publish_command(uid_of(restarted, "Kitchen Light"), "turn_on").wait().confirmed


def uid_of(registry: Registry, name: str) -> str:
    return next(e.unique_id for e in registry.entities() if e.name == name)


def test_state_reports_carry_the_whole_state(link: DeviceLink) -> None:
    reports: list[StateReport] = []
    ecobee = uid(link, "EcoBee")
    link.registry.add_listener(lambda r: reports.append(r) if r.unique_id == ecobee else None)
    assert link.publish_command(ecobee, "set_temperature", {"temperature": 19.5}).wait().confirmed
    last = reports[-1]
    assert (
        last.state is not None
        and last.state.target_temperature == 19.5
        and last.attributes["target_temperature"] == 19.5
    )
