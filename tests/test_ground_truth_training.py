"""The speakers' ground truth into NLU training (models.nlu.train --feedback): reading, checking, merging. No torch."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from edge.learning.ground_truth import TrainingExample, label_from_rephrase, main, summary, write_jsonl
from edge.turn import NluResult
from models.nlu.data import OOD, Example, FeedbackError, read_feedback, train_dev_split
from models.nlu.train import add_feedback, data_counts, sentence_key, training_data

INTENTS = {"HassTurnOn", "HassTurnOff", OOD}


def _write(tmp_path: Path, *lines: str) -> Path:
    p = tmp_path / "ground_truth.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_what_the_speaker_writes_is_what_training_reads(tmp_path: Path):
    fixed = NluResult("turn on the study light", "HassTurnOn", 1.0, {"name": "Study Light"})
    label = label_from_rephrase("turn on the stubby light", "turn on the study light", fixed)
    assert label is not None
    path = tmp_path / "spk" / "nlu-feedback.jsonl"
    write_jsonl([label, TrainingExample("switch off the hall", "HassTurnOff", ())], path)
    (a, b) = read_feedback(path, INTENTS)
    assert (a.text, a.intent, a.spans, a.source, a.fold) == ("turn on the stubby light", "HassTurnOn", [(12, 24, "name")],
                                                             "feedback", "train")  # fmt: skip
    assert a.text[12:24] == "stubby light" and (b.intent, b.spans) == ("HassTurnOff", [])
    assert summary(path) == {"path": str(path), "exists": True, "examples": 2, "intents": {"HassTurnOff": 1, "HassTurnOn": 1}}


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not JSON"),
        ('["turn on"]', "expected a JSON object, got list"),
        ('{"intent": "HassTurnOn"}', "'text' must be a non-empty string"),
        ('{"text": "  ", "intent": "HassTurnOn"}', "'text' must be a non-empty string"),
        ('{"text": "turn on", "intent": ""}', "'intent' must be a non-empty string"),
        ('{"text": "turn on", "intent": "HassMakeCoffee"}', "unknown intent 'HassMakeCoffee'"),
        ('{"text": "turn on", "intent": "HassTurnOn", "fold": "eval"}', "feedback is for training only"),
        ('{"text": "turn on", "intent": "HassTurnOn", "spans": "0-4"}', "'spans' must be a list"),
        ('{"text": "turn on", "intent": "HassTurnOn", "spans": [[0, 4]]}', "is not [start, end, slot]"),
        ('{"text": "turn on", "intent": "HassTurnOn", "spans": [[0, 4.5, "name"]]}', "is not [start, end, slot]"),
        ('{"text": "turn on", "intent": "HassTurnOn", "spans": [[5, 40, "name"]]}', "outside the text (7 characters)"),
        ('{"text": "turn on", "intent": "HassTurnOn", "spans": [[3, 3, "name"]]}', "outside the text"),
        ('{"text": "turn on", "intent": "HassTurnOn", "spans": [[0, 4, "colour"]]}', "unknown slot 'colour'"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, line: str, message: str):
    good = '{"text": "turn on the lamp", "intent": "HassTurnOn", "spans": [[12, 16, "name"]]}'
    path = _write(tmp_path, good, "", line, good)  # the blank line counts: the bad one is line 3
    with pytest.raises(FeedbackError) as err:
        read_feedback(path, INTENTS)
    assert str(err.value).startswith(f"{path}:3: ") and message in str(err.value)


def test_a_missing_file_is_said(tmp_path: Path):
    with pytest.raises(FeedbackError, match="cannot read the feedback file"):
        read_feedback(tmp_path / "nope.jsonl")


def _ex(text: str, intent: str = "HassTurnOn", source: str = "gen", fold: str = "train") -> Example:
    return Example(text, intent, [], source, fold)


def test_feedback_goes_to_train_only_never_with_eval_or_dev_text():
    train = [_ex("turn on the lamp"), _ex("turn off the fan", "HassTurnOff")]
    dev = [_ex("switch on the kettle")]
    held_out = [_ex("turn on the porch light", fold="eval")]
    feedback = [
        _ex("Turn on the porch light!", source="feedback"),  # the eval sentence, said with other case and punctuation
        _ex("switch on the kettle", source="feedback"),  # a dev sentence
        _ex("turn on the lamp.", source="feedback"),  # already trained on
        _ex("turn on the stubby light", source="feedback"),
        _ex("turn on the  stubby light", source="feedback"),  # the same again
    ]
    kept, counts = add_feedback(train, dev, held_out, feedback)
    assert [e.text for e in kept] == ["turn on the stubby light"] and kept[0].fold == "train"
    assert counts == {"read": 5, "added": 1, "skipped_eval": 1, "skipped_dev": 1, "skipped_duplicate": 2}
    assert sentence_key("Turn on the Porch-light!") == "turn on the porch light"


def _corpus() -> list[Example]:
    gen = [_ex(f"turn on light {i}") for i in range(60)]
    real = [_ex(f"lights {i} on please", source="hwu64") for i in range(20)] + [_ex("what is love", OOD, "hwu64")]
    held = [_ex(f"turn on lamp {i}", fold="eval") for i in range(10)]
    return gen + real + held


def test_training_data_without_feedback_is_what_training_always_did():
    examples = _corpus()
    train, dev, added, report = training_data(examples, random.Random(13))
    rng = random.Random(13)  # the steps models.nlu.train took before --feedback existed
    old_train, old_dev = train_dev_split(examples, rng)
    real = [e for e in old_train if e.source != "gen" and e.intent != OOD]
    old_train = old_train + real + real
    rng.shuffle(old_train)
    assert (train, dev, added, report) == (old_train, old_dev, [], None)


def test_training_data_with_feedback_adds_it_to_train_three_times_and_leaves_dev_alone():
    examples = _corpus()
    _, dev_before, _, _ = training_data(examples, random.Random(13))
    feedback = [_ex("turn on the stubby light", source="feedback"), _ex("turn on lamp 3", source="feedback")]
    train, dev, added, report = training_data(examples, random.Random(13), feedback)
    assert dev == dev_before and all(e.source != "feedback" for e in dev)
    assert [e.text for e in added] == ["turn on the stubby light"]
    assert sum(e.text == "turn on the stubby light" for e in train) == 3 and not any(e.text == "turn on lamp 3" for e in train)
    assert report == {"read": 2, "added": 1, "skipped_eval": 1, "skipped_dev": 0, "skipped_duplicate": 0}
    assert data_counts(examples + added)["feedback/train/in_domain"] == 1
    assert training_data(examples, random.Random(13), [])[3] == {
        "read": 0, "added": 0, "skipped_eval": 0, "skipped_dev": 0, "skipped_duplicate": 0,
    }  # fmt: skip


def test_train_checks_the_feedback_before_it_needs_torch(tmp_path: Path, shared_data: Path):  # training reads the data
    from models.nlu import train

    bad = _write(tmp_path, json.dumps({"text": "turn on the lamp", "intent": "HassTurnOn", "spans": [[0, 99, "name"]]}))
    with pytest.raises(FeedbackError, match=r"ground_truth\.jsonl:1: span \[0, 99, 'name'\] is outside the text"):
        train.main(["--feedback", str(bad)])


def test_the_speaker_says_where_its_ground_truth_is(tmp_path: Path, capsys):
    config = tmp_path / "edge.toml"
    path = tmp_path / "gt.jsonl"
    config.write_text(f'[learning]\nground_truth = "{path}"\n', encoding="utf-8")
    assert main(["--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"path": str(path), "exists": False, "examples": 0, "intents": {}}
    write_jsonl([TrainingExample("turn on the stubby light", "HassTurnOn", ())], path)
    assert main(["--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [f"{path}: 1 examples", "  HassTurnOn: 1", f"train on it: make train-nlu FEEDBACK={path}"]
