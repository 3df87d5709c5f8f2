"""The audio front end: wake word, pre-roll and endpointing, frame by frame.

Runs on the audio thread and does only cheap per-frame work (wake word and
VAD, ~1-2 ms per 80 ms frame). It turns a stream of int16 chunks of any size
into ``CapturedCommand``s; everything heavier happens on the worker.
"""

from __future__ import annotations

import collections
import enum
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from edge.audio.echo import EchoCanceller
from edge.audio.framing import Framer
from edge.config import VadSettings
from edge.pipeline.events import LoopObserver
from edge.pipeline.stop_words import SpeechSegment, SpeechSegmenter, WordBargeIn
from edge.vad import Endpointer, EndpointReason, EndpointState
from edge.wake import Detection

_LOG = logging.getLogger("edge.pipeline")

FRAME_SAMPLES = 1280
FRAME_S = FRAME_SAMPLES / 16000
# Longer silences inside a command lose their middle before ASR: the frames next to speech stay,
# they carry soft onsets and endings the VAD scores as silence ("t" of "turn").
KEEP_BEFORE_SPEECH = 3
KEEP_AFTER_SPEECH = 2
# While the answer plays, a microphone clipped by its echo makes the echo canceller's output a distorted
# residual that the wake word can take for speech (measured: benchmarks/barge_in.py at echo gain 3).
CLIP_LEVEL = 32000
CLIP_SAMPLES = 16  # samples at the clip level in one frame that make it clipped (a peak or two are not)
CLIP_HOLD_FRAMES = 6  # 0.48 s: the wake word's recent window
CLIP_WARN_EVERY_S = 600.0  # the maker's log says so once, then at most every ten minutes


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
    wake: Detection | None  # None: the answer to the speaker's question, heard without the wake word
    audio: np.ndarray  # int16: pre-roll (the wake word) + the command
    reason: EndpointReason
    ended_monotonic: float  # time.monotonic() when the end of the command was decided
    speech_s: float  # speech heard after the wake word
    barge_in: bool = False  # the wake word cut the previous answer off


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
    """Feed audio with ``feed``; it returns the commands that chunk completed.

    While the answer plays (``speaking``), the wake word still runs, on the microphone with the
    answer's echo taken out (``echo``, fed the playback through ``play_reference``); a detection
    scoring ``barge_in_threshold`` is a barge-in: ``on_barge_in`` is called (it stops playback)
    and the command after it is captured. ``follow_up`` opens a command window without the wake word.

    With ``word_check``, speech heard over the answer (Silero on the echo-cancelled microphone, up
    to ``word_max_s``, ended by ``word_silence_s`` of silence) is handed to it as a
    ``SpeechSegment``; it must not block (the service queues it for ASR on another thread). When
    it hears a stop word it calls ``barge_in_by_word``: ``on_barge_in`` gets a ``WordBargeIn`` and
    the answer stops, with no new command (the front goes back to the wake word at ``release``).
    """

    def __init__(
        self,
        wake: WakeModel,
        vad: SpeechModel,
        vad_settings: VadSettings,
        preroll_s: float,
        *,
        echo: EchoCanceller | None = None,
        barge_in_threshold: float | None = 0.5,  # None: no barge-in
        on_barge_in: Callable[[Detection | WordBargeIn], None] | None = None,
        word_check: Callable[[SpeechSegment], None] | None = None,  # None: only the wake word barges in
        word_silence_s: float = 0.24,
        word_max_s: float = 1.5,
        observer: LoopObserver | None = None,  # told of wake words and state changes (audio thread)
        muted: Callable[[], bool] = lambda: False,  # while true, wake words are ignored
    ) -> None:
        self._observer = observer or LoopObserver()
        self._muted = muted
        self._state = ListenState.IDLE
        self._wake = wake
        self._vad = vad
        self._vad_settings = vad_settings
        self._endpointer = self._new_endpointer(vad_settings.no_speech_timeout_s)
        self._threshold = vad_settings.threshold
        self._echo = echo
        self._reference = np.zeros(0, np.int16)  # playback still to come, 16 kHz, aligned with the microphone
        self.barge_in_threshold = barge_in_threshold
        self.on_barge_in = on_barge_in
        self._lock = threading.RLock()  # state changes come from the audio thread and the worker
        # (frame, speech probability) of the last preroll_s of audio
        self._preroll: collections.deque[tuple[np.ndarray, float]] = collections.deque(maxlen=max(1, round(preroll_s / FRAME_S)))
        self._framer = Framer(FRAME_SAMPLES)
        self._captured: list[tuple[np.ndarray, float]] = []
        self._detection: Detection | None = None
        self._barge_in = False
        self._clip_hold = 0  # frames left during which the microphone clipped too recently to trust a barge-in
        self._played = self._clipped = 0  # microphone frames heard over the answer playing, and how many clipped
        self._clip_warned_at: float | None = None
        self.word_check = word_check
        self._segmenter = SpeechSegmenter(vad_settings.threshold, frame_s=FRAME_S, silence_s=word_silence_s, max_s=word_max_s)
        self._epoch = 0  # counts the answers played: a stop word heard over an earlier one is too late
        self._frames_fed = 0
        self._answer = ""  # the text of the answer playing (a stop word it says itself may be its echo)
        # IDLE and LISTENING are set here; the owner sets THINKING/SPEAKING while a turn
        # is processed and calls release() when it is over. Wake words are ignored meanwhile.
        self.state = ListenState.IDLE

    def _new_endpointer(self, no_speech_timeout_s: float, wake_tail_max_s: float | None = None) -> Endpointer:
        v = self._vad_settings
        endpointer = Endpointer(
            threshold=v.threshold,
            hangover_s=v.hangover_s,
            max_command_s=max(v.max_command_s, no_speech_timeout_s + 1.0),
            no_speech_timeout_s=no_speech_timeout_s,
        )
        if wake_tail_max_s is not None:
            endpointer.wake_tail_max_s = wake_tail_max_s
        return endpointer

    def feed(self, audio: np.ndarray) -> list[CapturedCommand]:
        out = []
        for frame in self._framer.frames(audio):
            command = self._frame(frame)
            if command is not None:
                out.append(command)
        return out

    def _frame(self, frame: np.ndarray) -> CapturedCommand | None:
        with self._lock:
            self._frames_fed += 1
            reference = self._next_reference()
            loud = int(np.count_nonzero(np.abs(frame.astype(np.int32)) >= CLIP_LEVEL)) if reference is not None else 0
            clipped = loud >= CLIP_SAMPLES
            if clipped:
                self._clip_hold = CLIP_HOLD_FRAMES  # the echo clipped the microphone: cancelling it leaves garbage
            elif self._clip_hold:
                self._clip_hold -= 1
            if reference is not None:
                self._played += 1
                self._clipped += clipped
            elif self._played:
                self._answer_heard()
            if self._echo is not None and reference is not None:
                frame = self._echo.process(frame, reference)
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
            elif detections and self.state is ListenState.SPEAKING and self._barges_in(detections[0]):
                _LOG.info("barge-in: wake word %s (%.2f) while the answer plays", detections[0].model, detections[0].score)
                self._reference = np.zeros(0, np.int16)
                if self.on_barge_in is not None:
                    self.on_barge_in(detections[0])
                self._start(detections[0])
                self._barge_in = True
            elif detections:
                _LOG.info("wake word %s (%.2f) ignored: a turn is in progress", detections[0].model, detections[0].score)
            self._spot_words(frame, speech_prob)
            return None

    def _spot_words(self, frame: np.ndarray, speech_prob: float) -> None:
        """While the answer plays: cut speech into segments for the stop-word check."""
        if self.state is not ListenState.SPEAKING or self.word_check is None or self.barge_in_threshold is None:
            if self._segmenter.active:
                self._segmenter.reset()
            return
        if self._clip_hold:  # the canceller's output is garbage while the echo clips the microphone
            self._segmenter.reset()
            return
        segment = self._segmenter.process(frame, speech_prob, self._frames_fed * FRAME_S, self._epoch, self._answer)
        if segment is not None:
            self.word_check(segment)

    def barge_in_by_word(self, segment: SpeechSegment, found: WordBargeIn) -> bool:
        """The checker heard a stop word in ``segment``: cut the answer off, if it still plays. Any thread."""
        with self._lock:
            if self.state is not ListenState.SPEAKING or segment.epoch != self._epoch:
                _LOG.info("stop word %r came too late: that answer is over", found.phrase)
                return False
            _LOG.info("barge-in: stop word %r (heard %r) while the answer plays, %.0f ms after the speech ended",
                      found.phrase, found.text, found.latency_ms)  # fmt: skip
            self._reference = np.zeros(0, np.int16)
            self._segmenter.reset()
            self._epoch += 1  # one barge-in per answer
            if self.on_barge_in is not None:
                self.on_barge_in(found)
            return True

    def _answer_heard(self) -> None:
        """The answer has played (or was cut off): tell the maker when its echo clipped the microphone, since
        barge-in is deaf while it does (``benchmarks/barge_in.py``: 1 in 20 "Alexa, stop" heard with 2-4 % of the
        echo's samples clipped, against 20 in 20 without)."""
        played, clipped = self._played, self._clipped
        self._played = self._clipped = 0
        now = time.monotonic()
        if not clipped or (self._clip_warned_at is not None and now - self._clip_warned_at < CLIP_WARN_EVERY_S):
            return
        self._clip_warned_at = now
        _LOG.warning(
            "the answer's own sound clipped the microphone in %d of its %d frames: barge-in cannot hear the user "
            "while it does; turn the speaker's volume or the microphone's capture gain down (alsamixer)", clipped, played,
        )

    def _barges_in(self, detection: Detection) -> bool:
        if self._clip_hold:
            _LOG.info("wake word (%.2f) while the answer clips the microphone: not a barge-in", detection.score)
            return False
        return self.barge_in_threshold is not None and detection.score >= self.barge_in_threshold

    def _next_reference(self) -> np.ndarray | None:
        """The playback that goes with this microphone frame; None when nothing plays."""
        if not len(self._reference):
            return None
        ref, self._reference = self._reference[:FRAME_SAMPLES], self._reference[FRAME_SAMPLES:]
        if len(ref) < FRAME_SAMPLES:
            ref = np.concatenate([ref, np.zeros(FRAME_SAMPLES - len(ref), np.int16)])
        return ref

    def play_reference(self, audio: np.ndarray) -> None:
        """What the loudspeaker plays from now on (16 kHz int16), for the echo canceller."""
        with self._lock:
            self._reference = np.concatenate([self._reference, np.asarray(audio, np.int16)])

    @property
    def reference_left_s(self) -> float:
        return len(self._reference) / 16000

    def speaking(self, text: str = "") -> None:
        """The answer (``text``, when known) starts playing: barge-in is possible from now on."""
        with self._lock:
            self._answer = text
            if self.state is ListenState.THINKING:
                self.state = ListenState.SPEAKING

    def follow_up(self, timeout_s: float) -> None:
        """The speaker asked a question: capture the answer without the wake word, for up to ``timeout_s`` of silence."""
        with self._lock:
            if self.state is ListenState.LISTENING:
                return  # a barge-in already started a new command
            _LOG.info("listening for the answer without the wake word (%.1f s)", timeout_s)
            self._detection = None
            self._barge_in = False
            # the last frames before the window: the answer's first sound may come as the question ends
            self._captured = list(self._preroll)[-KEEP_BEFORE_SPEECH:]
            self._preroll.clear()
            self._endpointer = self._new_endpointer(timeout_s, wake_tail_max_s=0.0)  # no wake word, so no tail
            self.state = ListenState.LISTENING

    def _start(self, detection: Detection) -> None:
        _LOG.info("wake word %s detected (score %.2f)", detection.model, detection.score)
        self._detection = detection
        self._barge_in = False
        self._captured = list(self._preroll)
        self._preroll.clear()
        self._endpointer = self._new_endpointer(self._vad_settings.no_speech_timeout_s)
        self._observer.woke(detection)
        self.state = ListenState.LISTENING

    def _finish(self) -> CapturedCommand:
        reason = self._endpointer.reason or EndpointReason.END_OF_SPEECH
        command = CapturedCommand(
            wake=self._detection,
            audio=collapse_silence(self._captured, self._threshold),
            reason=reason,
            ended_monotonic=time.monotonic(),
            speech_s=self._endpointer.speech_s,
            barge_in=self._barge_in,
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
            self._segmenter.reset()
            if value is ListenState.SPEAKING:
                self._epoch += 1
            else:
                self._answer = ""
            self._observer.state_changed(value)

    def release(self) -> None:
        """The turn is over: listen for the wake word again (unless a barge-in already captures a new command)."""
        with self._lock:
            if self.state is not ListenState.LISTENING:
                self.state = ListenState.IDLE
            self._reference = np.zeros(0, np.int16)
