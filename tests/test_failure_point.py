"""Defect labels and failure-point isolation: one test per rule of edge.feedback.labels."""

from __future__ import annotations

from edge.feedback.events import Defect, FailurePoint
from edge.feedback.labels import THRESHOLDS, failure_point, label_turn
from edge.turn import Outcome
from tests.feedback_helpers import mk_turn


def test_labels_in_enum_order():
    t = mk_turn("turn on the lamp", Outcome.UNCONFIRMED, intent="HassTurnOn", interrupted=True)
    assert label_turn(t, rephrased=True, negative=True) == (
        Defect.BARGE_IN, Defect.REPHRASED, Defect.NEGATIVE_FEEDBACK, Defect.UNCONFIRMED,
    )  # fmt: skip
    assert label_turn(mk_turn("turn on the lamp", Outcome.DONE, intent="HassTurnOn")) == ()
    assert label_turn(mk_turn("x", Outcome.FAILED)) == (Defect.ACTION_FAILED,)
    assert label_turn(mk_turn("x", Outcome.ERROR)) == (Defect.ACTION_FAILED,)
    assert label_turn(mk_turn("x", Outcome.NOT_UNDERSTOOD)) == (Defect.NOT_UNDERSTOOD,)
    assert label_turn(mk_turn("x", Outcome.NO_DEVICE)) == (Defect.NO_DEVICE,)
    assert label_turn(mk_turn("x", Outcome.ANSWERED)) == ()


def test_no_defect_is_correct_but_a_weak_wake_that_heard_nothing_is_a_false_wake():
    assert failure_point(mk_turn("turn on the lamp", Outcome.DONE, intent="HassTurnOn"), ()) is FailurePoint.CORRECT
    assert failure_point(mk_turn("", Outcome.NO_SPEECH, wake=0.52), ()) is FailurePoint.FALSE_WAKE
    assert failure_point(mk_turn("", Outcome.NO_SPEECH, wake=0.97), ()) is FailurePoint.CORRECT


def test_weak_wake_and_no_speech_is_a_false_wake():
    t = mk_turn("thank you", Outcome.NOT_UNDERSTOOD, wake=0.55, no_speech=0.8, logprob=-1.4)
    assert failure_point(t, label_turn(t)) is FailurePoint.FALSE_WAKE
    t = mk_turn("and then he said", Outcome.NOT_UNDERSTOOD, wake=0.55, no_speech=0.1)
    assert failure_point(t, label_turn(t)) is FailurePoint.FALSE_WAKE  # weak wake, nonsense, nobody said it again
    assert failure_point(t, label_turn(t), rephrase=mk_turn("turn on the lamp", Outcome.DONE, intent="HassTurnOn")) is (
        FailurePoint.NLU
    )  # ... but a rephrase shows somebody meant it


def test_rephrase_same_intent_misheard_name_is_asr():
    failed = mk_turn("turn on the stubby light", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.5,
                     missing="stubby light")  # fmt: skip
    fixed = mk_turn("turn on the study light", Outcome.DONE, 1010.0, intent="HassTurnOn",
                    slots={"name": "Study Light"}, entities=(("light_study", 1.0),))  # fmt: skip
    assert failure_point(failed, label_turn(failed, rephrased=True), rephrase=fixed) is FailurePoint.ASR


def test_rephrase_same_intent_other_name_is_resolution():
    failed = mk_turn("turn on the telly", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.5, missing="telly")
    fixed = mk_turn("turn on the tv", Outcome.DONE, 1010.0, intent="HassTurnOn", slots={"name": "TV"},
                    entities=(("switch_tv", 1.0),))  # fmt: skip
    assert failure_point(failed, label_turn(failed, rephrased=True), rephrase=fixed) is FailurePoint.RESOLUTION


def test_rephrase_same_intent_wrong_device_chosen_is_resolution():
    wrong = mk_turn("turn on the lamp", Outcome.DONE, intent="HassTurnOn", slots={"name": "Lamp"},
                    entities=(("light_desk_lamp", 0.92),), interrupted=True)  # fmt: skip
    fixed = mk_turn("turn on the floor lamp", Outcome.DONE, 1005.0, intent="HassTurnOn", slots={"name": "Floor Lamp"},
                    entities=(("light_floor_lamp", 1.0),))  # fmt: skip
    assert failure_point(wrong, label_turn(wrong, rephrased=True), rephrase=fixed) is FailurePoint.RESOLUTION


