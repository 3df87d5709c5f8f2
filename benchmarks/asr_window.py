"""ASR encoder window, beam size and vocabulary bonus, measured: WER and latency per configuration.

Baseline: faster-whisper's own ``WhisperModel.transcribe`` (30 s encoder window). Against it, edge's
short-window decoder (edge.asr) at several minimum windows and beam sizes, then the vocabulary
rescoring at several bonus weights (with this home's names, and with another home's names to show
that unrelated names do not hurt).

Data: the real recorded commands in <shared>/audio/commands-real (the file name is the transcript;
oov_* are noise words and skipped), 16 kHz mono. "long" is a second set made of 2-3 of those
commands joined with 0.3 s pauses (4-8 s): it shows why the window has to grow with the clip.
Latency is per clip, after one warm-up pass, `--repeat` passes each; RTF = total time / total audio.

Usage: python benchmarks/asr_window.py [--model tiny.en] [--repeat 2] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import edge  # noqa: E402,F401  (privacy environment before faster_whisper)
from edge.asr import Transcriber  # noqa: E402
from edge.asr.whisper import WindowPolicy  # noqa: E402
from edge.config import AsrSettings  # noqa: E402

SHARED = Path(os.environ.get("EDGE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
# Another home's names: none of them is said in commands-real.
DECOY_VOCABULARY = ("Living Room Lamp", "Bedroom", "Porch Light", "Thermostat", "Hallway", "Ceiling Fan",
                    "Dining Room", "Coffee Maker", "Desk Fan", "Nest")
_NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
            "seven": "7", "eight": "8", "nine": "9", "ten": "10", "twenty": "20", "thirty": "30", "fifty": "50"}


def norm_words(text: str) -> list[str]:
    """WER normalisation: case, punctuation, % and spelled-out numbers, "never mind"."""
    s = text.lower().replace("%", " percent").replace("-", " ")
    s = re.sub(r"[^a-z0-9' ]", " ", s)
    s = " ".join(_NUMBERS.get(w, w) for w in s.split()).replace("never mind", "nevermind")
    return s.split()


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[:], i
        for j, y in enumerate(b, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (x != y))
    return d[-1]


def home_vocabulary(refs: Sequence[str]) -> tuple[str, ...]:
    """The entity names of the set: runs of capitalised words in the transcripts ("Kitchen lights" -> Kitchen)."""
    names = set()
    for ref in refs:
        names.update(m.strip() for m in re.findall(r"(?:[A-Z][A-Za-z]*\s?)+", ref))
    return tuple(sorted(n for n in names if n))


@dataclass
class Clip:
    ref: str
    audio: np.ndarray

    @property
    def seconds(self) -> float:
        return len(self.audio) / 16000


def load_real() -> list[Clip]:
    import soundfile as sf

    folder = SHARED / "audio" / "commands-real"
    if not folder.is_dir():
        sys.exit(f"no data at {folder} (set EDGE_SHARED_DATA)")
    clips = []
    for path in sorted(folder.glob("*.wav")):
        if path.stem.startswith("oov_"):
            continue
        audio, sr = sf.read(path, dtype="float32")
        assert sr == 16000 and audio.ndim == 1, path
        clips.append(Clip(path.stem, audio))
    return clips


def make_long(clips: Sequence[Clip], n: int = 24, seed: int = 1) -> list[Clip]:
    rng = random.Random(seed)
    gap = np.zeros(int(0.3 * 16000), np.float32)
    out = []
    for _ in range(n):
        picks = rng.sample(list(clips), rng.choice([2, 2, 3]))
        audio = np.concatenate([x for c in picks for x in (c.audio, gap)][:-1])
        if len(audio) / 16000 <= 9.5:
            out.append(Clip(" ".join(c.ref for c in picks), audio))
    return out


def measure(name: str, clips: Sequence[Clip], fn: Callable[[np.ndarray], str], repeat: int, set_name: str) -> None:
    errors = words = 0
    times: list[float] = []
    for clip in clips:
        fn(clip.audio)  # warm-up pass, not timed
    for r in range(repeat):
        for clip in clips:
            t0 = time.perf_counter()
            text = fn(clip.audio)
            times.append(time.perf_counter() - t0)
            if r == 0:
                ref = norm_words(clip.ref)
                errors += edit_distance(ref, norm_words(text))
                words += len(ref)
    times.sort()
    audio_s = sum(c.seconds for c in clips) * repeat
    print(f"{name:<44} {set_name:<5} {errors / words:6.1%} {statistics.median(times) * 1000:7.0f} "
          f"{times[int(0.9 * (len(times) - 1))] * 1000:7.0f} {sum(times) / audio_s:6.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="fewer configurations")
    args = ap.parse_args()

    real = load_real()
    long = make_long(real)
    vocab = home_vocabulary([c.ref for c in real])
    cache = Path(os.environ.get("EDGE_CACHE_DIR", Path(tempfile.gettempdir()) / "edge-asr-bench"))
    print(f"model {args.model} int8, {args.threads} threads, {os.cpu_count()} cores; "
          f"real: {len(real)} clips {min(c.seconds for c in real):.1f}-{max(c.seconds for c in real):.1f} s, "
          f"long: {len(long)} clips {min(c.seconds for c in long):.1f}-{max(c.seconds for c in long):.1f} s")
    print(f"home vocabulary ({len(vocab)}): {', '.join(vocab)}")
    print(f"{'config':<44} {'set':<5} {'WER':>6} {'med ms':>7} {'p90 ms':>7} {'RTF':>6}")

    tr = Transcriber(AsrSettings(model=args.model, threads=args.threads, beam_size=1), cache)
    from faster_whisper import WhisperModel

    fw = WhisperModel(str(tr.model_dir), device="cpu", compute_type="int8", cpu_threads=args.threads)

    def baseline(beam: int) -> Callable[[np.ndarray], str]:
        def run(audio: np.ndarray) -> str:
            segments, _ = fw.transcribe(audio, language="en", beam_size=beam)
            return " ".join(s.text.strip() for s in segments)
        return run

    def short(min_window: float, beam: int, ratio: float = 3.0, vocabulary: Sequence[str] = (),
              bonus: float = 0.0) -> Callable[[np.ndarray], str]:
        def run(audio: np.ndarray) -> str:
            tr.policy = WindowPolicy(min_window_s=min_window, window_per_audio_s=ratio)
            tr.beam_size, tr.word_bonus = beam, bonus
            return tr.transcribe(audio, vocabulary).text
        return run

    beams = (1, 3) if args.quick else (1, 3, 5)
    for beam in beams:
        measure(f"faster-whisper transcribe 30 s, beam {beam}", real, baseline(beam), args.repeat, "real")
    for window in ((8, 10, 12) if args.quick else (6, 8, 9, 10, 12, 15, 20, 30)):
        for beam in beams:
            measure(f"short window >= {window} s, 3x clip, beam {beam}", real, short(window, beam), args.repeat, "real")
    for beam in (3,) if args.quick else (1, 3):
        for ratio in (1.0, 2.0, 3.0, 4.0):
            measure(f"short window >= 10 s, {ratio:g}x clip, beam {beam}", long, short(10, beam, ratio), 1, "long")
        measure(f"faster-whisper transcribe 30 s, beam {beam}", long, baseline(beam), 1, "long")
    for beam in (3,) if args.quick else (3, 5):
        for bonus in (0.0, 0.1, 0.15, 0.2, 0.3, 0.5):
            measure(f"10 s, beam {beam}, home vocab, bonus {bonus:g}", real,
                    short(10, beam, vocabulary=vocab, bonus=bonus), 1, "real")
        for bonus in (0.15, 0.3):
            measure(f"10 s, beam {beam}, other home's vocab, bonus {bonus:g}", real,
                    short(10, beam, vocabulary=DECOY_VOCABULARY, bonus=bonus), 1, "real")


if __name__ == "__main__":
    main()
