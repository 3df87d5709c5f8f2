"""Learning preferences by voice: "learn my preferences", a short guided dialog, and what it changes.

The questions, each answered without the wake word (the processor's follow-up
question, ``edge.pipeline.dialog.Ask.PREFERENCE``)::

    "Which room is this speaker in?"                       -> ROOM: the speaker's area from then on
    "What temperature do you like?"                        -> TEMPERATURE: "make it comfortable", "turn on the heating"
    "When you say 'the light', which light do you mean?"   -> LIGHT: "turn on the light" means that light

An answer that names nothing here (an unknown room or light, a temperature the
thermostat cannot take) is said back and the question asked once more, then
skipped; "skip", "I don't know", "no" or silence skips it; "stop" / "cancel"
ends the dialog and keeps nothing. At the end one sentence says what was
learned; the processor stores it in one transaction
(``PersonalStore.learn_preferences``), in effect from the next turn, and
"forget that" undoes the whole set (``PersonalStore.forget_preferences``).
A question the home has nothing for is not asked (no thermostat: no
temperature). Pure: no I/O, no clock.

Public API::

    is_learn_preferences("let's set up my preferences")   # True
    home = HomeFacts.of(registry_entities)
    setup = start(home)                                    # Setup | None (nothing to ask here)
    setup.question()                                       # what to ask now
    step = answer(setup, "the living room", home)          # SetupStep: ask step.setup next, or done
    rewrite("turn on the light", {"light": uid}, entities) # "turn on the living room lamp" | None
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from edge.nlu.normalize import parse_number
from edge.pipeline.dialog import choose, is_stop, normalize
from edge.rewrite.teach import parse_teaching
from edge.turn import EntityRef

ROOM, TEMPERATURE, LIGHT = "room", "temperature", "light"
KEYS = (ROOM, TEMPERATURE, LIGHT)  # asked in this order
QUESTIONS = {
    ROOM: "Which room is this speaker in?",
    TEMPERATURE: "What temperature do you like?",
    LIGHT: "When you say 'the light', which light do you mean?",
}
DEFAULT_TEMPERATURE_RANGE = (7.0, 35.0)  # a thermostat's range when discovery says none (Home Assistant's default, °C)

_TRIGGER = re.compile(
    r"^(?:(?:ok|okay|please|can you|could you|would you|let's|lets|let us|i want to|i'd like to|i would like to|now)\s+)*"
    r"(?:learn|set up|setup|set|teach you|configure|update|change|ask me|ask about|go through|save)\s+"
    r"(?:about\s+)?(?:all\s+)?(?:my|our)\s+(?:personal\s+)?(?:preferences|preference|settings|likes)(?:\s+please)?$"
)
_SKIP = frozenset(
    "skip|skip it|skip that|skip this|skip this one|next|next question|pass|i don't know|i dont know|don't know|"
    "dont know|not sure|i'm not sure|no idea|none|nothing|no|nope|no preference|doesn't matter|it doesn't matter|"
    "whatever|any".split("|")
)


def _mentions(said: str, phrase: str) -> bool:
    """``said`` (normalised) has ``phrase`` (folded) as whole words."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", said) is not None


def is_learn_preferences(text: str) -> bool:
    """"Learn my preferences", "let's set up my preferences", "set my preferences please"."""
    return bool(_TRIGGER.match(normalize(text)))


