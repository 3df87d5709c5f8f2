"""MQTT switch: payload_on / payload_off out, state_on / state_off (default: the payloads) back."""

from __future__ import annotations

from typing import Any, Mapping

from edge.devices import details
from edge.devices.domains.base import Command, StateChanges, get_str, get_topic, matches, payload_command, read_on_off
from edge.devices.entity import Entity


class Switch:
    name = "switch"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        on = get_str(config, "payload_on", "ON")
        off = get_str(config, "payload_off", "OFF")
        return {
            "command_topic": get_topic(config, "command_topic", required=True, publish=True),
            "state_topic": get_topic(config, "state_topic"),
            "payload_on": on,
            "payload_off": off,
            "state_on": get_str(config, "state_on", on),
            "state_off": get_str(config, "state_off", off),
            "value_template": get_str(config, "value_template"),
            "device_class": get_str(config, "device_class"),
            "features": frozenset({details.ON_OFF}),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        return payload_command(entity, service, data)

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        if not matches(entity.state_topic, topic):
            return {}
        value = read_on_off(entity, payload)
        return {} if value is None else {"value": value}

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return read_on_off(entity, payload)
