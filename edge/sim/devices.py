"""Simulated devices that describe themselves with Home Assistant MQTT discovery.

Each device builds its discovery config the way a real firmware does: full
keys (most integrations), abbreviated keys (Tasmota, ESPHome), the ``~`` base
topic (Tasmota, Zigbee2MQTT-style), ``name: null`` with the device's name
(Zigbee2MQTT). A device obeys commands on its command topic and reports its
state; the home publishes what it returns. A new domain (fan, climate, cover,
lock, sensor...) is one more ``SimDevice`` subclass.
"""

from __future__ import annotations

import json
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from edge.devices.abbreviations import ABBREVIATIONS, DEVICE_ABBREVIATIONS, abbreviate
from edge.devices.entity import OFF, ON


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: str
    retain: bool = True


@dataclass(frozen=True, slots=True)
class SimAvailability:
    """An availability topic: plain payloads, or JSON read with a template (Zigbee2MQTT's bridge state)."""

    topic: str
    online: str = "online"
    offline: str = "offline"
    json_key: str = ""  # "state": publishes {"state": "online"}, announces {{ value_json.state }}
    as_list: bool = False  # announce in the "availability" list form instead of availability_topic

    def payload(self, online: bool) -> str:
        value = self.online if online else self.offline
        return json.dumps({self.json_key: value}) if self.json_key else value

    def config(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"topic": self.topic}
        if self.online != "online":
            entry["payload_available"] = self.online
        if self.offline != "offline":
            entry["payload_not_available"] = self.offline
        if self.json_key:
            entry["value_template"] = f"{{{{ value_json.{self.json_key} }}}}"
        if self.as_list:
            return {"availability": [entry]}
        out = {"availability_topic": entry.pop("topic")}
        out.update(entry)
        if "value_template" in out:
            out["availability_template"] = out.pop("value_template")
        return out


def object_id_for(unique_id: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]+", "_", unique_id).strip("_") or "device"


class SimDevice(ABC):
    """One simulated entity (and its device). Thread-safe: commands arrive on the MQTT thread."""

    component: ClassVar[str]
    model: ClassVar[str] = "edge simulated device"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        device_name: str | None = None,
        node_id: str = "",
        abbreviated: bool = False,
        tilde: bool = False,
        availability: SimAvailability | None = None,
        delay_s: float | None = None,
    ) -> None:
        self.unique_id = unique_id
        self.name = name  # None: announce name null, people use the device name (Zigbee2MQTT)
        self.area = area
        self.base_topic = base_topic
        self.device_name = device_name if device_name is not None else (name or unique_id)
        self.node_id = node_id
        self.abbreviated = abbreviated
        self.tilde = tilde
        self.availability = availability
        self.delay_s = delay_s  # None: the home's delay
        self._lock = threading.Lock()
        self._received: list[str] = []

    @property
    def object_id(self) -> str:
        return object_id_for(self.unique_id)

    def discovery_topic(self, prefix: str) -> str:
        parts = [prefix.rstrip("/"), self.component, *([self.node_id] if self.node_id else []), self.object_id]
        return "/".join(parts) + "/config"

    def discovery_config(self) -> dict[str, Any]:
        """The config as this device's firmware would send it (abbreviations and ~ applied)."""
        config: dict[str, Any] = {"name": self.name, "unique_id": self.unique_id}
        config.update(self.entity_config())
        config["device"] = {
            "identifiers": [f"edge_sim_{self.object_id}"],
            "name": self.device_name,
            "manufacturer": "edge",
            "model": self.model,
            "suggested_area": self.area,
        }
        if self.availability is not None:
            config.update(self.availability.config())
        if self.tilde:
            config = self._with_tilde(config)
        if self.abbreviated:
            config = abbreviate(config, ABBREVIATIONS)
            config["dev"] = abbreviate(config["dev"], DEVICE_ABBREVIATIONS)
            if "avty" in config:
                config["avty"] = [abbreviate(a, ABBREVIATIONS) for a in config["avty"]]
        return config

    def _with_tilde(self, config: dict[str, Any]) -> dict[str, Any]:
        base = self.base_topic

        def short(topic: str) -> str:
            return "~" + topic[len(base) :] if topic.startswith(base) else topic

        out = {k: short(v) if k.endswith("topic") and isinstance(v, str) else v for k, v in config.items()}
        if isinstance(out.get("availability"), list):
            out["availability"] = [{**a, "topic": short(a["topic"])} for a in out["availability"]]
        out["~"] = base
        return out

    @abstractmethod
    def command_topics(self) -> tuple[str, ...]:
        """Every topic this device takes commands on."""

    @abstractmethod
    def entity_config(self) -> dict[str, Any]:
        """The domain's keys, full names, full topics."""

    @abstractmethod
    def apply_command(self, topic: str, payload: str) -> bool:
        """Obey a command (lock held); True when the device should report its state."""

    @abstractmethod
    def state_messages(self) -> list[Message]:
        """The current state as the device publishes it."""

    @property
    @abstractmethod
    def state(self) -> str:
        """Normalised state for tests ("on" / "off")."""

    def handle(self, topic: str, payload: str) -> list[Message]:
        """Record and obey one command; the state messages to publish (after the delay)."""
        with self._lock:
            self._received.append(payload)
            return self.state_messages() if self.apply_command(topic, payload) else []

    def current_state_messages(self) -> list[Message]:
        with self._lock:
            return self.state_messages()

    def received(self) -> list[str]:
        with self._lock:
            return list(self._received)

    def availability_messages(self, online: bool) -> list[Message]:
        if self.availability is None:
            return []
        return [Message(self.availability.topic, self.availability.payload(online))]


