"""Rewrites before NLU: taught phrases, the signed table, online retrieval and its guard rails (no models, no broker)."""

from __future__ import annotations

import numpy as np
import pytest

from edge.learning.table import Example, Rewrite, RewriteTable
from edge.rewrite import PersonalStore, Rewriter, RewriteSettings, Understanding
from edge.turn import AsrResult, NluResult

# A tiny home: what "understand" makes of each text (NLU + resolution), as the processor's _probe would.
KNOWN = {
    "turn on the study light": ("HassTurnOn", 1.0, True),
    "turn off the study light": ("HassTurnOff", 1.0, True),
    "turn on the kitchen light": ("HassTurnOn", 1.0, True),
    "turn off the living room lights": ("HassTurnOff", 1.0, True),
    "turn on the stubby light": ("HassTurnOn", 0.5, False),  # a template matched, no device called that
    "turn on the garden hose": ("HassTurnOn", 0.5, False),
    "lights out please": (None, 0.3, None),
    "what time is it": ("HassGetCurrentTime", 1.0, None),
    "turn on the attic fan": ("HassTurnOn", 1.0, False),  # said elsewhere, no attic fan here
    "turn on the stand in light": ("HassTurnOn", 0.998, True),
    "turn on the standing light": ("HassTurnOn", 1.0, True),  # the model's guess: "the light" in this room
    "set a timer for 15 minutes": ("HassStartTimer", 1.0, None),
    "set a timer for 5 minutes": ("HassStartTimer", 1.0, None),
    "set a timer for five minutes": ("HassStartTimer", 0.9, None),
    "turn on the stubby lite": (None, 0.2, None),  # not understood: no intent to keep
    "turn off the stubby light": ("HassTurnOff", 1.0, True),
    "turn on the stubby light please": ("HassTurnOn", 1.0, True),
}


def understand(text: str) -> Understanding:
    intent, conf, found = KNOWN.get(text.lower().strip(" ."), (None, 0.1, None))
    return Understanding(NluResult(text=text, intent=intent, confidence=conf), found)


@pytest.fixture
def store():
    with PersonalStore(":memory:") as s:
        yield s


def table(*rewrites: Rewrite, examples: tuple[Example, ...] = ()) -> RewriteTable:
    return RewriteTable.of(7, 0.0, list(rewrites), examples)


def test_what_works_is_never_rewritten(store):
    t = table(Rewrite("turn on the kitchen light", "turn on the study light", 5, 0.9))
    step = Rewriter(table=lambda: t, personal=store).rewrite("Turn on the kitchen light.", understand)
    assert step.rewrite is None and step.text == "Turn on the kitchen light." and step.understanding.nlu.intent == "HassTurnOn"
    low_asr = AsrResult("what time is it", -1.5, 0.1, 1.0, "tiny.en")
    assert Rewriter(table=lambda: t).rewrite("what time is it", understand, asr=low_asr).rewrite is None


def test_the_table_rewrites_what_fails():
    t = table(Rewrite("turn on the stubby light", "turn on the study light", 5, 0.9))
    step = Rewriter(table=lambda: t).rewrite("turn on the stubby light", understand)
    assert step.text == "turn on the study light" and step.understanding.device_found is True
    r = step.rewrite
    assert (r.original, r.text, r.source, r.score, r.version) == (
        "turn on the stubby light", "turn on the study light", "table", 0.9, 7,
    )  # fmt: skip


def test_a_table_target_that_does_not_work_here_is_not_used():
    t = table(Rewrite("turn on the stubby light", "turn on the attic fan", 5, 0.9))
    step = Rewriter(table=lambda: t, settings=RewriteSettings(online=False)).rewrite("turn on the stubby light", understand)
    assert step.rewrite is None and step.understanding.device_found is False


