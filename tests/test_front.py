"""The audio front end's logic, with scripted wake word and VAD models."""

import numpy as np
import pytest

from edge.config import VadSettings
from edge.pipeline import AudioFront, ListenState, strip_wake_phrase
from edge.vad import EndpointReason
from edge.wake import Detection

FRAME = 1280


class ScriptedWake:
    name = "alexa"

    def __init__(self, fire_at: set[int]):
        self.fire_at, self.n = fire_at, 0

    def process(self, audio):
        self.n += 1
        return [Detection("alexa", 0.9, self.n * 0.08)] if self.n in self.fire_at else []


class ScriptedVad:
    def __init__(self, speech: set[int]):
        self.speech, self.n = speech, 0

    def process(self, audio):
        self.n += 1
        return [0.9 if self.n in self.speech else 0.05]


def frames(n: int) -> list[np.ndarray]:
    return [np.full(FRAME, i, dtype=np.int16) for i in range(n)]


def run(front: AudioFront, n: int):
    out = []
    for f in frames(n):
        out += front.feed(f)
    return out


def test_captures_preroll_and_command_until_the_hangover():
    vad = VadSettings(hangover_s=0.4)
    front = AudioFront(ScriptedWake({10}), ScriptedVad(set(range(11, 21))), vad, preroll_s=0.4)
    (cmd,) = run(front, 40)
    assert cmd.reason is EndpointReason.END_OF_SPEECH
    first_frame = cmd.audio[0]
    # pre-roll (5 silent frames) + speech + hangover (5 silent frames): runs this short stay whole
    assert first_frame == 5
    assert len(cmd.audio) == (5 + 10 + 5) * FRAME
    assert front.state is ListenState.THINKING


def test_a_long_pause_inside_the_command_is_shortened_for_asr():
    # wake word (frames 2-3, detected in 3), 2 s of silence (4-28), the command (29-38)
    speech = set(range(3, 5)) | set(range(30, 40))  # the scripted VAD counts frames from 1
    front = AudioFront(ScriptedWake({4}), ScriptedVad(speech), VadSettings(), preroll_s=0.16)
    (cmd,) = run(front, 60)
    values = [int(v) for v in cmd.audio[::FRAME]]
    assert values[:2] == [2, 3]  # the pre-roll: the wake word
    assert values[2:7] == [4, 5, 26, 27, 28]  # the pause: 2 frames after the wake word, 3 before the command
    assert values[7:17] == list(range(29, 39))  # then the command
    assert len(values) == 2 + 5 + 10 + 5  # and the hangover


def test_wake_words_are_ignored_until_released():
    front = AudioFront(ScriptedWake({2, 30}), ScriptedVad(set(range(3, 8))), VadSettings(), preroll_s=0.2)
    cmds = run(front, 60)
    assert len(cmds) == 1  # the second wake word came while the first turn was not released
    front.release()
    assert front.state is ListenState.IDLE


def test_no_speech_after_the_wake_word():
    front = AudioFront(ScriptedWake({2}), ScriptedVad(set()), VadSettings(no_speech_timeout_s=1.0), preroll_s=0.2)
    (cmd,) = run(front, 40)
    assert cmd.reason is EndpointReason.NO_SPEECH


def test_chunk_size_does_not_matter():
    def capture(chunk: int):
        front = AudioFront(ScriptedWake({10}), ScriptedVad(set(range(11, 21))), VadSettings(), preroll_s=0.4)
        audio = np.concatenate(frames(40))
        out = []
        for i in range(0, len(audio), chunk):
            out += front.feed(audio[i : i + chunk])
        return out

    a, b = capture(1280), capture(777)
    assert len(a) == len(b) == 1 and np.array_equal(a[0].audio, b[0].audio)


def test_drop_leading_fragment():
    from edge.pipeline.processor import drop_leading_fragment

    assert drop_leading_fragment("Elect. Turn off the lights in the office.") == "Turn off the lights in the office."
    assert drop_leading_fragment("Like sir, what's the date?") == "what's the date?"
    assert drop_leading_fragment("turn off the lights") == ""
    assert drop_leading_fragment("Well then I think, turn it off") == ""  # more than two words: not a wake word


def test_strip_wake_phrase():
    assert strip_wake_phrase("Alexa, turn on the kitchen light.", "alexa") == "turn on the kitchen light."
    assert strip_wake_phrase("Hey Alexa turn on the light", "alexa") == "turn on the light"
    assert strip_wake_phrase("Lexa. Turn on the light", "alexa") == "Turn on the light"
    assert strip_wake_phrase("turn on the light", "alexa") == "turn on the light"
    assert strip_wake_phrase("Hey Jarvis, what time is it?", "hey_jarvis") == "what time is it?"


