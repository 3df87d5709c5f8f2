"""PortAudio devices through sounddevice, imported lazily.

``import sounddevice`` raises OSError when the PortAudio library is missing, and
on a machine without sound hardware the default device is -1. Both become an
``AudioError`` that says what to do, so the rest of edge works from WAV files
without PortAudio installed.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from edge.errors import AudioError

_LOGGER = logging.getLogger("edge.audio")

Kind = Literal["input", "output"]

NO_PORTAUDIO_FIX = "sudo apt-get install libportaudio2"
_WAV_HINT = {"input": "or use `edge listen --wav FILE`", "output": "or write the reply to a WAV file instead"}


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    index: int
    name: str
    channels: int  # input or output channels, by the kind listed
    default_rate_hz: int
    is_default: bool = False

    def __str__(self) -> str:
        return f"{self.index}: {self.name}"


def load_sounddevice() -> ModuleType:
    """The sounddevice module, or an AudioError saying how to install what is missing."""
    try:
        return importlib.import_module("sounddevice")
    except OSError as exc:  # the Python package is there, libportaudio is not
        raise AudioError("PortAudio is not installed", fix=NO_PORTAUDIO_FIX) from exc
    except ImportError as exc:
        raise AudioError("the sounddevice package is not installed", fix="pip install sounddevice") from exc


def _channels_key(kind: Kind) -> str:
    return "max_input_channels" if kind == "input" else "max_output_channels"


def _default_index(sd: ModuleType, kind: Kind) -> int:
    try:
        pair = sd.default.device
        idx = pair[0] if kind == "input" else pair[1]
        return int(idx) if idx is not None else -1
    except (TypeError, ValueError, IndexError):
        return -1


def list_devices(kind: Kind, sd: ModuleType | None = None) -> list[DeviceInfo]:
    """Devices with at least one channel of ``kind``; empty on a machine without sound hardware."""
    sd = sd or load_sounddevice()
    try:
        raw: Any = sd.query_devices()
    except sd.PortAudioError as exc:
        raise AudioError(f"cannot list audio devices: {exc}", fix="check that the sound system is running") from exc
    default = _default_index(sd, kind)
    key = _channels_key(kind)
    out = []
    for i, dev in enumerate(raw):
        channels = int(dev.get(key, 0))
        if channels > 0:
            idx = int(dev.get("index", i))
            out.append(
                DeviceInfo(idx, str(dev["name"]), channels, int(dev.get("default_samplerate", 0)), idx == default)
            )
    return out


def list_input_devices() -> list[DeviceInfo]:
    return list_devices("input")


def list_output_devices() -> list[DeviceInfo]:
    return list_devices("output")


def _not_found(kind: Kind, spec: str, devices: list[DeviceInfo]) -> AudioError:
    key = f"[audio] {kind}_device"
    if not devices:
        what = f"{kind} device {spec!r} not found: " if spec else ""
        return AudioError(
            f"{what}no audio {kind} device found (available {kind} devices: none)",
            fix=f"connect one, set {key} in the config, {_WAV_HINT[kind]}",
        )
    names = ", ".join(str(d) for d in devices)
    what = f"{kind} device {spec!r} not found" if spec else f"no default {kind} device"
    return AudioError(
        f"{what}; available {kind} devices: {names}",
        fix=f"set {key} in the config to one of these names or indices, {_WAV_HINT[kind]}",
    )


def resolve_device(spec: str, kind: Kind, sd: ModuleType | None = None) -> DeviceInfo:
    """The device named by ``spec``: an index ("2"), a case-insensitive name substring, or "" for the default."""
    sd = sd or load_sounddevice()
    devices = list_devices(kind, sd)
    spec = spec.strip()
    if not spec:
        default = [d for d in devices if d.is_default]
        if default:
            return default[0]
        if devices:
            _LOGGER.info("no default %s device; using %s", kind, devices[0])
            return devices[0]
        raise _not_found(kind, spec, devices)
    if spec.isdigit():
        match = [d for d in devices if d.index == int(spec)]
    else:
        match = [d for d in devices if spec.lower() in d.name.lower()]
    if not match:
        raise _not_found(kind, spec, devices)
    if len(match) > 1:
        _LOGGER.info("%s device %r matches %d devices; using %s", kind, spec, len(match), match[0])
    return match[0]


def supports_rate(sd: ModuleType, device: DeviceInfo, kind: Kind, rate: int) -> bool:
    """Whether PortAudio accepts mono int16 at ``rate`` on the device."""
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    try:
        check(device=device.index, samplerate=rate, channels=1, dtype="int16")
    except (sd.PortAudioError, ValueError):
        return False
    return True


__all__ = [
    "NO_PORTAUDIO_FIX",
    "DeviceInfo",
    "list_devices",
    "list_input_devices",
    "list_output_devices",
    "load_sounddevice",
    "resolve_device",
    "supports_rate",
]
