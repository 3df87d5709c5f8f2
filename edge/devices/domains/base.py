"""What every domain shares: the command record, the Domain protocol, config readers, state helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from edge.devices.entity import OFF, ON, Entity
from edge.devices.errors import CommandError
from edge.devices.templates import render
from edge.devices.topics import publish_topic_problem, subscribe_topic_problem, topic_matches

# Services (Home Assistant's names).
TURN_ON = "turn_on"
TURN_OFF = "turn_off"
TOGGLE = "toggle"
SET_PERCENTAGE = "set_percentage"
SET_TEMPERATURE = "set_temperature"
SET_HVAC_MODE = "set_hvac_mode"
OPEN_COVER = "open_cover"
CLOSE_COVER = "close_cover"
STOP_COVER = "stop_cover"
SET_COVER_POSITION = "set_cover_position"
LOCK = "lock"
UNLOCK = "unlock"
OPEN = "open"
PRESS = "press"
ACTIVATE = "activate"

StateChanges = dict[str, Any]  # EntityState field name -> new value ("value" is the normalised state)


class ConfigProblem(ValueError):
    """A discovery config the domain rejects (wrong type, missing key): the message is skipped as malformed."""


class NotSupported(Exception):
    """A valid config that edge cannot use yet (e.g. light ``schema: template``): skipped, not an error."""


@dataclass(frozen=True, slots=True)
class Publish:
    topic: str
    payload: str
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """What to publish for one service call, and what state confirms it.

    ``topic`` / ``payload`` are the main message (reported in ``ActionResult``);
    ``messages`` is everything to publish, in order (empty: just the main one).
    Confirmed when a state report after the publish leaves the entity in
    ``expected_state`` (or one of ``accept_states``) with every ``expected``
    attribute; a reported state in ``progress_states`` ("opening") is progress,
    not a contradiction. ``optimistic``: nothing will report it, the state is set
    by edge and the action is never confirmed (nor failed).
    """

    topic: str
    payload: str
    expected_state: str | None  # the normalised state to reach; None = any (attributes decide)
    retain: bool = False
    messages: tuple[Publish, ...] = ()
    expected: tuple[tuple[str, Any], ...] = ()  # (EntityState attribute, value), e.g. ("position", 50)
    accept_states: tuple[str, ...] = ()
    progress_states: tuple[str, ...] = ()
    optimistic: bool = False

    @property
    def publishes(self) -> tuple[Publish, ...]:
        return self.messages or (Publish(self.topic, self.payload, self.retain),)

    @property
    def confirmable(self) -> bool:
        return not self.optimistic and (self.expected_state is not None or bool(self.expected or self.accept_states))


class Domain(Protocol):
    name: str

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Entity fields from an expanded discovery config; raises ConfigProblem or NotSupported."""
        ...

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        """The message for a service call; raises CommandError when unsupported."""
        ...

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        """What a message on one of the entity's state topics says ({} = nothing usable)."""
        ...

    def read_state(self, entity: Entity, payload: str) -> str | None:
        """The normalised state in a payload on ``entity.state_topic``; None when it carries none."""
        ...


# --- config field readers (Home Assistant's cv.string accepts numbers) -------------------------


def get_str(config: Mapping[str, Any], key: str, default: str = "") -> str:
    value = config.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigProblem(f"{key} must be a string, got {type(value).__name__}")
    return str(value)


def get_payload(config: Mapping[str, Any], key: str, default: str) -> str:
    """A payload: like get_str, but a JSON bool reads as Python prints it (Zigbee2MQTT's ``payload_on: false``)."""
    value = config.get(key, default)
    if isinstance(value, bool):
        return "True" if value else "False"
    return get_str(config, key, default)


def get_bool(config: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise ConfigProblem(f"{key} must be true or false, got {value!r}")
    return value


def get_number(config: Mapping[str, Any], key: str, default: float) -> float:
    value = config.get(key, default)
    if value is None:
        return default
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigProblem(f"{key} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigProblem(f"{key} must be a number, got {value!r}")
    return float(value)


def get_int(config: Mapping[str, Any], key: str, default: int) -> int:
    value = float(get_number(config, key, default))  # the default may be an int
    if not value.is_integer():
        raise ConfigProblem(f"{key} must be a whole number, got {value!r}")
    return int(value)


def get_str_list(config: Mapping[str, Any], key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigProblem(f"{key} must be a list of strings, got {value!r}")
    return tuple(value)


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


# --- commands ------------------------------------------------------------------------------------


def no_data(entity: Entity, service: str, data: Mapping[str, Any], allowed: frozenset[str] = frozenset()) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise CommandError(f"{entity.domain} {entity.name!r} does not take {', '.join(extra)} for {service}")


def unsupported(entity: Entity, service: str) -> CommandError:
    return CommandError(f"{entity.domain} {entity.name!r} does not support {service}")


def on_off_service(entity: Entity, service: str) -> str:
    """The state a turn_on / turn_off should lead to."""
    if service == TURN_ON:
        return ON
    if service == TURN_OFF:
        return OFF
    raise unsupported(entity, service)


def number_arg(data: Mapping[str, Any], key: str, low: float, high: float) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CommandError(f"{key} must be a number, got {value!r}")
    if not low <= value <= high:
        raise CommandError(f"{key} must be between {low:g} and {high:g}, got {value:g}")
    return float(value)


def int_arg(data: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CommandError(f"{key} must be an integer {low}..{high}, got {value!r}")
    return value


def payload_command(entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
    """payload_on / payload_off to the command topic (default-schema lights, switches)."""
    expected = on_off_service(entity, service)
    no_data(entity, service, data)
    payload = entity.payload_on if expected == ON else entity.payload_off
    return Command(entity.command_topic, payload, expected, entity.retain, optimistic=entity.optimistic)


# --- state ---------------------------------------------------------------------------------------


def read_on_off(entity: Entity, payload: str, template: str | None = None) -> str | None:
    value = render(entity.value_template if template is None else template, payload)
    if value is None:
        return None
    if value == entity.state_on:
        return ON
    if value == entity.state_off:
        return OFF
    return None


def to_number(text: str | None) -> float | None:
    """A finite number in text (a rendered template), or None ("unknown", "", "None", "nan")."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def matches(subscription: str, topic: str) -> bool:
    return bool(subscription) and topic_matches(subscription, topic)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
