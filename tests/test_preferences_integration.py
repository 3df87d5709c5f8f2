"""'Learn my preferences' through the turn processor: a real Mosquitto, the simulated home, the real NLU.

Each answer is heard without the wake word (the follow-up after a question), as from the microphone;
the transcriber hears what the test says next, everything after it is real. The preferences act on
the next turn, survive a restart (a new store and processor on the same file) and "forget that"
undoes the last set.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from edge.learning.loop import LearningLoop
from edge.rewrite import PersonalStore, Rewriter
from edge.turn import AsrResult, Outcome, Turn
from tests.conftest import wait_until
from tests.test_learning_loop_integration import home, interpreter, link  # noqa: F401  (the same fixtures)

pytestmark = pytest.mark.integration


class Speaker:
    """A speaker in the kitchen (configured), with its learning loop on ``db``; ``say`` / ``answer`` are heard."""

    def __init__(self, interpreter, link, db: Path) -> None:
        from edge.pipeline.processor import TurnProcessor

        self.store = PersonalStore(db)
        self.loop = LearningLoop(rewriter=Rewriter(personal=self.store), personal=self.store)
        self.heard = ""
        self.processor = TurnProcessor(
            self, interpreter, link, device_id="kitchen-speaker", area="Kitchen", confirm_timeout_s=2.0,
            wake_model="alexa", learning=self.loop,
        )  # fmt: skip

    def transcribe(self, audio, vocabulary=()) -> AsrResult:
        return AsrResult(self.heard, -0.3, 0.01, 1.5, "test")

    def _turn(self, text: str | None, *, wake: bool) -> Turn:
        from edge.pipeline.front import CapturedCommand
        from edge.vad import EndpointReason
        from edge.wake.detector import Detection

        self.heard = text or ""
        reason = EndpointReason.END_OF_SPEECH if text is not None else EndpointReason.NO_SPEECH
        command = CapturedCommand(Detection("alexa", 0.97, 1.0) if wake else None, np.zeros(16000, np.int16), reason,
                                  time.monotonic(), 1.0)  # fmt: skip
        turn = self.processor.process(command, "mic")
        self.loop.after_turn(turn)
        return turn

    def say(self, text: str) -> Turn:
        return self._turn(f"Alexa, {text}", wake=True)

    def answer(self, text: str | None) -> Turn:  # None: nobody says anything before the follow-up times out
        return self._turn(text, wake=False)

    def close(self) -> None:
        self.store.close()


def names(turn: Turn) -> list[str]:
    return [e.name for e in turn.resolution.entities] if turn.resolution else []


def test_learn_my_preferences_acts_on_the_next_turn_survives_a_restart_and_forget_undoes_it(
    interpreter, link, home, tmp_path: Path
) -> None:
    db = tmp_path / "personal.db"
    spk = Speaker(interpreter, link, db)
    assert names(spk.say("turn on the light")) == ["Kitchen Light"]  # the configured area

    asked = spk.say("let's set up my preferences")
    assert asked.outcome is Outcome.ASKED and asked.response.text == "Which room is this speaker in?"
    retry = turn = spk.answer("the attic")
    assert turn.outcome is Outcome.ASKED and turn.wake is None and turn.session_id == asked.session_id
    assert turn.response.text == "I don't know a room called the attic. Which room is this speaker in?"
    turn = spk.answer("It's in the office.")
    assert turn.dialog.kind == "preference" and turn.dialog.accepted and turn.dialog.asked_turn_id == retry.turn_id
    assert turn.response.text == "What temperature do you like?"
    assert spk.answer("ninety").response.text == "The thermostat takes 7 to 30 degrees. What temperature do you like?"
    assert spk.answer("twenty one degrees").response.text == "When you say 'the light', which light do you mean?"
    done = spk.answer(None)  # silence: skipped
    assert done.outcome is Outcome.ANSWERED and done.session_id == asked.session_id
    assert done.response.text == "Got it: this speaker is in the office and you like 21 degrees."
    assert spk.loop.after_turn(done) == []  # the answers are no feedback events: they never leave the speaker

    light = spk.say("turn on the light")  # the default room is the speaker's area now
    assert light.area == "office" and names(light) == ["Office Light"] and light.outcome is Outcome.DONE
    warm = spk.say("make it comfortable")
    assert warm.rewrite.source == "preference" and warm.rewrite.text == "set the temperature to 21 degrees"
    assert warm.nlu.intent == "HassClimateSetTemperature" and names(warm) == ["EcoBee"] and warm.outcome is Outcome.DONE
    assert [a.payload for a in warm.actions] == ["21.0"] and warm.actions[0].topic.endswith("/occupied_heating_setpoint")
    spk.close()

    spk = Speaker(interpreter, link, db)  # a restart
    assert spk.processor.area == "office"
    spk.say("learn my preferences")
    spk.answer("skip")
    assert spk.answer("I don't know").response.text == "When you say 'the light', which light do you mean?"
    done = spk.answer("the living room lamp")
    assert done.response.text == "Got it: 'the light' means the living room lamp."
    lamp = spk.say("turn on the light")
    assert names(lamp) == ["Living Room Lamp"] and lamp.rewrite.text == "turn on the living room lamp"
    assert lamp.rewrite.original == "turn on the light" and lamp.outcome is Outcome.DONE
    assert wait_until(lambda: home.state("A1B2C3_LI_1") == "on", 3)
    assert names(spk.say("turn off the light in the kitchen")) == ["Kitchen Light"]  # a room said is that room's

    forgot = spk.say("forget that")
    assert forgot.nlu.intent == "EdgeForget" and forgot.response.text == "OK, I forgot the light you just gave me."
    assert names(spk.say("turn off the light")) == ["Office Light"]  # the room of the first set stays
    spk.say("when I say movie time, turn off the living room lamp")
    assert spk.say("forget that").response.text == "OK, I forgot what movie time means."  # the newest: the teaching
    assert spk.say("forget that").response.text == "OK, I forgot the room and temperature you just gave me."
    assert names(spk.say("turn off the light")) == ["Kitchen Light"]
    spk.close()


def test_stop_ends_the_dialog_and_keeps_nothing_and_text_cannot_answer(interpreter, link, tmp_path: Path) -> None:
    spk = Speaker(interpreter, link, tmp_path / "personal.db")
    spk.say("learn my preferences")
    assert spk.answer("the living room").response.text == "What temperature do you like?"
    stopped = spk.answer("stop")
    assert stopped.outcome is Outcome.ANSWERED and stopped.response.text == "OK, I didn't change your preferences."
    assert spk.store.preferences("kitchen-speaker") == {} and spk.processor.area == "Kitchen"
    assert spk.answer("the office").outcome is Outcome.NO_SPEECH  # the dialog is over: not for us
    spk.say("learn my preferences")
    spk.say("turn on the light")  # a new request with the wake word: the question is dropped
    assert spk.answer("the office").outcome is Outcome.NO_SPEECH and spk.store.preferences("kitchen-speaker") == {}
    text = spk.processor.process_text("learn my preferences", act=True)
    assert text.response.text == "I can only learn your preferences when you talk to me."
    spk.close()
