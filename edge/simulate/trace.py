"""The simulation trace: JSON lines that ``edge report`` reads.

One ``{"type": "simulation", ...}`` line with the settings, then per day its
``turn`` lines and its ``day`` line (written as the day ends, so a long run
can be reported on while it runs), and at the end a ``summary``, every
``table`` the hub shipped and a ``rewrite`` line per rewrite used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from edge.simulate.metrics import DayMetrics, rewrite_summary


class TraceWriter:
    def __init__(self, path: Path | str, meta: dict[str, Any]) -> None:
        self._f = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in finish()/close()
        self._write({"type": "simulation", **meta})

    def _write(self, row: dict[str, Any]) -> None:
        self._f.write(json.dumps(row) + "\n")

    def day(self, sim: Any, metrics: DayMetrics) -> None:
        for record in sim.records:
            if record.day == metrics.day:
                self._write({"type": "turn", **record.to_dict()})
        self._write({"type": "day", **metrics.to_dict()})
        self._f.flush()

    def finish(self, sim: Any) -> None:
        self._write({"type": "summary", **sim.summary()})
        for table in sim.tables:
            self._write({"type": "table", **table})
        for rewrite in rewrite_summary(sim.records):
            self._write({"type": "rewrite", **rewrite})
        self.close()

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()


def reread(path: Path | str) -> list[DayMetrics]:
    """The days of a trace measured again from its turns (with this version's metrics).

    A request worked when its last turn did; missed wake words and the table in use come from
    the trace's own day rows."""
    from edge.simulate.metrics import TurnRecord, day_metrics

    turns: dict[int, list[TurnRecord]] = {}
    days: dict[int, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("type") == "turn":
                record = TurnRecord.from_dict(row)
                turns.setdefault(record.day, []).append(record)
            elif row.get("type") == "day":
                days[int(row["day"])] = row
    out = []
    for day in sorted(days):
        records = turns.get(day, [])
        last: dict[int, TurnRecord] = {}
        for r in records:
            last[r.session] = r
        sessions = [(r.correct, not r.correct) for r in last.values()]
        d = days[day]
        out.append(day_metrics(day, records, sessions, missed_wakes=int(d.get("missed_wakes", 0)),
                               table_version=int(d.get("table_version", 0)), table_rewrites=int(d.get("table_rewrites", 0)),
                               wall_s=float(d.get("wall_s", 0.0))))  # fmt: skip
    return out
