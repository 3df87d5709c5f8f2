"""Silero VAD on ONNX Runtime: one speech probability per 80 ms frame.

Uses the ``silero_vad.onnx`` shipped in the openwakeword 0.4.0 wheel (the
h/c-state version). Like the wake word detector it accepts chunks of any size
and evaluates exact frames, so its output does not depend on chunking.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import edge  # noqa: F401  (ORT_DISABLE_TELEMETRY before onnxruntime)
from edge.audio.framing import Framer
from edge.errors import WakeError

FRAME_SAMPLES = 1280
_SUB = 640  # the model is run on two 40 ms halves of each 80 ms frame


class SileroVad:
    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort
        import openwakeword

        path = Path(openwakeword.__file__).resolve().parent / "resources" / "models" / "silero_vad.onnx"
        if not path.is_file():
            raise WakeError(f"Silero VAD model missing at {path}", fix="reinstall openwakeword==0.4.0")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self._sr = np.array(16000, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((2, 1, 64), dtype=np.float32)
        self._c = np.zeros((2, 1, 64), dtype=np.float32)
        self._framer = Framer(FRAME_SAMPLES)

    def process(self, audio: np.ndarray) -> list[float]:
        """Feed int16 samples of any length; return one probability per completed 80 ms frame."""
        return [self._frame(frame) for frame in self._framer.frames(audio)]

    def _frame(self, frame: np.ndarray) -> float:
        probs = []
        for i in range(0, FRAME_SAMPLES, _SUB):
            chunk = (frame[i : i + _SUB].astype(np.float32) / 32767.0)[None, :]
            out, self._h, self._c = self._session.run(
                None, {"input": chunk, "h": self._h, "c": self._c, "sr": self._sr}
            )
            probs.append(float(out[0][0]))
        return max(probs)
