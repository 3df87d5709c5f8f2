"""MQTT fan: on/off and a speed as a percentage, scaled to the device's ``speed_range_min..max``."""

from __future__ import annotations

import math
from typing import Any, Mapping

from edge.devices import details
from edge.devices.details import FanDetail
from edge.devices.domains.base import (
    SET_PERCENTAGE,
    TURN_ON,
    Command,
    ConfigProblem,
    Publish,
    StateChanges,
    get_int,
    get_str,
    get_topic,
    int_arg,
    matches,
    no_data,
    on_off_service,
    read_on_off,
    to_number,
    unsupported,
)
from edge.devices.entity import OFF, ON, Entity
from edge.devices.templates import render


def percentage_to_ranged(low: int, high: int, percentage: int) -> int:
    """Home Assistant's rule: the device value for a percentage, rounded up."""
    return math.ceil((high - low + 1) * percentage / 100 + low - 1)


def ranged_to_percentage(low: int, high: int, value: float) -> int:
    return int((value - low + 1) * 100 // (high - low + 1))


class Fan:
    name = "fan"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        on = get_str(config, "payload_on", "ON")
        off = get_str(config, "payload_off", "OFF")
        low = get_int(config, "speed_range_min", 1)
        high = get_int(config, "speed_range_max", 100)
        if not 1 <= low <= high:
            raise ConfigProblem(f"speed_range_min..speed_range_max must be 1 <= min <= max, got {low}..{high}")
        detail = FanDetail(
            percentage_command_topic=get_topic(config, "percentage_command_topic", publish=True),
            percentage_state_topic=get_topic(config, "percentage_state_topic"),
            percentage_value_template=get_str(config, "percentage_value_template"),
            speed_range_min=low,
            speed_range_max=high,
            payload_reset_percentage=get_str(config, "payload_reset_percentage", "None"),
        )
        features = {details.ON_OFF} | ({details.PERCENTAGE} if detail.percentage_command_topic else set())
        return {
            "command_topic": get_topic(config, "command_topic", required=True, publish=True),
            "state_topic": get_topic(config, "state_topic"),
            "payload_on": on,
            "payload_off": off,
            "state_on": on,
            "state_off": off,
            "value_template": get_str(config, "state_value_template"),
            "detail": detail,
            "features": frozenset(features),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        detail = entity.detail if isinstance(entity.detail, FanDetail) else FanDetail()
        if service == SET_PERCENTAGE:
            if "percentage" not in data:
                raise unsupported(entity, f"{service} without a percentage")
            service = TURN_ON
        expected = on_off_service(entity, service)
        no_data(entity, service, data, frozenset({"percentage"}) if expected == ON else frozenset())
        if expected == OFF:
            return Command(entity.command_topic, entity.payload_off, OFF, entity.retain, optimistic=entity.optimistic)
        on = Publish(entity.command_topic, entity.payload_on, entity.retain)
        if "percentage" not in data:
            return Command(on.topic, on.payload, ON, entity.retain, optimistic=entity.optimistic)
        if details.PERCENTAGE not in entity.features:
            raise unsupported(entity, "a speed percentage")
        pct = int_arg(data, "percentage", 0, 100)
        if pct == 0:
            return self.command(entity, "turn_off", {})
        low, high = detail.speed_range_min, detail.speed_range_max
        value = percentage_to_ranged(low, high, pct)
        speed = Publish(detail.percentage_command_topic, str(value), entity.retain)
        expected_attrs = (("percentage", ranged_to_percentage(low, high, value)),) if detail.percentage_state_topic else ()
        return Command(
            on.topic,
            on.payload,
            ON,
            entity.retain,
            messages=(on, speed),
            expected=expected_attrs,
            optimistic=entity.optimistic,
        )

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        detail = entity.detail if isinstance(entity.detail, FanDetail) else FanDetail()
        changes: StateChanges = {}
        if matches(entity.state_topic, topic):
            value = read_on_off(entity, payload)
            if value is not None:
                changes["value"] = value
        if matches(detail.percentage_state_topic, topic):
            text = render(detail.percentage_value_template, payload)
            number = to_number(text)
            if number is not None:
                low, high = detail.speed_range_min, detail.speed_range_max
                if number == 0:
                    changes["percentage"] = 0
                elif low <= number <= high:
                    changes["percentage"] = ranged_to_percentage(low, high, number)
        return changes

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return self.read(entity, entity.state_topic, payload).get("value")
