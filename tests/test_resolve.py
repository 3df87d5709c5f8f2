from dataclasses import dataclass

from edge.resolve import resolve
from edge.turn import NluResult


@dataclass
class Dev:
    unique_id: str
    name: str
    domain: str
    area: str
    aliases: tuple[str, ...] = ()
    device_class: str = ""


HOME = [
    Dev("k1", "Kitchen Light", "light", "Kitchen"),
    Dev("k2", "Coffee Maker", "switch", "Kitchen"),
    Dev("l1", "Ceiling Light", "light", "Living Room"),
    Dev("l2", "Floor Lamp", "light", "Living Room", ("reading lamp",)),
    Dev("b1", "Ceiling Light", "light", "Bedroom"),
]


def nlu(intent: str, **slots: object) -> NluResult:
    return NluResult(text="", intent=intent, confidence=1.0, slots=slots)


def ids(res) -> list[str]:
    return [e.unique_id for e in res.entities]


def test_by_name():
    assert ids(resolve(nlu("HassTurnOn", name="Kitchen Light", domain="light"), HOME)) == ["k1"]


def test_by_alias():
    assert ids(resolve(nlu("HassTurnOff", name="reading lamp"), HOME)) == ["l2"]


def test_same_name_in_two_rooms_takes_the_area_said():
    res = resolve(nlu("HassTurnOn", name="Ceiling Light", area="bedroom"), HOME, speaker_area="Kitchen")
    assert ids(res) == ["b1"] and res.reason == "name and area"


def test_same_name_in_two_rooms_takes_the_speakers_room():
    res = resolve(nlu("HassTurnOn", name="Ceiling Light", area="living_room"), HOME, speaker_area="Living Room")
    assert ids(res) == ["l1"] and "speaker" in res.reason


def test_area_and_domain_means_every_light_there():
    res = resolve(nlu("HassTurnOff", area="living_room", domain="light"), HOME)
    assert ids(res) == ["l1", "l2"]


def test_domain_excludes_other_kinds():
    res = resolve(nlu("HassTurnOff", area="kitchen", domain="light"), HOME)
    assert ids(res) == ["k1"]


def test_unknown_name_is_missing():
    res = resolve(NluResult("", "HassTurnOn", 0.5, {}, {"name": "garage light"}), HOME)
    assert res.entities == () and res.missing == "garage light"


def test_not_a_device_intent():
    assert resolve(nlu("HassGetCurrentTime"), HOME) is None


def test_a_garbled_name_resolves_to_the_one_device_it_resembles():
    res = resolve(NluResult("", "HassTurnOn", 0.5, {}, {"name": "kitchen lights"}), HOME)
    assert ids(res) == ["k1"] and res.reason.startswith("sounds like")
    assert 0.72 <= res.entities[0].score < 1.0


def test_no_guess_between_two_close_devices():
    res = resolve(NluResult("", "HassTurnOn", 0.5, {}, {"name": "light"}), HOME)
    assert res.entities == () and res.missing == "light"


def test_a_room_the_device_is_not_in_rules_it_out():
    home = [Dev("b", "Bedroom Light", "light", "Bedroom")]
    res = resolve(NluResult("", "HassTurnOn", 0.5, {}, {"name": "bathroom light"}), home)
    assert res.entities == () and res.missing == "bathroom light"


def test_it_means_the_device_mentioned_last():
    close_it = NluResult("", "HassTurnOff", 0.5, {}, {"name": "it"})
    assert ids(resolve(close_it, HOME, recent=("k2",))) == ["k2"]
    res = resolve(close_it, HOME)
    assert res.entities == () and res.missing == "that"
    them = NluResult("", "HassTurnOn", 0.5, {}, {"name": "them"})
    assert ids(resolve(them, HOME, recent=("l1", "l2"))) == ["l1", "l2"]