class SimPowered(SimDevice):
    """A device that is on or off, commanded on one topic and reporting on one topic."""

    def __init__(
        self, unique_id: str, name: str | None, area: str, *, command_topic: str, state_topic: str, **kwargs: Any
    ) -> None:
        super().__init__(unique_id, name, area, **kwargs)
        self.command_topic = command_topic
        self.state_topic = state_topic
        self._on = False

    def command_topics(self) -> tuple[str, ...]:
        return (self.command_topic,)

    @property
    def state(self) -> str:
        with self._lock:
            return ON if self._on else OFF

    def set_on(self, on: bool) -> None:
        """Flip it by hand (someone at the wall switch); ``SimHome.publish_state`` reports it."""
        with self._lock:
            self._on = on


class SimOnOff(SimPowered):
    """A device with plain ON/OFF payloads; the state may be JSON read with a template (Tasmota's POWER)."""

    template_key: ClassVar[str] = "value_template"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        command_suffix: str = "/set",
        state_suffix: str = "",
        payload_on: str = "ON",
        payload_off: str = "OFF",
        state_on: str | None = None,
        state_off: str | None = None,
        state_json_key: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            unique_id,
            name,
            area,
            base_topic=base_topic,
            command_topic=base_topic + command_suffix,
            state_topic=base_topic + state_suffix,
            **kwargs,
        )
        self.payload_on = payload_on
        self.payload_off = payload_off
        self.state_on = state_on if state_on is not None else payload_on
        self.state_off = state_off if state_off is not None else payload_off
        self.state_json_key = state_json_key

    def entity_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"command_topic": self.command_topic, "state_topic": self.state_topic}
        if self.payload_on != "ON" or self.payload_off != "OFF":
            config.update(payload_on=self.payload_on, payload_off=self.payload_off)
        if self.state_json_key:
            config[self.template_key] = f"{{{{ value_json.{self.state_json_key} }}}}"
        return config

    def apply_command(self, topic: str, payload: str) -> bool:
        if payload == self.payload_on:
            self._on = True
        elif payload == self.payload_off:
            self._on = False
        else:
            return False  # firmware ignores what it does not understand
        return True

    def state_messages(self) -> list[Message]:
        value = self.state_on if self._on else self.state_off
        payload = json.dumps({self.state_json_key: value}) if self.state_json_key else value
        return [Message(self.state_topic, payload)]


class SimLight(SimOnOff):
    """A light with the default schema (reports its payload_on / payload_off)."""

    component = "light"
    model = "edge simulated light"
    template_key = "state_value_template"

    def __init__(self, unique_id: str, name: str | None, area: str, **kwargs: Any) -> None:
        if "state_on" in kwargs or "state_off" in kwargs:
            raise TypeError("a default-schema light reports payload_on / payload_off; it has no state_on")
        super().__init__(unique_id, name, area, **kwargs)


