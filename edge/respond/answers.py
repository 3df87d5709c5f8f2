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


def answer_state(intent: str, slots: Mapping[str, Any], name: str, domain: str, state: StateLike) -> str:
    target = the(name)
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
    if asked:
        yes = state.value.casefold() == asked
        return f"{'Yes' if yes else 'No'}, {target} is {state.value}."
    return f"{target.capitalize()} is {state.value}."
