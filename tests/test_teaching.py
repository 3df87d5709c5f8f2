"""Teaching by voice: parsing "when I say X, Y", and the loop answering it (a personal rewrite from the next turn)."""

from __future__ import annotations

import pytest

from edge.learning.loop import LearningLoop
from edge.rewrite import PersonalStore, Rewriter, Teaching, is_forget, parse_teaching
from tests.test_rewrite import understand
from tests.feedback_helpers import mk_turn
from edge.turn import Outcome


@pytest.mark.parametrize(
    "text, expected",
    [
        ("When I say movie time, turn off the living room lights.", Teaching("movie time", "turn off the living room lights")),
        ("when i say movie time turn off the living room lights", Teaching("movie time", "turn off the living room lights")),
        ("If I say lights out, I mean turn off the study light", Teaching("lights out", "turn off the study light")),
        ("From now on, when I say bedtime, turn off the kitchen light!", Teaching("bedtime", "turn off the kitchen light")),
        ('When I say "good morning" turn on the kitchen light', Teaching("good morning", "turn on the kitchen light")),
        ("when I say movie time", None),
        ("turn off the living room lights", None),
        ("when I say, turn on the light", None),
    ],
)
def test_parse_teaching(text, expected):
    assert parse_teaching(text) == expected


def test_forget_phrases():
    assert is_forget("Forget that.") and is_forget("undo that") and is_forget("forget what I taught you")
    assert not is_forget("forget it") and not is_forget("turn off the light")  # "forget it" is "never mind"


def _loop(store):
    return LearningLoop(rewriter=Rewriter(personal=store), personal=store, clock=lambda: 1000.0)


def test_teaching_becomes_a_rewrite_on_the_next_turn_and_forget_undoes_it():
    with PersonalStore(":memory:") as store:
        loop = _loop(store)
        turn = mk_turn("x", Outcome.DONE)
        before = loop.before_nlu(turn, "movie time", understand)
        assert before.rewrite is None and before.nlu.intent is None
        taught = loop.before_nlu(turn, "When I say movie time, turn off the living room lights.", understand)
        assert taught.reply == "OK. When you say movie time, I'll turn off the living room lights."
        assert taught.nlu.intent == "EdgeTeach" and dict(taught.nlu.slots) == {
            "phrase": "movie time", "target": "turn off the living room lights",
        }  # fmt: skip
        after = loop.before_nlu(turn, "Movie time.", understand)
        assert (after.rewrite.source, after.text, after.nlu.intent, after.reply) == (
            "taught", "turn off the living room lights", "HassTurnOff", None,
        )  # fmt: skip
        forgot = loop.before_nlu(turn, "forget that", understand)
        assert (forgot.nlu.intent, forgot.reply) == ("EdgeForget", "OK, I forgot what movie time means.")
        assert loop.before_nlu(turn, "movie time", understand).rewrite is None
        assert loop.before_nlu(turn, "forget that", understand).reply == "There's nothing I was taught to forget."


def test_a_target_edge_cannot_do_is_not_learned():
    with PersonalStore(":memory:") as store:
        loop = _loop(store)
        reply = loop.before_nlu(mk_turn("x", Outcome.DONE), "when I say party, make me a sandwich", understand)
        assert reply.reply == "Sorry, I don't know how to make me a sandwich, so I can't learn that."
        assert store.taught() == []
