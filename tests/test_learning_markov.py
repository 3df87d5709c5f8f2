"""Rewrite mining on small graphs whose absorption probabilities are worked out by hand."""

from __future__ import annotations

import dataclasses

import pytest

from edge.learning.markov import absorption_probabilities, build_table, mine_examples, mine_rewrites, rephrase_chains
from tests.learning_helpers import chain, ev


def test_two_chains_agree_one_gives_up() -> None:
    # A = "switch on lamp", B = "turn on the lamp", C = "lamp on".
    # s1: A -> B(ok); s2: A -> B(ok); s3: A -> C (fails, user gives up).
    # From A: 3 visits, 2 go to B, 1 to C.  B always works: B -> [B] = 1.  C: nothing (gives up).
    # B[A, B] = 2/3 * 1 = 0.6667, support 2 (two chains from A end in B).
    events = (
        chain("s1", ("switch on lamp", False), ("turn on the lamp", True))
        + chain("s2", ("Switch on lamp!", False), ("turn on the lamp", True))
        + chain("s3", ("switch on lamp", False), ("lamp on", False))
    )
    probs = absorption_probabilities(events)
    assert probs["switch on lamp"] == {"turn on the lamp": pytest.approx(2 / 3)}
    assert probs["lamp on"] == {}
    (rewrite,) = mine_rewrites(events)
    assert (rewrite.source, rewrite.target, rewrite.support) == ("switch on lamp", "turn on the lamp", 2)
    assert rewrite.confidence == pytest.approx(2 / 3, abs=1e-6)


def test_longer_chains_and_min_confidence() -> None:
    # s1: A -> B -> C(ok); s2: A -> C(ok); s3: A -> B (fails, ends); s4: B -> C(ok).
    # A: 3 visits -> B 2/3, C 1/3.   B: 3 visits (s1, s3, s4) -> C 2/3, gives up 1/3.   C -> [C] = 1.
    # B[B, C] = 2/3.   B[A, C] = 2/3 * 2/3 + 1/3 * 1 = 7/9 = 0.7778.
    # Support A -> C: s1, s2 = 2.  B -> C: s1, s4 = 2.
    a, b, c = "put the lights on", "lights on", "turn on the lights"
    events = (
        chain("s1", (a, False), (b, False), (c, True))
        + chain("s2", (a, False), (c, True))
        + chain("s3", (a, False), (b, False))
        + chain("s4", (b, False), (c, True))
    )
    probs = absorption_probabilities(events)
    assert probs[a][c] == pytest.approx(7 / 9)
    assert probs[b][c] == pytest.approx(2 / 3)
    found = {(r.source, r.target): r for r in mine_rewrites(events)}
    assert set(found) == {(a, c), (b, c)}
    assert found[(a, c)].confidence == pytest.approx(7 / 9, abs=1e-6) and found[(a, c)].support == 2
    only = mine_rewrites(events, min_confidence=0.7)
    assert [(r.source, r.target) for r in only] == [(a, c)]
    assert mine_rewrites(events, min_support=3) == []


def test_competing_targets_pick_the_most_probable() -> None:
    # A -> B(ok) three times, A -> C(ok) twice: B[A,B] = 3/5, B[A,C] = 2/5 -> rewrite to B.
    events = []
    for n in range(3):
        events += chain(f"b{n}", ("play jazz in kitchen", False), ("play jazz in the kitchen", True))
    for n in range(2):
        events += chain(f"c{n}", ("play jazz in kitchen", False), ("play some jazz", True))
    probs = absorption_probabilities(events)
    assert probs["play jazz in kitchen"]["play jazz in the kitchen"] == pytest.approx(0.6)
    assert probs["play jazz in kitchen"]["play some jazz"] == pytest.approx(0.4)
    (rewrite,) = mine_rewrites(events)
    assert rewrite.target == "play jazz in the kitchen" and rewrite.support == 3


def test_a_loop_in_the_chain() -> None:
    # s1, s2: A -> B -> A -> C(ok).  A: 4 visits -> B 2, C 2.  B: 2 visits -> A 2.
    # x = B[A,C] solves x = 1/2 * y + 1/2, y = B[B,C] = x  ->  x = 1.
    a, b, c = "lite on", "light on", "turn the light on"
    events = chain("s1", (a, False), (b, False), (a, False), (c, True)) + chain(
        "s2", (a, False), (b, False), (a, False), (c, True)
    )
    probs = absorption_probabilities(events)
    assert probs[a][c] == pytest.approx(1.0)
    assert probs[b][c] == pytest.approx(1.0)
    found = {r.source: r for r in mine_rewrites(events)}
    assert found[a].target == c and found[a].support == 2  # each chain counts once


def test_a_source_that_mostly_works_is_never_rewritten() -> None:
    # D worked, then the user went on to E (which also worked) three times; D failed alone once.
    # B[D, E] = 3/4 with support 3, but D worked 3 times out of 4: no rewrite.
    d, e = "turn on the fan", "turn on the fan to high"
    events = []
    for n in range(3):
        events += chain(f"s{n}", (d, True), (e, True))
    events.append(ev("x", d, False, speaker="s9"))
    assert absorption_probabilities(events)[d] == {e: pytest.approx(0.75)}
    assert mine_rewrites(events) == []


