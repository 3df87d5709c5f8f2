"""Barge-in by a stop word without the wake word: matching, segmenting, the front's states (scripted models)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from edge.config import BargeInSettings, ConfigError, VadSettings, load_settings
from edge.pipeline import AudioFront, ListenState
from edge.pipeline.stop_words import BackgroundChecker, SpeechSegmenter, StopWordChecker, StopWords, WordBargeIn
from tests.conftest import wait_until
from tests.test_front import FRAME, ScriptedVad, ScriptedWake, run

WORDS = StopWords(BargeInSettings().stop_words)


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("Stop.", "stop"),
        ("stop!", "stop"),
        (" No. ", "no"),
        ("No, that's wrong.", "no that's wrong"),
        ("No, that’s wrong", "no that's wrong"),
        ("Cancel.", "cancel"),
        ("Be quiet.", "be quiet"),
        ("Quiet!", "quiet"),
        ("Enough.", "enough"),
        ("Shut up.", "shut up"),
        ("Oh, stop it, please.", "stop it"),
        ("Alexa, stop.", "stop"),
        ("Stop, stop.", "stop"),
        ("No, no.", "no"),
        ("Never mind.", "never mind"),
    ],
)
def test_stop_phrases_match(text, phrase):
    assert WORDS.match(text) == phrase


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Okay.",  # filler alone
        "No device called stop light.",  # the answer's own words
        "I couldn't find a device called stop.",
        "Turned on the kitchen light.",
        "Stop the music in the kitchen",  # a request, not "stop"
        "Nobody",
        "stopwatch",
        "Enough light in here?",
    ],
)
def test_other_words_do_not_match(text):
    assert WORDS.match(text) is None


def test_a_stop_word_the_answer_says_itself_is_not_taken():
    segments = []
    front, barged = _speaking_front(FakeAsr("Stop."), set(range(2, 5)))
    front.word_check = segments.append
    front.release()
    front.state = ListenState.THINKING
    front.speaking("OK, I won't. Stop.")
    run(front, 10)
    (segment,) = segments
    assert segment.answer == "OK, I won't. Stop."
    checker = StopWordChecker(FakeAsr("Stop."), WORDS, front.barge_in_by_word)
    assert checker.check(segment) is None  # may be the answer's own echo
    assert StopWords.said_in("no", "No, the door is closed.") and not StopWords.said_in("no", "Nobody is home.")
    assert not StopWords.said_in("stop", "")


def test_the_answer_s_words_around_a_stop_word_are_its_echo():
    answer = "I couldn't find a device called garage light."
    assert WORDS.match("I couldn't find no.", answer) == "no"
    assert WORDS.match("garage light, stop it", answer) == "stop it"
    assert WORDS.match("I couldn't find no.") is None  # no answer known: words that stop nothing
    assert WORDS.match("I couldn't find a device called", answer) is None  # the echo alone
    assert WORDS.match("I should be quiet.", answer) == "be quiet"  # the echo's tail misheard, then the word
    assert WORDS.match("I should have said the cancel.", answer) is None  # too many words that are neither
    assert WORDS.match("no, the other garage light", answer) is None  # words after the stop word: a request
    trap = "No device called stop light."
    assert WORDS.match("No device called stop light.", trap) is None
    assert WORDS.match("Stop.", trap) is None and WORDS.match("No.", trap) is None  # may be its echo
    assert WORDS.match("Cancel.", trap) == "cancel"


def test_the_list_is_configurable():
    words = StopWords(["Halt", "hold on"])
    assert words.match("Hold on.") == "hold on" and words.match("halt") == "halt" and words.match("stop") is None
    assert StopWords([]).match("stop") is None


def test_config_keys(tmp_path: Path):
    cfg = tmp_path / "edge.toml"
    cfg.write_text('[barge_in]\nwords = false\nstop_words = ["Stop", "Halt"]\nword_silence_s = 0.32\nword_max_s = 2\n')
    b = load_settings(cfg).barge_in
    assert b.words is False and b.stop_words == ("stop", "halt") and b.word_silence_s == 0.32 and b.word_max_s == 2.0
    assert "stop" in BargeInSettings().stop_words and "no" in BargeInSettings().stop_words
    for bad, message in [
        ('stop_words = "stop"', "barge_in.stop_words must be a list of strings"),
        ("word_max_s = 10", "barge_in.word_max_s = 10.0 is out of range"),
        ("word_silence_s = 0", "barge_in.word_silence_s = 0.0 is out of range"),
        ("words = 1", "barge_in.words must be true or false"),
    ]:
        cfg.write_text(f"[barge_in]\n{bad}\n")
        with pytest.raises(ConfigError, match=message):
            load_settings(cfg)


def _frame(v: int = 1) -> np.ndarray:
    return np.full(FRAME, v, np.int16)


def test_segmenter_cuts_speech_at_its_silence_with_frames_before_the_onset():
    seg = SpeechSegmenter(0.5, silence_s=0.24, max_s=1.5, before_frames=2)
    probs = [0.1] * 4 + [0.9] * 4 + [0.1] * 3
    out = [seg.process(_frame(i), p, (i + 1) * 0.08, epoch=7) for i, p in enumerate(probs)]
    assert all(o is None for o in out[:-1])
    s = out[-1]
    assert s is not None and s.epoch == 7
    assert len(s.audio) == (2 + 4 + 3) * FRAME and s.audio[0] == 2  # two frames before the onset
    assert s.speech_s == pytest.approx(0.32) and s.end_s == pytest.approx(0.64) and s.decided_s == pytest.approx(0.88)


def test_segmenter_drops_clicks_and_caps_long_speech():
    seg = SpeechSegmenter(0.5, silence_s=0.24, max_s=0.8, min_speech_s=0.16)
    probs = [0.9] + [0.1] * 3  # one frame of speech: a click
    assert [seg.process(_frame(), p, 0.0, 0) for p in probs] == [None] * 4
    out = [seg.process(_frame(), 0.9, 0.0, 0) for _ in range(30)]  # 2.4 s of talking
    assert sum(o is not None for o in out) == 1 and out[9] is not None  # cut at 0.8 s, then waits for a silence
    assert seg.process(_frame(), 0.1, 0.0, 0) is None and seg.process(_frame(), 0.9, 0.0, 0) is None and seg.active


class FakeAsr:
    def __init__(self, text: str, delay_s: float = 0.0) -> None:
        self.text, self.delay_s, self.calls = text, delay_s, 0

    def transcribe(self, audio):
        self.calls += 1
        time.sleep(self.delay_s)
        return type("Asr", (), {"text": self.text})()


def _speaking_front(asr: FakeAsr, speech: set[int], wake_at: set[int] = frozenset(), **kw):
    barged: list[object] = []
    front = AudioFront(ScriptedWake(set(wake_at)), ScriptedVad(speech), VadSettings(), preroll_s=0.2,
                       on_barge_in=barged.append, **kw)  # fmt: skip
    front.word_check = StopWordChecker(asr, WORDS, front.barge_in_by_word)
    front.state = ListenState.THINKING
    front.speaking()
    front.play_reference(np.zeros(FRAME * 100, np.int16))
    return front, barged


def test_a_stop_word_over_the_answer_cuts_it_off_without_a_new_command():
    asr = FakeAsr("Stop.")
    front, barged = _speaking_front(asr, set(range(5, 9)))
    assert run(front, 10) == [] and barged == []  # the silence that ends the word is not over yet
    assert run(front, 1) == [] and asr.calls == 1
    (b,) = barged
    assert isinstance(b, WordBargeIn) and b.phrase == "stop" and b.text == "Stop."
    assert front.reference_left_s == 0.0  # the rest of the answer will not play
    assert front.state is ListenState.SPEAKING  # until the worker has recorded the turn
    run(front, 20)
    assert len(barged) == 1  # once per answer
    front.release()
    assert front.state is ListenState.IDLE


def test_the_answer_s_words_or_no_speech_do_not_barge_in():
    asr = FakeAsr("No device called stop light.")
    front, barged = _speaking_front(asr, set(range(5, 12)))
    run(front, 30)
    assert asr.calls == 1 and barged == [] and front.reference_left_s > 0
    quiet = FakeAsr("stop")
    front, barged = _speaking_front(quiet, set())
    run(front, 30)
    assert quiet.calls == 0 and barged == []  # no speech: nothing to transcribe


def test_no_check_unless_the_answer_plays_or_when_barge_in_is_off():
    asr = FakeAsr("stop")
    barged: list[object] = []
    front = AudioFront(ScriptedWake(set()), ScriptedVad(set(range(3, 6))), VadSettings(), preroll_s=0.2,
                       on_barge_in=barged.append)  # fmt: skip
    front.word_check = StopWordChecker(asr, WORDS, front.barge_in_by_word)
    run(front, 20)  # idle: speech without the wake word is nobody's business
    assert asr.calls == 0 and front.state is ListenState.IDLE
    front, barged = _speaking_front(asr, set(range(3, 6)), barge_in_threshold=None)
    run(front, 20)
    assert asr.calls == 0 and barged == []


def test_a_result_for_an_answer_that_is_over_is_ignored():
    segments = []
    front, barged = _speaking_front(FakeAsr("stop"), set(range(2, 5)))
    front.word_check = segments.append  # hold the segment, as a slow checker would
    run(front, 10)
    (segment,) = segments
    found = WordBargeIn("stop", "stop", 0.0)
    front.release()
    front.state = ListenState.THINKING
    front.speaking()  # the next answer
    assert front.barge_in_by_word(segment, found) is False and barged == []


def test_the_wake_word_during_a_word_takes_over():
    asr = FakeAsr("Alexa, stop.")
    front, barged = _speaking_front(asr, set(range(3, 9)), wake_at={5})
    run(front, 6)
    assert front.state is ListenState.LISTENING and len(barged) == 1 and not isinstance(barged[0], WordBargeIn)
    run(front, 30)
    assert asr.calls == 0  # the segment under way was dropped: the command is captured instead


def test_the_audio_thread_does_not_wait_for_the_check():
    asr = FakeAsr("no", delay_s=0.6)
    front, barged = _speaking_front(asr, set(range(3, 6)))
    checker = BackgroundChecker(front.word_check)
    front.word_check = checker.submit
    try:
        t0 = time.perf_counter()
        run(front, 40)
        assert time.perf_counter() - t0 < 0.4  # 3.2 s of audio fed while ASR takes 0.6 s
        assert wait_until(lambda: len(barged) == 1, 3.0)
        assert isinstance(barged[0], WordBargeIn) and barged[0].phrase == "no" and barged[0].latency_ms >= 500
        assert threading.current_thread().name != "edge-stop-words"
    finally:
        checker.close()
