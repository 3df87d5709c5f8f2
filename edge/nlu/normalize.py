"""Slot values as said -> values a device can take: numbers, durations, percentages, colours.

Pure functions, no I/O. Each returns ``None`` when the words are not a value of
its kind, so the caller can keep the words as said instead.
"""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000}
_WORDS = {"half": 50.0, "full": 100.0, "max": 100.0, "maximum": 100.0, "min": 1.0, "minimum": 1.0, "quarter": 25.0}

COLORS = {
    "white": "white", "black": "black", "red": "red", "orange": "orange", "yellow": "yellow", "green": "green",
    "blue": "blue", "purple": "purple", "pink": "pink", "brown": "brown", "cyan": "cyan", "magenta": "magenta",
    "violet": "violet", "indigo": "indigo", "gold": "gold", "golden": "gold", "teal": "teal", "turquoise": "turquoise",
    "lime": "lime", "lavender": "lavender", "grey": "gray", "gray": "gray", "silver": "silver", "amber": "orange",
    "crimson": "crimson", "maroon": "maroon", "navy": "navy", "beige": "beige", "warm white": "warmwhite",
    "cool white": "white", "daylight": "white", "light blue": "lightblue", "sky blue": "skyblue",
    "dark blue": "darkblue", "light green": "lightgreen", "dark green": "darkgreen", "dark red": "darkred",
    "hot pink": "hotpink", "light pink": "lightpink", "reddish": "red", "bluish": "blue", "greenish": "green",
}


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation; "that’s" and "that's" alike: how a user's answer is compared."""
    text = re.sub(r"[^\w\s']", " ", text.casefold().replace("’", "'"))
    return [w.strip("'") for w in text.split() if w.strip("'")]


def singular(word: str) -> str:
    """A plural's singular, lightly: "lights" -> "light", "blinds" -> "blind"; "glass", "gas", "bus" stay."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def parse_number(text: str) -> float | None:
    """ "21", "21.5", "twenty-one", "a hundred", "one hundred and five", "half" -> a number; else None."""
    t = text.casefold().strip().replace(",", "")
    t = re.sub(r"\s*(%|percent|per cent|degrees?|°[cf]?|celsius|fahrenheit)\s*$", "", t).strip()
    m = re.fullmatch(r"[-+]?\d+(?:\.\d+)?", t)
    if m:
        return float(t)
    if t in _WORDS:
        return _WORDS[t]
    words = [w for w in re.split(r"[\s-]+", t) if w and w != "and"]
    if not words:
        return None
    total, current, seen = 0, 0, False
    point: list[int] | None = None
    for w in words:
        if w == "point" and seen and point is None:
            point = []
        elif point is not None and w in _UNITS and _UNITS[w] < 10:
            point.append(_UNITS[w])
        elif w in _UNITS:
            current += _UNITS[w]
            seen = True
        elif w in _TENS:
            current += _TENS[w]
            seen = True
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
            seen = True
        elif w.isdigit():
            current += int(w)
            seen = True
        else:
            return None
    if not seen:
        return None
    value = float(total + current)
    if point:
        value += float("0." + "".join(map(str, point)))
    return value


def parse_percentage(text: str) -> int | None:
    """ "50%", "fifty percent", "half", "max" -> 0..100; else None."""
    n = parse_number(text)
    if n is None or not 0 <= n <= 100:
        return None
    return int(round(n))


_DUR = re.compile(
    r"(?P<num>[\w.]+(?:[\s-]+[\w.]+)*?)?[\s-]*(?:and\s+(?:a\s+)?(?P<half>half)\s+)?(?:an?\s+)?"
    r"(?P<unit>hours?|hrs?|minutes?|mins?|seconds?|secs?)\b"
)
_UNIT_S = {"h": 3600, "m": 60, "s": 1}


def parse_duration_s(text: str) -> int | None:
    """ "5 minutes", "an hour and a half", "fifty-six-minute", "half an hour", "1.5 hours" -> seconds; else None."""
    t = text.casefold().strip()
    total = 0.0
    found = False
    for m in _DUR.finditer(t):
        unit = _UNIT_S[m.group("unit")[0]]
        raw = (m.group("num") or "").strip()
        raw = re.sub(r"^(and|a|an)\s+", "", raw).strip() if raw not in ("a", "an") else raw
        if raw in ("", "a", "an"):
            n = 1.0
        elif raw == "half":
            n = 0.5
        else:
            n = parse_number(raw)
            if n is None:
                return None
        if m.group("half"):
            n += 0.5
        total += n * unit
        found = True
    if not found:
        n = parse_number(t)
        return None if n is None else int(n)  # a bare number: seconds as the template's slot gives it
    if re.search(r"\band a half\b", t) and not re.search(r"and\s+(a\s+)?half\s+\w", t):
        unit = _UNIT_S[list(_DUR.finditer(t))[-1].group("unit")[0]]
        total += 0.5 * unit
    return int(round(total))


def parse_color(text: str) -> str | None:
    t = re.sub(r"\s+", " ", text.casefold().strip())
    t = re.sub(r"^(the|a|an)\s+", "", t)
    t = re.sub(r"\s+(color|colour)$", "", t)
    return COLORS.get(t)


_DOMAINS = [
    (r"\b(lights?|lamps?|bulbs?|chandeliers?|sconces?|spotlights?|led|leds|lighting|dark|darker|bright|brighter)\b",
     "light"),  # "it's too dark in here" asks for light, not for everything in the room
    (r"\b(fans?|air purifiers?)\b", "fan"),
    (r"\b(blinds?|curtains?|shades?|shutters?|awnings?|garage doors?|gates?|windows?)\b", "cover"),
    (r"\b(tv|television|speakers?|sonos|radio|stereo|soundbar|chromecast|music)\b", "media_player"),
    (r"\b(thermostat|heating|air conditioner|ac|a/c|heat pump|radiator)\b", "climate"),
    (r"\b(locks?|deadbolt)\b", "lock"),
    (r"\b(vacuum|roomba|hoover)\b", "vacuum"),
    (r"\b(plugs?|switch(?:es)?|sockets?|outlets?)\b", "switch"),
]


def infer_domain(text: str) -> str | None:
    """The Home Assistant domain a device noun implies ("lamp" -> light), or None."""
    t = text.casefold()
    for pattern, domain in _DOMAINS:
        if re.search(pattern, t):
            return domain
    return None


def normalize_slot(slot: str, said: str) -> tuple[str, object]:
    """(key, value) for one decoded span; unparseable values stay as said."""
    said = re.sub(r"\s+", " ", said).strip(" .,?!")
    if slot == "duration":
        value = parse_duration_s(said)
        return ("duration_s", value) if value is not None else ("duration", said)
    if slot in ("brightness", "position", "percentage", "volume"):
        p = parse_percentage(said)
        return (slot, p if p is not None else said)
    if slot == "temperature":
        n = parse_number(said)
        if n is None:
            return slot, said
        return slot, int(n) if float(n).is_integer() else n
    if slot == "color":
        return slot, parse_color(said) or said
    if slot in ("name", "area", "floor"):
        return slot, re.sub(r"^(the|my|our|a)\s+", "", said, flags=re.IGNORECASE)
    return slot, said
