"""The shipped interview content: scenarios, checklists and the interview tables."""

from __future__ import annotations

import tomllib

import pytest

from mlcoach.catalog import Catalog, build_catalog, shipped_content_dir
from mlcoach.interview.data import (
    CATEGORY_ORDER,
    data_dir,
    deep_dive_table,
    fact_finding_table,
    questions_to_ask_table,
    roles_table,
    skills_table,
)
from mlcoach.interview.tracker import checklist_entries

STANDARD_DIMENSIONS = [
    "Framing and objective",
    "Data and labels",
    "Features",
    "Baseline and model choice",
    "Offline and online metrics",
    "Serving and scale",
    "Monitoring and feedback loops",
    "Risks",
]


def test_the_shipped_curriculum_with_scenarios_and_checklists_is_valid() -> None:
    report = build_catalog([shipped_content_dir()])
    assert report.ok, [str(i) for i in report.issues[:5]]


def test_at_least_twelve_scenarios_cover_the_required_problems(catalog: Catalog) -> None:
    assert len(catalog.scenarios) >= 12
    titles = " ".join(s.title.lower() for s in catalog.scenarios.values())
    for needle in (
        "fraud",
        "recommendation",
        "search ranking",
        "click",
        "moderation",
        "delivery time",
        "demand forecasting",
        "churn",
        "telemetry",
        "invoices",
        "latency",
    ):
        assert needle in titles, needle


@pytest.mark.parametrize(
    "scenario_id", sorted(build_catalog([shipped_content_dir()]).catalog.scenarios)
)
def test_every_scenario_has_the_eight_rubric_dimensions(catalog: Catalog, scenario_id: str) -> None:
    scenario = catalog.scenario(scenario_id)
    assert [d.name for d in scenario.rubric] == STANDARD_DIMENSIONS
    for dimension in scenario.rubric:
        assert 2 <= len(dimension.key_points) <= 6, dimension.name
        # Every dimension points at curriculum topics, so a weak one leads to drills.
        assert roles_table().dimension_topics(dimension.name)
    points = [p.text.casefold() for d in scenario.rubric for p in d.key_points]
    assert len(points) == len(set(points)), "a key point is repeated within the scenario"
    assert set(scenario.topics) <= set(catalog.topics)


def test_checklists_cover_what_a_prepared_candidate_does(catalog: Catalog) -> None:
    texts = " | ".join(e.item.text.lower() for e in checklist_entries(catalog))
    for needle in (
        "research the company",
        "products",
        "requirement of the posting",
        "strengths",
        "area you are improving",
        "mock interview",
        "plan the route",
        "arrive",
        "copies",
        "questions for the interviewers",
        "next steps",
        "references",
        "thank-you note",
    ):
        assert needle in texts, needle
    stages = {c.stage for c in catalog.checklists.values()}
    assert stages == {"research", "preparation", "interview-day", "after"}
    # Every shipped item has a stable id, so ticks survive rewording.
    assert all(e.item.id for e in checklist_entries(catalog))


def test_interview_tables_load_and_point_at_real_topics(catalog: Catalog) -> None:
    topics = set(catalog.topics)
    for skill in skills_table().skills:
        assert set(skill.topics) <= topics, skill.id
    for template in deep_dive_table().templates:
        assert set(template.topics) <= topics, template.id
    for role, profile in roles_table().roles.items():
        assert set(profile.weights) <= topics, role
    for dimension_topics in roles_table().dimensions.values():
        assert set(dimension_topics) <= topics


def test_deep_dive_has_a_classic_question_for_each_category_an_interviewer_asks() -> None:
    unconditional = {t.category for t in deep_dive_table().templates if not t.requires}
    for category in (
        "why-method",
        "baseline",
        "evaluation",
        "missing-data",
        "what-went-wrong",
        "do-differently",
    ):
        assert category in unconditional
    assert set(CATEGORY_ORDER) >= {t.category for t in deep_dive_table().templates}


def test_fact_finding_questions_grade_like_concept_questions() -> None:
    table = fact_finding_table()
    for q in (*table.questions, table.your_questions):
        question = q.as_question()
        assert 3 <= len(question.key_points) <= 7
    assert any("next steps" in k.text for k in table.your_questions.key_points)


def test_questions_to_ask_put_the_next_steps_first_for_every_role() -> None:
    table = questions_to_ask_table()
    for role in ("research", "engineering", "data-science"):
        questions = table.for_role(role)
        assert "next steps" in questions[0].text
        assert any(q.role == role for q in questions)


def test_interview_tables_are_valid_toml() -> None:
    for path in sorted(data_dir().glob("*.toml")):
        with path.open("rb") as fh:
            assert tomllib.load(fh), path.name
