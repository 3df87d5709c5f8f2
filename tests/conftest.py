"""Shared fixtures: a real Mosquitto broker per test session, the shared data folder."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before anything can import onnxruntime

import numpy as np
import pytest

import edge  # noqa: F401  (sets the privacy environment)

if TYPE_CHECKING:
    from edge.broker import LocalBroker

SHARED_DATA = Path(os.environ.get("EDGE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set EDGE_SHARED_DATA)")
    return SHARED_DATA


def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or the time is up; its last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def ns() -> str:
    """A fresh namespace for topics and ids, so tests on the shared broker don't meet."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def broker() -> Iterator["LocalBroker"]:
    """A real Mosquitto on a free loopback port, for the whole session."""
    from edge.broker import LocalBroker

    with LocalBroker() as b:
        yield b


class Voices:
    """Speech synthesized in the session: Piper (joe) and espeak-ng, a second, different voice."""

    def __init__(self) -> None:
        self._piper = None
        self._cache: dict[tuple[str, str], "np.ndarray"] = {}

    def piper(self, text: str) -> "np.ndarray":
        from edge.audio import resample, to_float32
        from edge.config import TtsSettings
        from edge.tts import Synthesizer

        key = ("piper", text)
        if key not in self._cache:
            if self._piper is None:
                self._piper = Synthesizer(TtsSettings(), threads=1, deterministic=True)
            chunks = list(self._piper.synthesize(text))
            self._cache[key] = resample(to_float32(np.concatenate(chunks)), self._piper.sample_rate, 16000)
        return self._cache[key]

    def espeak(self, text: str) -> "np.ndarray":
        from edge.audio import to_float32
        from edge.tts import espeak_synthesize

        key = ("espeak", text)
        if key not in self._cache:
            self._cache[key] = to_float32(espeak_synthesize(text, voice="en", rate=16000))
        return self._cache[key]

    def say(self, voice: str, text: str) -> "np.ndarray":
        return self.piper(text) if voice == "piper" else self.espeak(text)


@pytest.fixture(scope="session")
def voices() -> Voices:
    return Voices()


def write_wav(path: Path, audio: "np.ndarray") -> Path:
    import soundfile as sf

    sf.write(str(path), audio, 16000, subtype="PCM_16")
    return path
