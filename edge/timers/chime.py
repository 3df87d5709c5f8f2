"""The sound a finished timer makes: two sine tones with a soft envelope, a few times. Pure numpy."""

from __future__ import annotations

import numpy as np

CHIME_RATE = 22050
_TONES_HZ = (880.0, 1318.5)  # A5 then E6: a rising fifth
_TONE_S = 0.22
_GAP_S = 0.06
_PAUSE_S = 0.45


def _tone(freq_hz: float, rate: int) -> np.ndarray:
    t = np.arange(int(_TONE_S * rate)) / rate
    attack = np.minimum(1.0, t / 0.01)  # 10 ms rise: no click
    decay = np.exp(-t * 9.0)  # a bell-like fade
    wave = np.sin(2 * np.pi * freq_hz * t) + 0.25 * np.sin(4 * np.pi * freq_hz * t)
    return wave * attack * decay


def chime(repeats: int = 3, rate: int = CHIME_RATE, volume: float = 0.5) -> np.ndarray:
    """int16 mono at ``rate``: ``repeats`` times the two tones, with a pause between."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    gap = np.zeros(int(_GAP_S * rate))
    pause = np.zeros(int(_PAUSE_S * rate))
    once = np.concatenate([_tone(_TONES_HZ[0], rate), gap, _tone(_TONES_HZ[1], rate), pause])
    audio = np.tile(once, repeats)
    audio = audio / np.max(np.abs(audio)) * volume
    return (audio * 32767).astype(np.int16)
