"""Simulated fans, thermostats, covers, locks, sensors, buttons and scenes.

Each behaves like the real thing on the wire: a garage door reports "opening"
and, ``travel_s`` later, "open"; a blind reports its position on the way; a lock
reports "LOCKING" then "LOCKED"; a thermostat's room temperature drifts toward
its target; an oven heats up when switched on and its thermometer reports it.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable

from edge.devices.entity import OFF, ON
from edge.sim.devices import Message, SimDevice, SimSwitch


class SimFan(SimDevice):
    """A fan with on/off and a speed 1..speed_max (Tasmota's iFan: percentage scaled by speed_range_max)."""

    component = "fan"
    model = "edge simulated fan"

    def __init__(
        self, unique_id: str, name: str | None, area: str, *, base_topic: str, speed_max: int = 3, **kwargs: Any
    ) -> None:
        super().__init__(unique_id, name, area, base_topic=base_topic, **kwargs)
        self.command_topic, self.state_topic = f"{base_topic}/set", f"{base_topic}/state"
        self.speed_command_topic, self.speed_state_topic = f"{base_topic}/speed/set", f"{base_topic}/speed"
        self.speed_max = speed_max
        self.speed = 1
        self._on = False

    def command_topics(self) -> tuple[str, ...]:
        return (self.command_topic, self.speed_command_topic)

    def entity_config(self) -> dict[str, Any]:
        return {
            "command_topic": self.command_topic,
            "state_topic": self.state_topic,
            "percentage_command_topic": self.speed_command_topic,
            "percentage_state_topic": self.speed_state_topic,
            "speed_range_min": 1,
            "speed_range_max": self.speed_max,
        }

    def apply_command(self, topic: str, payload: str) -> bool:
        if topic == self.command_topic and payload in ("ON", "OFF"):
            self._on = payload == "ON"
            return True
        if topic == self.speed_command_topic:
            try:
                speed = int(payload)
            except ValueError:
                return False
            if not 0 <= speed <= self.speed_max:
                return False
            self._on = speed > 0
            self.speed = speed or self.speed
            return True
        return False

    def state_messages(self) -> list[Message]:
        return [
            Message(self.state_topic, "ON" if self._on else "OFF"),
            Message(self.speed_state_topic, str(self.speed if self._on else 0)),
        ]

    @property
    def state(self) -> str:
        with self._lock:
            return ON if self._on else OFF


class SimThermostat(SimDevice):
    """A Zigbee2MQTT-style thermostat: one JSON state topic read with templates, one set topic per attribute.

    Each tick the room temperature moves ``drift_c`` toward the target when the
    mode lets it (heat: up, cool: down, auto: both), else toward ``ambient_c``.
    """

    component = "climate"
    model = "edge simulated thermostat"
    ticks = True

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        current_c: float = 19.0,
        target_c: float = 21.0,
        ambient_c: float = 17.0,
        drift_c: float = 0.1,
        mode: str = "heat",
        **kwargs: Any,
    ) -> None:
        super().__init__(unique_id, name, area, base_topic=base_topic, **kwargs)
        self.state_topic = base_topic
        self.mode_command_topic = f"{base_topic}/set/system_mode"
        self.target_command_topic = f"{base_topic}/set/occupied_heating_setpoint"
        self.modes = ("off", "heat", "cool", "auto")
        self.current_c, self.target_c, self.ambient_c, self.drift_c, self.mode = (
            current_c,
            target_c,
            ambient_c,
            drift_c,
            mode,
        )

    def command_topics(self) -> tuple[str, ...]:
        return (self.mode_command_topic, self.target_command_topic)

    def entity_config(self) -> dict[str, Any]:
        return {
            "mode_command_topic": self.mode_command_topic,
            "mode_state_topic": self.state_topic,
            "mode_state_template": "{{ value_json.system_mode }}",
            "temperature_command_topic": self.target_command_topic,
            "temperature_state_topic": self.state_topic,
            "temperature_state_template": "{{ value_json.occupied_heating_setpoint }}",
            "current_temperature_topic": self.state_topic,
            "current_temperature_template": "{{ value_json.local_temperature }}",
            "modes": list(self.modes),
            "min_temp": 7,
            "max_temp": 30,
            "temp_step": 0.5,
            "temperature_unit": "C",
        }

    def apply_command(self, topic: str, payload: str) -> bool:
        if topic == self.mode_command_topic:
            if payload not in self.modes:
                return False
            self.mode = payload
            return True
        try:
            target = float(payload)
        except ValueError:
            return False
        if not 7 <= target <= 30:
            return False
        self.target_c = target
        return True

    def tick(self, dt_s: float) -> list[Message]:
        goal = self.ambient_c
        if (
            self.mode == "auto"
            or (self.mode == "heat" and self.current_c < self.target_c)
            or (self.mode == "cool" and self.current_c > self.target_c)
        ):
            goal = self.target_c
        if abs(goal - self.current_c) < 1e-9:
            return []
        step = min(self.drift_c, abs(goal - self.current_c))
        self.current_c = round(self.current_c + math.copysign(step, goal - self.current_c), 2)
        return self.state_messages()

    def state_messages(self) -> list[Message]:
        body = {
            "system_mode": self.mode,
            "occupied_heating_setpoint": self.target_c,
            "local_temperature": round(self.current_c, 1),
            "running_state": "heat" if self.mode == "heat" and self.current_c < self.target_c else "idle",
        }
        return [Message(self.state_topic, json.dumps(body))]

    @property
    def state(self) -> str:
        with self._lock:
            return self.mode


