"""Our ONNX NLU model: tokenisation, BIO decoding, normalisation, rejection, and the shipped artifact."""

from __future__ import annotations

import numpy as np
import pytest

from edge.nlu.model import (
    ARTIFACTS, MODEL_FILE, OVERRIDE_P, Span, combine, decode_bio, needs_partial, rejects, spans_to_slots,
)
from edge.nlu.normalize import infer_domain, parse_color, parse_duration_s, parse_number, parse_percentage
from edge.turn import NluResult

HAVE_ARTIFACT = (ARTIFACTS / MODEL_FILE).is_file()
needs_artifact = pytest.mark.skipif(not HAVE_ARTIFACT, reason=f"no NLU artifact in {ARTIFACTS} (make train-nlu)")


# -- normalisation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("said, value", [
    ("21", 21), ("21.5", 21.5), ("twenty-one", 21), ("twenty one", 21), ("a hundred", 100),
    ("one hundred and five", 105), ("seventy two degrees", 72), ("twenty one point five", 21.5), ("half", 50),
])
def test_numbers(said, value):
    assert parse_number(said) == value


@pytest.mark.parametrize("said", ["hello", "", "the kitchen"])
def test_not_numbers(said):
    assert parse_number(said) is None


@pytest.mark.parametrize("said, value", [("50%", 50), ("fifty percent", 50), ("max", 100), ("5 per cent", 5)])
def test_percentages(said, value):
    assert parse_percentage(said) == value


def test_percentage_out_of_range():
    assert parse_percentage("250") is None


@pytest.mark.parametrize("said, seconds", [
    ("5 minutes", 300), ("fifty-six-minute", 3360), ("an hour and a half", 5400), ("half an hour", 1800),
    ("1.5 hours", 5400), ("22-second", 22), ("a minute", 60), ("2 hours and 10 minutes", 7800), ("90 seconds", 90),
])
def test_durations(said, seconds):
    assert parse_duration_s(said) == seconds


@pytest.mark.parametrize("said, color", [("Red", "red"), ("grey", "gray"), ("light blue", "lightblue"),
                                         ("the green colour", "green")])
def test_colors(said, color):
    assert parse_color(said) == color


def test_unknown_color_is_none():
    assert parse_color("kitchen") is None


def test_domain_from_device_noun():
    assert infer_domain("the desk lamp") == "light"
    assert infer_domain("garage door") == "cover"
    assert infer_domain("what time is it") is None
    assert infer_domain("it's too dark in here") == "light"  # not every device in the room


# -- slot decoding -----------------------------------------------------------------------------------------

def test_decode_bio_spans_and_subwords():
    text = "set the desk lamp to 50%"
    offsets = [(0, 0), (0, 3), (4, 7), (8, 12), (13, 17), (18, 20), (21, 23), (23, 24), (0, 0)]
    tags = ["O", "O", "O", "B-name", "I-name", "O", "B-brightness", "I-brightness", "O"]
    spans = decode_bio(tags, offsets, text)
    assert spans == (Span(8, 17, "name", "desk lamp"), Span(21, 24, "brightness", "50%"))


def test_decode_bio_stray_inside_tag_starts_a_span_and_specials_close_it():
    text = "kitchen den"
    spans = decode_bio(["I-area", "I-name", "O"], [(0, 7), (8, 11), (0, 0)], text)
    assert [(s.slot, s.text) for s in spans] == [("area", "kitchen"), ("name", "den")]
    assert decode_bio(["B-area", "I-area"], [(0, 7), (0, 0)], text) == (Span(0, 7, "area", "kitchen"),)


def test_spans_to_slots_normalises_and_sums_durations():
    text = "set a timer for 1 hour and 5 minutes in the living room"
    spans = [Span(16, 22, "duration", "1 hour"), Span(27, 36, "duration", "5 minutes"),
             Span(44, 55, "area", "living room")]
    slots = spans_to_slots(spans, text)
    assert slots == {"duration_s": 3900, "area": "living_room"}


def test_spans_to_slots_percent_color_domain():
    text = "make the desk lamp red at fifty percent"
    spans = [Span(9, 18, "name", "desk lamp"), Span(19, 22, "color", "red"), Span(26, 39, "brightness", "fifty percent")]
    assert spans_to_slots(spans, text) == {"name": "desk lamp", "color": "red", "brightness": 50, "domain": "light"}


# -- rejection ---------------------------------------------------------------------------------------------

