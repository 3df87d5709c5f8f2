"""Turns for the rephrase, labelling, rewrite and learning-loop tests."""

from __future__ import annotations

from typing import Any

from edge.turn import (
    ActionResult,
    AsrResult,
    EntityRef,
    NluResult,
    Outcome,
    Resolution,
    ResponseResult,
    Turn,
    WakeResult,
)


def mk_turn(
    text: str,
    outcome: Outcome,
    at: float = 1000.0,
    *,
    turn_id: str | None = None,
    intent: str | None = None,
    confidence: float = 1.0,
    slots: dict[str, Any] | None = None,
    unmatched: dict[str, str] | None = None,
    entities: tuple[tuple[str, float], ...] = (),
    missing: str = "",
    candidates: tuple[str, ...] = (),
    wake: float | None = 0.95,
    logprob: float = -0.2,
    no_speech: float = 0.01,
    interrupted: bool = False,
    asr: bool = True,
    confirmed: bool | None = None,
    source: str = "hassil",
) -> Turn:
    """A finished turn: ``entities`` are (unique_id, score); ``asr`` False = a text turn (``process_text``)."""
    tid = turn_id or f"t{int(at)}"
    nlu = None
    if outcome is not Outcome.NO_SPEECH:
        nlu = NluResult(text=text, intent=intent, confidence=confidence if intent else 0.0,
                        slots=slots or {}, unmatched=unmatched or {}, source=source)
    resolution = None
    if entities or missing:
        resolution = Resolution(
            entities=tuple(EntityRef(uid, uid, "kitchen", uid.split("_")[0], score) for uid, score in entities),
            reason="name", missing=missing,
            candidates=tuple(EntityRef(f"c{i}", name, "kitchen", "light", 0.6) for i, name in enumerate(candidates)),
        )
    actions = ()
    if confirmed is not None:
        actions = tuple(ActionResult(uid, f"t/{uid}", "ON", confirmed=confirmed) for uid, _ in entities)
    return Turn(
        turn_id=tid, device_id="kitchen-speaker", area="Kitchen", started_at=at, session_id=f"s{tid}",
        wake=WakeResult("alexa", wake, 1.0) if wake is not None else None,
        asr=AsrResult(text, logprob, no_speech, 2.0, "tiny.en") if asr and outcome is not Outcome.NO_SPEECH else None,
        nlu=nlu, resolution=resolution, actions=actions,
        response=ResponseResult(text="ok", interrupted=interrupted), outcome=outcome,
    )  # fmt: skip
