"""Store-and-forward: the outbox's events go to the learning hub over MQTT, QoS 1, persistent session.

``FeedbackSync`` owns one paho-mqtt 2.x client (MQTT 5, clean_start False, a
session expiry, a stable client id per speaker) with its own network thread
and a sender thread. While connected the sender publishes the oldest queued
events (at most ``max_inflight`` unacknowledged at a time) to
``<topic_prefix>/<speaker pseudonym>``; an event leaves the outbox only when
the hub's receipt for it arrives: the hub stores the event, then publishes
``{"event_id", "digest"}`` (QoS 1) on ``<topic_prefix>-receipt/<speaker>``.
A broker's PUBACK alone is not enough: a broker that crashes (or drops a
queue that grew past its limit) after the PUBACK loses the event, and this
was seen with a SIGKILLed Mosquitto (the hub's unread socket data is reset).
So a PUBACK only parks the event; without a receipt within ``resend_after_s``
it is sent again. ``receipts=False`` deletes on the PUBACK instead.

A lost connection forgets what was in flight or parked and sends it again
after reconnecting, and a new process (a reboot, a power cut) starts from
whatever is still in the outbox file: delivery is at least once, and the hub
upserts by (speaker, turn_id). Events carry text and features only, never audio.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.devices.transport import no_delay
from edge.feedback.outbox import Outbox
from edge.feedback.pseudonym import load_home_secret, pseudonymize
from edge.learning.errors import FeedbackError
from edge.mqtt_client import new_client

__all__ = ["FeedbackSync", "load_home_secret", "pseudonymize"]

log = logging.getLogger("edge.feedback")

FEEDBACK_QOS = 1
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps our session (and acks owed to us) this long


class FeedbackSync:
    """Sends the outbox to the hub; ``start()`` / ``stop()``, or use it as a context manager."""

    def __init__(
        self,
        outbox: Outbox,
        host: str,
        port: int,
        client_id: str,
        topic_prefix: str = "edge/feedback",
        *,
        username: str = "",
        password: str = "",
        tls: bool = False,
        ca_file: str = "",
        keepalive_s: int = 30,
        reconnect_max_s: float = 30.0,
        max_inflight: int = 16,
        pace_s: float = 0.0,
        resend_after_s: float = 60.0,
        session_expiry_s: int = SESSION_EXPIRY_S,
        receipts: bool = True,
    ) -> None:
        """pace_s: least time between two publishes (spreads a long backlog after an outage); 0 = none.

        resend_after_s: an event without PUBACK (or without the hub's receipt) this long after its publish is sent again.
        receipts: delete an event on the hub's receipt (True) or already on the broker's PUBACK (False).
        """
        if not client_id:
            raise FeedbackError("FeedbackSync needs a stable client id", fix="pass e.g. 'edge-fb-<speaker id>'")
        if max_inflight < 1:
            raise FeedbackError(f"max_inflight must be at least 1, got {max_inflight}", fix="pass max_inflight >= 1")
        self._outbox = outbox
        self._host, self._port = host, port
        self._prefix = topic_prefix.rstrip("/")
        self._keepalive_s = keepalive_s
        self._max_inflight = max_inflight
        self._pace_s = pace_s
        self._resend_after_s = resend_after_s
        self._session_expiry_s = session_expiry_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._inflight: dict[int, tuple[str, int, float]] = {}  # mid -> (event_id, revision, sent monotonic)
        self._early_acks: dict[int, float] = {}  # PUBACKs for mids not recorded yet -> when they came
        self._receipts = receipts
        self._parked: dict[str, float] = {}  # event_id -> when its PUBACK came; waiting for the hub's receipt
        self._sent = 0
        self._acked = 0
        self._warned = False
        self._thread: threading.Thread | None = None
        client = new_client(
            client_id, reconnect_max_s=reconnect_max_s, username=username, password=password, tls=tls, ca_file=ca_file,
            mqtt5=True, purpose="the feedback sync", error=FeedbackError,
        )  # fmt: skip
        client.max_inflight_messages_set(max_inflight)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.message_callback_add(f"{self._prefix}-receipt/+", self._on_receipt)
        self._client = client

    # --- public API ----------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return f"{self._host}:{self._port}"

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def acked(self) -> int:
        """Events confirmed (by the hub's receipt, or the PUBACK without receipts) and removed since start."""
        return self._acked

    def start(self) -> FeedbackSync:
        if self._thread is not None:
            raise FeedbackError("FeedbackSync.start() called twice", fix="create a new FeedbackSync")
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self._session_expiry_s
        self._client.connect_async(self._host, self._port, keepalive=self._keepalive_s, clean_start=False, properties=props)
        self._client.loop_start()
        self._thread = threading.Thread(target=self._run, name="edge-feedback-sync", daemon=True)
        self._thread.start()
        log.info("feedback sync to %s started (%d events queued)", self.address, len(self._outbox))
        return self

    def stop(self) -> None:
        """Stop sending; what was not acknowledged stays in the outbox for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()
        log.info("feedback sync stopped (%d sent, %d acknowledged, %d still queued)", self._sent, self._acked, len(self._outbox))

    def notify(self) -> None:
        """Something was put in the outbox: send it now rather than at the next poll."""
        self._wake.set()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def wait_drained(self, timeout_s: float) -> bool:
        """Wait until the outbox is empty (every event acknowledged); False when the time ran out first."""
        deadline = time.monotonic() + timeout_s
        while len(self._outbox) > 0:
            if time.monotonic() >= deadline:
                return False
            self._wake.set()
            time.sleep(0.02)
        return True

    def __enter__(self) -> FeedbackSync:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- sender thread -------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self._send_some() if self._connected.is_set() else 0
            except Exception:
                log.exception("feedback sync: error while sending; retrying")
                sent = 0
            if sent == 0:
                self._wake.wait(1.0)
                self._wake.clear()

    def _send_some(self) -> int:
        now = time.monotonic()
        with self._lock:
            for mid, (_, _, sent_at) in list(self._inflight.items()):
                if now - sent_at > self._resend_after_s:
                    del self._inflight[mid]  # no PUBACK for too long: send it again
            for event_id, parked_at in list(self._parked.items()):
                if now - parked_at > self._resend_after_s:
                    del self._parked[event_id]  # the broker took it but the hub never confirmed: send again
            room = self._max_inflight - len(self._inflight)
            busy = {event_id for event_id, _, _ in self._inflight.values()} | set(self._parked)
        if room <= 0:
            return 0
        entries = self._outbox.pending_entries(room, exclude=busy)
        sent = 0
        for entry in entries:
            if self._stop.is_set() or not self._connected.is_set():
                break
            event = entry.event
            topic = f"{self._prefix}/{event.speaker}"
            # Not under self._lock: paho calls on_publish holding its own message lock (lock order).
            info = self._client.publish(topic, entry.record.encode("utf-8"), qos=FEEDBACK_QOS)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                log.debug("feedback event %s not sent (%s); will retry", event.event_id, mqtt.error_string(info.rc))
                break
            with self._lock:
                self._sent += 1
                acked_already = self._early_acks.pop(info.mid, None) is not None
                if not acked_already:
                    self._inflight[info.mid] = (event.event_id, entry.revision, time.monotonic())
            if acked_already:  # the PUBACK beat us to recording the mid
                self._acknowledge(event.event_id, entry.revision)
            sent += 1
            log.debug("sent feedback event %s (turn %s) as mid %d", event.event_id, event.turn_id, info.mid)
            if self._pace_s > 0 and self._stop.wait(self._pace_s):
                break
        return sent

    # --- paho callbacks (network thread) -------------------------------------------------------

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason_code: Any, properties: Any) -> None:
        try:
            now = time.monotonic()
            with self._lock:
                item = self._inflight.pop(mid, None)
                if item is None:  # not recorded yet (a fast broker), or a resend from before a reconnect
                    if not getattr(reason_code, "is_failure", False):
                        self._early_acks[mid] = now
                    for old in [m for m, t in self._early_acks.items() if now - t > 5.0]:
                        del self._early_acks[old]
                    return
            event_id, revision, _ = item
            if getattr(reason_code, "is_failure", False):
                log.warning("the broker refused feedback event %s (%s); it stays queued", event_id, reason_code)
                return
            self._acknowledge(event_id, revision)
        except Exception:
            log.exception("error while handling the PUBACK for mid %s", mid)

    def _acknowledge(self, event_id: str, revision: int) -> None:
        if self._receipts:
            with self._lock:
                self._parked[event_id] = time.monotonic()
            return
        try:
            if self._outbox.ack(event_id, revision):
                with self._lock:
                    self._acked += 1
            self._wake.set()
        except Exception:
            log.exception("feedback event %s was delivered but is still queued; it will be sent again", event_id)

    def _on_receipt(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            data = json.loads(msg.payload)
            event_id, digest = data["event_id"], data["digest"]
            if not isinstance(event_id, str) or not isinstance(digest, str):
                raise TypeError("event_id and digest must be strings")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring a malformed hub receipt on %s: %s", msg.topic, exc)
            return
        try:
            deleted = self._outbox.ack_digest(event_id, digest)
        except Exception:
            log.exception("feedback event %s was stored by the hub but is still queued; it will be sent again", event_id)
            return
        with self._lock:
            self._parked.pop(event_id, None)
            self._acked += int(deleted)
        if deleted:
            log.debug("the hub stored feedback event %s", event_id)
            self._wake.set()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        try:
            if reason_code.is_failure:
                if not self._warned:
                    self._warned = True
                    log.warning("the broker at %s refused the feedback sync: %s", self.address, reason_code)
                return
            no_delay(client)
            self._warned = False
            with self._lock:
                self._inflight.clear()
                self._early_acks.clear()
                self._parked.clear()  # a broker that restarted may have lost what it acknowledged
            if self._receipts:
                client.subscribe(f"{self._prefix}-receipt/+", qos=FEEDBACK_QOS)
            self._connected.set()
            self._wake.set()
            log.info("feedback sync connected to %s (session present: %s)", self.address, getattr(flags, "session_present", "?"))
        except Exception:
            log.exception("error while handling the feedback sync connection")

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        if not self._warned:
            self._warned = True
            log.warning("cannot reach the broker at %s for the feedback sync; events stay queued, retrying", self.address)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        try:
            was = self._connected.is_set()
            self._connected.clear()
            with self._lock:
                lost = len(self._inflight)
                self._inflight.clear()  # sent again after the reconnect
            if was and not self._stop.is_set():
                self._warned = True
                log.warning(
                    "feedback sync lost the broker at %s (%s); %d unacknowledged events will be sent again",
                    self.address,
                    reason_code,
                    lost,
                )
        except Exception:
            log.exception("error while handling the feedback sync disconnect")
