import pytest

from edge.vad import Endpointer, EndpointReason, EndpointState

F = 0.08


def feed(ep: Endpointer, probs: list[float]) -> int:
    """Frames fed until DONE (or all of them)."""
    for i, p in enumerate(probs, 1):
        if ep.process(F, p) is EndpointState.DONE:
            return i
    return len(probs)


def test_ends_after_the_hangover():
    ep = Endpointer(hangover_s=0.4)
    n = feed(ep, [0.9] * 10 + [0.1] * 20)
    assert ep.reason is EndpointReason.END_OF_SPEECH
    assert n == 10 + 5  # 5 silent frames of 80 ms = 0.4 s


def test_short_pauses_do_not_end_the_command():
    ep = Endpointer(hangover_s=0.4)
    n = feed(ep, [0.9] * 5 + [0.1] * 4 + [0.9] * 5 + [0.1] * 10)
    assert n == 5 + 4 + 5 + 5


def test_silence_after_the_wake_word_times_out():
    ep = Endpointer(no_speech_timeout_s=2.0)
    n = feed(ep, [0.0] * 100)
    assert ep.reason is EndpointReason.NO_SPEECH
    assert n == 25


def test_a_blip_is_not_speech():
    ep = Endpointer(no_speech_timeout_s=2.0, min_speech_s=0.16)
    feed(ep, [0.9] + [0.0] * 40)
    assert ep.reason is EndpointReason.NO_SPEECH


def test_max_length_caps_a_long_command():
    ep = Endpointer(max_command_s=3.0)
    n = feed(ep, [0.9] * 100)
    assert ep.reason is EndpointReason.MAX_LENGTH and n == 38  # first frame at or past 3.0 s


def test_the_wake_words_tail_and_a_pause_do_not_end_the_command():
    # the detection fired inside "Ale|xa": 3 frames of its tail, 1.6 s of silence, then the command
    ep = Endpointer(hangover_s=0.4, wake_tail_max_s=0.6)
    n = feed(ep, [0.9] * 3 + [0.0] * 20 + [0.9] * 10 + [0.0] * 10)
    assert ep.reason is EndpointReason.END_OF_SPEECH
    assert n == 3 + 20 + 10 + 5


def test_one_breath_with_the_wake_word_counts_as_the_command():
    ep = Endpointer(hangover_s=0.4, wake_tail_max_s=0.6)
    feed(ep, [0.9] * 7)
    assert ep.state is EndpointState.WAITING  # still could be the wake word's tail
    feed(ep, [0.9])
    assert ep.state is EndpointState.SPEAKING and ep.speech_s == pytest.approx(8 * F)


def test_no_command_after_the_wake_words_tail_times_out():
    ep = Endpointer(no_speech_timeout_s=2.0, wake_tail_max_s=0.6)
    feed(ep, [0.9] * 4 + [0.0] * 40)
    assert ep.reason is EndpointReason.NO_SPEECH
