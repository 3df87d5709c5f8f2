"""Helpers shared by the benchmark scripts (which print figures; they are not tests)."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

os.environ["ORT_DISABLE_TELEMETRY"] = "1"

SHARED_DATA = Path(os.environ.get("EDGE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values: list[float], unit: str = "ms") -> str:
    if not values:
        return "n=0"
    return f"median {statistics.median(values):.1f} {unit}  p90 {pct(values, 0.9):.1f} {unit}  n={len(values)}"


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
