"""MQTT cover (garage door, blind, door...): open / close / stop and a position in percent.

Normalised state: "open", "closed", "opening", "closing" ("stopped" becomes open
or closed by the position; "open" when the position is unknown), plus
``position`` 0..100 (100 = open). A cover without a state topic but with a
position topic takes its state from the position, as Home Assistant does.
While a command is under way, "opening" / "closing" are progress, not failure.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from edge.devices import details
from edge.devices.details import CoverDetail
from edge.devices.domains.base import (
    CLOSE_COVER,
    OPEN_COVER,
    SET_COVER_POSITION,
    STOP_COVER,
    Command,
    ConfigProblem,
    StateChanges,
    get_int,
    get_str,
    get_topic,
    int_arg,
    matches,
    no_data,
    to_number,
    unsupported,
)
from edge.devices.entity import Entity
from edge.devices.errors import CommandError
from edge.devices.templates import render

OPEN_STATE = "open"
CLOSED_STATE = "closed"
OPENING_STATE = "opening"
CLOSING_STATE = "closing"
_MOVING = (OPENING_STATE, CLOSING_STATE)
_PLACEHOLDER = re.compile(r"\{\{\s*(?:position|value)\s*\}\}")


def render_position(template: str, raw: int) -> str | None:
    """A set_position_template with only ``{{ position }}`` placeholders, filled; None when it has more."""
    if not template:
        return str(raw)
    text = _PLACEHOLDER.sub(str(raw), template)
    return None if "{{" in text or "{%" in text else text


def _optional_payload(config: Mapping[str, Any], key: str, default: str) -> str:
    if key in config and config[key] is None:
        return ""  # HA: payload_stop: null means the cover has no stop
    return get_str(config, key, default)


class Cover:
    name = "cover"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        command_topic = get_topic(config, "command_topic", publish=True)
        detail = CoverDetail(
            has_command_topic=bool(command_topic),
            payload_open=_optional_payload(config, "payload_open", "OPEN"),
            payload_close=_optional_payload(config, "payload_close", "CLOSE"),
            payload_stop=_optional_payload(config, "payload_stop", "STOP"),
            state_open=get_str(config, "state_open", "open"),
            state_opening=get_str(config, "state_opening", "opening"),
            state_closed=get_str(config, "state_closed", "closed"),
            state_closing=get_str(config, "state_closing", "closing"),
            state_stopped=get_str(config, "state_stopped", "stopped"),
            position_topic=get_topic(config, "position_topic"),
            position_template=get_str(config, "position_template"),
            set_position_topic=get_topic(config, "set_position_topic", publish=True),
            set_position_template=get_str(config, "set_position_template"),
            position_open=get_int(config, "position_open", 100),
            position_closed=get_int(config, "position_closed", 0),
        )
        if detail.position_open == detail.position_closed:
            raise ConfigProblem("position_open and position_closed must differ")
        if not command_topic and not detail.set_position_topic:
            raise ConfigProblem("command_topic is missing (and no set_position_topic)")
        features = set()
        if command_topic:
            features |= {f for f, p in ((details.OPEN, detail.payload_open), (details.CLOSE, detail.payload_close),
                                        (details.STOP, detail.payload_stop)) if p}
        if detail.set_position_topic and render_position(detail.set_position_template, 0) is not None:
            features |= {details.SET_POSITION, details.OPEN, details.CLOSE}
        if detail.position_topic:
            features.add(details.REPORTS_POSITION)
        return {
            "command_topic": command_topic or detail.set_position_topic,
            "state_topic": get_topic(config, "state_topic"),
            "value_template": get_str(config, "value_template"),
            "device_class": get_str(config, "device_class"),
            "detail": detail,
            "features": frozenset(features),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        detail = entity.detail if isinstance(entity.detail, CoverDetail) else CoverDetail()
        has_command = detail.has_command_topic
        if service == SET_COVER_POSITION:
            no_data(entity, service, data, frozenset({"position"}))
            if "position" not in data:
                raise CommandError(f"{service} needs a position")
            position = int_arg(data, "position", 0, 100)
            if details.SET_POSITION not in entity.features:
                if position in (0, 100) and has_command:
                    return self.command(entity, OPEN_COVER if position == 100 else CLOSE_COVER, {})
                raise unsupported(entity, service)
            raw = round(detail.position_closed + position * (detail.position_open - detail.position_closed) / 100)
            return Command(
                detail.set_position_topic,
                render_position(detail.set_position_template, raw) or str(raw),
                None,
                entity.retain,
                expected=(("position", position),) if detail.position_topic else (),
                accept_states=() if detail.position_topic else (OPEN_STATE, CLOSED_STATE),
                progress_states=_MOVING,
                optimistic=entity.optimistic or not (detail.position_topic or entity.state_topic),
            )
        no_data(entity, service, data)
        if service in (OPEN_COVER, CLOSE_COVER):
            opening = service == OPEN_COVER
            payload = detail.payload_open if opening else detail.payload_close
            if not has_command or not payload:
                if details.SET_POSITION in entity.features:
                    return self.command(entity, SET_COVER_POSITION, {"position": 100 if opening else 0})
                raise unsupported(entity, service)
            return Command(
                entity.command_topic,
                payload,
                OPEN_STATE if opening else CLOSED_STATE,
                entity.retain,
                progress_states=(OPENING_STATE,) if opening else (CLOSING_STATE,),
                optimistic=entity.optimistic,
            )
        if service == STOP_COVER:
            if not has_command or not detail.payload_stop:
                raise unsupported(entity, service)
            return Command(
                entity.command_topic,
                detail.payload_stop,
                None,
                entity.retain,
                accept_states=(OPEN_STATE, CLOSED_STATE),
                optimistic=True,  # a stopped cover may not report anything new
            )
        raise unsupported(entity, service)

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        detail = entity.detail if isinstance(entity.detail, CoverDetail) else CoverDetail()
        changes: StateChanges = {}
        if matches(detail.position_topic, topic):
            raw = to_number(render(detail.position_template, payload))
            if raw is not None:
                span = detail.position_open - detail.position_closed
                position = int(round(max(0.0, min(100.0, (raw - detail.position_closed) * 100 / span))))
                changes["position"] = position
                if not entity.state_topic:
                    changes["value"] = CLOSED_STATE if position == 0 else OPEN_STATE
        if matches(entity.state_topic, topic):
            value = render(entity.value_template, payload)
            state = {
                detail.state_open: OPEN_STATE,
                detail.state_opening: OPENING_STATE,
                detail.state_closed: CLOSED_STATE,
                detail.state_closing: CLOSING_STATE,
            }.get(value or "")
            if value is not None and value == detail.state_stopped:
                state = "stopped"
            if state is not None:
                changes["value"] = state
        return changes

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return self.read(entity, entity.state_topic, payload).get("value")


def settle_stopped(value: str, position: int | None) -> str:
    """A "stopped" report as open or closed: by the position when known, else open."""
    if value != "stopped":
        return value
    return CLOSED_STATE if position == 0 else OPEN_STATE
