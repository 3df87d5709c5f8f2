import pytest

from edge.feedback.events import Defect, FeedbackEvent
from edge.learning.table import Example, Rewrite, RewriteTable, normalize_utterance


def event(**over: object) -> FeedbackEvent:
    base = dict(
        event_id="e1", speaker="s", home="h", turn_id="t1", ts=1.0, text="turn on the stubby light", rewritten=None,
        rewrite_source=None, intent="HassTurnOn", slots={"name": "stubby light"}, nlu_confidence=0.9, asr_logprob=-0.3,
        no_speech_prob=0.01, wake_score=0.9, entities=(), outcome="no_device", defects=(Defect.NO_DEVICE.value,),
        rephrase_of=None, failure_point=None,
    )
    base.update(over)
    return FeedbackEvent(**base)  # type: ignore[arg-type]


def test_event_round_trips_through_json():
    e = event(extra={"k": 1})
    assert FeedbackEvent.from_json(e.to_json()) == e


def test_success_needs_no_defect_and_a_good_outcome():
    assert not event().success
    assert event(outcome="done", defects=()).success
    assert not event(outcome="done", defects=(Defect.BARGE_IN.value,)).success


def test_event_json_must_be_an_object():
    with pytest.raises(ValueError):
        FeedbackEvent.from_json("[1, 2]")


def test_normalize_utterance():
    assert normalize_utterance("  Turn on the Kitchen light, please! ") == "turn on the kitchen light"
    assert normalize_utterance("Please turn it OFF.") == "turn it off"
    assert normalize_utterance("what's   the time?") == "what's the time"


def test_table_looks_up_by_normalised_text_and_round_trips():
    table = RewriteTable.of(
        3,
        10.0,
        [Rewrite("turn on the stubby light", "turn on the study light", 4, 0.8)],
        (Example("turn on the study light", "HassTurnOn", 9, 0.9),),
    )
    assert table.lookup("Turn on the stubby light.") == table.rewrites["turn on the stubby light"]
    assert table.lookup("turn on the study light") is None
    assert RewriteTable.from_dict(table.to_dict()) == table
    assert len(table) == 1
