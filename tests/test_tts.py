"""edge.tts: Piper synthesis per sentence, streaming to sinks, the reply cache, espeak-ng."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import edge  # noqa: F401  (privacy environment before Piper imports onnxruntime)
from edge.audio import SAMPLE_RATE, WavSink, read_audio, to_float32
from edge.config import TtsSettings
from edge.errors import TtsError
from edge.tts import AudioCache, Synthesizer, espeak_synthesize

TWO_SENTENCES = "Turned on the kitchen light. Anything else?"


@pytest.fixture(scope="module")
def synth() -> Iterator[Synthesizer]:
    yield Synthesizer(TtsSettings(), threads=2)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(to_float32(x).astype(np.float64) ** 2)))


class RecordingSink:
    """Keeps the chunks and how many sentences Piper had computed when each arrived."""

    def __init__(self, synth: Synthesizer) -> None:
        self.synth = synth
        self.chunks: list[np.ndarray] = []
        self.sentences_done: list[int] = []
        self.rates: list[int] = []

    def play(self, chunk: np.ndarray, rate: int) -> None:
        self.chunks.append(chunk)
        self.rates.append(rate)
        self.sentences_done.append(self.synth.synthesized_sentences)

    def wait(self, timeout: float | None = None) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


# -- Piper -------------------------------------------------------------------------


@pytest.mark.slow
def test_one_chunk_per_sentence(synth: Synthesizer) -> None:
    chunks = list(synth.synthesize(TWO_SENTENCES))
    assert synth.sample_rate == 22050
    assert len(chunks) == 2
    for c in chunks:
        assert c.dtype == np.int16 and c.ndim == 1
        assert 0.5 < len(c) / synth.sample_rate < 3.0  # a short sentence at a normal pace
        assert rms(c) > 0.02  # speech, not silence
    assert len(chunks[0]) > len(chunks[1])  # "Turned on the kitchen light." is the longer one


@pytest.mark.slow
def test_speak_streams_each_sentence_as_soon_as_it_is_ready(synth: Synthesizer) -> None:
    sink = RecordingSink(synth)
    synth.cache.clear()
    before = synth.synthesized_sentences
    first_ms = synth.speak("Done. The heating is set to twenty one degrees. Anything else?", sink)
    assert len(sink.chunks) == 3 and set(sink.rates) == {22050}
    # each sentence reached the sink before the next one was synthesized
    assert sink.sentences_done == [before + 1, before + 2, before + 3]
    assert 0 < first_ms < 5000


@pytest.mark.slow
def test_speak_to_wav_sink_writes_a_readable_wav(synth: Synthesizer, tmp_path: Path) -> None:
    path = tmp_path / "reply.wav"
    expected = np.concatenate(list(synth.synthesize(TWO_SENTENCES)))
    with WavSink(path) as sink:
        first_ms = synth.speak(TWO_SENTENCES, sink)
    assert first_ms > 0
    data, rate = sf.read(path, dtype="int16")
    assert rate == 22050
    np.testing.assert_array_equal(data, expected)
    at_16k = read_audio(path)
    assert len(at_16k) == pytest.approx(len(expected) * SAMPLE_RATE / 22050, abs=1)


@pytest.mark.slow
def test_cache_returns_identical_audio_without_resynthesis(synth: Synthesizer, monkeypatch: pytest.MonkeyPatch) -> None:
    synth.cache.clear()
    first = list(synth.synthesize("Okay."))
    done = synth.synthesized_sentences
    hits = synth.cache.hits

    def no_piper(*args: object, **kwargs: object) -> None:
        raise AssertionError("Piper was called for a cached reply")

    monkeypatch.setattr(synth._voice, "synthesize", no_piper)
    again = list(synth.synthesize("Okay."))
    assert synth.synthesized_sentences == done and synth.cache.hits == hits + 1
    assert len(again) == len(first)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
        assert not b.flags.writeable  # nobody can change the cached reply
    sink = RecordingSink(synth)
    assert synth.speak("  Okay.  ", sink) >= 0  # same text after stripping
    assert len(sink.chunks) == 1


@pytest.mark.slow
def test_long_text_is_not_cached(synth: Synthesizer) -> None:
    synth.cache.clear()
    text = "The living room lights, the kitchen lights and the hallway lights are all on now."
    assert len(text) > synth.cache_max_chars
    list(synth.synthesize(text))
    assert len(synth.cache) == 0


@pytest.mark.slow
def test_length_scale_changes_the_audio_and_the_cache_key(synth: Synthesizer) -> None:
    slow = Synthesizer(TtsSettings(length_scale=1.5), cache_entries=4)
    normal = np.concatenate(list(synth.synthesize("Sorry, I didn't catch that.")))
    slower = np.concatenate(list(slow.synthesize("Sorry, I didn't catch that.")))
    assert len(slower) > 1.25 * len(normal)
    assert slow._key("x") != synth._key("x")


@pytest.mark.slow
def test_empty_text_says_nothing(synth: Synthesizer) -> None:
    sink = RecordingSink(synth)
    assert list(synth.synthesize("   ")) == []
    assert synth.speak("", sink) == 0.0 and sink.chunks == []


def test_missing_voice_file(tmp_path: Path) -> None:
    with pytest.raises(TtsError, match="does not exist") as info:
        Synthesizer(TtsSettings(voice=str(tmp_path / "nope.onnx")))
    assert "[tts] voice" in info.value.fix


def test_voice_without_its_json(tmp_path: Path) -> None:
    model = tmp_path / "v.onnx"
    model.write_bytes(b"not a model")
    with pytest.raises(TtsError, match=r"v\.onnx\.json does not exist"):
        Synthesizer(TtsSettings(voice=str(model)))


def test_bad_settings_rejected_before_loading() -> None:
    with pytest.raises(TtsError, match="length_scale"):
        Synthesizer(TtsSettings(length_scale=0.0))
    with pytest.raises(TtsError, match="speaker_id = 3 but the voice has 1 speaker"):
        Synthesizer(TtsSettings(speaker_id=3))


# -- the cache on its own ------------------------------------------------------------


def test_audio_cache_is_a_bounded_lru() -> None:
    cache = AudioCache(max_entries=2)
    a, b, c = (np.full(3, i, np.int16) for i in range(3))
    cache.put("a", (a,))
    cache.put("b", (b,))
    assert cache.get("a") == (a,)  # "a" is now the most recent
    cache.put("c", (c,))  # evicts "b"
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert len(cache) == 2 and cache.hits == 3 and cache.misses == 1
    off = AudioCache(max_entries=0)
    off.put("a", (a,))
    assert off.get("a") is None


# -- espeak-ng -----------------------------------------------------------------------

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@needs_espeak
def test_espeak_gives_16k_int16_speech() -> None:
    audio = espeak_synthesize("Alexa, turn on the kitchen light.")
    assert audio.dtype == np.int16 and audio.ndim == 1
    assert 1.0 < len(audio) / 16000 < 4.0
    assert rms(audio) > 0.02


@needs_espeak
def test_espeak_rate_and_voice() -> None:
    a16 = espeak_synthesize("Hello there", voice="en-us", rate=16000)
    a22 = espeak_synthesize("Hello there", voice="en-us", rate=22050)
    assert len(a22) / 22050 == pytest.approx(len(a16) / 16000, abs=0.01)
    other = espeak_synthesize("Hello there", voice="en-us+f3")
    assert not np.array_equal(other[: len(a16)], a16[: len(other)])
    text_like_option = espeak_synthesize("--version")  # read as text through stdin, never as an option
    assert len(text_like_option) > 1000


@needs_espeak
def test_espeak_unknown_voice() -> None:
    with pytest.raises(TtsError, match="espeak-ng failed.*voice"):
        espeak_synthesize("hi", voice="nosuch")


def test_espeak_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(TtsError, match="espeak-ng is not installed") as info:
        espeak_synthesize("hi")
    assert info.value.fix == "sudo apt-get install espeak-ng"
