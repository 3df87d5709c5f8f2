"""The device layer: Home Assistant MQTT discovery in, commands out, state back.

- ``discovery``: pure parsing of discovery messages into ``Entity`` records.
- ``domains``: per-domain behaviour (light, switch): config fields, command payloads, state reading.
- ``registry``: the thread-safe table of entities, state and availability.
- ``link``: ``DeviceLink``, the MQTT connection (paho-mqtt 2.x) that fills the registry and
  publishes commands, returning a ``PendingAction`` that waits for the state to confirm.
"""

from edge.devices.discovery import (
    Discovered,
    DiscoveryResult,
    DiscoveryTopic,
    Removed,
    Skipped,
    expand_config,
    match_topic,
    parse_discovery,
)
from edge.devices.domains import DOMAINS, TURN_OFF, TURN_ON, Command, build_command
from edge.devices.entity import OFF, ON, Availability, Entity
from edge.devices.errors import CommandError, DeviceUnreachableError, DiscoveryError
from edge.devices.link import DeviceLink, LinkState
from edge.devices.pending import PendingAction
from edge.devices.registry import EntityState, Override, Registry, StateReport

__all__ = [
    "DOMAINS",
    "OFF",
    "ON",
    "TURN_OFF",
    "TURN_ON",
    "Availability",
    "Command",
    "CommandError",
    "DeviceLink",
    "DeviceUnreachableError",
    "Discovered",
    "DiscoveryError",
    "DiscoveryResult",
    "DiscoveryTopic",
    "Entity",
    "EntityState",
    "LinkState",
    "Override",
    "PendingAction",
    "Registry",
    "Removed",
    "Skipped",
    "StateReport",
    "build_command",
    "expand_config",
    "match_topic",
    "parse_discovery",
]