def test_global_retrieval_picks_a_working_neighbour_with_the_same_intent():
    examples = (
        Example("turn off the study light", "HassTurnOff", 50, 0.99),  # closer in words, but the other intent
        Example("turn on the study light", "HassTurnOn", 10, 0.95),
        Example("turn on the attic fan", "HassTurnOn", 90, 0.99),  # no such device here
    )
    rw = Rewriter(table=lambda: table(examples=examples))
    step = rw.rewrite("turn on the stubby light", understand)
    assert step.rewrite is not None and (step.rewrite.source, step.text) == ("global", "turn on the study light")
    assert 0.65 <= step.rewrite.score < 1.0
    assert {n.text for n in rw.neighbours("turn on the stubby light", table(examples=examples))} == {
        "turn off the study light", "turn on the study light",
    }  # fmt: skip  (the attic fan is not alike enough)
    only_off = Rewriter(table=lambda: table(examples=examples[:1]))
    assert only_off.rewrite("turn on the stubby light", understand).rewrite is None  # never flips on into off


def test_nothing_close_enough_leaves_it_alone():
    rw = Rewriter(table=lambda: table(examples=(Example("what time is it", "HassGetCurrentTime", 9, 1.0),)))
    assert rw.rewrite("turn on the garden hose", understand).rewrite is None


def test_the_personal_layer_learns_what_worked_here(store):
    rw = Rewriter(personal=store)
    assert rw.rewrite("turn on the stubby light", understand).rewrite is None
    store.record("turn on the study light", "HassTurnOn", ("light_study",), success=True, ts=1.0)
    step = rw.rewrite("turn on the stubby light", understand)
    assert (step.rewrite.source, step.text) == ("personal", "turn on the study light")
    assert store.stats("turn on the study light") == (1, 0)
    assert store.demote("turn on the study light") and store.stats("turn on the study light") == (0, 1)
    assert Rewriter(personal=store).rewrite("turn on the stubby light", understand).rewrite is None


def test_online_retrieval_can_be_turned_off(store):
    store.record("turn on the study light", "HassTurnOn", success=True)
    rw = Rewriter(personal=store, settings=RewriteSettings(online=False))
    assert rw.rewrite("turn on the stubby light", understand).rewrite is None
    off = Rewriter(personal=store, settings=RewriteSettings(enabled=False))
    assert off.rewrite("turn on the stubby light", understand).rewrite is None


def test_taught_phrases_come_first_and_forget_undoes_the_last(store):
    rw = Rewriter(personal=store)
    store.teach("Movie time", "turn off the living room lights", ts=1.0)
    step = rw.rewrite("movie time!", understand)
    assert (step.rewrite.source, step.rewrite.score, step.text) == ("taught", 1.0, "turn off the living room lights")
    assert step.understanding.nlu.intent == "HassTurnOff"
    store.teach("movie time", "turn on the kitchen light", ts=2.0)
    assert rw.rewrite("movie time", understand).text == "turn on the kitchen light"  # the newest wins
    assert store.forget_last().target == "turn on the kitchen light"
    assert rw.rewrite("movie time", understand).text == "turn off the living room lights"
    assert store.forget_last().said == "Movie time" and store.forget_last() is None
    assert rw.rewrite("movie time", understand).rewrite is None


def test_the_embedder_re_ranks():
    calls = []

    def embed(texts):
        calls.append(list(texts))
        rows = np.zeros((len(texts), 4), dtype=np.float32)
        for i, t in enumerate(texts):
            rows[i, 0 if ("on" in t.split() or "lights out" in t) else 1] = 1.0  # "meaning": on vs everything else
        return rows

    examples = (Example("turn on the study light", "HassTurnOn", 10, 0.95),)
    rw = Rewriter(table=lambda: table(examples=examples), embed=embed)
    step = rw.rewrite("turn on the stubby light", understand)
    # the score is the lexical similarity: the mean of the whole-text 3-grams (0.868) and the content words' (0.721)
    assert step.rewrite is not None and step.rewrite.score == pytest.approx((0.868 + 0.721) / 2, abs=0.002)
    (n,) = rw.neighbours("turn on the stubby light", table(examples=examples))
    assert (n.meaning, n.score) == (1.0, pytest.approx(n.similarity + 0.1 * 0.45 + 0.02 * np.log1p(10) + 0.1, abs=1e-3))
    rw.rewrite("turn on the stubby light", understand)
    assert sorted(calls) == [["turn on the stubby light"], ["turn on the study light"]]  # the query and the pool, once each


