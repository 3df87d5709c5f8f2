"""Pure parsing of Home Assistant MQTT discovery messages into ``Entity`` records.

Topic: ``<prefix>/<component>/[<node_id>/]<object_id>/config``. The payload is
JSON; abbreviated keys are expanded (``edge.devices.abbreviations``) and the
``~`` base topic is substituted as Home Assistant does, so Zigbee2MQTT,
Tasmota and ESPHome configs read the same. An empty payload (or ``{}``) removes
the entity. A component edge cannot use yet is ``Skipped`` with a reason; a
malformed message (bad JSON, wrong types, missing topics, too large) raises
``DiscoveryError``, and nothing else: the caller logs it and goes on.
No I/O, no clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping, Union

from edge.devices.abbreviations import ABBREVIATIONS, DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS, expand
from edge.devices.domains import DOMAINS, ConfigProblem, NotSupported, get_bool, get_str, get_topic
from edge.devices.entity import Availability, Entity, display_text, humanise_id, normalise_area
from edge.devices.errors import DiscoveryError

MAX_PAYLOAD_BYTES = 64 * 1024
TOPIC_BASE = "~"
_TOPIC = re.compile(r"(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config")
_AVAILABILITY_MODES = ("latest", "any", "all")


@dataclass(frozen=True, slots=True)
class DiscoveryTopic:
    topic: str
    component: str
    node_id: str  # "" when the topic has none
    object_id: str

    @property
    def discovery_id(self) -> str:
        return f"{self.node_id} {self.object_id}" if self.node_id else self.object_id


@dataclass(frozen=True, slots=True)
class Discovered:
    topic: DiscoveryTopic
    entity: Entity


@dataclass(frozen=True, slots=True)
class Removed:
    topic: DiscoveryTopic


@dataclass(frozen=True, slots=True)
class Skipped:
    topic: DiscoveryTopic
    reason: str


DiscoveryResult = Union[Discovered, Removed, Skipped]


def match_topic(topic: str, prefix: str = "homeassistant") -> DiscoveryTopic | None:
    """The parts of a discovery topic, or None when topic is not one under prefix."""
    head = prefix.rstrip("/") + "/"
    if not topic.startswith(head):
        return None
    found = _TOPIC.fullmatch(topic[len(head) :])
    if not found:
        return None
    return DiscoveryTopic(topic, found["component"], found["node_id"] or "", found["object_id"])


def parse_discovery(topic: str, payload: bytes | str, prefix: str = "homeassistant") -> DiscoveryResult:
    """Parse one discovery message; raises DiscoveryError when it is malformed."""
    where = match_topic(topic, prefix)
    if where is None:
        raise DiscoveryError(topic, f"not a discovery topic under {prefix!r}")
    config = _load_json(topic, payload)
    if not config:
        return Removed(where)
    try:
        config = expand_config(config)
        domain = DOMAINS.get(where.component)
        if domain is None:
            return Skipped(where, f"component {where.component!r} is not supported yet")
        try:
            fields = domain.parse(config)
        except NotSupported as exc:
            return Skipped(where, str(exc))
        common = _common_fields(where, config)
        entity = Entity(domain=where.component, discovery_topic=topic, config=config, **common, **fields)
    except ConfigProblem as exc:
        raise DiscoveryError(topic, str(exc)) from exc
    if not entity.state_topics and not entity.optimistic:
        entity = replace(entity, optimistic=True)  # nothing will ever confirm a command
    return Discovered(where, entity)


def _load_json(topic: str, payload: bytes | str) -> dict[str, Any]:
    raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else bytes(payload)
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise DiscoveryError(topic, f"payload of {len(raw)} bytes is larger than {MAX_PAYLOAD_BYTES}")
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiscoveryError(topic, f"payload is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DiscoveryError(topic, f"payload is not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise DiscoveryError(topic, f"payload must be a JSON object, got {type(config).__name__}")
    return config


def expand_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Expand abbreviations (top level, device, origin, availability entries) and substitute ``~``."""
    out = expand(config, ABBREVIATIONS)
    for key, table in (("device", DEVICE_ABBREVIATIONS), ("origin", ORIGIN_ABBREVIATIONS)):
        if key in out and out[key] is not None:
            if not isinstance(out[key], dict):
                raise ConfigProblem(f"{key} must be an object, got {type(out[key]).__name__}")
            out[key] = expand(out[key], table)
    if isinstance(out.get("availability"), list):
        out["availability"] = [expand(a, ABBREVIATIONS) if isinstance(a, dict) else a for a in out["availability"]]
    if TOPIC_BASE in out:
        _substitute_base(out)
    return out