def test_rephrase_understood_when_the_first_was_not_is_nlu():
    failed = mk_turn("kill the lights", Outcome.NOT_UNDERSTOOD)
    fixed = mk_turn("turn off the lights", Outcome.DONE, 1004.0, intent="HassTurnOff", entities=(("light_k", 1.0),))
    assert failure_point(failed, label_turn(failed, rephrased=True), rephrase=fixed) is FailurePoint.NLU


def test_rephrase_understood_when_the_first_was_not_but_the_words_sound_alike_is_asr():
    failed = mk_turn("turn of the lights", Outcome.NOT_UNDERSTOOD)
    fixed = mk_turn("turn off the lights", Outcome.DONE, 1004.0, intent="HassTurnOff", entities=(("light_k", 1.0),))
    assert failure_point(failed, label_turn(failed, rephrased=True), rephrase=fixed) is FailurePoint.ASR


def test_rephrase_with_another_intent_is_nlu():
    wrong = mk_turn("lights down", Outcome.DONE, intent="HassTurnOff", entities=(("light_k", 1.0),), interrupted=True)
    fixed = mk_turn("dim the lights", Outcome.DONE, 1004.0, intent="HassLightSet", entities=(("light_k", 1.0),))
    assert failure_point(wrong, label_turn(wrong, rephrased=True), rephrase=fixed) is FailurePoint.NLU


def test_rephrase_same_intent_same_device_is_result():
    t = mk_turn("turn on the lamp", Outcome.UNCONFIRMED, intent="HassTurnOn", slots={"name": "Lamp"},
                entities=(("light_lamp", 1.0),), confirmed=False)  # fmt: skip
    again = mk_turn("turn the lamp on", Outcome.DONE, 1006.0, intent="HassTurnOn", slots={"name": "Lamp"},
                    entities=(("light_lamp", 1.0),))  # fmt: skip
    assert failure_point(t, label_turn(t, rephrased=True), rephrase=again) is FailurePoint.RESULT


def test_without_a_rephrase_from_the_turn_alone():
    low_asr = mk_turn("turn on the stubby light", Outcome.NO_DEVICE, intent="HassTurnOn", logprob=-1.3)
    assert failure_point(low_asr, label_turn(low_asr)) is FailurePoint.ASR
    guess = mk_turn("lights please", Outcome.DONE, intent="HassTurnOn", confidence=0.4, interrupted=True)
    assert failure_point(guess, label_turn(guess)) is FailurePoint.NLU
    missing = mk_turn("turn on the flux capacitor", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.5)
    assert failure_point(missing, label_turn(missing)) is FailurePoint.RESOLUTION
    fuzzy = mk_turn("turn on the best fan", Outcome.DONE, intent="HassTurnOn", entities=(("fan_desk", 0.8),))
    assert failure_point(fuzzy, label_turn(fuzzy, negative=True)) is FailurePoint.RESOLUTION
    failed = mk_turn("turn on the lamp", Outcome.FAILED, intent="HassTurnOn", entities=(("light_lamp", 1.0),))
    assert failure_point(failed, label_turn(failed)) is FailurePoint.RESULT


def test_an_unknown_name_that_sounds_like_a_nearest_device_is_asr():
    misheard = mk_turn("turn on the board slide", Outcome.NO_DEVICE, intent="HassTurnOn", missing="board slide",
                       candidates=("Porch Light", "Floor Lamp"))  # fmt: skip
    assert failure_point(misheard, label_turn(misheard)) is FailurePoint.ASR
    nickname = mk_turn("turn on the big light", Outcome.NO_DEVICE, intent="HassTurnOn", missing="big light",
                       candidates=("Ceiling Light", "Kitchen Light"))  # fmt: skip
    assert failure_point(nickname, label_turn(nickname)) is FailurePoint.RESOLUTION
    short = mk_turn("turn on the hall", Outcome.NO_DEVICE, intent="HassTurnOn", missing="hall", candidates=("Hallway",))
    assert failure_point(short, label_turn(short)) is FailurePoint.RESOLUTION
    big = mk_turn("turn off the big light", Outcome.NO_DEVICE, intent="HassTurnOff", missing="big light",
                  candidates=("Office Light",))  # "big" ~ "office" by sound class, but a light is what it names
    assert failure_point(big, label_turn(big)) is FailurePoint.RESOLUTION
    other = mk_turn("switch on the tv light", Outcome.NO_DEVICE, 1009.0, intent="HassTurnOn", missing="tv light",
                    slots={"name": "tv light"})  # fmt: skip
    assert failure_point(misheard, label_turn(misheard, rephrased=True), rephrase=other) is FailurePoint.ASR
    alone = mk_turn("turn on the board slide", Outcome.NO_DEVICE, intent="HassTurnOn", missing="board slide")
    assert failure_point(alone, label_turn(alone)) is FailurePoint.RESOLUTION  # nothing near it in this home


