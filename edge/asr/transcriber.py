"""The ASR stage: command audio in, an ``AsrResult`` out."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from edge.asr.bias import DEFAULT_WORD_BONUS, Hypothesis, distinct_texts, is_degenerate, rank, trim_repetition
from edge.asr.models import resolve_model_dir
from edge.asr.whisper import FULL_WINDOW_S, SAMPLE_RATE, Decoded, WhisperDecoder, WindowPolicy
from edge.config import AsrSettings
from edge.errors import AsrError
from edge.turn import AsrResult

_LOG = logging.getLogger("edge.asr")

MIN_AUDIO_S = 0.1  # shorter input is padded with silence
NO_SPEECH_THRESHOLD = 0.6  # faster-whisper's rule for dropping a segment as silence ...
LOG_PROB_THRESHOLD = -1.0  # ... unless the text is confident anyway


class Transcriber:
    """Whisper (tiny.en, base or a local CTranslate2 directory) decoding English commands.

    ``transcribe`` may be called from any one thread at a time; concurrent calls
    are serialised by a lock.
    """

    def __init__(
        self,
        settings: AsrSettings,
        cache_dir: Path,
        *,
        window_per_audio_s: float = 3.0,
        word_bonus: float = DEFAULT_WORD_BONUS,
        warmup: bool = True,
    ) -> None:
        self.settings = settings
        self.name = settings.model
        self.model_dir = resolve_model_dir(settings.model, Path(cache_dir))
        self.policy = WindowPolicy(min_window_s=settings.window_s, window_per_audio_s=window_per_audio_s)
        self.beam_size = max(1, settings.beam_size)
        self.word_bonus = word_bonus
        self._lock = threading.Lock()
        t0 = time.perf_counter()
        self._decoder = WhisperDecoder(self.model_dir, compute_type=settings.compute_type, threads=settings.threads)
        _LOG.info("loaded Whisper %s (%s, %d threads) from %s in %.2f s", self.name, settings.compute_type,
                  settings.threads, self.model_dir, time.perf_counter() - t0)
        if warmup:  # the first decode allocates; do it now rather than on the first command
            self.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32))

    def transcribe(self, audio: np.ndarray, vocabulary: Sequence[str] = ()) -> AsrResult:
        """Transcribe float32 16 kHz mono ``audio``; ``vocabulary`` (device/area names) biases the n-best choice."""
        samples = _as_mono_float32(audio)
        audio_s = len(samples) / SAMPLE_RATE
        if audio_s > FULL_WINDOW_S:
            _LOG.warning("command of %.1f s is longer than Whisper's 30 s window; transcribing its first 30 s", audio_s)
            samples = samples[: int(FULL_WINDOW_S * SAMPLE_RATE)]
        if len(samples) < MIN_AUDIO_S * SAMPLE_RATE:
            samples = np.pad(samples, (0, int(MIN_AUDIO_S * SAMPLE_RATE) - len(samples)))
        clip_s = len(samples) / SAMPLE_RATE
        with self._lock:
            t0 = time.perf_counter()
            decoded = self._decoder.decode(samples, beam_size=self.beam_size, window_s=self.policy.window_s(clip_s))
            usable = _usable(decoded)
            ran_away = not usable and any(h.text for h in decoded.hypotheses)  # not merely silence
            if ran_away and decoded.window_s < FULL_WINDOW_S:
                _LOG.info("runaway decoding with a %.1f s window (%r); decoding again with 30 s",
                          decoded.window_s, decoded.hypotheses[0].text[:80] if decoded.hypotheses else "")
                decoded = self._decoder.decode(samples, beam_size=self.beam_size, window_s=FULL_WINDOW_S)
                usable = _usable(decoded) or list(decoded.hypotheses[:1])
            elapsed_ms = (time.perf_counter() - t0) * 1000
        ranked = rank(usable, vocabulary, word_bonus=self.word_bonus)
        if not ranked:
            return AsrResult("", 0.0, decoded.no_speech_prob, round(audio_s, 3), self.name)
        best = ranked[0].hypothesis
        text = best.text
        if decoded.no_speech_prob > NO_SPEECH_THRESHOLD and best.avg_logprob < LOG_PROB_THRESHOLD:
            _LOG.debug("treating %r as silence (no_speech_prob %.2f)", text, decoded.no_speech_prob)
            text = ""
        alternatives = distinct_texts((r.hypothesis.text for r in ranked[1:]), exclude=text)
        _LOG.debug("%.0f ms, window %.1f s, %r (bonus %.2f), alternatives %r", elapsed_ms, decoded.window_s,
                   text, ranked[0].bonus, alternatives)
        return AsrResult(
            text=text,
            avg_logprob=round(best.avg_logprob, 4),
            no_speech_prob=round(decoded.no_speech_prob, 4),
            audio_s=round(audio_s, 3),
            model=self.name,
            alternatives=alternatives,
        )


def _usable(decoded: Decoded) -> list[Hypothesis]:
    """Hypotheses worth ranking: a tail that repeats the command is cut off; other runaways are dropped."""
    usable = []
    for h in decoded.hypotheses:
        trimmed = trim_repetition(h.text)
        if trimmed != h.text:
            usable.append(dataclasses.replace(h, text=trimmed))
        elif h.text and not is_degenerate(h.text, h.n_tokens, decoded.max_new_tokens):
            usable.append(h)
    return usable


def _as_mono_float32(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio)
    if a.ndim == 2 and 1 in a.shape:
        a = a.reshape(-1)
    if a.ndim != 1:
        raise AsrError(f"ASR expects mono audio (a 1-D array), got shape {a.shape}", fix="mix the channels down first")
    if not np.issubdtype(a.dtype, np.floating):
        raise AsrError(f"ASR expects float samples in [-1, 1], got {a.dtype}", fix="divide int16 samples by 32768")
    a = a.astype(np.float32, copy=False)
    if not np.all(np.isfinite(a)):
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    return a
