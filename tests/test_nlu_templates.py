import pytest

from edge.nlu import TemplateMatcher, VocabularyEntry
from edge.nlu.templates import normalize_text

VOCAB = [
    VocabularyEntry("Kitchen Light", "light", "Kitchen"),
    VocabularyEntry("Ceiling Light", "light", "Living Room"),
    VocabularyEntry("Floor Lamp", "light", "Living Room"),
    VocabularyEntry("Coffee Maker", "switch", "Kitchen"),
    VocabularyEntry("Leak Sensor", "binary_sensor", "Basement", "moisture"),
    VocabularyEntry("Smoke Alarm", "binary_sensor", "Kitchen", "smoke"),
]


@pytest.fixture(scope="module")
def matcher() -> TemplateMatcher:
    m = TemplateMatcher("en")
    m.set_vocabulary(VOCAB)
    return m


@pytest.mark.parametrize(
    "text, intent, slots",
    [
        ("Turn on the kitchen light.", "HassTurnOn", {"name": "Kitchen Light", "domain": "light"}),
        ("turn the coffee maker off please", "HassTurnOff", {"name": "Coffee Maker", "domain": "switch"}),
        ("switch off the lights in the living room", "HassTurnOff", {"area": "living_room", "domain": "light"}),
        ("What time is it?", "HassGetCurrentTime", {}),
        # a binary sensor's state in its device class's own words (edge.nlu.extra_sentences)
        ("is the leak sensor wet", "HassGetState", {"name": "Leak Sensor", "state": "on", "domain": "binary_sensor"}),
        ("is the smoke alarm clear in the kitchen", "HassGetState",
         {"name": "Smoke Alarm", "state": "off", "area": "kitchen", "domain": "binary_sensor"}),
    ],
)
def test_templates_match(matcher, text, intent, slots):
    r = matcher.interpret(text)
    assert r.intent == intent
    assert dict(r.slots) == slots
    assert r.confidence == 1.0 and r.source == "hassil"


def test_a_state_word_of_another_device_class_does_not_match(matcher):
    assert matcher.match("is the smoke alarm wet").intent is None  # wet is what a moisture sensor says


def test_speaker_area_fills_a_bare_request(matcher):
    r = matcher.interpret("turn off the lights", area="Kitchen")
    assert r.intent == "HassTurnOff" and r.slots["area"] == "kitchen"


def test_unknown_device_is_reported_as_said(matcher):
    r = matcher.interpret("turn on the garage light")
    assert r.intent == "HassTurnOn"
    assert r.unmatched == {"name": "garage light"}


@pytest.mark.parametrize("text", ["hello there how are you", "Our legs are", "the garage light"])
def test_chatter_is_not_understood(matcher, text):
    r = matcher.interpret(text)
    assert r.intent is None and r.confidence == 0.0


def test_vocabulary_can_change():
    m = TemplateMatcher("en")
    assert "name" not in m.interpret("turn on the porch light").slots
    m.set_vocabulary([VocabularyEntry("Porch Light", "light", "Outside")])
    assert m.interpret("turn on the porch light").slots["name"] == "Porch Light"


def test_normalize_keeps_percent_and_decimals():
    assert normalize_text("Set it to 50%, please!") == "Set it to 50% please"
    assert normalize_text("to 21.5 degrees.") == "to 21.5 degrees"


def test_exact_and_partial_matching_apart(matcher):
    exact, wildcard = matcher.match_detail("turn on the kitchen light")
    assert exact.intent == "HassTurnOn" and exact.confidence == 1.0 and not wildcard
    assert matcher.match("turn on the garage light").intent is None  # no exact match ...
    assert matcher.partial("turn on the garage light").unmatched == {"name": "garage light"}  # ... a partial one


def test_matching_only_some_intents(matcher):
    """The combined interpreter lets hassil try only the model's likeliest intents."""
    assert matcher.match_detail("turn on the kitchen light", intents=["HassTurnOn", "HassLightSet"])[0].intent == "HassTurnOn"
    assert matcher.match_detail("turn on the kitchen light", intents=["HassTurnOff"])[0].intent is None  # not tried
    assert matcher.match_detail("turn on the kitchen light")[0].intent == "HassTurnOn"  # nor remembered as a miss
    assert matcher.partial("turn on the garage light", intents=["HassTurnOff"]).intent is None
    assert matcher.partial("turn on the garage light", intents=["HassTurnOn"]).unmatched == {"name": "garage light"}


def test_a_wildcard_match_says_so(matcher):
    """ "play {search_query}" fits any words: the combined interpreter lets the model check these."""
    exact, wildcard = matcher.match_detail("play poker with me")
    assert exact.intent == "HassMediaSearchAndPlay" and wildcard


def test_repeated_commands_are_remembered_until_the_names_change():
    from edge.nlu import VocabularyEntry
    from edge.nlu.templates import TemplateMatcher

    m = TemplateMatcher()
    m.set_vocabulary([VocabularyEntry(name="Desk Lamp", domain="light", area="Office")])
    first = m.interpret("turn on the desk lamp")
    assert first.intent == "HassTurnOn" and m.interpret("turn on the desk lamp") is first
    m.set_vocabulary([VocabularyEntry(name="Reading Lamp", domain="light", area="Office")])
    assert m.interpret("turn on the desk lamp").slots.get("name") is None  # no desk lamp any more: no stale match
    none = TemplateMatcher(cache_size=0)
    none.set_vocabulary([VocabularyEntry(name="Desk Lamp", domain="light", area="Office")])
    assert none.interpret("turn on the desk lamp") is not none.interpret("turn on the desk lamp")
