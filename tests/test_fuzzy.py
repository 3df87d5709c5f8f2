import pytest

from edge.resolve.fuzzy import best_match, similarity

HOME = [
    ("k", "Kitchen Light", "Kitchen"),
    ("f", "Desk Fan", "Office"),
    ("s", "Study Light", "Study"),
    ("e", "EcoBee", "Hallway"),
    ("b", "Bedroom Light", "Bedroom"),
    ("c", "Living Room Ceiling Light", "Living Room"),
    ("p", "Porch Light", "Outside"),
]


@pytest.mark.parametrize(
    "said, key",
    [
        ("stubby light", "s"),  # what ASR writes for "study light"
        ("eco bee", "e"),
        ("echo be", "e"),  # tiny.en on Piper saying "ecobee"
        ("best fan", "f"),
        ("kitchen lights", "k"),
        ("ceiling light", "c"),
    ],
)
def test_garbled_names_find_their_device(said, key):
    match = best_match(said, HOME)
    assert match is not None and match[0] == key


@pytest.mark.parametrize("said", ["garage light", "bathroom light", "light", "flux capacitor", "incubi"])
def test_no_device_is_guessed(said):
    assert best_match(said, HOME) is None


def test_similarity_is_bounded():
    assert similarity("kitchen light", "Kitchen Light") == pytest.approx(1.0)
    assert similarity("", "Kitchen Light") == 0.0
