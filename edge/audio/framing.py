"""Exact frames from chunks of any size: the carry that makes streaming stages chunk-size invariant."""

from __future__ import annotations

import numpy as np

from edge.audio.files import FRAME_SAMPLES


class Framer:
    """``frames(chunk)`` returns the complete frames the chunk finished; the remainder waits for the next."""

    def __init__(self, frame_samples: int = FRAME_SAMPLES) -> None:
        self.frame_samples = frame_samples
        self._pending = np.zeros(0, dtype=np.int16)

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)

    def frames(self, audio: np.ndarray) -> list[np.ndarray]:
        buf = np.concatenate([self._pending, audio]) if self._pending.size else audio
        n = len(buf) // self.frame_samples
        self._pending = buf[n * self.frame_samples :].copy()
        return [buf[i * self.frame_samples : (i + 1) * self.frame_samples] for i in range(n)]
