"""Per-domain behaviour: what a discovery config means, how to command it, how to read its state.

Each supported discovery component has one ``Domain`` in ``DOMAINS`` (light,
switch, fan, climate, cover, lock, sensor, binary_sensor, button, scene). A
domain parses Home Assistant's option names into ``Entity`` fields and a typed
``detail``, builds the ``Command`` for a service call, and reads what a message
on one of the entity's state topics says (``read_update``). The discovery
parser, the registry and the link need no change for a new domain.
"""

from __future__ import annotations

from typing import Any, Mapping

from edge.devices.domains.base import (
    ACTIVATE,
    CLOSE_COVER,
    LOCK,
    OPEN,
    OPEN_COVER,
    PRESS,
    SET_COVER_POSITION,
    SET_HVAC_MODE,
    SET_PERCENTAGE,
    SET_TEMPERATURE,
    STOP_COVER,
    TOGGLE,
    TURN_OFF,
    TURN_ON,
    UNLOCK,
    Command,
    ConfigProblem,
    Domain,
    NotSupported,
    Publish,
    StateChanges,
    get_bool,
    get_str,
    get_topic,
)
from edge.devices.domains.climate import Climate
from edge.devices.domains.cover import Cover, settle_stopped
from edge.devices.domains.fan import Fan
from edge.devices.domains.light import Light
from edge.devices.domains.lock import Lock
from edge.devices.domains.press import Button, Scene
from edge.devices.domains.sensor import BinarySensor, Sensor
from edge.devices.domains.switch import Switch
from edge.devices.entity import ON, Entity
from edge.devices.errors import CommandError

DOMAINS: dict[str, Domain] = {
    d.name: d for d in (Light(), Switch(), Fan(), Climate(), Cover(), Lock(), Sensor(), BinarySensor(), Button(), Scene())
}
_TOGGLES = frozenset({"light", "switch", "fan"})


def domain_for(entity: Entity) -> Domain:
    try:
        return DOMAINS[entity.domain]
    except KeyError:
        raise CommandError(f"domain {entity.domain!r} of {entity.name!r} is not supported") from None


def build_command(
    entity: Entity, service: str, data: Mapping[str, Any] | None = None, *, current_state: str | None = None
) -> Command:
    """The command for a service call. ``toggle`` (light, switch, fan) needs ``current_state`` ("on" -> off)."""
    if service == TOGGLE and entity.domain in _TOGGLES:
        service = TURN_OFF if current_state == ON else TURN_ON
    return domain_for(entity).command(entity, service, data or {})


def read_update(entity: Entity, topic: str, payload: str, position: int | None = None) -> StateChanges:
    """What a message on one of the entity's state topics says: EntityState fields to change ({} = nothing).

    ``position`` is the cover's last known position, to settle a "stopped" report into open / closed.
    """
    domain = DOMAINS.get(entity.domain)
    if domain is None:
        return {}
    changes = domain.read(entity, topic, payload)
    if changes.get("value") == "stopped":
        changes["value"] = settle_stopped("stopped", changes.get("position", position))
    return changes


def read_state(entity: Entity, payload: str) -> str | None:
    """The normalised state a payload on ``entity.state_topic`` carries (None: none)."""
    domain = DOMAINS.get(entity.domain)
    return domain.read_state(entity, payload) if domain else None


__all__ = [
    "ACTIVATE",
    "CLOSE_COVER",
    "DOMAINS",
    "LOCK",
    "OPEN",
    "OPEN_COVER",
    "PRESS",
    "SET_COVER_POSITION",
    "SET_HVAC_MODE",
    "SET_PERCENTAGE",
    "SET_TEMPERATURE",
    "STOP_COVER",
    "TOGGLE",
    "TURN_OFF",
    "TURN_ON",
    "UNLOCK",
    "Command",
    "ConfigProblem",
    "Domain",
    "NotSupported",
    "Publish",
    "StateChanges",
    "build_command",
    "domain_for",
    "get_bool",
    "get_str",
    "get_topic",
    "read_state",
    "read_update",
]
