"""Per-domain detail of a discovered entity: the config keys each domain needs, typed.

One frozen record per domain, built by that domain's ``parse`` from Home
Assistant's MQTT option names (``brightness_command_topic``,
``percentage_state_topic``, ``set_position_topic``...). ``state_topics`` lists
the extra topics (beyond ``Entity.state_topic``) the entity reports on.
Pure records: no parsing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

# Capabilities a resolver can check on ``Entity.features``.
ON_OFF = "on_off"
BRIGHTNESS = "brightness"
COLOR_TEMP = "color_temp"
RGB_COLOR = "rgb_color"
PERCENTAGE = "percentage"
TARGET_TEMPERATURE = "target_temperature"
CURRENT_TEMPERATURE = "current_temperature"
HVAC_MODE = "hvac_mode"
OPEN = "open"
CLOSE = "close"
STOP = "stop"
SET_POSITION = "set_position"
REPORTS_POSITION = "reports_position"
LOCK = "lock"
PRESS = "press"
ACTIVATE = "activate"


def _nonempty(*topics: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in topics if t))


@dataclass(frozen=True, slots=True)
class LightDetail:
    """Brightness, colour temperature and RGB of a default- or JSON-schema light."""

    brightness_command_topic: str = ""  # default schema
    brightness_state_topic: str = ""
    brightness_value_template: str = ""
    brightness_scale: int = 255  # device value meaning 100 %
    color_temp_command_topic: str = ""
    color_temp_state_topic: str = ""
    color_temp_value_template: str = ""
    color_temp_kelvin: bool = False  # the device speaks kelvin (else mireds)
    min_kelvin: int = 2000
    max_kelvin: int = 6535
    rgb_command_topic: str = ""
    rgb_state_topic: str = ""
    rgb_value_template: str = ""
    on_command_type: str = "last"  # default schema: first | last | brightness
    supported_color_modes: tuple[str, ...] = ()  # JSON schema

    @property
    def state_topics(self) -> tuple[str, ...]:
        return _nonempty(self.brightness_state_topic, self.color_temp_state_topic, self.rgb_state_topic)


@dataclass(frozen=True, slots=True)
class FanDetail:
    percentage_command_topic: str = ""
    percentage_state_topic: str = ""
    percentage_value_template: str = ""
    speed_range_min: int = 1
    speed_range_max: int = 100
    payload_reset_percentage: str = "None"

    @property
    def state_topics(self) -> tuple[str, ...]:
        return _nonempty(self.percentage_state_topic)


@dataclass(frozen=True, slots=True)
class ClimateDetail:
    temperature_command_topic: str = ""
    temperature_state_topic: str = ""
    temperature_state_template: str = ""
    current_temperature_topic: str = ""
    current_temperature_template: str = ""
    mode_command_topic: str = ""
    mode_state_topic: str = ""
    mode_state_template: str = ""
    power_command_topic: str = ""
    modes: tuple[str, ...] = ("auto", "off", "cool", "heat", "dry", "fan_only")
    min_temp: float = 7.0
    max_temp: float = 35.0
    temp_step: float = 1.0
    temperature_unit: str = "°C"

    @property
    def state_topics(self) -> tuple[str, ...]:
        return _nonempty(self.temperature_state_topic, self.current_temperature_topic, self.mode_state_topic)


@dataclass(frozen=True, slots=True)
class CoverDetail:
    has_command_topic: bool = True  # False: only set_position_topic (open / close go through the position)
    payload_open: str = "OPEN"  # "" = the cover cannot be opened by command
    payload_close: str = "CLOSE"
    payload_stop: str = "STOP"
    state_open: str = "open"
    state_opening: str = "opening"
    state_closed: str = "closed"
    state_closing: str = "closing"
    state_stopped: str = "stopped"
    position_topic: str = ""
    position_template: str = ""
    set_position_topic: str = ""
    set_position_template: str = ""  # "" = the number itself; else "{{ position }}" placeholders only
    position_open: int = 100
    position_closed: int = 0

    @property
    def state_topics(self) -> tuple[str, ...]:
        return _nonempty(self.position_topic)


@dataclass(frozen=True, slots=True)
class LockDetail:
    payload_lock: str = "LOCK"
    payload_unlock: str = "UNLOCK"
    payload_open: str = ""  # "" = no open (unlatch) command
    state_locked: str = "LOCKED"
    state_unlocked: str = "UNLOCKED"
    state_locking: str = "LOCKING"
    state_unlocking: str = "UNLOCKING"
    state_jammed: str = "JAMMED"
    state_open: str = "OPEN"
    state_opening: str = "OPENING"

    @property
    def state_topics(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class SensorDetail:
    state_class: str = ""
    numeric: bool = False  # has a unit or a numeric device class: non-numbers are not readings

    @property
    def state_topics(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class PressDetail:
    """button (``payload_press``) and scene (``payload_on``): one payload, no state."""

    payload: str = "PRESS"

    @property
    def state_topics(self) -> tuple[str, ...]:
        return ()


Detail = Union[LightDetail, FanDetail, ClimateDetail, CoverDetail, LockDetail, SensorDetail, PressDetail]
