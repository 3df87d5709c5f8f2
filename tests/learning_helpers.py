"""Feedback events for the learning tests."""

from __future__ import annotations

from edge.feedback.events import FeedbackEvent


def ev(
    turn: str,
    text: str,
    ok: bool,
    of: str | None = None,
    *,
    speaker: str = "s1",
    ts: float = 0.0,
    rewritten: str | None = None,
    intent: str = "HassTurnOn",
    home: str = "h1",
    link: str = "words",
) -> FeedbackEvent:
    """One turn of ``speaker``: ok = it worked; ``of`` = the turn it rephrases, by the similarity ``link``."""
    return FeedbackEvent(
        event_id=f"{speaker}-{turn}",
        speaker=speaker,
        home=home,
        turn_id=turn,
        ts=ts,
        text=text,
        rewritten=rewritten,
        rewrite_source="mined" if rewritten else None,
        intent=intent if ok else None,
        slots={"name": "lamp"} if ok else {},
        nlu_confidence=0.9 if ok else 0.2,
        asr_logprob=-0.3,
        no_speech_prob=0.01,
        wake_score=0.97,
        entities=("light.lamp",) if ok else (),
        outcome="done" if ok else "not_understood",
        defects=() if ok else ("rephrased",),
        rephrase_of=of,
        failure_point=None if ok else "nlu",
        extra={"rephrase": {"kind": link, "score": 0.8, "gap_s": 5.0}} if of else {},
    )


def chain(speaker: str, *steps: tuple[str, bool], start_ts: float = 0.0) -> list[FeedbackEvent]:
    """A rephrase chain: each step rephrases the one before."""
    out: list[FeedbackEvent] = []
    for n, (text, ok) in enumerate(steps):
        out.append(ev(f"t{n}", text, ok, f"t{n - 1}" if n else None, speaker=speaker, ts=start_ts + n))
    return out
