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