def test_rejection_rules():
    ood = 2
    assert rejects(np.array([0.1, 0.1, 0.8]), ood, 0.4)  # the OOD class wins
    assert rejects(np.array([0.35, 0.33, 0.32]), ood, 0.4)  # nothing confident enough
    assert not rejects(np.array([0.9, 0.05, 0.05]), ood, 0.4)


# -- combining hassil and the model (pure rule) -------------------------------------------------------------

def _exact(intent, **slots):
    return NluResult(text="t", intent=intent, confidence=1.0, slots=slots, source="hassil")


def _model(intent, p, **slots):
    return NluResult(text="t", intent=intent, confidence=p, slots=slots, source="model", nbest=((intent, p),))


def _partial(intent, name, **slots):
    return NluResult(text="t", intent=intent, confidence=0.5, slots=slots, unmatched={"name": name}, source="hassil")


def test_exact_match_stands_and_carries_the_model_nbest():
    exact = _exact("HassListAddItem", item="milk")
    agree = combine(exact, _model("HassListAddItem", 0.99))
    assert agree.source == "hassil" and agree.slots == {"item": "milk"} and agree.nbest == (("HassListAddItem", 0.99),)
    assert combine(exact, _model("HassShoppingListAddItem", 0.999)).source == "hassil"  # another intent: hassil
    sure = combine(exact, _model("HassShoppingListAddItem", OVERRIDE_P), any_intent=True)  # measured variant
    assert sure.source == "model" and sure.intent == "HassShoppingListAddItem"


def test_a_confident_out_of_domain_verdict_overrules_an_exact_match():
    """ "play poker with me" fits a media template; the model is sure it is chatter."""
    assert combine(_exact("HassMediaSearchAndPlay"), _model(None, OVERRIDE_P)).intent is None
    assert combine(_exact("HassMediaSearchAndPlay"), _model(None, OVERRIDE_P - 0.01)).intent == "HassMediaSearchAndPlay"


def test_without_an_exact_match_the_model_decides_and_rejects():
    none = _exact(None)
    assert combine(none, _model(None, 0.99), _partial("HassGetState", "capital of france")).intent is None
    assert combine(none, _model("HassTurnOff", 0.93, area="den")).slots == {"area": "den"}


def test_partial_match_only_where_the_model_also_reads_that_device_name():
    none = _exact(None)
    # "turn on the flux capacitor": both read a device; hassil's unknown name lets the resolver say so
    model = _model("HassTurnOn", 0.99, name="flux")
    assert needs_partial(none, model)
    r = combine(none, model, _partial("HassTurnOn", "flux capacitor"))
    assert r.source == "hassil" and r.unmatched == {"name": "flux capacitor"} and r.nbest == model.nbest
    # "it's too dark in here": hassil's "name" is only the words its template did not cover
    model = _model("HassTurnOn", 0.97, domain="light")
    assert not needs_partial(none, model)
    assert combine(none, model, _partial("HassTurnOn", "it's too dark")) is model
    # another intent, or another name: the model
    assert combine(none, _model("HassTurnOff", 0.9, name="flux"), _partial("HassTurnOn", "flux")).source == "model"
    assert combine(none, _model("HassTurnOn", 0.9, name="the lamp"), _partial("HassTurnOn", "the tv")).source == "model"


# -- tokenisation (the training labels and the runtime share the artifact's tokenizer) ---------------------

@needs_artifact
def test_tokenizer_lowercases_and_offsets_point_into_the_text():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(ARTIFACTS / "tokenizer.json"))
    text = "Turn on the Desk Lamp"
    enc = tok.encode(text)
    assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]"
    words = [text[s:e].casefold() for s, e in enc.offsets if e > s]
    assert words == ["turn", "on", "the", "desk", "lamp"]
    assert enc.tokens[1:-1] == words


@needs_artifact
def test_training_bio_labels_align_with_spans():
    pytest.importorskip("hassil")
    from tokenizers import Tokenizer

    from models.nlu.data import Example
    from models.nlu.train import bio_labels, encode

    tok = Tokenizer.from_file(str(ARTIFACTS / "tokenizer.json"))
    bio = bio_labels()
    ex = Example("turn on the bedside lamp in the living room", "HassTurnOn", [(12, 24, "name"), (32, 43, "area")])
    (ids, tags, intent), = encode(tok, [ex], ["HassTurnOn", "OutOfDomain"], bio, 32)
    named = [bio[t] if t >= 0 else "-" for t in tags]
    assert named[0] == "-" and named[-1] == "-"
    assert "B-name" in named and "B-area" in named and intent == 0
    spans = decode_bio([t if t != "-" else "O" for t in named], tok.encode(ex.text).offsets, ex.text)
    assert [(s.slot, s.text) for s in spans] == [("name", "bedside lamp"), ("area", "living room")]


