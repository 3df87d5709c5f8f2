"""The NLU model's generated training data (``models.nlu.data.generate``): what the templates are filled with."""

from __future__ import annotations

import re
from collections import Counter

import pytest

pytest.importorskip("hassil")

from models.nlu.data import _DOUBLED, NAMES, generate  # noqa: E402


@pytest.fixture(scope="module")
def generated():
    return generate()


def _getstate(generated, fold="train"):
    return [e for e in generated if e.intent == "HassGetState" and e.fold == fold]


def test_where_is_asks_for_people_not_devices(generated):
    people = set(NAMES["person"])
    where = [e for e in _getstate(generated) if re.match(r"(where is|where's|where can i find)\b", e.text.casefold())]
    assert len(where) >= 20  # one of GetState's 7 kinds of answer, drawn with the weight of its group
    named = [e.text[s:t] for e in where for s, t, n in e.spans if n == "name"]
    assert named and all(n in people for n in named)


def test_a_sensors_value_is_asked_in_training_not_only_in_eval(generated):
    """GetState's two "what is the {name}" / "how is the {name}" templates are the only ones asking a value:
    neither is held out, so the model learns to ask what a sensor reads."""
    asked = [e for e in _getstate(generated) if not e.text.startswith("where")
             and {n for *_, n in e.spans} == {"name"}]  # a name and no state: "what's the value of the rainfall"
    assert len(asked) >= 40
    assert sum(bool(re.search(r"\b(state|value) of\b", e.text)) for e in asked) >= 10


def test_binary_sensor_questions_name_what_they_ask_about(generated):
    openings = set(NAMES["binary_sensor/open"])
    asked = Counter()
    for e in _getstate(generated):
        states = [e.text[s:t] for s, t, n in e.spans if n == "state"]
        names = [e.text[s:t] for s, t, n in e.spans if n == "name"]
        if names and states and states[0] in ("open", "opened", "closed", "shut") and names[0] in openings:
            asked["opening"] += 1
        if names and states and states[0] == "wet":
            assert names[0] in NAMES["binary_sensor/moisture"], e.text
            asked["wet"] += 1
    assert asked["opening"] >= 3 and asked["wet"] >= 1


def test_no_doubled_determiners_and_none_before_a_state(generated):
    for e in generated:
        assert not _DOUBLED.search(e.text), e.text
        for s, _, n in e.spans:
            if n == "state":
                assert not re.search(r"\b(the|my|our|a|an)\s*$", e.text[:s]), e.text


def test_a_question_takes_no_command_prefix(generated):
    prefixed = [e.text for e in generated if re.match(r"(i want|i'd like|would you|can you|could you|for me) "
                                                      r"(is|are|which|how many|where)\b", e.text)]
    assert prefixed == []
