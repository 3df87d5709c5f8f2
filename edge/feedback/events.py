"""The feedback event: what the speaker tells the learning hub about one turn.

Text and features only, never audio; the speaker and home ids are
pseudonyms. The hub upserts events by (speaker, turn_id): a speaker may send
a turn again once its labels are final (a later rephrase marks it), and QoS 1
may deliver an event twice.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Mapping


class Defect(str, enum.Enum):
    BARGE_IN = "barge_in"  # the user cut the answer off
    REPHRASED = "rephrased"  # the user said it again, differently, within the window
    NEGATIVE_FEEDBACK = "negative_feedback"  # "no, that's wrong"
    ACTION_FAILED = "action_failed"
    UNCONFIRMED = "unconfirmed"  # the device did not confirm the action in time
    NOT_UNDERSTOOD = "not_understood"
    NO_DEVICE = "no_device"


class FailurePoint(str, enum.Enum):
    """The first stage that failed irrecoverably, or CORRECT."""

    FALSE_WAKE = "false_wake"
    ASR = "asr"
    NLU = "nlu"
    RESOLUTION = "resolution"
    RESULT = "result"
    CORRECT = "correct"


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    event_id: str
    speaker: str  # pseudonym of the speaker's id
    home: str  # pseudonym of the home's id
    turn_id: str
    ts: float  # unix time of the turn
    text: str  # what the speaker heard (after the wake word), before any rewrite
    rewritten: str | None  # what NLU was given instead, when a rewrite applied
    rewrite_source: str | None
    intent: str | None
    slots: Mapping[str, Any]
    nlu_confidence: float
    asr_logprob: float | None
    no_speech_prob: float | None
    wake_score: float | None
    entities: tuple[str, ...]  # unique ids resolved
    outcome: str
    defects: tuple[str, ...]  # Defect values
    rephrase_of: str | None  # turn_id of the earlier turn this one rephrases
    failure_point: str | None  # FailurePoint value, once known
    final: bool = True  # False: the labels may still change (the rephrase window is open)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """A turn that did what the user wanted, as far as the speaker can tell."""
        return not self.defects and self.outcome in ("done", "answered")

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "speaker": self.speaker,
            "home": self.home,
            "turn_id": self.turn_id,
            "ts": self.ts,
            "text": self.text,
            "rewritten": self.rewritten,
            "rewrite_source": self.rewrite_source,
            "intent": self.intent,
            "slots": dict(self.slots),
            "nlu_confidence": self.nlu_confidence,
            "asr_logprob": self.asr_logprob,
            "no_speech_prob": self.no_speech_prob,
            "wake_score": self.wake_score,
            "entities": list(self.entities),
            "outcome": self.outcome,
            "defects": list(self.defects),
            "rephrase_of": self.rephrase_of,
            "failure_point": self.failure_point,
            "final": self.final,
            "extra": dict(self.extra),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FeedbackEvent:
        def opt_float(key: str) -> float | None:
            v = d.get(key)
            return None if v is None else float(v)

        return cls(
            event_id=str(d["event_id"]),
            speaker=str(d["speaker"]),
            home=str(d["home"]),
            turn_id=str(d["turn_id"]),
            ts=float(d["ts"]),
            text=str(d["text"]),
            rewritten=None if d.get("rewritten") is None else str(d["rewritten"]),
            rewrite_source=None if d.get("rewrite_source") is None else str(d["rewrite_source"]),
            intent=None if d.get("intent") is None else str(d["intent"]),
            slots=dict(d.get("slots") or {}),
            nlu_confidence=float(d.get("nlu_confidence", 0.0)),
            asr_logprob=opt_float("asr_logprob"),
            no_speech_prob=opt_float("no_speech_prob"),
            wake_score=opt_float("wake_score"),
            entities=tuple(str(e) for e in d.get("entities", ())),
            outcome=str(d["outcome"]),
            defects=tuple(str(x) for x in d.get("defects", ())),
            rephrase_of=None if d.get("rephrase_of") is None else str(d["rephrase_of"]),
            failure_point=None if d.get("failure_point") is None else str(d["failure_point"]),
            final=bool(d.get("final", True)),
            extra=dict(d.get("extra") or {}),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> FeedbackEvent:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a feedback event is a JSON object")
        return cls.from_dict(data)
