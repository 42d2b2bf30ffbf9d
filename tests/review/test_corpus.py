"""The example corpus: every planted flaw is found where it was planted, and no clean example gets
a high-severity finding. Labels follow the finding-id contract (see mlcoach.review.rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mlcoach.review import Finding, Location, review_path
from mlcoach.review.rules import RULES, SEVERITY_RANK

CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = sorted(p.parent for p in CORPUS.glob("*/expected.yaml"))


def _realistic(example: Path) -> bool:
    return "\nset: realistic" in (example / "expected.yaml").read_text(encoding="utf-8")


# the first 30 examples are textbook cases held to exact places; the realistic set is measured in
# aggregate against the goals (below)
CLASSIC = [p for p in EXAMPLES if not _realistic(p)]
REALISTIC = [p for p in EXAMPLES if _realistic(p)]


def _expected(example: Path) -> dict[str, Any]:
    data = yaml.safe_load((example / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{example.name}/expected.yaml is not a mapping"
    return data


def _at(location: Location, label: dict[str, Any]) -> bool:
    if label.get("file") is not None and location.file not in (label["file"], None):
        return False
    if label.get("cell") is not None and location.cell != label["cell"]:
        return False
    return label.get("line") is None or location.line == label["line"]


def matches(finding: Finding, label: dict[str, Any]) -> bool:
    """A finding matches a label with the same id at the labelled place: its own location or one of
    the related places it names (a leak inside a helper names both the fit and the call)."""
    if finding.id != label["id"]:
        return False
    return any(_at(location, label) for location in (finding.location, *finding.related))


def test_the_corpus_is_there_and_uses_contract_ids() -> None:
    assert len(EXAMPLES) >= 3
    for example in EXAMPLES:
        for label in _expected(example).get("findings") or []:
            assert label["id"] in RULES, f"{example.name}: unknown id {label['id']}"


@pytest.mark.parametrize("example", CLASSIC, ids=[p.name for p in CLASSIC])
def test_corpus_example(example: Path) -> None:
    expected = _expected(example)
    labels = expected.get("findings") or []
    execute = bool(expected.get("needs_execute")) or any(
        label["id"].startswith("execution/") for label in labels
    )
    report = review_path(example, execute=execute)
    shown = "\n".join(
        f"  {f.id} at {f.location} (related: {', '.join(map(str, f.related))})"
        for f in report.findings
    )
    missing = [label for label in labels if not any(matches(f, label) for f in report.findings)]
    assert not missing, f"not found: {missing}\nreported:\n{shown}"
    if expected.get("clean"):
        high = [f for f in report.findings if f.severity == "high"]
        assert not high, f"a clean example got high-severity findings:\n{shown}"
    else:
        # the corpus plants every flaw worth a medium or high finding (tests/review/corpus/README.md):
        # anything else at that level is a false alarm
        extra = [
            f
            for f in report.findings
            if f.rank >= SEVERITY_RANK["medium"] and not any(matches(f, label) for label in labels)
        ]
        assert not extra, f"findings not planted in the example:\n{shown}"
