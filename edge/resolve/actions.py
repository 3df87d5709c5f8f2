"""What to do to a resolved device: intent + slots + entity -> (service, data).

Services and data are those of ``edge.devices.build_command``. Pure; the
security rule (``is_sensitive``) lives here too so every caller sees it.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

# common color names -> RGB (the names Home Assistant's English "color" list offers)
COLORS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "red": (255, 0, 0),
    "orange": (255, 165, 0),
    "yellow": (255, 255, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "purple": (128, 0, 128),
    "brown": (165, 42, 42),
    "pink": (255, 192, 203),
    "turquoise": (64, 224, 208),
    "gold": (255, 215, 0),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "violet": (238, 130, 238),
    "lime": (0, 255, 0),
    "teal": (0, 128, 128),
    "indigo": (75, 0, 130),
    "silver": (192, 192, 192),
    "navy": (0, 0, 128),
}

# Security-sensitive: never done on a voice command alone; the speaker asks for a confirmation first.
# Services that open, unlock or disarm; sensitive when the entity's domain or device class is in the lists.
OPENING_SERVICES = frozenset({"unlock", "open", "open_cover", "set_cover_position", "alarm_disarm"})
SENSITIVE_DOMAINS = ("lock", "alarm_control_panel")
SENSITIVE_DEVICE_CLASSES = ("garage", "door", "gate")


class Target(Protocol):
    domain: str
    device_class: str


class NoAction(ValueError):
    """The intent asks nothing this device can do."""


def plan_action(intent: str, slots: Mapping[str, Any], entity: Target) -> tuple[str, dict[str, Any]]:
    d = entity.domain
    if intent in ("HassTurnOn", "HassTurnOff"):
        on = intent == "HassTurnOn"
        if d == "cover":
            return ("open_cover" if on else "close_cover"), {}
        if d == "lock":
            return ("lock" if on else "unlock"), {}
        if d == "scene":
            if not on:
                raise NoAction("a scene cannot be turned off")
            return "activate", {}
        if d == "button":
            if not on:
                raise NoAction("a button cannot be turned off")
            return "press", {}
        if d in ("light", "switch", "fan", "climate"):
            return ("turn_on" if on else "turn_off"), {}
    if intent == "HassLightSet" and d == "light":
        data: dict[str, Any] = {}
        if "brightness" in slots:
            data["brightness_pct"] = int(slots["brightness"])
        if "color" in slots:
            rgb = COLORS.get(str(slots["color"]).casefold())
            if rgb is None:
                raise NoAction(f"unknown color {slots['color']}")
            data["rgb_color"] = list(rgb)
        if "temperature" in slots:
            data["color_temp_kelvin"] = int(slots["temperature"])
        if not data:
            raise NoAction("nothing to set")
        return "turn_on", data
    if intent == "HassClimateSetTemperature" and d == "climate" and "temperature" in slots:
        return "set_temperature", {"temperature": float(slots["temperature"])}
    if intent == "HassSetPosition" and d == "cover" and "position" in slots:
        return "set_cover_position", {"position": int(slots["position"])}
    if intent == "HassFanSetSpeed" and d == "fan" and "percentage" in slots:
        return "set_percentage", {"percentage": int(slots["percentage"])}
    raise NoAction(f"{intent} does not apply to a {d}")


def is_sensitive(
    entity: Target,
    service: str,
    domains: tuple[str, ...] = SENSITIVE_DOMAINS,
    device_classes: tuple[str, ...] = SENSITIVE_DEVICE_CLASSES,
) -> bool:
    """Does ``service`` open, unlock or disarm something the settings call sensitive (a lock, a garage door)?"""
    if service not in OPENING_SERVICES:
        return False
    return entity.domain in domains or (entity.domain == "cover" and (entity.device_class or "") in device_classes)
