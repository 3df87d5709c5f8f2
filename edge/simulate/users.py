"""Simulated users: what each one wants, how they say it, and what they do when it goes wrong.

A ``Goal`` is the truth of a request: the intent, the devices it is about and
the state they must end in. A ``Phrasing`` is one way to say it: the canonical
sentence, a household nickname for the device, a vague request that names no
device, or a name the ASR reliably mishears. A ``User`` has a voice and, per
goal, the phrasings in the order they try them: the first is their habit, the
rest are their rephrases, usually ending with the canonical one.

Pure data and decisions (a ``random.Random`` is passed in): no I/O, no clock.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from typing import Mapping, Sequence


class Kind(str, enum.Enum):
    CANONICAL = "canonical"  # the device's own name, a sentence the templates know
    NICKNAME = "nickname"  # the household's name for a device ("the big light")
    VAGUE = "vague"  # names no device ("it's dark in here")
    MISHEARD = "misheard"  # a name the ASR gets wrong ("ecobee" -> "echo be")


@dataclass(frozen=True, slots=True)
class Goal:
    """What the user wants done; the truth every turn of the request is judged against."""

    key: str
    intent: str  # the Home Assistant intent that does it
    entities: tuple[str, ...]  # unique ids of the devices it is about, exactly these
    expect_state: str | None = None  # the devices' state afterwards ("on", "closed"); None: not checked
    outcome: str = "done"  # the turn's outcome when it worked: "done", or "answered" for a question
    when: tuple[str, str] | None = None  # (unique id, state) in which the goal makes sense: "on" only when off
    answer: str = ""  # what the user replies to "which one?" (a clarifying question)


@dataclass(frozen=True, slots=True)
class Phrasing:
    text: str  # what the user says after the wake word
    kind: Kind = Kind.CANONICAL
    ref: str | None = ""  # the words naming the device ("" = the text names it canonically); None: names none
    heard: str | None = None  # text mode only: what the ASR makes of it (MISHEARD); None: exactly the text

    @property
    def as_heard(self) -> str:
        return self.heard if self.heard is not None else self.text


@dataclass(frozen=True, slots=True)
class User:
    name: str
    voice: str  # "piper" (joe) or an espeak-ng voice ("en", "en+m3", ...)
    habits: Mapping[str, tuple[Phrasing, ...]]  # goal key -> phrasings in the order this user tries them
    weight: float = 1.0  # how much of the household's traffic is theirs
    patience: int = 3  # attempts at one request before giving up
    give_up: float = 0.1  # chance of giving up after each wrong outcome, patience left or not
    barge_in: float = 0.7  # chance of cutting a wrong answer off (else they wait for it to end)
    consistency: float = 0.9  # chance of starting with their habit rather than one of their rephrases
    goal_weights: Mapping[str, float] = field(default_factory=dict)  # default 1 for every goal in habits

    def goals(self) -> tuple[str, ...]:
        return tuple(self.habits)

    def first(self, goal: str, rng: random.Random) -> int:
        """Index of the phrasing this request starts with: the habit, or now and then another."""
        options = self.habits[goal]
        if len(options) > 1 and rng.random() > self.consistency:
            return rng.randrange(1, len(options))
        return 0

    def next(self, goal: str, tried: Sequence[int], rng: random.Random) -> int | None:
        """After a wrong outcome: the next phrasing to try, or None to give up."""
        if len(tried) >= self.patience or rng.random() < self.give_up:
            return None
        options = self.habits[goal]
        for i in range(len(options)):
            if i not in tried:
                return i
        return None  # said everything they know


@dataclass(frozen=True, slots=True)
class Household:
    """The goals, the users, and the room the speaker stands in."""

    goals: Mapping[str, Goal]
    users: tuple[User, ...]
    area: str = "Kitchen"

    def __post_init__(self) -> None:
        for user in self.users:
            for key, options in user.habits.items():
                if key not in self.goals:
                    raise ValueError(f"user {user.name}: no goal {key!r}")
                if not options:
                    raise ValueError(f"user {user.name}: no phrasing for {key!r}")

    def families(self, user: User) -> list[tuple[str, ...]]:
        """The user's goals grouped by the device they switch ("kitchen_on" with "kitchen_off"), in habit order."""
        groups: dict[str, list[str]] = {}
        for key in user.goals():
            goal = self.goals[key]
            groups.setdefault(goal.when[0] if goal.when else key, []).append(key)
        return [tuple(keys) for keys in groups.values()]

    def plan_day(self, rng: random.Random, requests: int) -> list[tuple[User, tuple[str, ...]]]:
        """The day's requests in time order: who, and about which device (a family of goals).

        A day is a routine more than a lottery: each user gets their share of the requests by
        weight (largest remainder), and goes through their devices in a shuffled round, again and
        again, so every day holds nearly the same mix and days can be compared."""
        total = sum(u.weight for u in self.users)
        shares = [requests * u.weight / total for u in self.users]
        counts = [int(x) for x in shares]
        for i in sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))[: requests - sum(counts)]:
            counts[i] += 1
        plan: list[tuple[User, tuple[str, ...]]] = []
        for user, count in zip(self.users, counts):
            families = self.families(user)
            rounds: list[tuple[str, ...]] = []
            while len(rounds) < count:
                batch = list(families)
                rng.shuffle(batch)
                rounds += batch
            plan += [(user, family) for family in rounds[:count]]
        rng.shuffle(plan)
        return plan

    def choose(self, user: User, family: tuple[str, ...], states: Mapping[str, str], rng: random.Random) -> Goal:
        """The goal of the family that makes sense now ("on" when it is off), else any of the user's that does."""
        for keys in (family, user.goals()):
            sensible = [k for k in keys if _sensible(self.goals[k], states)]
            if sensible:
                weights = [user.goal_weights.get(k, 1.0) for k in sensible]
                return self.goals[rng.choices(sensible, weights=weights)[0]]
        return self.goals[family[0]]


def _sensible(goal: Goal, states: Mapping[str, str]) -> bool:
    if goal.when is None:
        return True
    uid, state = goal.when
    return states.get(uid, state) == state
