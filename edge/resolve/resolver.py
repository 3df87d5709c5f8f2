"""First version: names and aliases, the area said or the speaker's own area.

Pure function over the registry's entities; no I/O. Later versions add fuzzy
and phonetic matching, device state and dialogue context.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from edge.nlu.templates import area_id
from edge.resolve.fuzzy import best_match
from edge.turn import EntityRef, NluResult, Resolution

# Intents that act on devices, and the domains each can act on.
DEVICE_INTENTS: dict[str, tuple[str, ...]] = {
    "HassTurnOn": ("light", "switch"),
    "HassTurnOff": ("light", "switch"),
}


class NamedDevice(Protocol):
    unique_id: str
    name: str
    domain: str
    area: str
    aliases: tuple[str, ...]


def _ref(device: NamedDevice, score: float = 1.0) -> EntityRef:
    return EntityRef(unique_id=device.unique_id, name=device.name, area=device.area, domain=device.domain, score=score)


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


def resolve(nlu: NluResult, devices: Sequence[NamedDevice], speaker_area: str = "") -> Resolution | None:
    """Devices meant by ``nlu``; None when the intent is not about devices."""
    if nlu.intent not in DEVICE_INTENTS:
        return None
    domains = DEVICE_INTENTS[nlu.intent]
    if nlu.unmatched.get("name"):
        return _sounds_like(nlu.unmatched["name"], [d for d in devices if d.domain in domains])
    slots = nlu.slots
    if slots.get("domain"):
        domains = tuple(d for d in domains if d == slots["domain"])
    candidates = [d for d in devices if d.domain in domains]
    area = str(slots.get("area", ""))
    said_area = area and area != area_id(speaker_area)  # hassil fills the speaker's area from context

    if slots.get("name"):
        named = [d for d in candidates if _called(d, str(slots["name"]))]
        if not named:
            return Resolution(entities=(), reason="no device has that name", missing=str(slots["name"]))
        if len(named) > 1 and area:
            in_area = [d for d in named if area_id(d.area) == area]
            if in_area:
                reason = "name and area" if said_area else "name, in the speaker's area"
                return Resolution(entities=tuple(_ref(d) for d in in_area), reason=reason)
        return Resolution(entities=tuple(_ref(d) for d in named), reason="name")

    if area:
        in_area = [d for d in candidates if area_id(d.area) == area]
        noun = "lights" if domains == ("light",) else "devices"
        if not in_area:
            missing = f"{noun} in the {area.replace('_', ' ')}"
            return Resolution(entities=(), reason="nothing of that kind in the area", missing=missing)
        return Resolution(entities=tuple(_ref(d) for d in in_area), reason="area" if said_area else "speaker's area")
    return Resolution(entities=(), reason="no name or area given", missing="that")
