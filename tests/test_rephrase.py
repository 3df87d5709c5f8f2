"""Rephrase detection, explicit feedback and the similarity measures (pure logic, exact expectations)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from edge.feedback.explicit import CheckBack, is_negative_feedback
from edge.feedback.rephrase import RephraseDetector
from edge.feedback.similarity import hashed_ngrams, phonetic_key, sound_similarity, word_similarity
from edge.turn import Outcome
from tests.feedback_helpers import mk_turn

# -- similarity ---------------------------------------------------------------------------


def test_phonetic_keys():
    assert phonetic_key("Turn on the kitchen light!") == "TRN AN 0 KXN LT"
    assert phonetic_key("stubby") == "STP" and phonetic_key("study") == "ST"
    assert phonetic_key("phone") == phonetic_key("fone") == "FN"
    assert phonetic_key("ecobee") == "AKP"


def test_word_and_sound_similarity():
    assert word_similarity("turn on the stubby light", "Turn on the study light.") == pytest.approx(0.8)
    assert word_similarity("what time is it", "turn on the kitchen light") == 0.0
    assert sound_similarity("turn on the eco bee", "turn on the ecobee") == 1.0
    assert sound_similarity("turn of the lights", "turn off the lights") == 1.0
    assert sound_similarity("what time is it", "turn on the kitchen light") < 0.5


def test_hashed_ngrams_are_unit_rows_and_close_for_misheard_names():
    rows = hashed_ngrams(["turn on the stubby light", "turn on the study light", "what time is it", ""])
    assert rows.shape == (4, 1024)
    assert np.allclose(np.linalg.norm(rows[:3], axis=1), 1.0) and not rows[3].any()
    assert rows[0] @ rows[1] > 0.8 > 0.1 > rows[0] @ rows[2]


# -- rephrase detection -------------------------------------------------------------------


def test_a_similar_request_after_a_failure_is_linked():
    d = RephraseDetector(window_s=30.0)
    failed = mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0, intent="HassTurnOn", missing="stubby light")
    assert d.observe(failed) is None
    link = d.observe(mk_turn("turn on the study light", Outcome.DONE, 1012.5, intent="HassTurnOn"))
    assert link is not None
    assert (link.earlier_id, link.kind, link.score, link.gap_s) == (failed.turn_id, "words", 0.8, 12.5)
    assert link.meaning is None


def test_outside_the_window_or_after_a_success_nothing_is_linked():
    d = RephraseDetector(window_s=30.0)
    d.observe(mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0))
    assert d.observe(mk_turn("turn on the study light", Outcome.DONE, 1030.5)) is None  # 30.5 s later
    d2 = RephraseDetector()
    d2.observe(mk_turn("turn on the kitchen light", Outcome.DONE, 1000.0, intent="HassTurnOn"))
    assert d2.observe(mk_turn("turn on the kitchen light", Outcome.DONE, 1005.0, intent="HassTurnOn")) is None


def test_a_different_request_is_not_a_rephrase():
    d = RephraseDetector()
    d.observe(mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0))
    assert d.observe(mk_turn("what time is it", Outcome.ANSWERED, 1005.0, intent="HassGetCurrentTime")) is None


def test_sound_alone_links_a_misheard_request():
    d = RephraseDetector()
    d.observe(mk_turn("turn on the eco bee", Outcome.NO_DEVICE, 1000.0))
    link = d.observe(mk_turn("turn the ecobee on", Outcome.DONE, 1004.0))
    assert link is not None and link.kind == "sound" and link.words < 0.6 <= 0.75 <= link.sound


def test_meaning_links_through_the_embedder():
    table = {"kill the lights": [1.0, 0.0], "turn off the lights": [0.9, 0.43589], "what time is it": [0.0, 1.0]}

    def embed(texts):
        return np.array([table[t] for t in texts], dtype=np.float32)

    d = RephraseDetector(embed=embed, min_meaning=0.8)
    d.observe(mk_turn("kill the lights", Outcome.NOT_UNDERSTOOD, 1000.0))
    link = d.observe(mk_turn("turn off the lights", Outcome.DONE, 1003.0, intent="HassTurnOff"))
    assert link is not None and (link.kind, link.meaning) == ("meaning", 0.9)
    assert RephraseDetector().link(mk_turn("turn off the lights", Outcome.DONE, 1003.0)) is None  # without: words 0.57


def test_the_next_request_right_after_a_rejected_turn_is_a_retry():
    d = RephraseDetector()  # retry_s 6 s
    d.observe(mk_turn("movie time", Outcome.ANSWERED, 1000.0, turn_id="a", intent="HassGetCurrentTime", interrupted=True))
    link = d.observe(mk_turn("activate mood lighting", Outcome.DONE, 1002.5, turn_id="b", intent="HassTurnOn"))
    assert (link.earlier_id, link.kind, link.score, link.gap_s) == ("a", "retry", 0.0, 2.5)
    d.observe(mk_turn("nighty night", Outcome.NOT_UNDERSTOOD, 1100.0, turn_id="c"))
    assert d.observe(mk_turn("turn off the bedroom light", Outcome.DONE, 1106.5, turn_id="d")) is None  # 6.5 s: too late
    d.observe(mk_turn("nighty night", Outcome.NOT_UNDERSTOOD, 1200.0, turn_id="e"))
    d.observe(mk_turn("what time is it", Outcome.ANSWERED, 1201.0, turn_id="f", intent="HassGetCurrentTime"))
    assert d.observe(mk_turn("turn off the bedroom light", Outcome.DONE, 1203.0, turn_id="g")) is None  # not the next one
    assert RephraseDetector(retry_s=0.0).link(mk_turn("activate mood lighting", Outcome.DONE, 1002.5)) is None


def test_barge_in_and_a_no_make_a_turn_rephrasable():
    d = RephraseDetector()
    d.observe(mk_turn("turn on the lamp", Outcome.DONE, 1000.0, turn_id="a", interrupted=True))
    assert d.observe(mk_turn("turn on the lamp please", Outcome.DONE, 1003.0, turn_id="b")).earlier_id == "a"
    d.observe(mk_turn("set the heat to 20", Outcome.DONE, 1010.0, turn_id="c"))
    assert d.mark_negative("c") and not d.mark_negative("unknown")
    assert d.observe(mk_turn("set the heat to 21", Outcome.DONE, 1014.0, turn_id="d")).earlier_id == "c"


def test_a_chain_links_to_the_most_recent_failure():
    d = RephraseDetector()
    d.observe(mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0, turn_id="a"))
    assert d.observe(mk_turn("turn on the stubbly light", Outcome.NO_DEVICE, 1005.0, turn_id="b")).earlier_id == "a"
    assert d.observe(mk_turn("turn on the study light", Outcome.DONE, 1010.0, turn_id="c")).earlier_id == "b"


def test_a_request_that_worked_settles_what_went_wrong_before_it():
    """A rephrase chain ends at the first request that worked (an absorbing state): someone's next request,
    however alike, is not a retry of the failure it settled."""
    d = RephraseDetector()
    d.observe(mk_turn("turn on the blower", Outcome.NO_DEVICE, 1000.0, turn_id="a", missing="blower", interrupted=True))
    assert d.observe(mk_turn("turn on the desk fan", Outcome.DONE, 1002.6, turn_id="b")).earlier_id == "a"
    assert d.similar("turn on the blower", "turn on the kitchen light") == ("words", pytest.approx(2 / 3))
    assert d.observe(mk_turn("turn on the kitchen light", Outcome.DONE, 1010.3, turn_id="c")) is None
    # an answer that was plainly fine ("what time is it") settles it too; a "no" about it reopens it
    d.observe(mk_turn("turn on the board slide", Outcome.NO_DEVICE, 1100.0, turn_id="d"))
    d.observe(mk_turn("what time is it", Outcome.ANSWERED, 1104.0, turn_id="e", intent="HassGetCurrentTime"))
    assert d.observe(mk_turn("turn on the porch light", Outcome.DONE, 1109.0, turn_id="f")) is None
    d.observe(mk_turn("turn on the board slide", Outcome.NO_DEVICE, 1200.0, turn_id="g"))
    d.observe(mk_turn("turn on the bored slide", Outcome.DONE, 1204.0, turn_id="h"))
    assert d.mark_negative("h")
    assert d.observe(mk_turn("turn on the porch light", Outcome.DONE, 1209.0, turn_id="i")).earlier_id == "h"


def test_answers_and_feedback_are_not_requests():
    d = RephraseDetector()
    d.observe(mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0))
    feedback = mk_turn("no that's wrong", Outcome.ANSWERED, 1002.0, intent="EdgeNegativeFeedback")
    assert d.observe(feedback) is None and d.get(feedback.turn_id) is None
    assert d.last_request().turn_id == "t1000"


def test_expire_uses_the_injected_clock():
    now = [1000.0]
    d = RephraseDetector(window_s=10.0, clock=lambda: now[0])
    d.observe(mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0))
    now[0] = 1010.0
    assert d.expire() == []
    now[0] = 1010.5
    assert [t.turn_id for t in d.expire()] == ["t1000"] and d.last_request() is None


# -- explicit feedback --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, just_answered, negative",
    [
        ("No, that's wrong.", False, True),
        ("that's not what I said", False, True),
        ("no no that is not what i meant", False, True),
        ("no", True, True),
        ("Nope.", True, True),
        ("no", False, False),
        ("no turn it off", True, False),
        ("turn off the light", True, False),
        ("", True, False),
    ],
)
def test_negative_feedback(text, just_answered, negative):
    assert is_negative_feedback(text, just_answered=just_answered) is negative


def test_check_back_rate():
    done = mk_turn("turn on the lamp", Outcome.DONE)
    assert not CheckBack(0.0).should_ask(done)
    assert CheckBack(1.0).should_ask(done) and not CheckBack(1.0).should_ask(mk_turn("x", Outcome.NOT_UNDERSTOOD))
    asked = sum(CheckBack(0.25, random.Random(7)).should_ask(done) for _ in range(1))
    cb = CheckBack(0.25, random.Random(7))
    assert sum(cb.should_ask(done) for _ in range(1000)) == pytest.approx(250, abs=40) and asked in (0, 1)
    with pytest.raises(ValueError):
        CheckBack(1.5)


def test_a_refused_turn_said_again_is_linked():
    d = RephraseDetector()
    d.observe(mk_turn("turn off the front light", Outcome.REFUSED, 1000.0, turn_id="a", intent="HassTurnOff"))
    assert d.observe(mk_turn("turn off the porch light", Outcome.DONE, 1006.8, turn_id="b")).earlier_id == "a"


def test_a_request_for_the_opposite_is_no_rephrase():
    d = RephraseDetector(embed=lambda texts: np.ones((len(texts), 4), np.float32) / 2)  # every text alike in meaning
    d.observe(mk_turn("turn on the board slide", Outcome.NO_DEVICE, 1000.0, intent="HassTurnOn", missing="board slide"))
    assert d.observe(mk_turn("turn off the bedroom light", Outcome.DONE, 1008.0, intent="HassTurnOff")) is None
    cut = mk_turn("turn on the kitchen light", Outcome.DONE, 1020.0, intent="HassTurnOn", interrupted=True)
    d.observe(cut)
    assert d.observe(mk_turn("turn off the kitchen light", Outcome.DONE, 1022.0, intent="HassTurnOff")) is None  # undo
    link = d.observe(mk_turn("switch the kitchen light on", Outcome.DONE, 1024.0, intent="HassTurnOn"))
    assert link is not None and link.earlier_id == cut.turn_id
