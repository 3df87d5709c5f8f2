"""The audio front end: wake word, pre-roll and endpointing, frame by frame.

Runs on the audio thread and does only cheap per-frame work (wake word and
VAD, ~1-2 ms per 80 ms frame). It turns a stream of int16 chunks of any size
into ``CapturedCommand``s; everything heavier happens on the worker.
"""

from __future__ import annotations

import collections
import enum
import logging
import time
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from edge.audio.framing import Framer
from edge.config import VadSettings
from edge.pipeline.events import LoopObserver
from edge.vad import Endpointer, EndpointReason, EndpointState
from edge.wake import Detection

_LOG = logging.getLogger("edge.pipeline")

FRAME_SAMPLES = 1280
FRAME_S = FRAME_SAMPLES / 16000
# Longer silences inside a command lose their middle before ASR: the frames next to speech stay,
# they carry soft onsets and endings the VAD scores as silence ("t" of "turn").
KEEP_BEFORE_SPEECH = 3
KEEP_AFTER_SPEECH = 2


class ListenState(str, enum.Enum):
    IDLE = "idle"  # waiting for the wake word
    LISTENING = "listening"  # capturing the command
    THINKING = "thinking"  # the worker interprets and acts
    SPEAKING = "speaking"  # the answer plays


class WakeModel(Protocol):
    name: str

    def process(self, audio: np.ndarray) -> list[Detection]: ...


class SpeechModel(Protocol):
    def process(self, audio: np.ndarray) -> list[float]: ...


@dataclass(frozen=True, slots=True)
class CapturedCommand:
    wake: Detection
    audio: np.ndarray  # int16: pre-roll (the wake word) + the command
    reason: EndpointReason
    ended_monotonic: float  # time.monotonic() when the end of the command was decided
    speech_s: float  # speech heard after the wake word


def collapse_silence(frames: list[tuple[np.ndarray, float]], threshold: float) -> np.ndarray:
    """The frames with the middle of every long silence cut out.

    A pause between the wake word and the command ("Alexa ... turn on the light") makes
    Whisper stop after "Alexa"; a pause of 0.4 s keeps the words apart without that.
    """
    kept: list[np.ndarray] = []
    run: list[np.ndarray] = []
    for frame, prob in frames:
        if prob < threshold:
            run.append(frame)
            continue
        if len(run) > KEEP_AFTER_SPEECH + KEEP_BEFORE_SPEECH:
            run = run[:KEEP_AFTER_SPEECH] + run[-KEEP_BEFORE_SPEECH:]
        kept += run + [frame]
        run = []
    kept += run[: KEEP_AFTER_SPEECH + KEEP_BEFORE_SPEECH]  # trailing silence: the hangover, shortened
    return np.concatenate(kept) if kept else np.zeros(0, dtype=np.int16)


class AudioFront:
    """Feed audio with ``feed``; it returns the commands that chunk completed."""

    def __init__(
        self,
        wake: WakeModel,
        vad: SpeechModel,
        vad_settings: VadSettings,
        preroll_s: float,
        *,
        observer: LoopObserver | None = None,  # told of wake words and state changes (audio thread)
        muted: Callable[[], bool] = lambda: False,  # while true, wake words are ignored
    ) -> None:
        self._observer = observer or LoopObserver()
        self._muted = muted
        self._state = ListenState.IDLE
        self._wake = wake
        self._vad = vad
        self._endpointer = Endpointer(
            threshold=vad_settings.threshold,
            hangover_s=vad_settings.hangover_s,
            max_command_s=vad_settings.max_command_s,
            no_speech_timeout_s=vad_settings.no_speech_timeout_s,
        )
        self._threshold = vad_settings.threshold
        # (frame, speech probability) of the last preroll_s of audio
        self._preroll: collections.deque[tuple[np.ndarray, float]] = collections.deque(maxlen=max(1, round(preroll_s / FRAME_S)))
        self._framer = Framer(FRAME_SAMPLES)
        self._captured: list[tuple[np.ndarray, float]] = []
        self._detection: Detection | None = None
        # IDLE and LISTENING are set here; the owner sets THINKING/SPEAKING while a turn
        # is processed and calls release() when it is over. Wake words are ignored meanwhile.
        self.state = ListenState.IDLE

    def feed(self, audio: np.ndarray) -> list[CapturedCommand]:
        out = []
        for frame in self._framer.frames(audio):
            command = self._frame(frame)
            if command is not None:
                out.append(command)
        return out

    def _frame(self, frame: np.ndarray) -> CapturedCommand | None:
        detections = self._wake.process(frame)
        (speech_prob,) = self._vad.process(frame)
        if self.state is ListenState.LISTENING:
            self._captured.append((frame, speech_prob))
            if self._endpointer.process(FRAME_S, speech_prob) is EndpointState.DONE:
                return self._finish()
            return None
        self._preroll.append((frame, speech_prob))
        if detections and self._muted():
            _LOG.info("wake word %s (%.2f) ignored: muted", detections[0].model, detections[0].score)
        elif detections and self.state is ListenState.IDLE:
            self._start(detections[0])
        elif detections:
            _LOG.info("wake word %s (%.2f) ignored: a turn is in progress", detections[0].model, detections[0].score)
        return None

    def _start(self, detection: Detection) -> None:
        _LOG.info("wake word %s detected (score %.2f)", detection.model, detection.score)
        self._detection = detection
        self._captured = list(self._preroll)
        self._preroll.clear()
        self._endpointer.reset()
        self._observer.woke(detection)
        self.state = ListenState.LISTENING

    def _finish(self) -> CapturedCommand:
        if self._detection is None:  # pragma: no cover - LISTENING always starts with a detection
            raise RuntimeError("endpoint without a wake word")
        reason = self._endpointer.reason or EndpointReason.END_OF_SPEECH
        command = CapturedCommand(
            wake=self._detection,
            audio=collapse_silence(self._captured, self._threshold),
            reason=reason,
            ended_monotonic=time.monotonic(),
            speech_s=self._endpointer.speech_s,
        )
        _LOG.info("command captured: %.2f s, ended by %s", len(command.audio) / 16000, reason.value)
        self._captured = []
        self._detection = None
        self.state = ListenState.THINKING
        return command

    @property
    def state(self) -> ListenState:
        return self._state

    @state.setter
    def state(self, value: ListenState) -> None:
        if value is not self._state:
            self._state = value
            self._observer.state_changed(value)

    def release(self) -> None:
        """The turn is over: listen for the wake word again."""
        self.state = ListenState.IDLE
