"""The Turn record: one request's journey through the loop.

Every stage reads what earlier stages wrote and adds its own result with
``dataclasses.replace``; nothing flows backwards. All records are frozen and
slotted, times carry their unit in the name, and ``Turn.to_dict`` /
``Turn.from_dict`` round-trip exactly (tested), which is what the turn log
stores and what ``edge listen --json`` prints from.
"""

from __future__ import annotations

import dataclasses
import enum
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping


class Outcome(str, enum.Enum):
    """What finally happened to a turn."""

    DONE = "done"  # every action confirmed by the device's state
    UNCONFIRMED = "unconfirmed"  # published, but the state did not confirm in time
    FAILED = "failed"  # publish failed or the device reported something else
    ANSWERED = "answered"  # a question or local intent answered, nothing to switch
    NO_DEVICE = "no_device"  # understood, but no device matched the name
    NOT_UNDERSTOOD = "not_understood"  # no intent recognised
    UNSUPPORTED = "unsupported"  # understood, but edge cannot do that (yet, or to that device)
    REFUSED = "refused"  # a security-sensitive action (unlock, open the garage) not done: not confirmed, or confirmation is off
    ASKED = "asked"  # the speaker asked back ("Are you sure ...?", "The lamp or the ceiling light?"); the answer is the next turn
    NO_SPEECH = "no_speech"  # woke, but nobody spoke before the timeout
    UNREACHABLE = "unreachable"  # the broker is down: devices cannot be reached
    ERROR = "error"  # a stage raised; see Turn.error


@dataclass(frozen=True, slots=True)
class WakeResult:
    model: str
    score: float
    audio_time_s: float  # position in the audio stream where the wake word fired

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WakeResult:
        return cls(model=str(d["model"]), score=float(d["score"]), audio_time_s=float(d["audio_time_s"]))


@dataclass(frozen=True, slots=True)
class AsrResult:
    text: str
    avg_logprob: float
    no_speech_prob: float
    audio_s: float  # length of the command audio that was transcribed
    model: str
    alternatives: tuple[str, ...] = ()  # other hypotheses of the n-best list, best first

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["alternatives"] = list(self.alternatives)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AsrResult:
        return cls(
            text=str(d["text"]),
            avg_logprob=float(d["avg_logprob"]),
            no_speech_prob=float(d["no_speech_prob"]),
            audio_s=float(d["audio_s"]),
            model=str(d["model"]),
            alternatives=tuple(d.get("alternatives", ())),
        )


