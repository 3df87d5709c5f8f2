"""The truth of a turn: did it do what the user wanted, and if not, which stage failed first?

The simulator knows what was said (the ``Phrasing``) and what was meant (the
``Goal``), so it can judge each turn exactly:

- correct: the outcome the goal needs ("done", or "answered" for a question),
  the goal's intent, exactly the goal's devices, and those devices in the
  expected state afterwards (read from the simulated home itself);
- otherwise the failure point is the first stage that went wrong: ``asr`` when
  the transcript's words differ from what was said (ignoring "the", "a",
  "please", punctuation, how numbers are written and British or American
  spelling) and what was said would
  have worked (planned by the pipeline without learning; when it would have
  failed as well, the stage where it fails); ``nlu`` when the intent
  is wrong, or when the request named no device (a vague one) and was not
  rewritten; ``resolution`` when the devices are wrong; ``result`` when the
  right devices did not end in the right state.

A clarifying question ("The lamp or the ceiling light?") is correct when the
device meant is among its options; the answer is a turn of its own.
Pure functions over records: no I/O.
"""

from __future__ import annotations

from typing import Callable

from edge.feedback.events import FailurePoint
from edge.learning.table import normalize_utterance
from edge.simulate.users import Goal, Phrasing
from edge.turn import Outcome, Turn

_FILLER = {"the", "a", "an", "please", "to", "at", "of", "my"}
_NUMBERS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "twenty": "20", "thirty": "30", "fifty": "50", "hundred": "100",
}
_CONTRACTIONS = {"it's": "it is", "what's": "what is", "i'm": "i am", "that's": "that is"}
# one word, two spellings: Whisper writes the American one for a British "make it cosy" (no mishearing)
_SPELLINGS = {"cosy": "cozy", "colour": "color", "grey": "gray", "favourite": "favorite", "centre": "center",
              "theatre": "theater"}  # fmt: skip


def content_words(text: str) -> tuple[str, ...]:
    """The words that carry the request: normalised, fillers dropped, numbers as digits."""
    text = normalize_utterance(text.replace("%", " percent").replace("°", " degrees "))
    words: list[str] = []
    for w in text.split():
        w = _CONTRACTIONS.get(w, w)
        w = _SPELLINGS.get(w, w)
        for part in w.split():
            part = _NUMBERS.get(part, part)
            if part in _FILLER:
                continue
            if words and part.isdigit() and words[-1].isdigit() and words[-1].endswith("0"):  # twenty one -> 21
                words[-1] = str(int(words[-1]) + int(part))
                continue
            words.append(part)
    return tuple(words)


def same_words(said: str, heard: str) -> bool:
    return content_words(said) == content_words(heard)


def _ids(turn: Turn) -> tuple[str, ...]:
    return tuple(sorted(e.unique_id for e in turn.resolution.entities)) if turn.resolution else ()


def is_correct(goal: Goal, turn: Turn, state_of: Callable[[str], str | None]) -> bool:
    """Did this turn do what the goal wants (for a question asked back: could its answer)?"""
    if turn.outcome is Outcome.ASKED:
        options = turn.resolution.candidates if turn.resolution else ()
        return turn.dialog is None and any(e.unique_id in goal.entities for e in options)
    if turn.outcome is None or turn.outcome.value != goal.outcome:
        return False
    if turn.nlu is None or turn.nlu.intent != goal.intent:
        return False
    if _ids(turn) != tuple(sorted(goal.entities)):
        return False
    if goal.expect_state is not None:
        return all(state_of(uid) == goal.expect_state for uid in goal.entities)
    return True


def failure_point(
    goal: Goal, said: Phrasing | str, turn: Turn, correct: bool, *, as_said: Turn | None = None
) -> FailurePoint:
    """The first stage that failed irrecoverably, or CORRECT. ``said``: the phrasing, or the words of an answer.

    ``as_said``: the words really said, planned by the pipeline without learning. A transcript that
    differs from them is the ASR's failure only when they would have worked; when they would have
    failed too, the failure point is where they fail (the ASR's error changed nothing)."""
    if correct:
        return FailurePoint.CORRECT
    text = said.text if isinstance(said, Phrasing) else said
    heard = turn.asr.text if turn.asr is not None else (said.as_heard if isinstance(said, Phrasing) else said)
    if turn.dialog is not None:
        heard = turn.dialog.answer
    if not same_words(text, heard):
        if as_said is None or turn.dialog is not None or planned_correct(goal, as_said):
            return FailurePoint.ASR
        return failure_point(goal, text if not isinstance(said, Phrasing) else _as_heard(said), as_said, False)
    if turn.dialog is None:  # an answer to a question inherits the question's interpretation
        if turn.nlu is None or turn.nlu.intent != goal.intent:
            return FailurePoint.NLU
        if isinstance(said, Phrasing) and said.ref is None and turn.rewrite is None:
            return FailurePoint.NLU  # nothing in the words names the device: understanding it is NLU's job
    if _ids(turn) != tuple(sorted(goal.entities)):
        return FailurePoint.RESOLUTION
    return FailurePoint.RESULT


def _as_heard(said: Phrasing) -> Phrasing:
    """The phrasing as if heard exactly (for judging what was said, not what was transcribed)."""
    return Phrasing(said.text, said.kind, said.ref, None)


def planned_correct(goal: Goal, turn: Turn) -> bool:
    """The counterfactual: would this (planned, not acted) turn have done the goal?"""
    if turn.outcome not in (None, Outcome.ANSWERED, Outcome.ASKED):
        return False  # planning stopped at no_device, not_understood, unsupported...
    if goal.outcome == "answered" and turn.outcome is not Outcome.ANSWERED:
        return False
    if goal.outcome == "done" and turn.outcome is not None and turn.outcome is not Outcome.ASKED:
        return False
    if turn.nlu is None or turn.nlu.intent != goal.intent:
        return False
    if turn.outcome is Outcome.ASKED:
        return any(e.unique_id in goal.entities for e in (turn.resolution.candidates if turn.resolution else ()))
    return _ids(turn) == tuple(sorted(goal.entities)) and (goal.outcome == "answered" or bool(turn.actions))
