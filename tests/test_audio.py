"""edge.audio: file reading, conversions, streaming resampling, microphone and sinks.

This machine has PortAudio but no sound hardware, so the device paths run
against a fake ``sounddevice`` module put in ``sys.modules``; the real module
is used to check the "no device" errors.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

import edge  # noqa: F401  (privacy environment first)
from edge.audio import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    MicSource,
    NullSink,
    Player,
    SpeakerSink,
    StreamResampler,
    WavSink,
    list_input_devices,
    read_audio,
    to_float32,
    to_int16,
    write_wav,
)
from edge.config import AudioSettings
from edge.errors import AudioError


def sine(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


# -- files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, subtype, rate, channels, freq, ext",
    [
        ("WAV", "PCM_16", 44100, 2, 440.0, "wav"),
        ("WAV", "PCM_16", 8000, 1, 1000.0, "wav"),
        ("WAV", "PCM_U8", 11025, 1, 700.0, "wav"),
        ("WAV", "FLOAT", 48000, 6, 3000.0, "wav"),
        ("FLAC", "PCM_24", 48000, 1, 440.0, "flac"),
        ("FLAC", "PCM_16", 22050, 2, 2500.0, "flac"),
        ("OGG", "VORBIS", 32000, 1, 1000.0, "ogg"),
    ],
)
def test_read_audio_any_format_to_16k_mono(
    tmp_path: Path, fmt: str, subtype: str, rate: int, channels: int, freq: float, ext: str
) -> None:
    seconds = 1.5
    mono = sine(freq, seconds, rate)
    data = np.stack([mono * (0.5 + 0.5 * c / channels) for c in range(channels)], axis=1)
    path = tmp_path / f"tone.{ext}"
    sf.write(path, data, rate, format=fmt, subtype=subtype)

    audio = read_audio(path)

    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == pytest.approx(seconds * SAMPLE_RATE, abs=1)
    assert peak_hz(audio, SAMPLE_RATE) == pytest.approx(freq, abs=1.0)
    assert np.abs(audio).max() <= 1.0
    # amplitude survives downmix and resampling (the mean of the channel gains)
    expected_amp = 0.5 * np.mean([0.5 + 0.5 * c / channels for c in range(channels)])
    steady = audio[SAMPLE_RATE // 4 : -SAMPLE_RATE // 4]
    assert np.abs(steady).max() == pytest.approx(expected_amp, rel=0.05)


def test_read_audio_16k_file_is_not_touched(tmp_path: Path) -> None:
    samples = to_int16(sine(300, 0.5, SAMPLE_RATE))
    path = tmp_path / "a.wav"
    write_wav(path, samples, SAMPLE_RATE)
    np.testing.assert_array_equal(read_audio(path), to_float32(samples))


def test_read_audio_at_another_rate(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    write_wav(path, sine(500, 1.0, SAMPLE_RATE), SAMPLE_RATE)
    audio = read_audio(path, rate=22050)
    assert len(audio) == 22050
    assert peak_hz(audio, 22050) == pytest.approx(500, abs=1.0)


def test_read_real_flac_and_resampled_copy(shared_data: Path, tmp_path: Path) -> None:
    """A real recording, and sox's 48 kHz stereo copy of it, read back to the same 16 kHz audio."""
    src = shared_data / "audio" / "wakeword" / "alexa" / "0.flac"
    original = read_audio(src)
    raw, rate = sf.read(src, dtype="int16")
    assert rate == SAMPLE_RATE
    np.testing.assert_array_equal(original, to_float32(raw))
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    copy = tmp_path / "copy.wav"
    subprocess.run(["sox", str(src), "-r", "48000", "-c", "2", "-b", "24", str(copy)], check=True)
    again = read_audio(copy)
    assert len(again) == len(original)
    corr = np.corrcoef(again, original)[0, 1]
    assert corr > 0.99


def test_read_audio_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist") as info:
        read_audio(tmp_path / "nope.wav")
    assert info.value.fix


def test_read_audio_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(AudioError, match="cannot read audio file") as info:
        read_audio(bad)
    assert "WAV, FLAC or OGG" in info.value.fix
    assert info.value.__cause__ is not None


def test_write_wav_int16_and_float(tmp_path: Path) -> None:
    samples = np.array([0, 1000, -1000, 32767, -32768], dtype=np.int16)
    write_wav(tmp_path / "i.wav", samples, 22050)
    back, rate = sf.read(tmp_path / "i.wav", dtype="int16")
    assert rate == 22050
    np.testing.assert_array_equal(back, samples)
    write_wav(tmp_path / "f.wav", to_float32(samples), 16000)
    back, _ = sf.read(tmp_path / "f.wav", dtype="int16")
    np.testing.assert_array_equal(back, samples)


