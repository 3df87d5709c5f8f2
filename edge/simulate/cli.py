"""``edge simulate``: the closed-loop simulator as a command; one JSON object per simulated day."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any, Sequence

_LOG = logging.getLogger("edge.simulate")


def add_simulate_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "simulate", parents=list(parents), help="simulated users speak to the real pipeline for simulated days"
    )
    p.add_argument("--days", type=int, default=7, help="simulated days (default 7)")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same traffic (default 0)")
    p.add_argument("--requests", type=int, default=60, metavar="N", help="requests per day (default 60)")
    p.add_argument("--text", action="store_true", help="text into everything after ASR instead of synthesized audio (fast)")
    p.add_argument("--no-learning", action="store_true", help="the same traffic without nightly tables (a baseline)")
    p.add_argument("--household", choices=("default", "holdout"), default="default",
                   help="who lives there: the default family, or a held-out one nothing was tuned to")  # fmt: skip
    p.add_argument("--json", action="store_true", help="one JSON object per day on stdout")
    p.add_argument("--trace", metavar="FILE", help="write every day, turn and table as JSON lines (for edge report)")
    p.add_argument("--audio-cache", metavar="DIR", help="synthesized speech cache (default ~/.cache/edge/sim-audio)")
    p.set_defaults(func=simulate_main)
    return p


def simulate_main(args: argparse.Namespace) -> int:
    from edge.config import load_settings
    from edge.errors import EdgeError
    from edge.simulate.household import HOUSEHOLDS
    from edge.simulate.runner import Simulation, SimulationSettings
    from edge.simulate.trace import TraceWriter

    base = load_settings(args.config, profile=getattr(args, "profile", None))
    level = getattr(args, "log_level", None) or "warning"
    logging.basicConfig(level=getattr(logging, level.upper()), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)  # fmt: skip
    if args.days < 1 or args.requests < 1:
        raise EdgeError("--days and --requests must be at least 1", fix="pass e.g. --days 7 --requests 40")
    settings = SimulationSettings(
        days=args.days, seed=args.seed, requests_per_day=args.requests, audio=not args.text,
        learning=not args.no_learning, audio_cache=Path(args.audio_cache) if args.audio_cache else None,
    )  # fmt: skip
    meta = {"household": args.household, "days": settings.days, "seed": settings.seed,
            "requests_per_day": settings.requests_per_day, "audio": settings.audio, "learning": settings.learning}  # fmt: skip
    trace = TraceWriter(args.trace, meta) if args.trace else None

    def on_sigterm(signum: int, frame: object) -> None:  # stop like Ctrl-C: the broker and the home are stopped
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        with Simulation(settings, HOUSEHOLDS[args.household](), base=base) as sim:
            for metrics in sim.run():
                row = metrics.to_dict()
                print(json.dumps(row) if args.json else _line(row), flush=True)
                if trace is not None:
                    trace.day(sim, metrics)
            if not args.json:
                print(_summary_line(sim.summary()), flush=True)
            if trace is not None:
                trace.finish(sim)
    finally:
        if trace is not None:
            trace.close()
    return 0


def _pct(x: float | None) -> str:
    return "  -  " if x is None else f"{100 * x:4.1f}%"


def _line(d: dict[str, Any]) -> str:
    return (
        f"day {d['day']}: {d['turns']} turns, defects {_pct(d['defect_rate'])}, "
        f"rewrites {d['rewrites']} (+{d['rewrite_wins']} -{d['rewrite_losses']}), "
        f"rephrase P {_pct(d['rephrase_precision'])} R {_pct(d['rephrase_recall'])}, "
        f"failure points {_pct(d['failure_point_accuracy'])}, table v{d['table_version']} ({d['table_rewrites']})"
    )


def _summary_line(s: dict[str, Any]) -> str:
    drop = "  -  " if s.get("defect_drop") is None else f"{100 * s['defect_drop']:.0f}%"
    ratio = "no losses" if s.get("win_loss_ratio") is None else f"{s['win_loss_ratio']:g}:1"
    return (
        f"{s['days']} days, {s['turns']} turns in {s['wall_s']:.0f} s: defects {_pct(s['defect_rate_first_day'])} -> "
        f"{_pct(s['defect_rate_last_day'])} ({drop} fewer); rewrites +{s['rewrite_wins']} -{s['rewrite_losses']} ({ratio}); "
        f"rephrase F1 {_pct(s['rephrase_f1'])}; defects found P {_pct(s['defect_precision'])} "
        f"R {_pct(s['defect_recall'])}; failure points {_pct(s['failure_point_accuracy'])}"
    )
