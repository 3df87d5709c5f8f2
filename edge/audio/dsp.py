"""Sample-format conversion and resampling, whole-signal and streaming.

Conventions: float audio is float32 in -1..1; int16 maps to float by /32768,
so int16 -> float32 -> int16 round-trips exactly. Resampling is polyphase
(``scipy.signal.resample_poly``) with the exact rational ratio of the rates.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import firwin, resample_poly

_INT16_SCALE = 32768.0


def to_float32(audio: np.ndarray) -> np.ndarray:
    """int16 (or any float) samples as float32 in -1..1."""
    a = np.asarray(audio)
    if a.dtype == np.int16:
        return a.astype(np.float32) / np.float32(_INT16_SCALE)
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"expected int16 or float audio, got {a.dtype}")
    return a.astype(np.float32, copy=False)


def to_int16(audio: np.ndarray) -> np.ndarray:
    """Float samples (-1..1, clipped) as int16; int16 input is returned unchanged."""
    a = np.asarray(audio)
    if a.dtype == np.int16:
        return a
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"expected int16 or float audio, got {a.dtype}")
    scaled = np.rint(a.astype(np.float64) * _INT16_SCALE)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def _ratio(src_rate: int, dst_rate: int) -> tuple[int, int]:
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {src_rate} -> {dst_rate}")
    g = math.gcd(int(src_rate), int(dst_rate))
    return int(dst_rate) // g, int(src_rate) // g


def resample(audio: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample along the first axis; float in, float32 out (int16 in, int16 out)."""
    up, down = _ratio(src_rate, dst_rate)
    if up == down:
        same: np.ndarray = np.array(audio, copy=True)
        return same
    out: np.ndarray = np.asarray(resample_poly(to_float32(audio), up, down, axis=0), dtype=np.float32)
    return to_int16(out) if np.asarray(audio).dtype == np.int16 else out


class StreamResampler:
    """Chunk-by-chunk resampler that matches ``resample_poly`` on the whole stream.

    Same filter as ``resample_poly`` (Kaiser-windowed sinc, half length
    10 * max(up, down)), evaluated per output sample from a carried history, so
    the result does not depend on the chunk sizes. Output lags the input by the
    filter's half length; the last outputs come out when more input arrives.
    """

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        self.src_rate = int(src_rate)
        self.dst_rate = int(dst_rate)
        self._up, self._down = _ratio(src_rate, dst_rate)
        half_len = 10 * max(self._up, self._down)
        h = firwin(2 * half_len + 1, 1.0 / max(self._up, self._down), window=("kaiser", 5.0)) * self._up
        taps = math.ceil(len(h) / self._up)
        padded = np.zeros(taps * self._up)
        padded[: len(h)] = h
        # polyphase[p, j] = h[p + j * up]: the taps that meet input sample i_hi - j.
        self._polyphase = padded.reshape(taps, self._up).T.copy()
        self._taps = taps
        self._delay = half_len
        self._history = np.zeros(taps - 1)  # zeros before the stream, as resample_poly assumes
        self._base = -(taps - 1)  # global input index of _history[0]
        self._n_in = 0  # input samples seen
        self._n_out = 0  # output samples produced

    @property
    def passthrough(self) -> bool:
        return self._up == self._down

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Feed 1-D samples (int16 or float); returns the outputs now computable, same dtype kind."""
        is_int = np.asarray(chunk).dtype == np.int16
        x = to_float32(np.asarray(chunk).reshape(-1)).astype(np.float64)
        if self.passthrough:
            return np.asarray(chunk).reshape(-1).copy()
        buf = np.concatenate([self._history, x])
        self._n_in += len(x)
        # output n needs input up to i_hi = (n*down + delay) // up
        n_end = ((self._n_in * self._up - 1 - self._delay) // self._down) + 1
        n = np.arange(self._n_out, max(n_end, self._n_out), dtype=np.int64)
        if len(n):
            pos = n * self._down + self._delay
            i_hi = pos // self._up
            phase = pos - i_hi * self._up
            idx = (i_hi - self._base)[:, None] - np.arange(self._taps)[None, :]
            y = np.einsum("nj,nj->n", buf[idx], self._polyphase[phase])
            self._n_out = int(n[-1]) + 1
        else:
            y = np.zeros(0)
        # keep what the next outputs can still reach
        next_low = ((self._n_out * self._down + self._delay) // self._up) - (self._taps - 1)
        keep_from = max(0, min(next_low - self._base, len(buf)))
        self._history = buf[keep_from:]
        self._base += keep_from
        out = y.astype(np.float32)
        return to_int16(out) if is_int else out
