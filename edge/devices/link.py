"""The MQTT connection to the home: discovery in, commands out, state back.

``DeviceLink`` runs paho-mqtt's own network thread. It connects asynchronously,
so a broker that is down at start is not an error: paho retries with a delay
doubling from 1 s to ``MqttSettings.reconnect_max_s``, and every connection
(re)subscribes to discovery and to the state and availability topics of the
entities known so far. Each change of link state is logged once. No callback
exception reaches the network thread.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
from types import TracebackType
from typing import Any, Iterable, Mapping

import paho.mqtt.client as mqtt

from edge.config import MqttSettings
from edge.devices.discovery import Discovered, Removed, match_topic, parse_discovery
from edge.devices.domains import build_command
from edge.devices.entity import Entity
from edge.devices.errors import DeviceUnreachableError, DiscoveryError
from edge.devices.pending import PendingAction
from edge.devices.registry import Registry, StateReport
from edge.devices.templates import template_supported
from edge.devices.transport import no_delay
from edge.errors import DeviceError
from edge.mqtt_client import new_client

log = logging.getLogger("edge.devices")

DISCOVERY_QUIET_S = 0.15  # retained discovery has settled when nothing new came for this long
_PENDING_MAX_AGE_S = 120.0
_SUB_QOS = 1
_COMMAND_QOS = 1


class LinkState(str, enum.Enum):
    STOPPED = "stopped"
    CONNECTING = "connecting"  # first connection not made yet
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # was connected, lost it, retrying


class DeviceLink:
    """Discovery, state and commands over one MQTT connection (paho-mqtt 2.x, own network thread)."""

    def __init__(
        self,
        settings: MqttSettings,
        client_id: str,
        *,
        registry: Registry | None = None,
        registry_path: str | os.PathLike[str] | None = None,
        ignore_node_ids: Iterable[str] = (),
    ) -> None:
        """registry_path: persist the discovered entities there (None: not persisted); not with registry.
        ignore_node_ids: discovery node ids that are not devices to control (this speaker's own entities)."""
        if registry is not None and registry_path is not None:
            raise DeviceError(
                "DeviceLink takes a registry or a registry_path, not both",
                fix="pass Registry(path) as registry, or only registry_path",
            )
        self._settings = settings
        self._registry = registry if registry is not None else Registry(registry_path)
        self._prefix = settings.discovery_prefix.rstrip("/")
        self._ignore_nodes = frozenset(ignore_node_ids)
        self._discovery_subs = (f"{self._prefix}/+/+/config", f"{self._prefix}/+/+/+/config")
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._state = LinkState.STOPPED
        self._stopping = False
        self._warned_unreachable = False
        self._subscribed: set[str] = set()
        self._pending_subs: set[int] = set()
        self._discovery_mid: int | None = None
        self._discovery_acked = False
        self._activity_monotonic = 0.0
        self._pending: list[PendingAction] = []
        self._client = self._make_client(client_id)
        self._remove_listener = self._registry.add_listener(self._on_state_report)

    def _make_client(self, client_id: str) -> mqtt.Client:
        s = self._settings
        client = new_client(
            client_id, reconnect_max_s=s.reconnect_max_s, username=s.username, password=s.password, tls=s.tls,
            ca_file=s.ca_file, error=DeviceError,
        )  # fmt: skip
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    # --- public API ----------------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        return self._registry

    @property
    def settings(self) -> MqttSettings:
        return self._settings

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def connected(self) -> bool:
        return self._state is LinkState.CONNECTED

    @property
    def address(self) -> str:
        return f"{self._settings.host}:{self._settings.port}"

    def start(self) -> DeviceLink:
        """Start the network thread and connect in the background; never fails for a down broker."""
        with self._lock:
            if self._state is not LinkState.STOPPED or self._stopping:
                raise DeviceError("DeviceLink.start() called twice", fix="create a new DeviceLink")
            self._state = LinkState.CONNECTING
        self._client.connect_async(self._settings.host, self._settings.port, keepalive=self._settings.keepalive_s)
        self._client.loop_start()
        log.info("connecting to the MQTT broker at %s", self.address)
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopping or self._state is LinkState.STOPPED:
                return
            self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()
        with self._cond:
            self._state = LinkState.STOPPED
            pending, self._pending = self._pending, []
            self._cond.notify_all()
        for action in pending:
            action._connection_lost("the link was stopped")
        self._remove_listener()
        log.info("disconnected from the MQTT broker at %s", self.address)

    def __enter__(self) -> DeviceLink:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def wait_connected(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not self.connected:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def wait_for_discovery(self, timeout_s: float | None = None) -> bool:
        """Wait until retained discovery (and the states it leads to) stopped arriving.

        True once connected, subscribed, and nothing new came for DISCOVERY_QUIET_S;
        False when timeout_s (default ``settings.discovery_wait_s``, at most 1 s) ran out first.
        """
        timeout = self._settings.discovery_wait_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                ready = self.connected and self._discovery_acked and not self._pending_subs
                if ready and now - self._activity_monotonic >= DISCOVERY_QUIET_S:
                    return True
                remaining = deadline - now
                if remaining <= 0:
                    return False
                if ready:
                    remaining = min(remaining, self._activity_monotonic + DISCOVERY_QUIET_S - now)
                self._cond.wait(max(remaining, 0.001))

    def publish_command(self, entity: Entity | str, service: str, data: Mapping[str, Any] | None = None) -> PendingAction:
        """Publish a service call to the entity's command topic(s) at QoS 1.

        Services: turn_on / turn_off / toggle (light with brightness, brightness_pct,
        color_temp_kelvin, rgb_color; fan with percentage), set_percentage,
        set_temperature / set_hvac_mode, open_cover / close_cover / stop_cover /
        set_cover_position, lock / unlock / open, press (button), activate (scene).
        Returns at once; ``PendingAction.wait()`` gives the ActionResult. Raises
        DeviceUnreachableError when the broker is not connected (nothing is
        queued for later), CommandError for a service or data the entity lacks.
        """
        target = self._resolve(entity)
        command = build_command(target, service, data, current_state=self._registry.state(target.unique_id))
        if not self.connected:
            raise DeviceUnreachableError(
                f"cannot reach the MQTT broker at {self.address}, so {target.name!r} was not switched",
                fix="check that the broker is running and reachable; edge reconnects by itself",
            )
        action = PendingAction(self._forget, self._registry.state, target, command, service, self._settings.confirm_timeout_s)
        with self._lock:
            now = time.monotonic()
            self._pending = [p for p in self._pending if now - p.published_monotonic < _PENDING_MAX_AGE_S]
            self._pending.append(action)
        action.published_monotonic = time.monotonic()
        for message in command.publishes:
            info = self._client.publish(message.topic, message.payload, qos=_COMMAND_QOS, retain=message.retain)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                self._forget(action)
                raise DeviceUnreachableError(
                    f"publishing to {message.topic} failed ({mqtt.error_string(info.rc)}); {target.name!r} was not switched",
                    fix="check the broker connection; edge reconnects by itself",
                )
            log.debug("published %r to %s for %s (%s)", message.payload, message.topic, target.unique_id, service)
        if not command.confirmable:  # nothing will report it (no state topic, a button, a scene)
            if command.expected_state is not None or command.expected:
                self._registry.set_state(target.unique_id, command.expected_state, command.payload, dict(command.expected))
            action._resolve_optimistic()
        return action

    def _resolve(self, entity: Entity | str) -> Entity:
        if isinstance(entity, Entity):
            return entity
        found = self._registry.get(entity)
        if found is None:
            raise DeviceError(f"no discovered entity with unique_id {entity!r}", fix="check the device's discovery")
        return found

    def _forget(self, action: PendingAction) -> None:
        with self._lock:
            if action in self._pending:
                self._pending.remove(action)

    # --- paho callbacks (network thread) -------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        try:
            if reason_code.is_failure:
                with self._lock:
                    first = not self._warned_unreachable
                    self._warned_unreachable = True
                if first:
                    log.warning("the MQTT broker at %s refused the connection: %s", self.address, reason_code)
                return
            with self._cond:
                self._state = LinkState.CONNECTED
                self._warned_unreachable = False
                self._subscribed.clear()
                self._pending_subs.clear()
                self._discovery_acked = False
                self._activity_monotonic = time.monotonic()
                self._cond.notify_all()
            no_delay(client)
            log.info("connected to the MQTT broker at %s", self.address)
            result, mid = client.subscribe([(t, _SUB_QOS) for t in self._discovery_subs])
            with self._cond:
                if result == mqtt.MQTT_ERR_SUCCESS and mid is not None:
                    self._discovery_mid = mid
                    self._pending_subs.add(mid)
            self._sync_subscriptions()
        except Exception:
            log.exception("error while handling the broker connection")

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        try:
            with self._lock:
                first = not self._warned_unreachable
                self._warned_unreachable = True
            if first:
                log.warning(
                    "cannot reach the MQTT broker at %s; retrying every 1 s, backing off to %g s",
                    self.address,
                    self._settings.reconnect_max_s,
                )
        except Exception:
            log.exception("error while handling a failed connection attempt")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        try:
            with self._cond:
                was_connected = self._state is LinkState.CONNECTED
                if self._stopping:
                    self._state = LinkState.STOPPED
                elif was_connected:
                    self._state = LinkState.RECONNECTING
                    self._warned_unreachable = True  # the loss is the one message for this outage
                self._subscribed.clear()
                self._pending_subs.clear()
                self._discovery_acked = False
                pending, self._pending = self._pending, []
                self._cond.notify_all()
            if was_connected and not self._stopping:
                log.warning(
                    "lost the MQTT broker at %s (%s); reconnecting with backoff up to %g s",
                    self.address,
                    reason_code,
                    self._settings.reconnect_max_s,
                )
            for action in pending:
                action._connection_lost(f"lost the connection to the MQTT broker at {self.address}")
        except Exception:
            log.exception("error while handling a disconnect")

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reason_codes: Any, properties: Any) -> None:
        try:
            with self._cond:
                self._pending_subs.discard(mid)
                if mid == self._discovery_mid:
                    self._discovery_acked = True
                self._activity_monotonic = time.monotonic()
                self._cond.notify_all()
            failed = [rc for rc in reason_codes if getattr(rc, "is_failure", False)]
            if failed:
                log.warning("the broker refused a subscription (mid %d): %s", mid, failed)
        except Exception:
            log.exception("error while handling a subscription ack")

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            topic = msg.topic
            is_config = match_topic(topic, self._prefix) is not None
            if is_config or msg.retain:
                with self._cond:
                    self._activity_monotonic = time.monotonic()
                    self._cond.notify_all()
            if is_config:
                self._handle_discovery(topic, msg.payload)
            else:
                self._registry.apply_message(topic, msg.payload)
        except Exception:
            log.exception("error while handling a message on %s", getattr(msg, "topic", "?"))

    def _on_state_report(self, report: StateReport) -> None:
        with self._lock:
            waiting = [p for p in self._pending if p.unique_id == report.unique_id]
        for action in waiting:
            action._offer(report)

    # --- discovery -----------------------------------------------------------------------------

    def _handle_discovery(self, topic: str, payload: bytes) -> None:
        where = match_topic(topic, self._prefix)
        if where is not None and where.node_id and where.node_id in self._ignore_nodes:
            log.debug("skipping discovery message on %s: this speaker's own entity", topic)
            return
        try:
            result = parse_discovery(topic, payload, self._prefix)
        except DiscoveryError as exc:
            log.warning("skipping discovery message on %s: %s", topic, exc.reason)
            return
        if isinstance(result, Removed):
            removed = self._registry.remove_by_discovery_topic(topic)
            if removed is not None:
                log.info("removed %s %r (%s)", removed.domain, removed.name, removed.unique_id)
                self._sync_subscriptions()
            return
        if not isinstance(result, Discovered):
            log.debug("skipping discovery message on %s: %s", topic, result.reason)
            return
        entity = result.entity
        previous = self._registry.by_discovery_topic(topic)
        if previous is not None and previous.unique_id != entity.unique_id:
            self._registry.remove(previous.unique_id)
        other = self._registry.get(entity.unique_id)
        if other is not None and other.discovery_topic != topic:
            log.warning("unique_id %s from %s replaces the one from %s", entity.unique_id, topic, other.discovery_topic)
        if self._registry.add(entity):
            where = f" in area {entity.area!r}" if entity.area else ""
            log.info("discovered %s %r%s (%s)", entity.domain, entity.name, where, entity.unique_id)
            if entity.value_template and not template_supported(entity.value_template):
                log.warning("state of %r cannot be read: unsupported template %r", entity.name, entity.value_template)
        self._sync_subscriptions()

    def _sync_subscriptions(self) -> None:
        """Subscribe to the topics of known entities, unsubscribe from those nobody reports on any more."""
        with self._lock:
            if not self.connected:
                return
            wanted = self._registry.topics()
            new = sorted(wanted - self._subscribed)
            gone = sorted(self._subscribed - wanted)
            if new:
                result, mid = self._client.subscribe([(t, _SUB_QOS) for t in new])
                if result == mqtt.MQTT_ERR_SUCCESS and mid is not None:
                    self._subscribed.update(new)
                    self._pending_subs.add(mid)
            if gone:
                self._client.unsubscribe(gone)
                self._subscribed.difference_update(gone)
