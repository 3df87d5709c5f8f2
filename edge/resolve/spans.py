"""Finding a device's name in the words themselves, when the NLU did not hand it over.

Whisper writes names by ear ("turn on the panty light", "activate mode lighting"):
the templates then match nothing and the model may keep only part of the name
("pan") or none of it. The words are still there. ``find_device`` slides over the
words that are not verbs, numbers or fillers and scores every span against every
device name (spelling and sound, ``edge.resolve.fuzzy``); the best device wins only
when it is good enough and clearly ahead of the next one. ``device_request`` turns a
sentence the NLU could not place into a device request when it begins with a device
verb ("turn on", "open", "activate") and names a device that clearly exists. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

from edge.resolve.fuzzy import MIN_MARGIN, MIN_SCORE, similarity
from edge.turn import NluResult

# words that never belong to a device's name
_SKIP = frozenset(
    "turn switch power shut kill put set make change dim raise lower increase decrease start stop run activate press push "
    "open close lock unlock is are was the a an my our your to on off up down in at of for with please now can could would "
    "you i me what what's whats how hows is it's its degrees degree percent per cent and then "
    "it them that those this one halfway all every everything".split()
)
_NUMBER = re.compile(r"^\d+(?:\.\d+)?%?$")
MAX_SPAN = 4

# a device verb at the start -> (intent, the domains it applies to)
_VERBS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = tuple(
    (re.compile(rf"^(?:please\s+)?(?:{pattern})\b", re.IGNORECASE), intent, domains)
    for pattern, intent, domains in (
        (r"turn on|switch on|power on|turn \S+(?: \S+){0,3} on", "HassTurnOn", ("light", "switch", "fan", "climate")),
        (r"turn off|switch off|power off|shut off|kill|turn \S+(?: \S+){0,3} off", "HassTurnOff", ("light", "switch", "fan", "climate")),
        (r"open|raise", "HassTurnOn", ("cover",)),
        (r"close|shut", "HassTurnOff", ("cover",)),
        (r"lock", "HassTurnOn", ("lock",)),
        (r"unlock", "HassTurnOff", ("lock",)),
        (r"activate|run|start|turn on", "HassTurnOn", ("scene", "switch", "fan")),
        (r"press|push|ring|trigger|reboot|restart|reset", "HassTurnOn", ("button",)),
        (r"what(?:'s| is) the|how (?:hot|warm|cold|humid) is the", "HassGetState", ("sensor", "climate")),
        (r"is the|are the", "HassGetState", ("binary_sensor", "lock", "cover", "light", "switch", "fan")),
        (r"set|lower|raise|dim|brighten|turn (?:up|down)|put", "", ("light", "cover", "fan", "climate")),  # needs "to N"
    )
)
_PRONOUN = re.compile(r"\b(it|them|that|those|this)\b", re.IGNORECASE)
_LEVEL = re.compile(r"\bto (\d+(?:\.\d+)?) ?(%|percent|degrees?)?", re.IGNORECASE)


class Named(Protocol):
    unique_id: str
    name: str
    domain: str
    area: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Found:
    device: Any
    score: float
    span: str  # the words that named it


def content_words(text: str) -> list[str]:
    """The words that may be part of a name: not verbs, numbers, units or fillers."""
    words = re.findall(r"[a-z0-9'%.]+", text.casefold())
    return [w.strip(".") for w in words if w.strip(".") and w.strip(".") not in _SKIP and not _NUMBER.match(w)]


def spans(text: str) -> list[str]:
    """The runs of content words, every length up to MAX_SPAN: "the panty light" -> panty, light, panty light."""
    words = content_words(text)
    return [" ".join(words[i : i + n]) for n in range(1, MAX_SPAN + 1) for i in range(len(words) - n + 1)]


LEFTOVER_PENALTY = 0.05  # per content word the span leaves out: the device that explains all the words wins


def _norm_name(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold()))


# what each kind noun may be: "the front light" is no door, whatever "front" matches
_KIND_DOMAINS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for words, v in (
        ("light lights lamp lamps", "light"),
        ("fan fans", "fan"),
        ("heater heating thermostat", "climate"),
        ("door doors gate garage", "lock cover binary_sensor"),
        ("window windows", "cover binary_sensor"),
        ("blind blinds shade shades curtain curtains", "cover"),
        ("lock locks", "lock"),
        ("temperature humidity sensor", "sensor climate"),
        ("scene", "scene"),
        ("button", "button"),
    )
    for k in words.split()
}


# nouns for kinds of device: "the lights" is every light, not the one device called "Garden Lights"
_KIND_NOUNS = frozenset(_KIND_DOMAINS) | {"switch", "plug"}


def kind_fits(device: Named, words: Sequence[str]) -> bool:
    """No kind noun said contradicts the device: a "light" is a light (or a device called a light)."""
    name_words = set(_norm_name(device.name).split())
    for word in words:
        domains = _KIND_DOMAINS.get(word)
        if domains is not None and device.domain not in domains and not any(word in n for n in name_words):
            return False  # ("door" fits the "Doorbell Chime" and the "Outdoor Temperature", said split or not)
    return True


UNIQUE_WORD_SCORE = 0.85  # "the vanity" for "Vanity Light": a word only one device's name has


def _unique_word(words: list[str], devices: Sequence[Named], best: dict[str, tuple[float, Found]]) -> None:
    """A word said that exactly one device has in its name, and that is no room's word, names that device."""
    rooms = {w for d in devices for w in _norm_name(d.area).split()}
    for word in words:
        if word in rooms or word in _KIND_NOUNS or len(word) < 4:
            continue
        having = [d for d in devices if any(word in _norm_name(n).split() for n in (d.name, *d.aliases))]
        if len(having) != 1:
            continue
        device = having[0]
        ranked = UNIQUE_WORD_SCORE - LEFTOVER_PENALTY * (len(words) - 1)
        if ranked > best.get(device.unique_id, (-1.0, None))[0]:
            best[device.unique_id] = (ranked, Found(device, UNIQUE_WORD_SCORE, word))


