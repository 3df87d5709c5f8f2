"""MQTT climate (HVAC): target temperature, HVAC mode, current temperature.

The normalised state is the HVAC mode ("heat", "off"...), as in Home Assistant.
``set_temperature`` takes ``temperature`` (rounded to ``temp_step`` and checked
against ``min_temp`` / ``max_temp``) and is confirmed by the target temperature
the device reports; ``set_hvac_mode`` takes ``hvac_mode`` (one of ``modes``).
An attribute without a state topic is optimistic.
"""

from __future__ import annotations

from typing import Any, Mapping

from edge.devices import details
from edge.devices.details import ClimateDetail
from edge.devices.domains.base import (
    SET_HVAC_MODE,
    SET_TEMPERATURE,
    TURN_OFF,
    TURN_ON,
    Command,
    ConfigProblem,
    StateChanges,
    get_number,
    get_str,
    get_str_list,
    get_topic,
    matches,
    no_data,
    number_arg,
    to_number,
    unsupported,
)
from edge.devices.entity import Entity
from edge.devices.errors import CommandError
from edge.devices.templates import render

_DEFAULT_MODES = ("auto", "off", "cool", "heat", "dry", "fan_only")
_KNOWN_MODES = frozenset(_DEFAULT_MODES) | {"heat_cool"}
_TURN_ON_ORDER = ("heat_cool", "heat", "cool", "auto", "dry", "fan_only")


def format_temperature(value: float) -> str:
    return str(float(value))


class Climate:
    name = "climate"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        unit = get_str(config, "temperature_unit", "C").strip().upper().lstrip("°")
        if unit not in ("C", "F"):
            raise ConfigProblem(f"temperature_unit must be C or F, got {unit!r}")
        fahrenheit = unit == "F"
        modes = get_str_list(config, "modes", _DEFAULT_MODES)
        unknown = [m for m in modes if m not in _KNOWN_MODES]
        if unknown:
            raise ConfigProblem(f"modes has unknown HVAC modes {unknown}")
        detail = ClimateDetail(
            temperature_command_topic=get_topic(config, "temperature_command_topic", publish=True),
            temperature_state_topic=get_topic(config, "temperature_state_topic"),
            temperature_state_template=get_str(config, "temperature_state_template"),
            current_temperature_topic=get_topic(config, "current_temperature_topic"),
            current_temperature_template=get_str(config, "current_temperature_template"),
            mode_command_topic=get_topic(config, "mode_command_topic", publish=True),
            mode_state_topic=get_topic(config, "mode_state_topic"),
            mode_state_template=get_str(config, "mode_state_template"),
            power_command_topic=get_topic(config, "power_command_topic", publish=True),
            modes=modes,
            min_temp=get_number(config, "min_temp", 45.0 if fahrenheit else 7.0),
            max_temp=get_number(config, "max_temp", 95.0 if fahrenheit else 35.0),
            temp_step=get_number(config, "temp_step", 1.0),
            temperature_unit="°F" if fahrenheit else "°C",
        )
        if detail.min_temp > detail.max_temp or detail.temp_step <= 0:
            raise ConfigProblem(f"min_temp {detail.min_temp:g} / max_temp {detail.max_temp:g} / temp_step {detail.temp_step:g}")
        features = set()
        if detail.temperature_command_topic:
            features.add(details.TARGET_TEMPERATURE)
        if detail.mode_command_topic:
            features.add(details.HVAC_MODE)
        if detail.current_temperature_topic:
            features.add(details.CURRENT_TEMPERATURE)
        if detail.power_command_topic or (detail.mode_command_topic and "off" in modes):
            features.add(details.ON_OFF)
        return {
            "command_topic": detail.temperature_command_topic or detail.mode_command_topic or detail.power_command_topic,
            "payload_on": get_str(config, "payload_on", "ON"),
            "payload_off": get_str(config, "payload_off", "OFF"),
            "unit": detail.temperature_unit,
            "detail": detail,
            "features": frozenset(features),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        detail = entity.detail if isinstance(entity.detail, ClimateDetail) else ClimateDetail()
        if service == SET_TEMPERATURE:
            no_data(entity, service, data, frozenset({"temperature", "hvac_mode"}))
            if "temperature" not in data:
                raise CommandError(f"{service} needs a temperature")
            if not detail.temperature_command_topic:
                raise unsupported(entity, service)
            value = number_arg(data, "temperature", detail.min_temp, detail.max_temp)
            value = round(round(value / detail.temp_step) * detail.temp_step, 4)
            value = min(max(value, detail.min_temp), detail.max_temp)
            optimistic = entity.optimistic or not detail.temperature_state_topic
            return Command(
                detail.temperature_command_topic,
                format_temperature(value),
                None,
                entity.retain,
                expected=(("target_temperature", value),),
                optimistic=optimistic,
            )
        if service == SET_HVAC_MODE:
            no_data(entity, service, data, frozenset({"hvac_mode"}))
            return self._mode(entity, detail, data.get("hvac_mode"))
        if service in (TURN_ON, TURN_OFF):
            no_data(entity, service, data)
            if detail.power_command_topic:
                payload = entity.payload_on if service == TURN_ON else entity.payload_off
                return Command(detail.power_command_topic, payload, None, entity.retain, optimistic=True)
            if service == TURN_OFF:
                return self._mode(entity, detail, "off")
            mode = next((m for m in _TURN_ON_ORDER if m in detail.modes), None)
            return self._mode(entity, detail, mode)
        raise unsupported(entity, service)

    def _mode(self, entity: Entity, detail: ClimateDetail, mode: Any) -> Command:
        if not detail.mode_command_topic:
            raise unsupported(entity, "setting the HVAC mode")
        if not isinstance(mode, str) or mode not in detail.modes:
            raise CommandError(f"hvac_mode must be one of {', '.join(detail.modes)}, got {mode!r}")
        optimistic = entity.optimistic or not detail.mode_state_topic
        return Command(
            detail.mode_command_topic,
            mode,
            mode,
            entity.retain,
            expected=(("hvac_mode", mode),),
            optimistic=optimistic,
        )

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        detail = entity.detail if isinstance(entity.detail, ClimateDetail) else ClimateDetail()
        changes: StateChanges = {}
        if matches(detail.mode_state_topic, topic):
            mode = render(detail.mode_state_template, payload)
            if mode is not None and mode in detail.modes:
                changes["value"] = mode
                changes["hvac_mode"] = mode
        if matches(detail.temperature_state_topic, topic):
            target = to_number(render(detail.temperature_state_template, payload))
            if target is not None:
                changes["target_temperature"] = target
        if matches(detail.current_temperature_topic, topic):
            current = to_number(render(detail.current_temperature_template, payload))
            if current is not None:
                changes["current_temperature"] = current
        if changes:
            changes["unit"] = detail.temperature_unit
        return changes

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return None  # a climate entity has no plain state topic: see read()
