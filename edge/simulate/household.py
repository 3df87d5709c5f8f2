"""The default simulated household: four people in the default simulated house (``edge.sim.house``).

The speaker stands in the kitchen. Each person has their own voice and their
own habits: household nicknames ("the big light" is the living room ceiling
light, "the reading lamp" the standing light), vague requests ("it's dark in
here", "movie time"), names the ASR mishears ("ecobee"), and requests that
resolve to the wrong device ("the telly light" finds the hallway light, "my
fan" the ceiling fan). Each habit is followed by the rephrases that person
falls back on, ending with a sentence that works. Most requests are plain
ones that already work, so a rewrite that fires where it should not is seen.
"""

from __future__ import annotations

from edge.simulate.users import Goal, Household, Kind, Phrasing, User

KITCHEN = "sim_kitchen_light"
CEILING = "0x00158d0001a2b3c4_light_zigbee2mqtt"  # Living Room Ceiling Light
LAMP = "A1B2C3_LI_1"  # Living Room Lamp
STANDING = "sim_standing_light"
COFFEE = "sim_coffee_maker"
DESK_FAN = "D4E5F6_RL_1"
PORCH = "sim_porch_light"
HALLWAY = "sim_hallway_light"
BEDROOM = "sim_bedroom_light"
OFFICE = "sim_office_light"
ECOBEE = "sim_ecobee"
MOOD = "sim_scene_mood_lighting"
OUTDOOR_T = "0x00158d000bb1b2c3_temperature_zigbee2mqtt"


def _switch(key: str, uid: str, on: bool) -> Goal:
    state = "on" if on else "off"
    return Goal(
        key, "HassTurnOn" if on else "HassTurnOff", (uid,), expect_state=state, when=(uid, "off" if on else "on")
    )


def _goals() -> dict[str, Goal]:
    goals: dict[str, Goal] = {}
    for name, uid in (
        ("kitchen", KITCHEN), ("ceiling", CEILING), ("lamp", LAMP), ("standing", STANDING), ("coffee", COFFEE),
        ("desk_fan", DESK_FAN), ("porch", PORCH), ("hallway", HALLWAY), ("bedroom", BEDROOM), ("office", OFFICE),
    ):
        goals[f"{name}_on"] = _switch(f"{name}_on", uid, True)
        goals[f"{name}_off"] = _switch(f"{name}_off", uid, False)
    goals["heat_21"] = Goal("heat_21", "HassClimateSetTemperature", (ECOBEE,))
    goals["mood"] = Goal("mood", "HassTurnOn", (MOOD,))
    goals["outdoor_temp"] = Goal("outdoor_temp", "HassGetState", (OUTDOOR_T,), outcome="answered")
    return goals


def P(text: str) -> Phrasing:  # noqa: N802 - the canonical phrasing, as short as the table reads
    return Phrasing(text)


def nick(text: str, ref: str) -> Phrasing:
    return Phrasing(text, Kind.NICKNAME, ref)


def vague(text: str) -> Phrasing:
    return Phrasing(text, Kind.VAGUE, None)


def misheard(text: str, ref: str, heard: str) -> Phrasing:
    return Phrasing(text, Kind.MISHEARD, ref, heard)


