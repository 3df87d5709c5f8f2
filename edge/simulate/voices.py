"""The users' voices: Piper (joe, deterministic) and espeak-ng voices, cached on disk.

``VoiceBank.say(voice, text)`` returns 16 kHz float32 audio. Each rendering is
kept as ``<cache_dir>/<sha256(voice, text)>.npy`` (default
``~/.cache/edge/sim-audio``), so a user saying the same thing on another day,
or in another run, gives the very same audio, and a rerun skips synthesis.
Piper runs without sampling noise (``Synthesizer(deterministic=True)``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from edge.config import default_cache_dir

_LOG = logging.getLogger("edge.simulate")

CACHE_FORMAT = "1"  # part of every key: bump it when the rendering changes


def default_audio_cache() -> Path:
    return default_cache_dir() / "sim-audio"


class VoiceBank:
    def __init__(self, cache_dir: Path | None = None, *, espeak_wpm: int = 165) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_audio_cache()
        self.espeak_wpm = espeak_wpm
        self._piper: object | None = None
        self.synthesized = 0  # renderings made (cache misses)
        self.hits = 0

    def key(self, voice: str, text: str) -> str:
        raw = "\0".join((CACHE_FORMAT, voice, str(self.espeak_wpm) if voice != "piper" else "", text))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    def say(self, voice: str, text: str) -> np.ndarray:
        path = self.cache_dir / f"{self.key(voice, text)}.npy"
        try:
            audio = np.load(path)
            self.hits += 1
            return audio
        except (OSError, ValueError):
            pass
        audio = self._render(voice, text)
        self.synthesized += 1
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npy", dir=self.cache_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, audio)
            os.replace(tmp, path)  # another process rendering the same text writes the same bytes
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return audio

    def _render(self, voice: str, text: str) -> np.ndarray:
        from edge.audio import resample, to_float32

        if voice == "piper":
            from edge.config import TtsSettings
            from edge.tts import Synthesizer

            if self._piper is None:
                self._piper = Synthesizer(TtsSettings(), threads=1, deterministic=True)
            synth = self._piper
            chunks = list(synth.synthesize(text))  # type: ignore[attr-defined]
            audio = resample(to_float32(np.concatenate(chunks)), synth.sample_rate, 16000)  # type: ignore[attr-defined]
        else:
            from edge.tts import espeak_synthesize

            audio = to_float32(espeak_synthesize(text, voice=voice, rate=16000, speed_wpm=self.espeak_wpm))
        _LOG.debug("synthesized %r in %s (%.1f s)", text, voice, len(audio) / 16000)
        return np.asarray(audio, dtype=np.float32)
