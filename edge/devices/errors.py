"""Errors of the device layer; all are ``DeviceError`` with their own code."""

from __future__ import annotations

from edge.errors import DeviceError


class DiscoveryError(DeviceError):
    """A discovery message that cannot be used; the caller logs it and skips it."""

    code = "discovery"

    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"discovery message on {topic!r} skipped: {reason}")
        self.topic = topic
        self.reason = reason


class DeviceUnreachableError(DeviceError):
    """The broker is down (or the publish failed): nothing was switched."""

    code = "unreachable"


class CommandError(DeviceError):
    """A service or argument the entity does not support."""

    code = "command"