def test_thresholds_are_documented_defaults():
    assert (THRESHOLDS.wake_low, THRESHOLDS.no_speech_high, THRESHOLDS.asr_logprob_low, THRESHOLDS.nlu_low) == (
        0.6, 0.6, -1.0, 0.5,
    )  # fmt: skip
    assert THRESHOLDS.asr_logprob_doubt == -0.6


def test_a_rephrase_that_found_no_device_either_is_no_evidence_of_the_name():
    # "turn off the front light" (a nickname of the porch light), then "the porch light" heard "the board slide"
    nickname = mk_turn("turn off the front light", Outcome.NO_DEVICE, intent="HassTurnOff", missing="front light")
    misheard = mk_turn("turn off the board slide.", Outcome.NO_DEVICE, 1005.0, intent="HassTurnOff",
                       missing="board slide", logprob=-0.81)  # fmt: skip
    assert failure_point(nickname, label_turn(nickname, rephrased=True), rephrase=misheard) is FailurePoint.RESOLUTION
    fixed = mk_turn("turn off the porch light", Outcome.DONE, 1012.0, intent="HassTurnOff",
                    slots={"name": "Porch Light"}, entities=(("light_porch", 1.0),))  # fmt: skip
    assert failure_point(nickname, label_turn(nickname, rephrased=True), rephrase=fixed) is FailurePoint.RESOLUTION


def _words_that_failed(logprob: float) -> list[FailurePoint]:
    """Four turns whose words failed, heard with Whisper's ``logprob``: "turn on the desk fan" heard "turn on
    the mask on." and read as a vacuum this home has not got (alone, then rephrased), "the left hand" that
    names no device, words nothing understood."""
    mask = mk_turn("turn on the mask on.", Outcome.UNSUPPORTED, intent="HassVacuumStart", confidence=0.53,
                   logprob=logprob, interrupted=True)  # fmt: skip
    fan = mk_turn("turn on my fan", Outcome.ASKED, 1006.0, intent="HassTurnOn", slots={"name": "my fan"})
    hand = mk_turn("turn on the left hand.", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.96,
                   missing="left hand", logprob=logprob)  # fmt: skip
    garbled = mk_turn("let's go on for the best part.", Outcome.NOT_UNDERSTOOD, logprob=logprob)
    return [
        failure_point(mask, label_turn(mask)),
        failure_point(mask, label_turn(mask, rephrased=True), rephrase=fan),
        failure_point(hand, label_turn(hand)),
        failure_point(garbled, label_turn(garbled)),
    ]


def test_a_doubtful_transcript_whose_words_failed_is_asr():
    assert _words_that_failed(-0.7) == [FailurePoint.ASR] * 4


def test_a_clear_transcript_keeps_its_verdict():
    # the same words heard clearly (Whisper sure of them): the reader's, or the resolver's
    assert _words_that_failed(-0.3) == [FailurePoint.NLU, FailurePoint.NLU, FailurePoint.RESOLUTION, FailurePoint.NLU]
    failed = mk_turn("turn on the lamp", Outcome.FAILED, intent="HassTurnOn", entities=(("light_lamp", 1.0),),
                     logprob=-0.7)  # a doubtful transcript whose words worked: the action failed
    assert failure_point(failed, label_turn(failed)) is FailurePoint.RESULT


