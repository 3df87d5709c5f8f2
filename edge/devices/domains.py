"""Per-domain behaviour: what a discovery config means, how to command it, how to read its state.

Each supported discovery component has one ``Domain`` in ``DOMAINS``. Adding a
domain (fan, climate, cover, lock, sensors...) means writing one class with
``parse`` / ``command`` / ``read_state`` and registering it; the discovery
parser, the registry and the link need no change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from edge.devices.entity import OFF, ON, Entity
from edge.devices.errors import CommandError
from edge.devices.templates import render
from edge.devices.topics import publish_topic_problem, subscribe_topic_problem

TURN_ON = "turn_on"
TURN_OFF = "turn_off"


class ConfigProblem(ValueError):
    """A discovery config the domain rejects (wrong type, missing key): the message is skipped as malformed."""


class NotSupported(Exception):
    """A valid config that edge cannot use yet (e.g. light ``schema: template``): skipped, not an error."""


@dataclass(frozen=True, slots=True)
class Command:
    """What to publish for one service call."""

    topic: str
    payload: str
    expected_state: str | None  # "on" / "off" the state topic should report; None = nothing to confirm
    retain: bool = False


class Domain(Protocol):
    name: str

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Entity fields from an expanded discovery config; raises ConfigProblem or NotSupported."""
        ...

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        """The message for a service call; raises CommandError when unsupported."""
        ...

    def read_state(self, entity: Entity, payload: str) -> str | None:
        """The normalised state ("on" / "off") in a state payload; None when it carries none."""
        ...


# --- config field readers (Home Assistant's cv.string accepts numbers) -------------------------


def get_str(config: Mapping[str, Any], key: str, default: str = "") -> str:
    value = config.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigProblem(f"{key} must be a string, got {type(value).__name__}")
    return str(value)


def get_bool(config: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise ConfigProblem(f"{key} must be true or false, got {value!r}")
    return value


def get_topic(config: Mapping[str, Any], key: str, *, required: bool = False, publish: bool = False) -> str:
    if key not in config or config[key] in (None, ""):
        if required:
            raise ConfigProblem(f"{key} is missing")
        return ""
    value = config[key]
    if not isinstance(value, str):
        raise ConfigProblem(f"{key} must be a string, got {type(value).__name__}")
    problem = publish_topic_problem(value) if publish else subscribe_topic_problem(value)
    if problem:
        raise ConfigProblem(f"{key} {value!r} {problem}")
    return value


def _no_data(entity: Entity, service: str, data: Mapping[str, Any], allowed: frozenset[str] = frozenset()) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise CommandError(f"{entity.domain} {entity.name!r} does not take {', '.join(extra)} for {service}")


def _read_on_off(entity: Entity, payload: str) -> str | None:
    value = render(entity.value_template, payload)
    if value is None:
        return None
    if value == entity.state_on:
        return ON
    if value == entity.state_off:
        return OFF
    return None


def _check_service(entity: Entity, service: str) -> str:
    """The state a supported on/off service should lead to."""
    if service == TURN_ON:
        return ON
    if service == TURN_OFF:
        return OFF
    raise CommandError(f"{entity.domain} {entity.name!r} does not support {service}")


def _payload_command(entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
    """payload_on / payload_off to the command topic (default-schema lights, switches)."""
    expected = _check_service(entity, service)
    _no_data(entity, service, data)
    payload = entity.payload_on if expected == ON else entity.payload_off
    return Command(entity.command_topic, payload, expected, entity.retain)


# --- light ---------------------------------------------------------------------------------------


class Light:
    """MQTT light: the default schema (plain payloads) and the JSON schema (``{"state": "ON"}``)."""

    name = "light"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        schema = get_str(config, "schema", "default").lower()
        if schema == "basic":
            schema = "default"
        if schema not in ("default", "json"):
            raise NotSupported(f"light schema {schema!r} is not supported yet")
        fields: dict[str, Any] = {
            "schema": schema,
            "command_topic": get_topic(config, "command_topic", required=True, publish=True),
            "state_topic": get_topic(config, "state_topic"),
        }
        if schema == "json":  # fixed vocabulary: {"state": "ON" | "OFF", ...} both ways
            template = "{{ value_json.state }}"
            fields.update(payload_on="ON", payload_off="OFF", state_on="ON", state_off="OFF", value_template=template)
        else:
            on = get_str(config, "payload_on", "ON")
            off = get_str(config, "payload_off", "OFF")
            template = get_str(config, "state_value_template") or get_str(config, "value_template")
            fields.update(payload_on=on, payload_off=off, state_on=on, state_off=off, value_template=template)
        return fields

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        if entity.schema != "json":
            return _payload_command(entity, service, data)
        expected = _check_service(entity, service)
        _no_data(entity, service, data, frozenset({"brightness"}) if expected == ON else frozenset())
        body: dict[str, Any] = {"state": entity.payload_on if expected == ON else entity.payload_off}
        if "brightness" in data:
            brightness = data["brightness"]
            if isinstance(brightness, bool) or not isinstance(brightness, int) or not 0 <= brightness <= 255:
                raise CommandError(f"brightness must be an integer 0..255, got {brightness!r}")
            body["brightness"] = brightness
        return Command(entity.command_topic, json.dumps(body), expected, entity.retain)

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return _read_on_off(entity, payload)


# --- switch --------------------------------------------------------------------------------------


class Switch:
    """MQTT switch: payload_on / payload_off out, state_on / state_off (default: the payloads) back."""

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
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        return _payload_command(entity, service, data)

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return _read_on_off(entity, payload)


DOMAINS: dict[str, Domain] = {d.name: d for d in (Light(), Switch())}


def domain_for(entity: Entity) -> Domain:
    try:
        return DOMAINS[entity.domain]
    except KeyError:
        raise CommandError(f"domain {entity.domain!r} of {entity.name!r} is not supported") from None


def build_command(entity: Entity, service: str, data: Mapping[str, Any] | None = None) -> Command:
    return domain_for(entity).command(entity, service, data or {})


def read_state(entity: Entity, payload: str) -> str | None:
    domain = DOMAINS.get(entity.domain)
    return domain.read_state(entity, payload) if domain else None
