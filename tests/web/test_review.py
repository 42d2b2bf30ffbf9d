"""Reviewing a take-home through the pages and the API: upload, job, report with linked cells."""

from __future__ import annotations

import io
import json
import re
import zipfile

from fastapi.testclient import TestClient

from tests.web.conftest import form_token, wait_for_job
from tests.web.notebooks import leaky_notebook


def _upload(client: TestClient, name: str, data: bytes, **fields: str) -> object:
    return client.post(
        "/review",
        data={"csrf_token": form_token(client, "/review"), **fields},
        files={"file": (name, io.BytesIO(data), "application/octet-stream")},
        follow_redirects=False,
    )


def test_a_leaky_notebook_gets_a_report_with_linked_cells(client: TestClient) -> None:
    response = _upload(client, "take-home.ipynb", leaky_notebook().encode())
    assert response.status_code == 303
    location = response.headers["location"]
    job_id = location.rsplit("/", 1)[1]
    assert wait_for_job(client, job_id)["state"] == "done"
    page = client.get(location).text
    assert "preprocessing" in page.lower() and "leak" in page.lower()
    assert int(re.search(r'data-testid="finding-count">(\d+) finding', page).group(1)) >= 1  # type: ignore[union-attr]
    # The leakage finding links to the cell it was found in, and that cell's source is shown.
    link = re.search(r'href="#(take-home-ipynb-cell-(\d+))"', page)
    assert link is not None
    assert f'id="{link.group(1)}"' in page
    assert "StandardScaler().fit_transform(X)" in page
    assert "take-home.ipynb" in client.get("/history?tab=reviews").text


def test_report_downloads_in_the_reviewer_formats(client: TestClient) -> None:
    job_id = (
        _upload(client, "nb.ipynb", leaky_notebook().encode()).headers["location"].rsplit("/", 1)[1]
    )
    wait_for_job(client, job_id)
    as_json = client.get(f"/reviews/{job_id}/report.json")
    assert as_json.status_code == 200
    assert any(f["id"].startswith("leakage/") for f in json.loads(as_json.text)["findings"])
    assert (
        "nb-review.md" in client.get(f"/reviews/{job_id}/report.md").headers["content-disposition"]
    )
    assert json.loads(client.get(f"/reviews/{job_id}/report.sarif").text)["version"] == "2.1.0"
    assert client.get(f"/reviews/{job_id}/report.exe").status_code == 404


def test_a_zip_is_reviewed_as_a_project(client: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project/analysis.ipynb", leaky_notebook())
        archive.writestr("project/requirements.txt", "pandas==2.2.3\nscikit-learn==1.5.2\n")
    job_id = _upload(client, "project.zip", buffer.getvalue()).headers["location"].rsplit("/", 1)[1]
    job = wait_for_job(client, job_id)
    assert job["state"] == "done", job["error"]
    files = {f["path"] for f in job["result"]["report"]["files"]}  # type: ignore[index]
    assert any(p.endswith("analysis.ipynb") for p in files)


def test_uploads_that_cannot_be_reviewed(client: TestClient) -> None:
    wrong_kind = _upload(client, "photo.png", b"\x89PNG....")
    assert wrong_kind.status_code == 400 and "upload a notebook" in wrong_kind.text
    empty = _upload(client, "empty.ipynb", b"")
    assert empty.status_code == 400 and "is empty" in empty.text
    # A broken notebook is accepted as a job and fails with the reviewer's reason.
    job_id = _upload(client, "broken.ipynb", b"{ not json").headers["location"].rsplit("/", 1)[1]
    job = wait_for_job(client, job_id)
    assert job["state"] == "failed" and "broken.ipynb" in str(job["error"])
    assert "broken.ipynb" in client.get(f"/reviews/{job_id}").text


def test_uploads_over_20_mb_are_refused(client: TestClient) -> None:
    response = _upload(client, "big.zip", b"0" * (21 * 1024 * 1024))
    assert response.status_code == 413


def test_the_api_takes_uploads_with_the_csrf_header(client: TestClient) -> None:
    files = {
        "file": (
            "a.py",
            io.BytesIO(b"import pandas as pd\ndf = pd.read_csv('x.csv')\n"),
            "text/plain",
        )
    }
    assert client.post("/api/v1/reviews", files=files).status_code == 403
    token = client.get("/api/v1/session").json()["csrf_token"]
    files = {
        "file": (
            "a.py",
            io.BytesIO(b"import pandas as pd\ndf = pd.read_csv('x.csv')\n"),
            "text/plain",
        )
    }
    created = client.post("/api/v1/reviews", files=files, headers={"x-csrf-token": token})
    assert created.status_code == 202
    review = created.json()
    assert review["filename"] == "a.py"
    assert wait_for_job(client, review["id"])["state"] == "done"