def test_a_word_heard_for_another_of_the_same_sounds_is_asr():
    wrong = mk_turn("turn on the copy maker", Outcome.UNSUPPORTED, intent="HassMediaSearchAndPlay", confidence=0.66)
    fixed = mk_turn("turn on the coffee maker", Outcome.DONE, 1005.0, intent="HassTurnOn", slots={"name": "Coffee Maker"},
                    entities=(("switch_coffee", 1.0),))  # fmt: skip
    assert failure_point(wrong, label_turn(wrong, rephrased=True), rephrase=fixed) is FailurePoint.ASR
    split = mk_turn("turn on the stand in light", Outcome.DONE, intent="HassTurnOn", entities=(("light_k", 1.0),),
                    interrupted=True)  # fmt: skip
    meant = mk_turn("turn on the standing light", Outcome.DONE, 1005.0, intent="HassTurnOn",
                    slots={"name": "Standing Light"}, entities=(("light_standing", 1.0),))  # fmt: skip
    assert failure_point(split, label_turn(split, rephrased=True), rephrase=meant) is FailurePoint.ASR


def test_a_short_name_is_resolution_and_a_vague_request_is_nlu():
    short = mk_turn("turn on the hall light", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.5, missing="hall light")
    full = mk_turn("turn on the hallway light", Outcome.DONE, 1004.0, intent="HassTurnOn", slots={"name": "Hallway Light"},
                   entities=(("light_hallway", 1.0),))  # fmt: skip
    assert failure_point(short, label_turn(short, rephrased=True), rephrase=full) is FailurePoint.RESOLUTION
    vague = mk_turn("it's dark in here", Outcome.DONE, intent="HassTurnOn", confidence=0.9,
                    entities=(("light_porch", 1.0),), interrupted=True)  # fmt: skip
    meant = mk_turn("turn on the kitchen light", Outcome.DONE, 1003.0, intent="HassTurnOn",
                    slots={"name": "Kitchen Light"}, entities=(("light_kitchen", 1.0),))  # fmt: skip
    assert failure_point(vague, label_turn(vague, rephrased=True), rephrase=meant) is FailurePoint.NLU
    assert failure_point(vague, label_turn(vague)) is FailurePoint.NLU  # cut off, nothing after it
    movie = mk_turn("movie time", Outcome.ANSWERED, intent="HassGetCurrentTime", confidence=0.95, interrupted=True)
    assert failure_point(movie, label_turn(movie)) is FailurePoint.NLU
    nickname = mk_turn("turn on the big light", Outcome.DONE, intent="HassTurnOn", confidence=0.9,
                       entities=(("light_kitchen", 1.0),))  # fmt: skip
    ceiling = mk_turn("turn on the living room ceiling light", Outcome.DONE, 1004.0, intent="HassTurnOn",
                      slots={"name": "Living Room Ceiling Light"}, entities=(("light_ceiling", 1.0),))  # fmt: skip
    assert failure_point(nickname, label_turn(nickname, negative=True), rephrase=ceiling) is FailurePoint.RESOLUTION


def _answer(said: str, outcome: Outcome = Outcome.NO_DEVICE, accepted: bool = False):
    import dataclasses

    from edge.turn import DialogResult, EntityRef, Resolution

    question = "The desk fan or the ceiling fan?"
    options = (EntityRef("fan_desk", "Desk Fan", "Office", "fan", 0.8), EntityRef("fan_ceiling", "Ceiling Fan", "Office", "fan", 0.8))
    t = mk_turn(said, outcome, intent="HassTurnOn")
    return dataclasses.replace(t, dialog=DialogResult("clarify", question, said, accepted, "t999"),
                               resolution=Resolution(entities=(), reason="ambiguous", candidates=options, ambiguous=True))


def test_an_answer_to_which_one_that_says_no_option_was_misheard():
    misheard = _answer("The best fun.")
    assert failure_point(misheard, label_turn(misheard)) is FailurePoint.ASR
    unclear = _answer("the fan")  # an option's word, but not one that tells them apart: the choice failed
    assert failure_point(unclear, label_turn(unclear)) is FailurePoint.RESOLUTION
    silent = _answer("")  # nobody answered: not a mishearing
    assert failure_point(silent, label_turn(silent)) is not FailurePoint.ASR