@dataclass(frozen=True, slots=True)
class HomeFacts:
    """What answers are checked against: the rooms, lights and thermostats the registry has now."""

    areas: tuple[str, ...]  # as the registry writes them ("living room")
    lights: tuple[EntityRef, ...]
    temperature_range: tuple[float, float] | None  # None: no thermostat here

    @classmethod
    def of(cls, entities: Sequence[Any]) -> HomeFacts:
        areas = sorted({e.area for e in entities if getattr(e, "area", "")}, key=str.casefold)
        lights = tuple(EntityRef(e.unique_id, e.name, e.area or "", e.domain) for e in entities if e.domain == "light")
        ranges = [_range_of(e) for e in entities if e.domain == "climate"]
        span = (min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges else None
        return cls(tuple(areas), lights, span)

    def keys(self) -> tuple[str, ...]:
        """The questions worth asking in this home."""
        have = {ROOM: bool(self.areas), TEMPERATURE: self.temperature_range is not None, LIGHT: bool(self.lights)}
        return tuple(k for k in KEYS if have[k])


def _range_of(entity: Any) -> tuple[float, float]:
    detail = getattr(entity, "detail", None)
    low, high = getattr(detail, "min_temp", None), getattr(detail, "max_temp", None)
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low < high:
        return float(low), float(high)
    return DEFAULT_TEMPERATURE_RANGE


@dataclass(frozen=True, slots=True)
class Setup:
    """The dialog so far: the questions left (the one asked now first) and the answers taken."""

    left: tuple[str, ...]
    learned: tuple[tuple[str, str], ...] = ()
    retried: bool = False  # the question now is asked a second time

    def question(self) -> str:
        return QUESTIONS[self.left[0]]

    def _next(self, said: str, learned: tuple[tuple[str, str], ...], home: HomeFacts) -> SetupStep:
        rest = replace(self, left=self.left[1:], learned=learned, retried=False)
        taken = learned != self.learned
        if rest.left:
            return SetupStep(f"{said} {rest.question()}".strip(), rest, accepted=taken)
        return SetupStep(f"{said} {confirmation(dict(learned), home)}".strip(), None, dict(learned), taken)


@dataclass(frozen=True, slots=True)
class SetupStep:
    say: str  # the next question (with what was wrong with the answer), or the closing sentence
    setup: Setup | None  # ask ``setup.question()`` next; None: the dialog is over
    learned: dict[str, str] = field(default_factory=dict)  # when over: what to store (key -> value)
    accepted: bool = False  # this answer was taken
    cancelled: bool = False


def start(home: HomeFacts) -> Setup | None:
    keys = home.keys()
    return Setup(keys) if keys else None


def answer(setup: Setup, text: str, home: HomeFacts) -> SetupStep:
    """Read one answer to ``setup.question()``."""
    said = normalize(text)
    if said and is_stop(said) and said not in _SKIP:
        return SetupStep("OK, I didn't change your preferences.", None, cancelled=True)
    key = setup.left[0]
    if not said or said in _SKIP:
        return setup._next("", setup.learned, home)
    value, problem = _read(key, text, home)
    if value is not None:
        return setup._next("", (*[(k, v) for k, v in setup.learned if k != key], (key, value)), home)
    if setup.retried:
        return setup._next(f"{problem} I'll skip that.", setup.learned, home)
    return SetupStep(f"{problem} {setup.question()}", replace(setup, retried=True))


def _read(key: str, text: str, home: HomeFacts) -> tuple[str | None, str]:
    """(the value to store, or None and what to say about the answer)."""
    said = normalize(text)
    if key == ROOM:
        room = read_room(said, home.areas)
        return (room, "") if room else (None, f"I don't know a room called {_quoted(said)}.")
    if key == TEMPERATURE:
        low, high = home.temperature_range or DEFAULT_TEMPERATURE_RANGE
        value = read_temperature(text)
        if value is None:
            return None, "Sorry, I didn't catch a temperature."
        if not low <= value <= high:
            return None, f"The thermostat takes {low:g} to {high:g} degrees."
        return f"{value:g}", ""
    light = read_light(said, home.lights)
    return (light.unique_id, "") if light else (None, f"I don't know which light {_quoted(said)} is.")


def _quoted(said: str) -> str:
    return said if len(said) <= 40 else said[:40].rsplit(" ", 1)[0]


_ROOM_FILLER = re.compile(
    r"^(?:(?:it's|it is|its|this is|this speaker is|the speaker is|i'm|i am|we're|we are|you're|you are|"
    r"i think|in|at|on|the|my|our|it|is)\s+)*"
)


def read_room(said: str, areas: Sequence[str]) -> str | None:
    """The area the answer names ("the living room", "it's in the kitchen", "kitchen please"); None when none."""
    said = normalize(said)
    folded = {a.casefold(): a for a in areas}
    named = [a for f, a in folded.items() if _mentions(said, f)]
    if named:
        return max(named, key=len)
    bare = _ROOM_FILLER.sub("", said).removesuffix(" please").strip()
    for candidate in (bare, f"{bare} room", bare.removesuffix(" room")):
        close = difflib.get_close_matches(candidate, list(folded), n=1, cutoff=0.8)
        if close:
            return folded[close[0]]
    return None


_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety point".split()
)


