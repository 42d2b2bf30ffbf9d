"""Pure helpers the templates use: Markdown to safe HTML, the mastery chart, dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# CommonMark with tables, and raw HTML switched off: content and user text can never inject markup.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@lru_cache(maxsize=2048)
def markdown(text: str) -> Markup:
    return Markup(_markdown.render(text or ""))


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # 0-1, None: not practised yet
    detail: str = ""
    href: str | None = None


def bar_chart_svg(bars: Sequence[Bar], *, width: int = 340) -> Markup:
    """A bar chart as inline SVG: per topic, its name above a bar as long as its value.

    Server-rendered so the dashboard needs no JavaScript. Names sit above the bars so that the
    chart stays legible when it shrinks to a phone's width; each row has a title for screen readers.
    """
    label_h, bar_h, gap = 17, 12, 9
    row = label_h + bar_h + gap
    value_w = 44
    plot_w = width - value_w
    height = row * len(bars)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Mastery per topic" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, bar in enumerate(bars):
        y = i * row
        label = escape(bar.label if len(bar.label) <= 60 else bar.label[:59] + "…")
        title = escape(f"{bar.label}: {bar.detail}" if bar.detail else bar.label)
        parts.append(f"<g><title>{title}</title>")
        text = f'<text x="0" y="{y + label_h - 4}" class="chart-label">{label}</text>'
        if bar.href:
            text = f'<a href="{escape(bar.href)}">{text}</a>'
        parts.append(text)
        top = y + label_h
        parts.append(
            f'<rect x="0" y="{top}" width="{plot_w}" height="{bar_h}" class="chart-track" rx="3"/>'
        )
        if bar.value is None:
            shown = "–"
        else:
            value = min(1.0, max(0.0, bar.value))
            level = "high" if value >= 0.75 else "mid" if value >= 0.45 else "low"
            parts.append(
                f'<rect x="0" y="{top}" width="{plot_w * value:.1f}" height="{bar_h}" '
                f'class="chart-bar chart-{level}" rx="3"/>'
            )
            shown = f"{round(value * 100)}%"
        parts.append(
            f'<text x="{width}" y="{top + bar_h - 1}" class="chart-value">{shown}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 0:
        return "in " + until(moment, now)
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def until(moment: datetime, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    seconds = max(0.0, (moment - now).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "a moment"


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def score_class(score: float | None, max_score: float = 5.0) -> str:
    if score is None:
        return "score-none"
    ratio = score / max_score
    return "score-high" if ratio >= 0.75 else "score-mid" if ratio >= 0.45 else "score-low"
