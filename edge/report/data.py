"""What a report shows, read from a simulation trace or from a speaker's turn log.

A simulation trace (``edge simulate --trace FILE``) knows the truth of every
turn: its days carry the simulator's measures, and failure points are shown
twice, the true ones and the speaker's own. A turn log (``[log] db``) knows
only what the speaker saw: days are calendar days (UTC), a defect is what the
speaker's own labels call one (``edge.feedback.labels``, with rephrases linked
by ``edge.feedback.rephrase``), and a rewrite "wins" when its turn had none.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

STAGES = ("false_wake", "asr", "nlu", "resolution", "result")


@dataclass(frozen=True, slots=True)
class ReportData:
    title: str
    source: str
    days: tuple[str, ...]  # the x axis
    defect_rate: tuple[float | None, ...]
    turns: tuple[int, ...]
    daily: dict[str, tuple[float | None, ...]] = field(default_factory=dict)  # more per-day series (wins, recall...)
    failure_points: dict[str, dict[str, int]] = field(default_factory=dict)  # "true"/"speaker" -> stage -> count
    rewrites: tuple[dict[str, Any], ...] = ()  # source, target, kind, support, wins, losses; most used first
    notes: tuple[str, ...] = ()


class ReportError(ValueError):
    pass


def from_trace(path: Path | str) -> ReportData:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise ReportError(f"{path}:{n}: not JSON ({exc})") from exc
    meta = next((r for r in rows if r.get("type") == "simulation"), {})
    days = [r for r in rows if r.get("type") == "day"]
    if not days:
        raise ReportError(f"{path} holds no simulated day (write it with: edge simulate --trace FILE)")
    turns = [r for r in rows if r.get("type") == "turn"]
    points: dict[str, Counter[str]] = {"true": Counter(), "speaker": Counter()}
    for t in turns:
        if not t.get("correct"):
            points["true"][t["true_failure_point"]] += 1
        if t.get("detected_failure_point") not in (None, "correct"):
            points["speaker"][t["detected_failure_point"]] += 1
    tables = [r for r in rows if r.get("type") == "table"]
    mined = {(w["source"], w["target"]): w for w in (tables[-1].get("rewrites", []) if tables else [])}
    rewrites = []
    for r in (r for r in rows if r.get("type") == "rewrite"):
        m = mined.get((_norm(r["source"]), _norm(r["target"])))
        rewrites.append({**r, "mined_support": m["support"] if m else None, "confidence": m["confidence"] if m else None})
    mode = "audio (Piper, espeak-ng -> the whole loop)" if meta.get("audio", True) else "text (everything after ASR)"
    return ReportData(
        title="edge: closed-loop simulation",
        source=f"{Path(path).name}: {len(days)} days, seed {meta.get('seed', '?')}, {mode}, "
        f"learning {'on' if meta.get('learning', True) else 'off'}",
        days=tuple(f"day {d['day']}" for d in days),
        defect_rate=tuple(d.get("defect_rate") for d in days),
        turns=tuple(int(d.get("turns", 0)) for d in days),
        daily={
            "rewrite wins": tuple(d.get("rewrite_wins") for d in days),
            "rewrite losses": tuple(d.get("rewrite_losses") for d in days),
            "rephrase precision": tuple(d.get("rephrase_precision") for d in days),
            "rephrase recall": tuple(d.get("rephrase_recall") for d in days),
            "defect recall (speaker)": tuple(d.get("defect_recall") for d in days),
            "failure-point accuracy": tuple(d.get("failure_point_accuracy") for d in days),
            "task success": tuple(d.get("task_success") for d in days),
        },
        failure_points={k: dict(v) for k, v in points.items()},
        rewrites=tuple(rewrites),
        notes=tuple(f"table v{t['version']} after day {t['day']}: {len(t.get('rewrites', []))} rewrites" for t in tables),
    )


def _norm(text: str) -> str:
    from edge.learning.table import normalize_utterance

    return normalize_utterance(text)


def from_turn_log(path: Path | str) -> ReportData:
    from edge.feedback.labels import failure_point, label_turn
    from edge.feedback.rephrase import RephraseDetector, text_of
    from edge.turnlog import TurnLog

    if not Path(path).is_file():
        raise ReportError(f"no turn log at {path}")
    with TurnLog(path) as log:
        turns = sorted(log.turns(), key=lambda t: t.started_at)
    if not turns:
        raise ReportError(f"the turn log {path} holds no turns")
    detector = RephraseDetector()
    rephrased_by: dict[str, Any] = {}
    for turn in turns:
        link = detector.observe(turn)
        if link is not None:
            rephrased_by.setdefault(link.earlier_id, turn)
    by_day: dict[str, list[bool]] = defaultdict(list)
    points: Counter[str] = Counter()
    rewrites: dict[tuple[str, str, str], Counter[str]] = {}
    for turn in turns:
        day = datetime.fromtimestamp(turn.started_at, timezone.utc).strftime("%Y-%m-%d")
        defects = label_turn(turn, rephrased=turn.turn_id in rephrased_by)
        by_day[day].append(bool(defects))
        if defects:
            points[failure_point(turn, defects, rephrase=rephrased_by.get(turn.turn_id)).value] += 1
        if turn.rewrite is not None:
            c = rewrites.setdefault((text_of(turn), turn.rewrite.text, turn.rewrite.source), Counter())
            c["support"] += 1
            c["wins"] += not defects
            c["losses"] += bool(defects)
    days = sorted(by_day)
    rows = [{"source": s, "target": t, "kind": k, **c} for (s, t, k), c in rewrites.items()]
    rows.sort(key=lambda r: (-r["support"], -r["wins"], r["source"]))
    return ReportData(
        title="edge: turn log",
        source=f"{Path(path).name}: {len(turns)} turns over {len(days)} days (the speaker's own labels)",
        days=tuple(days),
        defect_rate=tuple(round(sum(v) / len(v), 4) for v in (by_day[d] for d in days)),
        turns=tuple(len(by_day[d]) for d in days),
        failure_points={"speaker": dict(points)},
        rewrites=tuple(rows),
    )


def load(path: Path | str) -> ReportData:
    """A trace (JSON lines) or a turn log (SQLite), told apart by their first bytes."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3"):
        return from_turn_log(path)
    return from_trace(path)


def stage_counts(data: ReportData, which: str) -> list[int]:
    counts = data.failure_points.get(which, {})
    return [int(counts.get(s, 0)) for s in STAGES]


