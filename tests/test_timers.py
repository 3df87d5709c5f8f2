"""Timers: the manager on a fake clock, persistence, durations in and out, the answers, the chime, the ringer."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from edge.errors import EdgeError
from edge.timers import TimerManager, TimerStore, duration_from_slots, say_duration, timer_label
from edge.timers.answers import answer_timer
from edge.timers.chime import CHIME_RATE, chime
from edge.timers.manager import TimerAmbiguous, TimerError, TimerNotFound
from edge.timers.ringer import Ring, TimerRinger


class FakeClock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timers(clock: FakeClock) -> TimerManager:
    return TimerManager(None, clock)


# -- durations ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "seconds, words",
    [
        (300, "5 minutes"),
        (5400, "1 hour and 30 minutes"),
        (200, "3 minutes and 20 seconds"),
        (3725, "1 hour, 2 minutes and 5 seconds"),
        (1, "1 second"),
        (3600, "1 hour"),
        (0, "0 seconds"),
        (59.6, "1 minute"),
    ],
)
def test_say_duration(seconds, words):
    assert say_duration(seconds) == words


def test_timer_label():
    assert timer_label(300) == "5 minute" and timer_label(5400) == "1 hour 30 minute"


@pytest.mark.parametrize(
    "slots, seconds",
    [
        ({"minutes": 5}, 300),
        ({"hours": 1, "seconds": 30}, 3630),
        ({"hours": 1, "minutes": 30}, 5400),
        ({"minutes": "five"}, 300),
        ({"duration_s": 90}, 90),
        ({"duration": "an hour and a half"}, 5400),
        ({"duration": "ten minutes"}, 600),
        ({}, None),
        ({"minutes": "lots"}, None),
    ],
)
def test_duration_from_slots(slots, seconds):
    assert duration_from_slots(slots) == seconds


def test_a_timer_named_by_its_length():
    assert duration_from_slots({"start_minutes": 5}, prefix="start_") == 300
    assert duration_from_slots({"minutes": 5}, prefix="start_") is None


# -- the manager --------------------------------------------------------------------------
def test_start_runs_down_and_is_due_once(timers, clock):
    t = timers.start(300, "Pasta")
    assert t.name == "pasta" and t.label == "pasta timer"
    clock.advance(100)
    (s,) = timers.status("pasta")
    assert s.left_s(clock()) == 200
    assert timers.due() == []
    clock.advance(200)
    (done,) = timers.due()
    assert done.timer_id == t.timer_id
    assert timers.due() == [] and timers.timers() == []


def test_pause_and_resume_keep_the_time_left(timers, clock):
    timers.start(300)
    clock.advance(60)
    paused = timers.pause()
    assert paused.paused and paused.remaining_s == 240
    clock.advance(1000)  # paused: nothing runs down, nothing rings
    assert timers.due() == [] and timers.next_end_s() is None
    resumed = timers.resume()
    assert resumed.left_s(clock()) == 240
    clock.advance(240)
    assert len(timers.due()) == 1


def test_cancel_by_name_by_length_and_all(timers):
    timers.start(600, "pasta")
    timers.start(300)
    timers.start(120, "eggs")
    with pytest.raises(TimerAmbiguous) as err:
        timers.cancel()
    assert len(err.value.matches) == 3
    assert timers.cancel("the Pasta").name == "pasta"
    assert timers.cancel(duration_s=300).duration_s == 300
    with pytest.raises(TimerNotFound, match="no pasta timer"):
        timers.cancel("pasta")
    assert [t.name for t in timers.cancel_all()] == ["eggs"]
    with pytest.raises(TimerNotFound, match="no timers"):
        timers.cancel()


def test_pause_without_a_name_picks_the_one_running(timers):
    timers.start(600, "pasta")
    timers.start(300, "eggs")
    timers.pause("pasta")
    assert timers.pause().name == "eggs"  # the only one still running
    assert timers.resume("eggs").name == "eggs"


def test_add_and_remove_time(timers, clock):
    timers.start(300, "pasta")
    assert timers.adjust(120, "pasta").left_s(clock()) == 420
    assert timers.adjust(-60).left_s(clock()) == 360
    timers.adjust(-1000)  # down to nothing: it rings at once
    assert len(timers.due()) == 1


def test_bad_lengths_are_refused(timers):
    with pytest.raises(TimerError):
        timers.start(0)
    with pytest.raises(TimerError):
        timers.start(2 * 24 * 3600)


def test_listeners_hear_every_change(timers, clock):
    calls = []
    timers.add_listener(lambda: calls.append(1))
    timers.start(10)
    timers.pause()
    clock.advance(5)
    timers.resume()
    clock.advance(20)
    timers.due()
    assert len(calls) == 4


# -- persistence --------------------------------------------------------------------------
def test_timers_survive_a_restart(tmp_path: Path, clock):
    db = tmp_path / "timers.db"
    first = TimerManager(TimerStore(db), clock)
    first.start(600, "pasta")
    first.start(300)
    first.pause(duration_s=300)
    clock.advance(100)
    again = TimerManager(TimerStore(db), clock)  # a new process on the same file
    by_name = {t.name: t for t in again.timers()}
    assert by_name["pasta"].left_s(clock()) == 500
    assert by_name[""].paused and by_name[""].remaining_s == 300
    assert again.take_missed() == []


def test_a_timer_that_ended_while_off_rings_once_on_start(tmp_path: Path, clock):
    db = tmp_path / "timers.db"
    TimerManager(TimerStore(db), clock).start(300)
    clock.advance(3600)  # the speaker was off
    again = TimerManager(TimerStore(db), clock)
    (missed,) = again.take_missed()
    assert Ring(missed, missed=True).text == "Your 5 minute timer finished while I was off."
    assert again.take_missed() == [] and again.timers() == []
    assert TimerManager(TimerStore(db), clock).take_missed() == []  # and not again after another restart


def test_a_cancelled_timer_is_gone_after_a_restart(tmp_path: Path, clock):
    db = tmp_path / "timers.db"
    m = TimerManager(TimerStore(db), clock)
    m.start(300, "pasta")
    m.cancel("pasta")
    assert TimerManager(TimerStore(db), clock).timers() == []


def test_an_unwritable_store_names_the_key(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(EdgeError) as err:
        TimerStore(blocker / "timers.db")
    assert "[timers] db" in err.value.fix


# -- answers ------------------------------------------------------------------------------
def test_answers(timers, clock):
    assert answer_timer("HassStartTimer", {"minutes": 5}, timers) == (True, "Timer set for 5 minutes.")
    assert answer_timer("HassStartTimer", {"minutes": 10, "name": "pasta"}, timers) == (
        True, "Pasta timer set for 10 minutes.")
    clock.advance(400)
    assert answer_timer("HassTimerStatus", {"name": "pasta"}, timers) == (
        True, "You have 3 minutes and 20 seconds left on the pasta timer.")
    ok, text = answer_timer("HassTimerStatus", {}, timers)
    assert ok and text.startswith("You have 2 timers: the 5 minute timer, 0 seconds")
    assert answer_timer("HassCancelTimer", {"start_minutes": 5}, timers) == (True, "Timer cancelled.")
    assert answer_timer("HassPauseTimer", {}, timers) == (True, "Paused the pasta timer with 3 minutes and 20 seconds left.")
    assert answer_timer("HassTimerStatus", {}, timers) == (True, "The pasta timer is paused with 3 minutes and 20 seconds left.")
    assert answer_timer("HassUnpauseTimer", {}, timers)[0]
    ok, text = answer_timer("HassIncreaseTimer", {"minutes": 2, "name": "pasta"}, timers)
    assert ok and text == "Added 2 minutes to the pasta timer. You have 5 minutes and 20 seconds left on the pasta timer."
    assert answer_timer("HassCancelTimer", {"name": "eggs"}, timers) == (False, "There's no eggs timer.")
    assert answer_timer("HassStartTimer", {}, timers) == (False, "For how long should I set the timer?")
    assert answer_timer("HassCancelAllTimers", {}, timers) == (True, "Timer cancelled.")
    assert answer_timer("HassTimerStatus", {}, timers) == (False, "You have no timers running.")


# -- the chime and the ringer ---------------------------------------------------------------
def test_the_chime_is_two_tones_with_an_envelope_repeated():
    one, three = chime(1), chime(3)
    assert one.dtype == np.int16 and len(three) == 3 * len(one)
    assert 0.3 < len(one) / CHIME_RATE < 2.0
    assert abs(int(one[0])) < 500 and np.abs(one).max() > 10000  # soft onset, audible body
    spectrum = np.abs(np.fft.rfft(one.astype(np.float64)))
    freqs = np.fft.rfftfreq(len(one), 1 / CHIME_RATE)
    peaks = {round(freqs[i]) for i in np.argsort(spectrum)[-40:]}
    assert any(abs(p - 880) < 15 for p in peaks) and any(abs(p - 1318) < 15 for p in peaks)


def test_the_ringer_hands_each_finished_timer_over_once():
    timers = TimerManager(None, time.time)
    rang: list[Ring] = []
    done = threading.Event()

    def on_ring(ring: Ring) -> None:
        rang.append(ring)
        done.set()

    ringer = TimerRinger(timers, on_ring).start()
    try:
        t0 = time.monotonic()
        timers.start(1, "tea")
        assert done.wait(5)
        assert time.monotonic() - t0 >= 0.9
        assert [r.text for r in rang] == ["Your tea timer is done."]
        time.sleep(0.3)
        assert len(rang) == 1
    finally:
        ringer.stop()


def test_the_ringer_rings_missed_timers_first(tmp_path: Path, clock):
    db = tmp_path / "timers.db"
    TimerManager(TimerStore(db), lambda: time.time() - 3600).start(60, "bread")  # an hour ago
    timers = TimerManager(TimerStore(db), time.time)
    rang: list[Ring] = []
    ringer = TimerRinger(timers, rang.append).start()
    try:
        deadline = time.monotonic() + 5
        while not rang and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [r.text for r in rang] == ["Your bread timer finished while I was off."]
    finally:
        ringer.stop()
