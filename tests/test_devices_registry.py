"""Registry: entities, state, availability, listeners, overrides, threads (no broker)."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from edge.devices import Discovered, Entity, Override, Registry, StateReport, parse_discovery


def make(object_id: str, config: dict[str, object], component: str = "light") -> Entity:
    result = parse_discovery(f"homeassistant/{component}/{object_id}/config", json.dumps(config))
    assert isinstance(result, Discovered)
    return result.entity


KITCHEN = {"uniq_id": "k", "name": "Kitchen Light", "cmd_t": "k/set", "stat_t": "k", "dev": {"sa": "Kitchen"}}
# A Tasmota device: relay and light report on the same tele/STATE topic.
RELAY = {"uniq_id": "r", "name": "Relay", "cmd_t": "t/cmnd/POWER1", "stat_t": "t/tele/STATE", "val_tpl": "{{value_json.POWER1}}"}
BULB = {
    "uniq_id": "b",
    "name": "Bulb",
    "cmd_t": "t/cmnd/POWER2",
    "stat_t": "t/tele/STATE",
    "val_tpl": "{{value_json.POWER2}}",
    "dev": {"sa": "Living Room"},
}


def test_add_update_remove_and_lookups() -> None:
    reg = Registry()
    assert reg.add(make("k", KITCHEN)) is True
    assert reg.add(make("k", {**KITCHEN, "name": "Kitchen Ceiling"})) is False  # update
    assert len(reg) == 1 and "k" in reg
    assert reg.get("k").name == "Kitchen Ceiling"  # type: ignore[union-attr]
    assert reg.by_discovery_topic("homeassistant/light/k/config") is not None
    reg.add(make("b", BULB))
    assert [e.unique_id for e in reg.entities()] == ["b", "k"]
    assert [e.unique_id for e in reg.entities("switch")] == []
    assert reg.names() == ("Bulb", "Kitchen Ceiling")
    assert reg.areas() == ("kitchen", "living room")
    assert reg.topics() == frozenset({"k", "t/tele/STATE"})
    assert reg.remove_by_discovery_topic("homeassistant/light/k/config").unique_id == "k"  # type: ignore[union-attr]
    assert reg.get("k") is None and reg.state("k") is None and reg.remove("k") is None
    assert reg.topics() == frozenset({"t/tele/STATE"})


def test_state_message_updates_every_entity_on_the_topic() -> None:
    reg = Registry()
    reg.add(make("r", RELAY, "switch"))
    reg.add(make("b", BULB))
    assert reg.state("r") is None
    assert set(reg.apply_state_message("t/tele/STATE", b'{"POWER1": "ON", "POWER2": "OFF"}')) == {"r", "b"}
    assert (reg.state("r"), reg.state("b")) == ("on", "off")
    record = reg.state_record("r")
    assert record.raw == '{"POWER1": "ON", "POWER2": "OFF"}' and record.updated_monotonic is not None
    reg.apply_state_message("t/tele/STATE", b'{"POWER1": "OFF"}')  # no POWER2: bulb keeps its state
    assert (reg.state("r"), reg.state("b")) == ("off", "off")
    assert reg.apply_state_message("other/topic", b"ON") == ()


def test_wildcard_state_topic() -> None:
    reg = Registry()
    reg.add(make("w", {"uniq_id": "w", "cmd_t": "w/set", "stat_t": "w/+/state"}))
    assert reg.apply_state_message("w/abc/state", "ON") == ("w",) and reg.state("w") == "on"
    assert reg.apply_state_message("w/abc/def/state", "OFF") == ()


def test_availability_latest_any_all_and_templates() -> None:
    reg = Registry()
    reg.add(make("k", KITCHEN))
    assert reg.available("k")  # no availability topics: always available
    assert not reg.available("missing")

    z2m = {**KITCHEN, "uniq_id": "z", "avty": [{"t": "z2m/bridge/state", "val_tpl": "{{ value_json.state }}"}]}
    reg.add(make("z", z2m))
    assert not reg.available("z")  # Home Assistant: unavailable until told otherwise
    reg.apply_message("z2m/bridge/state", '{"state": "online"}')
    assert reg.available("z")
    reg.apply_message("z2m/bridge/state", '{"state": "offline"}')
    assert not reg.available("z")
    reg.apply_message("z2m/bridge/state", "garbage")
    assert not reg.available("z")

    two = [{"t": "a/avail"}, {"t": "b/avail", "pl_avail": "Online", "pl_not_avail": "Offline"}]
    for mode in ("all", "any", "latest"):
        reg.add(make(mode, {**KITCHEN, "uniq_id": mode, "avty": two, "avty_mode": mode}))
    reg.apply_message("a/avail", "online")
    assert (reg.available("all"), reg.available("any"), reg.available("latest")) == (False, True, True)
    reg.apply_message("b/avail", "Offline")
    assert (reg.available("all"), reg.available("any"), reg.available("latest")) == (False, True, False)
    reg.apply_message("b/avail", "Online")
    assert (reg.available("all"), reg.available("any"), reg.available("latest")) == (True, True, True)


def test_listeners_hear_every_report_and_survive_errors(caplog: pytest.LogCaptureFixture) -> None:
    reg = Registry()
    reg.add(make("k", KITCHEN))
    heard: list[StateReport] = []

    def broken(report: StateReport) -> None:
        raise RuntimeError("listener bug")

    reg.add_listener(broken)
    remove = reg.add_listener(heard.append)
    with caplog.at_level(logging.ERROR, logger="edge.devices"):
        reg.apply_state_message("k", "ON")
        reg.apply_state_message("k", "ON")  # unchanged, still reported: confirms a repeated command
        reg.apply_state_message("k", "dimmed")  # no usable state
    assert [(r.value, r.previous, r.changed) for r in heard] == [("on", None, True), ("on", "on", False), (None, "on", False)]
    assert reg.state("k") == "on"
    assert "listener bug" in caplog.text
    reg.set_state("k", "off", "OFF")
    assert heard[-1].optimistic and heard[-1].value == "off" and reg.state("k") == "off"
    remove()
    reg.apply_state_message("k", "ON")
    assert len(heard) == 4


def test_overrides_rename_and_move_entities() -> None:
    reg = Registry()
    reg.add(make("k", KITCHEN))
    reg.set_overrides(
        {"k": Override(name="Island Light", area="dining room", aliases=("island",)), "later": Override(area="garage")}
    )
    e = reg.get("k")
    assert e is not None and (e.name, e.area, e.aliases) == ("Island Light", "dining room", ("island",))
    reg.add(make("k", KITCHEN))  # rediscovery keeps the override
    assert reg.get("k").name == "Island Light"  # type: ignore[union-attr]
    reg.add(make("later", {**KITCHEN, "uniq_id": "later"}))
    assert reg.get("later").area == "garage"  # type: ignore[union-attr]
    assert "island" in reg.names() and "garage" in reg.areas()
    reg.set_overrides({})
    assert reg.get("k").name == "Kitchen Light"  # type: ignore[union-attr]


def test_an_override_may_name_the_entity_instead_of_its_unique_id() -> None:
    reg = Registry()
    reg.set_overrides({"KITCHEN LIGHT": Override(aliases=("cooking light",))})
    reg.add(make("k", KITCHEN))
    assert reg.get("k").aliases == ("cooking light",)  # type: ignore[union-attr]


def test_concurrent_writers_and_readers() -> None:
    reg = Registry()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(200):
                uid = f"e{n}_{i % 20}"
                reg.add(make(uid, {"uniq_id": uid, "cmd_t": f"{uid}/set", "stat_t": f"s/{n}"}))
                reg.apply_message(f"s/{n}", "ON" if i % 2 else "OFF")
                if i % 7 == 0:
                    reg.remove(uid)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(500):
                for e in reg.entities():
                    reg.state(e.unique_id)
                    reg.available(e.unique_id)
                reg.names()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert 0 < len(reg) <= 80
