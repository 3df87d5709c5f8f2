"""MQTT light: the default schema (one topic per attribute) and the JSON schema (one JSON body both ways).

Commands take Home Assistant's ``light.turn_on`` data: ``brightness`` (0..255),
``brightness_pct`` (0..100), ``color_temp_kelvin`` and ``rgb_color``. State
keeps ``brightness_pct``, ``color_temp_kelvin`` and ``rgb_color``. Only the
on/off state and the brightness take part in confirmation (devices round colours
their own way).
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from edge.devices import details
from edge.devices.details import LightDetail
from edge.devices.domains.base import (
    TURN_OFF,
    TURN_ON,
    Command,
    ConfigProblem,
    NotSupported,
    Publish,
    StateChanges,
    clamp,
    get_bool,
    get_int,
    get_str,
    get_str_list,
    get_topic,
    int_arg,
    matches,
    no_data,
    on_off_service,
    read_on_off,
    to_number,
)
from edge.devices.domains.color import hs_to_rgb, rgb_to_hs, rgb_to_xy, xy_to_rgb
from edge.devices.entity import ON, Entity
from edge.devices.errors import CommandError
from edge.devices.templates import render

_COLOR_MODES = frozenset({"hs", "xy", "rgb", "rgbw", "rgbww"})
_ON_COMMAND_TYPES = ("first", "last", "brightness")
_TURN_ON_DATA = frozenset({"brightness", "brightness_pct", "color_temp_kelvin", "rgb_color"})


def _kelvin_range(config: Mapping[str, Any]) -> tuple[int, int]:
    low = get_int(config, "min_kelvin", 2000)
    high = get_int(config, "max_kelvin", 6535)
    if "max_mireds" in config and config["max_mireds"] is not None:
        low = round(1_000_000 / max(get_int(config, "max_mireds", 500), 1))
    if "min_mireds" in config and config["min_mireds"] is not None:
        high = round(1_000_000 / max(get_int(config, "min_mireds", 153), 1))
    if not 0 < low <= high:
        raise ConfigProblem(f"colour temperature range {low}..{high} K is empty")
    return low, high


class Light:
    name = "light"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        schema = get_str(config, "schema", "default").lower()
        if schema == "basic":
            schema = "default"
        if schema not in ("default", "json"):
            raise NotSupported(f"light schema {schema!r} is not supported yet")
        scale = get_int(config, "brightness_scale", 255)
        if scale < 1:
            raise ConfigProblem(f"brightness_scale must be at least 1, got {scale}")
        low_k, high_k = _kelvin_range(config)
        fields: dict[str, Any] = {
            "schema": schema,
            "command_topic": get_topic(config, "command_topic", required=True, publish=True),
            "state_topic": get_topic(config, "state_topic"),
        }
        features = {details.ON_OFF}
        if schema == "json":  # fixed vocabulary: {"state": "ON" | "OFF", ...} both ways
            modes = get_str_list(config, "supported_color_modes")
            legacy = {k for k in ("brightness", "color_temp", "rgb", "xy", "hs") if get_bool(config, k, False)}
            if legacy & {"brightness"} or set(modes) - {"onoff"}:
                features.add(details.BRIGHTNESS)
            if "color_temp" in modes or "color_temp" in legacy:
                features.add(details.COLOR_TEMP)
            if set(modes) & _COLOR_MODES or legacy & {"rgb", "xy", "hs"}:
                features.add(details.RGB_COLOR)
            if not modes:  # the deprecated flags say what the device speaks
                modes = tuple(m for m in ("color_temp", "rgb", "xy", "hs") if m in legacy)
            detail = LightDetail(
                brightness_scale=scale,
                color_temp_kelvin=get_bool(config, "color_temp_kelvin", False),
                min_kelvin=low_k,
                max_kelvin=high_k,
                supported_color_modes=modes,
            )
            template = "{{ value_json.state }}"
            fields.update(payload_on="ON", payload_off="OFF", state_on="ON", state_off="OFF", value_template=template)
        else:
            on = get_str(config, "payload_on", "ON")
            off = get_str(config, "payload_off", "OFF")
            on_type = get_str(config, "on_command_type", "last")
            if on_type not in _ON_COMMAND_TYPES:
                raise ConfigProblem(f"on_command_type must be one of {', '.join(_ON_COMMAND_TYPES)}, got {on_type!r}")
            detail = LightDetail(
                brightness_command_topic=get_topic(config, "brightness_command_topic", publish=True),
                brightness_state_topic=get_topic(config, "brightness_state_topic"),
                brightness_value_template=get_str(config, "brightness_value_template"),
                brightness_scale=scale,
                color_temp_command_topic=get_topic(config, "color_temp_command_topic", publish=True),
                color_temp_state_topic=get_topic(config, "color_temp_state_topic"),
                color_temp_value_template=get_str(config, "color_temp_value_template"),
                color_temp_kelvin=get_bool(config, "color_temp_kelvin", False),
                min_kelvin=low_k,
                max_kelvin=high_k,
                rgb_command_topic=get_topic(config, "rgb_command_topic", publish=True),
                rgb_state_topic=get_topic(config, "rgb_state_topic"),
                rgb_value_template=get_str(config, "rgb_value_template"),
                on_command_type=on_type,
            )
            if detail.brightness_command_topic:
                features.add(details.BRIGHTNESS)
            if detail.color_temp_command_topic:
                features.add(details.COLOR_TEMP)
            if detail.rgb_command_topic:
                features.add(details.RGB_COLOR)
            template = get_str(config, "state_value_template") or get_str(config, "value_template")
            fields.update(payload_on=on, payload_off=off, state_on=on, state_off=off, value_template=template)
        fields.update(detail=detail, features=frozenset(features))
        return fields

    # --- commands ------------------------------------------------------------------------------

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        detail = entity.detail if isinstance(entity.detail, LightDetail) else LightDetail()
        expected_state = on_off_service(entity, service)
        no_data(entity, service, data, _TURN_ON_DATA if expected_state == ON else frozenset())
        if expected_state != ON:
            return self._off(entity)
        wanted = _turn_on_args(entity, detail, data)
        if wanted.get("brightness_pct") == 0:
            return self._off(entity)
        if entity.schema == "json":
            return self._json_on(entity, detail, wanted)
        return self._default_on(entity, detail, wanted)

    def _off(self, entity: Entity) -> Command:
        payload = json.dumps({"state": entity.payload_off}) if entity.schema == "json" else entity.payload_off
        return Command(entity.command_topic, payload, "off", entity.retain, optimistic=entity.optimistic)

    def _json_on(self, entity: Entity, detail: LightDetail, wanted: dict[str, Any]) -> Command:
        body: dict[str, Any] = {"state": entity.payload_on}
        expected: list[tuple[str, Any]] = []
        if "device_brightness" in wanted:
            body["brightness"] = wanted["device_brightness"]
            expected.append(("brightness_pct", wanted["brightness_pct"]))
        if "color_temp_kelvin" in wanted:
            kelvin = wanted["color_temp_kelvin"]
            body["color_temp"] = kelvin if detail.color_temp_kelvin else round(1_000_000 / kelvin)
        if "rgb_color" in wanted:
            body["color"] = _json_color(detail.supported_color_modes, wanted["rgb_color"])
        return Command(
            entity.command_topic,
            json.dumps(body),
            ON,
            entity.retain,
            expected=tuple(expected),
            optimistic=entity.optimistic,
        )

    def _default_on(self, entity: Entity, detail: LightDetail, wanted: dict[str, Any]) -> Command:
        on = Publish(entity.command_topic, entity.payload_on, entity.retain)
        messages: list[Publish] = [on] if detail.on_command_type == "first" else []
        expected: list[tuple[str, Any]] = []
        if "rgb_color" in wanted:
            messages.append(Publish(detail.rgb_command_topic, ",".join(map(str, wanted["rgb_color"])), entity.retain))
        if "color_temp_kelvin" in wanted:
            kelvin = wanted["color_temp_kelvin"]
            value = kelvin if detail.color_temp_kelvin else round(1_000_000 / kelvin)
            messages.append(Publish(detail.color_temp_command_topic, str(value), entity.retain))
        brightness = wanted.get("device_brightness")
        if brightness is None and detail.on_command_type == "brightness" and detail.brightness_command_topic:
            brightness = detail.brightness_scale  # HA sends a brightness instead of payload_on
        if brightness is not None:
            messages.append(Publish(detail.brightness_command_topic, str(brightness), entity.retain))
            if detail.brightness_state_topic and "brightness_pct" in wanted:
                expected.append(("brightness_pct", wanted["brightness_pct"]))
        sends_on = detail.on_command_type != "brightness" or not detail.brightness_command_topic
        if sends_on and detail.on_command_type != "first":
            messages.append(on)
        main = on if sends_on else messages[-1]
        return Command(
            main.topic,
            main.payload,
            ON,
            entity.retain,
            messages=tuple(messages),
            expected=tuple(expected),
            optimistic=entity.optimistic,
        )

    # --- state ---------------------------------------------------------------------------------

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        detail = entity.detail if isinstance(entity.detail, LightDetail) else LightDetail()
        if entity.schema == "json":
            return _read_json(detail, payload) if matches(entity.state_topic, topic) else {}
        changes: StateChanges = {}
        if matches(entity.state_topic, topic):
            value = read_on_off(entity, payload)
            if value is not None:
                changes["value"] = value
        if matches(detail.brightness_state_topic, topic):
            level = to_number(render(detail.brightness_value_template, payload))
            if level is not None:
                changes["brightness_pct"] = _pct(level, detail.brightness_scale)
        if matches(detail.color_temp_state_topic, topic):
            kelvin = _kelvin(to_number(render(detail.color_temp_value_template, payload)), detail)
            if kelvin is not None:
                changes["color_temp_kelvin"] = kelvin
        if matches(detail.rgb_state_topic, topic):
            rgb = _parse_rgb(render(detail.rgb_value_template, payload))
            if rgb is not None:
                changes["rgb_color"] = rgb
        return changes

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return self.read(entity, entity.state_topic, payload).get("value")


def _turn_on_args(entity: Entity, detail: LightDetail, data: Mapping[str, Any]) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    if "brightness" in data and "brightness_pct" in data:
        raise CommandError("give brightness or brightness_pct, not both")
    if "brightness" in data or "brightness_pct" in data:
        undeclared = entity.schema == "json" and entity.features <= {details.ON_OFF}  # sends brightness anyway
        if details.BRIGHTNESS not in entity.features and not undeclared:
            raise CommandError(f"light {entity.name!r} cannot be dimmed")
        if "brightness" in data:
            level = int_arg(data, "brightness", 0, 255)
            pct = round(level * 100 / 255)
        else:
            pct = int_arg(data, "brightness_pct", 0, 100)
            level = round(pct * 255 / 100)
        wanted["brightness_pct"] = pct
        wanted["device_brightness"] = round(level * detail.brightness_scale / 255)
        if wanted["device_brightness"] == 0 and level > 0:
            wanted["device_brightness"] = 1
        if level == 0:
            wanted["brightness_pct"] = 0
    if "color_temp_kelvin" in data:
        if details.COLOR_TEMP not in entity.features:
            raise CommandError(f"light {entity.name!r} has no colour temperature")
        kelvin = int_arg(data, "color_temp_kelvin", 1000, 20000)
        wanted["color_temp_kelvin"] = int(clamp(kelvin, detail.min_kelvin, detail.max_kelvin))
    if "rgb_color" in data:
        if details.RGB_COLOR not in entity.features:
            raise CommandError(f"light {entity.name!r} has no colour")
        rgb = data["rgb_color"]
        if (
            not isinstance(rgb, (list, tuple))
            or len(rgb) != 3
            or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in rgb)
        ):
            raise CommandError(f"rgb_color must be three integers 0..255, got {rgb!r}")
        wanted["rgb_color"] = tuple(rgb)
    return wanted


def _json_color(modes: tuple[str, ...], rgb: tuple[int, int, int]) -> dict[str, Any]:
    if {"rgb", "rgbw", "rgbww"} & set(modes) or not modes:
        return {"r": rgb[0], "g": rgb[1], "b": rgb[2]}
    if "hs" in modes:
        h, s = rgb_to_hs(rgb)
        return {"h": h, "s": s}
    x, y = rgb_to_xy(rgb)
    return {"x": x, "y": y}


def _pct(level: float, scale: int) -> int:
    return int(round(clamp(level, 0, scale) * 100 / scale))


def _kelvin(value: float | None, detail: LightDetail) -> int | None:
    if value is None or value <= 0:
        return None
    return int(round(value if detail.color_temp_kelvin else 1_000_000 / value))


def _parse_rgb(text: str | None) -> tuple[int, int, int] | None:
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 3:
        return None
    try:
        r, g, b = (int(float(p)) for p in parts)
    except (ValueError, OverflowError):
        return None
    if not all(0 <= c <= 255 for c in (r, g, b)):
        return None
    return r, g, b


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return to_number(str(value))


def _read_json(detail: LightDetail, payload: str) -> StateChanges:
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(body, dict):
        return {}
    changes: StateChanges = {}
    state = body.get("state")
    if state == "ON":
        changes["value"] = "on"
    elif state == "OFF":
        changes["value"] = "off"
    level = _number(body.get("brightness"))
    if level is not None:
        changes["brightness_pct"] = _pct(level, detail.brightness_scale)
    kelvin = _kelvin(_number(body.get("color_temp")), detail)
    if kelvin is not None:
        changes["color_temp_kelvin"] = kelvin
    color = body.get("color")
    if isinstance(color, dict) and body.get("color_mode") != "color_temp":
        rgb = _read_json_color(color)
        if rgb is not None:
            changes["rgb_color"] = rgb
    return changes


def _read_json_color(color: Mapping[str, Any]) -> tuple[int, int, int] | None:
    r, g, b = (_number(color.get(k)) for k in ("r", "g", "b"))
    if r is not None and g is not None and b is not None:
        return tuple(int(clamp(c, 0, 255)) for c in (r, g, b))  # type: ignore[return-value]
    x, y = _number(color.get("x")), _number(color.get("y"))
    if x is not None and y is not None and 0 <= x <= 1 and 0 < y <= 1:
        return xy_to_rgb(x, y)
    h = _number(color.get("h", color.get("hue")))
    s = _number(color.get("s", color.get("saturation")))
    if h is not None and s is not None:
        return hs_to_rgb(h, s)
    return None


__all__ = ["Light", "TURN_OFF", "TURN_ON"]
