"""Device names read from the words when the NLU did not hand them over (edge.resolve.spans)."""

from edge.resolve.spans import content_words, device_request, fill_levels, find_device
from edge.turn import NluResult
from tests.test_resolve import Dev

HOME = [
    Dev("p", "Pantry Light", "light", "Pantry"),
    Dev("h", "Hallway Light", "light", "Hallway"),
    Dev("k", "Kitchen Light", "light", "Kitchen"),
    Dev("kc", "Ceiling Light", "light", "Kitchen"),
    Dev("nc", "Ceiling Light", "light", "Nursery"),
    Dev("m", "Mood Lighting", "scene", "Living Room"),
    Dev("g", "Garage Door", "cover", "Driveway", device_class="garage"),
    Dev("t", "Nest", "climate", "Hallway"),
]


def test_content_words_drop_verbs_numbers_and_fillers():
    assert content_words("please turn on the panty light to 40 percent") == ["panty", "light"]


def test_a_misheard_name_is_found_in_the_words():
    found = find_device("turn on the panty light", HOME)
    assert found is not None and found.device.unique_id == "p" and found.span == "panty light"
    assert find_device("turn on the kitchen lite", HOME).device.unique_id == "k"  # not the hallway's "light"


def test_no_device_when_nothing_clearly_matches():
    assert find_device("turn on the flux capacitor", HOME) is None
    assert find_device("turn on the light", HOME) is None  # a kind of device, not a name


def test_one_name_in_two_rooms_needs_the_room():
    assert find_device("turn on the sealing light", HOME) is None
    assert find_device("turn on the sealing light", HOME, area="Nursery").device.unique_id == "nc"


def test_a_device_verb_and_a_name_make_a_request():
    nlu = device_request("activate mode lighting", HOME)
    assert nlu is not None and (nlu.intent, nlu.slots["name"]) == ("HassTurnOn", "Mood Lighting")
    nlu = device_request("set the nest to 21 degrees", HOME)
    assert nlu.intent == "HassClimateSetTemperature" and nlu.slots["temperature"] == 21.0
    assert device_request("play some music", HOME) is None
    assert device_request("set the nest", HOME) is None  # nothing to set it to


def test_close_it_means_the_device_mentioned_last():
    nlu = device_request("close it", HOME, recent=("g",))
    assert nlu is not None and (nlu.intent, nlu.slots["name"], nlu.slots["domain"]) == ("HassTurnOff", "it", "cover")
    assert device_request("close it", HOME) is None


def test_a_light_request_keeps_its_level():
    nlu = fill_levels(NluResult("set the pantry light to 40 percent", "HassLightSet", 0.9, {"name": "pantry light"}))
    assert nlu.slots["brightness"] == 40
    nlu = fill_levels(NluResult("turn on the pantry light", "HassLightSet", 0.9, {"name": "pantry light"}))
    assert nlu.intent == "HassTurnOn"


def test_a_word_only_one_device_has_names_it_but_kind_words_do_not():
    home = [Dev("v", "Vanity Light", "light", "Bathroom"), Dev("g", "Garden Lights", "light", "Garden")]
    assert find_device("turn on the vanity", home).device.unique_id == "v"
    assert find_device("turn off all the lights", home) is None


def test_words_left_unexplained_count_against_a_match():
    home = [Dev("b", "Back Door", "lock", "Kitchen")]
    assert find_device("lock the back tour", home).device.unique_id == "b"
    assert find_device("open the pod bay doors", home) is None


def test_an_outdoor_thermometer_answers_the_temperature_outside():
    home = [*HOME, Dev("o", "Outdoor Temperature", "sensor", "Outside", device_class="temperature"),
            Dev("i", "Bathroom Temperature", "sensor", "Bathroom", device_class="temperature")]  # fmt: skip
    nlu = device_request("what's the temperature outside", home)
    assert nlu is not None and (nlu.intent, nlu.slots["name"]) == ("HassGetState", "Outdoor Temperature")
    assert device_request("what's the humidity outside", home) is None  # no outdoor hygrometer here


def test_fan_modes_are_fan_speeds():
    nlu = fill_levels(NluResult("set the fan to high", "HassClimateSetFanMode", 0.9, {"fan_mode": "high", "domain": "fan"}))
    assert (nlu.intent, nlu.slots["percentage"]) == ("HassFanSetSpeed", 100) and "fan_mode" not in nlu.slots
