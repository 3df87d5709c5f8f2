"""Hermes events: what Rhasspy and Snips tools listen for, published as the loop runs.

Topics and field names follow the Hermes protocol as Rhasspy implements it
(rhasspy-hermes: ``HotwordDetected``, ``AsrTextCaptured``, ``NluIntent``,
``NluIntentNotRecognized``):

- ``hermes/hotword/<wakewordId>/detected``: modelId, modelVersion, modelType,
  currentSensitivity, siteId, sessionId, sendAudioCaptured, lang
- ``hermes/asr/textCaptured``: text, likelihood (0-1), seconds (transcription
  time), siteId, sessionId, wakewordId, asrTokens, lang
- ``hermes/intent/<intentName>``: input, intent {intentName, confidenceScore},
  slots [{entity, slotName, rawValue, value {kind, value}, confidence}],
  siteId, sessionId, id, customData, asrConfidence, rawInput, wakewordId, lang
- ``hermes/nlu/intentNotRecognized``: input, siteId, sessionId, id, customData, lang

The payload builders are pure; ``HermesEvents`` is the loop observer that
publishes them (QoS 0, not retained) through a ``publish(topic, payload)``.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any, Callable, Mapping

from edge.pipeline.events import LoopObserver
from edge.turn import Turn
from edge.wake import Detection

_LOG = logging.getLogger("edge.hermes")

LANG = "en"


def _wakeword_id(model: str) -> str:
    """A topic-safe wake word id ("alexa", "hey_jarvis"; a path gives its file stem)."""
    stem = model.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".onnx")
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in stem) or "default"


def hotword_topic(wakeword_id: str) -> str:
    return f"hermes/hotword/{_wakeword_id(wakeword_id)}/detected"


def intent_topic(intent_name: str) -> str:
    return f"hermes/intent/{intent_name}"


TEXT_CAPTURED = "hermes/asr/textCaptured"
NOT_RECOGNIZED = "hermes/nlu/intentNotRecognized"


def hotword_detected(detection: Detection, site_id: str, threshold: float) -> dict[str, Any]:
    return {
        "modelId": _wakeword_id(detection.model),
        "modelVersion": "",
        "modelType": "universal",
        "currentSensitivity": threshold,
        "siteId": site_id,
        "sessionId": None,
        "sendAudioCaptured": None,
        "lang": LANG,
        "customEntities": None,
    }


def text_captured(turn: Turn, site_id: str) -> dict[str, Any]:
    if turn.asr is None:
        raise ValueError("the turn has no ASR result")
    return {
        "text": turn.asr.text,
        "likelihood": round(math.exp(min(0.0, turn.asr.avg_logprob)), 4),  # mean token probability
        "seconds": round(turn.timings_ms.get("asr", 0.0) / 1000, 3),
        "siteId": site_id,
        "sessionId": turn.session_id,
        "wakewordId": _wakeword_id(turn.wake.model) if turn.wake else None,
        "asrTokens": None,
        "lang": LANG,
    }


def _slot_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return {"kind": "Unknown", "value": value}
    return {"kind": "Number", "value": value}


def slots(values: Mapping[str, Any], unmatched: Mapping[str, str] = ()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    out = []
    for name, value in values.items():
        out.append(
            {"entity": name, "slotName": name, "rawValue": str(value), "value": _slot_value(value), "confidence": 1.0}
        )
    for name, said in dict(unmatched).items():
        if name not in values:
            out.append({"entity": name, "slotName": name, "rawValue": said, "value": _slot_value(said), "confidence": 0.5})
    return out


def intent_recognized(turn: Turn, site_id: str) -> dict[str, Any]:
    if turn.nlu is None or turn.nlu.intent is None:
        raise ValueError("the turn has no recognised intent")
    nlu = turn.nlu
    return {
        "input": nlu.text,
        "intent": {"intentName": nlu.intent, "confidenceScore": round(float(nlu.confidence), 4)},
        "slots": slots(nlu.slots, nlu.unmatched),
        "siteId": site_id,
        "sessionId": turn.session_id,
        "id": turn.turn_id,
        "customData": None,
        "asrTokens": [],
        "asrConfidence": round(math.exp(min(0.0, turn.asr.avg_logprob)), 4) if turn.asr else None,
        "rawInput": turn.asr.text if turn.asr else nlu.text,
        "wakewordId": _wakeword_id(turn.wake.model) if turn.wake else None,
        "lang": LANG,
    }


def intent_not_recognized(turn: Turn, site_id: str) -> dict[str, Any]:
    text = turn.nlu.text if turn.nlu else (turn.asr.text if turn.asr else "")
    return {
        "input": text,
        "siteId": site_id,
        "sessionId": turn.session_id,
        "id": turn.turn_id,
        "customData": None,
        "lang": LANG,
    }


class HermesEvents(LoopObserver):
    """Publishes the loop's events as Hermes messages."""

    def __init__(self, publish: Callable[[str, str], None], site_id: str, wake_threshold: float) -> None:
        self._publish = publish
        self.site_id = site_id
        self.wake_threshold = wake_threshold

    def _send(self, topic: str, payload: Mapping[str, Any]) -> None:
        self._publish(topic, json.dumps(payload, ensure_ascii=False))
        _LOG.debug("published %s", topic)

    def woke(self, detection: Detection) -> None:
        self._send(hotword_topic(detection.model), hotword_detected(detection, self.site_id, self.wake_threshold))

    def heard(self, turn: Turn) -> None:
        self._send(TEXT_CAPTURED, text_captured(turn, self.site_id))

    def understood(self, turn: Turn) -> None:
        if turn.nlu is not None and turn.nlu.intent is not None:
            self._send(intent_topic(turn.nlu.intent), intent_recognized(turn, self.site_id))
        else:
            self._send(NOT_RECOGNIZED, intent_not_recognized(turn, self.site_id))