def find_device(text: str, devices: Sequence[Named], area: str = "") -> Found | None:
    """The one device whose name the words clearly contain, or None.

    Devices are ranked by their best span's similarity less a small penalty for the words that
    span leaves unexplained; the best must be good enough and clearly ahead. Devices that share
    one name (a "Ceiling Light" in two rooms) are told apart by ``area`` (the room said, or the
    speaker's), else there is no answer.
    """
    words = content_words(text)
    candidates = spans(text)
    if not candidates:
        return None
    devices = [d for d in devices if kind_fits(d, words)]
    best: dict[str, tuple[float, Found]] = {}
    for device in devices:
        for name in (device.name, *device.aliases):
            for span in candidates:
                score = similarity(span, name, device.area)
                ranked_score = score - LEFTOVER_PENALTY * (len(words) - len(span.split()))
                if ranked_score > best.get(device.unique_id, (-1.0, None))[0]:
                    best[device.unique_id] = (ranked_score, Found(device, score, span))
    _unique_word(words, devices, best)
    ranked = sorted(best.values(), key=lambda rf: -rf[0])
    if not ranked or ranked[0][0] < MIN_SCORE:  # words left unexplained count against the match ("pod bay doors")
        return None
    top_rank, top = ranked[0]
    close = [f for r, f in ranked[1:] if top_rank - r < MIN_MARGIN]
    if close:
        same = all(_norm_name(f.device.name) == _norm_name(top.device.name) for f in close)
        here = [f for f in (top, *close) if area and _norm_name(f.device.area) == _norm_name(area)]
        if not (same and len(here) == 1):
            return None
        top = here[0]
    return Found(top.device, round(top.score, 3), top.span)


def _levels(text: str, domain: str) -> Mapping[str, Any]:
    m = _LEVEL.search(text)
    if not m:
        return {}
    value = float(m.group(1))
    if domain == "climate":
        return {"temperature": value}
    if domain == "cover":
        return {"position": int(value)}
    if domain == "fan":
        return {"percentage": int(value)}
    if domain == "light":
        return {"brightness": int(value)}
    return {}


_LEVEL_INTENTS = {"climate": "HassClimateSetTemperature", "cover": "HassSetPosition", "fan": "HassFanSetSpeed",
                  "light": "HassLightSet"}  # fmt: skip