def test_follow_up_captures_an_answer_without_the_wake_word():
    # a short "yes" (3 frames) must count: no wake word, so no wake-word tail to skip
    front = AudioFront(ScriptedWake(set()), ScriptedVad(set(range(6, 9))), VadSettings(), preroll_s=0.4)
    front.state = ListenState.THINKING
    front.follow_up(3.0)
    assert front.state is ListenState.LISTENING
    (cmd,) = run(front, 30)
    assert cmd.wake is None and cmd.reason is EndpointReason.END_OF_SPEECH
    assert cmd.speech_s == pytest.approx(3 * 0.08)
    assert {5, 6, 7} <= {int(v) for v in cmd.audio[::FRAME]}


def test_follow_up_times_out_on_silence():
    front = AudioFront(ScriptedWake(set()), ScriptedVad(set()), VadSettings(no_speech_timeout_s=8.0), preroll_s=0.4)
    front.follow_up(1.0)
    (cmd,) = run(front, 20)  # 1.6 s of silence: its own timeout, not the wake word's 8 s
    assert cmd.wake is None and cmd.reason is EndpointReason.NO_SPEECH


def test_barge_in_while_speaking_calls_back_and_captures_the_next_command():
    barged = []
    front = AudioFront(
        ScriptedWake({5}), ScriptedVad(set(range(6, 12))), VadSettings(), preroll_s=0.2, on_barge_in=barged.append
    )
    front.state = ListenState.THINKING
    front.speaking()
    front.play_reference(np.zeros(FRAME * 50, np.int16))
    assert run(front, 6) == [] and len(barged) == 1
    assert front.reference_left_s == 0.0  # the rest of the answer will not play
    front.release()  # the worker's release after the cut-off answer does not end the new capture
    assert front.state is ListenState.LISTENING
    (cmd,) = run(front, 30)
    assert cmd.wake is not None and cmd.speech_s > 0


def test_no_barge_in_below_its_threshold_or_when_disabled():
    for threshold in (0.95, None):  # the scripted wake word scores 0.9
        barged = []
        front = AudioFront(
            ScriptedWake({5}), ScriptedVad(set()), VadSettings(), preroll_s=0.2,
            barge_in_threshold=threshold, on_barge_in=barged.append,
        )
        front.state = ListenState.SPEAKING
        assert run(front, 20) == [] and barged == [] and front.state is ListenState.SPEAKING


def test_release_does_not_end_a_capture_a_barge_in_started():
    front = AudioFront(ScriptedWake({3}), ScriptedVad(set()), VadSettings(), preroll_s=0.2)
    front.state = ListenState.SPEAKING
    run(front, 4)
    assert front.state is ListenState.LISTENING
    front.release()
    assert front.state is ListenState.LISTENING


def test_an_answer_that_clips_the_microphone_is_reported_once_to_the_maker(caplog):
    """While the echo clips the microphone barge-in is deaf: the log says so, with the fix, and does not repeat."""
    front = AudioFront(ScriptedWake(set()), ScriptedVad(set()), VadSettings(), preroll_s=0.2)
    loud, quiet = np.full(FRAME, 32767, np.int16), np.full(FRAME, 1000, np.int16)
    with caplog.at_level("WARNING", logger="edge.pipeline"):
        front.state = ListenState.SPEAKING
        front.play_reference(np.zeros(FRAME * 3, np.int16))
        for mic in (quiet, loud, loud):  # the first answer: 2 of its 3 frames clipped
            front.feed(mic)
        front.feed(quiet)  # the answer is over
        assert [r.getMessage() for r in caplog.records] == [
            "the answer's own sound clipped the microphone in 2 of its 3 frames: barge-in cannot hear the user while "
            "it does; turn the speaker's volume or the microphone's capture gain down (alsamixer)"
        ]
        front.play_reference(np.zeros(FRAME * 2, np.int16))
        for mic in (loud, loud, quiet):  # a second clipped answer soon after: not said again
            front.feed(mic)
        assert len(caplog.records) == 1
    quiet_front = AudioFront(ScriptedWake(set()), ScriptedVad(set()), VadSettings(), preroll_s=0.2)
    quiet_front.state = ListenState.SPEAKING
    quiet_front.play_reference(np.zeros(FRAME * 2, np.int16))
    with caplog.at_level("WARNING", logger="edge.pipeline"):
        caplog.clear()
        for _ in range(3):
            quiet_front.feed(quiet)
        assert caplog.records == []
