"""Explicit feedback: the user says the last turn was wrong, or answers "Did I get that right?".

Public API::

    is_negative_feedback("no, that's wrong", just_answered=False)  # True
    is_negative_feedback("no", just_answered=True)                  # True: a bare "no" right after an answer
    is_negative_feedback("no", just_answered=False)                 # False: a "no" out of the blue
    CheckBack(rate=0.1, rng=random.Random(1)).should_ask(turn)      # ask "Did I get that right?" after this turn?

Pure: no I/O, no clock (what "just answered" means is the caller's window,
``[learning] negative_window_s``).
"""

from __future__ import annotations

import random
import re

from edge.turn import Outcome, Turn

QUESTION = "Did I get that right?"

# Said on their own (after normalising): that was wrong, whenever it is said.
NEGATIVE_PHRASES = frozenset(
    {
        "that's wrong", "that is wrong", "that was wrong", "wrong", "that's not right", "that is not right",
        "that's not what i said", "that is not what i said", "that's not what i meant", "that is not what i meant",
        "not what i said", "not what i meant", "you got it wrong", "you got that wrong", "that's incorrect",
        "wrong one", "wrong light", "wrong device", "not that one", "i didn't say that", "i did not say that",
    }
)  # fmt: skip
# A bare no: only right after an answer (or after "Did I get that right?").
BARE_NO = frozenset({"no", "nope", "no no", "nah", "not really", "no it's not", "no you didn't", "no you did not"})
_LEAD = re.compile(r"^(?:(?:no|nope|oh|um|uh|alexa|hey)\s+)+")


def _normalize(text: str) -> str:
    text = re.sub(r"[^\w\s']", " ", text.casefold().replace("’", "'"))
    return " ".join(text.split())


def is_negative_feedback(text: str, *, just_answered: bool) -> bool:
    """"No, that's wrong", "that's not what I said" (any time); a bare "no" only when ``just_answered``."""
    said = _normalize(text)
    if not said:
        return False
    if said in NEGATIVE_PHRASES or _LEAD.sub("", said) in NEGATIVE_PHRASES:
        return True
    return just_answered and said in BARE_NO


def is_positive_feedback(text: str) -> bool:
    """The answer to "Did I get that right?" that confirms it."""
    return _normalize(text) in {"yes", "yeah", "yep", "yes you did", "that's right", "correct", "right", "yes thanks"}


class CheckBack:
    """Asks "Did I get that right?" after a share (``rate``) of the turns that did something; 0 = never."""

    def __init__(self, rate: float = 0.0, rng: random.Random | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be in 0..1, got {rate}")
        self.rate = rate
        self.rng = rng or random.Random()

    def should_ask(self, turn: Turn) -> bool:
        if self.rate <= 0.0 or turn.outcome is not Outcome.DONE:  # only after an action that was done
            return False
        return self.rng.random() < self.rate
