"""MQTT sensor (a reading and its unit) and binary_sensor (on / off; for doors and windows on = open).

Sensors take no commands. A sensor's normalised state is its reading as text
("21.5"), kept numeric-only when it has a unit or a numeric device class.
"""

from __future__ import annotations

from typing import Any, Mapping

from edge.devices.details import SensorDetail
from edge.devices.domains.base import (
    Command,
    StateChanges,
    get_payload,
    get_str,
    get_topic,
    matches,
    read_on_off,
    to_number,
    unsupported,
)
from edge.devices.entity import Entity
from edge.devices.templates import render

_NOT_A_READING = frozenset({"", "unknown", "unavailable", "None", "none", "null"})
# Device classes whose readings are numbers (Home Assistant's SensorDeviceClass, the common ones).
NUMERIC_CLASSES = frozenset(
    "temperature humidity pressure illuminance battery power energy voltage current co2 pm25 pm10 "
    "carbon_dioxide moisture signal_strength speed wind_speed precipitation".split()
)


class Sensor:
    name = "sensor"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        unit = get_str(config, "unit_of_measurement")
        device_class = get_str(config, "device_class")
        return {
            "state_topic": get_topic(config, "state_topic", required=True),
            "value_template": get_str(config, "value_template"),
            "device_class": device_class,
            "unit": unit,
            "detail": SensorDetail(
                state_class=get_str(config, "state_class"),
                numeric=bool(unit) or device_class in NUMERIC_CLASSES,
            ),
            "features": frozenset(),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        raise unsupported(entity, service)

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        if not matches(entity.state_topic, topic):
            return {}
        text = render(entity.value_template, payload)
        if text is None or text.strip() in _NOT_A_READING:
            return {}
        text = text.strip()
        numeric = isinstance(entity.detail, SensorDetail) and entity.detail.numeric
        if numeric:
            number = to_number(text)
            if number is None:
                return {}
            text = str(int(number)) if number.is_integer() and "." not in text else str(number)
        return {"value": text, "unit": entity.unit}

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return self.read(entity, entity.state_topic, payload).get("value")


class BinarySensor:
    name = "binary_sensor"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        on = get_payload(config, "payload_on", "ON")
        off = get_payload(config, "payload_off", "OFF")
        return {
            "state_topic": get_topic(config, "state_topic", required=True),
            "value_template": get_str(config, "value_template"),
            "payload_on": on,
            "payload_off": off,
            "state_on": on,
            "state_off": off,
            "device_class": get_str(config, "device_class"),
            "features": frozenset(),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        raise unsupported(entity, service)

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        if not matches(entity.state_topic, topic):
            return {}
        value = read_on_off(entity, payload)
        return {} if value is None else {"value": value}

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return read_on_off(entity, payload)
