"""Job postings read into skills, compared with a résumé or self-ratings, on five real-looking
postings for different roles (tests/interview/postings, written for these tests)."""

from __future__ import annotations

import json

import pytest
import yaml

from mlcoach.catalog import Catalog
from mlcoach.errors import MlcoachError
from mlcoach.interview import compare, read_posting, skills_from_ratings, skills_from_resume
from mlcoach.interview.jobspec import posting_lines, skills_from_mastery
from mlcoach.interview.matching import GradingEmbedder
from mlcoach.practice.mastery import TopicMastery

from ..conftest import CliRunner
from .conftest import HERE, POSTINGS

RESUME = (HERE / "resume-backend-engineer.md").read_text(encoding="utf-8")


def posting(name: str) -> str:
    return (POSTINGS / f"{name}.md").read_text(encoding="utf-8")


def levels(name: str) -> dict[str, str]:
    return {a.skill.id: a.level for a in read_posting(posting(name)).asks}


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("research-scientist", "research"),
        ("ml-engineer", "engineering"),
        ("data-scientist", "data-science"),
        ("mlops-engineer", "engineering"),
        ("computer-vision-engineer", "engineering"),
    ],
)
def test_the_role_is_read_from_the_posting(name: str, role: str) -> None:
    assert read_posting(posting(name)).role == role


def test_research_scientist_posting() -> None:
    found = levels("research-scientist")
    assert found["publications"] == "required"
    assert found["transformers-llms"] == "required"
    assert found["pytorch"] == "required"
    assert found["linear-algebra-calculus"] == "required"
    assert found["research-method"] == "responsibility"
    assert found["reinforcement-learning"] == "preferred"
    # Named as a nice-to-have, but the duties mention the GPU cluster: the stronger ask wins.
    assert found["distributed-training"] == "responsibility"


def test_ml_engineer_posting() -> None:
    found = levels("ml-engineer")
    assert found["gradient-boosting"] == "required"
    assert found["imbalanced-data"] == "required"
    assert found["model-evaluation"] == "required"
    assert found["model-serving"] == "responsibility"
    assert found["monitoring"] == "responsibility"
    # "(AWS preferred)" prefers one cloud; it does not make cloud skills optional.
    assert found["cloud"] == "required"
    assert found["feature-store"] == "preferred"
    assert found["big-data"] in ("responsibility", "preferred")


def test_data_scientist_posting() -> None:
    found = levels("data-scientist")
    assert found["causal-inference"] == "required"
    assert found["statistics"] == "required"
    assert found["sql"] == "required"
    assert found["experimentation"] == "responsibility"
    assert found["time-series"] == "preferred"


def test_mlops_posting_splits_a_line_into_what_is_asked_and_what_is_welcome() -> None:
    found = levels("mlops-engineer")
    # "Strong Python; Go or Rust is a plus."
    assert found["python"] == "required"
    assert found["systems-languages"] == "preferred"
    assert found["pipelines"] == "responsibility"
    assert found["experiment-tracking"] == "responsibility"
    assert found["containers"] == "required"
    assert found["feature-store"] == "preferred"


def test_computer_vision_posting() -> None:
    found = levels("computer-vision-engineer")
    assert found["object-detection"] == "required"
    assert found["computer-vision"] == "required"
    assert found["model-compression"] == "responsibility"
    assert found["data-labelling"] == "responsibility"
    assert found["video-3d"] == "preferred"


def test_a_backend_resume_covers_the_platform_skills_and_shows_the_ml_gaps(
    catalog: Catalog,
) -> None:
    mine = skills_from_resume(RESUME)
    report = compare(read_posting(posting("mlops-engineer")), mine, catalog)
    status = {c.ask.skill.id: c.status for c in report.comparisons}
    for covered in ("containers", "ci-cd", "monitoring", "cloud", "python"):
        assert status[covered] == "strong", covered
    assert status["experiment-tracking"] == "gap"
    assert status["validation-leakage"] == "gap"
    # Gaps come first, the most important first.
    assert report.comparisons[0].status == "gap"
    assert report.comparisons[0].ask.importance == max(
        c.ask.importance for c in report.comparisons if c.status == "gap"
    )
    # The questions to expect are on the gap topics, for the posting's role.
    assert report.questions
    assert "data-splits" in report.focus
    for qid in report.questions:
        q = catalog.questions[qid]
        assert q.topic in report.focus and "engineering" in q.roles


def test_self_ratings_by_skill_name_id_phrase_or_topic(catalog: Catalog) -> None:
    ratings = yaml.safe_load((HERE / "ratings-research.yaml").read_text(encoding="utf-8"))
    mine = skills_from_ratings(ratings)
    assert mine.level("pytorch") == pytest.approx(0.8)
    assert mine.level("transformers-llms") == pytest.approx(0.6)  # by its name
    assert mine.level("linear-algebra-calculus") == pytest.approx(0.8)  # by a phrase
    assert mine.level("model-serving") == pytest.approx(0.4)  # from the ml-engineering topic
    assert mine.level("distributed-training") == pytest.approx(0.2)  # rated itself, not by topic
    report = compare(read_posting(posting("research-scientist")), mine, catalog)
    status = {c.ask.skill.id: c.status for c in report.comparisons}
    assert status["pytorch"] == "strong"
    assert status["transformers-llms"] == "partial"
    assert status["publications"] == "gap"
    assert status["distributed-training"] == "gap"


