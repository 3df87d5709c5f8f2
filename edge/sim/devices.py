"""Simulated devices that describe themselves with Home Assistant MQTT discovery.

Each device builds its discovery config the way a real firmware does: full
keys (most integrations), abbreviated keys (Tasmota, ESPHome), the ``~`` base
topic (Tasmota, Zigbee2MQTT-style), ``name: null`` with the device's name
(Zigbee2MQTT). A device obeys commands on its command topic and reports its
state; the home publishes what it returns. A device that takes time schedules
later reports with ``later()``; one that changes by itself overrides ``tick()``.
Lights and switches are here; the other domains are in ``edge.sim.appliances``,
the default house in ``edge.sim.house``.
"""

from __future__ import annotations

import json
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

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
        self._timers: list[tuple[float, Callable[[], list[Message]]]] = []

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

    # --- time -------------------------------------------------------------------------------

    ticks: ClassVar[bool] = False  # True: the home calls tick() every tick_s

    def tick(self, dt_s: float) -> list[Message]:
        """Change by itself over dt_s (lock held); the state messages to publish now."""
        return []

    def later(self, delay_s: float, action: Callable[[], list[Message]]) -> None:
        """Run action (lock held) delay_s after now and publish what it returns; call with the lock held."""
        self._timers.append((delay_s, action))

    def take_timers(self) -> list[tuple[float, Callable[[], list[Message]]]]:
        with self._lock:
            timers, self._timers = self._timers, []
            return timers

    def run_timer(self, action: Callable[[], list[Message]]) -> list[Message]:
        with self._lock:
            return action()

    def run_tick(self, dt_s: float) -> list[Message]:
        with self._lock:
            return self.tick(dt_s)

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
    """A light with the default schema: payload_on / payload_off, and optionally one topic pair per attribute.

    ``brightness`` / ``color_temp`` / ``rgb`` add ``<base>/brightness[/set]``,
    ``<base>/color_temp[/set]`` (mireds) and ``<base>/rgb[/set]`` ("r,g,b").
    """

    component = "light"
    model = "edge simulated light"
    template_key = "state_value_template"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        brightness: bool = False,
        brightness_scale: int = 255,
        color_temp: bool = False,
        rgb: bool = False,
        **kwargs: Any,
    ) -> None:
        if "state_on" in kwargs or "state_off" in kwargs:
            raise TypeError("a default-schema light reports payload_on / payload_off; it has no state_on")
        super().__init__(unique_id, name, area, **kwargs)
        base = kwargs["base_topic"]
        self.brightness_scale = brightness_scale
        self.attribute_topics = {
            key: (f"{base}/{key}/set", f"{base}/{key}")
            for key, wanted in (("brightness", brightness), ("color_temp", color_temp), ("rgb", rgb))
            if wanted
        }
        self.brightness = brightness_scale
        self.color_temp_mireds = 300
        self.rgb_color = (255, 255, 255)

    def command_topics(self) -> tuple[str, ...]:
        return (self.command_topic, *(cmd for cmd, _ in self.attribute_topics.values()))

    def entity_config(self) -> dict[str, Any]:
        config = super().entity_config()
        for key, (cmd, state) in self.attribute_topics.items():
            config[f"{key}_command_topic"] = cmd
            config[f"{key}_state_topic"] = state
        if "brightness" in self.attribute_topics and self.brightness_scale != 255:
            config["brightness_scale"] = self.brightness_scale
        if "color_temp" in self.attribute_topics:
            config.update(min_mireds=153, max_mireds=500)
        return config

    def apply_command(self, topic: str, payload: str) -> bool:
        if topic == self.command_topic:
            return super().apply_command(topic, payload)
        key = next((k for k, (cmd, _) in self.attribute_topics.items() if cmd == topic), None)
        try:
            if key == "brightness":
                level = int(float(payload))
                if not 0 <= level <= self.brightness_scale:
                    return False
                self.brightness = level
                self._on = level > 0
            elif key == "color_temp":
                self.color_temp_mireds = max(153, min(500, int(float(payload))))
            elif key == "rgb":
                r, g, b = (int(c) for c in payload.split(","))
                if not all(0 <= c <= 255 for c in (r, g, b)):
                    return False
                self.rgb_color = (r, g, b)
            else:
                return False
        except ValueError:
            return False  # firmware ignores what it does not understand
        return True

    def state_messages(self) -> list[Message]:
        messages = super().state_messages()
        values = {
            "brightness": str(self.brightness),
            "color_temp": str(self.color_temp_mireds),
            "rgb": ",".join(map(str, self.rgb_color)),
        }
        messages += [Message(state, values[key]) for key, (_, state) in self.attribute_topics.items()]
        return messages


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
    """A light with the JSON schema: {"state": "ON", "brightness": 128} both ways (Zigbee2MQTT's lights).

    ``color_modes`` are announced as ``supported_color_modes``; with "color_temp"
    it takes and reports ``color_temp`` (mireds), with "rgb" or "xy" a ``color``.
    """

    component = "light"
    model = "edge simulated JSON light"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        color_modes: tuple[str, ...] = ("brightness",),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            unique_id, name, area, base_topic=base_topic, command_topic=base_topic + "/set", state_topic=base_topic, **kwargs
        )
        self.color_modes = color_modes
        self.brightness = 254
        self.color_temp_mireds = 300
        self.rgb_color = (255, 255, 255)
        self.color_mode = color_modes[0]

    def entity_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "schema": "json",
            "command_topic": self.command_topic,
            "state_topic": self.state_topic,
            "brightness": True,
            "supported_color_modes": list(self.color_modes),
        }
        if "color_temp" in self.color_modes:
            config.update(min_mireds=153, max_mireds=500)
        return config

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
        color_temp = body.get("color_temp")
        if "color_temp" in self.color_modes and isinstance(color_temp, (int, float)) and not isinstance(color_temp, bool):
            self.color_temp_mireds = max(153, min(500, int(color_temp)))
            self.color_mode = "color_temp"
        color = body.get("color")
        if isinstance(color, dict) and {"rgb", "xy"} & set(self.color_modes):
            if all(isinstance(color.get(k), int) for k in "rgb"):
                self.rgb_color = (color["r"], color["g"], color["b"])
            elif all(isinstance(color.get(k), (int, float)) for k in "xy"):
                from edge.devices.domains.color import xy_to_rgb

                self.rgb_color = xy_to_rgb(float(color["x"]), float(color["y"]))
            self.color_mode = "rgb" if "rgb" in self.color_modes else "xy"
        return True

    def state_messages(self) -> list[Message]:
        body: dict[str, Any] = {"state": "ON" if self._on else "OFF", "brightness": self.brightness, "linkquality": 120}
        if "color_temp" in self.color_modes:
            body["color_temp"] = self.color_temp_mireds
        if {"rgb", "xy"} & set(self.color_modes):
            r, g, b = self.rgb_color
            body["color"] = {"r": r, "g": g, "b": b}
        if len(self.color_modes) > 1:
            body["color_mode"] = self.color_mode
        return [Message(self.state_topic, json.dumps(body))]


def default_devices(root: str = "edgesim", **timing: float) -> list[SimDevice]:
    """The default simulated house (``edge.sim.house``); see there for ``timing``."""
    from edge.sim.house import default_devices as build

    return build(root, **timing)
