"""--execute: the notebook runs in a fresh kernel (sandboxed where bubblewrap exists); the first
failing cell and the claims its outputs no longer support become findings. Few tests, since each
starts a kernel."""

from __future__ import annotations

import shutil

import pytest

from mlcoach.review import ReviewOptions, review_path
from mlcoach.review.execute import BUBBLEWRAP_NOTE, run_notebook
from tests.review.conftest import NotebookWriter

HAS_BWRAP = shutil.which("bwrap") is not None


def test_failed_cell_and_claims_are_checked_against_the_new_outputs(
    write_notebook: NotebookWriter,
) -> None:
    path = write_notebook(
        [
            (
                "markdown",
                "# Scores\n\nThe model reaches an accuracy of 0.91 on the test set,\nand an F1 of 0.50.",
            ),
            (
                "code",
                "hits, total = 3, 4\nprint(f'accuracy: {hits / total:.2f}')\nprint('f1: 0.50')",
            ),
            ("code", "ratio = 1\nratio = ratio / 0"),
            ("markdown", "Afterwards the RMSE is 3.2."),
            ("code", "print('rmse: 9.9')"),
        ],
        files={"README.md": "Headline: 75% accuracy on held-out data."},
    )
    report = review_path(path.parent, execute=True)
    failed = next(f for f in report.findings if f.id == "execution/cell-failed")
    assert (failed.location.cell, failed.location.line) == (3, 2)
    assert "ZeroDivisionError" in failed.seen and failed.code == "ratio = ratio / 0"
    claims = [f for f in report.findings if f.id == "execution/claim-not-reproduced"]
    assert [(f.location.cell, f.location.line) for f in claims] == [(1, 3)]
    assert "accuracy 0.91" in claims[0].seen and "0.75" in claims[0].seen
    run = report.execution[0]
    assert run.failed_cell == 3 and run.error == "ZeroDivisionError: division by zero"
    statuses = {(c.metric, c.claimed): c.status for c in run.claims}
    assert statuses == {
        ("accuracy", "0.91"): "not-reproduced",
        ("f1", "0.50"): "reproduced",
        ("rmse", "3.2"): "not-printed",  # the cell after the failure never ran
        ("accuracy", "75%"): "reproduced",
    }
    model = next(o for o in report.objectives if o.key == "model")
    assert model.score <= 3  # the failed cell counts against the model objective


def test_a_cell_over_its_time_limit_is_stopped(write_notebook: NotebookWriter) -> None:
    path = write_notebook([("code", "import time\ntime.sleep(60)"), ("code", "print('never')")])
    options = ReviewOptions(cell_timeout=2, total_timeout=30)
    report = review_path(path, execute=True, options=options)
    failed = next(f for f in report.findings if f.id == "execution/cell-failed")
    assert failed.location.cell == 1 and "longer than the limit of 2 s" in failed.seen
    assert report.execution[0].seconds < 25


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap (bwrap) is not installed")
def test_the_sandbox_has_no_network_and_sees_no_home(write_notebook: NotebookWriter) -> None:
    path = write_notebook(
        [
            (
                "code",
                "import os, socket\n"
                "try:\n"
                "    socket.create_connection(('127.0.0.1', 22), timeout=2)\n"
                "    print('network: open')\n"
                "except OSError:\n"
                "    print('network: blocked')\n"
                "print('home:', sorted(os.listdir('/home')) if os.path.isdir('/home') else 'absent')\n"
                "print('secret env:', 'MLCOACH_TEST_SECRET' in os.environ)\n"
                "open('written.txt', 'w').write('ok')",
            )
        ]
    )
    import os

    os.environ["MLCOACH_TEST_SECRET"] = "1"
    try:
        run = run_notebook(path, path.parent, ReviewOptions(), path.name)
    finally:
        del os.environ["MLCOACH_TEST_SECRET"]
    assert run.sandbox == BUBBLEWRAP_NOTE and run.error is None, (run.error, run.notes)
    text = "".join(o.get("text", "") for o in run.notebook.cells[0].outputs)
    assert "network: blocked" in text
    assert "home: absent" in text
    assert "secret env: False" in text
    assert not (path.parent / "written.txt").exists()  # it ran on a copy
