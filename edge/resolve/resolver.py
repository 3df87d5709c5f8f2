"""Which devices does the interpreted request mean?

Names and aliases (exact, then fuzzy for what the ASR garbled), the device
class the words named ("the garage door"), the area said or the speaker's own
area. Pure function over the registry's entities; no I/O.
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence

from edge.nlu.templates import area_id
from edge.resolve.fuzzy import best_match
from edge.turn import EntityRef, NluResult, Resolution

_SWITCHABLE = ("light", "switch", "fan", "climate")
# Intents that act on or ask about devices, and the domains each applies to.
DEVICE_INTENTS: dict[str, tuple[str, ...]] = {
    "HassTurnOn": (*_SWITCHABLE, "cover", "lock", "scene", "button"),
    "HassTurnOff": (*_SWITCHABLE, "cover", "lock"),
    "HassLightSet": ("light",),
    "HassClimateSetTemperature": ("climate",),
    "HassClimateGetTemperature": ("climate",),
    "HassGetState": (*_SWITCHABLE, "cover", "lock", "sensor", "binary_sensor"),
    "HassSetPosition": ("cover",),
    "HassFanSetSpeed": ("fan",),
}
QUESTION_INTENTS = frozenset({"HassGetState", "HassClimateGetTemperature"})
# Intents that mean one device: without a name they need the only candidate (or the one in this room).
SINGLE_TARGET = frozenset({"HassClimateSetTemperature", "HassClimateGetTemperature", "HassSetPosition", "HassGetState"})


class NamedDevice(Protocol):
    unique_id: str
    name: str
    domain: str
    area: str
    aliases: tuple[str, ...]
    device_class: str


def _ref(device: NamedDevice, score: float = 1.0) -> EntityRef:
    return EntityRef(unique_id=device.unique_id, name=device.name, area=device.area, domain=device.domain, score=score)


def _refs(devices: Sequence[NamedDevice], reason: str) -> Resolution:
    return Resolution(entities=tuple(_ref(d) for d in devices), reason=reason)


def _called(device: NamedDevice, name: str) -> bool:
    wanted = name.casefold().strip()
    return device.name.casefold() == wanted or any(a.casefold() == wanted for a in device.aliases)


def _sounds_like(said: str, candidates: Sequence[NamedDevice]) -> Resolution:
    """A name no device has exactly: the one device it clearly resembles, or none."""
    pairs = [(d.unique_id, n, d.area) for d in candidates for n in (d.name, *d.aliases)]
    match = best_match(said, pairs)
    if match is None:
        return Resolution(entities=(), reason="no device has that name", missing=said)
    uid, score = match
    device = next(d for d in candidates if d.unique_id == uid)
    return Resolution(entities=(_ref(device, score),), reason=f"sounds like {device.name!r}")


_PRONOUN = re.compile(r"^(it|that|this|them|those|these)( (on|off|up|down))?$", re.IGNORECASE)


def resolve(
    nlu: NluResult, devices: Sequence[NamedDevice], speaker_area: str = "", recent: Sequence[str] = ()
) -> Resolution | None:
    """Devices meant by ``nlu``; None when the intent is not about devices.

    ``recent``: the unique ids of the devices the conversation last acted on or asked about,
    what "it" and "them" mean ("open the garage door" ... "close it").
    """
    if nlu.intent not in DEVICE_INTENTS:
        return None
    said = str(nlu.unmatched.get("name") or nlu.slots.get("name") or "")
    if _PRONOUN.match(said.strip()):
        meant = [d for d in devices if d.unique_id in recent and d.domain in DEVICE_INTENTS[nlu.intent]]
        if not meant:
            return Resolution(entities=(), reason="nothing mentioned before", missing="that")
        return _refs(meant, "the device mentioned last")
    slots = nlu.slots
    domains = DEVICE_INTENTS[nlu.intent]
    if slots.get("domain"):
        domains = tuple(d for d in domains if d == slots["domain"])
    candidates = [d for d in devices if d.domain in domains]
    if slots.get("device_class"):
        candidates = [d for d in candidates if (d.device_class or "") == slots["device_class"]]
    if nlu.unmatched.get("name"):
        return _sounds_like(nlu.unmatched["name"], candidates)

    area = str(slots.get("area", ""))
    said_area = bool(area) and area != area_id(speaker_area)  # hassil fills the speaker's area from context

    if slots.get("name"):
        named = [d for d in candidates if _called(d, str(slots["name"]))]
        if not named:  # the model reports the name as said, not as a registry value
            return _sounds_like(str(slots["name"]), candidates)
        if len(named) > 1 and area:
            in_area = [d for d in named if area_id(d.area) == area]
            if in_area:
                return _refs(in_area, "name and area" if said_area else "name, in the speaker's area")
        return _refs(named, "name")

    in_area = [d for d in candidates if area and area_id(d.area) == area]
    if said_area and not in_area:
        noun = "lights" if domains == ("light",) else "devices"
        return Resolution(
            entities=(), reason="nothing of that kind in the area", missing=f"{noun} in the {area.replace('_', ' ')}"
        )
    if nlu.intent in SINGLE_TARGET:
        for pool, reason in ((in_area, "area" if said_area else "speaker's area"), (candidates, "the only one")):
            if len(pool) == 1:
                return _refs(pool, reason)
            if len(pool) > 1:
                return Resolution(entities=(), reason="ambiguous", missing="that")
        return Resolution(entities=(), reason="no such device", missing="that")
    if in_area:
        return _refs(in_area, "area" if said_area else "speaker's area")
    if slots.get("device_class") and len(candidates) == 1:
        return _refs(candidates, "the only one")
    return Resolution(entities=(), reason="no name or area given", missing="that")
