"""Endpointing: when has the user finished the command?

A pure state machine with no clock inside (after Home Assistant's
``VoiceCommandSegmenter``): it is fed ``(frame_s, speech_prob)`` and says when
the command ended and why, so it is testable to the millisecond.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class EndpointState(str, enum.Enum):
    WAITING = "waiting"  # woke, no speech yet
    SPEAKING = "speaking"
    DONE = "done"


class EndpointReason(str, enum.Enum):
    END_OF_SPEECH = "end_of_speech"  # silence for the hangover after speech
    MAX_LENGTH = "max_length"  # the command ran into the length cap
    NO_SPEECH = "no_speech"  # nobody spoke before the timeout


@dataclass
class Endpointer:
    threshold: float = 0.5
    hangover_s: float = 0.4
    max_command_s: float = 8.0
    no_speech_timeout_s: float = 4.0
    min_speech_s: float = 0.16  # speech this long (in total) before the command counts as started
    # The wake word often fires before the word is over ("Ale|xa"). Speech right after the detection,
    # up to this long and followed by silence, is the wake word's tail, not the command; speech that
    # runs on past it is a command said in one breath with the wake word.
    wake_tail_max_s: float = 0.4  # measured: 0-4 frames (<= 0.32 s) of "alexa" follow the detection

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.state = EndpointState.WAITING
        self.reason: EndpointReason | None = None
        self.elapsed_s = 0.0
        self.speech_s = 0.0
        self.silence_s = 0.0
        self.last_speech_end_s: float | None = None  # stream offset where speech last stopped
        self._in_wake_tail = True
        self._tail_s = 0.0

    def process(self, frame_s: float, speech_prob: float) -> EndpointState:
        if self.state is EndpointState.DONE:
            return self.state
        self.elapsed_s += frame_s
        is_speech = speech_prob >= self.threshold
        if self._in_wake_tail:
            if is_speech and self._tail_s + frame_s <= self.wake_tail_max_s + 1e-9:
                self._tail_s += frame_s
                return self._check_timeouts()
            self._in_wake_tail = False
            if is_speech:  # one breath: the tail was the start of the command
                self.speech_s = self._tail_s
        if is_speech:
            self.speech_s += frame_s
            self.silence_s = 0.0
            self.last_speech_end_s = self.elapsed_s
            if self.state is EndpointState.WAITING and self.speech_s >= self.min_speech_s:
                self.state = EndpointState.SPEAKING
        else:
            self.silence_s += frame_s

        if self.state is EndpointState.SPEAKING and self.silence_s >= self.hangover_s - 1e-9:
            return self._done(EndpointReason.END_OF_SPEECH)
        return self._check_timeouts()

    def _check_timeouts(self) -> EndpointState:
        if self.elapsed_s >= self.max_command_s - 1e-9:
            reason = EndpointReason.MAX_LENGTH if self.state is EndpointState.SPEAKING else EndpointReason.NO_SPEECH
            return self._done(reason)
        if self.state is EndpointState.WAITING and self.elapsed_s >= self.no_speech_timeout_s - 1e-9:
            return self._done(EndpointReason.NO_SPEECH)
        return self.state

    def _done(self, reason: EndpointReason) -> EndpointState:
        self.state = EndpointState.DONE
        self.reason = reason
        return self.state
