"""The records that describe one discovered entity."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from edge.devices.details import Detail
from edge.turn import EntityRef

ON = "on"
OFF = "off"


@dataclass(frozen=True, slots=True)
class Availability:
    """One availability topic and the payloads that mean online / offline."""

    topic: str
    payload_available: str = "online"
    payload_not_available: str = "offline"
    value_template: str = ""  # applied to the payload before comparing, e.g. "{{ value_json.state }}"


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity as Home Assistant MQTT discovery describes it, normalised.

    ``name`` is what people call it (the entity name, else the device name, as
    Zigbee2MQTT sends ``name: null``); ``area`` is the device's suggested area
    in display form ("living room"). ``features`` names what it can do
    (``edge.devices.details``: "brightness", "set_position"...); ``detail`` is the
    domain's typed config (``LightDetail``, ``CoverDetail``...). ``config`` is the
    discovery payload after abbreviation expansion and ``~`` substitution, for
    fields not lifted here.
    """

    unique_id: str
    name: str
    domain: str  # the discovery component: "light", "switch", ...
    area: str = ""
    device_name: str = ""
    aliases: tuple[str, ...] = ()
    command_topic: str = ""
    state_topic: str = ""  # "" = no state reported: commands are optimistic
    schema: str = "default"  # light: "default" | "json"
    payload_on: str = "ON"  # sent to switch on
    payload_off: str = "OFF"
    state_on: str = "ON"  # reported when on (after value_template)
    state_off: str = "OFF"
    value_template: str = ""  # extracts the state from the state payload
    availability: tuple[Availability, ...] = ()
    availability_mode: str = "latest"  # latest | any | all
    optimistic: bool = False  # no confirmation possible (no state topic, or the device says so)
    retain: bool = False  # publish commands retained (HA's "retain" option)
    discovery_topic: str = ""  # where this entity's config came from
    device_class: str = ""  # "garage", "door", "temperature", "humidity"... ("" = none)
    unit: str = ""  # unit_of_measurement (sensor) or temperature_unit (climate)
    features: frozenset[str] = frozenset()
    detail: Detail | None = None
    config: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.config, MappingProxyType):
            object.__setattr__(self, "config", MappingProxyType(dict(self.config)))

    @property
    def availability_topics(self) -> tuple[str, ...]:
        return tuple(a.topic for a in self.availability)

    @property
    def state_topics(self) -> tuple[str, ...]:
        """Every topic that carries part of this entity's state (state, brightness, position...)."""
        extra = self.detail.state_topics if self.detail is not None else ()
        return tuple(dict.fromkeys(t for t in (self.state_topic, *extra) if t))

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic this entity reports on (state and availability), for subscribing."""
        found = list(self.state_topics)
        found += [t for t in self.availability_topics if t not in found]
        return tuple(found)

    def supports(self, feature: str) -> bool:
        return feature in self.features

    def to_ref(self, score: float = 1.0) -> EntityRef:
        return EntityRef(unique_id=self.unique_id, name=self.name, area=self.area, domain=self.domain, score=score)


_SEPARATORS = re.compile(r"[\s_\-]+")


def display_text(text: str) -> str:
    """Collapse whitespace (names keep their case): "  Kitchen   Light " -> "Kitchen Light"."""
    return " ".join(text.split())


def normalise_area(area: str) -> str:
    """Area in display form: "Living_Room" / "living-room" -> "living room"."""
    return _SEPARATORS.sub(" ", area).strip().lower()


def humanise_id(object_id: str) -> str:
    """An object id as words: "kitchen_light" -> "kitchen light"."""
    return _SEPARATORS.sub(" ", object_id).strip()
