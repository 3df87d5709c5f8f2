"""The dialogue state and how answers are read (edge.pipeline.dialog): pure, no models."""

import pytest

from edge.pipeline.dialog import Ask, Dialog, Question, choose, clarify_question, confirm_question, is_stop, is_yes, labels
from edge.turn import EntityRef, NluResult, Resolution

YES = ("yes", "yes please", "do it", "sure", "confirm")
CEILING = EntityRef("c1", "Living Room Ceiling Light", "Living Room", "light", 0.9)
LAMP = EntityRef("l1", "Living Room Lamp", "Living Room", "light", 0.88)
KITCHEN = EntityRef("k1", "Light", "Kitchen", "light", 0.9)
HALLWAY = EntityRef("h1", "Light", "Hallway", "light", 0.9)


def question(expires: float = 10.0, kind: Ask = Ask.CLARIFY) -> Question:
    nlu = NluResult("turn on the light", "HassTurnOn", 1.0, {"domain": "light"})
    res = Resolution((), "ambiguous", candidates=(CEILING, LAMP), ambiguous=True)
    return Question(kind, "The ceiling light or the lamp?", "t1", "s1", nlu, res, (CEILING, LAMP), expires)


def test_one_open_question_taken_once_and_expiring():
    d = Dialog()
    assert d.take(0.0) is None
    d.ask(question(expires=10.0))
    assert d.pending is not None
    assert d.take(5.0).turn_id == "t1"
    assert d.take(5.0) is None  # answered: closed
    d.ask(question(expires=10.0))
    assert d.take(10.0) is None  # too late
    assert d.pending is None
    d.ask(question())
    d.drop()
    assert d.take(0.0) is None


def test_confirm_question_names_what_and_which():
    assert confirm_question([("Front Door", "unlock")]) == "Are you sure you want to unlock the front door?"
    assert confirm_question([("Garage Door", "open_cover")]) == "Are you sure you want to open the garage door?"
    assert confirm_question([("Alarm", "alarm_disarm")]) == "Are you sure you want to disarm the alarm?"
    assert (
        confirm_question([("Front Door", "unlock"), ("Back Door", "unlock")])
        == "Are you sure you want to unlock the front door and the back door?"
    )


def test_clarify_question_drops_the_shared_area_and_adds_it_for_equal_names():
    assert clarify_question([CEILING, LAMP]) == "The ceiling light or the lamp?"
    assert clarify_question([KITCHEN, HALLWAY]) == "The kitchen light or the hallway light?"
    other = EntityRef("o1", "Desk Fan", "Office", "switch")
    assert labels([CEILING, other]) == ["living room ceiling light", "desk fan"]


@pytest.mark.parametrize("text", ["yes", "Yes.", "Yes, please.", "do it", "Sure!", "confirm"])
def test_a_clear_yes(text):
    assert is_yes(text, YES)


@pytest.mark.parametrize("text", ["no", "", "yes but later", "I guess", "yesterday", "No, don't.", "what?"])
def test_anything_else_is_no(text):
    assert not is_yes(text, YES)


@pytest.mark.parametrize(
    "text, options, chosen",
    [
        ("the lamp", (CEILING, LAMP), ("l1",)),
        ("The lamp.", (CEILING, LAMP), ("l1",)),
        ("the ceiling light", (CEILING, LAMP), ("c1",)),
        ("the ceiling lights", (CEILING, LAMP), ("c1",)),
        ("the second one", (CEILING, LAMP), ("l1",)),
        ("first", (CEILING, LAMP), ("c1",)),
        ("the last one", (CEILING, LAMP), ("l1",)),
        ("both", (CEILING, LAMP), ("c1", "l1")),
        ("Both of them.", (CEILING, LAMP), ("c1", "l1")),
        ("the kitchen one", (KITCHEN, HALLWAY), ("k1",)),
        ("hallway", (KITCHEN, HALLWAY), ("h1",)),
        ("the light", (KITCHEN, HALLWAY), ()),  # both are lights: unclear
        ("the living room", (CEILING, LAMP), ()),  # both are there: unclear
        ("neither", (CEILING, LAMP), ()),
        ("", (CEILING, LAMP), ()),
    ],
)
def test_choose(text, options, chosen):
    assert tuple(o.unique_id for o in choose(text, options)) == chosen


def test_stop_phrases():
    assert is_stop("Stop.") and is_stop("never mind") and is_stop("Cancel!")
    assert not is_stop("stop the fan") and not is_stop("turn off the light")
