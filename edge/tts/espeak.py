"""A second, very different voice from the espeak-ng binary, for tests and benchmarks."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess

import numpy as np
import soundfile as sf

from edge.audio.dsp import resample
from edge.errors import TtsError

_LOGGER = logging.getLogger("edge.tts")


def espeak_synthesize(text: str, voice: str = "en-us", rate: int = 16000, *, speed_wpm: int = 175) -> np.ndarray:
    """Speak ``text`` with espeak-ng; int16 mono samples at ``rate`` Hz.

    The text goes through stdin, so it is never read as options.
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise TtsError("espeak-ng is not installed", fix="sudo apt-get install espeak-ng")
    cmd = [exe, "-v", voice, "-s", str(int(speed_wpm)), "--stdout", "--stdin"]
    try:
        proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TtsError("espeak-ng did not finish within 60 s", fix="pass shorter text") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise TtsError(f"espeak-ng failed: {err}", fix="check the voice name (espeak-ng --voices)")
    try:
        audio, src_rate = sf.read(io.BytesIO(proc.stdout), dtype="int16")
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise TtsError(
            f"espeak-ng wrote audio that cannot be read: {exc}", fix="check the espeak-ng installation"
        ) from exc
    audio = np.asarray(audio, dtype=np.int16).reshape(-1)
    _LOGGER.debug("espeak-ng %s: %d samples at %d Hz", voice, len(audio), src_rate)
    return resample(audio, int(src_rate), rate) if src_rate != rate else audio
