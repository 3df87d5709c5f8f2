"""Piper speed: load time, time to first audio, and real-time factor on short replies.

    .venv/bin/python benchmarks/tts_speed.py [--voice joe] [--threads N] [--repeat 3]

Time to first audio is from the call until the first sentence is handed to the
sink; the real-time factor is synthesis time divided by audio duration (lower
is faster). The reply cache is off, so every reply is really synthesized.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ["ORT_DISABLE_TELEMETRY"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import edge  # noqa: F401  (privacy environment before Piper imports onnxruntime)
from edge.audio import NullSink
from edge.config import TtsSettings
from edge.tts import Synthesizer

REPLIES = [
    "Okay.",
    "Sorry, I didn't catch that.",
    "Turned on the kitchen light.",
    "Turned off the living room lights. Anything else?",
    "The heating is set to twenty one degrees.",
    "It is seven fifteen.",
    "Timer set for ten minutes.",
    "I couldn't find a device called garage lamp.",
    "The front door is locked.",
    "Done. The bedroom blinds are closing.",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default="joe")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    synth = Synthesizer(TtsSettings(voice=args.voice), threads=args.threads, cache_entries=0)
    print(f"voice: {synth.model_path.name} ({synth.sample_rate} Hz), threads: {args.threads or 'default'}")
    print(f"load: {synth.load_s * 1000:.0f} ms")
    synth.speak("Warming up.", NullSink())

    first_ms: list[float] = []
    synth_s = 0.0
    audio_s = 0.0
    for _ in range(args.repeat):
        for text in REPLIES:
            sink = NullSink()
            t0 = time.perf_counter()
            first_ms.append(synth.speak(text, sink))
            synth_s += time.perf_counter() - t0
            audio_s += sink.seconds
    n = len(first_ms)
    print(f"replies: {n} ({len(REPLIES)} texts x {args.repeat}), audio {audio_s:.1f} s")
    print(
        f"time to first audio: median {statistics.median(first_ms):.0f} ms, "
        f"p95 {percentile(first_ms, 0.95):.0f} ms, max {max(first_ms):.0f} ms"
    )
    print(f"real-time factor: {synth_s / audio_s:.3f} (synthesis {synth_s:.2f} s for {audio_s:.1f} s of audio)")


if __name__ == "__main__":
    main()
