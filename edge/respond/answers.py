"""Answers to questions about devices, from the state the registry keeps. Pure."""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from edge.respond.templates import the


class StateLike(Protocol):
    value: str | None
    current_temperature: float | None
    target_temperature: float | None
    unit: str


def _num(x: float) -> str:
    return f"{x:g}"


def _reading(state: StateLike) -> str:
    unit = state.unit or ""
    if unit in ("°C", "°F"):
        return f"{state.value} degrees"
    return f"{state.value} {'percent' if unit == '%' else unit}".strip()


# how a binary sensor's on/off reads for its device class, after "the X is" (Home Assistant's own state names,
# said as a sentence: "detected" becomes "detecting smoke"); every class the matcher lets people ask about
# (edge.nlu.extra_sentences.BINARY_SENSOR_STATES) is here, so a yes/no answer never falls back to "on"
_BINARY_WORDS: dict[str, tuple[str, str]] = {
    "door": ("open", "closed"), "window": ("open", "closed"), "garage_door": ("open", "closed"),
    "opening": ("open", "closed"), "lock": ("unlocked", "locked"), "moisture": ("wet", "dry"),
    "motion": ("detecting motion", "clear"), "occupancy": ("occupied", "clear"), "presence": ("home", "away"),
    "smoke": ("detecting smoke", "clear"), "battery": ("low", "normal"), "connectivity": ("connected", "disconnected"),
    "battery_charging": ("charging", "not charging"), "carbon_monoxide": ("detecting carbon monoxide", "clear"),
    "cold": ("cold", "normal"), "gas": ("detecting gas", "clear"), "heat": ("hot", "normal"),
    "light": ("detecting light", "dark"), "moving": ("moving", "not moving"), "plug": ("plugged in", "unplugged"),
    "power": ("powered", "not powered"), "problem": ("reporting a problem", "OK"), "running": ("running", "not running"),
    "safety": ("unsafe", "safe"), "sound": ("detecting sound", "clear"), "tamper": ("reporting tampering", "clear"),
    "update": ("out of date", "up to date"), "vibration": ("detecting vibration", "clear"),
}  # fmt: skip


def shown_state(value: str | None, domain: str, device_class: str = "") -> str:
    """A state as people say it (``edge demo``, ``edge devices``): a door sensor's "on" is "open"."""
    return "-" if value is None else _shown(value, domain, device_class)


def _shown(value: str, domain: str, device_class: str) -> str:
    """The state as said: a door sensor's "on" is "open"."""
    if domain == "binary_sensor" and value.casefold() in ("on", "off"):
        on, off = _BINARY_WORDS.get(device_class, ("on", "off"))
        return on if value.casefold() == "on" else off
    return value


def _asked_matches(asked: str, value: str, domain: str, device_class: str) -> bool:
    return asked == value.casefold() or asked == _shown(value, domain, device_class).casefold()


def answer_state(
    intent: str, slots: Mapping[str, Any], name: str, domain: str, state: StateLike, device_class: str = ""
) -> str:
    target = the(name)
    if domain == "sensor" and state.value is not None:  # a thermometer answers "what's the temperature" too
        return f"{target.capitalize()} is {_reading(state)}."
    if intent == "HassClimateGetTemperature" or (domain == "climate" and state.current_temperature is not None):
        if state.current_temperature is None:
            return f"{target.capitalize()} hasn't reported a temperature yet."
        text = f"It's {_num(state.current_temperature)} degrees"
        if state.target_temperature is not None:
            text += f", and {target} is set to {_num(state.target_temperature)}"
        return text + "."
    if state.value is None:
        return f"{target.capitalize()} hasn't reported its state yet."
    if domain == "sensor":
        return f"{target.capitalize()} is {_reading(state)}."
    asked = str(slots.get("state", "")).casefold()
    shown = _shown(state.value, domain, device_class)
    if asked:
        yes = _asked_matches(asked, state.value, domain, device_class)
        return f"{'Yes' if yes else 'No'}, {target} is {shown}."
    return f"{target.capitalize()} is {shown}."
