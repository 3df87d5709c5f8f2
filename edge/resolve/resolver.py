"""Which devices does the interpreted request mean?

A pure function over the registry's entities (no I/O, no clock): the intent
and its slots narrow the candidates (domain, device class), the name said is
matched exactly, then fuzzily and phonetically (what the ASR garbled), and the
context breaks ties the words leave open:

- the area said ("the lights in the kitchen"), else the speaker's own area
  ("turn on the light" means the light in this room);
- device state ("turn off the light" with one of two lamps on means that one;
  with the oven on, "what is the temperature" means the oven's);
- the devices the conversation last acted on ("close it" after "open the garage door").

The result carries the n-best candidates with scores and the reason for the
choice; when two candidates stay too close, it is ``ambiguous`` and chooses
none, so the caller can ask "The ceiling light or the lamp?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Protocol, Sequence

from edge.nlu.normalize import singular
from edge.nlu.templates import area_id
from edge.resolve.fuzzy import MIN_MARGIN, MIN_SCORE, similarity
from edge.resolve.spans import Found, content_words, find_device, kind_fits
from edge.turn import EntityRef, NluResult, Resolution

_SWITCHABLE = ("light", "switch", "fan", "climate")
# Intents that act on or ask about devices, and the domains each applies to.
DEVICE_INTENTS: dict[str, tuple[str, ...]] = {
    "HassTurnOn": (*_SWITCHABLE, "cover", "lock", "scene", "button"),
    "HassTurnOff": (*_SWITCHABLE, "cover", "lock"),
    "HassLightSet": ("light",),
    "HassClimateSetTemperature": ("climate",),
    "HassClimateGetTemperature": ("climate", "sensor"),
    "HassGetState": (*_SWITCHABLE, "cover", "lock", "sensor", "binary_sensor"),
    "HassSetPosition": ("cover",),
    "HassFanSetSpeed": ("fan",),
}
QUESTION_INTENTS = frozenset({"HassGetState", "HassClimateGetTemperature"})
# Intents that mean one device: without a name they need the only candidate (or the one in this room).
SINGLE_TARGET = frozenset({"HassClimateSetTemperature", "HassClimateGetTemperature", "HassSetPosition", "HassGetState"})
# What a request for a whole room switches when it names no kind of device ("turn off the kitchen"):
# never locks, covers, scenes or buttons (turning a room "off" must not unlock its door).
ROOM_WIDE = ("light", "switch", "fan")
N_BEST = 5

# Words that name a kind of device, not a device: "the light", "the heat", "the blinds".
KIND_WORDS: dict[str, tuple[str, str]] = {  # word -> (domain, device_class)
    "light": ("light", ""), "lights": ("light", ""), "lamp": ("light", ""), "lamps": ("light", ""),
    "fan": ("fan", ""), "fans": ("fan", ""),
    "heat": ("climate", ""), "heating": ("climate", ""), "heater": ("climate", ""),
    "thermostat": ("climate", ""), "ac": ("climate", ""), "air conditioning": ("climate", ""),
    "temperature": ("", "temperature"), "humidity": ("sensor", "humidity"),
    "blinds": ("cover", "blind"), "blind": ("cover", "blind"), "shades": ("cover", "shade"),
    "curtains": ("cover", "curtain"), "garage": ("cover", "garage"), "garage door": ("cover", "garage"),
    "lock": ("lock", ""), "locks": ("lock", ""), "window": ("binary_sensor", "window"),
    "windows": ("binary_sensor", "window"),
}  # fmt: skip
_PLURAL = re.compile(r"\b(all|every|everything|lights|lamps|fans|blinds|shades|curtains|them|both)\b", re.IGNORECASE)
_ALL = re.compile(r"\b(all|every|everything|whole house|entire house)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"^(it|that|this|them|those|these|that one|this one)( (on|off|up|down))?$", re.IGNORECASE)
_FILLER = re.compile(r"^(?:the|a|my|our|your)\s+", re.IGNORECASE)
# bonuses that order candidates the words leave tied; smaller than MIN_MARGIN on their own
AREA_BONUS = 0.05
STATE_BONUS = 0.03
RECENT_BONUS = 0.03


class NamedDevice(Protocol):
    unique_id: str
    name: str
    domain: str
    area: str
    aliases: tuple[str, ...]
    device_class: str


@dataclass(frozen=True, slots=True)
class Context:
    """What the words do not say: where the speaker stands, what was said last, how the devices are."""

    speaker_area: str = ""
    recent: tuple[str, ...] = ()  # unique ids the conversation last acted on or asked about
    states: Mapping[str, str | None] = field(default_factory=dict)  # unique id -> "on", "off", "open", ...


@dataclass(slots=True)
class _Scored:
    device: NamedDevice
    score: float  # how well the words match (1.0: exactly its name)
    bonus: float = 0.0  # context: area, state, recency
    why: str = ""

    @property
    def total(self) -> float:
        return self.score + self.bonus


def _ref(s: _Scored) -> EntityRef:
    d = s.device
    return EntityRef(unique_id=d.unique_id, name=d.name, area=d.area, domain=d.domain, score=round(min(s.total, 1.0), 3))


def _norm(text: str) -> str:
    return _FILLER.sub("", re.sub(r"\s+", " ", text.casefold().strip(" .,!?"))).strip()


def _stem(text: str) -> str:
    return " ".join(singular(w) for w in text.split())


def _exact(device: NamedDevice, said: str) -> bool:
    wanted = _stem(_norm(said))
    return any(_stem(_norm(n)) == wanted for n in (device.name, *device.aliases))


def _name_score(device: NamedDevice, said: str) -> float:
    if _exact(device, said):
        return 1.0
    names = (device.name, *device.aliases)
    best = max(similarity(said, n, device.area) for n in names)
    area_words = _norm(device.area)
    if area_words and area_words in _norm(said):  # "kitchen ceiling light" for the kitchen's "Ceiling Light"
        rest = _norm(said).replace(area_words, " ").strip()
        if rest:
            best = max(best, *(1.0 if _stem(_norm(n)) == _stem(rest) else similarity(rest, n) for n in names))
    return best


def _found_in_words(found: Found, candidates: tuple[EntityRef, ...] | None = None) -> Resolution:
    """The device ``find_device`` read out of the words."""
    ref = _ref(_Scored(found.device, found.score))
    return Resolution((ref,), f"sounds like {found.device.name!r} ({found.span!r})", candidates=(ref,) if candidates is None else candidates)


def _kind(said: str) -> tuple[str, str] | None:
    """("light", "") for "the lights"; None when ``said`` is a name, not a kind of device."""
    return KIND_WORDS.get(_norm(said))


def _state_fits(intent: str, state: str | None) -> bool | None:
    """Would the request change this device? None when the state does not tell."""
    if state is None:
        return None
    s = state.casefold()
    if intent == "HassTurnOn":
        return s not in ("on", "open", "locked")
    if intent == "HassTurnOff":
        return s not in ("off", "closed", "unlocked")
    return None


def _in_area(device: NamedDevice, area: str) -> bool:
    return bool(area) and area_id(device.area) == area


def _area_said(nlu: NluResult, area: str, speaker_area: str) -> bool:
    """hassil fills the speaker's area from context: the area counts as said when it differs from
    the speaker's, or its words are in the text."""
    if not area:
        return False
    if area != area_id(speaker_area):
        return True
    return bool(nlu.text) and area.replace("_", " ") in nlu.text.casefold()