def test_a_confident_guess_is_rewritten_by_the_table_and_by_a_close_neighbour():
    t = table(Rewrite("turn on the stand in light", "turn on the standing light", 3, 0.8))
    step = Rewriter(table=lambda: t, settings=RewriteSettings(online=False)).rewrite("turn on the stand in light", understand)
    assert (step.rewrite.source, step.text) == ("table", "turn on the standing light")
    near = table(examples=(Example("turn on the standing light", "HassTurnOn", 4, 1.0),))
    step = Rewriter(table=lambda: near).rewrite("turn on the stand in light", understand)
    assert (step.rewrite.source, step.text) == ("global", "turn on the standing light") and step.rewrite.score >= 0.72
    far = table(examples=(Example("turn on the kitchen light", "HassTurnOn", 40, 1.0),))
    assert Rewriter(table=lambda: far).rewrite("turn on the stand in light", understand).rewrite is None


def test_numbers_are_never_rewritten():
    t = table(examples=(Example("set a timer for 15 minutes", "HassStartTimer", 40, 1.0),))
    assert Rewriter(table=lambda: t).rewrite("set a timer for five minutes", understand, asr=AsrResult(
        "set a timer for five minutes", -1.2, 0.1, 2.0, "tiny.en")).rewrite is None


def test_a_rewrite_keeps_the_direction_said():
    t = table(examples=(Example("turn off the stubby light", "HassTurnOff", 40, 1.0),))
    assert Rewriter(table=lambda: t).rewrite("turn on the stubby lite", understand).rewrite is None
    t = table(examples=(Example("turn on the stubby light please", "HassTurnOn", 4, 1.0),))
    assert Rewriter(table=lambda: t).rewrite("turn on the stubby lite", understand).rewrite.source == "global"


def test_this_homes_pair_applies_after_the_table(store):
    store.learn_rephrase("Turn on the garden hose!", "turn on the kitchen light", ts=1.0)
    assert store.rephrase_for("turn on the garden hose") == ("turn on the kitchen light", 1)
    step = Rewriter(personal=store).rewrite("turn on the garden hose", understand)
    assert (step.rewrite.source, step.rewrite.score, step.text) == ("personal", 1.0, "turn on the kitchen light")
    t = table(Rewrite("turn on the garden hose", "turn on the study light", 5, 0.9))
    assert Rewriter(table=lambda: t, personal=store).rewrite("turn on the garden hose", understand).rewrite.source == "table"
    assert Rewriter(personal=store, settings=RewriteSettings(personal_min_support=2)).rewrite(
        "turn on the garden hose", understand).rewrite is None
    store.learn_rephrase("turn on the garden hose", "turn on the kitchen light")
    assert store.rephrase_for("turn on the garden hose") == ("turn on the kitchen light", 2)
    store.learn_rephrase("turn on the garden hose", "turn on the study light")
    assert store.rephrase_for("turn on the garden hose") == ("turn on the study light", 1)  # another target starts over
    assert store.unlearn_rephrase("turn on the garden hose") and store.rephrase_for("turn on the garden hose") is None


def test_a_learned_substitution_fixes_other_requests_with_the_same_words(store):
    store.learn_substitution("Garden hose", "kitchen light", ts=1.0)
    step = Rewriter(personal=store).rewrite("turn off the garden hose", understand)
    assert step.rewrite is None  # "turn off the kitchen light" is not known to this test's NLU: no rewrite that fails
    step = Rewriter(personal=store).rewrite("turn on the garden hose", understand)
    assert (step.rewrite.source, step.rewrite.score, step.text) == ("personal", 0.9, "turn on the kitchen light")
    assert Rewriter(personal=store).substituted("please turn the garden hoses on") == []  # whole words only
    assert store.unlearn_substitution("garden hose") and store.substitutions() == []


def test_no_table_rewrite_or_pair_turns_the_request_around(store):
    t = table(Rewrite("turn on the stubby light", "turn off the study light", 5, 0.9))
    assert Rewriter(table=lambda: t, settings=RewriteSettings(online=False)).rewrite(
        "turn on the stubby light", understand).rewrite is None
    store.learn_rephrase("turn on the garden hose", "turn off the living room lights", ts=1.0)
    assert Rewriter(personal=store, settings=RewriteSettings(online=True)).rewrite(
        "turn on the garden hose", understand).rewrite is None
