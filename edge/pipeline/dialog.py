"""Questions the speaker asks back, and how their answers are read.

Pure: no I/O and no clock (times are passed in). The processor asks through
``Dialog.ask`` ("Are you sure you want to unlock the front door?", "The
ceiling light or the lamp?", "Which room is this speaker in?"), the front then listens without the wake word,
and the answer comes back through ``Dialog.take`` with ``is_yes`` / ``choose``
to read it. At most one question is open; it expires.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from typing import Any, Sequence

from edge.nlu.normalize import normalize_words, singular
from edge.turn import EntityRef, NluResult, Resolution


class Ask(str, enum.Enum):
    CONFIRM = "confirm"  # a security-sensitive action: act only on a clear yes
    CLARIFY = "clarify"  # two devices fit: which one
    PREFERENCE = "preference"  # "learn my preferences": one question of its guided dialog (edge.rewrite.preferences)


@dataclass(frozen=True, slots=True)
class Question:
    """An open question: what was asked, about which request, until when an answer counts."""

    kind: Ask
    text: str  # what the speaker says
    turn_id: str  # the turn that asked (its outcome is ASKED)
    session_id: str
    nlu: NluResult  # the request the question is about
    resolution: Resolution
    options: tuple[EntityRef, ...]  # confirm: the devices to act on; clarify: the choices, in the order said
    expires_monotonic: float
    setup: Any = None  # preference: the dialog so far (edge.rewrite.preferences.Setup)

    def expired(self, now_monotonic: float) -> bool:
        return now_monotonic >= self.expires_monotonic


class Dialog:
    """The open question, if any. Owned by the worker thread (the processor)."""

    def __init__(self) -> None:
        self._question: Question | None = None

    @property
    def pending(self) -> Question | None:
        return self._question

    def ask(self, question: Question) -> None:
        self._question = question  # a new question replaces an unanswered one

    def take(self, now_monotonic: float) -> Question | None:
        """The open question, closed now; None when there is none or it expired."""
        question, self._question = self._question, None
        if question is None or question.expired(now_monotonic):
            return None
        return question

    def drop(self) -> None:
        self._question = None


# -- what the speaker says ------------------------------------------------------------
_VERBS = {"unlock": "unlock", "open": "open", "open_cover": "open", "set_cover_position": "open", "alarm_disarm": "disarm"}


def _the(name: str) -> str:
    return name if name.casefold().startswith("the ") else f"the {name.lower()}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def confirm_question(actions: Sequence[tuple[str, str]]) -> str:
    """(device name, service) of the sensitive actions -> "Are you sure you want to unlock the front door?"."""
    by_verb: dict[str, list[str]] = {}
    for name, service in actions:
        by_verb.setdefault(_VERBS.get(service, service.replace("_", " ")), []).append(_the(name))
    what = " and ".join(f"{verb} {_join(names)}" for verb, names in by_verb.items())
    return f"Are you sure you want to {what}?"


def labels(options: Sequence[EntityRef]) -> list[str]:
    """How each option is called in a question: its name, without the area they all start with,
    with its area when two are called the same ("kitchen light" / "hallway light")."""
    names = [o.name for o in options]
    areas = {o.area.casefold() for o in options}
    if len(areas) == 1 and (area := next(iter(areas))):
        short = [n[len(area) :].strip() if n.casefold().startswith(area + " ") else n for n in names]
        if len({s.casefold() for s in short}) == len(short):
            names = short
    folded = [n.casefold() for n in names]
    return [
        (f"{o.area} {n}" if o.area and folded.count(n.casefold()) > 1 else n).lower() for o, n in zip(options, names)
    ]


def clarify_question(options: Sequence[EntityRef]) -> str:
    """"The ceiling light or the lamp?" for the first two options."""
    first, second = labels(options[:2])
    return f"The {first} or the {second}?"


# -- reading the answer ---------------------------------------------------------------
_FILLER = {"the", "a", "um", "uh", "oh", "please", "one", "ones", "just", "i", "mean", "meant", "it's", "its", "that"}
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "former": 0, "latter": 1}
_ALL = {"both", "all", "both of them", "all of them", "both please", "each", "the two"}
_STOP = {
    "stop", "stop it", "stop that", "cancel", "never mind", "nevermind", "be quiet", "quiet", "shut up", "enough",
    "no stop", "okay stop", "ok stop", "forget it",
}  # fmt: skip


def normalize(text: str) -> str:
    """The words said, lower case, single spaces, no punctuation: "Yes, please." -> "yes please"."""
    return " ".join(normalize_words(text))


def is_yes(text: str, phrases: Sequence[str]) -> bool:
    """A clear yes: the answer is one of ``phrases`` and nothing else ("Yes, please." yes; "yes but later" no)."""
    said = normalize(text)
    return bool(said) and said in {normalize(p) for p in phrases}


def is_stop(text: str) -> bool:
    """"Stop", "cancel", "never mind": the user wants the speaker to be quiet, nothing else."""
    return normalize(text) in _STOP


def _words(text: str) -> set[str]:
    return {singular(w) for w in normalize(text).split()} - _FILLER


def _hits(said: set[str], words: set[str]) -> int:
    return sum(1 for w in said if w in words or difflib.get_close_matches(w, list(words), n=1, cutoff=0.8))


def choose(text: str, options: Sequence[EntityRef]) -> tuple[EntityRef, ...]:
    """The options the answer picks ("the lamp", "the second one", "the kitchen one", "both"); () when unclear."""
    said = normalize(text)
    if not said or not options:
        return ()
    bare = " ".join(w for w in said.split() if w not in {"the", "please", "um", "uh"})
    if said in _ALL or bare in _ALL:
        return tuple(options)
    tokens = said.split()
    for word, index in _ORDINALS.items():
        if word in tokens and index < len(options):
            return (options[index],)
    if "last" in tokens:
        return (options[-1],)
    said_words = _words(said)
    if not said_words:
        return ()
    # words that tell the options apart: each option's name, label and area minus what all of them share
    own = [_words(f"{o.name} {label} {o.area}") for o, label in zip(options, labels(options))]
    shared = set.intersection(*own) if own else set()
    scores = [_hits(said_words, words - shared) for words in own]
    best = max(scores)
    if best == 0 or scores.count(best) > 1:
        return ()
    return (options[scores.index(best)],)
