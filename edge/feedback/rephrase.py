"""Rephrase detection: is this request the user saying an earlier, unsuccessful one again?

A turn rephrases an earlier one when, within ``window_s`` (default 30 s) of
it, it is similar in words, in sound or in meaning to a turn that went
wrong: one that failed (``Outcome`` not_understood, no_device, failed,
unconfirmed, unsupported, error, refused), was cut off by a barge-in
(``response.interrupted``) or got a "no" (``mark_negative``). The most
recent such turn that is similar enough wins, so a chain a -> b -> c links
c to b and b to a.

A request that worked ends the chain, as an absorbing state ends a path in
the hub's mining: a turn that went wrong *before* it is no longer open to a
rephrase. "turn on the blower" (no device), "turn on the desk fan" (done),
then someone's "turn on the kitchen light" 8 s later: the blower was
settled by the desk fan, and the kitchen light is a request of its own,
however alike its words. Undoing a wrong action ("turn off the kitchen
light" after a wrong "turn on the kitchen light") is part of the repair and
settles nothing.

Public API (used by ``edge.learning.loop`` and the simulator)::

    detector = RephraseDetector(window_s=30.0, embed=None, clock=time.time)
    link = detector.observe(turn)          # RephraseLink | None, then remembers the turn
    detector.mark_negative(turn_id)        # "no, that's wrong" about that turn
    detector.get(turn_id)                  # a remembered Turn, or None

Similarity (``edge.feedback.similarity``), each against its own threshold:
words (difflib ratio over words, >= ``min_words`` 0.6), sound (ratio over
phonetic keys, >= ``min_sound`` 0.75) and meaning (cosine of the NLU
encoder's embeddings, >= ``min_meaning`` 0.8; only with ``embed``, any
callable ``texts -> L2-normalised rows``). Identical text counts too: saying
the same thing again after a failure is the plainest rephrase.

A request for the opposite ("turn on ..." then "turn off ...") is never a
rephrase, however alike the words (``opposite_directions``).

A retry (kind "retry"): the very next request within ``retry_s`` (default
6 s) of a turn the user cut off, said "no" to, or that was not understood is
its rephrase even when nothing is alike: "movie time" (cut off) then
"activate mood lighting" 2 s later. (After "no device called ..." or a
failed action the user may well move on; a retry there shares words
anyway.) 0 turns it off.

Pure logic: no I/O. Times are the turns' own ``started_at`` (``observe``
forgets turns older than the window before the new one); the clock is only
what ``expire()`` without an argument compares against.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from edge.feedback.similarity import (
    content_words, meaning_similarity, opposite_directions, sound_similarity, word_similarity,
)
from edge.turn import Outcome, Turn

Embedder = Callable[[Sequence[str]], np.ndarray]

# Outcomes after which the user may well say it again.
FAILED_OUTCOMES = frozenset(
    {Outcome.NOT_UNDERSTOOD, Outcome.NO_DEVICE, Outcome.FAILED, Outcome.UNCONFIRMED, Outcome.UNSUPPORTED, Outcome.ERROR,
     Outcome.REFUSED}  # refused: "turn off the front light" read as unlocking the front door
)  # fmt: skip
# Our own intents (teaching, feedback): never a request to rephrase, nor a rephrase.
META_INTENTS = frozenset({"EdgeTeach", "EdgeForget", "EdgeNegativeFeedback", "HassNevermind"})


@dataclass(frozen=True, slots=True)
class RephraseLink:
    """``turn_id`` rephrases ``earlier_id``; ``kind`` is the similarity that decided it."""

    turn_id: str
    earlier_id: str
    kind: str  # "same" | "words" | "sound" | "meaning" | "retry"
    score: float  # that similarity, 0..1
    gap_s: float  # started_at difference
    words: float
    sound: float
    meaning: float | None  # None without an embedder


def text_of(turn: Turn) -> str:
    """What the user said: the transcript, or the text NLU got when there was no ASR (``process_text``)."""
    if turn.asr is not None:
        return turn.asr.text
    if turn.rewrite is not None:
        return turn.rewrite.original
    return turn.nlu.text if turn.nlu is not None else ""


def is_request(turn: Turn) -> bool:
    """A request of its own: has words, is not an answer to our question, not teaching or feedback."""
    if turn.dialog is not None or not text_of(turn).strip():
        return False
    return not (turn.nlu is not None and turn.nlu.intent in META_INTENTS)


def went_wrong(turn: Turn, negative: bool = False) -> bool:
    """Failed, cut off by a barge-in, or got a "no"."""
    interrupted = turn.response is not None and turn.response.interrupted
    return negative or interrupted or turn.outcome in FAILED_OUTCOMES


class RephraseDetector:
    def __init__(
        self,
        *,
        window_s: float = 30.0,
        min_words: float = 0.6,
        min_sound: float = 0.75,
        min_meaning: float = 0.8,
        retry_s: float = 6.0,
        embed: Embedder | None = None,
        clock: Callable[[], float] = time.time,
        max_turns: int = 32,
    ) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        self.window_s = window_s
        self.min_words, self.min_sound, self.min_meaning = min_words, min_sound, min_meaning
        self.retry_s = retry_s
        self.embed = embed
        self.clock = clock
        self.max_turns = max_turns
        self._turns: OrderedDict[str, Turn] = OrderedDict()  # oldest first
        self._negative: set[str] = set()

    # -- what is remembered -------------------------------------------------------------
    def get(self, turn_id: str) -> Turn | None:
        return self._turns.get(turn_id)

    def is_negative(self, turn_id: str) -> bool:
        return turn_id in self._negative

    def mark_negative(self, turn_id: str) -> bool:
        """The user said that turn was wrong; True if it is remembered."""
        if turn_id not in self._turns:
            return False
        self._negative.add(turn_id)
        return True

    def last_request(self) -> Turn | None:
        """The most recent remembered request (what a "no" is about)."""
        return next(reversed(self._turns.values()), None)

    def expire(self, now: float | None = None) -> list[Turn]:
        """Forget the turns whose window has closed; they are returned, oldest first."""
        now = self.clock() if now is None else now
        gone = [t for t in self._turns.values() if now - t.started_at > self.window_s]
        for t in gone:
            del self._turns[t.turn_id]
            self._negative.discard(t.turn_id)
        return gone

    # -- linking ---------------------------------------------------------------------------
    def similar(self, a: str, b: str, *, meaning: float | None = None) -> tuple[str, float] | None:
        """The similarity that makes ``b`` a rephrase of ``a`` (kind, score), or None."""
        words, sound = word_similarity(a, b), sound_similarity(a, b)
        if words >= 1.0:
            return "same", 1.0
        if opposite_directions(a, b):
            return None  # "turn on ..." then "turn off ...": something else asked, however alike
        if words >= self.min_words:
            return "words", words
        if sound >= self.min_sound:
            return "sound", sound
        if meaning is not None and meaning >= self.min_meaning:
            return "meaning", meaning
        return None

    def _undoes(self, t: Turn, wrong: Turn) -> bool:
        """``t`` took back what ``wrong`` (a turn that went wrong) did: "turn off the kitchen light" after a wrong
        "turn on the kitchen light". Part of the repair, so it settles nothing."""
        a, b = text_of(wrong), text_of(t)
        return went_wrong(wrong, wrong.turn_id in self._negative) and opposite_directions(a, b) and (
            content_words(a) == content_words(b))

    def _rejected(self, t: Turn) -> bool:
        """Cut off, "no", or not understood: the user was plainly not served."""
        interrupted = t.response is not None and t.response.interrupted
        return interrupted or t.turn_id in self._negative or t.outcome is Outcome.NOT_UNDERSTOOD

    def link(self, turn: Turn) -> RephraseLink | None:
        """The earlier wrong turn this one rephrases, without remembering ``turn``."""
        if not is_request(turn):
            return None
        said = text_of(turn)
        recent = [
            t for t in reversed(self._turns.values())
            if t.turn_id != turn.turn_id and 0 <= turn.started_at - t.started_at <= self.window_s
        ]  # fmt: skip  (most recent first)
        earlier: list[Turn] = []
        for i, t in enumerate(recent):
            if went_wrong(t, t.turn_id in self._negative):
                earlier.append(t)
            elif not any(self._undoes(t, u) for u in recent[i + 1 :]):
                break  # a request worked since: what went wrong before it is settled (rephrased, or let go)
        if not earlier:
            return None
        meanings: list[float | None] = [None] * len(earlier)
        if self.embed is not None:
            rows = self.embed([said, *(text_of(t) for t in earlier)])
            meanings = [meaning_similarity(rows[0], rows[i + 1]) for i in range(len(earlier))]
        last = self.last_request()
        for t, meaning in zip(earlier, meanings):  # most recent first
            found = self.similar(text_of(t), said, meaning=meaning)
            if (found is None and t is last and turn.started_at - t.started_at <= self.retry_s and self._rejected(t)
                    and not opposite_directions(text_of(t), said)):
                found = ("retry", 0.0)  # right after it went wrong, nothing else said in between
            if found is not None:
                kind, score = found
                return RephraseLink(
                    turn_id=turn.turn_id, earlier_id=t.turn_id, kind=kind, score=round(score, 3),
                    gap_s=round(turn.started_at - t.started_at, 3),
                    words=round(word_similarity(text_of(t), said), 3), sound=round(sound_similarity(text_of(t), said), 3),
                    meaning=None if meaning is None else round(meaning, 3),
                )  # fmt: skip
        return None

    def observe(self, turn: Turn, *, negative: bool = False) -> RephraseLink | None:
        """Link ``turn`` to the earlier wrong turn it rephrases (if any), then remember it (requests only)."""
        self.expire(turn.started_at)
        found = self.link(turn)
        if is_request(turn):
            self._turns[turn.turn_id] = turn
            self._turns.move_to_end(turn.turn_id)
            while len(self._turns) > self.max_turns:
                old, _ = self._turns.popitem(last=False)
                self._negative.discard(old)
            if negative:
                self._negative.add(turn.turn_id)
        return found
