"""Small inline SVG charts: bars and lines, no scripts, no fonts or styles from anywhere else.

Each function returns one ``<svg>`` element as a string, sized in CSS pixels,
with a ``<title>`` per mark so a hover shows the exact value.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

PALETTE = ("#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00")


def _fmt(value: float, percent: bool) -> str:
    return f"{100 * value:.1f}%" if percent else (f"{value:g}" if value != int(value) else str(int(value)))


def _axis(top: float, percent: bool, x0: float, y0: float, width: float, height: float) -> list[str]:
    out = []
    for i in range(5):
        v = top * i / 4
        y = y0 + height - height * i / 4
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + width}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_fmt(v, percent)}</text>')
    return out


def _nice_top(values: Sequence[float], percent: bool) -> float:
    top = max([v for v in values if v is not None] + [0.0])
    if percent:
        return min(1.0, max(0.1, -(-top * 10 // 1) / 10))
    if top <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top <= step * 4:
            return float(step * 4)
    return float(top)


LEFT, BOTTOM, TOP = 56, 40, 30  # margins of the plot area, px


def _frame(
    title: str, series: Sequence[tuple[str, Sequence[float | None]]], percent: bool, width: int, height: int
) -> tuple[list[str], float, float, float]:
    """The opening of a chart: svg element, title, axis with grid; (parts, axis top value, plot width, height)."""
    plot_w, plot_h = width - LEFT - 16, height - BOTTOM - TOP
    top = _nice_top([v for _, vs in series for v in vs if v is not None], percent)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">']
    parts.append(f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>')
    parts += _axis(top, percent, LEFT, TOP, plot_w, plot_h)
    return parts, top, plot_w, plot_h


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    percent: bool = False,
    width: int = 640,
    height: int = 260,
) -> str:
    """Grouped vertical bars: one group per label, one bar per series (None: no bar)."""
    parts, top, plot_w, plot_h = _frame(title, series, percent, width, height)
    n, k = max(len(labels), 1), max(len(series), 1)
    group_w = plot_w / n
    bar_w = max(2.0, group_w * 0.8 / k)
    for i, label in enumerate(labels):
        gx = LEFT + i * group_w + group_w * 0.1
        for j, (name, values) in enumerate(series):
            v = values[i] if i < len(values) else None
            if v is None:
                continue
            h = plot_h * min(v, top) / top if top else 0
            x, y = gx + j * bar_w, TOP + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(name)} {escape(label)}: {_fmt(v, percent)}</title></rect>"
            )
        parts.append(
            f'<text x="{LEFT + (i + 0.5) * group_w:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" font-size="11">'
            f"{escape(label)}</text>"
        )
    parts += _legend([name for name, _ in series], LEFT, height - 8) if len(series) > 1 else []
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    percent: bool = False,
    width: int = 640,
    height: int = 260,
) -> str:
    """One polyline per series over the labels (a None breaks nothing: the point is skipped)."""
    parts, top, plot_w, plot_h = _frame(title, series, percent, width, height)
    n = max(len(labels), 1)
    step = plot_w / n

    def xy(i: int, v: float) -> tuple[float, float]:
        return LEFT + (i + 0.5) * step, TOP + plot_h - plot_h * min(v, top) / top

    for j, (name, values) in enumerate(series):
        color = PALETTE[j % len(PALETTE)]
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in points))
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in points:
            x, y = xy(i, v)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(name)} {escape(labels[i])}: {_fmt(v, percent)}</title></circle>"
            )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{LEFT + (i + 0.5) * step:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" font-size="11">'
            f"{escape(label)}</text>"
        )
    parts += _legend([name for name, _ in series], LEFT, height - 8) if len(series) > 1 else []
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    out = []
    for j, name in enumerate(names):
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14:.1f}" y="{y:.1f}" font-size="11">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return out
