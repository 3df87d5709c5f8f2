from dataclasses import dataclass

import pytest

from edge.resolve.actions import NoAction, is_sensitive, plan_action
from edge.respond.answers import answer_state


@dataclass
class T:
    domain: str
    device_class: str = ""


@pytest.mark.parametrize(
    "intent, slots, target, expected",
    [
        ("HassTurnOn", {}, T("light"), ("turn_on", {})),
        ("HassTurnOff", {}, T("fan"), ("turn_off", {})),
        ("HassTurnOn", {}, T("cover", "blind"), ("open_cover", {})),
        ("HassTurnOff", {}, T("cover", "garage"), ("close_cover", {})),
        ("HassTurnOn", {}, T("lock"), ("lock", {})),
        ("HassTurnOff", {}, T("lock"), ("unlock", {})),
        ("HassTurnOn", {}, T("scene"), ("activate", {})),
        ("HassTurnOn", {}, T("button"), ("press", {})),
        ("HassLightSet", {"brightness": 40}, T("light"), ("turn_on", {"brightness_pct": 40})),
        ("HassLightSet", {"color": "Red"}, T("light"), ("turn_on", {"rgb_color": [255, 0, 0]})),
        ("HassClimateSetTemperature", {"temperature": 21.5}, T("climate"), ("set_temperature", {"temperature": 21.5})),
        ("HassSetPosition", {"position": 30}, T("cover", "blind"), ("set_cover_position", {"position": 30})),
        ("HassFanSetSpeed", {"percentage": 50}, T("fan"), ("set_percentage", {"percentage": 50})),
    ],
)
def test_plan_action(intent, slots, target, expected):
    assert plan_action(intent, slots, target) == expected


@pytest.mark.parametrize(
    "intent, slots, target",
    [
        ("HassTurnOff", {}, T("scene")),
        ("HassTurnOff", {}, T("button")),
        ("HassLightSet", {"color": "plaid"}, T("light")),
        ("HassLightSet", {}, T("light")),
        ("HassSetPosition", {"position": 10}, T("light")),
    ],
)
def test_no_action(intent, slots, target):
    with pytest.raises(NoAction):
        plan_action(intent, slots, target)


def test_security_sensitive_actions():
    assert is_sensitive(T("lock"), "unlock")
    assert not is_sensitive(T("lock"), "lock")
    assert is_sensitive(T("cover", "garage"), "open_cover")
    assert is_sensitive(T("cover", "door"), "set_cover_position")
    assert not is_sensitive(T("cover", "garage"), "close_cover")
    assert not is_sensitive(T("cover", "blind"), "open_cover")


@dataclass
class S:
    value: str | None = None
    current_temperature: float | None = None
    target_temperature: float | None = None
    unit: str = ""


def test_answers_from_state():
    assert answer_state("HassGetState", {"state": "open"}, "Garage Door", "cover", S("closed")) == (
        "No, the garage door is closed."
    )
    assert answer_state("HassGetState", {"state": "locked"}, "Front Door", "lock", S("locked")) == (
        "Yes, the front door is locked."
    )
    assert answer_state("HassGetState", {}, "Outdoor Humidity", "sensor", S("55", unit="%")) == (
        "The outdoor humidity is 55 percent."
    )
    assert answer_state("HassClimateGetTemperature", {}, "EcoBee", "climate", S("heat", 20.5, 21.0, "°C")) == (
        "It's 20.5 degrees, and the ecobee is set to 21."
    )
    assert answer_state("HassGetState", {}, "Porch Light", "light", S(None)) == "The porch light hasn't reported its state yet."
