"""Durations: from the slots NLU gives to seconds, and from seconds to words. Pure."""

from __future__ import annotations

from typing import Any, Mapping

from edge.nlu.normalize import parse_duration_s, parse_number

_PARTS = (("hours", 3600), ("minutes", 60), ("seconds", 1))
MAX_TIMER_S = 24 * 3600


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return parse_number(str(value))


def duration_from_slots(slots: Mapping[str, Any], prefix: str = "") -> int | None:
    """Seconds from hassil's ``hours``/``minutes``/``seconds`` (``start_`` prefixed to name a timer by its
    length), or from our model's ``duration_s`` / ``duration`` ("an hour and a half"); None when absent."""
    total = 0.0
    found = False
    for key, scale in _PARTS:
        if f"{prefix}{key}" in slots:
            n = _number(slots[f"{prefix}{key}"])
            if n is None:
                return None
            total += n * scale
            found = True
    if found:
        return int(round(total))
    if prefix:
        return None
    if isinstance(slots.get("duration_s"), (int, float)) and not isinstance(slots.get("duration_s"), bool):
        return int(slots["duration_s"])
    if "duration" in slots:
        return parse_duration_s(str(slots["duration"]))
    return None


def _split(seconds: float) -> list[tuple[int, str]]:
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return [(n, unit) for n, unit in ((h, "hour"), (m, "minute"), (s, "second")) if n]


def say_duration(seconds: float) -> str:
    """ "1 hour and 30 minutes", "3 minutes and 20 seconds", "1 hour, 2 minutes and 5 seconds", "0 seconds"."""
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in _split(seconds)]
    if not parts:
        return "0 seconds"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def timer_label(seconds: float) -> str:
    """The length as an adjective: "5 minute", "1 hour 30 minute", "90 second"."""
    parts = _split(seconds)
    return " ".join(f"{n} {unit}" for n, unit in parts) if parts else "0 second"