def test_write_wav_to_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="cannot write"):
        write_wav(tmp_path / "no" / "such" / "x.wav", np.zeros(10, np.int16), 16000)


# -- conversions and resampling ------------------------------------------------


def test_int16_float_round_trip_is_exact() -> None:
    every = np.arange(-32768, 32768, dtype=np.int16)
    f = to_float32(every)
    assert f.dtype == np.float32 and f.min() == -1.0 and f.max() < 1.0
    np.testing.assert_array_equal(to_int16(f), every)


def test_to_int16_clips_and_rounds() -> None:
    out = to_int16(np.array([2.0, -2.0, 0.5, 1.0, -1.0, 1e-6], dtype=np.float32))
    np.testing.assert_array_equal(out, [32767, -32768, 16384, 32767, -32768, 0])
    assert to_int16(np.zeros(3, np.int16)).dtype == np.int16
    assert to_float32(np.zeros(3, np.float64)).dtype == np.float32
    with pytest.raises(TypeError):
        to_float32(np.zeros(3, np.int32))


@pytest.mark.parametrize("src_rate", [48000, 44100, 22050, 8000])
def test_stream_resampler_matches_resample_poly_for_any_chunking(src_rate: int) -> None:
    rng = np.random.default_rng(src_rate)
    x = (rng.standard_normal(src_rate) * 0.2).astype(np.float32)
    g = np.gcd(src_rate, SAMPLE_RATE)
    reference = resample_poly(x.astype(np.float64), SAMPLE_RATE // g, src_rate // g)
    for sizes in ([len(x)], [1] * 50 + [len(x) - 50], list(rng.integers(1, 4000, 200))):
        r = StreamResampler(src_rate, SAMPLE_RATE)
        outs, i = [], 0
        for n in sizes:
            outs.append(r.process(x[i : i + n]))
            i += n
            if i >= len(x):
                break
        if i < len(x):
            outs.append(r.process(x[i:]))
        y = np.concatenate(outs)
        assert len(reference) - 20 <= len(y) <= len(reference)  # the filter's delay is still inside
        np.testing.assert_allclose(y, reference[: len(y)], atol=1e-5)


def test_stream_resampler_int16_in_int16_out() -> None:
    r = StreamResampler(48000, SAMPLE_RATE)
    y = r.process(to_int16(sine(1000, 1.0, 48000)))
    assert y.dtype == np.int16
    assert peak_hz(to_float32(y), SAMPLE_RATE) == pytest.approx(1000, abs=1.0)


# -- a fake sounddevice --------------------------------------------------------


class FakePortAudioError(Exception):
    pass


class FakeStream:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.callback = kwargs["callback"]
        self.active = False
        self.closed = False
        self.aborted = 0
        self.latency = 0.0

    def start(self) -> None:
        self.active = True

    def stop(self) -> None:
        self.active = False

    def abort(self) -> None:
        self.active = False
        self.aborted += 1

    def close(self) -> None:
        self.closed = True


def make_fake_sd(devices: list[dict[str, Any]], default: tuple[int, int] = (0, 0)) -> types.ModuleType:
    sd = types.ModuleType("sounddevice")
    sd.PortAudioError = FakePortAudioError  # type: ignore[attr-defined]
    sd.default = types.SimpleNamespace(device=list(default))  # type: ignore[attr-defined]
    sd.streams = []  # type: ignore[attr-defined]

    def query_devices() -> list[dict[str, Any]]:
        return [dict(d, index=i) for i, d in enumerate(devices)]

    def check(kind: str) -> Any:
        def _check(device: int, samplerate: int, channels: int, dtype: str) -> None:
            dev = devices[device]
            if dev[f"max_{kind}_channels"] < channels or samplerate not in dev["rates"]:
                raise FakePortAudioError("Invalid sample rate")

        return _check

    def stream(**kwargs: Any) -> FakeStream:
        s = FakeStream(**kwargs)
        sd.streams.append(s)
        return s

    sd.query_devices = query_devices  # type: ignore[attr-defined]
    sd.check_input_settings = check("input")  # type: ignore[attr-defined]
    sd.check_output_settings = check("output")  # type: ignore[attr-defined]
    sd.InputStream = stream  # type: ignore[attr-defined]
    sd.OutputStream = stream  # type: ignore[attr-defined]
    return sd


FAKE_DEVICES = [
    {"name": "HDA Intel PCH: ALC892 Analog (hw:0,0)", "max_input_channels": 2, "max_output_channels": 2,
     "default_samplerate": 48000.0, "rates": {16000, 22050, 44100, 48000}},
    {"name": "USB PnP Sound Device: Audio (hw:1,0)", "max_input_channels": 1, "max_output_channels": 0,
     "default_samplerate": 44100.0, "rates": {44100}},
    {"name": "HDMI 0", "max_input_channels": 0, "max_output_channels": 8,
     "default_samplerate": 48000.0, "rates": {48000}},
]  # fmt: skip


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    sd = make_fake_sd(FAKE_DEVICES)
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return sd


def feed(mic: MicSource, samples: np.ndarray, block: int) -> None:
    """Call the PortAudio callback as the audio thread would, in blocks of ``block`` samples."""
    for i in range(0, len(samples), block):
        part = samples[i : i + block]
        mic._callback(part.reshape(-1, 1), len(part), None, 0)


# -- microphone ----------------------------------------------------------------


def test_mic_on_this_machine_without_devices() -> None:
    try:
        devices = list_input_devices()
    except AudioError:
        pytest.skip("PortAudio is not installed here")
    if devices:
        pytest.skip("this machine has an input device")
    with pytest.raises(AudioError, match="no audio input device") as info:
        MicSource(AudioSettings()).start()
    assert "[audio] input_device" in info.value.fix
    assert "edge listen --wav FILE" in info.value.fix
    with pytest.raises(AudioError, match="'USB'.*none"):
        MicSource(AudioSettings(input_device="USB")).start()


class _RaiseOSError:
    """A meta path finder that fails the way ``import sounddevice`` does without libportaudio."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")


def test_portaudio_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_RaiseOSError(), *sys.meta_path])
    for action in (
        lambda: MicSource(AudioSettings()).start(),
        lambda: SpeakerSink(AudioSettings()),
        list_input_devices,
    ):
        with pytest.raises(AudioError, match="PortAudio is not installed") as info:
            action()
        assert info.value.fix == "sudo apt-get install libportaudio2"
        assert isinstance(info.value.__cause__, OSError)


def test_mic_chooses_device_by_name_or_index(fake_sd: types.ModuleType) -> None:
    with MicSource(AudioSettings(input_device="usb pnp")) as mic:
        assert mic.device is not None and mic.device.index == 1
    with MicSource(AudioSettings(input_device="0")) as mic:
        assert mic.device is not None and mic.device.index == 0
    with MicSource(AudioSettings()) as mic:  # the default
        assert mic.device is not None and mic.device.index == 0
    assert all(s.closed for s in fake_sd.streams)


@pytest.mark.parametrize("spec", ["2", "webcam"])
def test_mic_unknown_device_names_the_available_ones(fake_sd: types.ModuleType, spec: str) -> None:
    with pytest.raises(AudioError) as info:
        MicSource(AudioSettings(input_device=spec)).start()
    msg = str(info.value)
    assert f"{spec!r} not found" in msg
    assert "0: HDA Intel PCH" in msg and "1: USB PnP" in msg and "HDMI" not in msg
    assert "[audio] input_device" in info.value.fix and "--wav" in info.value.fix


def test_mic_opens_16k_mono_int16_when_supported(fake_sd: types.ModuleType) -> None:
    with MicSource(AudioSettings(block_ms=80)) as mic:
        kw = fake_sd.streams[-1].kwargs
        assert (kw["samplerate"], kw["channels"], kw["dtype"], kw["blocksize"]) == (16000, 1, "int16", 1280)
        assert mic.device_rate_hz == SAMPLE_RATE


def test_mic_cuts_any_block_size_into_exact_frames(fake_sd: types.ModuleType) -> None:
    samples = np.arange(10 * FRAME_SAMPLES, dtype=np.int64).astype(np.int16)
    with MicSource(AudioSettings(), max_queue_s=10) as mic:
        feed(mic, samples, 1000)
        frames = [mic.read(timeout=0.1) for _ in range(7)]
        assert all(f.dtype == np.int16 and len(f) == FRAME_SAMPLES for f in frames)
        np.testing.assert_array_equal(np.concatenate(frames), samples[: 7 * FRAME_SAMPLES])
        with pytest.raises(TimeoutError):  # 10 frames' worth fed in blocks of 1000: 7 complete, the rest waits
            for _ in range(4):
                mic.read(timeout=0.05)


def test_mic_callback_copies_the_buffer(fake_sd: types.ModuleType) -> None:
    with MicSource(AudioSettings(), frame_samples=4) as mic:
        buf = np.array([[1], [2], [3], [4]], dtype=np.int16)
        mic._callback(buf, 4, None, 0)
        buf[:] = 0  # PortAudio reuses its buffer
        np.testing.assert_array_equal(mic.read(timeout=0.1), [1, 2, 3, 4])


def test_mic_overflow_drops_oldest_counts_and_warns(
    fake_sd: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with MicSource(AudioSettings(block_ms=80), max_queue_s=0.32) as mic:  # room for 4 blocks
        blocks = [np.full(FRAME_SAMPLES, i, dtype=np.int16) for i in range(10)]
        t0 = time.perf_counter()
        for b in blocks:
            mic._callback(b.reshape(-1, 1), FRAME_SAMPLES, None, 0)
        assert time.perf_counter() - t0 < 0.05  # never blocks
        assert mic.dropped_blocks == 6
        with caplog.at_level(logging.WARNING, logger="edge.audio"):
            got = [int(mic.read(timeout=0.1)[0]) for _ in range(4)]
        assert got == [6, 7, 8, 9]  # the newest survive
        assert any("dropped 6 blocks" in r.getMessage() and r.name == "edge.audio" for r in caplog.records)


def test_mic_counts_portaudio_status_flags(fake_sd: types.ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    with MicSource(AudioSettings()) as mic:
        mic._callback(np.zeros((FRAME_SAMPLES, 1), np.int16), FRAME_SAMPLES, None, 1)
        with caplog.at_level(logging.WARNING, logger="edge.audio"):
            mic.read(timeout=0.1)
        assert mic.status_flags == 1
        assert any("overflow" in r.getMessage() for r in caplog.records)


def test_mic_resamples_when_the_device_cannot_do_16k(fake_sd: types.ModuleType) -> None:
    with MicSource(AudioSettings(input_device="USB"), max_queue_s=10) as mic:
        assert mic.device_rate_hz == 44100
        kw = fake_sd.streams[-1].kwargs
        assert (kw["samplerate"], kw["blocksize"]) == (44100, 3528)
        feed(mic, to_int16(sine(1000, 1.0, 44100)), 3528)
        frames = [mic.read(timeout=0.1) for _ in range(12)]
    audio = to_float32(np.concatenate(frames))
    assert all(len(f) == FRAME_SAMPLES for f in frames)
    assert peak_hz(audio, SAMPLE_RATE) == pytest.approx(1000, abs=2.0)
    assert np.abs(audio[2000:]).max() == pytest.approx(0.5, rel=0.02)


def test_mic_frames_end_on_stop(fake_sd: types.ModuleType) -> None:
    mic = MicSource(AudioSettings())
    mic.start()
    got: list[np.ndarray] = []
    done = threading.Event()

    def consume() -> None:
        got.extend(mic.frames(stall_s=5.0))
        done.set()

    t = threading.Thread(target=consume)
    t.start()
    feed(mic, np.zeros(3 * FRAME_SAMPLES, np.int16), FRAME_SAMPLES)
    deadline = time.monotonic() + 2
    while len(got) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    mic.stop()
    assert done.wait(2.0), "frames() did not end after stop()"
    t.join()
    assert len(got) == 3
    assert fake_sd.streams[-1].closed
    with pytest.raises(AudioError, match="not running"):
        mic.read(timeout=0.01)


def test_mic_stall_raises(fake_sd: types.ModuleType) -> None:
    with MicSource(AudioSettings()) as mic, pytest.raises(AudioError, match="no audio for"):
        next(mic.frames(stall_s=0.05))


# -- sinks -----------------------------------------------------------------------


def test_speaker_without_devices_on_this_machine() -> None:
    try:
        if list_input_devices():
            pytest.skip("this machine has audio devices")
    except AudioError:
        pytest.skip("PortAudio is not installed here")
    with pytest.raises(AudioError, match="no audio output device") as info:
        SpeakerSink(AudioSettings())
    assert "[audio] output_device" in info.value.fix


def pull(stream: FakeStream, frames: int) -> np.ndarray:
    out = np.full((frames, 1), 99, dtype=np.int16)
    stream.callback(out, frames, None, 0)
    return out[:, 0].copy()


def test_speaker_streams_chunks_in_order(fake_sd: types.ModuleType) -> None:
    sink = SpeakerSink(AudioSettings(output_device="hda"))
    assert isinstance(sink, Player)
    a = np.arange(1, 1001, dtype=np.int16)
    b = -np.arange(1, 501, dtype=np.int16)
    sink.play(a, 22050)
    sink.play(b, 22050)
    stream = fake_sd.streams[-1]
    assert stream.active and stream.kwargs["samplerate"] == 22050 and stream.kwargs["dtype"] == "int16"
    out = np.concatenate([pull(stream, 512) for _ in range(4)])
    np.testing.assert_array_equal(out[:1500], np.concatenate([a, b]))
    assert not out[1500:].any()  # silence after the end, not stale data
    assert not sink.playing
    sink.wait(timeout=1.0)
    sink.close()
    assert stream.closed


def test_speaker_stop_cuts_off_at_once(fake_sd: types.ModuleType) -> None:
    sink = SpeakerSink(AudioSettings())
    sink.play(np.ones(22050, np.int16), 22050)
    stream = fake_sd.streams[-1]
    pull(stream, 256)
    assert sink.playing
    sink.stop()
    assert stream.aborted == 1 and not sink.playing
    assert not pull(stream, 256).any()
    sink.wait(timeout=0.1)  # nothing left to wait for
    sink.play(np.full(10, 7, np.int16), 22050)  # playable again after a stop
    assert stream.active and pull(stream, 10).tolist() == [7] * 10


def test_speaker_wait_times_out_while_playing(fake_sd: types.ModuleType) -> None:
    sink = SpeakerSink(AudioSettings())
    sink.play(np.ones(1000, np.int16), 22050)
    with pytest.raises(TimeoutError):
        sink.wait(timeout=0.05)


def test_speaker_resamples_for_a_device_that_cannot_play_the_rate(fake_sd: types.ModuleType) -> None:
    sink = SpeakerSink(AudioSettings(output_device="HDMI"))
    sink.play(to_int16(sine(440, 1.0, 22050)), 22050)
    stream = fake_sd.streams[-1]
    assert stream.kwargs["samplerate"] == 48000 and sink.rate == 48000
    out = pull(stream, 48000)
    assert peak_hz(to_float32(out), 48000) == pytest.approx(440, abs=1.0)


def test_speaker_unknown_device(fake_sd: types.ModuleType) -> None:
    with pytest.raises(AudioError, match="'USB PnP' not found.*HDMI") as info:
        SpeakerSink(AudioSettings(output_device="USB PnP"))  # an input-only device
    assert "[audio] output_device" in info.value.fix


def test_wav_sink_writes_everything_played(tmp_path: Path) -> None:
    path = tmp_path / "reply.wav"
    a = to_int16(sine(300, 0.5, 22050))
    b = to_int16(sine(600, 0.25, 22050))
    with WavSink(path) as sink:
        assert isinstance(sink, Player)
        sink.play(a, 22050)
        sink.play(b, 22050)
        sink.wait()
        assert sink.chunks == 2 and sink.seconds == pytest.approx(0.75, abs=1e-3)
    data, rate = sf.read(path, dtype="int16")
    assert rate == 22050
    np.testing.assert_array_equal(data, np.concatenate([a, b]))


def test_wav_sink_resamples_to_its_rate_and_empty_file(tmp_path: Path) -> None:
    with WavSink(tmp_path / "r.wav") as sink:
        sink.play(np.zeros(2205, np.int16), 22050)
        sink.play(to_int16(sine(500, 1.0, 16000)), 16000)
    data, rate = sf.read(tmp_path / "r.wav", dtype="int16")
    assert rate == 22050 and len(data) == 2205 + 22050
    with WavSink(tmp_path / "empty.wav"):
        pass
    data, rate = sf.read(tmp_path / "empty.wav")
    assert len(data) == 0
    closed = WavSink(tmp_path / "c.wav")
    closed.close()
    with pytest.raises(AudioError, match="closed"):
        closed.play(np.zeros(10, np.int16), 16000)


def test_null_sink_counts() -> None:
    sink = NullSink()
    assert isinstance(sink, Player)
    sink.play(np.zeros(22050, np.int16), 22050)
    sink.play(np.zeros(11025, np.int16), 22050)
    sink.stop()
    sink.wait()
    assert sink.chunks == 2 and sink.seconds == pytest.approx(1.5)
