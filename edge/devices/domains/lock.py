"""MQTT lock: lock / unlock (and open, when the lock declares ``payload_open``).

Normalised state: "locked", "unlocked", "locking", "unlocking", "jammed",
"open", "opening". "locking" is progress toward "locked"; "jammed" is a failure.
"""

from __future__ import annotations

from typing import Any, Mapping

from edge.devices import details
from edge.devices.details import LockDetail
from edge.devices.domains.base import (
    LOCK,
    OPEN,
    UNLOCK,
    Command,
    StateChanges,
    get_str,
    get_topic,
    matches,
    no_data,
    unsupported,
)
from edge.devices.entity import Entity
from edge.devices.templates import render


class Lock:
    name = "lock"

    def parse(self, config: Mapping[str, Any]) -> dict[str, Any]:
        detail = LockDetail(
            payload_lock=get_str(config, "payload_lock", "LOCK"),
            payload_unlock=get_str(config, "payload_unlock", "UNLOCK"),
            payload_open=get_str(config, "payload_open", ""),
            state_locked=get_str(config, "state_locked", "LOCKED"),
            state_unlocked=get_str(config, "state_unlocked", "UNLOCKED"),
            state_locking=get_str(config, "state_locking", "LOCKING"),
            state_unlocking=get_str(config, "state_unlocking", "UNLOCKING"),
            state_jammed=get_str(config, "state_jammed", "JAMMED"),
            state_open=get_str(config, "state_open", "OPEN"),
            state_opening=get_str(config, "state_opening", "OPENING"),
        )
        features = {details.LOCK} | ({details.OPEN} if detail.payload_open else set())
        return {
            "command_topic": get_topic(config, "command_topic", required=True, publish=True),
            "state_topic": get_topic(config, "state_topic"),
            "value_template": get_str(config, "value_template"),
            "detail": detail,
            "features": frozenset(features),
        }

    def command(self, entity: Entity, service: str, data: Mapping[str, Any]) -> Command:
        detail = entity.detail if isinstance(entity.detail, LockDetail) else LockDetail()
        no_data(entity, service, data)
        if service == LOCK:
            return Command(entity.command_topic, detail.payload_lock, "locked", entity.retain,
                           progress_states=("locking",), optimistic=entity.optimistic)
        if service == UNLOCK:
            return Command(entity.command_topic, detail.payload_unlock, "unlocked", entity.retain,
                           progress_states=("unlocking",), optimistic=entity.optimistic)
        if service == OPEN and detail.payload_open:
            return Command(entity.command_topic, detail.payload_open, "open", entity.retain,
                           accept_states=("unlocked",), progress_states=("opening", "unlocking"),
                           optimistic=entity.optimistic)
        raise unsupported(entity, service)

    def read(self, entity: Entity, topic: str, payload: str) -> StateChanges:
        if not matches(entity.state_topic, topic):
            return {}
        detail = entity.detail if isinstance(entity.detail, LockDetail) else LockDetail()
        value = render(entity.value_template, payload)
        if value is None:
            return {}
        states = {
            detail.state_locked: "locked",
            detail.state_unlocked: "unlocked",
            detail.state_locking: "locking",
            detail.state_unlocking: "unlocking",
            detail.state_jammed: "jammed",
            detail.state_open: "open",
            detail.state_opening: "opening",
        }
        state = states.get(value)
        return {} if state is None else {"value": state}

    def read_state(self, entity: Entity, payload: str) -> str | None:
        return self.read(entity, entity.state_topic, payload).get("value")