def _active_appliance_sensors(pool: Sequence[NamedDevice], devices: Sequence[NamedDevice], ctx: Context) -> list[NamedDevice]:
    """Temperature sensors of an appliance that is on (the oven's, while the oven bakes)."""
    on = [d for d in devices if d.domain in ("switch", "climate") and (ctx.states.get(d.unique_id) or "") == "on"]
    out = []
    for sensor in pool:
        if sensor.domain != "sensor":
            continue
        sname = _norm(sensor.name)
        if any(sname.startswith(_norm(a.name) + " ") and _norm(a.area) == _norm(sensor.area) for a in on):
            out.append(sensor)
    return out


class _Request:
    """One resolution: the intent's constraints and the context, with the steps as methods."""

    def __init__(self, nlu: NluResult, devices: Sequence[NamedDevice], ctx: Context) -> None:
        self.nlu, self.devices, self.ctx = nlu, devices, ctx
        self.intent = nlu.intent or ""
        slots = dict(nlu.slots)
        self.said = str(nlu.unmatched.get("name") or slots.get("name") or "").strip()
        room_wide = self._room_said_as_name(slots)
        domain, device_class = self._kind_of_device(str(slots.get("domain") or ""), str(slots.get("device_class") or ""))
        self.domains = DEVICE_INTENTS[self.intent]
        if domain:
            self.domains = tuple(d for d in self.domains if d == domain) or self.domains
        self.kind_given = bool(domain or device_class)
        self.device_class = device_class
        self.area = str(slots.get("area") or "")
        self.said_area = _area_said(nlu, self.area, ctx.speaker_area)
        self.speaker_area = area_id(ctx.speaker_area)
        self.plural = room_wide or not nlu.text or bool(_PLURAL.search(nlu.text))
        if not self.said and not self.kind_given and self.said_area:
            self.plural = True  # "turn off the living room": the whole room
        self.everywhere = bool(nlu.text) and bool(_ALL.search(nlu.text)) and not self.said_area
        known = {w for d in devices for w in _norm(d.area).split()} | {w for k in KIND_WORDS for w in k.split()}
        # words neither a room nor a kind of device explains: part of a name the NLU did not hand over
        self.unexplained = [w for w in content_words(nlu.text) if w not in known] if nlu.text and not self.said else []

    def _is_a_name(self, said: str) -> bool:
        return any(_exact(d, said) for d in self.devices)

    def _room_said_as_name(self, slots: dict[str, object]) -> bool:
        """"turn off the kitchen": the name is a room's (no device has it); ``slots`` gets the area."""
        if not self.said or slots.get("area") or self._is_a_name(self.said):
            return False
        room = next((d.area for d in self.devices if d.area and _norm(d.area) == _norm(self.said)), "")
        if not room:
            return False
        slots["area"] = area_id(room)
        self.said = ""
        return True

    def _kind_of_device(self, domain: str, device_class: str) -> tuple[str, str]:
        """The kind of device the words name ("the light", "the heat", "the blinds"), as (domain,
        device class); a said "name" that is only a kind is no name. Sets ``kind_word``."""
        self.kind_word = ""
        kind = None
        if self.said and not self._is_a_name(self.said):  # "Light 2" is a name, not "light"
            kind = _kind(self.said) or _kind(" ".join(content_words(self.said)))
        if kind is not None:
            self.kind_word = _stem(_norm(self.said))
            self.said = ""
            domain, device_class = domain or kind[0], device_class or kind[1]
        elif not self.said and self.nlu.text:  # hassil matched "the fan" as a domain: the word still counts
            words = [w for w in re.findall(r"[a-z]+", self.nlu.text.casefold()) if w in KIND_WORDS]
            if words and (not domain or KIND_WORDS[words[-1]][0] == domain):
                self.kind_word = _stem(words[-1])
                if KIND_WORDS[words[-1]][0]:  # "turn on the heater": heating, or a switch called so
                    domain, device_class = domain or KIND_WORDS[words[-1]][0], device_class or KIND_WORDS[words[-1]][1]
        if device_class in KIND_WORDS and KIND_WORDS[device_class][1]:  # "windows" -> window
            device_class = KIND_WORDS[device_class][1]
        return domain, device_class

    def pool(self) -> list[NamedDevice]:
        pool = [d for d in self.devices if d.domain in self.domains]
        if self.kind_word:  # "the fan" is also the switch called "Desk Fan"
            every = DEVICE_INTENTS[self.intent]
            named = [d for d in self.devices if d.domain in every and self.kind_word in _stem(_norm(d.name)).split()]
            pool += [d for d in named if d not in pool]
        if self.intent == "HassClimateGetTemperature":  # a sensor answers only for temperature
            pool = [d for d in pool if d.domain != "sensor" or (d.device_class or "") == "temperature"]
        if self.device_class:
            classed = [d for d in pool if (d.device_class or "") == self.device_class]
            if not classed:  # "is the window open": hassil says cover, the window is a binary sensor
                every = DEVICE_INTENTS[self.intent]
                classed = [d for d in self.devices if d.domain in every and (d.device_class or "") == self.device_class]
            if classed or self.device_class != "temperature":
                pool = classed
        return pool

    def _context_bonus(self, s: _Scored) -> None:
        d = s.device
        reasons = []
        if _in_area(d, self.speaker_area) and not self.said_area:
            s.bonus += AREA_BONUS
            reasons.append("in the speaker's area")
        if _state_fits(self.intent, self.ctx.states.get(d.unique_id)):
            s.bonus += STATE_BONUS
            reasons.append("its state fits")
        if d.unique_id in self.ctx.recent:
            s.bonus += RECENT_BONUS
            reasons.append("mentioned last")
        s.why = ", ".join(reasons)

    def ranked(self, pool: Sequence[NamedDevice]) -> list[_Scored]:
        scored = [_Scored(d, _name_score(d, self.said) if self.said else 1.0) for d in pool]
        for s in scored:
            self._context_bonus(s)
        return sorted(scored, key=lambda s: (-s.total, s.device.name, s.device.unique_id))

    # -- the steps ----------------------------------------------------------------------
    def _room(self) -> str:
        """The room said, else the speaker's (display form, for ``find_device``)."""
        area = self.area if self.said_area else self.speaker_area
        return area.replace("_", " ")

    def refers_back(self) -> bool:
        """"turn it off" with no name slot: the words point back at the devices mentioned last."""
        if not self.nlu.text or not self.ctx.recent or self.said_area or self.kind_word:
            return False
        return bool(re.search(r"\b(it|them|that one|this one)\b", self.nlu.text, re.IGNORECASE))

    def name_in_words(self, pool: list[NamedDevice]) -> Resolution | None:
        """No name from the NLU, but words that neither a room nor a kind of device explains
        ("turn on the nursery lamb"): the device they name, when one clearly matches."""
        if not self.nlu.text:
            return None
        if not self.unexplained:
            return None
        everywhere = [d for d in self.devices if d.domain in DEVICE_INTENTS[self.intent]]
        room = self._room()
        found = find_device(self.nlu.text, pool, room) or find_device(self.nlu.text, everywhere, room)
        return None if found is None else _found_in_words(found)

    def by_pronoun(self) -> Resolution:
        meant = [d for d in self.devices if d.unique_id in self.ctx.recent and d.domain in DEVICE_INTENTS[self.intent]]
        if not meant:
            return Resolution(entities=(), reason="nothing mentioned before", missing="that")
        scored = [_Scored(d, 1.0, why="mentioned last") for d in meant]
        refs = tuple(_ref(s) for s in scored)
        return Resolution(entities=refs, reason="the device mentioned last", candidates=refs)

    def by_name(self, pool: list[NamedDevice]) -> Resolution:
        said_words = content_words(self.said)
        exactly = [d for d in pool if _exact(d, self.said)]
        pool = exactly or [d for d in pool if kind_fits(d, said_words)]  # "the front door light" is no door
        narrowed = False
        if self.said_area:  # a name and an area: the area rules out the devices elsewhere
            in_area = [d for d in pool if _in_area(d, self.area)]
            narrowed = bool(in_area) and len(in_area) < len(pool)
            pool = in_area or pool
        ranked = self.ranked(pool)
        candidates = tuple(_ref(s) for s in ranked[:N_BEST] if s.score >= MIN_SCORE / 2)
        exact = [s for s in ranked if s.score >= 1.0]
        if len(exact) == 1:
            return Resolution((_ref(exact[0]),), "name and area" if narrowed else "name", candidates=candidates)
        if exact:  # one name, several devices ("Ceiling Light" in two rooms)
            here = [s for s in exact if _in_area(s.device, self.speaker_area)]
            if here:
                return Resolution(tuple(_ref(s) for s in here), "name, in the speaker's area", candidates=candidates)
            if self.plural and self.intent not in SINGLE_TARGET:
                return Resolution(tuple(_ref(s) for s in exact), "name", candidates=candidates)
            return self._pick_one(exact, candidates, "name")
        best = ranked[0] if ranked else None
        if best is None or best.score < MIN_SCORE:
            found = find_device(self.nlu.text, pool, self._room()) if self.nlu.text else None
            if found is not None:  # the NLU kept part of the name ("pan" of "panty light"); the words have it
                return _found_in_words(found, candidates)
            return Resolution(entities=(), reason="no device has that name", missing=self.said, candidates=candidates)
        close = [s for s in ranked[1:] if s.score >= MIN_SCORE and best.total - s.total < MIN_MARGIN]
        if close and all(_norm(s.device.name) == _norm(best.device.name) for s in close):
            here = [s for s in (best, *close) if _in_area(s.device, area_id(self._room()))]
            if len(here) == 1:  # one name in several rooms, misheard alike: the room decides, as for the exact name
                return Resolution((_ref(here[0]),), f"sounds like {best.device.name!r}, in the room", candidates=candidates)
        if not close:
            return Resolution((_ref(best),), f"sounds like {best.device.name!r}", candidates=candidates)
        return Resolution(
            entities=(), reason="ambiguous: names alike", missing=self.said, candidates=candidates, ambiguous=True
        )

    def _pick_one(self, options: list[_Scored], candidates: tuple[EntityRef, ...], reason: str) -> Resolution:
        """One of several equally named/placed devices: context decides, else ask."""
        options = sorted(options, key=lambda s: -s.total)
        if len(options) == 1 or options[0].total - options[1].total >= STATE_BONUS - 1e-9:
            why = f"{reason}, {options[0].why}" if options[0].why else reason
            return Resolution((_ref(options[0]),), why, candidates=candidates)
        return Resolution(entities=(), reason="ambiguous", missing="that", candidates=candidates, ambiguous=True)

    def _unknown_name(self) -> str:
        """Words that look like a name nobody has: "front" in "turn off the front light" (a word right
        before the kind of device), or any unexplained words when nothing names a kind or a room
        ("turn on the left hand" must not switch whatever this room has)."""
        if not self.unexplained:
            return ""
        words = re.findall(r"[a-z0-9']+", self.nlu.text.casefold())
        if self.kind_word:
            for i, w in enumerate(words[1:], 1):
                if _stem(w) == self.kind_word and words[i - 1] in self.unexplained:
                    return f"{words[i - 1]} {w}"
            return ""
        if self.kind_given or self.said_area:
            return ""
        return " ".join(self.unexplained)

    def near(self, said: str, pool: Sequence[NamedDevice]) -> tuple[EntityRef, ...]:
        """The devices whose names come closest to a name nobody has, best first (never chosen: what
        the logs, and the learning that reads them, see of "turn on the board slide" beside the porch light)."""
        scored = [_Scored(d, _name_score(d, said)) for d in pool]
        ranked = sorted(scored, key=lambda s: (-s.score, s.device.name, s.device.unique_id))
        return tuple(_ref(s) for s in ranked[:N_BEST] if s.score >= MIN_SCORE / 2)

    def unknown(self, said: str, pool: Sequence[NamedDevice]) -> Resolution:
        """A name no device has, with the nearest ones (of the kinds the intent applies to) as candidates."""
        every = [d for d in self.devices if d.domain in DEVICE_INTENTS[self.intent]]
        return Resolution(entities=(), reason="no device has that name", missing=said, candidates=self.near(said, pool or every))

    def without_name(self, pool: list[NamedDevice]) -> Resolution:
        unknown = self._unknown_name()
        if unknown:
            return self.unknown(unknown, pool)
        if self.intent == "HassClimateGetTemperature":
            active = _active_appliance_sensors(pool, self.devices, self.ctx)
            if len(active) == 1 and not self.said_area:
                s = _Scored(active[0], 1.0, why="its appliance is on")
                return Resolution((_ref(s),), "the appliance that is on", candidates=(_ref(s),))
            if not self.said_area and not self.device_class:
                climate = [d for d in pool if d.domain == "climate"]
                pool = climate or pool
        if not self.kind_given and self.intent not in SINGLE_TARGET:
            pool = [d for d in pool if d.domain in ROOM_WIDE]
        if self.said_area:
            here = [d for d in pool if _in_area(d, self.area)]
            if not here and not any(_in_area(d, self.area) for d in self.devices) and self.kind_word:
                # no room of that name in this home: "the garage light" is a device nobody has
                said = f"{self.area.replace('_', ' ')} {self.kind_word}"
                return Resolution(entities=(), reason="no device has that name", missing=said)
            if not here:
                noun = "lights" if self.domains == ("light",) else "devices"
                return Resolution(
                    entities=(), reason="nothing of that kind in the area", missing=f"{noun} in the {self.area.replace('_', ' ')}"
                )
            return self._some_of(here, "area")
        if self.everywhere and self.intent not in SINGLE_TARGET:
            if not pool:
                return Resolution(entities=(), reason="no such device", missing="that")
            refs = tuple(_ref(s) for s in self.ranked(pool))
            return Resolution(refs, "every one in the home", candidates=refs[:N_BEST])
        here = [d for d in pool if _in_area(d, self.speaker_area)]
        if here:
            return self._some_of(here, "speaker's area")
        if len(pool) == 1 and self.unexplained:  # "lock the car": a name this home has no device for
            return self.unknown(" ".join(self.unexplained), pool)
        if len(pool) == 1:
            s = _Scored(pool[0], 1.0)
            return Resolution((_ref(s),), "the only one", candidates=(_ref(s),))
        if not pool:
            return Resolution(entities=(), reason="no such device", missing="that")
        ranked = self.ranked(pool)
        candidates = tuple(_ref(s) for s in ranked[:N_BEST])
        fitting = [s for s in ranked if _state_fits(self.intent, self.ctx.states.get(s.device.unique_id))]
        if not self.plural and len(fitting) == 1:
            return Resolution((_ref(fitting[0]),), "the only one its state fits", candidates=candidates)
        return Resolution(entities=(), reason="no name or area given", missing="that", candidates=candidates,
                          ambiguous=not self.plural and 2 <= len(ranked) <= 3)

    def _some_of(self, here: list[NamedDevice], reason: str) -> Resolution:
        """The devices of one area: all of them for "the lights", one for "the light"."""
        if self.kind_word and self.kind_word != "light":  # "the lamp" is the one called a lamp, if any is
            called = [d for d in here if self.kind_word in _stem(_norm(d.name)).split()]
            here = called or here
        ranked = self.ranked(here)
        candidates = tuple(_ref(s) for s in ranked[:N_BEST])
        if (self.plural and self.intent not in SINGLE_TARGET) or len(ranked) == 1:
            return Resolution(tuple(_ref(s) for s in ranked), reason, candidates=candidates)
        return self._pick_one(ranked, candidates, reason)


def resolve(
    nlu: NluResult,
    devices: Sequence[NamedDevice],
    speaker_area: str = "",
    recent: Sequence[str] = (),
    states: Mapping[str, str | None] | None = None,
) -> Resolution | None:
    """Devices meant by ``nlu``; None when the intent is not about devices.

    ``recent``: the unique ids of the devices the conversation last acted on or asked about,
    what "it" and "them" mean ("open the garage door" ... "close it"). ``states``: each
    device's current state ("on", "off", "open"...), the context for "turn off the light".
    """
    if nlu.intent not in DEVICE_INTENTS:
        return None
    ctx = Context(speaker_area=speaker_area, recent=tuple(recent), states=dict(states or {}))
    request = _Request(nlu, devices, ctx)
    if request.said and _PRONOUN.match(request.said):
        return request.by_pronoun()
    pool = request.pool()
    if request.said:
        return request.by_name(pool)
    if request.refers_back():
        return request.by_pronoun()
    named = request.name_in_words(pool)
    if named is not None:
        return named
    return request.without_name(pool)