class SimSwitch(SimOnOff):
    """A switch; state_on / state_off may differ from the command payloads."""

    component = "switch"
    model = "edge simulated switch"

    def entity_config(self) -> dict[str, Any]:
        config = super().entity_config()
        if self.state_on != self.payload_on or self.state_off != self.payload_off:
            config.update(state_on=self.state_on, state_off=self.state_off)
        return config


class SimJsonLight(SimPowered):
    """A light with the JSON schema: {"state": "ON", "brightness": 128} both ways (Zigbee2MQTT's lights)."""

    component = "light"
    model = "edge simulated JSON light"

    def __init__(self, unique_id: str, name: str | None, area: str, *, base_topic: str, **kwargs: Any) -> None:
        super().__init__(
            unique_id, name, area, base_topic=base_topic, command_topic=base_topic + "/set", state_topic=base_topic, **kwargs
        )
        self.brightness = 254

    def entity_config(self) -> dict[str, Any]:
        return {
            "schema": "json",
            "command_topic": self.command_topic,
            "state_topic": self.state_topic,
            "brightness": True,
            "supported_color_modes": ["brightness"],
        }

    def apply_command(self, topic: str, payload: str) -> bool:
        try:
            body = json.loads(payload)
        except ValueError:
            return False
        if not isinstance(body, dict):
            return False
        if body.get("state") in ("ON", "OFF"):
            self._on = body["state"] == "ON"
        brightness = body.get("brightness")
        if isinstance(brightness, int) and not isinstance(brightness, bool) and 0 <= brightness <= 255:
            self.brightness = brightness
            self._on = self._on or brightness > 0
        return True

    def state_messages(self) -> list[Message]:
        body = {"state": "ON" if self._on else "OFF", "brightness": self.brightness, "linkquality": 120}
        return [Message(self.state_topic, json.dumps(body))]


def default_devices(root: str = "edgesim") -> list[SimDevice]:
    """A small house: every style of discovery edge must read. Topics live under root."""
    z2m = f"{root}/zigbee2mqtt"
    bridge = SimAvailability(f"{z2m}/bridge/state", json_key="state", as_list=True)

    def tasmota(name: str) -> dict[str, Any]:
        base = f"{root}/tasmota/{name}/"
        return {
            "base_topic": base,
            "command_suffix": "cmnd/POWER",
            "state_suffix": "stat/RESULT",
            "state_json_key": "POWER",
            "abbreviated": True,
            "tilde": True,
            "availability": SimAvailability(base + "tele/LWT", online="Online", offline="Offline"),
        }

    return [
        SimLight(
            "sim_kitchen_light",
            "Kitchen Light",
            "Kitchen",
            base_topic=f"{root}/kitchen/light",
            node_id="sim_kitchen",
            availability=SimAvailability(f"{root}/kitchen/light/availability"),
        ),
        SimLight("A1B2C3_LI_1", "Living Room Lamp", "Living Room", **tasmota("living_room_lamp")),
        SimJsonLight(
            "0x00158d0001a2b3c4_light_zigbee2mqtt",
            None,
            "living_room",
            device_name="Living Room Ceiling Light",
            base_topic=f"{z2m}/Living Room Ceiling Light",
            abbreviated=True,
            tilde=True,
            availability=bridge,
        ),
        SimLight(
            "sim_bedroom_light",
            "Bedroom Light",
            "Bedroom",
            base_topic=f"{root}/bedroom/light",
            payload_on="on",
            payload_off="off",
            abbreviated=True,
        ),
        SimLight(
            "sim_office_light",
            "Office Light",
            "Office",
            base_topic=f"{root}/office/light",
            state_suffix="/state",
            state_json_key="state",
        ),
        SimSwitch(
            "sim_coffee_maker",
            "Coffee Maker",
            "Kitchen",
            base_topic=f"{root}/kitchen/coffee_maker",
            state_suffix="/state",
            state_on="on",
            state_off="off",
        ),
        SimSwitch("D4E5F6_RL_1", "Desk Fan", "Office", **tasmota("desk_fan")),
        SimLight("sim_porch_light", "Porch Light", "Outside", base_topic=f"{root}/porch/light"),
        SimJsonLight("sim_hallway_light", "Hallway Light", "Hallway", base_topic=f"{root}/hallway/light"),
    ]