def default_household() -> Household:
    sam = User(
        "sam",
        "piper",
        {
            "ceiling_on": (nick("turn on the big light", "big light"), P("turn on the living room ceiling light")),
            "ceiling_off": (nick("turn off the big light", "big light"), P("turn off the living room ceiling light")),
            "kitchen_on": (vague("it's dark in here"), P("turn on the kitchen light")),
            "kitchen_off": (P("turn off the kitchen light"),),
            "coffee_on": (nick("turn on the brew machine", "brew machine"), P("turn on the coffee maker")),
            "coffee_off": (P("turn off the coffee maker"),),
            "heat_21": (
                misheard("set the ecobee to 21 degrees", "ecobee", "set the echo be the 21 degrees"),
                P("set the thermostat to 21 degrees"),
            ),
            "porch_on": (P("turn on the porch light"),),
            "porch_off": (P("turn off the porch light"),),
        },
        weight=1.2,
    )
    alex = User(
        "alex",
        "en",
        {
            "standing_on": (nick("switch on the reading lamp", "reading lamp"), P("turn on the standing light")),
            "standing_off": (nick("switch off the reading lamp", "reading lamp"), P("turn off the standing light")),
            "lamp_on": (nick("turn on the telly light", "telly light"), P("turn on the living room lamp")),
            "lamp_off": (nick("turn off the telly light", "telly light"), P("turn off the living room lamp")),
            "mood": (vague("movie time"), P("activate mood lighting")),
            "hallway_on": (nick("turn on the hall light", "hall light"), P("turn on the hallway light")),
            "hallway_off": (nick("turn off the hall light", "hall light"), P("turn off the hallway light")),
            "outdoor_temp": (vague("how cold is it outside"), P("what is the outdoor temperature")),
            "kitchen_on": (P("turn on the kitchen light"),),
            "kitchen_off": (P("turn off the kitchen light"),),
        },
    )
    kim = User(
        "kim",
        "en+m3",
        {
            "desk_fan_on": (nick("turn on my fan", "my fan"), P("turn on the desk fan")),
            "desk_fan_off": (nick("turn off my fan", "my fan"), P("turn off the desk fan")),
            "office_on": (nick("turn on the study light", "study light"), P("turn on the office light")),
            "office_off": (nick("turn off the study light", "study light"), P("turn off the office light")),
            "bedroom_off": (vague("nighty night"), P("turn off the bedroom light")),
            "bedroom_on": (P("turn on the bedroom light"),),
            "ceiling_on": (P("turn on the living room ceiling light"),),
            "ceiling_off": (P("turn off the living room ceiling light"),),
            "coffee_off": (P("turn off the coffee maker"),),
        },
        weight=0.9,
    )
    pat = User(
        "pat",
        "en-gb-x-rp",
        {
            "ceiling_on": (nick("turn on the big light", "big light"), P("turn on the living room ceiling light")),
            "ceiling_off": (nick("turn off the big light", "big light"), P("turn off the living room ceiling light")),
            "coffee_on": (vague("make me a coffee"), P("turn on the coffee maker")),
            "porch_on": (nick("turn on the front light", "front light"), P("turn on the porch light")),
            "porch_off": (nick("turn off the front light", "front light"), P("turn off the porch light")),
            "standing_on": (P("turn on the standing light"),),
            "standing_off": (P("turn off the standing light"),),
            "lamp_on": (P("turn on the living room lamp"),),
            "lamp_off": (P("turn off the living room lamp"),),
            "bedroom_on": (P("turn on the bedroom light"),),
            "bedroom_off": (P("turn off the bedroom light"),),
        },
        weight=0.9,
    )
    return Household(_goals(), (sam, alex, kim, pat), area="Kitchen")


def holdout_household() -> Household:
    """Another family in the same house, with habits nobody tuned anything to: a check that what the
    speaker learns (and how it labels its mistakes) is not fitted to ``default_household``."""
    robin = User(
        "robin",
        "piper",
        {
            "lamp_on": (nick("switch on the tv light", "tv light"), P("turn on the living room lamp")),
            "lamp_off": (nick("switch off the tv light", "tv light"), P("turn off the living room lamp")),
            "ceiling_on": (nick("lights on in the lounge", "lounge"), P("turn on the living room ceiling light")),
            "ceiling_off": (nick("lights off in the lounge", "lounge"), P("turn off the living room ceiling light")),
            "heat_21": (vague("put the heating up to 21"), P("set the thermostat to 21 degrees")),
            "kitchen_on": (P("turn on the kitchen light"),),
            "kitchen_off": (P("turn off the kitchen light"),),
        },
        weight=1.1,
    )
    jo = User(
        "jo",
        "en",
        {
            "standing_on": (nick("turn on the corner lamp", "corner lamp"), P("turn on the standing light")),
            "standing_off": (nick("turn off the corner lamp", "corner lamp"), P("turn off the standing light")),
            "coffee_on": (vague("start the coffee"), P("turn on the coffee maker")),
            "coffee_off": (vague("stop the coffee"), P("turn off the coffee maker")),
            "office_on": (nick("turn on the desk light", "desk light"), P("turn on the office light")),
            "office_off": (nick("turn off the desk light", "desk light"), P("turn off the office light")),
            "porch_on": (P("turn on the porch light"),),
            "porch_off": (P("turn off the porch light"),),
        },
    )
    max_ = User(
        "max",
        "en+m3",
        {
            "desk_fan_on": (nick("turn on the blower", "blower"), P("turn on the desk fan")),
            "desk_fan_off": (nick("turn off the blower", "blower"), P("turn off the desk fan")),
            "bedroom_on": (P("turn on the bedroom light"),),
            "bedroom_off": (nick("lights out", "lights"), P("turn off the bedroom light")),
            "mood": (vague("make it cosy"), P("activate mood lighting")),
            "kitchen_on": (P("turn on the kitchen light"),),
            "kitchen_off": (P("turn off the kitchen light"),),
        },
        weight=0.9,
    )
    lee = User(
        "lee",
        "en-gb-x-rp",
        {
            "hallway_on": (nick("turn on the landing light", "landing light"), P("turn on the hallway light")),
            "hallway_off": (nick("turn off the landing light", "landing light"), P("turn off the hallway light")),
            "porch_on": (nick("turn on the outside lamp", "outside lamp"), P("turn on the porch light")),
            "porch_off": (nick("turn off the outside lamp", "outside lamp"), P("turn off the porch light")),
            "outdoor_temp": (vague("do I need a coat"), P("what is the outdoor temperature")),
            "lamp_on": (P("turn on the living room lamp"),),
            "lamp_off": (P("turn off the living room lamp"),),
        },
        weight=0.9,
    )
    return Household(_goals(), (robin, jo, max_, lee), area="Kitchen")


HOUSEHOLDS = {"default": default_household, "holdout": holdout_household}
