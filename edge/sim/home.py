"""A simulated home on a real MQTT broker, speaking Home Assistant discovery.

On every connection ``SimHome`` publishes each device's discovery config, its
availability and its state, all retained, as real firmware does after a broker
restart; it also answers Home Assistant's birth message (``<prefix>/status`` =
``online``) by announcing itself again. Commands are obeyed and the new state
is published after a small, realistic delay (``delay_s``, default 20 ms).
Devices that take time (a garage door travelling, a lock turning) schedule their
later reports themselves; devices that change on their own (a thermostat's room
temperature, an oven heating) are ticked every ``tick_s``.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from types import TracebackType
from typing import Any, Callable, Sequence, Union

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.devices.transport import no_delay
from edge.errors import EdgeError
from edge.sim.devices import Message, SimDevice, default_devices

log = logging.getLogger("edge.sim")


class SimError(EdgeError):
    code = "sim"


Due = Union[list[Message], Callable[[], list[Message]]]


class _Scheduler:
    """One thread that publishes messages (or what a callable returns) at their due time, in order."""

    def __init__(self, publish: Any) -> None:
        self._publish = publish
        self._queue: list[tuple[float, int, Due]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="edge-sim-scheduler", daemon=True)
        self._thread.start()

    def after(self, delay_s: float, messages: Due) -> None:
        with self._cond:
            heapq.heappush(self._queue, (time.monotonic() + delay_s, next(self._seq), messages))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=2.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.monotonic()):
                    self._cond.wait(self._queue[0][0] - time.monotonic() if self._queue else None)
                if self._stopped:
                    return
                _, _, due = heapq.heappop(self._queue)
            if callable(due):
                try:
                    messages = due()
                except Exception:
                    log.exception("simulated device failed on a timer")
                    continue
            else:
                messages = due
            for message in messages:
                try:
                    self._publish(message)
                except Exception:
                    log.exception("simulated device failed to publish on %s", message.topic)


class SimHome:
    """Simulated devices on the broker at host:port; a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1883,
        prefix: str = "homeassistant",
        devices: Sequence[SimDevice] | None = None,
        *,
        delay_s: float = 0.02,
        tick_s: float = 1.0,
        client_id: str = "",
    ) -> None:
        self.host = host
        self.port = port
        self.prefix = prefix.rstrip("/")
        self.delay_s = delay_s
        self.tick_s = tick_s
        self._devices = tuple(devices) if devices is not None else tuple(default_devices())
        self._by_id = {d.unique_id: d for d in self._devices}
        if len(self._by_id) != len(self._devices):
            raise SimError("two simulated devices share a unique_id", fix="give each device its own unique_id")
        self._by_command = {t: d for d in self._devices for t in d.command_topics()}
        self._connected = threading.Event()
        self._started = False
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        self._client.reconnect_delay_set(min_delay=1, max_delay=5)
        self._client.suppress_exceptions = True
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._scheduler: _Scheduler | None = None
        self._announced: list[mqtt.MQTTMessageInfo] = []

    @property
    def devices(self) -> tuple[SimDevice, ...]:
        return self._devices

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def device(self, unique_id: str) -> SimDevice:
        try:
            return self._by_id[unique_id]
        except KeyError:
            raise SimError(f"no simulated device {unique_id!r}", fix="use one of: " + ", ".join(self._by_id)) from None

    def state(self, unique_id: str) -> str:
        """The device's own normalised state: "on" / "off", "open" / "opening"..., "locked", a reading."""
        return self.device(unique_id).state

    def received(self, unique_id: str) -> list[str]:
        """Every command payload the device received, oldest first."""
        return self.device(unique_id).received()

    def start(self, wait_s: float | None = 5.0) -> SimHome:
        """Connect and announce every device; returns once the announcement is on the broker.

        Waits up to wait_s (None: do not wait; paho keeps retrying in the background).
        """
        if self._started:
            return self
        self._started = True
        self._scheduler = _Scheduler(self._publish)
        if any(d.ticks for d in self._devices):
            self._scheduler.after(self.tick_s, self._tick)
        self._client.connect_async(self.host, self.port, keepalive=30)
        self._client.loop_start()
        if wait_s is None:
            return self
        deadline = time.monotonic() + wait_s
        if not self._connected.wait(wait_s):
            self.stop()
            raise SimError(
                f"the simulated home could not reach the MQTT broker at {self.host}:{self.port} within {wait_s:g} s",
                fix="start the broker first (mosquitto), or pass --host / --port",
            )
        for info in self._announced:  # retained on the broker before start() returns
            try:
                info.wait_for_publish(timeout=max(deadline - time.monotonic(), 0.1))
            except (RuntimeError, ValueError):
                break  # lost the broker meanwhile; the next connection announces again
        return self

    def stop(self, *, clear: bool = False) -> None:
        """Mark every device offline and disconnect; clear=True also removes the retained discovery and state."""
        if not self._started:
            return
        self._started = False
        if self._scheduler is not None:
            self._scheduler.stop()
            self._scheduler = None
        if self.connected:
            infos = []
            for device in self._devices:
                for message in device.availability_messages(False):
                    infos.append(self._client.publish(message.topic, message.payload, qos=1, retain=True))
                if clear:
                    infos.append(self._client.publish(device.discovery_topic(self.prefix), b"", qos=1, retain=True))
                    for message in device.current_state_messages():
                        infos.append(self._client.publish(message.topic, b"", qos=1, retain=True))
            for info in infos:
                try:
                    info.wait_for_publish(timeout=2.0)
                except (RuntimeError, ValueError):
                    pass  # lost the broker meanwhile: nothing more to tidy
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def announce(self) -> list[mqtt.MQTTMessageInfo]:
        """Publish every device's discovery config, availability and state (retained)."""
        infos = []
        for device in self._devices:
            config = json.dumps(device.discovery_config())
            infos.append(self._client.publish(device.discovery_topic(self.prefix), config, qos=1, retain=True))
            for message in device.availability_messages(True) + device.current_state_messages():
                infos.append(self._publish(message))
        return infos

    def publish_state(self, unique_id: str) -> None:
        """Publish a device's current state now (after changing it by hand, e.g. ``set_on``)."""
        for message in self.device(unique_id).current_state_messages():
            self._publish(message)

    def _tick(self) -> list[Message]:
        messages: list[Message] = []
        if self.connected:
            for device in self._devices:
                if device.ticks:
                    messages += device.run_tick(self.tick_s)
                    self._schedule_timers(device)
        if self._scheduler is not None:
            self._scheduler.after(self.tick_s, self._tick)
        return messages

    def _schedule_timers(self, device: SimDevice, offset_s: float = 0.0) -> None:
        scheduler = self._scheduler
        if scheduler is None:
            return
        for delay_s, action in device.take_timers():

            def fire(action: Callable[[], list[Message]] = action) -> list[Message]:
                messages = device.run_timer(action)
                self._schedule_timers(device)
                return messages

            scheduler.after(offset_s + delay_s, fire)

    def __enter__(self) -> SimHome:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # --- MQTT ----------------------------------------------------------------------------------

    def _publish(self, message: Message) -> mqtt.MQTTMessageInfo:
        return self._client.publish(message.topic, message.payload, qos=1, retain=message.retain)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        try:
            if reason_code.is_failure:
                log.warning("the broker refused the simulated home: %s", reason_code)
                return
            no_delay(client)
            topics = [(t, 1) for t in self._by_command] + [(f"{self.prefix}/status", 1)]
            client.subscribe(topics)
            self._announced = self.announce()
            log.info("simulated home with %d devices on %s:%d", len(self._devices), self.host, self.port)
            self._connected.set()
        except Exception:
            log.exception("simulated home failed to announce itself")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        self._connected.clear()
        if self._started:
            log.warning("simulated home lost the broker (%s); reconnecting", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            payload = msg.payload.decode("utf-8", errors="replace")
            if msg.topic == f"{self.prefix}/status":
                if payload == "online":
                    self.announce()
                return
            device = self._by_command.get(msg.topic)
            if device is None:
                return
            replies = device.handle(msg.topic, payload)
            log.debug("%s got %r", device.unique_id, payload)
            delay = device.delay_s if device.delay_s is not None else self.delay_s
            if replies and self._scheduler is not None:
                self._scheduler.after(delay, replies)
            self._schedule_timers(device, delay)
        except Exception:
            log.exception("simulated device failed on a message to %s", msg.topic)
