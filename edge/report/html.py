"""The report page: one self-contained HTML file, charts as inline SVG, no script, nothing fetched."""

from __future__ import annotations

from html import escape
from typing import Any

from edge.report.data import STAGES, ReportData, stage_counts
from edge.report.svg import bar_chart, line_chart

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { padding: 3px 8px; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f6f6f6; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.src { color: #666; } figure { margin: 1em 0; }
"""


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def render(data: ReportData, *, top: int = 15) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(data.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(data.title)}</h1>",
        f'<p class="src">{escape(data.source)}</p>',
        "<h2>Defect rate by day</h2>",
        "<figure>" + line_chart("Defect rate (defective turns / turns)", data.days, [("defect rate", data.defect_rate)],
                                percent=True) + "</figure>",  # fmt: skip
    ]
    if data.defect_rate and data.defect_rate[0] and data.defect_rate[-1] is not None:
        drop = 1 - data.defect_rate[-1] / data.defect_rate[0]
        change = f"{100 * drop:.0f} % fewer" if drop >= 0 else f"{-100 * drop:.0f} % more"
        parts.append(f"<p>{escape(data.days[-1])} against {escape(data.days[0])}: {change} defects "
                     f"({_pct(data.defect_rate[0])} → {_pct(data.defect_rate[-1])}).</p>")  # fmt: skip
    rates = {k: v for k, v in data.daily.items() if k not in ("rewrite wins", "rewrite losses")}
    if rates:
        parts.append("<figure>" + line_chart("Detection and outcome measures by day", data.days, list(rates.items()),
                                             percent=True) + "</figure>")  # fmt: skip
    if "rewrite wins" in data.daily:
        series = [(k, data.daily[k]) for k in ("rewrite wins", "rewrite losses")]
        parts.append("<figure>" + bar_chart("Rewrite wins and losses by day", data.days, series) + "</figure>")
    parts.append("<h2>Failure points by stage</h2>")
    series = [(f"{k} ({'simulator' if k == 'true' else 'speaker'})", stage_counts(data, k)) for k in data.failure_points]
    parts.append("<figure>" + bar_chart("Defective turns by the first stage that failed", STAGES, series) + "</figure>")
    parts.append("<h2>Top rewrites</h2>")
    parts.append(_rewrites_table(list(data.rewrites[:top])))
    if data.rewrites:
        rows = list(data.rewrites[: min(top, 10)])
        labels = [f"{i + 1}" for i in range(len(rows))]
        series2 = [("used", [r["support"] for r in rows]), ("wins", [r["wins"] for r in rows]),
                   ("losses", [r.get("losses", 0) for r in rows])]  # fmt: skip
        parts.append("<figure>" + bar_chart("Top rewrites (numbered as in the table)", labels, series2) + "</figure>")
    parts.append("<h2>Days</h2>" + _days_table(data))
    if data.notes:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in data.notes) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _rewrites_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>No rewrite was used.</p>"
    mined = any(r.get("mined_support") is not None for r in rows)
    head = "<tr><th>#</th><th>heard</th><th>rewritten to</th><th>from</th><th>used</th><th>wins</th><th>losses</th>"
    head += "<th>mined support</th><th>confidence</th></tr>" if mined else "</tr>"
    body = []
    for i, r in enumerate(rows, 1):
        cells = [
            f'<td class="n">{i}</td>', f"<td>{escape(r['source'])}</td>", f"<td>{escape(r['target'])}</td>",
            f"<td>{escape(r.get('kind', ''))}</td>", f'<td class="n">{r["support"]}</td>', f'<td class="n">{r["wins"]}</td>',
            f'<td class="n">{r.get("losses", 0)}</td>',
        ]  # fmt: skip
        if mined:
            ms, conf = r.get("mined_support"), r.get("confidence")
            cells.append(f'<td class="n">{"–" if ms is None else ms}</td>')
            cells.append(f'<td class="n">{"–" if conf is None else f"{conf:.2f}"}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + head + "".join(body) + "</table>"


def _days_table(data: ReportData) -> str:
    keys = list(data.daily)
    head = "<tr><th>day</th><th>turns</th><th>defect rate</th>" + "".join(f"<th>{escape(k)}</th>" for k in keys) + "</tr>"
    body = []
    for i, day in enumerate(data.days):
        cells = [f"<td>{escape(day)}</td>", f'<td class="n">{data.turns[i]}</td>', f'<td class="n">{_pct(data.defect_rate[i])}</td>']
        for k in keys:
            v = data.daily[k][i]
            cells.append(f'<td class="n">{"–" if v is None else (v if "wins" in k or "losses" in k else _pct(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + head + "".join(body) + "</table>"
