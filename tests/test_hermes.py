"""Hermes payloads: topics and field names as Rhasspy's hermes messages have them."""

from __future__ import annotations

import dataclasses
import json
import math

from edge.hermes import (
    NOT_RECOGNIZED,
    TEXT_CAPTURED,
    HermesEvents,
    hotword_detected,
    hotword_topic,
    intent_not_recognized,
    intent_recognized,
    intent_topic,
    text_captured,
)
from edge.turn import AsrResult, NluResult, Turn, WakeResult
from edge.wake import Detection


def _turn(intent: str | None, slots=None, unmatched=None) -> Turn:
    turn = Turn.start(device_id="kitchen", area="Kitchen", source="mic", wake=WakeResult("alexa", 0.98, 3.2))
    asr = AsrResult(text="set a timer for 5 minutes", avg_logprob=-0.2, no_speech_prob=0.01, audio_s=2.1, model="tiny.en")
    nlu = NluResult(text="set a timer for 5 minutes", intent=intent, confidence=1.0 if intent else 0.0,
                    slots=slots or {}, unmatched=unmatched or {})
    return dataclasses.replace(turn, asr=asr, nlu=nlu).with_timing(asr=412.0)


def test_hotword_detected():
    assert hotword_topic("alexa") == "hermes/hotword/alexa/detected"
    assert hotword_topic("/models/my wake.onnx") == "hermes/hotword/my_wake/detected"
    p = hotword_detected(Detection("alexa", 0.97, 1.5), "kitchen", 0.5)
    assert p["modelId"] == "alexa" and p["siteId"] == "kitchen" and p["currentSensitivity"] == 0.5
    assert {"modelVersion", "modelType", "sessionId", "sendAudioCaptured", "lang"} <= set(p)


def test_text_captured():
    turn = _turn("HassStartTimer")
    p = text_captured(turn, "kitchen")
    assert TEXT_CAPTURED == "hermes/asr/textCaptured"
    assert p["text"] == "set a timer for 5 minutes" and p["siteId"] == "kitchen"
    assert p["sessionId"] == turn.session_id and p["wakewordId"] == "alexa"
    assert p["likelihood"] == round(math.exp(-0.2), 4) and 0 < p["likelihood"] <= 1
    assert p["seconds"] == 0.412


def test_intent_recognized():
    turn = _turn("HassStartTimer", slots={"minutes": 5, "name": "pasta"}, unmatched={"area": "attic"})
    assert intent_topic("HassStartTimer") == "hermes/intent/HassStartTimer"
    p = intent_recognized(turn, "kitchen")
    assert p["input"] == "set a timer for 5 minutes"
    assert p["intent"] == {"intentName": "HassStartTimer", "confidenceScore": 1.0}
    assert p["siteId"] == "kitchen" and p["sessionId"] == turn.session_id and p["id"] == turn.turn_id
    by_name = {s["slotName"]: s for s in p["slots"]}
    assert by_name["minutes"] == {"entity": "minutes", "slotName": "minutes", "rawValue": "5",
                                  "value": {"kind": "Number", "value": 5}, "confidence": 1.0}
    assert by_name["name"]["value"] == {"kind": "Unknown", "value": "pasta"}
    assert by_name["area"]["rawValue"] == "attic" and by_name["area"]["confidence"] == 0.5
    json.dumps(p)  # serialisable as is


def test_intent_not_recognized():
    turn = _turn(None)
    p = intent_not_recognized(turn, "kitchen")
    assert NOT_RECOGNIZED == "hermes/nlu/intentNotRecognized"
    assert p == {"input": "set a timer for 5 minutes", "siteId": "kitchen", "sessionId": turn.session_id,
                 "id": turn.turn_id, "customData": None, "lang": "en"}


def test_the_observer_publishes_one_message_per_stage():
    sent: list[tuple[str, dict]] = []
    events = HermesEvents(lambda topic, payload: sent.append((topic, json.loads(payload))), "kitchen", 0.5)
    events.woke(Detection("alexa", 0.9, 1.0))
    events.heard(_turn("HassStartTimer"))
    events.understood(_turn("HassStartTimer", slots={"minutes": 5}))
    events.understood(_turn(None))
    assert [t for t, _ in sent] == [
        "hermes/hotword/alexa/detected", "hermes/asr/textCaptured", "hermes/intent/HassStartTimer",
        "hermes/nlu/intentNotRecognized",
    ]
