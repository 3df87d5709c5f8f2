"""Dialogue and barge-in on the whole loop: real models, a real Mosquitto, the simulated home.

The user's answers are later audio in the same file, said without the wake word; an answer
spoken to a sink plays over the audio that follows it, with its echo mixed back in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from edge.audio import NullSink
from edge.audio.echo import EchoPath
from edge.turn import Outcome, Turn
from tests.conftest import wait_until
from tests.test_loop_integration import settings_for, uid_of

pytestmark = [pytest.mark.slow, pytest.mark.integration]

PAUSE = np.zeros(int(1.0 * 16000), np.float32)


@pytest.fixture(scope="module")
def home(broker):
    from edge.sim import SimHome

    with SimHome(broker.host, broker.port) as sim:
        yield sim


def _assistant(broker, tmp: Path, name: str, **extra):
    from edge.devices import DeviceLink
    from edge.pipeline.assistant import Assistant

    settings = settings_for(broker.host, broker.port, tmp, **extra)
    link = DeviceLink(settings.mqtt, client_id=f"edge-test-{name}")
    link.start()
    assistant = Assistant(settings, link, deterministic_tts=True)  # the same answer, as long, every run
    link.wait_for_discovery(10.0)
    return assistant, link


@pytest.fixture(scope="module")
def loop(broker, home, tmp_path_factory) -> Iterator[object]:
    assistant, link = _assistant(broker, tmp_path_factory.mktemp("dialog"), "dialog")
    yield assistant
    link.stop()


def run(assistant, audio: np.ndarray, sink=None, echo=None) -> list[Turn]:
    return assistant.run_audio(audio, "test", lambda n: sink, echo=echo)


def _locked(loop, home, voices) -> str:
    uid = uid_of(loop, "Front Door")
    if home.state(uid) != "locked":
        (turn,) = run(loop, voices.piper("Alexa, lock the front door."))
        assert turn.outcome is Outcome.DONE
    assert wait_until(lambda: home.state(uid) == "locked")
    return uid


def test_unlock_asks_and_acts_only_after_a_yes_without_the_wake_word(loop, home, voices):
    uid = _locked(loop, home, voices)
    before = len(home.received(uid))
    audio = np.concatenate([voices.piper("Alexa, unlock the front door."), PAUSE, voices.espeak("Yes.")])

    asked, answered = run(loop, audio)

    assert asked.outcome is Outcome.ASKED and asked.nlu.intent == "HassTurnOff"
    assert asked.response.text == "Are you sure you want to unlock the front door?"
    assert answered.wake is None and answered.session_id == asked.session_id
    assert answered.dialog is not None and answered.dialog.accepted and answered.dialog.asked_turn_id == asked.turn_id
    assert answered.outcome is Outcome.DONE and answered.response.text == "Unlocked the front door."
    assert home.received(uid)[before:] == ["UNLOCK"] and home.state(uid) == "unlocked"


@pytest.mark.parametrize("answer", ["No.", None])  # None: nobody answers
def test_no_or_silence_leaves_it_locked(loop, home, voices, answer):
    uid = _locked(loop, home, voices)
    before = len(home.received(uid))
    parts = [voices.piper("Alexa, unlock the front door.")] + ([PAUSE, voices.piper(answer)] if answer else [])

    asked, answered = run(loop, np.concatenate(parts))

    assert asked.outcome is Outcome.ASKED
    assert answered.outcome is Outcome.REFUSED and answered.response.text == "OK, I won't."
    assert answered.dialog is not None and not answered.dialog.accepted
    assert home.received(uid)[before:] == [] and home.state(uid) == "locked"


def test_ambiguous_light_gets_a_question_and_the_lamp_is_switched(loop, home, voices, monkeypatch):
    monkeypatch.setattr(loop.processor, "area", "Living Room")  # the speaker stands in the living room
    lamp, ceiling = uid_of(loop, "Living Room Lamp"), uid_of(loop, "Living Room Ceiling Light")
    run(loop, voices.piper("Alexa, turn off the lights in the living room."))
    assert wait_until(lambda: home.state(lamp) == "off" and home.state(ceiling) == "off")
    # two lights in the speaker's room, both off: "the light" could be either
    before_lamp, before_ceiling = len(home.received(lamp)), len(home.received(ceiling))

    asked, answered = run(loop, np.concatenate([voices.piper("Alexa, turn on the light."), PAUSE, voices.piper("The lamp.")]))

    assert asked.outcome is Outcome.ASKED and asked.response.text == "The ceiling light or the lamp?"
    assert answered.dialog.kind == "clarify" and answered.dialog.accepted
    assert [e.unique_id for e in answered.resolution.entities] == [lamp]
    assert answered.outcome is Outcome.DONE and answered.response.text == "Turned on the living room lamp."
    assert len(home.received(lamp)) == before_lamp + 1 and home.state(lamp) == "on"
    assert len(home.received(ceiling)) == before_ceiling


def test_alexa_stop_during_a_long_answer_stops_it_and_marks_the_turn(loop, voices):
    gap = np.zeros(int(0.6 * 16000), np.float32)
    audio = np.concatenate([voices.piper("Alexa, turn on the garage light."), gap, voices.espeak("Alexa, stop.")])

    first, stop = run(loop, audio, sink=NullSink(), echo=EchoPath(gain=1.0).apply)

    assert first.outcome is Outcome.NO_DEVICE and first.response.interrupted  # the barge-in mark
    # "stop" is often shorter than the wake word's tail the endpointer skips: then it is "Alexa" alone; both are quiet
    assert stop.wake is not None and stop.response.text == ""
    assert stop.outcome is Outcome.NO_SPEECH or stop.nlu.intent == "HassNevermind", stop.asr
    assert not stop.response.interrupted


def test_the_answer_s_own_echo_does_not_barge_in(loop, voices):
    sink = NullSink()
    (turn,) = run(loop, voices.piper("Alexa, turn on the garage light."), sink=sink, echo=EchoPath(gain=2.0).apply)
    assert sink.seconds > 2.0  # the whole answer played, over its own echo
    assert turn.outcome is Outcome.NO_DEVICE and not turn.response.interrupted