class SimCover(SimDevice):
    """A cover that takes ``travel_s`` to go from closed to open, reporting opening / closing on the way.

    With ``position`` it reports its position (every fifth of the way) and takes
    ``set_position_topic``; without, only the state (a garage door).
    """

    component = "cover"
    model = "edge simulated cover"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        device_class: str,
        travel_s: float = 3.0,
        position: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(unique_id, name, area, base_topic=base_topic, **kwargs)
        self.command_topic, self.state_topic = f"{base_topic}/set", f"{base_topic}/state"
        self.position_topic, self.set_position_topic = f"{base_topic}/position", f"{base_topic}/position/set"
        self.device_class, self.travel_s, self.reports_position = device_class, travel_s, position
        self.position = 0.0
        self._motion = ""  # "opening" | "closing" | "" (still)
        self._generation = 0

    def command_topics(self) -> tuple[str, ...]:
        return (self.command_topic, self.set_position_topic) if self.reports_position else (self.command_topic,)

    def entity_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "command_topic": self.command_topic,
            "state_topic": self.state_topic,
            "device_class": self.device_class,
        }
        if self.reports_position:
            config.update(position_topic=self.position_topic, set_position_topic=self.set_position_topic)
        return config

    def apply_command(self, topic: str, payload: str) -> bool:
        if topic == self.set_position_topic:
            try:
                target = float(payload)
            except ValueError:
                return False
            if not 0 <= target <= 100:
                return False
            return self._move_to(target)
        if payload == "OPEN":
            return self._move_to(100.0)
        if payload == "CLOSE":
            return self._move_to(0.0)
        if payload == "STOP":
            self._generation += 1
            self._motion = ""
            return True
        return False

    def _move_to(self, target: float) -> bool:
        self._generation += 1
        generation = self._generation
        start = self.position
        if abs(target - start) < 1e-9:
            self._motion = ""
            return True
        self._motion = "opening" if target > start else "closing"
        steps = max(1, math.ceil(abs(target - start) / 20))
        step_s = self.travel_s * abs(target - start) / 100 / steps
        for i in range(1, steps + 1):
            self.later(step_s * i, self._step(generation, start + (target - start) * i / steps, i == steps))
        return True

    def _step(self, generation: int, position: float, last: bool) -> Callable[[], list[Message]]:
        def step() -> list[Message]:
            if generation != self._generation:
                return []  # stopped or redirected meanwhile
            self.position = position
            if last:
                self._motion = ""
                return self.state_messages()
            return [Message(self.position_topic, str(round(position)))] if self.reports_position else []

        return step

    def _state_text(self) -> str:
        if self._motion:
            return self._motion
        return "open" if self.position > 0 else "closed"

    def state_messages(self) -> list[Message]:
        messages = [Message(self.state_topic, self._state_text())]
        if self.reports_position:
            messages.append(Message(self.position_topic, str(round(self.position))))
        return messages

    @property
    def state(self) -> str:
        with self._lock:
            return self._state_text()


class SimLock(SimDevice):
    """A lock that takes ``lock_s`` to turn: "LOCKING" at once, "LOCKED" when done."""

    component = "lock"
    model = "edge simulated lock"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        lock_s: float = 0.5,
        locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(unique_id, name, area, base_topic=base_topic, **kwargs)
        self.command_topic, self.state_topic = f"{base_topic}/set", f"{base_topic}/state"
        self.lock_s = lock_s
        self._state = "LOCKED" if locked else "UNLOCKED"
        self._generation = 0

    def command_topics(self) -> tuple[str, ...]:
        return (self.command_topic,)

    def entity_config(self) -> dict[str, Any]:
        return {"command_topic": self.command_topic, "state_topic": self.state_topic}

    def apply_command(self, topic: str, payload: str) -> bool:
        if payload not in ("LOCK", "UNLOCK"):
            return False
        final = "LOCKED" if payload == "LOCK" else "UNLOCKED"
        if self._state in (final, "JAMMED"):
            return True  # already there, or stuck: it says so again
        self._generation += 1
        generation = self._generation
        self._state = "LOCKING" if payload == "LOCK" else "UNLOCKING"

        def done() -> list[Message]:
            if generation != self._generation:
                return []
            self._state = final
            return self.state_messages()

        self.later(self.lock_s, done)
        return True

    def jam(self) -> None:
        """The bolt sticks (for tests); ``SimHome.publish_state`` reports it."""
        with self._lock:
            self._generation += 1
            self._state = "JAMMED"

    def state_messages(self) -> list[Message]:
        return [Message(self.state_topic, self._state)]

    @property
    def state(self) -> str:
        with self._lock:
            return self._state.lower()