# -- the shipped artifact ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model():
    if not HAVE_ARTIFACT:
        pytest.skip(f"no NLU artifact in {ARTIFACTS}")
    from edge.nlu.model import ModelInterpreter

    return ModelInterpreter()


@needs_artifact
@pytest.mark.slow
@pytest.mark.parametrize("text, intents", [
    ("it's too dark in here", {"HassTurnOn", "HassLightSet"}),
    ("kill the lights in the den", {"HassTurnOff"}),
    ("could you switch the telly off", {"HassTurnOff", "HassMediaPause"}),
    ("set a timer for five minutes", {"HassStartTimer"}),
    ("what's the weather like tomorrow", {"HassGetWeather"}),
    ("what time is it", {"HassGetCurrentTime"}),
    ("make the bedroom lights blue", {"HassLightSet"}),
])
def test_paraphrases_templates_miss(model, text, intents):
    r = model.interpret(text)
    assert r.intent in intents, (text, r, model.nbest(text))
    assert r.source == "model" and 0.0 < r.confidence <= 1.0


@needs_artifact
@pytest.mark.slow
def test_slots_from_the_artifact(model):
    r = model.interpret("kill the lights in the den")
    assert r.slots.get("area") == "den" and r.slots.get("domain") == "light"
    r = model.interpret("set a timer for five minutes")
    assert r.slots.get("duration_s") == 300
    r = model.interpret("make the bedroom lights blue")
    assert r.slots.get("color") == "blue" and r.slots.get("area") == "bedroom"


@needs_artifact
@pytest.mark.slow
@pytest.mark.parametrize("text", ["what's the capital of france", "tell me a joke", "book me a taxi to the airport",
                                  "send an email to my boss"])
def test_out_of_domain_is_rejected(model, text):
    r = model.interpret(text)
    assert r.intent is None, (text, model.nbest(text))


@needs_artifact
@pytest.mark.slow
def test_nbest_is_sorted_and_calibrated(model):
    nb = model.nbest("turn off the kitchen light", 5)
    assert len(nb) == 5 and nb[0][0] == "HassTurnOff"
    probs = [p for _, p in nb]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-6


@needs_artifact
@pytest.mark.slow
def test_embeddings_pool_the_same_with_or_without_padding(model):
    texts = ["turn on the light", "switch the lamp on please right now", "what is the weather"]
    batch = model.embed(texts)
    assert batch.shape == (3, 384) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-3)
    single = np.stack([model.embed([t])[0] for t in texts])
    np.testing.assert_allclose(batch, single, atol=2e-2)
    assert batch[0] @ batch[1] > batch[0] @ batch[2]


def _home():
    from edge.devices import Entity

    return [Entity(uid, name, domain, area) for uid, name, domain, area in (
        ("kitchen_light", "Kitchen Light", "light", "Kitchen"), ("coffee", "Coffee Maker", "switch", "Kitchen"),
        ("back_door", "Back Door", "lock", "Kitchen"), ("den_lamp", "Den Lamp", "light", "Den"),
        ("den_fan", "Den Fan", "fan", "Den"),
    )]


@pytest.fixture(scope="module")
def loop_nlu(model):
    """The interpreter the loop builds (``[nlu] engine = "combined"``), with this home's vocabulary."""
    from edge.config import NluSettings
    from edge.nlu.factory import build_interpreter
    from edge.pipeline.processor import vocabulary_of

    nlu = build_interpreter(NluSettings())
    nlu.set_vocabulary(vocabulary_of(_home()))
    return nlu


@needs_artifact
@pytest.mark.slow
@pytest.mark.parametrize("text, intent, devices", [
    ("it's too dark in here", "HassTurnOn", ["kitchen_light"]),  # the lights of the speaker's room, not the lock
    ("kill the lights in the den", "HassTurnOff", ["den_lamp"]),
    ("turn on the kitchen light", "HassTurnOn", ["kitchen_light"]),  # templates, exactly
])
def test_the_loop_interpreter_understands_paraphrases_and_finds_the_devices(loop_nlu, text, intent, devices):
    from edge.resolve import resolve

    r = loop_nlu.interpret(text, area="Kitchen")
    assert r.intent == intent, (text, r)
    if r.source == "model":
        assert r.nbest[0] == (intent, r.confidence)
    resolution = resolve(r, _home(), "Kitchen")
    assert resolution is not None and [e.unique_id for e in resolution.entities] == devices, (text, r, resolution)


