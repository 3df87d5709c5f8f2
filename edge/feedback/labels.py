"""Defect labels of a turn, and the stage that failed first (failure-point isolation).

Public API (pure functions, used by ``edge.learning.loop`` and the simulator)::

    defects = label_turn(turn, rephrased=False, negative=False)   # tuple[Defect, ...], in enum order
    point = failure_point(turn, defects, rephrase=None)           # FailurePoint
    THRESHOLDS                                                     # the documented defaults (Thresholds)

Defects (``edge.feedback.events.Defect``): BARGE_IN (``response.interrupted``),
REPHRASED (a later turn rephrased it), NEGATIVE_FEEDBACK ("no, that's wrong"),
ACTION_FAILED (outcome failed or error), UNCONFIRMED, NOT_UNDERSTOOD, NO_DEVICE.

The failure point is the first stage, in loop order, that failed
irrecoverably, judged from the logged features and, when there is one, from
how the rephrase that followed differed. The rules, first match wins:

1. No defect: CORRECT, except a turn that woke and heard nothing (outcome
   no_speech) on a weak wake score (< ``wake_low``): FALSE_WAKE.
2. FALSE_WAKE: wake score < ``wake_low`` and Whisper thought it heard no
   speech (``no_speech_prob`` >= ``no_speech_high``), or the wake was weak,
   nothing was understood and nobody rephrased it.
3. An answer to "which one?" that chose none of the options: ASR when it
   says no word of any option ("the best fun" for "the desk fan": people
   answer with an option, so those words were misheard), else RESOLUTION.
4. With a rephrase ``r`` (a later turn saying it again; one of the same intent
   that found no device either is no evidence of the name meant, and rule 5
   judges the turn alone: "the front light", then "the board slide"):
   a. same intent, other device or name: words the rephrase says in place
      of others (in the name, or in the sentence) sound alike
      (``sound_similarity`` >= ``sound_alike`` or ``coarse_sound_similarity``
      >= ``coarse_sound_alike``) and are not a short form ("hall" /
      "hallway"), or Whisper's n-best names a device its best hypothesis lost
      (``unsure_name``), or the name sounds like one of the home's and names
      no kind of device (``misheard_name``, rule 5), or no device was found
      for a doubtful transcript (``asr_logprob_doubt``) -> ASR (misheard); else, when the
      turn named a device (``names_a_device``) -> RESOLUTION (a name the
      resolver should have known, a more precise one: "lamp" -> "floor lamp",
      or the wrong device), and when it named none ("it's dark in here", or only
      a name the model guessed, ``guessed_name``) -> NLU;
   b. ``r`` understood, the turn was not (or less confidently than
      ``nlu_low``): words said in place of others that sound alike ("copy
      maker" / "coffee maker"), ``unsure_name``, or a doubtful transcript
      (``avg_logprob`` < ``asr_logprob_doubt``: "turn on the mask on" for "turn
      on the desk fan") -> ASR, else NLU;
   c. another intent: the same tests -> ASR, else NLU;
   d. same intent, same devices: the action went wrong -> RESULT.
5. Without a rephrase, from the turn alone:
   very low ASR confidence (``avg_logprob`` < ``asr_logprob_low`` or
   ``no_speech_prob`` >= ``no_speech_high``), or Whisper's n-best names a
   device its best hypothesis lost (``unsure_name``) -> ASR;
   not understood, or NLU confidence < ``nlu_low`` -> NLU (ASR when the
   transcript is doubtful);
   no device, for a name without a word for a kind of device that sounds like
   one the resolver found nearest (``misheard_name``: "turn on the board
   slide" with a porch light; not "the big light", a nickname), or for a
   doubtful transcript -> ASR;
   no device -> RESOLUTION, unless the name is one only the model read where no
   template has a place for a name, with no word for a kind of device
   (``guessed_name``: "make it cozy" read as a scene called "cozy") -> NLU;
   a fuzzy match (best entity score < ``resolution_low``) -> RESOLUTION;
   a vague request (``names_a_device`` false) read by the model (not an
   exact template match) -> NLU (ASR when the transcript is doubtful);
   otherwise (failed, unconfirmed, or cut off / "no" on a clean turn) -> RESULT.

The thresholds follow Whisper's own fallbacks (``log_prob_threshold`` -1.0,
``no_speech_threshold`` 0.6) and the wake word's default threshold (0.5,
with a margin). ``asr_logprob_doubt`` (-0.6) lies between Whisper's fallback
and what clear commands score: of the simulator's correctly heard turns 90 %
score above -0.5, every misheard one below -0.61; of the project's 31 real
recorded commands (``../shared/data/audio/commands-real``, the ``oov_`` ones
left out) 7 of the 10 under -0.6 were misheard, 10 of the 21 above. A
doubtful transcript alone is no verdict: it decides only for a turn whose
words failed (no device, not understood, a vague reading, another request
than the rephrase), never against a device found and an action that failed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from edge.feedback.events import Defect, FailurePoint
from edge.feedback.similarity import coarse_sound_similarity, content_words, sound_similarity
from edge.learning.table import normalize_utterance
from edge.nlu.normalize import singular
from edge.turn import Outcome, Turn


@dataclass(frozen=True, slots=True)
class Thresholds:
    wake_low: float = 0.6  # a wake score under this is doubtful (the detector fires at 0.5)
    no_speech_high: float = 0.6  # Whisper's no_speech_threshold: probably nobody spoke
    asr_logprob_low: float = -1.0  # Whisper's log_prob_threshold: a transcript this unsure is probably wrong
    asr_logprob_doubt: float = -0.6  # under this a transcript is doubtful: wrong, when the turn failed in its words
    nlu_low: float = 0.5  # NLU confidence under this: the intent is a guess
    resolution_low: float = 0.9  # best entity score under this: a fuzzy name match, not the name said
    sound_alike: float = 0.75  # sound_similarity at or above this: the words were misheard for each other
    coarse_sound_alike: float = 0.65  # ... or coarse_sound_similarity (sound classes) at or above this


THRESHOLDS = Thresholds()

_ACTION_FAILED = frozenset({Outcome.FAILED, Outcome.ERROR})


def label_turn(turn: Turn, *, rephrased: bool = False, negative: bool = False) -> tuple[Defect, ...]:
    """The defects of one turn, in ``Defect`` order; () for a turn that went right."""
    found = set()
    if turn.response is not None and turn.response.interrupted:
        found.add(Defect.BARGE_IN)
    if rephrased:
        found.add(Defect.REPHRASED)
    if negative:
        found.add(Defect.NEGATIVE_FEEDBACK)
    if turn.outcome in _ACTION_FAILED:
        found.add(Defect.ACTION_FAILED)
    if turn.outcome is Outcome.UNCONFIRMED:
        found.add(Defect.UNCONFIRMED)
    if turn.outcome is Outcome.NOT_UNDERSTOOD:
        found.add(Defect.NOT_UNDERSTOOD)
    if turn.outcome is Outcome.NO_DEVICE:
        found.add(Defect.NO_DEVICE)
    return tuple(d for d in Defect if d in found)


def _said(turn: Turn) -> str:
    if turn.asr is not None:
        return turn.asr.text
    return turn.rewrite.original if turn.rewrite is not None else (turn.nlu.text if turn.nlu else "")


def _intent(turn: Turn) -> str | None:
    return turn.nlu.intent if turn.nlu is not None else None


def _understood(turn: Turn, t: Thresholds) -> bool:
    return turn.nlu is not None and turn.nlu.intent is not None and turn.nlu.confidence >= t.nlu_low


def _devices(turn: Turn) -> tuple[str, ...]:
    return tuple(sorted(e.unique_id for e in turn.resolution.entities)) if turn.resolution else ()


def _name(turn: Turn) -> str:
    """The name said: the resolver's missing name, the NLU's unmatched name or name slot."""
    if turn.resolution is not None and turn.resolution.missing:
        return turn.resolution.missing
    if turn.nlu is not None:
        if turn.nlu.unmatched.get("name"):
            return str(turn.nlu.unmatched["name"])
        if turn.nlu.slots.get("name"):
            return str(turn.nlu.slots["name"])
    return ""


def _replaced(a: str, b: str) -> list[tuple[str, str]]:
    """The words ``b`` says in place of words of ``a`` (difflib's replace blocks over the words)."""
    wa, wb = normalize_utterance(a).split(), normalize_utterance(b).split()
    ops = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
    return [(" ".join(wa[a1:a2]), " ".join(wb[b1:b2])) for op, a1, a2, b1, b2 in ops if op == "replace"]


def _says_an_option(turn: Turn) -> bool:
    """The answer to a clarifying question says a word of one of the options it offered (name or room)."""
    said = set(content_words(turn.dialog.answer if turn.dialog else "").split())
    options = turn.resolution.candidates if turn.resolution is not None else ()
    return any(said & set(content_words(f"{o.name} {o.area}").split()) for o in options)


def unsure_name(turn: Turn) -> bool:
    """Whisper's n-best names a kind of device its best hypothesis lost: at least half of the other
    hypotheses say a device noun the best one does not ("turn on the mask on" / "... the mask fan",
    "... the best fan"). A name heard clearly, known or not ("the front light"), keeps its noun in all."""
    alternatives = turn.asr.alternatives if turn.asr is not None else ()
    if not alternatives:
        return False
    top = {singular(w) for w in normalize_utterance(turn.asr.text).split()}  # type: ignore[union-attr]
    lost = sum(
        any(w in DEVICE_NOUNS and singular(w) not in top for w in normalize_utterance(a).split()) for a in alternatives
    )
    return 2 * lost >= len(alternatives)


def _asr_weak(turn: Turn, t: Thresholds) -> bool:
    return turn.asr is not None and (turn.asr.avg_logprob < t.asr_logprob_low or turn.asr.no_speech_prob >= t.no_speech_high)


def _asr_doubtful(turn: Turn, t: Thresholds) -> bool:
    """Whisper was unsure of these words (``avg_logprob`` < ``asr_logprob_doubt``), not yet weak enough to
    re-decode: said of a turn whose words failed (no device, not understood, another request than the
    rephrase), the words were misheard ("turn on the mask on" for "turn on the desk fan")."""
    return turn.asr is not None and turn.asr.avg_logprob < t.asr_logprob_doubt


def _sound_alike(a: str, b: str, t: Thresholds) -> bool:
    return sound_similarity(a, b) >= t.sound_alike or coarse_sound_similarity(a, b) >= t.coarse_sound_alike


def _shortened(a: str, b: str) -> bool:
    """One is the start of the other ("hall" / "hallway"): a short name, not a misheard one."""
    short, long = sorted((a.replace(" ", ""), b.replace(" ", "")), key=len)
    return len(short) >= 3 and len(long) - len(short) >= 2 and long.startswith(short)  # not "of" / "off", "stand in" / "standing"


def _misheard(a: str, b: str, t: Thresholds) -> bool:
    """Words said in place of others that sound alike ("copy maker" / "coffee maker"): what the ASR gets wrong."""
    return any(_sound_alike(x, y, t) and not _shortened(x, y) for x, y in _replaced(a, b))


# Nouns that name a kind of device: a request with one of them names a device, however badly;
# one without ("it's dark in here", "movie time") is vague, and reading it is NLU's job.
DEVICE_NOUNS = frozenset(
    "light lights lamp lamps bulb bulbs fan fans switch plug socket tv telly television heater heating thermostat ac "
    "blinds blind shades shade curtains curtain shutter shutters door doors lock gate garage window kettle maker machine "
    "speaker radio oven router button scene sensor vacuum purifier humidifier dehumidifier boiler sprinkler".split()
)


def _names_a_kind(name: str) -> bool:
    """A word of the name (singular or plural) is a kind of device: "the telly light", "the blinds"."""
    return any(singular(w) in DEVICE_NOUNS for w in normalize_utterance(name).split())


def misheard_name(turn: Turn, t: Thresholds = THRESHOLDS) -> bool:
    """A name no device has, with no word for a kind of device in it, whose words sound like those they
    replace in the name of a device the resolver found nearest (its candidates): "the board slide" / "Porch
    Light". People call a device by what it is ("the big light", "the telly light", "the brew machine": a
    nickname the resolver should have known); words that name nothing and sound like a device were misheard."""
    r = turn.resolution
    if r is None or r.entities or not r.missing or r.missing == "that":
        return False
    if _names_a_kind(r.missing):
        return False
    return any(_misheard(r.missing, c.name, t) for c in r.candidates)


def guessed_name(turn: Turn) -> bool:
    """A name no device has that only the model read (its name slot), where no template left a place for one, with
    no word for a kind of device in it: "make it cozy" read as a scene called "cozy". A vague request the model took
    a word of for a name, not a name the resolver should have known: not where hassil's template left the name
    (``unmatched``), nor where the model read none and the resolver found the words ("turn on the blower")."""
    n, r = turn.nlu, turn.resolution
    if n is None or n.source != "model" or n.unmatched.get("name") or not n.slots.get("name"):
        return False
    if r is None or r.entities or not r.missing:
        return False
    return not _names_a_kind(r.missing)


def names_a_device(turn: Turn) -> bool:
    """The words name a device: a name slot, a name nothing matched (not one the model guessed, ``guessed_name``),
    or a device noun ("the big light")."""
    return (bool(_name(turn)) and not guessed_name(turn)) or any(
        w in DEVICE_NOUNS for w in normalize_utterance(_said(turn)).split())


def failure_point(
    turn: Turn,
    defects: tuple[Defect, ...] | tuple[str, ...],
    *,
    rephrase: Turn | None = None,
    thresholds: Thresholds = THRESHOLDS,
) -> FailurePoint:
    """The first stage that failed irrecoverably (see the module's rules), or CORRECT."""
    t = thresholds
    wake = turn.wake.score if turn.wake is not None else None
    weak_wake = wake is not None and wake < t.wake_low
    if not defects:
        return FailurePoint.FALSE_WAKE if turn.outcome is Outcome.NO_SPEECH and weak_wake else FailurePoint.CORRECT
    no_speech = turn.asr is not None and turn.asr.no_speech_prob >= t.no_speech_high
    if weak_wake and (no_speech or (turn.outcome is Outcome.NOT_UNDERSTOOD and rephrase is None)):
        return FailurePoint.FALSE_WAKE
    answer = turn.dialog
    if answer is not None and answer.kind == "clarify" and not answer.accepted and answer.answer.strip():
        # "The desk fan or the ceiling fan?" - "the best fun": people answer with an option, so an answer
        # that says none of the options' words was misheard; one that says some chose badly
        return FailurePoint.RESOLUTION if _says_an_option(turn) else FailurePoint.ASR
    if rephrase is not None and rephrase.outcome is Outcome.NO_DEVICE and _intent(rephrase) == _intent(turn):
        rephrase = None  # it found no device either: its name is no better evidence than this one's (rule 5 judges)
    if rephrase is not None and rephrase.nlu is not None and rephrase.nlu.intent is not None:
        said, again = _said(turn), _said(rephrase)
        if _intent(turn) == _intent(rephrase) and _understood(turn, t):
            name, other = _name(turn), _name(rephrase)
            if (name or other) and name.casefold() != other.casefold() or _devices(turn) != _devices(rephrase):
                if (name and other and _misheard(name, other, t)) or _misheard(said, again, t) or unsure_name(turn) \
                        or misheard_name(turn, t) or (turn.outcome is Outcome.NO_DEVICE and _asr_doubtful(turn, t)):
                    return FailurePoint.ASR
                return FailurePoint.RESOLUTION if names_a_device(turn) else FailurePoint.NLU
            return FailurePoint.RESULT
        if _misheard(said, again, t) or unsure_name(turn) or _asr_doubtful(turn, t) \
                or (_asr_weak(turn, t) and not _understood(turn, t)):
            return FailurePoint.ASR
        return FailurePoint.NLU
    if _asr_weak(turn, t) or unsure_name(turn):
        return FailurePoint.ASR
    doubtful = _asr_doubtful(turn, t)
    if not _understood(turn, t):
        return FailurePoint.ASR if doubtful else FailurePoint.NLU
    if turn.outcome is Outcome.NO_DEVICE:
        if misheard_name(turn, t) or doubtful:
            return FailurePoint.ASR
        return FailurePoint.NLU if guessed_name(turn) else FailurePoint.RESOLUTION
    if turn.resolution is not None and turn.resolution.entities:
        if min(e.score for e in turn.resolution.entities) < t.resolution_low:
            return FailurePoint.RESOLUTION
    if not names_a_device(turn) and (turn.nlu is None or turn.nlu.confidence < 1.0):
        # a vague request the model read as something: the reading was wrong, or the words it read
        return FailurePoint.ASR if doubtful else FailurePoint.NLU
    return FailurePoint.RESULT
