"""Every domain on real discovery payloads (Zigbee2MQTT, Tasmota, ESPHome, Home Assistant docs): parse, command, state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edge.devices import CommandError, Discovered, Entity, Registry, build_command, parse_discovery
from edge.devices.details import ClimateDetail, CoverDetail, LightDetail
from edge.devices.domains import read_update

BRIDGE = [{"topic": "zigbee2mqtt/bridge/state", "value_template": "{{ value_json.state }}"}]


def entity_of(component: str, payload: Any, object_id: str = "x") -> Entity:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    result = parse_discovery(f"homeassistant/{component}/{object_id}/config", raw)
    assert isinstance(result, Discovered), result
    return result.entity


# --- light ---------------------------------------------------------------------------------------

Z2M_HUE = {
    "availability": BRIDGE,
    "brightness": True,
    "brightness_scale": 254,
    "command_topic": "zigbee2mqtt/Hue/set",
    "device": {"identifiers": ["zigbee2mqtt_0x0017880104e45517"], "name": "Hue", "suggested_area": "Lounge"},
    "max_mireds": 500,
    "min_mireds": 153,
    "name": None,
    "schema": "json",
    "state_topic": "zigbee2mqtt/Hue",
    "supported_color_modes": ["xy", "color_temp"],
    "unique_id": "0x0017880104e45517_light_zigbee2mqtt",
}

TASMOTA_DIMMER = (
    '{"name":"Bulb","cmd_t":"~cmnd/POWER","stat_t":"~tele/STATE","val_tpl":"{{value_json.POWER}}",'
    '"pl_off":"OFF","pl_on":"ON","avty_t":"~tele/LWT","pl_avail":"Online","pl_not_avail":"Offline",'
    '"uniq_id":"1A2B3C_LI_1","dev":{"ids":["1A2B3C"]},"~":"tasmota_1A2B3C/","bri_cmd_t":"~cmnd/Dimmer",'
    '"bri_stat_t":"~tele/STATE","bri_scl":100,"on_cmd_type":"brightness","bri_val_tpl":"{{value_json.Dimmer}}"}'
)


def test_zigbee2mqtt_colour_light() -> None:
    e = entity_of("light", Z2M_HUE)
    assert e.features == {"on_off", "brightness", "color_temp", "rgb_color"}
    assert isinstance(e.detail, LightDetail) and (e.detail.min_kelvin, e.detail.max_kelvin) == (2000, 6536)
    body = json.loads(build_command(e, "turn_on", {"brightness_pct": 50, "color_temp_kelvin": 2700}).payload)
    assert body == {"state": "ON", "brightness": 127, "color_temp": 370}
    body = json.loads(build_command(e, "turn_on", {"rgb_color": [255, 0, 0]}).payload)
    assert set(body["color"]) == {"x", "y"} and body["color"]["x"] == pytest.approx(0.7006, abs=1e-3)
    report = (
        '{"brightness":254,"color":{"x":0.46,"y":0.41,"hue":35,"saturation":70},'
        '"color_mode":"color_temp","color_temp":370,"state":"ON","linkquality":87}'
    )
    changes = read_update(e, e.state_topic, report)
    assert changes == {"value": "on", "brightness_pct": 100, "color_temp_kelvin": 2703}
    xy = read_update(e, e.state_topic, '{"state":"ON","color_mode":"xy","color":{"x":0.7006,"y":0.2993}}')
    r, g, b = xy["rgb_color"]
    assert r == 255 and g < 40 and b < 40
    cmd = build_command(e, "turn_on", {"brightness_pct": 50})
    assert cmd.expected == (("brightness_pct", 50),) and cmd.expected_state == "on"


def test_tasmota_dimmer_sends_only_the_dimmer_and_reads_both_from_one_topic() -> None:
    e = entity_of("light", TASMOTA_DIMMER)
    cmd = build_command(e, "turn_on", {"brightness_pct": 40})
    assert [(m.topic, m.payload) for m in cmd.publishes] == [("tasmota_1A2B3C/cmnd/Dimmer", "40")]
    assert [(m.topic, m.payload) for m in build_command(e, "turn_on").publishes] == [
        ("tasmota_1A2B3C/cmnd/Dimmer", "100")
    ]
    assert build_command(e, "turn_off").payload == "OFF"
    assert e.state_topics == ("tasmota_1A2B3C/tele/STATE",)
    assert read_update(e, "tasmota_1A2B3C/tele/STATE", '{"POWER":"ON","Dimmer":40}') == {
        "value": "on",
        "brightness_pct": 40,
    }
    assert build_command(e, "turn_on", {"brightness_pct": 0}).payload == "OFF"  # 0 % is off, as in Home Assistant


def test_default_schema_light_topic_per_attribute_and_command_order() -> None:
    config = {
        "cmd_t": "l/set",
        "stat_t": "l",
        "bri_cmd_t": "l/bri/set",
        "bri_stat_t": "l/bri",
        "clr_temp_cmd_t": "l/ct/set",
        "clr_temp_stat_t": "l/ct",
        "rgb_cmd_t": "l/rgb/set",
        "rgb_stat_t": "l/rgb",
    }
    e = entity_of("light", config)
    cmd = build_command(e, "turn_on", {"brightness": 128, "color_temp_kelvin": 4000, "rgb_color": (1, 2, 3)})
    assert [(m.topic, m.payload) for m in cmd.publishes] == [
        ("l/rgb/set", "1,2,3"),
        ("l/ct/set", "250"),
        ("l/bri/set", "128"),
        ("l/set", "ON"),  # on_command_type last
    ]
    assert (cmd.topic, cmd.payload) == ("l/set", "ON")
    first = entity_of("light", {**config, "on_cmd_type": "first"})
    assert build_command(first, "turn_on", {"brightness_pct": 10}).publishes[0].payload == "ON"
    assert read_update(e, "l/ct", "250") == {"color_temp_kelvin": 4000}
    assert read_update(e, "l/rgb", "10,20,30") == {"rgb_color": (10, 20, 30)}
    assert read_update(e, "l/rgb", "10,20") == {} and read_update(e, "l/bri", "bright") == {}
    assert read_update(e, "l/bri", "255") == {"brightness_pct": 100}


@pytest.mark.parametrize(
    "data",
    [
        {"brightness_pct": 101},
        {"brightness": -1},
        {"rgb_color": [1, 2]},
        {"rgb_color": "red"},
        {"color_temp_kelvin": 5.5},
        {"brightness": 3, "brightness_pct": 3},
        {"flash": "short"},
    ],
)
def test_light_rejects_bad_data(data: dict[str, Any]) -> None:
    e = entity_of("light", Z2M_HUE)
    with pytest.raises(CommandError):
        build_command(e, "turn_on", data)


def test_plain_light_cannot_be_dimmed_or_coloured() -> None:
    e = entity_of("light", {"cmd_t": "p/set", "stat_t": "p"})
    for data in ({"brightness_pct": 50}, {"rgb_color": [1, 2, 3]}, {"color_temp_kelvin": 3000}):
        with pytest.raises(CommandError):
            build_command(e, "turn_on", data)


def test_toggle_follows_the_current_state() -> None:
    e = entity_of("switch", {"cmd_t": "s/set", "stat_t": "s"})
    assert build_command(e, "toggle", current_state="on").payload == "OFF"
    assert build_command(e, "toggle", current_state="off").payload == "ON"
    assert build_command(e, "toggle").payload == "ON"  # unknown: on


# --- fan -----------------------------------------------------------------------------------------

HA_DOCS_FAN = {
    "name": "Bedroom Fan",
    "command_topic": "bedroom_fan/on/set",
    "state_topic": "bedroom_fan/on/state",
    "percentage_command_topic": "bedroom_fan/speed/percentage",
    "percentage_state_topic": "bedroom_fan/speed/percentage_state",
    "speed_range_min": 1,
    "speed_range_max": 3,
    "payload_on": "true",
    "payload_off": "false",
    "unique_id": "bedroom_fan",
}


def test_fan_percentage_is_scaled_to_the_speed_range() -> None:
    e = entity_of("fan", HA_DOCS_FAN)
    assert e.features == {"on_off", "percentage"}
    cmd = build_command(e, "turn_on", {"percentage": 50})
    assert [(m.topic, m.payload) for m in cmd.publishes] == [
        ("bedroom_fan/on/set", "true"),
        ("bedroom_fan/speed/percentage", "2"),
    ]
    assert cmd.expected == (("percentage", 66),)
    assert build_command(e, "set_percentage", {"percentage": 100}).publishes[-1].payload == "3"
    assert build_command(e, "set_percentage", {"percentage": 0}).payload == "false"
    assert read_update(e, "bedroom_fan/speed/percentage_state", "2") == {"percentage": 66}
    assert read_update(e, "bedroom_fan/speed/percentage_state", "0") == {"percentage": 0}
    assert read_update(e, "bedroom_fan/speed/percentage_state", "7") == {}
    assert read_update(e, "bedroom_fan/on/state", "true") == {"value": "on"}
    with pytest.raises(CommandError):
        build_command(e, "turn_on", {"percentage": 150})


# --- climate -------------------------------------------------------------------------------------

Z2M_TRV = {
    "action_template": "{% set values = {None:None,'idle':'idle','heat':'heating'} %}{{ values[value_json.running_state] }}",
    "action_topic": "zigbee2mqtt/TRV",
    "availability": BRIDGE,
    "current_temperature_template": "{{ value_json.local_temperature }}",
    "current_temperature_topic": "zigbee2mqtt/TRV",
    "device": {
        "identifiers": ["zigbee2mqtt_0x0c4314fffe1ba0e2"],
        "name": "TRV",
        "model": "Thermostatic radiator valve (TS0601)",
    },
    "max_temp": "35",
    "min_temp": "5",
    "mode_command_topic": "zigbee2mqtt/TRV/set/system_mode",
    "mode_state_template": "{{ value_json.system_mode }}",
    "mode_state_topic": "zigbee2mqtt/TRV",
    "modes": ["off", "auto", "heat"],
    "name": None,
    "object_id": "trv",
    "temp_step": 0.5,
    "temperature_command_topic": "zigbee2mqtt/TRV/set/current_heating_setpoint",
    "temperature_state_template": "{{ value_json.current_heating_setpoint }}",
    "temperature_state_topic": "zigbee2mqtt/TRV",
    "temperature_unit": "C",
    "unique_id": "0x0c4314fffe1ba0e2_climate_zigbee2mqtt",
}


def test_zigbee2mqtt_thermostat() -> None:
    e = entity_of("climate", Z2M_TRV)
    assert isinstance(e.detail, ClimateDetail) and (e.detail.min_temp, e.detail.max_temp, e.detail.temp_step) == (
        5,
        35,
        0.5,
    )
    assert e.unit == "°C" and not e.optimistic and e.state_topics == ("zigbee2mqtt/TRV",)
    assert e.features == {"target_temperature", "current_temperature", "hvac_mode", "on_off"}
    cmd = build_command(e, "set_temperature", {"temperature": 21.3})
    assert (cmd.topic, cmd.payload, cmd.expected, cmd.optimistic) == (
        "zigbee2mqtt/TRV/set/current_heating_setpoint",
        "21.5",
        (("target_temperature", 21.5),),
        False,
    )
    mode = build_command(e, "set_hvac_mode", {"hvac_mode": "heat"})
    assert (mode.topic, mode.payload, mode.expected_state) == ("zigbee2mqtt/TRV/set/system_mode", "heat", "heat")
    assert build_command(e, "turn_off").payload == "off" and build_command(e, "turn_on").payload == "heat"
    report = '{"local_temperature":19.5,"current_heating_setpoint":21.5,"system_mode":"heat","running_state":"heat"}'
    assert read_update(e, "zigbee2mqtt/TRV", report) == {
        "value": "heat",
        "hvac_mode": "heat",
        "target_temperature": 21.5,
        "current_temperature": 19.5,
        "unit": "°C",
    }
    assert read_update(e, "zigbee2mqtt/TRV", '{"system_mode":"eco"}') == {}  # not one of its modes
    for bad in ({"temperature": 40}, {"temperature": "warm"}, {}, {"temperature": 20, "fan": 1}):
        with pytest.raises(CommandError):
            build_command(e, "set_temperature", bad)
    with pytest.raises(CommandError):
        build_command(e, "set_hvac_mode", {"hvac_mode": "cool"})


def test_thermostat_without_state_topics_is_optimistic_per_attribute() -> None:
    e = entity_of("climate", {"name": "T", "temp_cmd_t": "t/set", "curr_temp_t": "t/cur"})
    assert build_command(e, "set_temperature", {"temperature": 20}).optimistic
    assert not build_command(e, "set_temperature", {"temperature": 20}).confirmable
    with pytest.raises(CommandError):
        build_command(e, "set_hvac_mode", {"hvac_mode": "heat"})


# --- cover ---------------------------------------------------------------------------------------

Z2M_BLIND = {
    "availability": BRIDGE,
    "command_topic": "zigbee2mqtt/Blind/set",
    "device": {"identifiers": ["zigbee2mqtt_0xa4c138a2b3c4d5e6"], "name": "Blind", "suggested_area": "Study"},
    "name": None,
    "position_template": "{{ value_json.position }}",
    "position_topic": "zigbee2mqtt/Blind",
    "set_position_template": '{ "position": {{ position }} }',
    "set_position_topic": "zigbee2mqtt/Blind/set",
    "state_topic": "zigbee2mqtt/Blind",
    "value_template": "{{ value_json.state }}",
    "state_open": "OPEN",
    "state_closed": "CLOSE",
    "state_stopped": "STOP",
    "device_class": "blind",
    "unique_id": "0xa4c138a2b3c4d5e6_cover_zigbee2mqtt",
}


def test_zigbee2mqtt_blind() -> None:
    e = entity_of("cover", Z2M_BLIND)
    assert e.device_class == "blind" and isinstance(e.detail, CoverDetail)
    assert e.features == {"open", "close", "stop", "set_position", "reports_position"}
    pos = build_command(e, "set_cover_position", {"position": 40})
    assert (pos.topic, json.loads(pos.payload), pos.expected) == (
        "zigbee2mqtt/Blind/set",
        {"position": 40},
        (("position", 40),),
    )
    assert "opening" in pos.progress_states
    opened = build_command(e, "open_cover")
    assert (opened.payload, opened.expected_state, opened.progress_states) == ("OPEN", "open", ("opening",))
    assert build_command(e, "close_cover").payload == "CLOSE" and build_command(e, "stop_cover").payload == "STOP"
    assert read_update(e, "zigbee2mqtt/Blind", '{"position": 40, "state": "OPEN"}') == {"position": 40, "value": "open"}
    assert read_update(e, "zigbee2mqtt/Blind", '{"position": 0, "state": "STOP"}') == {"position": 0, "value": "closed"}
    assert read_update(e, "zigbee2mqtt/Blind", '{"state": "STOP"}', position=30) == {"value": "open"}


def test_garage_door_without_position_and_inverted_position_scale() -> None:
    garage = entity_of(
        "cover", {"name": "Garage", "cmd_t": "g/set", "stat_t": "g/state", "dev_cla": "garage", "pl_stop": None}
    )
    assert garage.features == {"open", "close"} and garage.device_class == "garage"
    assert read_update(garage, "g/state", "opening") == {"value": "opening"}
    assert read_update(garage, "g/state", "half") == {}
    with pytest.raises(CommandError):
        build_command(garage, "stop_cover")
    with pytest.raises(CommandError):
        build_command(garage, "set_cover_position", {"position": 50})
    assert build_command(garage, "set_cover_position", {"position": 100}).payload == "OPEN"
    # A position-only cover with 255 = closed (some Tuya devices): state from the position.
    inv = entity_of("cover", {"name": "Awning", "set_pos_t": "a/set", "pos_t": "a/pos", "pos_open": 0, "pos_clsd": 255})
    assert build_command(inv, "set_cover_position", {"position": 100}).payload == "0"
    assert build_command(inv, "open_cover").payload == "0"  # no command topic: open = position 100
    assert read_update(inv, "a/pos", "255") == {"position": 0, "value": "closed"}
    assert read_update(inv, "a/pos", "51") == {"position": 80, "value": "open"}


# --- lock ----------------------------------------------------------------------------------------

Z2M_LOCK = {
    "availability": BRIDGE,
    "command_topic": "zigbee2mqtt/Front Lock/set",
    "device": {"identifiers": ["zigbee2mqtt_0x000d6f0011223344"], "name": "Front Lock"},
    "name": None,
    "payload_lock": "LOCK",
    "payload_unlock": "UNLOCK",
    "state_locked": "LOCK",
    "state_unlocked": "UNLOCK",
    "state_topic": "zigbee2mqtt/Front Lock",
    "unique_id": "0x000d6f0011223344_lock_zigbee2mqtt",
    "value_template": "{{ value_json.state }}",
}


def test_zigbee2mqtt_lock() -> None:
    e = entity_of("lock", Z2M_LOCK)
    cmd = build_command(e, "lock")
    assert (cmd.payload, cmd.expected_state, cmd.progress_states) == ("LOCK", "locked", ("locking",))
    assert build_command(e, "unlock").expected_state == "unlocked"
    assert read_update(e, e.state_topic, '{"state": "LOCK", "battery": 90}') == {"value": "locked"}
    assert read_update(e, e.state_topic, '{"state": "UNLOCK"}') == {"value": "unlocked"}
    with pytest.raises(CommandError):
        build_command(e, "open")  # no payload_open
    plain = entity_of("lock", {"cmd_t": "l/set", "stat_t": "l", "pl_open": "OPEN"})
    assert read_update(plain, "l", "JAMMED") == {"value": "jammed"} and build_command(plain, "open").payload == "OPEN"


# --- sensors -------------------------------------------------------------------------------------

Z2M_TEMPERATURE = {
    "availability": BRIDGE,
    "device": {"identifiers": ["zigbee2mqtt_0x00158d0003a1b2c3"], "name": "Weather", "model": "Aqara WSDCGQ11LM"},
    "device_class": "temperature",
    "enabled_by_default": True,
    "name": "Temperature",
    "object_id": "weather_temperature",
    "state_class": "measurement",
    "state_topic": "zigbee2mqtt/Weather",
    "unique_id": "0x00158d0003a1b2c3_temperature_zigbee2mqtt",
    "unit_of_measurement": "°C",
    "value_template": "{{ value_json.temperature }}",
}
Z2M_HUMIDITY = {
    **Z2M_TEMPERATURE,
    "device_class": "humidity",
    "name": "Humidity",
    "unit_of_measurement": "%",
    "unique_id": "0x00158d0003a1b2c3_humidity_zigbee2mqtt",
    "value_template": "{{ value_json.humidity }}",
}
Z2M_CONTACT = {
    "availability": BRIDGE,
    "device": {"identifiers": ["zigbee2mqtt_0x00158d0004aabbcc"], "name": "Back Door"},
    "device_class": "door",
    "name": None,
    "payload_off": True,
    "payload_on": False,
    "state_topic": "zigbee2mqtt/Back Door",
    "unique_id": "0x00158d0004aabbcc_contact_zigbee2mqtt",
    "value_template": "{{ value_json.contact }}",
}
TASMOTA_SENSOR = (
    '{"name":"Tasmota AM2301 Temperature","stat_t":"tele/tasmota_5A1B2C/SENSOR","avty_t":"tele/tasmota_5A1B2C/LWT",'
    '"pl_avail":"Online","pl_not_avail":"Offline","uniq_id":"5A1B2C_AM2301_Temperature","dev":{"ids":["5A1B2C"]},'
    '"unit_of_meas":"°C","dev_cla":"temperature","frc_upd":true,"val_tpl":"{{value_json[\'AM2301\'].Temperature}}"}'
)
TASMOTA_SWITCH_INPUT = (
    '{"name":"Window","stat_t":"tasmota_5A1B2C/stat/SWITCH1","avty_t":"tasmota_5A1B2C/tele/LWT","pl_avail":"Online",'
    '"pl_not_avail":"Offline","uniq_id":"5A1B2C_switch_1","dev":{"ids":["5A1B2C"]},"dev_cla":"window","frc_upd":true,'
    '"val_tpl":"{{value_json.STATE}}","pl_on":"ON","pl_off":"OFF"}'
)


def test_zigbee2mqtt_sensors_share_one_topic() -> None:
    reg = Registry()
    reg.add(entity_of("sensor", Z2M_TEMPERATURE, "t"))
    reg.add(entity_of("sensor", Z2M_HUMIDITY, "h"))
    reg.apply_message("zigbee2mqtt/Weather", '{"battery":97,"humidity":64.2,"temperature":21.37,"voltage":3005}')
    t = reg.state_record("0x00158d0003a1b2c3_temperature_zigbee2mqtt")
    h = reg.state_record("0x00158d0003a1b2c3_humidity_zigbee2mqtt")
    assert (t.value, t.unit, h.value, h.unit) == ("21.37", "°C", "64.2", "%")
    reg.apply_message("zigbee2mqtt/Weather", '{"temperature": "error"}')  # not a number: the reading stays
    assert reg.state("0x00158d0003a1b2c3_temperature_zigbee2mqtt") == "21.37"
    e = reg.get("0x00158d0003a1b2c3_temperature_zigbee2mqtt")
    assert e is not None and (e.device_class, e.unit, e.name, e.features) == (
        "temperature",
        "°C",
        "Temperature",
        frozenset(),
    )
    assert e.aliases == ("Weather Temperature",)
    with pytest.raises(CommandError):
        build_command(e, "turn_on")


def test_zigbee2mqtt_contact_sensor_with_boolean_payloads() -> None:
    e = entity_of("binary_sensor", Z2M_CONTACT)
    assert (e.payload_on, e.payload_off, e.device_class) == ("False", "True", "door")
    assert read_update(e, e.state_topic, '{"contact": false, "battery": 100}') == {"value": "on"}  # open
    assert read_update(e, e.state_topic, '{"contact": true}') == {"value": "off"}


def test_tasmota_sensor_and_switch_input() -> None:
    t = entity_of("sensor", TASMOTA_SENSOR)
    assert (t.unit, t.device_class, t.state_topic) == ("°C", "temperature", "tele/tasmota_5A1B2C/SENSOR")
    assert read_update(
        t, t.state_topic, '{"Time":"2024-01-01T10:00:00","AM2301":{"Temperature":22.1,"Humidity":40.3}}'
    ) == {"value": "22.1", "unit": "°C"}
    w = entity_of("binary_sensor", TASMOTA_SWITCH_INPUT)
    assert w.device_class == "window" and read_update(w, w.state_topic, '{"STATE":"ON"}') == {"value": "on"}


@pytest.mark.parametrize("payload", ["unknown", "unavailable", "", "None"])
def test_sensor_without_a_reading(payload: str) -> None:
    e = entity_of("sensor", {"stat_t": "s", "name": "Mode", "val_tpl": "{{ value }}"})
    assert read_update(e, "s", payload) == {}
    assert read_update(e, "s", "eco") == {"value": "eco", "unit": ""}  # no unit: any text is a reading


# --- button, scene -------------------------------------------------------------------------------


def test_esphome_button_and_ha_docs_scene_are_optimistic() -> None:
    button = entity_of(
        "button",
        {
            "name": "Restart",
            "cmd_t": "esp/button/restart/command",
            "avty_t": "esp/status",
            "uniq_id": "ESPbuttonrestart",
            "dev_cla": "restart",
            "dev": {"ids": "240ac4", "name": "esp"},
        },
    )
    assert button.optimistic and button.features == {"press"} and button.device_class == "restart"
    press = build_command(button, "press")
    assert (press.payload, press.expected_state, press.confirmable) == ("PRESS", None, False)
    scene = entity_of(
        "scene",
        {
            "name": "Living room",
            "unique_id": "living_room_scene",
            "command_topic": "home/living_room/scene/set",
            "payload_on": "ON",
            "availability_topic": "home/living_room/scene/available",
        },
    )
    assert build_command(scene, "activate").payload == "ON" and build_command(scene, "turn_on").payload == "ON"
    for entity, service in ((button, "turn_on"), (scene, "press"), (scene, "turn_off")):
        with pytest.raises(CommandError):
            build_command(entity, service)


@pytest.mark.parametrize(
    ("component", "payload", "reason"),
    [
        ("sensor", {"name": "s"}, "state_topic is missing"),
        ("binary_sensor", {"stat_t": "a/#/b"}, "state_topic"),
        ("cover", {"stat_t": "c"}, "command_topic is missing"),
        ("cover", {"cmd_t": "c", "pos_open": 5, "pos_clsd": 5}, "must differ"),
        ("fan", {"cmd_t": "f", "spd_rng_min": 5, "spd_rng_max": 2}, "speed_range"),
        ("fan", {"cmd_t": "f", "spd_rng_max": "fast"}, "number"),
        ("climate", {"temp_cmd_t": "t", "modes": ["heat", "party"]}, "unknown HVAC modes"),
        ("climate", {"temp_cmd_t": "t", "modes": "heat"}, "list of strings"),
        ("climate", {"temp_cmd_t": "t", "temp_unit": "K"}, "temperature_unit"),
        ("climate", {"temp_cmd_t": "t", "min_temp": 30, "max_temp": 10}, "min_temp"),
        ("light", {"cmd_t": "l", "bri_scl": 0}, "brightness_scale"),
        ("light", {"cmd_t": "l", "on_cmd_type": "sometimes"}, "on_command_type"),
        ("lock", {"stat_t": "l"}, "command_topic is missing"),
        ("button", {"cmd_t": "b/+"}, "wildcard"),
        ("scene", {"name": "s"}, "command_topic is missing"),
    ],
)
def test_malformed_configs_of_every_domain(component: str, payload: dict[str, Any], reason: str) -> None:
    from edge.devices import DiscoveryError

    with pytest.raises(DiscoveryError) as info:
        parse_discovery(f"homeassistant/{component}/bad/config", json.dumps(payload))
    assert reason.lower() in info.value.reason.lower(), info.value.reason