class SimSensor(SimDevice):
    """A sensor; its reading comes from ``read()`` each tick (published when it changed) or is fixed.

    ``json_key``: publish {"<key>": value} and announce ``{{ value_json.<key> }}`` (Zigbee2MQTT).
    """

    component = "sensor"
    model = "edge simulated sensor"
    ticks = True

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        unit: str,
        device_class: str,
        read: Callable[[], float] | float,
        json_key: str = "",
        digits: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(unique_id, name, area, base_topic=base_topic, **kwargs)
        self.state_topic = base_topic
        self.unit, self.device_class, self.json_key, self.digits = unit, device_class, json_key, digits
        self._read = read if callable(read) else (lambda: float(read))
        self.value = round(self._read(), digits)

    def command_topics(self) -> tuple[str, ...]:
        return ()

    def entity_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "state_topic": self.state_topic,
            "unit_of_measurement": self.unit,
            "device_class": self.device_class,
            "state_class": "measurement",
        }
        if self.json_key:
            config["value_template"] = f"{{{{ value_json.{self.json_key} }}}}"
        return config

    def apply_command(self, topic: str, payload: str) -> bool:
        return False

    def tick(self, dt_s: float) -> list[Message]:
        value = round(self._read(), self.digits)
        if value == self.value:
            return []
        self.value = value
        return self.state_messages()

    def state_messages(self) -> list[Message]:
        payload = json.dumps({self.json_key: self.value}) if self.json_key else str(self.value)
        return [Message(self.state_topic, payload)]

    @property
    def state(self) -> str:
        with self._lock:
            return str(self.value)


class SimContact(SimDevice):
    """A door / window contact; ``zigbee`` reports {"contact": true} (true = closed) as Zigbee2MQTT does."""

    component = "binary_sensor"
    model = "edge simulated contact sensor"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        device_class: str,
        zigbee: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(unique_id, name, area, base_topic=base_topic, **kwargs)
        self.state_topic = base_topic
        self.device_class, self.zigbee = device_class, zigbee
        self._open = False

    def command_topics(self) -> tuple[str, ...]:
        return ()

    def entity_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"state_topic": self.state_topic, "device_class": self.device_class}
        if self.zigbee:
            config.update(value_template="{{ value_json.contact }}", payload_on=False, payload_off=True)
        return config

    def apply_command(self, topic: str, payload: str) -> bool:
        return False

    def set_open(self, is_open: bool) -> None:
        """Open or close it by hand; ``SimHome.publish_state`` reports it."""
        with self._lock:
            self._open = is_open

    def state_messages(self) -> list[Message]:
        if self.zigbee:
            return [Message(self.state_topic, json.dumps({"contact": not self._open, "battery": 91}))]
        return [Message(self.state_topic, "ON" if self._open else "OFF")]

    @property
    def state(self) -> str:
        with self._lock:
            return ON if self._open else OFF


class SimButton(SimDevice):
    """A button (``payload_press``) or, as ``SimScene``, a scene (``payload_on``): counts presses, reports nothing."""

    component = "button"
    model = "edge simulated button"
    payload_key = "payload_press"
    payload = "PRESS"

    def __init__(
        self,
        unique_id: str,
        name: str | None,
        area: str,
        *,
        base_topic: str,
        on_press: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(unique_id, name, area, base_topic=base_topic, **kwargs)
        self.command_topic = f"{base_topic}/set"
        self.presses = 0
        self._on_press = on_press

    def command_topics(self) -> tuple[str, ...]:
        return (self.command_topic,)

    def entity_config(self) -> dict[str, Any]:
        return {"command_topic": self.command_topic, self.payload_key: self.payload}

    def apply_command(self, topic: str, payload: str) -> bool:
        if payload == self.payload:
            self.presses += 1
            if self._on_press is not None:
                self._on_press()
        return False

    def state_messages(self) -> list[Message]:
        return []

    @property
    def state(self) -> str:
        with self._lock:
            return str(self.presses)


class SimScene(SimButton):
    component = "scene"
    model = "edge simulated scene"
    payload_key = "payload_on"
    payload = "ON"


class SimOven(SimSwitch):
    """An oven's power switch: on, it heats toward ``setpoint_c`` by ``heat_c`` per tick; off, it cools toward the room."""

    model = "edge simulated oven"
    ticks = True

    def __init__(
        self, *args: Any, setpoint_c: float = 200.0, room_c: float = 21.0, heat_c: float = 10.0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.temperature_c = room_c
        self.setpoint_c, self.room_c, self.heat_c = setpoint_c, room_c, heat_c

    def tick(self, dt_s: float) -> list[Message]:
        goal = self.setpoint_c if self._on else self.room_c
        step = self.heat_c if self._on else self.heat_c / 2
        if self.temperature_c != goal:
            self.temperature_c = (
                goal
                if abs(goal - self.temperature_c) <= step
                else self.temperature_c + math.copysign(step, goal - self.temperature_c)
            )
        return []  # the switch's state does not change; its thermometer reports the heat
