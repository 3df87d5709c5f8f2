"""Discovery parsing: real Zigbee2MQTT, Tasmota, ESPHome and Home Assistant doc payloads; malformed input."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from edge.devices import (
    Discovered,
    DiscoveryError,
    Entity,
    Removed,
    Skipped,
    expand_config,
    match_topic,
    parse_discovery,
)
from edge.devices.abbreviations import ABBREVIATIONS, DEVICE_ABBREVIATIONS
from edge.devices.discovery import MAX_PAYLOAD_BYTES
from edge.errors import DeviceError


def entity_of(topic: str, payload: Any, prefix: str = "homeassistant") -> Entity:
    raw = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    result = parse_discovery(topic, raw, prefix)
    assert isinstance(result, Discovered), result
    return result.entity


# --- real-world payloads ------------------------------------------------------------------------

Z2M_LIGHT = {
    "availability": [{"topic": "zigbee2mqtt/bridge/state", "value_template": "{{ value_json.state }}"}],
    "brightness": True,
    "brightness_scale": 254,
    "command_topic": "zigbee2mqtt/Kitchen Pendant/set",
    "device": {
        "identifiers": ["zigbee2mqtt_0x0017880104e45517"],
        "manufacturer": "Philips",
        "model": "Hue White and color ambiance E26/E27 (9290012573A)",
        "name": "Kitchen Pendant",
        "suggested_area": "Kitchen",
        "sw_version": "1.50.2_r30933",
        "via_device": "zigbee2mqtt_bridge_0x00124b0022813501",
    },
    "json_attributes_topic": "zigbee2mqtt/Kitchen Pendant",
    "max_mireds": 500,
    "min_mireds": 153,
    "name": None,
    "object_id": "kitchen_pendant",
    "origin": {"name": "Zigbee2MQTT", "sw": "1.35.1", "url": "https://www.zigbee2mqtt.io"},
    "schema": "json",
    "state_topic": "zigbee2mqtt/Kitchen Pendant",
    "supported_color_modes": ["xy", "color_temp"],
    "unique_id": "0x0017880104e45517_light_zigbee2mqtt",
}

Z2M_PLUG = {
    "availability": [{"topic": "zigbee2mqtt/bridge/state", "value_template": "{{ value_json.state }}"}],
    "command_topic": "zigbee2mqtt/Coffee Plug/set",
    "device": {"identifiers": ["zigbee2mqtt_0xa4c1380d0b4fa3c2"], "name": "Coffee Plug", "model": "TS011F_plug_1"},
    "json_attributes_topic": "zigbee2mqtt/Coffee Plug",
    "name": None,
    "object_id": "coffee_plug",
    "payload_off": "OFF",
    "payload_on": "ON",
    "state_topic": "zigbee2mqtt/Coffee Plug",
    "unique_id": "0xa4c1380d0b4fa3c2_switch_zigbee2mqtt",
    "value_template": "{{ value_json.state }}",
}

TASMOTA_RELAY = (
    '{"name":"Sonoff Basic","cmd_t":"~cmnd/POWER","stat_t":"~tele/STATE","val_tpl":"{{value_json.POWER}}",'
    '"pl_off":"OFF","pl_on":"ON","avty_t":"~tele/LWT","pl_avail":"Online","pl_not_avail":"Offline",'
    '"uniq_id":"A4CF12_RL_1","device":{"identifiers":["A4CF12"],"connections":[["mac","A4:CF:12:AB:CD:EF"]]},'
    '"~":"sonoff_basic/"}'
)

TASMOTA_DIMMER = (
    '{"name":"Bedroom Bulb","cmd_t":"~cmnd/POWER","stat_t":"~tele/STATE","val_tpl":"{{value_json.POWER}}",'
    '"pl_off":"OFF","pl_on":"ON","avty_t":"~tele/LWT","pl_avail":"Online","pl_not_avail":"Offline",'
    '"uniq_id":"1A2B3C_LI_1","dev":{"ids":["1A2B3C"],"name":"Bulb 1A2B3C","sa":"Master_Bedroom"},'
    '"~":"tasmota_1A2B3C/","bri_cmd_t":"~cmnd/Dimmer","bri_stat_t":"~tele/STATE","bri_scl":100,'
    '"on_cmd_type":"brightness","bri_val_tpl":"{{value_json.Dimmer}}"}'
)

ESPHOME_JSON_LIGHT = {
    "name": "Desk Lamp",
    "stat_t": "desk/light/desk_lamp/state",
    "cmd_t": "desk/light/desk_lamp/command",
    "schema": "json",
    "brightness": True,
    "avty_t": "desk/status",
    "uniq_id": "ESPlightdesk_lamp",
    "dev": {
        "ids": "240ac4123456",
        "name": "desk",
        "sw": "esphome v2023.2.0",
        "mdl": "esp32dev",
        "mf": "espressif",
        "sa": "Study",
    },
}

HA_DOCS_TILDE = {
    "~": "homeassistant/light/kitchen",
    "name": "Kitchen",
    "uniq_id": "kitchen_light",
    "cmd_t": "~/set",
    "stat_t": "~/state",
    "schema": "json",
    "brightness": True,
}


def test_zigbee2mqtt_json_light_takes_the_device_name() -> None:
    e = entity_of("homeassistant/light/0x0017880104e45517/light/config", Z2M_LIGHT)
    assert (e.unique_id, e.name, e.domain, e.schema) == (
        "0x0017880104e45517_light_zigbee2mqtt",
        "Kitchen Pendant",
        "light",
        "json",
    )
    assert e.area == "kitchen" and e.device_name == "Kitchen Pendant"
    assert e.command_topic == "zigbee2mqtt/Kitchen Pendant/set" and e.state_topic == "zigbee2mqtt/Kitchen Pendant"
    assert e.availability[0].topic == "zigbee2mqtt/bridge/state"
    assert e.availability[0].value_template == "{{ value_json.state }}"
    assert not e.optimistic and e.aliases == ()
    assert e.config["origin"]["sw_version"] == "1.35.1"  # origin abbreviations expanded
    assert e.to_ref().to_dict() == {
        "unique_id": e.unique_id,
        "name": "Kitchen Pendant",
        "area": "kitchen",
        "domain": "light",
        "score": 1.0,
    }


def test_zigbee2mqtt_switch_reads_state_through_template() -> None:
    e = entity_of("homeassistant/switch/0xa4c1380d0b4fa3c2/switch/config", Z2M_PLUG)
    assert (e.name, e.domain, e.value_template) == ("Coffee Plug", "switch", "{{ value_json.state }}")
    assert (e.payload_on, e.payload_off, e.state_on, e.state_off) == ("ON", "OFF", "ON", "OFF")
    assert e.area == ""


def test_tasmota_relay_abbreviations_and_tilde() -> None:
    e = entity_of("homeassistant/switch/A4CF12_RL_1/config", TASMOTA_RELAY)
    assert e.unique_id == "A4CF12_RL_1" and e.name == "Sonoff Basic"
    assert e.command_topic == "sonoff_basic/cmnd/POWER"
    assert e.state_topic == "sonoff_basic/tele/STATE"
    assert e.value_template == "{{value_json.POWER}}"
    (avail,) = e.availability
    assert (avail.topic, avail.payload_available, avail.payload_not_available) == ("sonoff_basic/tele/LWT", "Online", "Offline")
    assert e.config["device"]["connections"] == [["mac", "A4:CF:12:AB:CD:EF"]]


def test_tasmota_dimmer_light_with_abbreviated_device() -> None:
    e = entity_of("homeassistant/light/1A2B3C_LI_1/config", TASMOTA_DIMMER)
    assert e.domain == "light" and e.schema == "default"
    assert e.area == "master bedroom" and e.device_name == "Bulb 1A2B3C"
    assert e.aliases == ("Bulb 1A2B3C Bedroom Bulb",)  # Home Assistant's "device + entity" name
    assert e.value_template == "{{value_json.POWER}}"  # a light's val_tpl reads its state
    assert e.config["brightness_command_topic"] == "tasmota_1A2B3C/cmnd/Dimmer"  # ~ in every *_topic
    assert e.config["brightness_scale"] == 100


def test_esphome_json_light_with_node_id_less_topic() -> None:
    e = entity_of("homeassistant/light/desk/desk_lamp/config", ESPHOME_JSON_LIGHT)
    assert (e.name, e.area, e.schema) == ("Desk Lamp", "study", "json")
    assert e.availability[0].topic == "desk/status"
    assert e.config["device"]["identifiers"] == "240ac4123456"


def test_home_assistant_docs_tilde_example() -> None:
    e = entity_of("homeassistant/light/kitchen/config", HA_DOCS_TILDE)
    assert e.command_topic == "homeassistant/light/kitchen/set"
    assert e.state_topic == "homeassistant/light/kitchen/state"
    assert "~" not in e.config


def test_tilde_at_the_end_and_in_availability_list() -> None:
    e = entity_of(
        "homeassistant/switch/x/config",
        {"~": "base", "cmd_t": "set/~", "stat_t": "~", "avty": [{"t": "~/avail", "pl_avail": "up"}], "name": "X"},
    )
    assert (e.command_topic, e.state_topic) == ("set/base", "base")
    assert e.availability[0].topic == "base/avail" and e.availability[0].payload_available == "up"


def test_switch_state_payloads_default_to_command_payloads_and_can_differ() -> None:
    base = {"command_topic": "s/set", "state_topic": "s/state", "pl_on": "1", "pl_off": "0", "name": "S"}
    e = entity_of("homeassistant/switch/s/config", base)
    assert (e.payload_on, e.state_on, e.payload_off, e.state_off) == ("1", "1", "0", "0")
    e = entity_of("homeassistant/switch/s/config", {**base, "stat_on": "on", "stat_off": "off"})
    assert (e.payload_on, e.state_on, e.payload_off, e.state_off) == ("1", "on", "0", "off")


def test_default_light_state_value_template_and_numbers_as_strings() -> None:
    e = entity_of(
        "homeassistant/light/l/config",
        {"cmd_t": "l/set", "stat_t": "l/state", "stat_val_tpl": "{{ value_json.state }}", "pl_on": 1, "pl_off": 0},
    )
    assert (e.payload_on, e.payload_off) == ("1", "0")  # Home Assistant's cv.string accepts numbers
    assert e.value_template == "{{ value_json.state }}"
    assert e.name == "l"  # no name, no device: the object id


def test_no_state_topic_is_optimistic_and_unique_id_from_topic() -> None:
    e = entity_of("homeassistant/light/node1/porch/config", {"command_topic": "porch/set", "name": "Porch"})
    assert e.optimistic and e.state_topic == ""
    assert e.unique_id == "light/node1/porch"
    assert e.discovery_topic == "homeassistant/light/node1/porch/config"


def test_area_and_name_normalisation() -> None:
    e = entity_of(
        "homeassistant/light/l/config",
        {"cmd_t": "l/set", "name": "  Reading   Lamp ", "dev": {"name": "Lamp", "sa": "  Living-Room "}},
    )
    assert e.name == "Reading Lamp" and e.area == "living room"
    assert e.aliases == ()  # the device name is already in the entity name


def test_custom_prefix_and_node_id() -> None:
    result = parse_discovery("my/prefix/switch/node-1/obj_2/config", '{"cmd_t": "a"}', prefix="my/prefix")
    assert isinstance(result, Discovered)
    assert (result.topic.component, result.topic.node_id, result.topic.object_id) == ("switch", "node-1", "obj_2")
    assert result.topic.discovery_id == "node-1 obj_2"
    assert match_topic("homeassistant/switch/a/config", "my/prefix") is None


@pytest.mark.parametrize("payload", [b"", "", "{}"])
def test_empty_payload_removes(payload: bytes | str) -> None:
    result = parse_discovery("homeassistant/light/kitchen/config", payload)
    assert isinstance(result, Removed) and result.topic.object_id == "kitchen"


@pytest.mark.parametrize("component", ["vacuum", "alarm_control_panel", "humidifier", "valve", "device_automation", "device"])
def test_other_components_are_skipped_with_a_reason(component: str) -> None:
    result = parse_discovery(f"homeassistant/{component}/x/config", '{"cmd_t": "x/set", "stat_t": "x"}')
    assert isinstance(result, Skipped) and component in result.reason and "not supported" in result.reason


def test_template_schema_light_is_skipped_not_malformed() -> None:
    result = parse_discovery("homeassistant/light/t/config", '{"schema": "template", "cmd_t": "t/set"}')
    assert isinstance(result, Skipped) and "template" in result.reason


def test_abbreviation_table_is_home_assistants() -> None:
    for short, full in {
        "cmd_t": "command_topic",
        "stat_t": "state_topic",
        "pl_on": "payload_on",
        "pl_off": "payload_off",
        "stat_on": "state_on",
        "stat_off": "state_off",
        "uniq_id": "unique_id",
        "dev": "device",
        "avty_t": "availability_topic",
        "avty": "availability",
        "val_tpl": "value_template",
        "stat_val_tpl": "state_value_template",
        "json_attr_t": "json_attributes_topic",
        "dev_cla": "device_class",
        "pl_avail": "payload_available",
        "pl_not_avail": "payload_not_available",
        "t": "topic",
        "o": "origin",
    }.items():
        assert ABBREVIATIONS[short] == full
    assert DEVICE_ABBREVIATIONS["ids"] == "identifiers" and DEVICE_ABBREVIATIONS["sa"] == "suggested_area"
    # A full key wins over its abbreviation when a device sends both.
    assert expand_config({"cmd_t": "short", "command_topic": "full"})["command_topic"] == "full"


# --- malformed payloads -------------------------------------------------------------------------

T = "homeassistant/light/bad/config"
MALFORMED: list[tuple[str, bytes | str, str]] = [
    (T, b"{not json", "not valid JSON"),
    (T, b"[1, 2]", "JSON object"),
    (T, b'"a string"', "JSON object"),
    (T, b"null", "JSON object"),
    (T, b"42", "JSON object"),
    (T, b"\xff\xfe{}", "UTF-8"),
    (T, b"[" * 5000 + b"]" * 5000, "JSON"),
    (T, b'{"name": "x"}', "command_topic is missing"),
    (T, b'{"command_topic": ""}', "command_topic is missing"),
    (T, b'{"command_topic": 5}', "command_topic must be a string"),
    (T, b'{"command_topic": "a/+/set"}', "wildcard"),
    (T, b'{"command_topic": "a/set", "state_topic": "a/#/b"}', "state_topic"),
    (T, b'{"command_topic": "a\\u0000b"}', "NUL"),
    (T, b'{"cmd_t": "a", "name": ["x"]}', "name must be a string"),
    (T, b'{"cmd_t": "a", "name": true}', "name must be a string"),
    (T, b'{"cmd_t": "a", "pl_on": {"x": 1}}', "payload_on"),
    (T, b'{"cmd_t": "a", "dev": "kitchen"}', "device must be an object"),
    (T, b'{"cmd_t": "a", "dev": {"name": 5.5, "sa": []}}', "suggested_area"),
    (T, b'{"cmd_t": "a", "avty": "x/avail"}', "availability must be a list"),
    (T, b'{"cmd_t": "a", "avty": ["x/avail"]}', "availability entries"),
    (T, b'{"cmd_t": "a", "avty": [{"pl_avail": "on"}]}', "topic is missing"),
    (T, b'{"cmd_t": "a", "avty_t": "x", "avty": [{"t": "y"}]}', "mutually exclusive"),
    (T, b'{"cmd_t": "a", "avty_mode": "most"}', "availability_mode"),
    (T, b'{"cmd_t": "a", "opt": "yes"}', "optimistic must be true or false"),
    (T, b'{"cmd_t": "a", "ret": 1}', "retain must be true or false"),
    (T, b'{"cmd_t": "~/set", "~": 5}', "base topic"),
    (T, b'{"cmd_t": "a", "schema": ["json"]}', "schema"),
    (T, b'{"cmd_t": "a", "uniq_id": {"id": 1}}', "unique_id"),
    ("homeassistant/switch/bad/config", b'{"cmd_t": "a", "stat_on": ["on"]}', "state_on"),
    ("homeassistant/light/config", b'{"cmd_t": "a"}', "not a discovery topic"),
    ("homeassistant/light/a b/config", b'{"cmd_t": "a"}', "not a discovery topic"),
    ("homeassistant/light/a/b/c/config", b'{"cmd_t": "a"}', "not a discovery topic"),
    ("other/light/a/config", b'{"cmd_t": "a"}', "not a discovery topic"),
    (T, b'{"cmd_t": "a", "x": "' + b"y" * MAX_PAYLOAD_BYTES + b'"}', "larger than"),
]


@pytest.mark.parametrize(("topic", "payload", "reason"), MALFORMED)
def test_malformed_payloads_raise_discovery_error(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(DiscoveryError) as info:
        parse_discovery(topic, payload)
    err = info.value
    assert isinstance(err, DeviceError) and err.code == "discovery"
    assert err.topic == topic
    assert reason.lower() in err.reason.lower(), err.reason


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "topic", "int", "float", "bool", "none", "list", "dict", "template"]
    kind = rng.choice(kinds if depth < 2 else kinds[:6])
    if kind == "str":
        return "".join(rng.choice("aZ09 _-/+#~{}\x00é") for _ in range(rng.randint(0, 8)))
    if kind == "topic":
        return rng.choice(["~", "~/set", "a/b", "a/+/b", "#", "", "~cmnd/POWER", "x/#/y"])
    if kind == "int":
        return rng.randint(-5, 300)
    if kind == "float":
        return rng.random() * 10
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "template":
        return rng.choice(["{{ value_json.state }}", "{{ value }}", "{% if %}", "{{ x.y }}", "{{ value_json[0] }}"])
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = list(ABBREVIATIONS)[:40] + ["t", "topic", "name", "sa", "ids"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


ABBREVIATED_KEYS = [  # the abbreviated discovery keys the light/switch parsers read
    "cmd_t",
    "stat_t",
    "name",
    "pl_on",
    "pl_off",
    "stat_on",
    "stat_off",
    "val_tpl",
    "stat_val_tpl",
    "schema",
    "~",
    "avty",
    "avty_t",
    "avty_mode",
    "dev",
    "uniq_id",
    "opt",
    "ret",
    "o",
    "pl_avail",
]


def test_random_configs_never_raise_anything_but_discovery_error() -> None:
    """A property test without hypothesis (not installed here): 3000 seeded random configs."""
    rng = random.Random(20240611)
    outcomes = {"ok": 0, "error": 0, "other": 0}
    for _ in range(3000):
        config: dict[str, Any] = {k: _random_value(rng) for k in rng.sample(ABBREVIATED_KEYS, rng.randint(0, 8))}
        if rng.random() < 0.5:
            config["cmd_t"] = rng.choice(["~/set", "a/set", "x"])
        component = rng.choice(["light", "switch", "fan"])
        try:
            result = parse_discovery(f"homeassistant/{component}/r/config", json.dumps(config))
        except DiscoveryError as exc:
            assert exc.reason
            outcomes["error"] += 1
            continue
        if isinstance(result, Discovered):
            e = result.entity
            assert e.command_topic and "+" not in e.command_topic and "#" not in e.command_topic
            assert isinstance(e.name, str) and e.name
            assert all(isinstance(a.topic, str) and a.topic for a in e.availability)
            outcomes["ok"] += 1
        else:
            outcomes["other"] += 1
    assert outcomes["ok"] > 100 and outcomes["error"] > 100  # both paths were exercised