def _substitute_base(config: dict[str, Any]) -> None:
    base = config.pop(TOPIC_BASE)
    if not isinstance(base, str):
        raise ConfigProblem(f"~ (base topic) must be a string, got {type(base).__name__}")

    def sub(value: str) -> str:
        if value.startswith(TOPIC_BASE):
            value = base + value[1:]
        if value.endswith(TOPIC_BASE):
            value = value[:-1] + base
        return value

    for key, value in config.items():
        if key.endswith("topic") and isinstance(value, str) and value:
            config[key] = sub(value)
    if isinstance(config.get("availability"), list):
        for entry in config["availability"]:
            if isinstance(entry, dict) and isinstance(entry.get("topic"), str) and entry["topic"]:
                entry["topic"] = sub(entry["topic"])


def _common_fields(where: DiscoveryTopic, config: Mapping[str, Any]) -> dict[str, Any]:
    device = config.get("device") or {}
    device_name = display_text(get_str(device, "name"))
    name = display_text(get_str(config, "name"))  # null or missing: the device's name (Zigbee2MQTT)
    aliases: list[str] = []
    if not name:
        name = device_name or humanise_id(where.object_id)
    elif device_name and device_name.lower() not in name.lower():
        aliases.append(f"{device_name} {name}")  # Home Assistant's friendly name for a named entity
    unique_id = get_str(config, "unique_id") or f"{where.component}/{where.node_id or '-'}/{where.object_id}"
    availability, mode = _availability(config)
    return {
        "unique_id": unique_id,
        "name": name,
        "area": normalise_area(get_str(device, "suggested_area")),
        "device_name": device_name,
        "aliases": tuple(aliases),
        "availability": availability,
        "availability_mode": mode,
        "optimistic": get_bool(config, "optimistic", False),
        "retain": get_bool(config, "retain", False),
    }


def _availability(config: Mapping[str, Any]) -> tuple[tuple[Availability, ...], str]:
    mode = get_str(config, "availability_mode", "latest")
    if mode not in _AVAILABILITY_MODES:
        raise ConfigProblem(f"availability_mode must be one of {', '.join(_AVAILABILITY_MODES)}, got {mode!r}")
    single = get_topic(config, "availability_topic")
    entries = config.get("availability")
    if single and entries:
        raise ConfigProblem("availability_topic and availability are mutually exclusive")
    if single:
        return (_availability_entry(config, single, "availability_template"),), mode
    if entries in (None, []):
        return (), mode
    if not isinstance(entries, list):
        raise ConfigProblem(f"availability must be a list, got {type(entries).__name__}")
    found: list[Availability] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ConfigProblem(f"availability entries must be objects, got {type(entry).__name__}")
        found.append(_availability_entry(entry, get_topic(entry, "topic", required=True), "value_template"))
    return tuple(found), mode


def _availability_entry(config: Mapping[str, Any], topic: str, template_key: str) -> Availability:
    return Availability(
        topic=topic,
        payload_available=get_str(config, "payload_available", "online"),
        payload_not_available=get_str(config, "payload_not_available", "offline"),
        value_template=get_str(config, template_key),
    )