def test_utterance_that_works_on_its_own_maps_to_itself() -> None:
    # "what time is it": 4 times alone, ok -> [itself] = 0.8; once it failed and "time please" worked.
    events = [ev(f"t{n}", "what time is it", True, speaker=f"s{n}") for n in range(4)]
    events += chain("s9", ("what time is it", False), ("what's the time", True))
    assert absorption_probabilities(events)["what time is it"]["what time is it"] == pytest.approx(0.8)
    assert mine_rewrites(events, min_support=1) == []


def test_applied_rewrites_keep_their_evidence() -> None:
    # Once a rewrite A -> B is on the speakers, A's turns are interpreted as B and work.
    # Each such turn is A -> B(ok) in the chain: the rewrite is mined again (B[A,B] = 1, support 3),
    # and A's as-is success rate is unknown rather than 100 %.
    events = [ev(f"t{n}", "switch on lamp", True, speaker=f"s{n}", rewritten="turn on the lamp") for n in range(3)]
    (rewrite,) = mine_rewrites(events)
    assert (rewrite.source, rewrite.target, rewrite.support, rewrite.confidence) == ("switch on lamp", "turn on the lamp", 3, 1.0)


def test_chains_follow_the_speaker_and_the_latest_version_of_a_turn() -> None:
    # The same turn ids on two speakers are two chains; a turn sent twice counts once (the last one).
    events = chain("s1", ("a", False), ("b", True)) + chain("s2", ("a", False), ("c", True))
    events.append(ev("t1", "b", True, "t0", speaker="s1"))  # resent, same labels
    chains = rephrase_chains(events)
    assert sorted([e.text for e in c] for c in chains) == [["a", "b"], ["a", "c"]]


def test_a_missing_parent_or_a_loop_does_not_lose_turns() -> None:
    events = [ev("t5", "x", True, "gone"), ev("a", "p", False, "b", speaker="s2"), ev("b", "q", False, "a", speaker="s2")]
    chains = rephrase_chains(events)
    assert sorted(e.turn_id for c in chains for e in c) == ["a", "b", "t5"]


def test_examples_are_the_utterances_that_worked() -> None:
    events = [ev(f"t{n}", "Turn on the lamp", True, speaker="s1") for n in range(3)]
    events.append(ev("t9", "turn on the lamp", False, speaker="s1"))
    events += [ev("u1", "what's the time", True, speaker="s2", intent="HassGetCurrentTime")]
    events += [ev("u2", "mumble", False, speaker="s2")]
    examples = mine_examples(events)
    assert [(x.text, x.intent, x.support) for x in examples] == [
        ("turn on the lamp", "HassTurnOn", 3),
        ("what's the time", "HassGetCurrentTime", 1),
    ]
    assert examples[0].success_rate == pytest.approx(0.75)
    assert mine_examples(events, min_support=2) == examples[:1]


def test_build_table_is_pure_and_looks_up() -> None:
    events = chain("s1", ("switch on lamp", False), ("turn on the lamp", True)) + chain(
        "s2", ("switch on lamp", False), ("turn on the lamp", True)
    )
    table = build_table(events, 7, min_support=2, min_confidence=0.5, now=1000.0)
    assert table.version == 7 and table.created_at == 1000.0
    hit = table.lookup("Switch on lamp, please")
    assert hit is not None and hit.target == "turn on the lamp"
    assert [x.text for x in table.examples] == ["turn on the lamp"]
    assert build_table(iter(events), 7, min_support=2, min_confidence=0.5, now=1000.0) == table


def test_large_groups_use_the_sparse_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    # One long rephrase path u0 -> u1 -> ... -> u59 -> "ok" (twice): every u_i absorbs into "ok" with p = 1.
    import edge.learning.markov as markov

    monkeypatch.setattr(markov, "DENSE_MAX_STATES", 10)
    steps = [(f"utterance {i}", False) for i in range(60)] + [("the one that works", True)]
    events = chain("s1", *steps) + chain("s2", *steps)
    probs = absorption_probabilities(events)
    assert probs["utterance 0"]["the one that works"] == pytest.approx(1.0)
    assert len(mine_rewrites(events)) == 60


def test_a_fix_does_not_travel_back_past_a_failed_turns_link_by_meaning_alone() -> None:
    # Two people: "turn on the board slide" (fails), "switch on the tv light" (fails, linked to it by meaning
    # only), "turn on the living room lamp" (works, linked to the tv light by meaning). Twice.
    a, b, c = "turn on the board slide", "switch on the tv light", "turn on the living room lamp"
    events = []
    for sp in ("s1", "s2"):
        events += [ev("t0", a, False, speaker=sp), ev("t1", b, False, "t0", speaker=sp, ts=9, link="meaning"),
                   ev("t2", c, True, "t1", speaker=sp, ts=12, link="meaning")]  # fmt: skip
    assert {r.source: r.target for r in mine_rewrites(events)} == {b: c}
    # the same links made by words (or sound) carry the fix all the way back
    events = [dataclasses.replace(e, extra={"rephrase": {"kind": "words"}} if e.rephrase_of else {}) for e in events]
    assert {r.source: r.target for r in mine_rewrites(events)} == {a: c, b: c}


def test_a_rewrite_that_turns_the_request_around_is_never_mined() -> None:
    events = chain("s1", ("turn on the board slide", False), ("turn off the bedroom light", True)) + chain(
        "s2", ("turn on the board slide", False), ("turn off the bedroom light", True), start_ts=100.0)
    assert mine_rewrites(events) == []
