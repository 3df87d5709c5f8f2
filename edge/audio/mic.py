"""The microphone: 16 kHz mono int16 frames from a PortAudio input stream.

The PortAudio callback only copies the block into a bounded queue; when the
consumer falls behind, the oldest block is dropped and counted (the consumer
logs the warning, so the callback never touches a lock it could wait on for
long). Cutting blocks into frames of exactly ``frame_samples`` and, when the
device cannot record at 16 kHz, resampling from its native rate both happen in
the consumer, never in the callback.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from types import ModuleType, TracebackType
from typing import Any

import numpy as np

from edge.audio.devices import (
    DeviceInfo,
    load_sounddevice,
    resolve_device,
    supports_rate,
)
from edge.audio.dsp import StreamResampler
from edge.audio.files import FRAME_SAMPLES, SAMPLE_RATE
from edge.config import AudioSettings
from edge.errors import AudioError

_LOGGER = logging.getLogger("edge.audio")


class MicSource:
    """Frames of ``frame_samples`` int16 samples at 16 kHz from a microphone.

    ``start()`` opens the device named by ``settings.input_device`` (a name
    substring, an index as digits, or empty for the default); ``frames()``
    yields frames until ``stop()``. Use it as a context manager.
    """

    def __init__(
        self, settings: AudioSettings, frame_samples: int = FRAME_SAMPLES, *, max_queue_s: float = 2.0
    ) -> None:
        if frame_samples <= 0:
            raise ValueError(f"frame_samples must be positive, got {frame_samples}")
        self.settings = settings
        self.frame_samples = frame_samples
        self.device: DeviceInfo | None = None
        self.device_rate_hz = SAMPLE_RATE
        max_blocks = max(4, round(max_queue_s * 1000 / max(settings.block_ms, 1)))
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=max_blocks)
        self._resampler: StreamResampler | None = None
        self._pending = np.zeros(0, dtype=np.int16)
        self._stream: Any = None
        self._sd: ModuleType | None = None
        self._running = False
        self.dropped_blocks = 0  # blocks dropped because the queue was full
        self.status_flags = 0  # callbacks PortAudio flagged (input overflow etc.)
        self._reported_drops = 0
        self._reported_flags = 0

    # -- the PortAudio side ------------------------------------------------
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """Runs on PortAudio's thread: copy, enqueue, never block."""
        if status:
            self.status_flags += 1
        self._enqueue(np.array(indata[:, 0], dtype=np.int16, copy=True))

    def _enqueue(self, block: np.ndarray | None) -> None:
        try:
            self._queue.put_nowait(block)
            return
        except queue.Full:
            pass
        try:
            self._queue.get_nowait()  # drop the oldest
            self.dropped_blocks += 1
        except queue.Empty:
            pass
        try:
            self._queue.put_nowait(block)
        except queue.Full:  # the consumer raced us; lose this block instead
            self.dropped_blocks += 1

    # -- control -------------------------------------------------------------
    def start(self) -> None:
        if self._running:
            return
        sd = self._sd = load_sounddevice()
        self.device = resolve_device(self.settings.input_device, "input", sd)
        self._open(sd, self.device)
        self._running = True

    def _open(self, sd: ModuleType, device: DeviceInfo) -> None:
        rate = SAMPLE_RATE
        if not supports_rate(sd, device, "input", SAMPLE_RATE):
            rate = device.default_rate_hz
            _LOGGER.info("%s cannot record at %d Hz; recording at %d Hz and resampling", device, SAMPLE_RATE, rate)
        self.device_rate_hz = rate
        self._resampler = StreamResampler(rate, SAMPLE_RATE) if rate != SAMPLE_RATE else None
        self._pending = np.zeros(0, dtype=np.int16)
        while not self._queue.empty():
            self._queue.get_nowait()
        blocksize = max(1, round(self.settings.block_ms * rate / 1000))
        # Mono first; microphone HATs such as the ReSpeaker 2-mic only capture 2 channels on their
        # hw device, so fall back to the device's own channel count (the callback keeps channel 0).
        channel_choices = [1] + ([device.channels] if device.channels > 1 else [])
        try:
            for i, channels in enumerate(channel_choices):
                try:
                    self._stream = sd.InputStream(
                        device=device.index,
                        samplerate=rate,
                        channels=channels,
                        dtype="int16",
                        blocksize=blocksize,
                        callback=self._callback,
                    )
                    break
                except (sd.PortAudioError, ValueError):
                    if i == len(channel_choices) - 1:
                        raise
                    _LOGGER.info("%s cannot record mono; recording %d channels, keeping the first", device, device.channels)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._stream = None
            raise AudioError(
                f"cannot open microphone {device}: {exc}",
                fix="set [audio] input_device in the config to another device, or use `edge listen --wav FILE`",
            ) from exc
        _LOGGER.info("microphone %s open at %d Hz, %d-sample blocks", device, rate, blocksize)

    def stop(self) -> None:
        """Close the stream; a ``frames()`` loop ends after this."""
        stream, self._stream = self._stream, None
        was_running, self._running = self._running, False
        if stream is not None and self._sd is not None:
            try:
                stream.stop()
                stream.close()
            except self._sd.PortAudioError as exc:  # a device that vanished; stopping must still succeed
                _LOGGER.warning("error closing the microphone: %s", exc)
        if was_running:
            self._enqueue(None)  # wake a blocked reader

    @property
    def running(self) -> bool:
        return self._running

    def __enter__(self) -> MicSource:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the consumer side ---------------------------------------------------
    def _report(self) -> None:
        if self.dropped_blocks != self._reported_drops:
            _LOGGER.warning(
                "microphone queue full: dropped %d blocks (%d in total); the consumer is too slow",
                self.dropped_blocks - self._reported_drops,
                self.dropped_blocks,
            )
            self._reported_drops = self.dropped_blocks
        if self.status_flags != self._reported_flags:
            _LOGGER.warning("PortAudio reported %d input overflows", self.status_flags - self._reported_flags)
            self._reported_flags = self.status_flags

    def read(self, timeout: float | None = None) -> np.ndarray:
        """The next frame of exactly ``frame_samples`` int16 samples.

        Raises ``TimeoutError`` when no frame is complete within ``timeout``
        seconds and ``AudioError`` when the source is not running.
        """
        while len(self._pending) < self.frame_samples:
            if not self._running:
                raise AudioError("the microphone is not running", fix="call start() (or use it in a with block)")
            try:
                block = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"no audio from the microphone within {timeout} s") from None
            self._report()
            if block is None:
                continue  # stop() was called; the loop condition raises
            if self._resampler is not None:
                block = self._resampler.process(block)
            self._pending = np.concatenate([self._pending, block])
        frame, self._pending = self._pending[: self.frame_samples], self._pending[self.frame_samples :]
        return frame

    def frames(self, stall_s: float = 2.0) -> Iterator[np.ndarray]:
        """Yield frames until ``stop()``; ``AudioError`` if the device goes silent for ``stall_s``."""
        while self._running:
            try:
                yield self.read(timeout=stall_s)
            except TimeoutError as exc:
                raise AudioError(
                    f"the microphone delivered no audio for {stall_s} s",
                    fix="check the device connection and [audio] input_device",
                ) from exc
            except AudioError:
                if self._running:
                    raise
                return


__all__ = ["MicSource"]