def read_temperature(said: str) -> float | None:
    """The temperature said ("21", "twenty one degrees", "about 20.5 please"); None when there is no number."""
    tokens = re.findall(r"\d+(?:\.\d+)?|[a-z]+", said.casefold())
    runs: list[list[str]] = [[]]
    for t in tokens:
        if t[0].isdigit() or t in _NUMBER_WORDS:
            runs[-1].append(t)
        elif runs[-1]:
            runs.append([])
    numbers = [v for v in (parse_number(" ".join(r)) for r in runs if r) if v is not None]
    return numbers[0] if len(numbers) == 1 else None


def read_light(said: str, lights: Sequence[EntityRef]) -> EntityRef | None:
    """The one light the answer names ("the living room lamp", "the lamp", "the one in the kitchen")."""
    folded = normalize(said)
    named = [o for o in lights if _mentions(folded, o.name.casefold())]
    if named:
        longest = max(len(o.name) for o in named)
        best = [o for o in named if len(o.name) == longest]
        return best[0] if len(best) == 1 else None
    chosen = choose(said, lights) if len(lights) > 1 else ()  # words that tell it from the others
    return chosen[0] if len(chosen) == 1 else None


def confirmation(learned: Mapping[str, str], home: HomeFacts) -> str:
    """One sentence for everything learned: "Got it: this speaker is in the living room, you like 21 degrees,
    and 'the light' means the living room lamp."."""
    parts = []
    if ROOM in learned:
        parts.append(f"this speaker is in the {learned[ROOM].lower()}")
    if TEMPERATURE in learned:
        parts.append(f"you like {learned[TEMPERATURE]} degrees")
    if LIGHT in learned:
        name = next((o.name for o in home.lights if o.unique_id == learned[LIGHT]), learned[LIGHT])
        parts.append(f"'the light' means the {name.lower()}")
    if not parts:
        return "OK, I didn't change your preferences."
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])}{',' if len(parts) > 2 else ''} and {parts[-1]}"
    return f"Got it: {joined}."


def describe(undone: Mapping[str, str]) -> str:
    """What "forget that" undid, for its answer: "your room, temperature and light"."""
    words = [{ROOM: "room", TEMPERATURE: "temperature", LIGHT: "light"}[k] for k in KEYS if k in undone]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# -- what the preferences change, before NLU ------------------------------------------------------
_THE_LIGHT = re.compile(r"(?<![\w'])the light(?![\w'])")
_COMFORT = re.compile(
    r"^(?:(?:please|can you|could you)\s+)?(?:"
    r"make it (?:comfortable|cozy|cosy|nice and warm)|make me comfortable|"
    r"set (?:the )?(?:heat|heating|thermostat|temperature)|"
    r"turn (?:on )?(?:the )?(?:heat|heating)(?: on)?|switch (?:on )?(?:the )?(?:heat|heating)(?: on)?|"
    r"(?:the )?usual temperature|my temperature|heat (?:the house|it) up|warm (?:the house|it) up"
    r")(?:\s+please)?$"
)


def rewrite(text: str, preferences: Mapping[str, str], entities: Sequence[Any]) -> str | None:
    """``text`` as the preferences make it mean, or None when they change nothing:
    "make it comfortable" / "turn on the heating" -> "set the temperature to 21 degrees"; "turn on the light" ->
    "turn on the living room lamp" (not when a room is named, nor "the lights", nor a teaching)."""
    said = normalize(text)
    if not said or parse_teaching(text) is not None or is_learn_preferences(text):
        return None
    temperature = preferences.get(TEMPERATURE)
    if temperature and _COMFORT.match(said):
        return f"set the temperature to {temperature} degrees"
    light = preferences.get(LIGHT)
    if not light or not _THE_LIGHT.search(said):
        return None
    name = next((e.name for e in entities if e.unique_id == light), None)
    areas = {(getattr(e, "area", "") or "").casefold() for e in entities} - {""}
    if name is None or any(_mentions(said, a) for a in areas):
        return None  # the light is gone, or the request names its room ("the light in the kitchen")
    return _THE_LIGHT.sub(lambda _: f"the {name.casefold()}", said, count=1)
