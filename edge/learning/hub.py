"""The learning hub: feedback events in over MQTT, a signed rewrite table out.

``LearningHub`` subscribes to ``<topic_prefix>/#`` at QoS 1 with a persistent
session (MQTT 5, clean_start False, a session expiry, a stable client id), so
events published while it is down wait at the broker. Each payload is checked
(size, JSON, types, the speaker in the topic); a bad one is logged and skipped,
never a crash. Good events are upserted by (speaker, turn_id) into the hub's
SQLite before paho acknowledges them, and a receipt
(``{"event_id", "digest"}``, QoS 1) goes back on
``<topic_prefix>-receipt/<speaker>``: the speaker deletes an event from its
outbox only then, so even a broker crash after its PUBACK loses nothing. ``mine_and_publish()`` mines the table
(``build_table``), gives it the next version, signs it, stores it and
publishes it retained on the table topic; the latest table is published again
on every reconnect, so a broker that lost its retained messages gets it back.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from typing import Any, Callable

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.feedback.events import FeedbackEvent
from edge.feedback.outbox import payload_digest
from edge.feedback.sync import SESSION_EXPIRY_S
from edge.learning.errors import LearningError, PayloadError
from edge.learning.hub_store import HubStore
from edge.learning.markov import build_table
from edge.learning.signing import sign_table
from edge.learning.table import RewriteTable
from edge.mqtt_client import new_client

log = logging.getLogger("edge.learning")

MAX_PAYLOAD_BYTES = 64 * 1024  # one event is a few hundred bytes
_QOS = 1
_STR = (str,)
_NUM = (int, float)
_REQUIRED: dict[str, tuple[type, ...]] = {
    "event_id": _STR, "speaker": _STR, "home": _STR, "turn_id": _STR, "ts": _NUM, "text": _STR, "outcome": _STR,
}
_OPTIONAL: dict[str, tuple[type, ...]] = {
    "rewritten": _STR, "rewrite_source": _STR, "intent": _STR, "slots": (dict,), "nlu_confidence": _NUM,
    "asr_logprob": _NUM, "no_speech_prob": _NUM, "wake_score": _NUM, "entities": (list,), "defects": (list,),
    "rephrase_of": _STR, "failure_point": _STR, "final": (bool,), "extra": (dict,),
}


def parse_feedback_payload(topic: str, payload: bytes, *, topic_prefix: str = "edge/feedback",
                           max_bytes: int = MAX_PAYLOAD_BYTES) -> FeedbackEvent:
    """The FeedbackEvent in an MQTT payload; PayloadError (with the reason) for anything else."""
    if len(payload) > max_bytes:
        raise PayloadError(topic, f"{len(payload)} bytes, more than {max_bytes}")
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(topic, f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PayloadError(topic, f"a JSON {type(data).__name__}, not an object")
    for key, types in _REQUIRED.items():
        if key not in data:
            raise PayloadError(topic, f"no {key!r}")
        if isinstance(data[key], bool) or not isinstance(data[key], types):
            raise PayloadError(topic, f"{key!r} is {type(data[key]).__name__}, expected {types[0].__name__}")
    for key, types in _OPTIONAL.items():
        value = data.get(key)
        if value is None:
            continue
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise PayloadError(topic, f"{key!r} is {type(value).__name__}, expected {types[0].__name__}")
    for key in ("entities", "defects"):
        if any(not isinstance(x, str) for x in data.get(key) or ()):
            raise PayloadError(topic, f"{key!r} must hold strings only")
    for key in ("ts", "nlu_confidence", "asr_logprob", "no_speech_prob", "wake_score"):
        if isinstance(data.get(key), float) and not math.isfinite(data[key]):
            raise PayloadError(topic, f"{key!r} is not a finite number")
    if not data["speaker"] or not data["turn_id"] or not data["event_id"]:
        raise PayloadError(topic, "empty speaker, turn_id or event_id")
    prefix = topic_prefix.rstrip("/") + "/"
    if topic.startswith(prefix) and topic[len(prefix):] and topic[len(prefix):] != data["speaker"]:
        raise PayloadError(topic, f"speaker {data['speaker']!r} does not match the topic")
    try:
        return FeedbackEvent.from_dict(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise PayloadError(topic, f"not a feedback event: {exc}") from exc


class LearningHub:
    """Collects feedback events, mines and publishes the signed rewrite table."""

    def __init__(
        self,
        store: HubStore,
        private_key: Ed25519PrivateKey,
        host: str,
        port: int,
        *,
        client_id: str = "edge-hub",
        topic_prefix: str = "edge/feedback",
        table_topic: str = "edge/rewrites/table",
        min_support: int = 2,
        min_confidence: float = 0.5,
        username: str = "",
        password: str = "",
        tls: bool = False,
        ca_file: str = "",
        keepalive_s: int = 30,
        reconnect_max_s: float = 30.0,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._key = private_key
        self._host, self._port = host, port
        self._prefix = topic_prefix.rstrip("/")
        self._table_topic = table_topic
        self._min_support = min_support
        self._min_confidence = min_confidence
        self._keepalive_s = keepalive_s
        self._max_payload = max_payload_bytes
        self._clock = clock
        self._mine_lock = threading.Lock()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._sub_mid: int | None = None
        self._warned = False
        self._started = False
        self._stopping = False
        self.skipped = 0  # payloads refused since start
        self.received = 0  # events stored since start, duplicates included
        self.duplicates = 0  # events for a (speaker, turn_id) already stored (QoS 1 redelivery, or final labels)
        client = new_client(
            client_id, reconnect_max_s=reconnect_max_s, username=username, password=password, tls=tls, ca_file=ca_file,
            mqtt5=True, purpose="the hub", error=LearningError,
        )  # fmt: skip
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.manual_ack_set(True)  # acknowledge an event only once it is stored
        self._client = client

    # --- public API ----------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return f"{self._host}:{self._port}"

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def start(self) -> LearningHub:
        if self._started:
            raise LearningError("LearningHub.start() called twice", fix="create a new LearningHub")
        self._started = True
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(self._host, self._port, keepalive=self._keepalive_s, clean_start=False, properties=props)
        self._client.loop_start()
        log.info("learning hub connecting to %s (%d events stored)", self.address, self.store.count())
        return self

    def stop(self) -> None:
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()
        self._subscribed.clear()
        log.info("learning hub stopped")

    def __enter__(self) -> LearningHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until connected and subscribed to the feedback topics."""
        return self._subscribed.wait(timeout_s)

    def ingest(self, event: FeedbackEvent) -> bool:
        """Upsert one event by (speaker, turn_id); True if the turn was new."""
        new = self.store.upsert(event)
        self.received += 1
        self.duplicates += int(not new)
        log.debug("%s feedback turn %s of speaker %s", "stored" if new else "updated", event.turn_id, event.speaker)
        return new

    def ingest_payload(self, topic: str, payload: bytes) -> FeedbackEvent | None:
        """Validate and store one MQTT payload; None (logged) when it is not a usable event."""
        try:
            event = parse_feedback_payload(topic, payload, topic_prefix=self._prefix, max_bytes=self._max_payload)
        except PayloadError as exc:
            self.skipped += 1
            log.warning("%s", exc)
            return None
        self.ingest(event)
        return event

    def mine_and_publish(self, *, publish_timeout_s: float = 10.0) -> RewriteTable:
        """Mine all stored events into the next table version, sign, store and publish it (retained, QoS 1)."""
        with self._mine_lock:
            started = time.perf_counter()
            now = self._clock()
            version = self.store.latest_version() + 1
            events = list(self.store.events())
            table = build_table(
                events, version, min_support=self._min_support, min_confidence=self._min_confidence, now=now
            )
            envelope = sign_table(table, self._key)
            self.store.save_table(version, now, len(table), envelope)
            log.info(
                "mined rewrite table v%d: %d rewrites, %d examples from %d events in %.2f s",
                version, len(table), len(table.examples), len(events), time.perf_counter() - started,
            )
        self._publish_table(envelope, version, publish_timeout_s)
        return table

    # --- internals -----------------------------------------------------------------------------

    def _publish_table(self, envelope: bytes, version: int, timeout_s: float) -> None:
        if not self.connected:
            log.warning("rewrite table v%d stored; it is published when the broker at %s is back", version, self.address)
            return
        info = self._client.publish(self._table_topic, envelope, qos=_QOS, retain=True)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.warning("rewrite table v%d not published (%s); sent again on reconnect", version, mqtt.error_string(info.rc))
            return
        if timeout_s > 0:
            try:
                info.wait_for_publish(timeout_s)
            except (RuntimeError, ValueError) as exc:
                log.warning("rewrite table v%d: %s; sent again on reconnect", version, exc)
                return
        log.info("published rewrite table v%d on %s (%d bytes)", version, self._table_topic, len(envelope))

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        try:
            if reason_code.is_failure:
                if not self._warned:
                    self._warned = True
                    log.warning("the broker at %s refused the learning hub: %s", self.address, reason_code)
                return
            self._warned = False
            self._connected.set()
            result, mid = client.subscribe(f"{self._prefix}/#", qos=_QOS)
            self._sub_mid = mid
            log.info("learning hub connected to %s, subscribing to %s/#", self.address, self._prefix)
            envelope = self.store.latest_envelope()
            if envelope is not None:  # a broker without persistence lost the retained table
                client.publish(self._table_topic, envelope, qos=_QOS, retain=True)
        except Exception:
            log.exception("error while handling the hub's connection")

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        if not self._warned:
            self._warned = True
            log.warning("learning hub cannot reach the broker at %s; retrying", self.address)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        was = self._connected.is_set()
        self._connected.clear()
        self._subscribed.clear()
        if was and not self._stopping:
            self._warned = True
            log.warning("learning hub lost the broker at %s (%s); reconnecting", self.address, reason_code)

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reason_codes: Any, properties: Any) -> None:
        failed = [rc for rc in reason_codes if getattr(rc, "is_failure", False)]
        if failed:
            log.error("the broker refused the hub's subscription to %s/#: %s", self._prefix, failed)
        elif mid == self._sub_mid:
            self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        # PUBACK only once stored (or refused for good): a disk error leaves it with the broker, sent again later.
        try:
            event = self.ingest_payload(msg.topic, msg.payload)
        except Exception:
            log.exception("feedback payload on %s not stored; the broker sends it again after a reconnect", msg.topic)
            return
        if event is not None:
            receipt = json.dumps({"event_id": event.event_id, "digest": payload_digest(msg.payload)})
            client.publish(f"{self._prefix}-receipt/{event.speaker}", receipt, qos=_QOS)
        if msg.qos > 0:
            client.ack(msg.mid, msg.qos)