_OUTSIDE = re.compile(r"\b(outside|outdoors?|out there)\b", re.IGNORECASE)
_READING = {"temperature": "temperature", "hot": "temperature", "cold": "temperature", "warm": "temperature",
            "humidity": "humidity", "humid": "humidity"}  # fmt: skip
_OUTDOOR_AREAS = frozenset({"outside", "outdoors", "garden", "yard", "backyard", "patio", "porch", "balcony", "terrace"})


def outdoor_reading(text: str, devices: Sequence[Named]) -> NluResult | None:
    """"What's the temperature outside?" asked of a home with one outdoor thermometer: its reading
    (the NLU calls it weather; there is no weather service on the device, the sensor is the answer)."""
    if not _OUTSIDE.search(text):
        return None
    kinds = {_READING[w] for w in re.findall(r"[a-z]+", text.casefold()) if w in _READING}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    outdoor = [
        d for d in devices
        if d.domain == "sensor" and getattr(d, "device_class", "") == kind
        and (_norm_name(d.area) in _OUTDOOR_AREAS or {"outdoor", "outside"} & set(_norm_name(d.name).split()))
    ]  # fmt: skip
    if len(outdoor) != 1:
        return None
    slots = {"name": outdoor[0].name, "domain": "sensor"}
    return NluResult(text=text.strip(), intent="HassGetState", confidence=0.9, slots=slots, source="device-name")


def device_request(text: str, devices: Sequence[Named], recent: Sequence[str] = (), area: str = "") -> NluResult | None:
    """A request the NLU could not place, read as "<device verb> <a device's name>" (or "<verb> it" for
    the ``recent`` devices: "close it" after "open the garage door"); None when it is not one."""
    clean = text.strip()
    outdoor = outdoor_reading(clean, devices)
    if outdoor is not None:
        return outdoor
    mentioned = [d for d in devices if d.unique_id in recent]
    pronoun = bool(mentioned) and bool(_PRONOUN.search(clean)) and not content_words(clean)
    for verb, intent, domains in _VERBS:
        if not verb.search(clean):
            continue
        if pronoun:
            kinds = [d for d in mentioned if d.domain in domains]
            if not kinds:
                continue
            found: Found | None = Found(kinds[0], 1.0, "it")
        else:
            found = find_device(clean, [d for d in devices if d.domain in domains], area)
        if found is None:
            continue
        domain = found.device.domain
        slots: dict[str, Any] = {"name": "it" if pronoun else found.device.name, "domain": domain}
        levels = _levels(clean, domain)
        if not intent and not levels:
            continue  # "set the X" without "to N" says nothing to do
        if levels and intent != "HassGetState":
            intent = _LEVEL_INTENTS[domain]
            slots.update(levels)
        if intent == "HassGetState" and domain == "climate":
            intent = "HassClimateGetTemperature"
        return NluResult(text=clean, intent=intent, confidence=found.score, slots=slots, source="device-name")
    return None


_FAN_MODES = {"low": 33, "medium": 66, "mid": 66, "high": 100, "max": 100, "full": 100}


def fill_levels(nlu: NluResult) -> NluResult:
    """A light request the model left without its value: "set the X to 40 percent" keeps its 40;
    "HassLightSet" with nothing to set is a plain "turn on"; "set the fan to high" is a fan speed."""
    mode = str(nlu.slots.get("fan_mode", "")).casefold()
    if nlu.intent == "HassClimateSetFanMode" and nlu.slots.get("domain") == "fan" and mode in _FAN_MODES:
        slots = {k: v for k, v in nlu.slots.items() if k != "fan_mode"}
        return NluResult(nlu.text, "HassFanSetSpeed", nlu.confidence, {**slots, "percentage": _FAN_MODES[mode]},
                         nlu.unmatched, nlu.source)  # fmt: skip
    if nlu.intent != "HassLightSet" or any(k in nlu.slots for k in ("brightness", "color", "temperature")):
        return nlu
    levels = _levels(nlu.text, "light")
    if levels:
        return NluResult(nlu.text, nlu.intent, nlu.confidence, {**nlu.slots, **levels}, nlu.unmatched, nlu.source)
    return NluResult(nlu.text, "HassTurnOn", nlu.confidence, nlu.slots, nlu.unmatched, nlu.source)
