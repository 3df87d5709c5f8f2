"""The rewrite table: utterances that keep failing -> what the same people said when it worked.

Mined by the learning hub (absorbing Markov chains over rephrase sequences),
signed, and looked up on the speaker before NLU by the normalised text.
This module holds only the data and the lookup; signing is ``edge.learning.signing``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping

_PUNCT = re.compile(r"[^\w\s']+")
_SPACE = re.compile(r"\s+")
_POLITE = re.compile(r"^(?:please\s+)|(?:\s+please)$")


def normalize_utterance(text: str) -> str:
    """The lookup key: lower case, no punctuation or accents, single spaces, no leading/trailing "please".

    "Turn on the Kitchen light, please!" -> "turn on the kitchen light".
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _PUNCT.sub(" ", text.lower().replace("’", "'"))
    text = _SPACE.sub(" ", text).strip()
    return _POLITE.sub("", text).strip()


@dataclass(frozen=True, slots=True)
class Rewrite:
    source: str  # normalised utterance that failed
    target: str  # the utterance to interpret instead
    support: int  # how many rephrase sequences led from source to target
    confidence: float  # absorption probability of target from source

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "support": self.support, "confidence": self.confidence}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rewrite:
        return cls(str(d["source"]), str(d["target"]), int(d["support"]), float(d["confidence"]))


@dataclass(frozen=True, slots=True)
class Example:
    """An utterance that worked, across homes: the global layer of online rewrite retrieval."""

    text: str
    intent: str
    support: int  # how many successful turns said it
    success_rate: float  # successes / all turns that said it

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "intent": self.intent, "support": self.support, "success_rate": self.success_rate}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Example:
        return cls(str(d["text"]), str(d["intent"]), int(d["support"]), float(d["success_rate"]))


@dataclass(frozen=True, slots=True)
class RewriteTable:
    version: int  # strictly increasing; a speaker never goes back to an older table
    created_at: float  # unix time the hub mined it
    rewrites: Mapping[str, Rewrite] = field(default_factory=dict)  # by normalised source
    examples: tuple[Example, ...] = ()

    @classmethod
    def of(cls, version: int, created_at: float, rewrites: list[Rewrite], examples: tuple[Example, ...] = ()) -> RewriteTable:
        return cls(version, created_at, {normalize_utterance(r.source): r for r in rewrites}, tuple(examples))

    def lookup(self, text: str) -> Rewrite | None:
        return self.rewrites.get(normalize_utterance(text))

    def __len__(self) -> int:
        return len(self.rewrites)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_at": self.created_at,
            "rewrites": [r.to_dict() for r in sorted(self.rewrites.values(), key=lambda r: r.source)],
            "examples": [e.to_dict() for e in self.examples],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RewriteTable:
        return cls.of(
            int(d["version"]),
            float(d["created_at"]),
            [Rewrite.from_dict(r) for r in d.get("rewrites", ())],
            tuple(Example.from_dict(e) for e in d.get("examples", ())),
        )