@dataclass(frozen=True, slots=True)
class NluResult:
    text: str  # the text that was interpreted
    intent: str | None  # Home Assistant intent name, None when nothing matched
    confidence: float
    slots: Mapping[str, Any] = field(default_factory=dict)
    unmatched: Mapping[str, str] = field(default_factory=dict)  # slot -> words no list value matched
    source: str = "hassil"
    # the model's most probable intents with calibrated probabilities, best first (None: out of domain);
    # empty without the model (``[nlu] engine = "templates"``)
    nbest: tuple[tuple[str | None, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": self.confidence,
            "slots": dict(self.slots),
            "unmatched": dict(self.unmatched),
            "source": self.source,
            "nbest": [[i, p] for i, p in self.nbest],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NluResult:
        return cls(
            text=str(d["text"]),
            intent=d.get("intent"),
            confidence=float(d["confidence"]),
            slots=dict(d.get("slots", {})),
            unmatched=dict(d.get("unmatched", {})),
            source=str(d.get("source", "hassil")),
            nbest=tuple((i, float(p)) for i, p in d.get("nbest", ())),
        )


@dataclass(frozen=True, slots=True)
class EntityRef:
    unique_id: str
    name: str
    area: str
    domain: str
    score: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EntityRef:
        return cls(
            unique_id=str(d["unique_id"]),
            name=str(d["name"]),
            area=str(d.get("area", "")),
            domain=str(d.get("domain", "")),
            score=float(d.get("score", 1.0)),
        )


@dataclass(frozen=True, slots=True)
class Resolution:
    entities: tuple[EntityRef, ...]
    reason: str  # why these: "name", "area", "speaker area", ...
    missing: str = ""  # the name said when nothing matched it
    candidates: tuple[EntityRef, ...] = ()  # the n-best list, best first, with scores (the chosen ones among them)
    ambiguous: bool = False  # two candidates too close to choose: ask which one

    def to_dict(self) -> dict[str, Any]:
        return {
            "entities": [e.to_dict() for e in self.entities],
            "reason": self.reason,
            "missing": self.missing,
            "candidates": [e.to_dict() for e in self.candidates],
            "ambiguous": self.ambiguous,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Resolution:
        return cls(
            entities=tuple(EntityRef.from_dict(e) for e in d.get("entities", ())),
            reason=str(d.get("reason", "")),
            missing=str(d.get("missing", "")),
            candidates=tuple(EntityRef.from_dict(e) for e in d.get("candidates", ())),
            ambiguous=bool(d.get("ambiguous", False)),
        )


@dataclass(frozen=True, slots=True)
class ActionResult:
    unique_id: str
    topic: str
    payload: str
    confirmed: bool  # the device's state topic reported the commanded state in time
    state: str | None = None  # the state last reported by the device
    latency_ms: float | None = None  # publish -> confirming state message
    error: str = ""
    optimistic: bool = False  # the device reports no state (a scene, a button): publishing is all there is

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ActionResult:
        return cls(
            unique_id=str(d["unique_id"]),
            topic=str(d["topic"]),
            payload=str(d["payload"]),
            confirmed=bool(d["confirmed"]),
            state=d.get("state"),
            latency_ms=d.get("latency_ms"),
            error=str(d.get("error", "")),
            optimistic=bool(d.get("optimistic", False)),
        )


@dataclass(frozen=True, slots=True)
class ResponseResult:
    text: str
    tts_first_audio_ms: float | None = None
    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ResponseResult:
        return cls(
            text=str(d["text"]),
            tts_first_audio_ms=d.get("tts_first_audio_ms"),
            interrupted=bool(d.get("interrupted", False)),
        )


@dataclass(frozen=True, slots=True)
class RewriteResult:
    """The request was rewritten before NLU (issue 5: what edge learned from past mistakes)."""

    original: str  # the text as heard
    text: str  # what NLU was given instead
    source: str  # "table" (the hub's signed table), "personal" / "global" (online retrieval), "taught"
    score: float  # the table's confidence, or the retrieval similarity
    version: int = 0  # the rewrite table's version, for source "table"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RewriteResult:
        return cls(
            original=str(d["original"]),
            text=str(d["text"]),
            source=str(d["source"]),
            score=float(d.get("score", 0.0)),
            version=int(d.get("version", 0)),
        )


@dataclass(frozen=True, slots=True)
class DialogResult:
    """This turn is the answer to a question the speaker asked in turn ``asked_turn_id`` (outcome ASKED)."""

    kind: str  # "confirm" (a security-sensitive action) | "clarify" (which device)
    question: str  # what the speaker asked
    answer: str  # what was heard, without the wake word; "" when nobody answered in time
    accepted: bool  # confirm: a clear yes; clarify: the answer chose a device
    asked_turn_id: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DialogResult:
        return cls(
            kind=str(d["kind"]),
            question=str(d["question"]),
            answer=str(d.get("answer", "")),
            accepted=bool(d["accepted"]),
            asked_turn_id=str(d.get("asked_turn_id", "")),
        )


def new_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True, slots=True)
class Turn:
    """One request, from the wake word to the spoken answer."""

    turn_id: str
    device_id: str
    area: str
    started_at: float  # unix time the wake word fired
    source: str = "mic"  # "mic" or the file the audio came from
    session_id: str = ""
    wake: WakeResult | None = None
    asr: AsrResult | None = None
    rewrite: RewriteResult | None = None
    nlu: NluResult | None = None
    resolution: Resolution | None = None
    actions: tuple[ActionResult, ...] = ()
    response: ResponseResult | None = None
    dialog: DialogResult | None = None  # set when this turn answered the speaker's question (no wake word)
    outcome: Outcome | None = None
    error: str = ""
    timings_ms: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def start(cls, *, device_id: str, area: str, source: str, wake: WakeResult | None, session_id: str = "") -> Turn:
        return cls(
            turn_id=new_id(),
            device_id=device_id,
            area=area,
            started_at=time.time(),
            source=source,
            session_id=session_id or new_id(),
            wake=wake,
        )

    def with_timing(self, **timings_ms: float) -> Turn:
        merged = dict(self.timings_ms)
        merged.update({k: round(v, 2) for k, v in timings_ms.items()})
        return dataclasses.replace(self, timings_ms=merged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn_id": self.turn_id,
            "session_id": self.session_id,
            "device_id": self.device_id,
            "area": self.area,
            "started_at": self.started_at,
            "source": self.source,
            "wake": self.wake.to_dict() if self.wake else None,
            "asr": self.asr.to_dict() if self.asr else None,
            "rewrite": self.rewrite.to_dict() if self.rewrite else None,
            "nlu": self.nlu.to_dict() if self.nlu else None,
            "resolution": self.resolution.to_dict() if self.resolution else None,
            "actions": [a.to_dict() for a in self.actions],
            "response": self.response.to_dict() if self.response else None,
            "dialog": self.dialog.to_dict() if self.dialog else None,
            "outcome": self.outcome.value if self.outcome else None,
            "error": self.error,
            "timings_ms": dict(self.timings_ms),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Turn:
        def opt(key: str, parse: Any) -> Any:
            value = d.get(key)
            return parse(value) if value is not None else None

        return cls(
            turn_id=str(d["turn_id"]),
            session_id=str(d.get("session_id", "")),
            device_id=str(d["device_id"]),
            area=str(d.get("area", "")),
            started_at=float(d["started_at"]),
            source=str(d.get("source", "mic")),
            wake=opt("wake", WakeResult.from_dict),
            asr=opt("asr", AsrResult.from_dict),
            rewrite=opt("rewrite", RewriteResult.from_dict),
            nlu=opt("nlu", NluResult.from_dict),
            resolution=opt("resolution", Resolution.from_dict),
            actions=tuple(ActionResult.from_dict(a) for a in d.get("actions", ())),
            response=opt("response", ResponseResult.from_dict),
            dialog=opt("dialog", DialogResult.from_dict),
            outcome=opt("outcome", Outcome),
            error=str(d.get("error", "")),
            timings_ms={k: float(v) for k, v in d.get("timings_ms", {}).items()},
        )
