"""What the speaker answers by itself: the time and date from a fixed clock, timer sentences end to end (text)."""

from __future__ import annotations

import datetime as dt

import pytest

from edge.respond.clock import say_date, say_time
from edge.skills import LocalSkills
from edge.timers import TimerManager
from edge.turn import NluResult, Outcome


@pytest.mark.parametrize(
    "when, twelve, twenty_four",
    [
        (dt.datetime(2026, 11, 25, 19, 5), "It's 7:05 PM.", "It's 19:05."),
        (dt.datetime(2026, 11, 25, 0, 0), "It's 12:00 AM.", "It's 0:00."),
        (dt.datetime(2026, 11, 25, 12, 30), "It's 12:30 PM.", "It's 12:30."),
        (dt.datetime(2026, 11, 25, 9, 59), "It's 9:59 AM.", "It's 9:59."),
    ],
)
def test_say_time(when, twelve, twenty_four):
    assert say_time(when) == twelve
    assert say_time(when, hour_24=True) == twenty_four


def test_say_date():
    assert say_date(dt.datetime(2026, 11, 25, 19, 5)) == "It's Wednesday, November 25."
    assert say_date(dt.datetime(2027, 1, 1)) == "It's Friday, January 1."


def test_local_skills_answer_the_clock_from_the_clock_given():
    now = dt.datetime(2026, 11, 25, 19, 5)
    skills = LocalSkills(None, hour_24=True, now=lambda: now)
    assert skills.answer(NluResult("what time is it", "HassGetCurrentTime", 1.0)) == (Outcome.ANSWERED, "It's 19:05.")
    assert skills.answer(NluResult("what day is it", "HassGetCurrentDate", 1.0)) == (
        Outcome.ANSWERED, "It's Wednesday, November 25.")
    assert not skills.handles("HassStartTimer")  # without timers, timer intents are not this object's


@pytest.fixture(scope="module")
def matcher():
    from edge.nlu.templates import TemplateMatcher

    return TemplateMatcher()


@pytest.mark.parametrize(
    "text, intent, slots",
    [
        ("set a timer for 5 minutes", "HassStartTimer", {"minutes": 5}),
        ("set a 10 minute pasta timer", "HassStartTimer", {"minutes": 10, "name": "pasta"}),
        ("timer for 1 hour and 30 seconds", "HassStartTimer", {"hours": 1, "seconds": 30}),
        ("set a timer for an hour and a half", "HassStartTimer", {"hours": 1, "minutes": 30}),
        ("cancel the timer", "HassCancelTimer", {}),
        ("cancel the pasta timer", "HassCancelTimer", {"name": "pasta"}),
        ("cancel all timers", "HassCancelAllTimers", {}),
        ("pause the timer", "HassPauseTimer", {}),
        ("resume the timer", "HassUnpauseTimer", {}),
        ("unpause the timer", "HassUnpauseTimer", {}),
        ("how much time is left", "HassTimerStatus", {}),
        ("how long on the pasta timer", "HassTimerStatus", {"name": "pasta"}),
        ("add 2 minutes to the timer", "HassIncreaseTimer", {"minutes": 2}),
        ("remove 1 minute from the pasta timer", "HassDecreaseTimer", {"minutes": 1, "name": "pasta"}),
        ("what time is it", "HassGetCurrentTime", {}),
        ("what's the date", "HassGetCurrentDate", {}),
        ("what day is it", "HassGetCurrentDate", {}),
    ],
)
def test_the_templates_know_every_timer_and_clock_request(matcher, text, intent, slots):
    nlu = matcher.interpret(text)
    assert (nlu.intent, dict(nlu.slots), nlu.confidence) == (intent, slots, 1.0)


def _bare_processor(matcher, skills=None):
    from edge.pipeline.processor import TurnProcessor

    class NoDevices:
        connected = True

        class registry:
            @staticmethod
            def entities():
                return []

        def publish_command(self, *a, **k):  # pragma: no cover - the clock never publishes
            raise AssertionError("the clock and timers must not reach the devices")

    return TurnProcessor(
        None, matcher, NoDevices(), device_id="t", area="", confirm_timeout_s=1.0, wake_model="alexa", skills=skills
    )


def test_a_processor_without_skills_given_tells_the_time_through_local_skills(matcher):
    """One path answers the clock: a processor built bare gets LocalSkills on the machine's clock, not a second
    answer elsewhere; given a clock, it says that clock's time."""
    before = dt.datetime.now().replace(second=0, microsecond=0)
    turn = _bare_processor(matcher).process_text("what time is it", act=True)
    after = dt.datetime.now().replace(second=0, microsecond=0)
    assert turn.outcome is Outcome.ANSWERED
    assert turn.response.text in {say_time(before), say_time(after)}
    fixed = LocalSkills(None, now=lambda: dt.datetime(2026, 11, 25, 15, 7))
    turn = _bare_processor(matcher, fixed).process_text("what's the date", act=True)
    assert (turn.outcome, turn.response.text) == (Outcome.ANSWERED, "It's Wednesday, November 25.")


def test_a_timer_conversation_through_the_processor(matcher):
    """Text through the real processor: NLU, then the local skills, no device involved."""
    clock = [1000.0]
    timers = TimerManager(None, lambda: clock[0])
    processor = _bare_processor(matcher, LocalSkills(timers))
    turn = processor.process_text("set a 10 minute pasta timer", act=True)
    assert (turn.outcome, turn.response.text) == (Outcome.DONE, "Pasta timer set for 10 minutes.")
    clock[0] += 400
    turn = processor.process_text("how long on the pasta timer", act=True)
    assert (turn.outcome, turn.response.text) == (Outcome.ANSWERED, "You have 3 minutes and 20 seconds left on the pasta timer.")
    turn = processor.process_text("cancel the eggs timer", act=True)
    assert (turn.outcome, turn.response.text) == (Outcome.NO_DEVICE, "There's no eggs timer.")
    turn = processor.process_text("cancel the pasta timer", act=True)
    assert turn.outcome is Outcome.DONE and timers.timers() == []
