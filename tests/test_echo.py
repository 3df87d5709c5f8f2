"""The echo canceller on real speech (Piper renders) through a simulated echo path."""

import numpy as np
import pytest

from edge.audio.echo import EchoCanceller, EchoPath

FRAME = 1280


def _db(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(a.astype(float) ** 2) / max(np.sum(b.astype(float) ** 2), 1.0)))


def _run(canceller: EchoCanceller, mic: np.ndarray, ref: np.ndarray, chunk: int = FRAME) -> np.ndarray:
    out = [canceller.process(mic[i : i + chunk], ref[i : i + chunk]) for i in range(0, len(mic), chunk)]
    return np.concatenate(out)


def _pcm(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, -1, 1) * 32767).astype(np.int16)


@pytest.fixture(scope="module")
def answer(voices) -> np.ndarray:
    return voices.piper("I couldn't find a device called garage light. I can't reach your devices right now. I'll keep trying.")


def test_echo_path_delays_and_scales():
    x = np.zeros(1000, np.float32)
    x[0] = 1.0
    y = EchoPath(delay_s=0.01, gain=0.5).apply(x)
    assert np.argmax(np.abs(y)) == 160 and y[160] == pytest.approx(0.5)


def test_cancels_the_echo_of_a_spoken_answer(answer):
    echo = EchoPath(delay_s=0.03, gain=1.0).apply(answer)
    ref = np.concatenate([answer, np.zeros(len(echo) - len(answer), np.float32)])
    mic, ref16 = _pcm(echo), _pcm(ref)
    out = _run(EchoCanceller(), mic, ref16)
    second_half = slice(len(mic) // 2, len(mic))
    assert _db(mic[second_half], out[second_half]) > 15  # measured ~25 dB once converged


def test_speech_of_the_user_survives(answer, voices):
    user = voices.espeak("Alexa, stop.")
    echo = EchoPath(delay_s=0.03).apply(answer)
    ref = np.concatenate([answer, np.zeros(len(echo) - len(answer), np.float32)])
    at = len(echo) // 2
    mic = echo.copy()
    mic[at : at + len(user)] += 0.5 * user
    out = _run(EchoCanceller(), _pcm(mic), _pcm(ref))
    user_only = _pcm(np.concatenate([np.zeros(at, np.float32), 0.5 * user]))
    seg = slice(at, at + len(user))
    # what is left in the user's stretch is mostly the user: the residual is well below the user's speech
    residual = out[seg].astype(float) - user_only[seg]
    assert _db(user_only[seg], residual) > 10  # measured 19 dB (without cancelling: -6.6 dB)


def test_no_reference_passes_the_microphone_through():
    mic = (np.random.default_rng(1).standard_normal(FRAME * 4) * 3000).astype(np.int16)
    out = _run(EchoCanceller(), mic, np.zeros_like(mic))
    assert np.array_equal(out, mic)


def test_chunk_size_does_not_change_the_output(answer):
    echo = EchoPath().apply(answer)[: len(answer)]
    mic, ref = _pcm(echo), _pcm(answer)
    a = _run(EchoCanceller(), mic, ref, 1280)
    b = _run(EchoCanceller(), mic, ref, 256 * 3)
    n = min(len(a), len(b)) - 1280
    assert np.array_equal(a[:n], b[:n])


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match="differ"):
        EchoCanceller().process(np.zeros(10, np.int16), np.zeros(12, np.int16))
