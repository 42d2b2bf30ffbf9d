"""The HTML report opened in a real browser (headless Chromium): the findings are in the rendered
page, and a screenshot goes to test-output/review/report.png for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mlcoach.review import render, review_path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CORPUS = Path(__file__).parent / "corpus"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "review"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium; `make system-deps`)",
)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    example = next(
        p for p in sorted(CORPUS.glob("*/expected.yaml")) if "clean" not in p.parent.name
    ).parent
    report = review_path(example)
    assert report.findings
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    dom = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    for finding in report.findings:
        assert f'data-id="{finding.id}"' in dom.stdout
        assert str(finding.location).replace("<", "&lt;") in dom.stdout
    for objective in report.objectives:
        assert objective.title in dom.stdout
    OUTPUT.mkdir(parents=True, exist_ok=True)
    screenshot = OUTPUT / "report.png"
    screenshot.unlink(missing_ok=True)
    shot = _chromium(
        tmp_path / "profile2",
        f"--screenshot={screenshot}",
        "--window-size=1100,1600",
        page.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
