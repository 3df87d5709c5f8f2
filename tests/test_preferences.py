"""'Learn my preferences' (edge.rewrite.preferences): the trigger, reading answers, the dialog, the store. No models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.devices.details import ClimateDetail
from edge.rewrite import PersonalStore
from edge.rewrite.preferences import (
    LIGHT, QUESTIONS, ROOM, TEMPERATURE, HomeFacts, answer, is_learn_preferences, read_light, read_room,
    read_temperature, rewrite, start,
)  # fmt: skip


@dataclass
class E:  # the slice of a registry Entity the preferences read
    unique_id: str
    name: str
    domain: str
    area: str = ""
    detail: object | None = None


ENTITIES = [
    E("lamp", "Living Room Lamp", "light", "living room"),
    E("ceiling", "Living Room Ceiling Light", "light", "living room"),
    E("kitchen", "Kitchen Light", "light", "kitchen"),
    E("bed", "Bed Light", "light", "guest room"),
    E("ecobee", "EcoBee", "climate", "hallway", ClimateDetail(min_temp=7.0, max_temp=30.0)),
    E("fan", "Desk Fan", "switch", "office"),
]
HOME = HomeFacts.of(ENTITIES)


@pytest.mark.parametrize(
    "text", ["learn my preferences", "Alexa learn my preferences.", "Let's set up my preferences", "set my preferences please",
             "let's set my preferences", "could you learn my preferences", "update my preferences"],
)  # fmt: skip
def test_the_trigger(text):
    assert is_learn_preferences(text.removeprefix("Alexa "))


@pytest.mark.parametrize("text", ["turn on the light", "what are my preferences", "learn", "set the preferences of the lamp"])
def test_not_the_trigger(text):
    assert not is_learn_preferences(text)


def test_home_facts_and_what_is_asked():
    assert HOME.areas == ("guest room", "hallway", "kitchen", "living room", "office")
    assert HOME.temperature_range == (7.0, 30.0) and [o.unique_id for o in HOME.lights] == ["lamp", "ceiling", "kitchen", "bed"]
    assert HOME.keys() == (ROOM, TEMPERATURE, LIGHT)
    assert HomeFacts.of([e for e in ENTITIES if e.domain != "climate"]).keys() == (ROOM, LIGHT)  # no thermostat: not asked
    assert start(HomeFacts((), (), None)) is None


@pytest.mark.parametrize(
    "said, room",
    [("the living room", "living room"), ("It's in the kitchen.", "kitchen"), ("kitchen please", "kitchen"),
     ("the guest", "guest room"), ("livingroom", "living room"), ("office", "office"), ("the attic", None), ("", None)],
)  # fmt: skip
def test_read_room(said, room):
    assert read_room(said, HOME.areas) == room


@pytest.mark.parametrize(
    "said, value",
    [("21", 21.0), ("twenty one degrees", 21.0), ("about 20.5 please", 20.5), ("nineteen", 19.0), ("warm", None),
     ("20 or 21", None)],
)  # fmt: skip
def test_read_temperature(said, value):
    assert read_temperature(said) == value


@pytest.mark.parametrize(
    "said, uid",
    [("the living room lamp", "lamp"), ("the lamp", "lamp"), ("the ceiling light", "ceiling"),
     ("the one in the kitchen", "kitchen"), ("Kitchen Light.", "kitchen"), ("the light", None), ("both", None),
     ("the banana", None)],
)  # fmt: skip
def test_read_light(said, uid):
    found = read_light(said, HOME.lights)
    assert (found.unique_id if found else None) == uid


def test_the_whole_dialog_with_a_retry_and_the_closing_sentence():
    setup = start(HOME)
    assert setup.question() == QUESTIONS[ROOM] == "Which room is this speaker in?"
    step = answer(setup, "the attic", HOME)
    assert step.say == "I don't know a room called the attic. Which room is this speaker in?" and not step.accepted
    step = answer(step.setup, "the living room", HOME)
    assert step.say == "What temperature do you like?" and step.accepted
    step = answer(step.setup, "ninety", HOME)
    assert step.say == "The thermostat takes 7 to 30 degrees. What temperature do you like?"
    step = answer(step.setup, "twenty one", HOME)
    assert step.say == "When you say 'the light', which light do you mean?"
    step = answer(step.setup, "the lamp", HOME)
    assert step.setup is None and step.learned == {ROOM: "living room", TEMPERATURE: "21", LIGHT: "lamp"}
    assert step.say == (
        "Got it: this speaker is in the living room, you like 21 degrees, and 'the light' means the living room lamp."
    )


def test_skip_silence_a_second_bad_answer_and_stop():
    step = answer(start(HOME), "I don't know", HOME)  # skipped
    assert step.say == "What temperature do you like?"
    step = answer(step.setup, "", HOME)  # silence: skipped
    step = answer(step.setup, "the banana", HOME)
    assert step.say == "I don't know which light the banana is. When you say 'the light', which light do you mean?"
    step = answer(step.setup, "the pineapple", HOME)  # asked once more only
    assert step.setup is None and step.learned == {}
    assert step.say == "I don't know which light the pineapple is. I'll skip that. OK, I didn't change your preferences."
    step = answer(start(HOME), "kitchen", HOME)
    stopped = answer(step.setup, "cancel", HOME)
    assert stopped.cancelled and stopped.setup is None and stopped.learned == {}
    assert stopped.say == "OK, I didn't change your preferences."


def test_rewrite_before_nlu():
    mine = {TEMPERATURE: "21", LIGHT: "lamp"}
    assert rewrite("Make it comfortable.", mine, ENTITIES) == "set the temperature to 21 degrees"
    assert rewrite("turn on the heating", mine, ENTITIES) == "set the temperature to 21 degrees"
    assert rewrite("set the thermostat", mine, ENTITIES) == "set the temperature to 21 degrees"
    assert rewrite("set the thermostat to 18", mine, ENTITIES) is None  # a number said wins
    assert rewrite("Turn on the light.", mine, ENTITIES) == "turn on the living room lamp"
    assert rewrite("is the light on", mine, ENTITIES) == "is the living room lamp on"
    assert rewrite("turn on the light in the kitchen", mine, ENTITIES) is None  # a room named
    assert rewrite("turn off the lights", mine, ENTITIES) is None and rewrite("turn on the kitchen light", mine, ENTITIES) is None
    assert rewrite("when I say night, turn off the light", mine, ENTITIES) is None  # a teaching keeps its words
    assert rewrite("turn on the light", {LIGHT: "gone"}, ENTITIES) is None  # the device left the registry
    assert rewrite("make it comfortable", {}, ENTITIES) is None and rewrite("turn on the light", {}, ENTITIES) is None


def test_preferences_persist_per_speaker_and_forget_undoes_the_newest_batch(tmp_path: Path):
    db = tmp_path / "personal.db"
    with PersonalStore(db) as store:
        assert store.preferences("spk") == {}
        store.learn_preferences("spk", {ROOM: "kitchen", TEMPERATURE: "20"}, ts=1.0)
        store.learn_preferences("spk", {ROOM: "living room", LIGHT: "lamp"}, ts=2.0)
        store.learn_preferences("other", {ROOM: "office"}, ts=3.0)
        assert store.preferences("spk") == {ROOM: "living room", TEMPERATURE: "20", LIGHT: "lamp"}
    with PersonalStore(db) as store:  # reopened (a restart, a power cut after the commit)
        assert store.preferences("spk") == {ROOM: "living room", TEMPERATURE: "20", LIGHT: "lamp"}
        assert store.preferences("other") == {ROOM: "office"}
        assert store.forget_preferences("spk") == {ROOM: "living room", LIGHT: "lamp"}
        assert store.preferences("spk") == {ROOM: "kitchen", TEMPERATURE: "20"}  # what was before comes back
    with PersonalStore(db) as store:
        assert store.preferences("spk") == {ROOM: "kitchen", TEMPERATURE: "20"}
        with pytest.raises(Exception, match="no preferences"):
            store.learn_preferences("spk", {})


def test_forget_that_undoes_whichever_was_learned_last(tmp_path: Path):
    with PersonalStore(tmp_path / "p.db") as store:
        store.teach("movie time", "turn off the living room lamp")
        store.learn_preferences("spk", {ROOM: "kitchen"})
        store.teach("bedtime", "turn off the kitchen light")
        assert store.forget_preferences("spk") is None  # the teaching is newer: "forget that" means it
        assert store.forget_last().said == "bedtime"
        assert store.forget_preferences("spk") == {ROOM: "kitchen"}
        assert store.forget_preferences("spk") is None and store.forget_last().said == "movie time"


def test_a_failed_batch_leaves_nothing(tmp_path: Path):
    with PersonalStore(tmp_path / "p.db") as store:
        store.learn_preferences("spk", {ROOM: "kitchen"})
        store._db.execute("CREATE TRIGGER no_light BEFORE INSERT ON preferences WHEN NEW.key = 'light' "
                          "BEGIN SELECT RAISE(ABORT, 'disk full'); END")  # fmt: skip
        with pytest.raises(Exception, match="disk full"):
            store.learn_preferences("spk", {ROOM: "office", LIGHT: "lamp"})  # the room row went in first
        assert store.preferences("spk") == {ROOM: "kitchen"}
        store.learn_preferences("spk", {TEMPERATURE: "21"})  # the store goes on after the rollback
        assert store.preferences("spk") == {ROOM: "kitchen", TEMPERATURE: "21"}
