"""The pure helpers behind the pages: the chart, Markdown, redirects after sign-in."""

from __future__ import annotations

import re

from mlcoach.web.pages import _safe_next
from mlcoach.web.render import Bar, bar_chart_svg, markdown


def test_chart_bars_are_as_long_as_their_values_and_text_is_escaped() -> None:
    svg = str(
        bar_chart_svg(
            [Bar("Metrics <b>", 0.5, "x", "/q?topic=a&b"), Bar("Unseen", None), Bar("Over", 1.7)]
        )
    )
    widths = [float(w) for w in re.findall(r'<rect x="0" y="[\d.]+" width="([\d.]+)"', svg)]
    track, half = widths[0], widths[1]
    assert half == track / 2
    assert "Metrics &lt;b&gt;" in svg and "<b>" not in svg
    assert 'href="/q?topic=a&amp;b"' in svg
    assert ">50%<" in svg and ">–<" in svg and ">100%<" in svg  # values are clamped to 0-1


def test_markdown_never_passes_raw_html() -> None:
    html = str(markdown("**bold** <script>alert(1)</script>\n\n```\ncode\n```"))
    assert "<strong>bold</strong>" in html and "<pre><code>" in html
    assert "<script>" not in html


def test_sign_in_only_redirects_within_the_site() -> None:
    assert _safe_next("/problems?kind=output") == "/problems?kind=output"
    for hostile in ("https://evil.example", "//evil.example", "javascript:alert(1)", "", None):
        assert _safe_next(hostile) == "/"