def test_whole_sounds_like_hall():
    failed = mk_turn("turn off the whole light", Outcome.NO_DEVICE, intent="HassTurnOff", missing="whole light")
    fixed = mk_turn("turn off the hall light", Outcome.DONE, 1006.0, intent="HassTurnOff", slots={"name": "Hallway Light"},
                    entities=(("light_hallway", 1.0),))  # fmt: skip
    assert failure_point(failed, label_turn(failed, rephrased=True), rephrase=fixed) is FailurePoint.ASR


def test_a_name_whisper_was_unsure_of_is_asr():
    import dataclasses

    unsure = mk_turn("turn on the mask on", Outcome.NO_DEVICE, intent="HassTurnOn", missing="mask on")
    unsure = dataclasses.replace(unsure, asr=dataclasses.replace(
        unsure.asr, alternatives=("turn on the mask fan", "turn on the best fan", "turn on the vsc fan")))
    assert failure_point(unsure, label_turn(unsure)) is FailurePoint.ASR
    sure = mk_turn("turn off the front light", Outcome.NO_DEVICE, intent="HassTurnOff", missing="front light")
    sure = dataclasses.replace(sure, asr=dataclasses.replace(
        sure.asr, alternatives=("turn off the front lights.", "turn of the front light", "turn off the frontlight")))
    assert failure_point(sure, label_turn(sure)) is FailurePoint.RESOLUTION  # a name it doesn't know, heard clearly
    cut = mk_turn("turn on the mask on", Outcome.UNSUPPORTED, intent="HassTurnOn", interrupted=True)
    cut = dataclasses.replace(cut, asr=unsure.asr)
    again = mk_turn("turn on my fan", Outcome.DONE, 1004.0, intent="HassTurnOn", slots={"name": "Desk Fan"},
                    entities=(("fan_desk", 1.0),))  # fmt: skip
    assert failure_point(cut, label_turn(cut, rephrased=True), rephrase=again) is FailurePoint.ASR
    assert failure_point(cut, label_turn(cut)) is FailurePoint.ASR  # nobody said it again: the n-best alone
    lost = mk_turn("the next turn off the board slide", Outcome.NOT_UNDERSTOOD)
    lost = dataclasses.replace(lost, asr=dataclasses.replace(
        lost.asr, alternatives=("turn off the porch light", "the next turn off the porch light")))
    assert failure_point(lost, label_turn(lost)) is FailurePoint.ASR
    alone = mk_turn("turn on the telly", Outcome.NO_DEVICE, intent="HassTurnOn", missing="telly")
    assert failure_point(alone, label_turn(alone)) is FailurePoint.RESOLUTION  # no n-best: nothing says unsure


def test_a_name_only_the_model_read_in_a_vague_request_is_nlu():
    """"make it cozy": the model read "cozy" as a scene's name where no template has a place for a name, and no
    device has it: the request was vague, the reading wrong (NLU), alone or rephrased. A name hassil's template
    left ("turn on the blower", ``unmatched``) or one with a word for a kind of device stays RESOLUTION."""
    cozy = mk_turn("make it cozy", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.93, slots={"name": "cozy"},
                   missing="cozy", source="model")  # fmt: skip
    assert failure_point(cozy, label_turn(cozy)) is FailurePoint.NLU
    mood = mk_turn("activate mood lighting", Outcome.DONE, 1010.0, intent="HassTurnOn",
                   slots={"name": "Mood Lighting"}, entities=(("scene_mood", 1.0),))  # fmt: skip
    assert failure_point(cozy, label_turn(cozy, rephrased=True), rephrase=mood) is FailurePoint.NLU
    blower = mk_turn("turn on the blower", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.9,
                     unmatched={"name": "blower"}, missing="blower", source="hassil")  # fmt: skip
    assert failure_point(blower, label_turn(blower)) is FailurePoint.RESOLUTION
    unread = mk_turn("turn on the blower", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.99,
                     missing="blower", source="model")  # the model read no name; the resolver found the words
    assert failure_point(unread, label_turn(unread)) is FailurePoint.RESOLUTION
    big = mk_turn("get the big light going", Outcome.NO_DEVICE, intent="HassTurnOn", confidence=0.9,
                  slots={"name": "big light"}, missing="big light", source="model")  # fmt: skip
    assert failure_point(big, label_turn(big)) is FailurePoint.RESOLUTION
