"""Short-window Whisper decoding on CTranslate2, bypassing ``WhisperModel.transcribe``.

faster-whisper always pads the log-mel features to a 30 s window (3,000 frames),
so the encoder costs the same for a 2 s command as for 30 s of speech. The
CTranslate2 encoder accepts fewer frames, so the window here just covers the
clip: ``min(30, max(min_window_s, window_per_audio_s x clip))``. Below about
10 s tiny.en starts repeating itself ("next next next", a command said twice),
and a clip needs about 3x its length of window; both were measured on real
recorded commands (benchmarks/asr_window.py). Runaway hypotheses are caught
(see ``bias.is_degenerate``) and, if the whole beam ran away, the clip is decoded
again with the full 30 s window.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edge.asr.bias import Hypothesis
from edge.errors import AsrError

_LOG = logging.getLogger("edge.asr")

SAMPLE_RATE = 16_000
FULL_WINDOW_S = 30.0
MAX_NEW_TOKENS_PER_S = 6.0  # fast speech is ~4-5 tokens/s with punctuation
MAX_NEW_TOKENS_EXTRA = 10


@dataclass(frozen=True, slots=True)
class WindowPolicy:
    min_window_s: float = 10.0  # settings.asr.window_s
    window_per_audio_s: float = 3.0  # window seconds per second of audio
    margin_s: float = 1.0  # at least this much window after the clip
    max_window_s: float = FULL_WINDOW_S

    def window_s(self, clip_s: float) -> float:
        want = max(self.min_window_s, self.window_per_audio_s * clip_s, clip_s + self.margin_s)
        return min(self.max_window_s, want)


@dataclass(frozen=True, slots=True)
class Decoded:
    hypotheses: tuple[Hypothesis, ...]  # CTranslate2's n-best, best first
    no_speech_prob: float
    window_s: float
    max_new_tokens: int


def max_new_tokens(clip_s: float, prompt_len: int, max_length: int = 448) -> int:
    return min(max_length - prompt_len, int(MAX_NEW_TOKENS_PER_S * clip_s) + MAX_NEW_TOKENS_EXTRA)


class WhisperDecoder:
    """One CTranslate2 Whisper model, decoding English with a window that fits the clip."""

    def __init__(self, model_dir: Path, *, compute_type: str = "int8", threads: int = 2) -> None:
        import ctranslate2
        import tokenizers
        from faster_whisper.feature_extractor import FeatureExtractor
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self._ct2 = ctranslate2
        try:
            self.model = ctranslate2.models.Whisper(
                str(model_dir), device="cpu", compute_type=compute_type, intra_threads=threads, inter_threads=1
            )
            hf_tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as exc:  # CTranslate2: RuntimeError/ValueError; tokenizers: its own Exception
            raise AsrError(f"cannot load the Whisper model in {model_dir}: {exc}",
                           fix="check the model directory, or set [asr] model to tiny.en") from exc
        self.multilingual = bool(self.model.is_multilingual)
        self.tokenizer = Tokenizer(hf_tokenizer, self.multilingual, task="transcribe", language="en")
        # tiny.en: <|startoftranscript|><|notimestamps|>; multilingual: sot <|en|> <|transcribe|> <|notimestamps|>
        self.prompt: list[int] = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        self.suppress_tokens: list[int] = list(get_suppressed_tokens(self.tokenizer, [-1]) or ())
        self.features = FeatureExtractor(**_feature_kwargs(model_dir, int(self.model.n_mels)))

    def _encode(self, audio: np.ndarray, window_s: float) -> Any:
        frames = 2 * math.ceil(round(window_s * SAMPLE_RATE / self.features.hop_length, 3) / 2)  # even: conv stride 2
        mel = self.features(audio)[:, :frames]
        window = np.zeros((mel.shape[0], frames), dtype=np.float32)  # zero padding, as faster-whisper pads
        window[:, : mel.shape[1]] = mel
        return self.model.encode(self._ct2.StorageView.from_array(window[np.newaxis]))

    def decode(self, audio: np.ndarray, *, beam_size: int, window_s: float) -> Decoded:
        """The n-best list (``beam_size`` hypotheses) for float32 16 kHz mono ``audio``."""
        clip_s = len(audio) / SAMPLE_RATE
        budget = max_new_tokens(clip_s, len(self.prompt))
        encoded = self._encode(audio, window_s)
        result = self.model.generate(
            encoded,
            [self.prompt],
            beam_size=beam_size,
            num_hypotheses=beam_size,
            length_penalty=1.0,
            max_length=len(self.prompt) + budget,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self.suppress_tokens,
        )[0]
        hyps = tuple(
            Hypothesis(text=self.tokenizer.decode(ids).strip(), score=float(score), n_tokens=len(ids))
            for ids, score in zip(result.sequences_ids, result.scores)
        )
        return Decoded(hyps, float(result.no_speech_prob), window_s, budget)


def _feature_kwargs(model_dir: Path, n_mels: int) -> dict[str, Any]:
    """faster-whisper's FeatureExtractor arguments: the model's preprocessor_config.json if it has one."""
    kwargs: dict[str, Any] = {"feature_size": n_mels}
    path = model_dir / "preprocessor_config.json"
    if path.is_file():
        from faster_whisper.feature_extractor import FeatureExtractor

        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _LOG.warning("ignoring unreadable %s: %s", path, exc)
            return kwargs
        valid = inspect.signature(FeatureExtractor.__init__).parameters
        kwargs.update({k: v for k, v in config.items() if k in valid})
    return kwargs
