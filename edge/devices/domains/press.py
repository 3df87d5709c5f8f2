"""MQTT button (``press``) and scene (``activate``, also ``turn_on``): one payload, no state, never confirmed."""

from __future__ import annotations

from typing import Any, Mapping

from edge.devices import details
from edge.devices.details import PressDetail
from edge.devices.domains.base import (
    ACTIVATE,
    PRESS,
    TURN_ON,
    Command,
    StateChanges,
    get_str,
    get_topic,
    no_data,
    unsupported,
)
from edge.devices.entity import Entity


class Button:
    name = "button"
    services: tuple[str, ...] = (PRESS,)
    payload_key = "payload_press"
    default_payload = "PRESS"
    feature = details.PRESS

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "command_topic": get_topic(config, "command_topic", required=True, publish=True),
            "device_class": get_str(config, "device_class"),
            "detail": PressDetail(get_str(config, self.payload_key, self.default_payload)),
            "features": frozenset({self.feature}),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        if service not in self.services:
            raise unsupported(entity, service)
        no_data(entity, service, data)
        payload = entity.detail.payload if isinstance(entity.detail, PressDetail) else self.default_payload
        return Command(entity.command_topic, payload, None, entity.retain, optimistic=True)

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        return {}

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return None


class Scene(Button):
    name = "scene"
    services = (ACTIVATE, TURN_ON)
    payload_key = "payload_on"
    default_payload = "ON"
    feature = details.ACTIVATE
