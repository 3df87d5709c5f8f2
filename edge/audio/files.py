"""Reading and writing audio files: any rate, channel count or bit depth in, 16 kHz mono out."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from edge.audio.dsp import resample, to_float32, to_int16
from edge.errors import AudioError

SAMPLE_RATE = 16000  # what every stage after the microphone consumes
FRAME_SAMPLES = 1280  # 80 ms at 16 kHz: the wake word's frame

_LOGGER = logging.getLogger("edge.audio")

PathLike = str | os.PathLike[str]


def read_audio(path: PathLike, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A WAV/FLAC/OGG file as float32 mono at ``rate`` (default 16 kHz), in -1..1.

    Channels are averaged; other rates are resampled with the exact rational ratio.
    """
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"audio file {p} does not exist", fix="check the path (WAV, FLAC or OGG)")
    try:
        data, file_rate = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(f"cannot read audio file {p}: {exc}", fix="use a readable WAV, FLAC or OGG file") from exc
    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    if file_rate != rate:
        _LOGGER.debug("resampling %s from %d Hz to %d Hz", p, file_rate, rate)
        mono = resample(mono, int(file_rate), rate)
    return np.ascontiguousarray(np.clip(mono, -1.0, 1.0), dtype=np.float32)


def write_wav(path: PathLike, audio: np.ndarray, rate: int) -> None:
    """Write mono int16 or float (-1..1) samples as a 16-bit PCM WAV."""
    samples = to_int16(np.asarray(audio).reshape(-1))
    try:
        sf.write(str(path), samples, int(rate), subtype="PCM_16", format="WAV")
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioError(f"cannot write {path}: {exc}", fix="check that the folder exists and is writable") from exc


__all__ = ["FRAME_SAMPLES", "SAMPLE_RATE", "read_audio", "to_float32", "to_int16", "write_wav"]
