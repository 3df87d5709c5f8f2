import json

from edge.turn import (
    ActionResult,
    AsrResult,
    DialogResult,
    EntityRef,
    NluResult,
    Outcome,
    Resolution,
    ResponseResult,
    RewriteResult,
    Turn,
    WakeResult,
)


def full_turn() -> Turn:
    turn = Turn.start(device_id="kitchen-speaker", area="Kitchen", source="a.wav", wake=WakeResult("alexa", 0.97, 1.52))
    return turn.__class__(
        turn_id=turn.turn_id,
        session_id=turn.session_id,
        device_id=turn.device_id,
        area=turn.area,
        started_at=turn.started_at,
        source=turn.source,
        wake=turn.wake,
        asr=AsrResult("turn on the kitchen light", -0.21, 0.01, 2.4, "tiny.en", alternatives=("turn on the kitchen lights",)),
        rewrite=RewriteResult("turn on the kitten light", "turn on the kitchen light", "table", 0.92, version=3),
        nlu=NluResult("turn on the kitchen light", "HassTurnOn", 1.0, {"name": "Kitchen Light", "domain": "light"}),
        resolution=Resolution(
            (EntityRef("k1", "Kitchen Light", "Kitchen", "light", 1.0),),
            "name",
            candidates=(
                EntityRef("k1", "Kitchen Light", "Kitchen", "light", 1.0),
                EntityRef("k2", "Kitchen Lamp", "Kitchen", "light", 0.6),
            ),
        ),
        actions=(
            ActionResult("k1", "home/k1/set", "ON", True, "on", 21.5),
            ActionResult("s1", "s/set", "ON", False, optimistic=True),
        ),
        response=ResponseResult("Turned on the kitchen light.", 120.0),
        outcome=Outcome.DONE,
        timings_ms={"asr": 150.0, "nlu": 3.0},
    )


def test_turn_round_trips_through_json():
    turn = full_turn()
    again = Turn.from_dict(json.loads(json.dumps(turn.to_dict())))
    assert again == turn


def test_empty_turn_round_trips():
    turn = Turn.start(device_id="d", area="", source="mic", wake=WakeResult("alexa", 0.6, 0.0))
    assert Turn.from_dict(json.loads(json.dumps(turn.to_dict()))) == turn


def test_with_timing_merges_and_rounds():
    turn = full_turn().with_timing(resolve=0.123456)
    assert turn.timings_ms == {"asr": 150.0, "nlu": 3.0, "resolve": 0.12}


def test_an_answer_to_a_question_round_trips():
    asked = Turn.start(device_id="d", area="Hall", source="mic", wake=WakeResult("alexa", 0.9, 1.0))
    answer = Turn.start(device_id="d", area="Hall", source="mic", wake=None, session_id=asked.session_id)
    answer = answer.__class__(
        **{
            **{f: getattr(answer, f) for f in answer.__slots__},
            "dialog": DialogResult("confirm", "Are you sure you want to unlock the front door?", "yes", True, asked.turn_id),
            "response": ResponseResult("Unlocked the front door.", interrupted=True),
            "outcome": Outcome.DONE,
        }
    )
    again = Turn.from_dict(json.loads(json.dumps(answer.to_dict())))
    assert again == answer and again.dialog.accepted and again.session_id == asked.session_id
    assert Turn.from_dict({**answer.to_dict(), "dialog": None}).dialog is None
    asked_back = Turn.from_dict({**asked.to_dict(), "outcome": "asked"})
    assert asked_back.outcome is Outcome.ASKED
