"""Echo cancellation: take the speaker's own answer out of the microphone while it plays.

``EchoCanceller`` is a partitioned-block frequency-domain adaptive filter
(PBFDAF, the NLMS filter in the frequency domain, overlap-save, as in Speex's
MDF): it learns the echo path (the speaker's delay, the room's reflections,
the gain) from the known playback signal and subtracts its estimate. Blocks
of 256 samples, ``taps`` long (default 4096 = 256 ms at 16 kHz: delay plus
reverberation). It streams any chunk size and is pure numpy; about 1 ms per
80 ms frame.

``EchoPath`` is the other side, for tests and benchmarks: what a microphone
next to a loudspeaker hears of the playback (a delay, a synthetic room
impulse response, a gain).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class EchoCanceller:
    """Feed (microphone, reference) pairs of equal length; get the microphone without the echo.

    ``reference`` is what the loudspeaker plays, on the same 16 kHz clock as the microphone
    (aligned to within the filter length). Not thread-safe: one audio thread owns it.
    """

    def __init__(self, *, block: int = 256, taps: int = 4096, step: float = 0.8, leak: float = 0.5) -> None:
        if taps % block:
            raise ValueError(f"taps ({taps}) must be a multiple of block ({block})")
        self.block = block
        self.partitions = taps // block
        self.step = step  # NLMS step size (0-1): faster learning vs. more misadjustment
        self._leak = leak  # smoothing of the per-bin reference power
        self.reset()

    def reset(self) -> None:
        bins = self.block + 1
        self._weights = np.zeros((self.partitions, bins), np.complex128)  # the background filter (adapting)
        self._foreground = np.zeros((self.partitions, bins), np.complex128)  # the filter whose output is used
        self._bg_err = 0.0
        self._fg_err = 0.0
        self._spectra = np.zeros((self.partitions, bins), np.complex128)  # the last P reference blocks, newest first
        self._power = np.full(bins, 1e-3)
        self._last_ref = np.zeros(self.block)
        self._mic_in = np.zeros(0)
        self._ref_in = np.zeros(0)
        self._out = np.zeros(0)

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """int16 in, int16 out, same length; output lags by less than one block until the stream ends."""
        if len(mic) != len(reference):
            raise ValueError(f"microphone ({len(mic)}) and reference ({len(reference)}) chunks differ in length")
        self._mic_in = np.concatenate([self._mic_in, mic.astype(np.float64) / 32768.0])
        self._ref_in = np.concatenate([self._ref_in, reference.astype(np.float64) / 32768.0])
        done = []
        b = self.block
        while len(self._mic_in) >= b:
            done.append(self._block(self._mic_in[:b], self._ref_in[:b]))
            self._mic_in, self._ref_in = self._mic_in[b:], self._ref_in[b:]
        if done:
            self._out = np.concatenate([self._out, *done])
        # hand back exactly as many samples as came in, delayed by the partial block still buffered
        want = len(mic)
        if len(self._out) < want:  # the very first chunks: pad the front with silence
            self._out = np.concatenate([np.zeros(want - len(self._out)), self._out])
        out, self._out = self._out[:want], self._out[want:]
        return np.clip(np.round(out * 32768.0), -32768, 32767).astype(np.int16)

    def _block(self, mic: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """One block: the foreground filter's output; the background filter learns.

        Two filters, as in Speex's MDF: the background one always adapts; the foreground one (whose
        output is used) takes the background's weights only while they cancel better. When the user
        talks over the answer, adaptation goes astray for a moment; the foreground keeps what worked,
        and a background that went far astray starts again from the foreground.
        """
        b = self.block
        spectrum = np.fft.rfft(np.concatenate([self._last_ref, ref]))
        self._last_ref = ref.copy()
        self._spectra = np.roll(self._spectra, 1, axis=0)
        self._spectra[0] = spectrum
        if not self._spectra.any():
            return mic  # nothing has played yet: nothing to learn or cancel
        error = mic - np.fft.irfft((self._spectra * self._weights).sum(axis=0))[b:]
        out = mic - np.fft.irfft((self._spectra * self._foreground).sum(axis=0))[b:]
        # which filter cancels better, smoothed over a few blocks
        self._bg_err = 0.6 * self._bg_err + 0.4 * float(np.dot(error, error))
        self._fg_err = 0.6 * self._fg_err + 0.4 * float(np.dot(out, out))
        if self._bg_err < 0.9 * self._fg_err:
            self._foreground = self._weights.copy()
            self._fg_err = self._bg_err
        elif self._bg_err > 4.0 * self._fg_err + 1e-9:
            self._weights = self._foreground.copy()
            self._bg_err = self._fg_err
        # per-bin power of the reference the filter spans (all partitions), smoothed, with a floor
        power = (np.abs(self._spectra) ** 2).sum(axis=0)
        self._power = self._leak * self._power + (1 - self._leak) * power
        norm = self._power + 1e-2 * self._power.mean() + 1e-6
        err_spec = np.fft.rfft(np.concatenate([np.zeros(b), error]))
        gradient = np.conj(self._spectra) * err_spec / norm
        # the constraint that keeps it a linear (not circular) convolution: only the first half in time
        g = np.fft.irfft(gradient, axis=1)
        g[:, b:] = 0.0
        self._weights += self.step * np.fft.rfft(g, axis=1)
        return out


@dataclass(frozen=True, slots=True)
class EchoPath:
    """What the microphone hears of the loudspeaker: ``delay_s``, a room of ``rt60_s``, ``gain`` (linear)."""

    delay_s: float = 0.03
    rt60_s: float = 0.25
    gain: float = 1.0
    length_s: float = 0.2  # length of the simulated reverberation
    seed: int = 0

    def impulse_response(self, rate: int = 16000) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        n = int(self.length_s * rate)
        t = np.arange(n) / rate
        tail = rng.standard_normal(n) * np.exp(-6.91 * t / self.rt60_s)  # -60 dB at rt60
        tail[:16] = 0.0  # early reflections start a millisecond after the direct sound
        tail *= 0.3 / max(np.sqrt(np.sum(tail**2)), 1e-9)
        ir = np.concatenate([np.zeros(int(self.delay_s * rate)), [1.0], tail])
        return ir * self.gain

    def apply(self, playback: np.ndarray, rate: int = 16000) -> np.ndarray:
        """float32 playback -> float32 echo, ``len(playback)`` + the response's length."""
        return np.convolve(playback.astype(np.float64), self.impulse_response(rate)).astype(np.float32)


__all__ = ["EchoCanceller", "EchoPath"]
