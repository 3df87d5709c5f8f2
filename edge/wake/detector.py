"""Streaming wake word detection with the models of the openwakeword 0.4.0 wheel.

The audio path is melspectrogram -> speech embedding (openWakeWord's
``AudioFeatures``, one embedding per 80 ms) -> the wake word head (16
embeddings in, one score out). ``WakeWordDetector.process`` accepts int16
chunks of any size: it carries the remainder and runs the models on exact
1280-sample frames, so scores never depend on how the audio was chunked.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import edge  # noqa: F401  (ORT_DISABLE_TELEMETRY before onnxruntime)
from edge.audio.framing import Framer
from edge.errors import WakeError

_LOG = logging.getLogger("edge.wake")

FRAME_SAMPLES = 1280  # 80 ms at 16 kHz
_WARMUP_FRAMES = 5  # openWakeWord zeroes the first predictions while its buffers fill


def _models_dir() -> Path:
    try:
        import openwakeword
    except ImportError as exc:  # pragma: no cover - a broken install
        raise WakeError("openwakeword is not installed", fix="pip install openwakeword==0.4.0") from exc
    return Path(openwakeword.__file__).resolve().parent / "resources" / "models"


def builtin_models() -> dict[str, Path]:
    """Wake word names shipped in the wheel -> their ONNX files."""
    out = {}
    for path in sorted(_models_dir().glob("*_v0.1.onnx")):
        out[path.name.removesuffix("_v0.1.onnx")] = path
    return out


def resolve_wake_model(model: str) -> tuple[str, Path]:
    """``alexa`` / ``hey_jarvis`` / ``hey_mycroft`` / a path to an ``.onnx`` -> (name, path)."""
    if model.endswith(".onnx") or "/" in model:
        path = Path(model).expanduser()
        if not path.is_file():
            raise WakeError(f"wake word model {path} does not exist", fix="set [wake] model to a readable .onnx file")
        return path.stem.removesuffix("_v0.1"), path
    models = builtin_models()
    if model not in models:
        raise WakeError(
            f"unknown wake word model {model!r}",
            fix=f"set [wake] model to one of {', '.join(models)} or a path to an .onnx file",
        )
    return model, models[model]


@dataclass(frozen=True, slots=True)
class Detection:
    model: str
    score: float
    audio_time_s: float  # stream position (end of the 80 ms frame that fired)


class WakeWordDetector:
    """Feeds 16 kHz int16 audio, reports detections above the threshold.

    After a detection, further ones are ignored for ``refractory_s`` of audio.
    Not thread-safe: one audio thread owns it.
    """

    def __init__(self, model: str = "alexa", threshold: float = 0.5, refractory_s: float = 2.0, threads: int = 1):
        import onnxruntime as ort
        from openwakeword.utils import AudioFeatures

        self.name, path = resolve_wake_model(model)
        self.threshold = threshold
        self.refractory_s = refractory_s
        d = _models_dir()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            with warnings.catch_warnings():  # it asks for CUDA first and warns when there is none
                warnings.simplefilter("ignore", UserWarning)
                self._features = AudioFeatures(
                    melspec_onnx_model_path=str(d / "melspectrogram.onnx"),
                    embedding_onnx_model_path=str(d / "embedding_model.onnx"),
                    ncpu=threads,
                )
            self._head = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise WakeError(f"cannot load wake word model {path}: {exc}", fix="reinstall openwakeword==0.4.0") from exc
        self._input_name = self._head.get_inputs()[0].name
        self._n_embeddings = int(self._head.get_inputs()[0].shape[1])
        self._initial_features = self._features.feature_buffer.copy()
        self.reset()

    def reset(self) -> None:
        """Forget all audio: buffers back to their initial state (``Model.reset`` does not do this)."""
        f = self._features
        f.raw_data_buffer.clear()
        f.melspectrogram_buffer = np.ones((76, 32))
        f.accumulated_samples = 0
        f.feature_buffer = self._initial_features.copy()
        self._framer = Framer(FRAME_SAMPLES)
        self._frames = 0
        self._last_detection_s = -1e9
        self.last_score = 0.0
        self.max_score = 0.0

    @property
    def audio_time_s(self) -> float:
        return self._frames * FRAME_SAMPLES / 16000

    def process(self, audio: np.ndarray) -> list[Detection]:
        """Feed int16 samples of any length; return the detections they completed."""
        if audio.dtype != np.int16:
            raise WakeError(f"wake word audio must be int16, got {audio.dtype}", fix="convert with edge.audio.to_int16")
        out = []
        for frame in self._framer.frames(audio):
            detection = self._frame(frame)
            if detection:
                out.append(detection)
        return out

    def _frame(self, frame: np.ndarray) -> Detection | None:
        self._features(frame)
        self._frames += 1
        feats = self._features.get_features(self._n_embeddings)
        score = float(self._head.run(None, {self._input_name: feats})[0][0][0])
        if self._frames <= _WARMUP_FRAMES:
            score = 0.0
        self.last_score = score
        self.max_score = max(self.max_score, score)
        now = self.audio_time_s
        if score >= self.threshold and now - self._last_detection_s >= self.refractory_s:
            self._last_detection_s = now
            _LOG.debug("wake word %s score %.3f at %.2f s", self.name, score, now)
            return Detection(self.name, score, now)
        return None
