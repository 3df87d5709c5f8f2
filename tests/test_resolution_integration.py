"""The context rules of entity resolution, through `edge nlu --act` on a real broker and the simulated home.

Each call is one `edge nlu` process, so its texts are one conversation ("turn it off" follows
"turn on the desk fan") and each text sees the device states the earlier ones caused.
"""

from __future__ import annotations

import pytest

from tests.test_nlu_cli import run_nlu

pytestmark = pytest.mark.integration

LAMP, CEILING = "A1B2C3_LI_1", "0x00158d0001a2b3c4_light_zigbee2mqtt"


@pytest.fixture(scope="module")
def house(broker):
    from edge.sim import SimHome
    from edge.sim.house import default_devices

    with SimHome(broker.host, broker.port, devices=default_devices(travel_s=0.3, lock_s=0.1)) as home:
        yield home


def ids(r: dict) -> list[str]:
    return sorted(e["unique_id"] for e in r["entities"])


def test_the_light_in_this_room_and_the_state_that_decides(broker, house, tmp_path):
    room = '[speaker]\narea = "Living Room"\n'
    off, lamp_on, which, again = run_nlu(
        broker, tmp_path, "--act", "turn off the lights", "turn on the living room lamp", "turn off the light",
        "turn on the light", config=room,
    )
    assert ids(off) == sorted([LAMP, CEILING]) and off["outcome"] == "done"
    assert lamp_on["outcome"] == "done"
    # the lamp is on, the ceiling light off: "turn off the light" can only mean the lamp
    assert ids(which) == [LAMP] and which["outcome"] == "done"
    # both off now, but the lamp is the light this conversation is about
    assert ids(again) == [LAMP] and again["outcome"] == "done" and house.state(CEILING) == "off"

    run_nlu(broker, tmp_path, "--act", "turn off the living room lamp", config=room)
    (the_light,) = run_nlu(broker, tmp_path, "turn on the light", config=room)
    # a new conversation, both off: "turn on the light" could be either, and text cannot answer a question
    assert the_light["entities"] == [] and the_light["ambiguous"] is True and the_light["actions"] == []
    assert {c["unique_id"] for c in the_light["candidates"][:2]} == {LAMP, CEILING}
    assert the_light["response"] == "Which one? The ceiling light or the lamp?"


def test_with_the_oven_on_the_temperature_is_the_ovens(broker, house, tmp_path):
    on, hot, off, room = run_nlu(
        broker, tmp_path, "--act", "turn on the oven", "what is the temperature", "turn off the oven",
        "what is the temperature", config='[speaker]\narea = "Kitchen"\n',
    )
    assert on["outcome"] == "done"
    assert ids(hot) == ["sim_oven_temperature"] and hot["outcome"] == "answered"
    assert hot["response"].startswith("The oven temperature is")
    assert off["outcome"] == "done" and ids(room) == ["sim_ecobee"]


def test_it_means_the_device_mentioned_last_and_the_fan_is_the_one_in_this_room(broker, house, tmp_path):
    on, it_off, fan = run_nlu(
        broker, tmp_path, "--act", "turn on the desk fan", "turn it off", "turn on the fan",
        config='[speaker]\narea = "Office"\n',
    )
    assert ids(on) == ids(it_off) == ids(fan) == ["D4E5F6_RL_1"]  # a switch called "Desk Fan"
    assert it_off["outcome"] == "done" and fan["outcome"] == "done" and house.state("D4E5F6_RL_1") == "on"


def test_misheard_names_aliases_and_all_the_lights_of_a_room(broker, house, tmp_path):
    config = '[speaker]\narea = "Office"\n[devices."Coffee Maker"]\naliases = ["brew machine"]\n'
    mood, bed, brew, kitchen, pod = run_nlu(
        broker, tmp_path, "--act", "activate mode lighting", "turn on the bet light", "turn on the brew machine",
        "turn off all the lights in the kitchen", "open the pod bay doors", config=config,
    )
    assert ids(mood) == ["sim_scene_mood_lighting"] and mood["outcome"] == "done"
    assert ids(bed) == ["0x0017880104a1b2c3_light_zigbee2mqtt"] and bed["outcome"] == "done"
    assert bed["entities"][0]["score"] < 1.0  # found by sound, and it says so
    assert ids(brew) == ["sim_coffee_maker"] and house.state("sim_coffee_maker") == "on"
    assert ids(kitchen) == ["sim_kitchen_light"] and kitchen["outcome"] == "done"
    assert pod["entities"] == [] and pod["actions"] == [] and house.received("sim_garage_door") == []


def test_a_sensitive_request_planned_shows_what_a_yes_would_send_and_acting_sends_nothing(broker, house, tmp_path):
    (plan,) = run_nlu(broker, tmp_path, "open the garage door")
    assert plan["needs_confirmation"] is True and plan["actions"] == [{"topic": "edgesim/garage/door/set", "payload": "OPEN"}]
    assert plan["response"] == "For safety, I won't open the garage door without a spoken yes."
    (acted,) = run_nlu(broker, tmp_path, "--act", "open the garage door")
    assert acted["outcome"] == "refused" and acted["actions"] == [] and house.received("sim_garage_door") == []
    (light,) = run_nlu(broker, tmp_path, "turn on the porch light")
    assert light["needs_confirmation"] is False
