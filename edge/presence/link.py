"""The speaker's own MQTT connection: its last will, its announcements, its commands.

Separate from ``DeviceLink`` because the will ("offline" on the availability
topic) belongs to the connection. paho-mqtt runs its own network thread and
reconnects with backoff; every (re)connection publishes "online" (retained),
re-subscribes, and runs the connect hooks (discovery, current states).
Publishing while disconnected drops the message (the hooks republish states);
no callback exception reaches the network thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import paho.mqtt.client as mqtt

from edge.config import MqttSettings
from edge.devices.transport import no_delay
from edge.errors import BrokerError
from edge.mqtt_client import new_client

_LOG = logging.getLogger("edge.presence")


class SpeakerLink:
    def __init__(self, settings: MqttSettings, client_id: str, availability_topic: str) -> None:
        self.settings = settings
        self.availability_topic = availability_topic
        self._handlers: dict[str, Callable[[str], None]] = {}
        self._hooks: list[Callable[[], None]] = []
        self._connected = threading.Event()
        self._announced = threading.Event()  # connected, and the connect hooks have run
        self._started = False
        client = new_client(
            client_id, reconnect_max_s=settings.reconnect_max_s, username=settings.username, password=settings.password,
            tls=settings.tls, ca_file=settings.ca_file, error=BrokerError,
        )  # fmt: skip
        client.will_set(availability_topic, "offline", qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        """True once connected and announced (the connect hooks ran)."""
        return self._announced.wait(timeout_s)

    def subscribe(self, topic: str, handler: Callable[[str], None]) -> None:
        """``handler(payload text)`` for every message on ``topic`` (exact topic, no wildcards)."""
        self._handlers[topic] = handler
        if self.connected:
            self._client.subscribe(topic, qos=1)

    def add_connect_hook(self, hook: Callable[[], None]) -> None:
        self._hooks.append(hook)
        if self.connected:
            hook()

    def publish(self, topic: str, payload: str, *, retain: bool = False, qos: int = 0) -> bool:
        """Send now; False (and nothing queued) when the broker is not connected."""
        if not self.connected:
            _LOG.debug("not connected: dropped a message for %s", topic)
            return False
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def start(self) -> SpeakerLink:
        if self._started:
            raise BrokerError("SpeakerLink.start() called twice", fix="create a new SpeakerLink")
        self._started = True
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=self.settings.keepalive_s)
        self._client.loop_start()
        return self

    def stop(self) -> None:
        """Say "offline" (the will covers a crash; this covers a clean stop), then disconnect."""
        if not self._started:
            return
        self._started = False
        if self.connected:
            info = self._client.publish(self.availability_topic, "offline", qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                pass  # the connection went meanwhile: the broker sends the will instead
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()
        self._announced.clear()

    # -- paho callbacks (network thread) -----------------------------------------------
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        try:
            if reason_code.is_failure:
                _LOG.warning("the MQTT broker refused the speaker's connection: %s", reason_code)
                return
            no_delay(client)
            self._connected.set()
            client.publish(self.availability_topic, "online", qos=1, retain=True)
            for topic in self._handlers:
                client.subscribe(topic, qos=1)
            for hook in list(self._hooks):
                hook()
            self._announced.set()
            _LOG.info("speaker announced on the MQTT broker at %s:%d", self.settings.host, self.settings.port)
        except Exception:
            _LOG.exception("error while announcing the speaker")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        self._connected.clear()
        self._announced.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            handler = self._handlers.get(msg.topic)
            if handler is not None:
                handler(msg.payload.decode("utf-8", "replace"))
        except Exception:
            _LOG.exception("error while handling a message on %s", msg.topic)
