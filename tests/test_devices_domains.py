"""Per-domain commands and state reading, and the value template subset."""

from __future__ import annotations

import json

import pytest

from edge.devices import CommandError, Discovered, Entity, build_command, parse_discovery
from edge.devices.domains import read_state
from edge.devices.templates import TemplateError, compile_template, render, template_supported


def make(component: str, config: dict[str, object]) -> Entity:
    result = parse_discovery(f"homeassistant/{component}/t/config", json.dumps(config))
    assert isinstance(result, Discovered)
    return result.entity


@pytest.mark.parametrize(
    ("template", "payload", "expected"),
    [
        ("{{ value_json.state }}", '{"state": "ON", "brightness": 3}', "ON"),
        ("{{value_json.POWER}}", '{"Time": "x", "POWER": "OFF"}', "OFF"),
        ("{{ value_json['state'] }}", '{"state": "ON"}', "ON"),
        ('{{ value_json["a"].b[1] }}', '{"a": {"b": ["x", "y"]}}', "y"),
        ("{{ value_json.state | lower }}", '{"state": "ON"}', "on"),
        ("{{ value | upper | trim }}", " on ", "ON"),
        ("{{ value }}", "raw", "raw"),
        ("{{ value_json.on }}", '{"on": true}', "True"),
        ("{{ value_json.level }}", '{"level": 42}', "42"),
        ("{{ value_json.state }}", '{"other": 1}', None),
        ("{{ value_json.state }}", "not json", None),
        ("{{ value_json[3] }}", "[1]", None),
        ("", "as is", "as is"),
    ],
)
def test_template_subset(template: str, payload: str, expected: str | None) -> None:
    assert render(template, payload) == expected


@pytest.mark.parametrize(
    "template",
    [
        "{{ 'ON' if value_json.state else 'OFF' }}",
        "{% if value %}x{% endif %}",
        "{{ states('x') }}",
        "{{ value_json.state | int }}",
        "value_json.state",
        "{{ value.x }}",
    ],
)
def test_unsupported_templates_are_rejected(template: str) -> None:
    with pytest.raises(TemplateError):
        compile_template(template)
    assert not template_supported(template)
    assert render(template, '{"state": "ON"}') is None


def test_default_light_commands_and_state() -> None:
    e = make("light", {"cmd_t": "l/set", "stat_t": "l", "pl_on": "on", "pl_off": "off"})
    on = build_command(e, "turn_on")
    assert (on.topic, on.payload, on.expected_state, on.retain) == ("l/set", "on", "on", False)
    assert build_command(e, "turn_off").payload == "off"
    assert read_state(e, "on") == "on" and read_state(e, "off") == "off"
    assert read_state(e, "ON") is None  # not this device's vocabulary


def test_json_light_commands_and_state() -> None:
    e = make("light", {"schema": "json", "cmd_t": "j/set", "stat_t": "j"})
    assert json.loads(build_command(e, "turn_on").payload) == {"state": "ON"}
    assert json.loads(build_command(e, "turn_off").payload) == {"state": "OFF"}
    assert json.loads(build_command(e, "turn_on", {"brightness": 128}).payload) == {"state": "ON", "brightness": 128}
    assert read_state(e, '{"state": "ON", "brightness": 10}') == "on"
    assert read_state(e, '{"state": "OFF"}') == "off"
    assert read_state(e, '{"brightness": 10}') is None
    assert read_state(e, "garbage") is None
    with pytest.raises(CommandError):
        build_command(e, "turn_on", {"brightness": 300})
    with pytest.raises(CommandError):
        build_command(e, "turn_off", {"brightness": 3})


def test_switch_state_on_differs_from_payload() -> None:
    e = make("switch", {"cmd_t": "s/set", "stat_t": "s", "stat_on": "running", "stat_off": "idle", "ret": True})
    on = build_command(e, "turn_on")
    assert (on.payload, on.expected_state, on.retain) == ("ON", "on", True)
    assert read_state(e, "running") == "on" and read_state(e, "idle") == "off" and read_state(e, "ON") is None


def test_tasmota_state_through_template() -> None:
    e = make("switch", {"cmd_t": "t/cmnd/POWER", "stat_t": "t/tele/STATE", "val_tpl": "{{value_json.POWER}}"})
    assert read_state(e, '{"Time":"2024-01-01T00:00:00","Uptime":"0T00:01:02","POWER":"ON"}') == "on"
    assert read_state(e, '{"Time":"2024-01-01T00:00:00","Dimmer":40}') is None


@pytest.mark.parametrize("service", ["lock", "open_cover", "set_temperature", "press"])
def test_unsupported_services_raise(service: str) -> None:
    e = make("light", {"cmd_t": "l/set"})
    with pytest.raises(CommandError) as info:
        build_command(e, service)
    assert info.value.code == "command" and service in str(info.value)


def test_plain_payload_lights_take_no_data() -> None:
    e = make("switch", {"cmd_t": "s/set"})
    with pytest.raises(CommandError):
        build_command(e, "turn_on", {"brightness": 10})