@needs_artifact
@pytest.mark.slow
@pytest.mark.parametrize("text", ["what's the capital of france", "play poker with me", "tell me a joke"])
def test_the_loop_interpreter_rejects_out_of_domain(loop_nlu, text):
    from edge.respond.templates import respond
    from edge.turn import Outcome

    r = loop_nlu.interpret(text, area="Kitchen")
    assert r.intent is None and r.source == "model", (text, r)
    assert respond(Outcome.NOT_UNDERSTOOD, r) == "Sorry, I can't help with that."


@needs_artifact
@pytest.mark.slow
def test_an_unknown_device_stays_unknown(loop_nlu):
    r = loop_nlu.interpret("turn on the flux capacitor", area="Kitchen")
    assert r.intent == "HassTurnOn" and r.unmatched == {"name": "flux capacitor"}


@needs_artifact
@pytest.mark.slow
def test_combined_prefers_an_exact_template_match(model):
    from edge.nlu import TemplateMatcher, VocabularyEntry
    from edge.nlu.model import CombinedInterpreter

    matcher = TemplateMatcher("en")
    matcher.set_vocabulary([VocabularyEntry("Kitchen Light", "light", "Kitchen")])
    nlu = CombinedInterpreter(matcher, model)
    exact = nlu.interpret("turn on the kitchen light")
    assert exact.source == "hassil" and exact.intent == "HassTurnOn" and exact.slots["name"] == "Kitchen Light"
    assert exact.nbest and exact.nbest[0][0] == "HassTurnOn"  # the model ran first and chose hassil's intents
    free = nlu.interpret("kill the lights in the den")
    assert free.source == "model" and free.intent == "HassTurnOff"
    unknown = nlu.interpret("turn on the flux capacitor")  # hassil's partial match, for the model's intent only
    assert unknown.intent == "HassTurnOn" and unknown.unmatched == {"name": "flux capacitor"}


@needs_artifact
def test_the_likeliest_intents_leave_out_out_of_domain(model):
    pred = model.predict("turn on the kitchen light")
    likely = model.likely(pred, 5)
    assert len(likely) == 5 and likely[0] == "HassTurnOn" and model.ood_label not in likely


def test_runtime_does_not_import_torch():
    import subprocess
    import sys

    code = ("import edge, sys; import edge.nlu.model, edge.nlu.normalize; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_calibration_moves_towards_accepting_only_as_far_as_dev_rejection_allows():
    from models.nlu.train import calibrate

    rng = np.random.default_rng(0)
    ood = 2
    # 200 out-of-domain sentences the model is sure of, and 200 in-domain ones: most clear, 20 where the
    # out-of-domain logit is just above the right intent's
    ood_logits = np.tile([0.0, 0.0, 6.0], (200, 1)) + rng.normal(0, 0.3, (200, 3))
    clear = np.tile([6.0, 0.0, 0.0], (180, 1)) + rng.normal(0, 0.3, (180, 3))
    close = np.tile([2.0, 0.0, 2.6], (20, 1)) + rng.normal(0, 0.1, (20, 3))
    logits = np.concatenate([ood_logits, clear, close])
    labels = np.array([ood] * 200 + [0] * 200)
    temp, bias, thr = calibrate(logits, labels, ood)
    assert bias > 0  # the close ones are accepted...
    z = logits / temp
    z[:, ood] -= bias
    assert (z[:200].argmax(1) == ood).mean() >= 0.995  # ...and the out-of-domain ones are still rejected
    assert (z[200:].argmax(1) == 0).all()
    # where every bias would cost dev rejection, there is none
    sure = np.concatenate([np.tile([0.0, 0.0, 0.4], (200, 1)) + rng.normal(0, 0.3, (200, 3)), clear])
    assert calibrate(sure, np.array([ood] * 200 + [0] * 180), ood)[1] == 0.0


def test_decode_bio_takes_whole_words():
    text = "turn on the flux capacitor"
    offsets = [(0, 0), (0, 4), (5, 7), (8, 11), (12, 16), (17, 20), (20, 22), (22, 26), (0, 0)]
    tags = ["O", "O", "O", "O", "O", "I-name", "O", "O", "O"]  # the head tagged "cap" of "capacitor" only
    assert [(s.slot, s.text) for s in decode_bio(tags, offsets, text)] == [("name", "capacitor")]
    tags = ["O", "O", "O", "O", "B-name", "B-name", "O", "B-name", "O"]  # pieces of one word join
    assert [(s.slot, s.text, s.start) for s in decode_bio(tags, offsets, text)] == [
        ("name", "flux", 12), ("name", "capacitor", 17)]
