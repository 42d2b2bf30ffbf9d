"""`mlcoach review` as a user runs it: formats, --output, --fail-on and --batch."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner
from tests.review.conftest import NotebookWriter

LEAKY = [
    (
        "code",
        "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\nfrom sklearn.model_selection import train_test_split",
    ),
    (
        "code",
        'df = pd.read_csv("d.csv")\nX = StandardScaler().fit_transform(df)\ntrain, test = train_test_split(X, random_state=0)',
    ),
]
TIDY = [("code", "import json\nprint(json.dumps({'ok': True}))")]


def test_terminal_report_and_exit_codes(run_cli: CliRunner, write_notebook: NotebookWriter) -> None:
    path = write_notebook(LEAKY)
    shown = run_cli("review", str(path))
    assert shown.returncode == 0, shown.stderr
    assert "Transform fitted on data that includes the test rows" in shown.stdout
    assert "analysis.ipynb:cell 2:line 2" in shown.stdout
    assert run_cli("review", str(path), "--fail-on", "high").returncode == 1
    tidy = write_notebook(TIDY, folder="tidy")
    assert run_cli("review", str(tidy), "--fail-on", "high").returncode == 0
    bad = run_cli("review", str(path), "--fail-on", "urgent")
    assert bad.returncode == 2 and "choose one of high, medium, low, info" in bad.stderr


def test_json_to_stdout_and_sarif_to_a_file(
    run_cli: CliRunner, write_notebook: NotebookWriter, tmp_path: Path
) -> None:
    path = write_notebook(LEAKY)
    result = run_cli("review", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert any(f["id"] == "leakage/preprocessing-before-split" for f in data["findings"])
    target = tmp_path / "out" / "review.sarif"
    written = run_cli("review", str(path), "-f", "sarif", "-o", str(target))
    assert written.returncode == 0, written.stderr
    assert "Wrote the sarif report" in written.stdout
    assert json.loads(target.read_text())["version"] == "2.1.0"
    wrong = run_cli("review", str(path), "--format", "pdf")
    assert wrong.returncode == 2 and "--format 'pdf'" in wrong.stderr


def test_batch_reviews_every_submission_and_writes_a_summary(
    run_cli: CliRunner, write_notebook: NotebookWriter, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    write_notebook(LEAKY, name="analysis.ipynb", folder="inbox/alice")
    write_notebook(TIDY, name="bob.ipynb", folder="inbox")
    (inbox / "carol.ipynb").write_text("{ not json")
    reports = tmp_path / "reports"
    result = run_cli(
        "review", "--batch", str(inbox), "--out", str(reports), "--fail-on", "high", timeout=300
    )
    assert result.returncode == 1, result.stderr  # alice has a high-severity finding
    assert "3/3" in result.stdout
    summary = json.loads((reports / "summary.json").read_text())
    rows = {row["submission"]: row for row in summary["submissions"]}
    assert set(rows) == {"alice", "bob.ipynb", "carol.ipynb"}
    assert rows["alice"]["findings"]["high"] == 1 and rows["alice"]["scores"]["model"] == 3
    assert rows["bob.ipynb"]["findings"]["high"] == 0
    assert "invalid JSON" in rows["carol.ipynb"]["error"]
    assert (reports / rows["alice"]["report"]).read_text().startswith("# Review of alice")
    table = (reports / "summary.md").read_text()
    assert "| alice | 1 |" in table and "error: carol.ipynb: not a notebook" in table
    both = run_cli("review", str(inbox), "--batch", str(inbox), "--out", str(reports))
    assert both.returncode == 2 and "not both" in both.stderr
