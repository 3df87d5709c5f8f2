"""Barge-in by a stop word: "stop", "no", "cancel", "be quiet" said over the answer, without the wake word.

While the answer plays, the front (``edge.pipeline.front.AudioFront``) cuts the echo-cancelled
microphone into short stretches of speech with ``SpeechSegmenter`` (Silero's per-frame speech
probability: from the onset to the first ``silence_s`` of silence, at most ``max_s``) and hands
each one, as a ``SpeechSegment``, to a checker. ``StopWordChecker`` transcribes it with the
already loaded Whisper and matches the words against ``StopWords``; on a match it tells the front,
which cuts the answer off exactly as the wake word does. ``BackgroundChecker`` runs a checker on
its own thread, so the audio thread never waits for ASR.

Matching is strict on purpose: the whole utterance must be stop phrases and filler words ("oh",
"please", "alexa"), so the answer's own words leaking through the echo canceller ("No device called
stop light") never match, while "no", "stop it, please" and "no, that's wrong" do. The words of the
answer playing are allowed around a stop phrase (its echo, left over by the canceller, mixes with the
user's word), but a stop phrase that answer says itself ("OK, I won't. Stop.") is never taken: it may
be its echo (the wake word still barges in over such an answer).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

import numpy as np

from edge.nlu.normalize import normalize_words

_LOG = logging.getLogger("edge.pipeline")

FILLER = frozenset(
    {"oh", "um", "uh", "hey", "alexa", "please", "okay", "ok", "just", "now", "so", "hmm", "and", "but", "i", "said"}
)


def _contains(words: list[str], phrase: list[str] | tuple[str, ...]) -> bool:
    """``phrase`` occurs in ``words`` as whole words."""
    n = len(phrase)
    return n > 0 and any(tuple(words[i : i + n]) == tuple(phrase) for i in range(len(words) - n + 1))


LEADING_UNKNOWN = 2


class StopWords:
    """The phrases that stop the answer; ``match`` says which one a transcript is made of."""

    def __init__(self, phrases: Iterable[str], filler: Iterable[str] = FILLER) -> None:
        self.phrases: tuple[tuple[str, ...], ...] = tuple(
            sorted({tuple(normalize_words(p)) for p in phrases if normalize_words(p)}, key=len, reverse=True)
        )
        self.filler = frozenset(filler)

    def match(self, text: str, answer: str = "") -> str | None:
        """The first stop phrase of ``text`` when the whole of it is stop phrases and filler, else None.

        "Stop." -> "stop"; "no, that's wrong" -> "no that's wrong"; "oh stop it please" -> "stop it" (when
        listed); "no device called stop light" -> None (words that stop nothing); "okay" -> None (filler only).

        ``answer`` is the text of the answer playing: what the echo canceller leaves of it may come
        with the user's words ("I couldn't find no." over "I couldn't find a device called ..."), so its
        words are allowed too, and up to ``LEADING_UNKNOWN`` other words before the first stop phrase
        (the echo misheard: "I should be quiet."); a stop phrase it says itself ("OK, I won't. Stop.")
        counts as its echo.
        """
        words = normalize_words(text)
        answer_words = normalize_words(answer)
        echo = frozenset(answer_words)
        found: list[str] = []
        unknown = 0  # words before the first stop phrase that are neither: Whisper's take on the echo's tail
        i = 0
        while i < len(words):
            phrase = next((p for p in self.phrases if tuple(words[i : i + len(p)]) == p), None)
            if phrase is not None:
                if not _contains(answer_words, phrase):
                    found.append(" ".join(phrase))
                i += len(phrase)
            elif words[i] in self.filler or words[i] in echo:
                i += 1
            elif not found and answer and unknown < LEADING_UNKNOWN:
                unknown += 1
                i += 1
            else:
                return None
        return found[0] if found else None

    @staticmethod
    def said_in(phrase: str, text: str) -> bool:
        """Whether ``text`` (the answer playing) says ``phrase`` itself, as whole words."""
        return _contains(normalize_words(text), normalize_words(phrase))


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """A stretch of speech heard while the answer played (echo-cancelled microphone)."""

    audio: np.ndarray  # int16, 16 kHz: a few frames before the onset, the speech, the silence that ended it
    speech_s: float  # frames the VAD called speech
    end_s: float  # stream position (s) of the end of the last speech frame
    decided_s: float  # stream position (s) when the segment was handed off (after the silence)
    decided_monotonic: float  # time.monotonic() at the hand-off
    epoch: int  # which answer it was heard over (the front ignores a late result for an older answer)
    answer: str = ""  # the text of that answer, when known


class SpeechSegmenter:
    """Frames and speech probabilities in, a ``SpeechSegment`` out once its silence (or ``max_s``) ends it."""

    def __init__(
        self,
        threshold: float,
        *,
        frame_s: float = 0.08,
        silence_s: float = 0.24,
        max_s: float = 1.5,
        min_speech_s: float = 0.16,
        before_frames: int = 3,
    ) -> None:
        self.threshold = threshold
        self.frame_s = frame_s
        self._silence_frames = max(1, round(silence_s / frame_s))
        self._max_frames = max(1, round(max_s / frame_s))
        self._min_speech_frames = max(1, round(min_speech_s / frame_s))
        self._before: list[np.ndarray] = []
        self._before_frames = before_frames
        self._frames: list[np.ndarray] = []
        self._speech = 0
        self._silence = 0
        self._onset_frames = 0  # frames since the onset
        self._last_speech_at = 0.0
        self._drain = False  # the cap cut a long utterance: wait for its silence before starting again

    def reset(self) -> None:
        self._before, self._frames, self._speech, self._silence, self._drain = [], [], 0, 0, False

    @property
    def active(self) -> bool:
        return bool(self._frames)

    def process(self, frame: np.ndarray, prob: float, end_s: float, epoch: int, answer: str = "") -> SpeechSegment | None:
        """One 80 ms frame ending at stream position ``end_s``."""
        speech = prob >= self.threshold
        if self._drain:
            self._drain = speech  # ends at the first silent frame
            return None
        if not self._frames:
            if not speech:
                self._before = (self._before + [frame])[-self._before_frames :] if self._before_frames else []
                return None
            self._frames = self._before + [frame]
            self._before = []
            self._speech, self._silence, self._onset_frames, self._last_speech_at = 1, 0, 1, end_s
        else:
            self._frames.append(frame)
            self._onset_frames += 1
            if speech:
                self._speech += 1
                self._silence = 0
                self._last_speech_at = end_s
            else:
                self._silence += 1
        capped = self._onset_frames >= self._max_frames
        if self._silence < self._silence_frames and not capped:
            return None
        frames, speech_frames = self._frames, self._speech
        self.reset()
        self._drain = capped and speech
        if speech_frames < self._min_speech_frames:
            return None  # a click or a breath
        return SpeechSegment(
            audio=np.concatenate(frames), speech_s=speech_frames * self.frame_s, end_s=self._last_speech_at,
            decided_s=end_s, decided_monotonic=time.monotonic(), epoch=epoch, answer=answer,
        )  # fmt: skip


class _Transcribes(Protocol):
    def transcribe(self, audio: np.ndarray) -> object: ...  # an AsrResult (``.text``)


@dataclass(frozen=True, slots=True)
class WordBargeIn:
    """What ``on_barge_in`` gets when a stop word (not the wake word) cut the answer off."""

    phrase: str  # the stop phrase matched ("stop", "no that's wrong")
    text: str  # what Whisper heard
    latency_ms: float  # from the hand-off of the segment to the match (ASR)


class StopWordChecker:
    """``checker(segment)``: transcribe, match, and on a match call ``on_match(segment, barge_in)``.

    Synchronous: run it on the audio thread only where nothing is real-time (files); the service
    wraps it in a ``BackgroundChecker``.
    """

    def __init__(
        self,
        transcriber: _Transcribes,
        words: StopWords,
        on_match: Callable[[SpeechSegment, WordBargeIn], object],
    ) -> None:
        self.transcriber = transcriber
        self.words = words
        self.on_match = on_match
        self.checked = 0
        self.matched = 0
        self.last_text = ""  # what Whisper heard in the last segment

    def check(self, segment: SpeechSegment) -> WordBargeIn | None:
        t0 = time.perf_counter()
        result = self.transcriber.transcribe(segment.audio.astype(np.float32) / 32768.0)
        text = str(getattr(result, "text", ""))
        phrase = self.words.match(text, segment.answer)
        ms = (time.perf_counter() - t0) * 1000
        self.checked += 1
        self.last_text = text
        _LOG.info("speech over the answer (%.2f s): heard %r in %.0f ms: %s", segment.speech_s, text, ms,
                  f"stop word {phrase!r}" if phrase else "no stop word")  # fmt: skip
        if phrase is None:
            return None
        self.matched += 1
        return WordBargeIn(phrase=phrase, text=text, latency_ms=(time.monotonic() - segment.decided_monotonic) * 1000)

    def __call__(self, segment: SpeechSegment) -> None:
        found = self.check(segment)
        if found is not None:
            self.on_match(segment, found)


class BackgroundChecker:
    """Runs ``check`` on its own thread; ``submit`` never blocks (a segment is dropped when two wait)."""

    def __init__(self, check: Callable[[SpeechSegment], None], *, depth: int = 2) -> None:
        self._check = check
        self._queue: queue.Queue[SpeechSegment | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="edge-stop-words", daemon=True)
        self._thread.start()

    def submit(self, segment: SpeechSegment) -> None:
        try:
            self._queue.put_nowait(segment)
        except queue.Full:
            _LOG.warning("stop-word check dropped: %d segments still waiting for ASR", self._queue.qsize())

    def _run(self) -> None:
        while True:
            segment = self._queue.get()
            if segment is None:
                return
            try:
                self._check(segment)
            except Exception:  # a failed check must not end the thread
                _LOG.exception("stop-word check failed")

    def close(self, timeout_s: float = 5.0) -> None:
        while True:
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()  # drop a waiting segment to make room for the end
                except queue.Empty:
                    pass
        self._thread.join(timeout=timeout_s)


__all__ = [
    "BackgroundChecker",
    "SpeechSegment",
    "SpeechSegmenter",
    "StopWordChecker",
    "StopWords",
    "WordBargeIn",
    "normalize_words",
]
