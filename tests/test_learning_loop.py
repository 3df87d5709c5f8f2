"""The learning loop after each turn: link, label, learn, queue (real SQLite outbox, fake turns, fake clock)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from edge.config import settings_from_dict
from edge.feedback.outbox import Outbox
from edge.feedback.pseudonym import pseudonymize
from edge.learning.ground_truth import read_jsonl
from edge.learning.loop import LearningLoop
from edge.rewrite import PersonalStore, Rewriter
from edge.turn import Outcome, RewriteResult
from tests.feedback_helpers import mk_turn
from tests.test_rewrite import understand

SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.fixture
def parts(tmp_path):
    now = [1000.0]
    store = PersonalStore(":memory:")
    outbox = Outbox(tmp_path / "outbox.db")
    loop = LearningLoop(
        rewriter=Rewriter(personal=store), personal=store, outbox=outbox, secret=SECRET,
        ground_truth_path=tmp_path / "nlu-feedback.jsonl", clock=lambda: now[0],
    )  # fmt: skip
    yield loop, outbox, store, now, tmp_path
    outbox.close()
    store.close()


def _queued(outbox):
    return {e.turn_id: e for e in outbox.pending(100)}


def test_a_failure_and_its_successful_rephrase_are_linked_labelled_and_queued(parts):
    loop, outbox, store, now, tmp = parts
    failed = mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0, turn_id="a", intent="HassTurnOn",
                     confidence=0.5, missing="stubby light")  # fmt: skip
    (first,) = loop.after_turn(failed)
    assert (first.defects, first.failure_point, first.final) == (("no_device",), "resolution", False)
    assert first.speaker == pseudonymize("kitchen-speaker", SECRET) and first.speaker != "kitchen-speaker"
    fixed = mk_turn("turn on the study light", Outcome.DONE, 1008.0, turn_id="b", intent="HassTurnOn",
                    slots={"name": "Study Light", "domain": "light"}, entities=(("light_study", 1.0),))  # fmt: skip
    now[0] = 1010.0
    events = loop.after_turn(fixed)
    assert [(e.turn_id, e.rephrase_of) for e in events] == [("b", "a"), ("a", None)]
    b, a = events
    assert b.defects == () and b.failure_point == "correct"
    assert b.extra["rephrase"] == {"kind": "words", "score": 0.8, "gap_s": 8.0}
    assert a.defects == ("rephrased", "no_device") and a.failure_point == "asr"  # "stubby" / "study": misheard
    assert a.extra["label"] == {"intent": "HassTurnOn", "spans": [[12, 24, "name"]]}
    queued = _queued(outbox)
    assert set(queued) == {"a", "b"} and queued["a"].defects == ("rephrased", "no_device") and queued["b"].rephrase_of == "a"
    assert json.loads(queued["a"].to_json())["text"] == "turn on the stubby light"  # text and features, never audio
    (label,) = read_jsonl(tmp / "nlu-feedback.jsonl")
    assert label.to_dict() == {"text": "turn on the stubby light", "intent": "HassTurnOn", "spans": [[12, 24, "name"]],
                               "source": "feedback", "fold": "train"}  # fmt: skip
    assert store.stats("turn on the study light") == (1, 0) and store.stats("turn on the stubby light") == (0, 1)


def test_a_chain_of_failures_is_labelled_by_the_turn_that_finally_worked(parts):
    loop, outbox, *_ = parts
    loop.after_turn(mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0, turn_id="a", intent="HassTurnOn",
                            confidence=0.5, missing="stubby light"))  # fmt: skip
    loop.after_turn(mk_turn("turn on the stubbly light", Outcome.NO_DEVICE, 1005.0, turn_id="b", intent="HassTurnOn",
                            confidence=0.5, missing="stubbly light"))  # fmt: skip
    events = loop.after_turn(mk_turn("turn on the study light", Outcome.DONE, 1010.0, turn_id="c", intent="HassTurnOn",
                                     slots={"name": "Study Light"}, entities=(("light_study", 1.0),)))  # fmt: skip
    assert [(e.turn_id, e.rephrase_of) for e in events] == [("c", "b"), ("b", "a"), ("a", None)]
    assert [x.text for x in loop.labels] == ["turn on the stubbly light", "turn on the stubby light"]
    assert _queued(outbox)["a"].defects == ("rephrased", "no_device")


def test_a_fix_is_not_carried_back_past_a_link_by_meaning_alone(tmp_path):
    """Two people, nine seconds apart: "turn on the board slide" (jo, misheard) and "switch on the tv light"
    (robin's nickname), then robin's "turn on the living room lamp" works. All three mean "turn something on"
    to the encoder; only robin's failed request is fixed by the lamp."""
    import numpy as np

    from edge.feedback.rephrase import RephraseDetector

    store = PersonalStore(":memory:")
    same_meaning = lambda texts: np.ones((len(texts), 4), np.float32) / 2  # noqa: E731  (every text alike in meaning)
    loop = LearningLoop(rewriter=Rewriter(personal=store), personal=store,
                        detector=RephraseDetector(embed=same_meaning), clock=lambda: 1020.0)  # fmt: skip
    loop.after_turn(mk_turn("turn on the board slide", Outcome.NO_DEVICE, 1000.0, turn_id="a", intent="HassTurnOn",
                            missing="board slide"))  # fmt: skip
    loop.after_turn(mk_turn("switch on the tv light", Outcome.NO_DEVICE, 1009.0, turn_id="b", intent="HassTurnOn",
                            missing="tv light"))  # fmt: skip
    events = loop.after_turn(mk_turn("turn on the living room lamp", Outcome.DONE, 1012.0, turn_id="c",
                                     intent="HassTurnOn", slots={"name": "Living Room Lamp"},
                                     entities=(("light_lamp", 1.0),)))  # fmt: skip
    assert [(e.turn_id, e.rephrase_of) for e in events] == [("c", "b"), ("b", "a")]
    assert events[1].extra["rephrase"]["kind"] == "meaning"
    assert [x.text for x in loop.labels] == ["switch on the tv light"]
    assert store.rephrase_for("switch on the tv light") is not None
    assert store.rephrase_for("turn on the board slide") is None
    store.close()


def test_no_thats_wrong_marks_the_previous_turn(parts):
    loop, outbox, store, now, _ = parts
    done = mk_turn("turn on the lamp", Outcome.DONE, 1000.0, turn_id="a", intent="HassTurnOn",
                   entities=(("light_desk_lamp", 0.85),))  # fmt: skip
    loop.after_turn(done)
    assert store.stats("turn on the lamp") == (1, 0)
    now[0] = 1004.0
    step = loop.before_nlu(mk_turn("no", Outcome.ANSWERED, 1004.0), "no", lambda t: None)  # a bare "no" right after
    assert (step.nlu.intent, step.reply) == ("EdgeNegativeFeedback", "Sorry about that. Please say it another way.")
    feedback = mk_turn("no", Outcome.ANSWERED, 1004.0, turn_id="f", intent="EdgeNegativeFeedback")
    (a,) = loop.after_turn(feedback)
    assert (a.turn_id, a.defects, a.failure_point) == ("a", ("negative_feedback",), "resolution")  # a fuzzy match
    assert set(_queued(outbox)) == {"a"}  # the feedback itself is not an event
    assert store.stats("turn on the lamp") == (0, 1)
    now[0] = 1030.0
    step = loop.before_nlu(mk_turn("no", Outcome.ANSWERED, 1030.0), "no", understand)
    assert step.reply is None and step.nlu.intent is None  # 26 s later a bare no is not feedback


def test_a_barge_in_then_a_rephrase(parts):
    loop, outbox, *_ = parts
    loop.after_turn(mk_turn("lights down", Outcome.DONE, 1000.0, turn_id="a", intent="HassTurnOff",
                            entities=(("light_k", 1.0),), interrupted=True))  # fmt: skip
    events = loop.after_turn(mk_turn("dim the lights down", Outcome.DONE, 1004.0, turn_id="b", intent="HassLightSet",
                                     slots={"brightness": 30}, entities=(("light_k", 1.0),)))  # fmt: skip
    assert [(e.turn_id, e.defects, e.failure_point) for e in events] == [
        ("b", (), "correct"), ("a", ("barge_in", "rephrased"), "nlu"),
    ]  # fmt: skip


def test_labels_become_final_when_the_window_closes(parts):
    loop, outbox, *_ = parts
    loop.after_turn(mk_turn("turn on the kitchen light", Outcome.DONE, 1000.0, turn_id="a", intent="HassTurnOn"))
    assert loop.flush(1030.0) == [] and not _queued(outbox)["a"].final
    (a,) = loop.flush(1030.5)
    assert a.final and _queued(outbox)["a"].final and loop.tracked("a") is None
    events = loop.after_turn(mk_turn("what time is it", Outcome.ANSWERED, 1100.0, turn_id="b", intent="HassGetCurrentTime"))
    assert [e.turn_id for e in events] == ["b"]


def test_teaching_turns_are_not_events(parts):
    loop, outbox, *_ = parts
    assert loop.after_turn(mk_turn("when I say x, turn on y", Outcome.ANSWERED, 1000.0, intent="EdgeTeach")) == []
    assert len(outbox) == 0


def test_check_back_question_and_yes(parts):
    loop, *_ = parts
    loop.check_back.rate = 1.0
    done = mk_turn("turn on the lamp", Outcome.DONE, 1000.0, intent="HassTurnOn")
    assert loop.annotate(done, "Turned on the lamp.") == "Turned on the lamp. Did I get that right?"
    loop.after_turn(done)
    yes = loop.before_nlu(mk_turn("yes", Outcome.ANSWERED, 1003.0), "yes", lambda t: None)
    assert (yes.nlu.intent, yes.reply) == ("EdgePositiveFeedback", "Good.")
    assert loop.annotate(mk_turn("x", Outcome.NOT_UNDERSTOOD), "Sorry.") == "Sorry."


def test_from_settings_uses_the_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    settings = settings_from_dict({"learning": {"rephrase_window_s": 12.0, "check_back_rate": 0.5}})
    loop = LearningLoop.from_settings(settings)
    assert loop.detector.window_s == 12.0 and loop.check_back.rate == 0.5 and loop.outbox is None
    assert loop.personal is not None and loop.personal.path == str(tmp_path / "edge" / "personal.db")
    assert loop.ground_truth_path == tmp_path / "edge" / "nlu-feedback.jsonl"
    loop.personal.close()


def test_a_fixed_failure_becomes_this_homes_pair_and_a_pair_that_goes_wrong_is_dropped(parts):
    loop, outbox, store, now, _ = parts
    loop.after_turn(mk_turn("turn on the stubby light", Outcome.NO_DEVICE, 1000.0, turn_id="a", intent="HassTurnOn",
                            confidence=0.5))  # fmt: skip
    loop.after_turn(mk_turn("turn on the stubbly light", Outcome.NO_DEVICE, 1003.0, turn_id="b", intent="HassTurnOn",
                            confidence=0.5))  # fmt: skip
    loop.after_turn(mk_turn("turn on the study light", Outcome.DONE, 1006.0, turn_id="c", intent="HassTurnOn"))
    assert store.rephrase_for("Turn on the stubby light.") == ("turn on the study light", 1)
    assert store.rephrase_for("turn on the stubbly light") == ("turn on the study light", 1)
    rewritten = dataclasses.replace(
        mk_turn("turn on the study light", Outcome.DONE, 2000.0, turn_id="d", intent="HassTurnOn"),
        rewrite=RewriteResult("turn on the stubby light", "turn on the study light", "personal", 1.0),
    )
    loop.after_turn(rewritten)
    now[0] = 2002.0
    loop.after_turn(mk_turn("no", Outcome.ANSWERED, 2002.0, turn_id="e", intent="EdgeNegativeFeedback"))
    assert store.rephrase_for("turn on the stubby light") is None  # it went wrong: forgotten
    assert store.rephrase_for("turn on the stubbly light") is not None


def test_a_name_fixed_by_a_rephrase_is_substituted_in_other_requests(parts):
    from edge.learning.loop import substitution

    assert substitution("turn on the whole light", "Turn on the hallway light.") == ("whole light", "hallway light")
    assert substitution("turn on the lamp", "turn off the lamp") is None  # never the direction
    assert substitution("set it to 5", "set it to 6") is None  # never a number
    assert substitution("switch on the reading lamp", "turn on the standing light") is None  # two changes
    loop, outbox, store, now, _ = parts
    loop.after_turn(mk_turn("turn on the whole light", Outcome.DONE, 1000.0, turn_id="a", intent="HassTurnOn",
                            entities=(("light_kitchen", 1.0),), interrupted=True))  # fmt: skip
    loop.after_turn(mk_turn("turn on the hallway light", Outcome.DONE, 1004.0, turn_id="b", intent="HassTurnOn"))
    assert store.substitutions() == [("whole light", "hallway light", 1)]
    assert loop.rewriter.substituted("turn off the whole light") == ["turn off the hallway light"]
