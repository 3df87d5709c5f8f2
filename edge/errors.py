"""One error class per stage, each carrying a stable code.

The CLI turns any ``EdgeError`` into a one-line message (``error[code]: ...``)
instead of a traceback; ``fix`` says what the user can do about it.
"""

from __future__ import annotations


class EdgeError(Exception):
    """Base of every error edge raises on purpose."""

    code = "edge"

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message


class ConfigError(EdgeError):
    code = "config"


class AudioError(EdgeError):
    code = "audio"


class WakeError(EdgeError):
    code = "wake"


class AsrError(EdgeError):
    code = "asr"


class NluError(EdgeError):
    code = "nlu"


class DeviceError(EdgeError):
    code = "devices"


class TtsError(EdgeError):
    code = "tts"


class TurnLogError(EdgeError):
    code = "turnlog"


class BrokerError(EdgeError):
    code = "broker"


class ServiceError(EdgeError):
    code = "service"
