"""Wake word: detection rate on real "alexa" recordings, false wakes on other words, CPU per frame.

Data: ../shared/data/audio/wakeword/{alexa,other-words} (Picovoice wake-word-benchmark, Apache-2.0).
Usage: python benchmarks/wakeword_accuracy.py [--threshold 0.5] [--model alexa]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import edge  # noqa: E402,F401
from benchmarks._common import SHARED_DATA, summary  # noqa: E402
from edge.audio import read_audio  # noqa: E402
from edge.errors import AudioError  # noqa: E402
from edge.wake import WakeWordDetector  # noqa: E402


def clip_max_score(detector: WakeWordDetector, path: Path, frame_ms: list[float]) -> float | None:
    try:
        audio = read_audio(path)
    except AudioError as exc:
        print(f"  skipped {path.relative_to(path.parents[1])}: {exc.message}")
        return None
    pcm = (np.concatenate([np.zeros(16000, np.float32), audio, np.zeros(8000, np.float32)]) * 32767).astype(np.int16)
    detector.reset()
    for i in range(0, len(pcm) - 1279, 1280):
        t0 = time.perf_counter()
        detector.process(pcm[i : i + 1280])
        frame_ms.append((time.perf_counter() - t0) * 1000)
    return detector.max_score


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--model", default="alexa")
    args = ap.parse_args()
    root = SHARED_DATA / "audio" / "wakeword"
    if not root.is_dir():
        print(f"no wake word data at {root}")
        return 1
    detector = WakeWordDetector(args.model, threshold=args.threshold)
    frame_ms: list[float] = []
    scored = {}
    for kind in ("alexa", "other-words"):
        files = sorted(p for p in (root / kind).rglob("*") if p.suffix in (".wav", ".flac"))
        scored[kind] = [clip_max_score(detector, p, frame_ms) for p in files]
    pos = [s for s in scored["alexa"] if s is not None]
    neg = [s for s in scored["other-words"] if s is not None]
    print(f"wake word model: {args.model}   threshold {args.threshold}")
    for thr in sorted({0.3, 0.5, 0.7, args.threshold}):
        hits = sum(s >= thr for s in pos)
        fa = sum(s >= thr for s in neg)
        mark = "  <- default" if thr == args.threshold else ""
        print(
            f"  threshold {thr:.2f}: detected {hits}/{len(pos)} = {100 * hits / len(pos):.1f} %   "
            f"false wakes {fa}/{len(neg)} clips = {100 * fa / len(neg):.1f} %{mark}"
        )
    print(f"wake word CPU per 80 ms frame (melspec + embedding + head, 1 thread): {summary(frame_ms)}  "
          f"p99 {sorted(frame_ms)[int(0.99 * len(frame_ms))]:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
