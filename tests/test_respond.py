from edge.respond import respond
from edge.turn import ActionResult, EntityRef, NluResult, Outcome, Resolution

ON = NluResult("", "HassTurnOn", 1.0, {"name": "Kitchen Light"})
KITCHEN = Resolution((EntityRef("k1", "Kitchen Light", "Kitchen", "light"),), "name")


def test_done():
    assert respond(Outcome.DONE, ON, KITCHEN) == "Turned on the kitchen light."


def test_many_lights_in_one_room():
    res = Resolution(
        (EntityRef("a", "Ceiling Light", "Living Room", "light"), EntityRef("b", "Floor Lamp", "Living Room", "light")),
        "area",
    )
    off = NluResult("", "HassTurnOff", 1.0, {})
    assert respond(Outcome.DONE, off, res) == "Turned off 2 lights in the living room."


def test_unconfirmed_names_the_silent_device():
    actions = (ActionResult("k1", "t", "ON", False),)
    assert respond(Outcome.UNCONFIRMED, ON, KITCHEN, actions) == "I sent the command, but the kitchen light didn't respond."


def test_no_device():
    res = Resolution((), "no device has that name", missing="garage light")
    assert respond(Outcome.NO_DEVICE, ON, res) == "I couldn't find a device called garage light."


def test_nothing_of_that_kind_in_the_room():
    res = Resolution((), "nothing of that kind in the area", missing="lights in the garage")
    assert respond(Outcome.NO_DEVICE, ON, res) == "There are no lights in the garage."


def test_unreachable():
    assert "can't reach your devices" in respond(Outcome.UNREACHABLE, ON, KITCHEN)


def test_zigbee2mqtt_friendly_names_are_said_with_spaces():
    from edge.respond.templates import the

    assert the("lounge_floor_lamp") == "the lounge floor lamp"


def test_states_are_shown_as_people_say_them():
    from edge.respond.answers import shown_state

    assert shown_state("on", "binary_sensor", "window") == "open" and shown_state("off", "binary_sensor", "door") == "closed"
    assert shown_state("on", "light") == "on" and shown_state(None, "scene") == "-"


def test_every_binary_sensor_class_people_may_ask_about_is_answered_in_words():
    """The matcher asks "is the co detector clear" for each class in BINARY_SENSOR_STATES; the answer says the
    class's words, not "on"/"off"."""
    from types import SimpleNamespace

    from edge.nlu.extra_sentences import BINARY_SENSOR_STATES
    from edge.respond.answers import _BINARY_WORDS, answer_state

    assert set(BINARY_SENSOR_STATES) <= set(_BINARY_WORDS)
    state = SimpleNamespace(value="off", current_temperature=None, target_temperature=None, unit="")
    asked_clear = {"state": "off", "name": "co detector"}
    said = answer_state("HassGetState", asked_clear, "CO detector", "binary_sensor", state, "carbon_monoxide")
    assert said == "Yes, the co detector is clear."
    state.value = "on"
    said = answer_state("HassGetState", asked_clear, "CO detector", "binary_sensor", state, "carbon_monoxide")
    assert said == "No, the co detector is detecting carbon monoxide."
    assert answer_state("HassGetState", {}, "Router firmware", "binary_sensor", state, "update") == (
        "The router firmware is out of date.")
