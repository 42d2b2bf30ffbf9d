"""The interview capability's own tables: role weights, fact-finding questions, the project
deep-dive taxonomy, the skills taxonomy and questions to ask the interviewer.

They live in ``content/interview/*.toml``. TOML rather than YAML because the catalog reads every
YAML file under ``content/`` as curriculum; these are validated here, when first loaded.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from mlcoach.catalog import Question, Role, shipped_content_dir
from mlcoach.catalog.models import KeyPoint, Slug
from mlcoach.errors import ContentError

SignalKind = Literal["model", "data", "metric", "deployment", "practice"]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("model", "data", "metric", "deployment", "practice")
Phrase = Annotated[str, StringConstraints(min_length=2, max_length=80)]
T = TypeVar("T", bound=BaseModel)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- Roles --------------------------------------------------------------------------------------


class RoleProfile(_Data):
    title: str
    coding_share: float = Field(ge=0, le=0.5)
    design_share: float = Field(ge=0, le=0.5)
    weights: dict[Slug, float]


class RolePhrases(_Data):
    role: Role
    phrases: tuple[Phrase, ...] = Field(min_length=1)


class RolesTable(_Data):
    default_weight: float = Field(gt=0, le=1)
    roles: dict[Role, RoleProfile]
    role_phrases: tuple[RolePhrases, ...]
    dimensions: dict[str, tuple[Slug, ...]]

    def weight(self, role: str, topic: str) -> float:
        profile = self.roles.get(role)  # type: ignore[call-overload]
        if profile is None:
            return self.default_weight
        return float(profile.weights.get(topic, self.default_weight))

    def dimension_topics(self, name: str) -> tuple[str, ...]:
        return self.dimensions.get(name.strip().casefold(), ())


# --- Fact finding -------------------------------------------------------------------------------


class FactFindingQuestion(_Data):
    id: Slug
    roles: tuple[Role, ...] = ()
    prompt: Annotated[str, StringConstraints(min_length=15, max_length=600)]
    answer: Annotated[str, StringConstraints(min_length=80)]
    key_points: tuple[KeyPoint, ...] = Field(min_length=3, max_length=7)

    def as_question(self) -> Question:
        """As a concept question, so the grading engine scores it like any other answer."""
        return Question(
            id=self.id,
            topic="interview-skills",
            subtopic="fact-finding",
            difficulty="easy",
            roles=self.roles or ("research", "engineering", "data-science"),
            prompt=self.prompt,
            answer=self.answer,
            key_points=self.key_points,
        )


class FactFindingTable(_Data):
    questions: tuple[FactFindingQuestion, ...] = Field(min_length=2)
    your_questions: FactFindingQuestion


# --- Project deep-dive --------------------------------------------------------------------------


class Signal(_Data):
    """Something a project description can reveal: a model, a kind of data, a metric, ..."""

    id: Slug
    kind: SignalKind
    family: Slug | None = None
    label: str
    phrases: tuple[Phrase, ...] = Field(min_length=1)
    description: Annotated[str, StringConstraints(min_length=10)]


DeepDiveCategory = Literal[
    "intro",
    "why-method",
    "baseline",
    "evaluation",
    "missing-data",
    "what-went-wrong",
    "do-differently",
    "deployment",
    "tuning",
]
# The order an interviewer works through a project: the six classic questions come first.
CATEGORY_ORDER: tuple[DeepDiveCategory, ...] = (
    "intro",
    "why-method",
    "baseline",
    "evaluation",
    "missing-data",
    "what-went-wrong",
    "do-differently",
    "deployment",
    "tuning",
)


class QuestionTemplate(_Data):
    id: Slug
    category: DeepDiveCategory
    requires: tuple[Annotated[str, StringConstraints(min_length=2)], ...] = ()
    text: Annotated[str, StringConstraints(min_length=15, max_length=400)]
    plain: str | None = None
    answer: Annotated[str, StringConstraints(min_length=80)]
    key_points: tuple[KeyPoint, ...] = Field(min_length=3, max_length=7)
    topics: tuple[Slug, ...] = ()


class DeepDiveTable(_Data):
    signals: tuple[Signal, ...] = Field(min_length=1)
    templates: tuple[QuestionTemplate, ...] = Field(min_length=1)


# --- Skills -------------------------------------------------------------------------------------


class Skill(_Data):
    id: Slug
    name: str
    category: Slug
    topics: tuple[Slug, ...] = ()
    phrases: tuple[Phrase, ...] = Field(min_length=1)
    description: Annotated[str, StringConstraints(min_length=10)]


class SkillsTable(_Data):
    skills: tuple[Skill, ...] = Field(min_length=1)

    def by_id(self) -> dict[str, Skill]:
        return {s.id: s for s in self.skills}


# --- Questions to ask the interviewer -------------------------------------------------------------


class QuestionToAsk(_Data):
    role: Literal["general", "research", "engineering", "data-science"]
    text: Annotated[str, StringConstraints(min_length=10, max_length=300)]
    why: str = ""
    always: bool = False


class QuestionsToAskTable(_Data):
    questions: tuple[QuestionToAsk, ...] = Field(min_length=1)

    def for_role(self, role: str | None) -> list[QuestionToAsk]:
        """General questions first (the ones always to ask at the top), then the role's own."""
        general = sorted(
            (q for q in self.questions if q.role == "general"), key=lambda q: not q.always
        )
        own = [q for q in self.questions if role is not None and q.role == role]
        return [*general, *own]


# --- Loading ------------------------------------------------------------------------------------


def data_dir() -> Path:
    return shipped_content_dir() / "interview"


def _load(name: str, model: type[T], folder: Path | None = None) -> T:
    path = (folder or data_dir()) / name
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ContentError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: invalid TOML: {exc}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ContentError(f"{path}: {where}: {first['msg']}") from None


@cache
def roles_table() -> RolesTable:
    table = _load("roles.toml", RolesTable)
    # Dimension names are matched without regard to case.
    return table.model_copy(
        update={"dimensions": {k.casefold(): v for k, v in table.dimensions.items()}}
    )


@cache
def fact_finding_table() -> FactFindingTable:
    return _load("fact-finding.toml", FactFindingTable)


@cache
def deep_dive_table() -> DeepDiveTable:
    table = _load("deep-dive.toml", DeepDiveTable)
    _check_deep_dive(table)
    return table


@cache
def skills_table() -> SkillsTable:
    table = _load("skills.toml", SkillsTable)
    ids = [s.id for s in table.skills]
    if len(set(ids)) != len(ids):
        raise ContentError(f"{data_dir() / 'skills.toml'}: a skill id is listed twice")
    return table


@cache
def questions_to_ask_table() -> QuestionsToAskTable:
    table = _load("questions-to-ask.toml", QuestionsToAskTable)
    if not any(q.always for q in table.questions):
        raise ContentError("questions-to-ask.toml: no question is marked `always` (the next steps)")
    return table


def _check_deep_dive(table: DeepDiveTable) -> None:
    path = data_dir() / "deep-dive.toml"
    ids = [s.id for s in table.signals]
    if len(set(ids)) != len(ids):
        raise ContentError(f"{path}: a signal id is listed twice")
    known = set(ids) | {s.family for s in table.signals if s.family} | set(SIGNAL_KINDS)
    for template in table.templates:
        for condition in template.requires:
            for option in condition.split("|"):
                if option not in known:
                    raise ContentError(
                        f"{path}: template {template.id!r} requires unknown signal {option!r}"
                    )
    if not any(t.category == "intro" for t in table.templates):
        raise ContentError(f"{path}: no template with category 'intro'")
