"""Ground truth from rephrases, in the format models/nlu trains on; the [learning] keys of the loop."""

from __future__ import annotations

import json

import pytest

from edge.config import settings_from_dict
from edge.errors import ConfigError
from edge.learning.ground_truth import TRAIN_SLOTS, ground_truth, label_from_rephrase, read_jsonl, write_jsonl
from edge.turn import NluResult, Outcome
from tests.feedback_helpers import mk_turn


def nlu(intent, **slots):
    return NluResult(text="", intent=intent, confidence=1.0, slots=slots)


def spans(ex):
    return [(ex.text[s:e], slot) for s, e, slot in ex.spans]


def test_a_misheard_name_is_placed_by_alignment():
    said = nlu("HassTurnOn", name="Study Light", domain="light")
    ex = label_from_rephrase("turn on the stubby light", "turn on the study light", said)
    assert ex.to_dict() == {"text": "turn on the stubby light", "intent": "HassTurnOn", "spans": [[12, 24, "name"]],
                            "source": "feedback", "fold": "train"}  # fmt: skip


def test_values_said_in_both_and_numbers_said_differently():
    ex = label_from_rephrase("set the stubby light to forty", "set the study light to 40%",
                             nlu("HassLightSet", name="Study Light", brightness=40))  # fmt: skip
    assert spans(ex) == [("stubby light", "name"), ("forty", "brightness")]
    ex = label_from_rephrase("kill the lights in the living room", "turn off the lights in the living room",
                             nlu("HassTurnOff", area="living_room", domain="light"))  # fmt: skip
    assert (ex.intent, spans(ex)) == ("HassTurnOff", [("living room", "area")])


def test_a_slot_from_context_is_left_out_and_an_unplaceable_one_drops_the_example():
    ex = label_from_rephrase("lights on", "turn on the lights", nlu("HassTurnOn", area="kitchen", domain="light"))
    assert (ex.text, ex.spans) == ("lights on", ())  # the speaker's room, not said
    assert label_from_rephrase("do the thing", "turn on the lamp", nlu("HassTurnOn", name="Lamp")) is None
    assert label_from_rephrase("x", "what", nlu(None)) is None
    assert label_from_rephrase("x", "what", nlu("OutOfDomain")) is None


def test_from_turns_only_a_rephrase_that_worked_labels():
    failed = mk_turn("turn on the reading lamp", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.5)
    ok = mk_turn("turn on the standing light", Outcome.DONE, 1005.0, intent="HassTurnOn", slots={"name": "Standing Light"})
    assert spans(ground_truth(failed, ok)) == [("reading lamp", "name")]
    assert ground_truth(failed, mk_turn("turn on the standing light", Outcome.NO_DEVICE, intent="HassTurnOn")) is None


def test_jsonl_round_trip_appends(tmp_path):
    path = tmp_path / "sub" / "nlu-feedback.jsonl"
    ex = label_from_rephrase("turn on the stubby light", "turn on the study light", nlu("HassTurnOn", name="Study Light"))
    assert write_jsonl([ex], path) == 1 and write_jsonl([ex], path) == 1
    assert read_jsonl(path) == [ex, ex] and read_jsonl(tmp_path / "none.jsonl") == []
    assert json.loads(path.read_text().splitlines()[0])["spans"] == [[12, 24, "name"]]


def test_the_slots_are_those_the_model_trains():
    data = pytest.importorskip("models.nlu.data")
    assert TRAIN_SLOTS == set(data.SLOTS)
    ex = label_from_rephrase("turn on the stubby light", "turn on the study light", nlu("HassTurnOn", name="Study Light"))
    example = data.Example(**{k: v for k, v in ex.to_dict().items() if k != "spans"}, spans=[tuple(s) for s in ex.spans])
    assert example.to_dict() == ex.to_dict()


@pytest.mark.parametrize(
    "key, value",
    [("rephrase_window_s", 0.5), ("check_back_rate", 1.5), ("rewrite_min_similarity", -0.1), ("negative_window_s", 500.0),
     ("rewrite", "yes")],
)  # fmt: skip
def test_learning_keys_are_validated(key, value):
    with pytest.raises(ConfigError) as err:
        settings_from_dict({"learning": {key: value}})
    assert f"learning.{key}" in str(err.value)


def test_learning_defaults_work():
    s = settings_from_dict({}).learning
    assert (s.on_device, s.rephrase_window_s, s.negative_window_s, s.check_back_rate, s.rewrite, s.rewrite_online) == (
        True, 30.0, 10.0, 0.0, True, True,
    )  # fmt: skip