def test_bad_ratings_get_a_helpful_error() -> None:
    with pytest.raises(MlcoachError, match="did you mean 'pytorch'"):
        skills_from_ratings({"pytorhc": 3})
    with pytest.raises(MlcoachError, match="from 1 to 5"):
        skills_from_ratings({"pytorch": 9})
    with pytest.raises(MlcoachError, match="must be a number"):
        skills_from_ratings({"pytorch": "good"})


def test_without_a_resume_practice_mastery_stands_in(catalog: Catalog) -> None:
    standings = {
        "metrics": TopicMastery("metrics", "Metrics", 20, 18, 0, 18, 0.9, None, 4.5),
        "ensembles": TopicMastery("ensembles", "Ensembles", 15, 2, 0, 2, 0.1, None, 0.75),
    }
    mine = skills_from_mastery(standings)
    report = compare(read_posting(posting("ml-engineer")), mine, catalog)
    status = {c.ask.skill.id: c.status for c in report.comparisons}
    assert status["model-evaluation"] == "strong"
    assert status["gradient-boosting"] == "gap"


def test_section_headings_and_inline_words_set_how_strongly_a_skill_is_asked() -> None:
    lines = posting_lines("Requirements:\n- SQL\n- Spark is a plus\n\nNice to have:\n- Rust\n")
    assert [(line.text, line.level) for line in lines] == [
        ("Requirements:", "required"),
        ("SQL", "required"),
        ("Spark is a plus", "preferred"),
        ("Nice to have:", "preferred"),
        ("Rust", "preferred"),
    ]


def test_a_posting_with_no_ml_skills_is_refused() -> None:
    with pytest.raises(MlcoachError, match="no machine-learning skills"):
        read_posting("Head chef wanted for a busy restaurant. Knife skills essential.")


def test_meaning_finds_a_skill_no_phrase_names() -> None:
    from mlcoach.grading.grader import semantic_backend
    from mlcoach.grading.minilm import ModelUnavailable

    try:
        embedder = GradingEmbedder(semantic_backend())
    except ModelUnavailable as exc:  # pragma: no cover - the model ships with mlcoach
        pytest.skip(str(exc))
    text = (
        "Senior engineer, ML platform\n"
        "Requirements:\n"
        "- Python\n"
        "- Tracking experiments and keeping versions of datasets and models.\n"
    )
    assert "experiment-tracking" not in levels_of(text, None)
    found = read_posting(text, embedder=embedder)
    ask = found.ask("experiment-tracking")
    assert ask is not None and ask.via == "meaning" and ask.level == "required"


def levels_of(text: str, embedder: GradingEmbedder | None) -> dict[str, str]:
    return {a.skill.id: a.level for a in read_posting(text, embedder=embedder).asks}


def test_jobspec_command(run_cli: CliRunner) -> None:
    result = run_cli(
        "jobspec", str(POSTINGS / "ml-engineer.md"),
        "--resume", str(HERE / "resume-backend-engineer.md"), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["posting"]["role"] == "engineering"
    assert "imbalanced-data" in data["gaps"]
    assert "containers" not in data["gaps"]
    assert data["questions"]
    assert data["plan"]["minutes_by_topic"]["metrics"] > 0

    text = run_cli(
        "jobspec", str(POSTINGS / "data-scientist.md"), "--ratings",
        str(HERE / "ratings-research.yaml"), "--save-plan",
    )  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "Questions to expect" in text.stdout and "Saved as your study plan" in text.stdout

    missing = run_cli("jobspec", str(POSTINGS / "nope.md"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_posting_for_llms_and_rag_points_at_the_llm_topic(catalog: Catalog) -> None:
    text = (
        "Applied AI engineer, assistant platform\n"
        "Requirements:\n"
        "- Shipped LLM applications that use retrieval-augmented generation (RAG) over a vector"
        " database.\n"
        "- Fine-tuning open models with LoRA.\n"
        "Responsibilities:\n"
        "- Serve models with vLLM and keep latency and cost per token down.\n"
        "- Build evals that catch hallucinations before release.\n"
    )
    found = read_posting(text)
    asked = {a.skill.id for a in found.asks}
    assert {"rag-llm-applications", "llm-fine-tuning", "llm-serving", "llm-evaluation"} <= asked
    assert found.role == "engineering"
    report = compare(found, skills_from_ratings({"python": 5}), catalog)
    # Every LLM skill is a gap, so the llms topic gets the most extra study time ...
    assert max(report.focus, key=lambda t: report.focus[t]) == "llms"
    # ... and the questions to expect start with LLM questions for an engineer.
    first = catalog.questions[report.questions[0]]
    assert first.topic == "llms" and "engineering" in first.roles
    # Within the topic, the questions on what the posting asks for (RAG, LoRA) come before the
    # rest of the LLM curriculum (tokenisers, decoding...).
    llm_questions = [q for q in report.questions if catalog.questions[q].topic == "llms"]
    assert any("rag" in q.split("-") for q in llm_questions[:4]), llm_questions
    fine_tuning = {"llm-lora", "llm-qlora", "llm-peft-methods", "llm-adaptation-choice"}
    assert fine_tuning & set(llm_questions), llm_questions


def test_sql_pandas_and_forecasting_postings_point_at_the_data_topics(catalog: Catalog) -> None:
    text = (
        "Data scientist, marketplace\n"
        "Requirements:\n"
        "- Strong SQL, including window functions, and pandas.\n"
        "- Sales forecasting with seasonality.\n"
        "- Design and read A/B tests.\n"
    )
    report = compare(read_posting(text), skills_from_ratings({"python": 5}), catalog)
    for topic in ("data-manipulation", "time-series", "experimentation"):
        assert topic in report.focus, topic
    assert {catalog.questions[q].topic for q in report.questions} >= {"data-manipulation"}
