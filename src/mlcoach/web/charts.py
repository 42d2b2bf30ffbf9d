"""Progress charts as inline SVG, drawn on the server: no JavaScript, no CDN, readable on a phone.

Each chart is a ``viewBox`` that scales to its container's width, with a ``<title>`` per mark so a
screen reader (or a hover) gives the exact value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 420, 200
LEFT, RIGHT, TOP, BOTTOM = 30, 8, 10, 24


@dataclass(frozen=True)
class Point:
    day: date
    value: float | None  # None: nothing that day (a gap in a line, an empty column)
    label: str = ""


def _x_ticks(points: Sequence[Point], xs: Sequence[float]) -> list[str]:
    """About five date labels along the bottom, never overlapping."""
    if not points:
        return []
    step = max(1, len(points) // 5)
    out = []
    for i in range(0, len(points), step):
        out.append(
            f'<text x="{xs[i]:.1f}" y="{HEIGHT - 6}" class="tick" text-anchor="middle">'
            f"{points[i].day.strftime('%d %b')}</text>"
        )
    return out


def _frame(label: str, top_value: float, unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart-wide" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for frac in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - frac)
        value = top_value * frac
        shown = f"{value:g}{unit}"
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="{"axis" if frac == 0 else "grid"}"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" class="tick" text-anchor="end">{shown}</text>'
        )
    return parts


def line_chart_svg(
    points: Sequence[Point], *, label: str, top_value: float, unit: str = ""
) -> Markup:
    """A line through the days that have a value (days without one leave a gap)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(1, len(points) - 1)
    xs = [LEFT + plot_w * i / n for i in range(len(points))]
    parts = _frame(label, top_value, unit)
    segment: list[str] = []
    segments: list[list[str]] = []
    dots = []
    for x, p in zip(xs, points, strict=True):
        if p.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        y = TOP + plot_h * (1 - min(p.value, top_value) / top_value)
        segment.append(f"{x:.1f},{y:.1f}")
        title = escape(f"{p.day.isoformat()}: {p.label or p.value}")
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot"><title>{title}</title></circle>'
        )
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline points="{" ".join(seg)}" class="line"/>')
    parts.extend(dots)
    parts.extend(_x_ticks(points, xs))
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart_svg(points: Sequence[Point], *, label: str) -> Markup:
    """One column per day, as tall as its value."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max([p.value or 0 for p in points] + [1])
    top_value = float(max(1, int(peak + 0.999)))
    if top_value > 4 and top_value % 2:
        top_value += 1  # so the middle grid line lands on a whole number
    slot = plot_w / max(1, len(points))
    width = max(1.0, slot * 0.7)
    xs = [LEFT + slot * (i + 0.5) for i in range(len(points))]
    parts = _frame(label, top_value, "")
    for x, p in zip(xs, points, strict=True):
        value = p.value or 0
        h = plot_h * value / top_value
        title = escape(f"{p.day.isoformat()}: {p.label or value}")
        parts.append(
            f'<rect x="{x - width / 2:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" '
            f'height="{h:.1f}" class="col" rx="1.5"><title>{title}</title></rect>'
        )
    parts.extend(_x_ticks(points, xs))
    parts.append("</svg>")
    return Markup("".join(parts))
