"""A stop word said over the answer, without the wake word, on the whole loop: real models, echo mixed back in."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pytest

from edge.audio import NullSink
from edge.audio.echo import EchoPath
from edge.feedback.events import Defect
from edge.feedback.labels import label_turn
from edge.turn import Outcome
from tests.test_dialog_integration import _assistant, run
from tests.test_loop_integration import home  # noqa: F401  (the simulated home, a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.integration]

GAP = np.zeros(int(1.6 * 16000), np.float32)  # the answer starts about 0.5 s into it (endpointing), then 1.1 s play


@pytest.fixture(scope="module")
def loop(broker, home, tmp_path_factory) -> Iterator[object]:
    assistant, link = _assistant(broker, tmp_path_factory.mktemp("stopwords"), "stopwords")
    yield assistant
    link.stop()


def test_the_answer_s_echo_alone_does_not_barge_in(loop, voices):  # first: the canceller learns the room here
    sink = NullSink()
    (turn,) = run(loop, voices.piper("Alexa, turn on the garage light."), sink=sink, echo=EchoPath(gain=1.0).apply)
    assert sink.seconds > 2.0 and turn.outcome is Outcome.NO_DEVICE and not turn.response.interrupted


@pytest.mark.parametrize("voice, word", [("piper", "Stop."), ("piper", "No."), ("espeak", "Stop.")])
def test_a_stop_word_over_the_answer_cuts_it_off_and_marks_the_turn(loop, voices, voice, word):
    audio = np.concatenate([voices.piper("Alexa, turn on the garage light."), GAP, 0.5 * voices.say(voice, word)])

    turns = run(loop, audio, sink=NullSink(), echo=EchoPath(gain=1.0).apply)

    (turn,) = turns  # the stop word is no command of its own
    assert turn.outcome is Outcome.NO_DEVICE and turn.response.interrupted  # the barge-in mark the wake word sets
    assert Defect.BARGE_IN in label_turn(turn)  # what the learning code sees


def test_words_off_leaves_only_the_wake_word(broker, home, tmp_path, voices):
    assistant, link = _assistant(broker, tmp_path, "nowords", barge_in={"words": False})
    try:
        audio = np.concatenate([voices.piper("Alexa, turn on the garage light."), GAP, 0.5 * voices.piper("Stop.")])
        (turn,) = run(assistant, audio, sink=NullSink(), echo=EchoPath(gain=1.0).apply)
        assert turn.outcome is Outcome.NO_DEVICE and not turn.response.interrupted
    finally:
        link.stop()
