"""What a mock interview's steps cost, against grading one concept answer (the baseline).

Prints, for the grader in use (the embedding model when installed; MLCOACH_GRADER=lexical to force
word overlap), the median time of:
- grading one concept answer (baseline);
- grading one design answer of about 600 words on all eight rubric dimensions;
- one mock-interview answer through the session API (grade + commit to SQLite);
- building a 3-week study plan, and reading a job posting against a résumé.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from mlcoach.catalog import load_catalog
from mlcoach.grading import load_grader
from mlcoach.interview import (
    MockInterview,
    MockServices,
    PlanRequest,
    build_plan,
    compare,
    grade_design,
    read_posting,
    skills_from_resume,
)
from mlcoach.store import Database

ROOT = Path(__file__).resolve().parent.parent
POSTING = ROOT / "tests/interview/postings/ml-engineer.md"
RESUME = ROOT / "tests/interview/resume-backend-engineer.md"


def median_ms(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    catalog = load_catalog()
    grader = load_grader()
    question = catalog.question("splits-why-three-sets")
    concept_answer = " ".join(k.text for k in question.key_points)
    scenario = catalog.scenario("card-fraud-detection")
    points = [p.text for d in scenario.rubric for p in d.key_points]
    design_answer = "\n\n".join(" ".join(points[i : i + 4]) for i in range(0, len(points), 4))
    design_answer += "\n\n" + " ".join(["We also talked about the team and the office."] * 30)

    grader.grade(question, concept_answer)  # warm: the model and the key points' vectors
    grade_design(scenario, design_answer, grader)
    baseline = median_ms(lambda: grader.grade(question, concept_answer), 15)
    design = median_ms(lambda: grade_design(scenario, design_answer, grader), 5)

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        user = db.default_user()
        interview = MockInterview.start(
            db, catalog, user.id, role="engineering", minutes=240, rounds=["concepts"], seed=1,
            services=MockServices(grader=grader, use_embedder=False),
        )  # fmt: skip
        prompts = list(interview.rounds()[0].prompts)

        def answer_one() -> None:
            prompt = interview.current_prompt()
            assert prompt is not None
            interview.answer(
                " ".join(k.text for k in catalog.question(prompt.ref or "").key_points)
            )

        mock_answer = median_ms(answer_one, min(10, len(prompts) - 1))
        db.dispose()

    request = PlanRequest(
        role="engineering", start=date(2026, 11, 26), interview_date=date(2026, 12, 17),
        hours_per_week=8,
    )  # fmt: skip
    plan = median_ms(lambda: build_plan(catalog, request), 10)
    posting_text, resume_text = POSTING.read_text(), RESUME.read_text()
    jobspec = median_ms(
        lambda: compare(read_posting(posting_text), skills_from_resume(resume_text), catalog), 10
    )

    print(f"grader: {grader.backend.name}")
    print(f"concept answer graded (baseline): {baseline:8.1f} ms")
    print(
        f"design answer, {len(design_answer.split())} words, 8 dimensions: {design:8.1f} ms "
        f"({design / baseline:.1f}x baseline)"
    )
    print(
        f"mock answer (grade + commit):     {mock_answer:8.1f} ms ({mock_answer / baseline:.1f}x)"
    )
    print(f"3-week study plan built:          {plan:8.1f} ms ({plan / baseline:.1f}x)")
    print(f"posting read and compared:        {jobspec:8.1f} ms ({jobspec / baseline:.1f}x)")


if __name__ == "__main__":
    main()
