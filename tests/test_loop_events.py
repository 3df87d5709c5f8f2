"""The loop's observer interface: what the audio front reports, mute, and a failing observer."""

from __future__ import annotations

import logging

from edge.config import VadSettings
from edge.pipeline import AudioFront, ListenState
from edge.pipeline.events import LoopObserver, Observers
from tests.test_front import ScriptedVad, ScriptedWake, run


class Recorder(LoopObserver):
    def __init__(self) -> None:
        self.events: list[object] = []

    def woke(self, detection) -> None:
        self.events.append(("woke", detection.model))

    def state_changed(self, state) -> None:
        self.events.append(state)


def test_the_front_reports_the_wake_word_and_every_state_change():
    rec = Recorder()
    front = AudioFront(ScriptedWake({10}), ScriptedVad(set(range(11, 21))), VadSettings(), 0.4, observer=Observers([rec]))
    (cmd,) = run(front, 40)
    front.state = ListenState.SPEAKING  # as the worker does
    front.release()
    assert rec.events == [("woke", "alexa"), ListenState.LISTENING, ListenState.THINKING, ListenState.SPEAKING, ListenState.IDLE]


def test_muted_the_front_ignores_the_wake_word():
    muted = [True]
    rec = Recorder()
    front = AudioFront(
        ScriptedWake({10, 50}), ScriptedVad(set(range(11, 21)) | set(range(51, 61))), VadSettings(), 0.4,
        observer=rec, muted=lambda: muted[0],
    )
    assert run(front, 40) == [] and rec.events == [] and front.state is ListenState.IDLE
    muted[0] = False
    assert len(run(front, 40)) == 1  # the same front hears the next wake word once unmuted


def test_a_failing_observer_does_not_stop_the_others(caplog):
    class Broken(LoopObserver):
        def state_changed(self, state) -> None:
            raise RuntimeError("broker gone")

    rec = Recorder()
    with caplog.at_level(logging.ERROR, logger="edge.pipeline"):
        Observers([Broken(), rec]).state_changed(ListenState.LISTENING)
    assert rec.events == [ListenState.LISTENING]
    assert "Broken.state_changed failed" in caplog.text
