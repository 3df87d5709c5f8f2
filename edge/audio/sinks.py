"""Where spoken replies go: the speaker, a WAV file, or nowhere.

Every sink takes int16 mono chunks with their sample rate through ``play``,
which returns at once so the next sentence can be synthesized while this one
plays; ``wait`` blocks until everything played; ``stop`` cuts playback off at
once (barge-in).
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from types import ModuleType, TracebackType
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import soundfile as sf

from edge.audio.devices import (
    DeviceInfo,
    load_sounddevice,
    resolve_device,
    supports_rate,
)
from edge.audio.dsp import resample, to_int16
from edge.config import AudioSettings
from edge.errors import AudioError

_LOGGER = logging.getLogger("edge.audio")
_S = TypeVar("_S", bound="_SinkBase")


@runtime_checkable
class Player(Protocol):
    def play(self, chunk: np.ndarray, rate: int) -> None: ...
    def wait(self, timeout: float | None = None) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


class _SinkBase:
    def wait(self, timeout: float | None = None) -> None:
        return None

    def stop(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _mono_int16(chunk: np.ndarray) -> np.ndarray:
    return to_int16(np.asarray(chunk).reshape(-1))


class NullSink(_SinkBase):
    """Discards audio, counting what it was given."""

    def __init__(self) -> None:
        self.chunks = 0
        self.seconds = 0.0

    def play(self, chunk: np.ndarray, rate: int) -> None:
        self.chunks += 1
        self.seconds += np.asarray(chunk).size / rate


class WavSink(_SinkBase):
    """Writes everything played into one 16-bit WAV.

    The file's rate is ``rate`` if given, else the first chunk's (the voice's);
    chunks at another rate are resampled to it. The file is complete after
    ``close()``; closing without any audio writes an empty WAV.
    """

    def __init__(self, path: str | os.PathLike[str], rate: int | None = None) -> None:
        self.path = os.fspath(path)
        self.rate = rate
        self.chunks = 0
        self.samples = 0
        self._file: sf.SoundFile | None = None
        self._closed = False

    def _open(self, rate: int) -> sf.SoundFile:
        if self._file is None:
            self.rate = self.rate or rate
            try:
                self._file = sf.SoundFile(
                    self.path, "w", samplerate=self.rate, channels=1, subtype="PCM_16", format="WAV"
                )
            except (sf.LibsndfileError, RuntimeError, OSError) as exc:
                raise AudioError(
                    f"cannot write {self.path}: {exc}", fix="check that the folder exists and is writable"
                ) from exc
        return self._file

    def play(self, chunk: np.ndarray, rate: int) -> None:
        if self._closed:
            raise AudioError(f"WavSink {self.path} is closed", fix="create a new WavSink")
        f = self._open(rate)
        samples = _mono_int16(chunk)
        if rate != self.rate:
            samples = resample(samples, rate, f.samplerate)
        f.write(samples)
        self.chunks += 1
        self.samples += len(samples)

    def wait(self, timeout: float | None = None) -> None:
        if self._file is not None:
            self._file.flush()

    @property
    def seconds(self) -> float:
        return self.samples / self.rate if self.rate else 0.0

    def close(self) -> None:
        if self._closed:
            return
        self._open(self.rate or 22050).close()
        self._closed = True


class SpeakerSink(_SinkBase):
    """Streams chunks to a PortAudio output device as they arrive.

    The stream opens at the first chunk's rate (or the device's own rate, with
    resampling, when it cannot play that one). The callback only copies queued
    samples out; ``stop()`` aborts the stream and drops whatever is queued.
    """

    def __init__(self, settings: AudioSettings) -> None:
        self.settings = settings
        self._sd: ModuleType = load_sounddevice()
        self.device: DeviceInfo = resolve_device(settings.output_device, "output", self._sd)
        self.rate: int | None = None  # the stream's rate, fixed by the first chunk
        self._stream: Any = None
        self._chunks: collections.deque[np.ndarray] = collections.deque()
        self._current: np.ndarray | None = None
        self._pos = 0
        self._queued = 0  # samples handed to the stream, at the stream's rate
        self._played = 0  # samples the callback has copied out
        self._lock = threading.Lock()  # between play/stop/close only; never taken in the callback
        self.underruns = 0

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """Runs on PortAudio's thread: copy queued samples, pad with silence."""
        if status:
            self.underruns += 1
        out = outdata[:, 0]
        filled = 0
        while filled < frames:
            if self._current is None:
                try:
                    self._current, self._pos = self._chunks.popleft(), 0
                except IndexError:
                    break
            n = min(frames - filled, len(self._current) - self._pos)
            out[filled : filled + n] = self._current[self._pos : self._pos + n]
            filled += n
            self._pos += n
            if self._pos >= len(self._current):
                self._current = None
        out[filled:] = 0
        self._played += filled

    def _ensure_stream(self, rate: int) -> int:
        if self._stream is None or self.rate is None:
            sd = self._sd
            stream_rate = rate
            if not supports_rate(sd, self.device, "output", rate):
                stream_rate = self.device.default_rate_hz
                _LOGGER.info("%s cannot play %d Hz; playing at %d Hz with resampling", self.device, rate, stream_rate)
            try:
                self._stream = sd.OutputStream(
                    device=self.device.index,
                    samplerate=stream_rate,
                    channels=1,
                    dtype="int16",
                    callback=self._callback,
                )
            except (sd.PortAudioError, ValueError) as exc:
                raise AudioError(
                    f"cannot open speaker {self.device}: {exc}",
                    fix="set [audio] output_device in the config to another device, or write the reply to a WAV file",
                ) from exc
            self.rate = stream_rate
        if not self._stream.active:
            self._stream.start()
        return self.rate

    def play(self, chunk: np.ndarray, rate: int) -> None:
        with self._lock:
            stream_rate = self._ensure_stream(rate)
            samples = _mono_int16(chunk)
            if rate != stream_rate:
                samples = resample(samples, rate, stream_rate)
            self._queued += len(samples)
            self._chunks.append(samples)

    @property
    def playing(self) -> bool:
        return self._played < self._queued

    def wait(self, timeout: float | None = None) -> None:
        """Block until everything queued has played (plus the output latency)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.playing:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"playback did not finish within {timeout} s")
            time.sleep(0.01)
        stream = self._stream
        if stream is not None:
            time.sleep(float(getattr(stream, "latency", 0.0) or 0.0))

    def stop(self) -> None:
        """Cut playback off now and forget everything queued."""
        with self._lock:
            if self._stream is not None and self._stream.active:
                self._stream.abort()
            self._chunks.clear()
            self._current = None
            self._played = self._queued

    def close(self) -> None:
        self.stop()
        with self._lock:
            stream, self._stream = self._stream, None
            if stream is not None:
                stream.close()


__all__ = ["NullSink", "Player", "SpeakerSink", "WavSink"]
