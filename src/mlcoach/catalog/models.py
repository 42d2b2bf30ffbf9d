"""The curriculum's shapes. Content files are validated against these when they are loaded."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Difficulty = Literal["easy", "medium", "hard"]
Role = Literal["research", "engineering", "data-science"]

DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
ROLES: tuple[Role, ...] = ("research", "engineering", "data-science")
ProblemKind = Literal["algorithm", "ml-from-scratch", "data", "output"]
PROBLEM_KINDS: tuple[ProblemKind, ...] = ("algorithm", "ml-from-scratch", "data", "output")


class _Content(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


TopicKind = Literal["technical", "behavioural"]


class Topic(_Content):
    slug: Slug
    title: Annotated[str, StringConstraints(min_length=3, max_length=80)]
    summary: str = ""
    # Behavioural topics (stories told in STAR form) are practised like any other, but a mock
    # interview's concepts round asks technical questions only.
    kind: TopicKind = "technical"


class KeyPoint(_Content):
    """One claim a good answer must make, checkable against a single sentence of an answer."""

    text: Annotated[str, StringConstraints(min_length=10, max_length=200)]

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class Question(_Content):
    """A concept question with its model answer and the key points a grader looks for."""

    id: Slug
    topic: Slug
    subtopic: Slug
    difficulty: Difficulty
    roles: tuple[Role, ...] = Field(min_length=1)
    prompt: Annotated[str, StringConstraints(min_length=15, max_length=600)]
    # A one-line model answer is enough: decks and imported questions are often that terse.
    answer: Annotated[str, StringConstraints(min_length=10)]
    # One to seven: a definition has one point, a STAR behavioural answer four.
    key_points: tuple[KeyPoint, ...] = Field(min_length=1, max_length=7)
    misconceptions: tuple[Annotated[str, StringConstraints(min_length=10, max_length=300)], ...] = (
        Field(default=(), max_length=8)
    )
    follow_ups: tuple[Slug, ...] = ()

    @field_validator("roles")
    @classmethod
    def _distinct_roles(cls, roles: tuple[Role, ...]) -> tuple[Role, ...]:
        if len(set(roles)) != len(roles):
            raise ValueError("a role is listed twice")
        return roles

    @field_validator("key_points")
    @classmethod
    def _distinct_points(cls, points: tuple[KeyPoint, ...]) -> tuple[KeyPoint, ...]:
        seen: set[str] = set()
        for point in points:
            norm = point.text.casefold()
            if norm in seen:
                raise ValueError(f"key point repeated: {point.text!r}")
            seen.add(norm)
        return points

    @field_validator("follow_ups")
    @classmethod
    def _distinct_follow_ups(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(ids)) != len(ids):
            raise ValueError("a follow-up is listed twice")
        return ids


# --- Coding problems (filled by the code judge) -------------------------------------------------


class Limits(_Content):
    time_ms: int = Field(default=2000, ge=50, le=30_000)
    memory_mb: int = Field(default=256, ge=16, le=4096)
    output_kb: int = Field(default=64, ge=1, le=10_240)


class Checker(_Content):
    """How a test's actual value is compared with the expected one."""

    kind: Literal["exact", "numeric", "unordered", "custom"] = "exact"
    rtol: float = Field(default=1e-6, ge=0)
    atol: float = Field(default=1e-9, ge=0)
    code: str | None = None  # for kind=custom: defines check(expected, actual) -> bool

    @model_validator(mode="after")
    def _custom_has_code(self) -> Checker:
        if self.kind == "custom" and not self.code:
            raise ValueError("a custom checker needs `code` defining check(expected, actual)")
        return self


class ProblemTest(_Content):
    name: str = ""
    kind: Literal["call", "script"] = "call"
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = Field(default_factory=dict)
    code: str | None = None  # for kind=script: run after the submission; its output is compared
    expected: Any = None
    hidden: bool = False

    @model_validator(mode="after")
    def _script_has_code(self) -> ProblemTest:
        if self.kind == "script" and not self.code:
            raise ValueError("a script test needs `code`")
        return self


class Problem(_Content):
    """A judged coding problem."""

    id: Slug
    title: Annotated[str, StringConstraints(min_length=3, max_length=120)]
    kind: ProblemKind
    topic: Slug
    difficulty: Difficulty
    roles: tuple[Role, ...] = Field(min_length=1)
    statement: Annotated[str, StringConstraints(min_length=20)]
    function: str | None = None
    starter_code: str = ""
    reference_solution: Annotated[str, StringConstraints(min_length=1)]
    wrong_solutions: tuple[str, ...] = ()
    limits: Limits = Field(default_factory=Limits)
    checker: Checker = Field(default_factory=Checker)
    # With numpy_inputs, every list argument of a call test reaches the function as np.asarray(arg).
    numpy_inputs: bool = False
    tests: tuple[ProblemTest, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _call_tests_need_function(self) -> Problem:
        if any(t.kind == "call" for t in self.tests) and not self.function:
            raise ValueError("call tests need the problem's `function` name")
        return self


# --- Design scenarios and checklists (filled by mock interviews) --------------------------------


class RubricDimension(_Content):
    name: Annotated[str, StringConstraints(min_length=3, max_length=80)]
    key_points: tuple[KeyPoint, ...] = Field(min_length=2, max_length=8)
    weight: float = Field(default=1.0, gt=0)


class Scenario(_Content):
    """An ML system-design or problem-solving prompt with a rubric."""

    id: Slug
    title: Annotated[str, StringConstraints(min_length=3, max_length=120)]
    difficulty: Difficulty
    roles: tuple[Role, ...] = Field(min_length=1)
    prompt: Annotated[str, StringConstraints(min_length=20)]
    context: str = ""
    # Curriculum topics the scenario exercises: gap analysis and study plans pick scenarios by them.
    topics: tuple[Slug, ...] = ()
    rubric: tuple[RubricDimension, ...] = Field(min_length=3)

    @field_validator("rubric")
    @classmethod
    def _distinct_dimensions(
        cls, rubric: tuple[RubricDimension, ...]
    ) -> tuple[RubricDimension, ...]:
        names = [d.name.casefold() for d in rubric]
        if len(set(names)) != len(names):
            raise ValueError("a rubric dimension is listed twice")
        return rubric


class ChecklistItem(_Content):
    # A stable key for the item, so that a user's ticks survive rewording of its text.
    id: Slug | None = None
    text: Annotated[str, StringConstraints(min_length=5, max_length=200)]
    detail: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class Checklist(_Content):
    id: Slug
    title: Annotated[str, StringConstraints(min_length=3, max_length=120)]
    stage: Literal["research", "preparation", "interview-day", "after"]
    items: tuple[ChecklistItem, ...] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _distinct_item_ids(cls, items: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
        ids = [i.id for i in items if i.id is not None]
        if len(set(ids)) != len(ids):
            raise ValueError("an item id is listed twice")
        return items


CONTENT_KINDS: dict[str, type[_Content]] = {
    "topics": Topic,
    "questions": Question,
    "problems": Problem,
    "scenarios": Scenario,
    "checklists": Checklist,
}
