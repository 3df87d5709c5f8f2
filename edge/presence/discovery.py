"""This speaker as Home Assistant sees it: its MQTT discovery configs and topics. Pure.

Configs go retained to ``<prefix>/<component>/<node id>/<object id>/config`` with
one ``device`` block naming the speaker and one availability topic whose
last will is "offline":

- sensor "Last command": the last transcript; outcome, intent, answer as attributes
- sensor "Listening state": idle / listening / thinking / speaking (``ListenState``)
- switch "Mute": ON mutes the wake word; the state is echoed
- sensor "Active timers": how many run; each timer as an attribute
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import edge

LISTEN_STATES = ("idle", "listening", "thinking", "speaking")
MAX_STATE_CHARS = 255  # Home Assistant drops longer states


def node_id(speaker_id: str) -> str:
    """The speaker id as a discovery node id ([a-zA-Z0-9_-])."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", speaker_id) or "edge"


@dataclass(frozen=True, slots=True)
class SpeakerTopics:
    speaker_id: str
    prefix: str = "homeassistant"

    @property
    def node(self) -> str:
        return node_id(self.speaker_id)

    @property
    def base(self) -> str:
        return f"edge/{self.node}"

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def last_command(self) -> str:
        return f"{self.base}/last_command"

    @property
    def last_command_attributes(self) -> str:
        return f"{self.base}/last_command/attributes"

    @property
    def listen_state(self) -> str:
        return f"{self.base}/listen_state"

    @property
    def mute_state(self) -> str:
        return f"{self.base}/mute"

    @property
    def mute_command(self) -> str:
        return f"{self.base}/mute/set"

    @property
    def timers(self) -> str:
        return f"{self.base}/timers"

    @property
    def timers_attributes(self) -> str:
        return f"{self.base}/timers/attributes"

    def config_topic(self, component: str, object_id: str) -> str:
        return f"{self.prefix.rstrip('/')}/{component}/{self.node}/{object_id}/config"


def speaker_configs(topics: SpeakerTopics, area: str = "") -> dict[str, dict[str, Any]]:
    """Discovery topic -> config, for every entity of this speaker."""
    node = topics.node
    device: dict[str, Any] = {
        "identifiers": [f"edge_{node}"],
        "name": f"{topics.speaker_id} speaker",
        "manufacturer": "edge",
        "model": "edge voice assistant",
        "sw_version": edge.__version__,
    }
    if area:
        device["suggested_area"] = area
    common = {
        "device": device,
        "origin": {"name": "edge", "sw_version": edge.__version__},
        "availability_topic": topics.availability,
        "payload_available": "online",
        "payload_not_available": "offline",
    }
    return {
        topics.config_topic("sensor", "last_command"): {
            **common,
            "name": "Last command",
            "unique_id": f"edge_{node}_last_command",
            "object_id": f"{node}_last_command",
            "state_topic": topics.last_command,
            "json_attributes_topic": topics.last_command_attributes,
            "icon": "mdi:account-voice",
        },
        topics.config_topic("sensor", "listening_state"): {
            **common,
            "name": "Listening state",
            "unique_id": f"edge_{node}_listening_state",
            "object_id": f"{node}_listening_state",
            "state_topic": topics.listen_state,
            "device_class": "enum",
            "options": list(LISTEN_STATES),
            "icon": "mdi:microphone-message",
        },
        topics.config_topic("switch", "mute"): {
            **common,
            "name": "Mute",
            "unique_id": f"edge_{node}_mute",
            "object_id": f"{node}_mute",
            "command_topic": topics.mute_command,
            "state_topic": topics.mute_state,
            "payload_on": "ON",
            "payload_off": "OFF",
            "icon": "mdi:microphone-off",
        },
        topics.config_topic("sensor", "timers"): {
            **common,
            "name": "Active timers",
            "unique_id": f"edge_{node}_timers",
            "object_id": f"{node}_timers",
            "state_topic": topics.timers,
            "json_attributes_topic": topics.timers_attributes,
            "state_class": "measurement",
            "icon": "mdi:timer-outline",
        },
    }
