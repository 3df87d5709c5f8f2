"""``edge report``: write the HTML report of a simulation trace or a turn log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence


def add_report_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "report", parents=list(parents), help="an HTML page with charts from a turn log or an edge simulate trace"
    )
    p.add_argument("source", nargs="?", metavar="FILE",
                   help="a trace (edge simulate --trace FILE) or a turn log (SQLite); default: the configured [log] db")  # fmt: skip
    p.add_argument("--out", default="edge-report.html", metavar="FILE", help="the page to write (default edge-report.html)")
    p.add_argument("--top", type=int, default=15, help="rewrites listed (default 15)")
    p.set_defaults(func=report_main)
    return p


def report_main(args: argparse.Namespace) -> int:
    from edge.errors import EdgeError
    from edge.report import ReportError, load, render

    source = args.source
    if source is None:
        from edge.config import load_settings

        source = str(load_settings(args.config, profile=getattr(args, "profile", None)).log.db_path())
    if not Path(source).is_file():
        raise EdgeError(f"no such file: {source}", fix="pass a trace from edge simulate --trace FILE, or a turn log")
    try:
        data = load(source)
    except ReportError as exc:
        raise EdgeError(str(exc), fix="pass a trace from edge simulate --trace FILE, or a turn log") from exc
    out = Path(args.out)
    out.write_text(render(data, top=args.top), encoding="utf-8")
    print(f"wrote {out} ({len(data.days)} days)", file=sys.stderr)
    return 0
