"""A job description read into the skills it asks for, compared with the candidate's own.

    posting = read_posting(text)                       # skills, how strongly asked, the role
    mine = skills_from_resume(cv_text)                 # or skills_from_ratings / skills_from_mastery
    report = compare(posting, mine, catalog)           # gaps, questions to expect, plan focus

Skills are found by phrase (the taxonomy in ``content/interview/skills.toml``) and, when an
embedder is given, by meaning for skills no phrase named. How strongly a skill is asked for comes
from where it appears: under "Requirements" it is required, under "Nice to have" preferred, and
inline words ("is a plus", "must") override the section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rapidfuzz import process

from mlcoach.catalog import ROLES, Catalog, Role
from mlcoach.errors import MlcoachError
from mlcoach.interview.data import Skill, SkillsTable, roles_table, skills_table
from mlcoach.interview.matching import Embedder, find_phrases, normalise, sentences
from mlcoach.practice.mastery import TopicMastery

Level = Literal["required", "responsibility", "mentioned", "preferred"]
IMPORTANCE: dict[str, float] = {
    "required": 1.0,
    "responsibility": 0.85,
    "mentioned": 0.7,
    "preferred": 0.45,
}
STRONG_AT = 0.7  # a candidate level at or above this covers the skill
PARTIAL_AT = 0.45  # ... at or above this covers it in part; below, it is a gap
RESUME_ONCE, RESUME_TWICE = 0.65, 0.85
MEANING_THRESHOLD = 0.6
QUESTIONS_PER_TOPIC = 2
MAX_QUESTIONS = 12

_PREFERRED = (
    "nice to have",
    "nice-to-have",
    "bonus",
    "preferred",
    "a plus",
    "desirable",
    "good to have",
    "ideally",
    "not required",
    "would be great",
    "is an advantage",
    "extra credit",
)
_REQUIRED = (
    "requirement",
    "required",
    "must have",
    "must-have",
    "qualifications",
    "what you need",
    "what we are looking for",
    "what we're looking for",
    "you have",
    "you bring",
    "about you",
    "who you are",
    "essential",
    "minimum",
)
_RESPONSIBILITY = (
    "responsibilit",
    "what you will do",
    "what you'll do",
    "the role",
    "your day",
    "in this role",
    "you will",
    "what you'll work on",
    "the job",
)
_INLINE_REQUIRED = ("must", "required", "strong ", "expert", "proficien", "solid ", "deep ")
# Inline, a bare "preferred" usually qualifies a choice ("AWS preferred"), not the whole skill.
_INLINE_PREFERRED = (
    "nice to have",
    "nice-to-have",
    "bonus",
    "a plus",
    "is preferred",
    "preferably",
    "ideally",
    "would be great",
    "is an advantage",
    "desirable",
    "good to have",
    "not required",
)
_CLAUSE_BREAK = re.compile(r";\s+|(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class SkillAsk:
    skill: Skill
    level: Level
    importance: float
    mentions: int
    evidence: str
    via: Literal["phrase", "meaning"] = "phrase"

    def as_dict(self) -> dict[str, Any]:
        return {
            "skill": self.skill.id,
            "name": self.skill.name,
            "topics": list(self.skill.topics),
            "level": self.level,
            "importance": round(self.importance, 2),
            "mentions": self.mentions,
            "evidence": self.evidence,
            "via": self.via,
        }


@dataclass(frozen=True)
class PostingProfile:
    title: str
    role: Role
    role_scores: dict[str, float]
    asks: tuple[SkillAsk, ...]

    def ask(self, skill_id: str) -> SkillAsk | None:
        return next((a for a in self.asks if a.skill.id == skill_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "role": self.role,
            "role_scores": self.role_scores,
            "skills": [a.as_dict() for a in self.asks],
        }


@dataclass(frozen=True)
class CandidateSkills:
    """The candidate's level (0-1) per skill id, and where it came from."""

    source: Literal["resume", "ratings", "mastery"]
    levels: dict[str, float]
    evidence: dict[str, str] = field(default_factory=dict)

    def level(self, skill_id: str) -> float:
        return self.levels.get(skill_id, 0.0)


@dataclass(frozen=True)
class SkillComparison:
    ask: SkillAsk
    have: float
    status: Literal["strong", "partial", "gap"]
    evidence: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.ask.as_dict(),
            "have": round(self.have, 2),
            "status": self.status,
            "your_evidence": self.evidence,
        }


@dataclass(frozen=True)
class JobspecReport:
    posting: PostingProfile
    source: str
    comparisons: tuple[SkillComparison, ...]
    focus: dict[str, float]  # extra plan weight per topic
    questions: tuple[str, ...]  # catalog question ids on the gap topics
    scenarios: tuple[str, ...]

    @property
    def gaps(self) -> list[SkillComparison]:
        return [c for c in self.comparisons if c.status != "strong"]

    @property
    def covered(self) -> list[SkillComparison]:
        return [c for c in self.comparisons if c.status == "strong"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "posting": self.posting.as_dict(),
            "compared_with": self.source,
            "skills": [c.as_dict() for c in self.comparisons],
            "gaps": [c.ask.skill.id for c in self.gaps],
            "focus": {k: round(v, 3) for k, v in self.focus.items()},
            "questions": list(self.questions),
            "scenarios": list(self.scenarios),
        }


# --- Reading text into skills --------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    level: Level


_BULLET = re.compile(r"^(?:[-*•·+]|\d+[.)])\s")


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("#"):
        return True
    if _BULLET.match(stripped):
        return False
    words = stripped.rstrip(":").split()
    return 0 < len(words) <= 8 and (stripped.endswith(":") or stripped.isupper())


def _heading_level(line: str) -> Level | None:
    low = line.casefold()
    if any(k in low for k in _PREFERRED):
        return "preferred"
    if any(k in low for k in _RESPONSIBILITY):
        return "responsibility"
    if any(k in low for k in _REQUIRED):
        return "required"
    return None


def posting_lines(text: str) -> list[_Line]:
    """Each non-empty line with how strongly its section (or the line itself) asks for things."""
    section: Level = "mentioned"
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _is_heading(line):
            section = _heading_level(line) or "mentioned"
            out.append(_Line(line, section))
            continue
        # "Strong Python; Go or Rust is a plus." asks for Python and merely welcomes Go or Rust.
        for clause in _CLAUSE_BREAK.split(line):
            low = clause.casefold()
            level: Level = section
            if any(k in low for k in _INLINE_PREFERRED):
                level = "preferred"
            elif section != "preferred" and any(k in low for k in _INLINE_REQUIRED):
                level = "required"
            out.append(_Line(clause.strip().lstrip("-*•·").strip(), level))
    return out


def _owners(table: SkillsTable) -> dict[str, list[Skill]]:
    owners: dict[str, list[Skill]] = {}
    for skill in table.skills:
        for phrase in skill.phrases:
            owners.setdefault(phrase, []).append(skill)
    return owners


@dataclass
class _Found:
    count: int = 0
    evidence: str = ""
    best: float = 0.0
    level: Level = "mentioned"
    via: Literal["phrase", "meaning"] = "phrase"


def _find_skills(
    lines: Sequence[_Line], table: SkillsTable, embedder: Embedder | None
) -> dict[str, _Found]:
    owners = _owners(table)
    found: dict[str, _Found] = {}
    for line in lines:
        for hit in find_phrases(line.text, owners, normalised=normalise(line.text)):
            for skill in owners[hit.phrase]:
                entry = found.setdefault(skill.id, _Found())
                entry.count += 1
                weight = IMPORTANCE[line.level]
                if weight > entry.best:
                    entry.best, entry.level, entry.evidence = weight, line.level, line.text
    if embedder is not None:
        missing = [s for s in table.skills if s.id not in found]
        pieces = [(piece, line.level) for line in lines for piece in sentences(line.text)]
        if missing and pieces:
            sims = embedder.similarities(
                [s.description for s in missing], [p for p, _ in pieces[:300]]
            )
            for i, skill in enumerate(missing):
                j = int(sims[i].argmax())
                if float(sims[i, j]) >= MEANING_THRESHOLD:
                    piece, level = pieces[j]
                    found[skill.id] = _Found(1, piece, IMPORTANCE[level], level, "meaning")
    return found


def detect_role(text: str, title: str) -> tuple[Role, dict[str, float]]:
    scores: dict[str, float] = dict.fromkeys(ROLES, 0.0)
    for entry in roles_table().role_phrases:
        scores[entry.role] += len(find_phrases(text, entry.phrases))
        scores[entry.role] += 3 * len(find_phrases(title, entry.phrases))
    best = max(ROLES, key=lambda r: (scores[r], r == "engineering"))
    return best, scores


def read_posting(
    text: str, *, embedder: Embedder | None = None, table: SkillsTable | None = None
) -> PostingProfile:
    table = table or skills_table()
    if not text.strip():
        raise MlcoachError("the job posting is empty")
    lines = posting_lines(text)
    title = lines[0].text.lstrip("#").strip() if lines else ""
    found = _find_skills(lines, table, embedder)
    if not found:
        raise MlcoachError(
            "no machine-learning skills found in this posting; is it the right file?"
        )
    role, role_scores = detect_role(text, title)
    order = {s.id: i for i, s in enumerate(table.skills)}
    by_id = table.by_id()
    asks = [
        SkillAsk(
            skill=by_id[sid],
            level=f.level,
            importance=min(1.0, f.best + 0.05 * (f.count - 1)),
            mentions=f.count,
            evidence=f.evidence,
            via=f.via,
        )
        for sid, f in found.items()
    ]
    asks.sort(key=lambda a: (-a.importance, order[a.skill.id]))
    return PostingProfile(title=title, role=role, role_scores=role_scores, asks=tuple(asks))


# --- The candidate's side -------------------------------------------------------------------------


def skills_from_resume(
    text: str, *, embedder: Embedder | None = None, table: SkillsTable | None = None
) -> CandidateSkills:
    """Skills a résumé shows: named once counts as some experience, more often as solid."""
    table = table or skills_table()
    if not text.strip():
        raise MlcoachError("the résumé is empty")
    lines = [_Line(line.strip(), "mentioned") for line in text.splitlines() if line.strip()]
    found = _find_skills(lines, table, embedder)
    levels = {sid: RESUME_TWICE if f.count >= 2 else RESUME_ONCE for sid, f in found.items()}
    return CandidateSkills("resume", levels, {sid: f.evidence for sid, f in found.items()})


def skills_from_ratings(
    ratings: Mapping[str, Any], *, table: SkillsTable | None = None
) -> CandidateSkills:
    """Self-ratings from 1 (never used it) to 5 (could teach it), keyed by skill id, skill name,
    one of a skill's phrases, or a curriculum topic (applies to its skills not rated directly)."""
    table = table or skills_table()
    if not isinstance(ratings, Mapping) or not ratings:
        raise MlcoachError(
            "the ratings file must be a mapping of skill (or topic) to a rating from 1 to 5"
        )
    names: dict[str, Skill] = {}
    for skill in table.skills:
        names[skill.id] = skill
        names[skill.name.casefold()] = skill
        for phrase in skill.phrases:
            names.setdefault(normalise(phrase), skill)
    topics = {t for s in table.skills for t in s.topics}
    direct: dict[str, float] = {}
    by_topic: dict[str, float] = {}
    for key, value in ratings.items():
        label = str(key).strip()
        rating = _rating(label, value)
        named = names.get(label) or names.get(label.casefold()) or names.get(normalise(label))
        if named is not None:
            direct[named.id] = rating / 5.0
        elif label in topics:
            by_topic[label] = rating / 5.0
        else:
            choices = [s.id for s in table.skills] + sorted(topics)
            close = process.extractOne(label, choices)
            hint = f"; did you mean {close[0]!r}?" if close and close[1] >= 60 else ""
            raise MlcoachError(f"unknown skill or topic {label!r} in the ratings{hint}")
    levels = dict(direct)
    for skill in table.skills:
        if skill.id not in levels:
            rated = [by_topic[t] for t in skill.topics if t in by_topic]
            if rated:
                levels[skill.id] = sum(rated) / len(rated)
    return CandidateSkills("ratings", levels, {sid: "self-rating" for sid in levels})


def _rating(label: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MlcoachError(f"the rating of {label!r} must be a number from 1 to 5, not {value!r}")
    if not 1 <= value <= 5:
        raise MlcoachError(f"the rating of {label!r} must be from 1 to 5, not {value}")
    return float(value)


def skills_from_mastery(
    standings: Mapping[str, TopicMastery], *, table: SkillsTable | None = None
) -> CandidateSkills:
    """Without a résumé or ratings: a skill's level is the mean mastery of its topics."""
    table = table or skills_table()
    levels = {}
    for skill in table.skills:
        known = [standings[t].mastery for t in skill.topics if t in standings]
        if known:
            levels[skill.id] = sum(known) / len(known)
    return CandidateSkills("mastery", levels, {sid: "your practice so far" for sid in levels})


# --- Comparing ------------------------------------------------------------------------------------


def status_of(level: float) -> Literal["strong", "partial", "gap"]:
    if level >= STRONG_AT:
        return "strong"
    if level >= PARTIAL_AT:
        return "partial"
    return "gap"


def compare(
    posting: PostingProfile,
    candidate: CandidateSkills,
    catalog: Catalog,
    *,
    history: Mapping[str, float] | None = None,
) -> JobspecReport:
    history = history or {}
    comparisons = []
    for ask in posting.asks:
        have = candidate.level(ask.skill.id)
        comparisons.append(
            SkillComparison(ask, have, status_of(have), candidate.evidence.get(ask.skill.id))
        )
    # Gaps first (most important first), then partial, then what is covered.
    rank = {"gap": 0, "partial": 1, "strong": 2}
    comparisons.sort(key=lambda c: (rank[c.status], -c.ask.importance, c.ask.skill.id))

    focus: dict[str, float] = {}
    for c in comparisons:
        if c.status == "strong":
            continue
        for topic in c.ask.skill.topics:
            if topic in catalog.topics:
                focus[topic] = min(2.0, focus.get(topic, 0.0) + c.ask.importance * (1 - c.have))
    questions = _questions_to_expect(catalog, posting.role, focus, history, comparisons)
    scenarios = _scenarios_to_expect(catalog, posting.role, focus)
    return JobspecReport(
        posting=posting,
        source=candidate.source,
        comparisons=tuple(comparisons),
        focus=focus,
        questions=tuple(questions),
        scenarios=tuple(scenarios),
    )


def _questions_to_expect(
    catalog: Catalog,
    role: str,
    focus: Mapping[str, float],
    history: Mapping[str, float],
    comparisons: Sequence[SkillComparison] = (),
) -> list[str]:
    level = {"medium": 0, "easy": 1, "hard": 2}  # what interviewers ask most, first
    # Within a topic, the questions about what the posting actually asks come first: a RAG
    # posting is asked about retrieval, not about tokenisers, though both are "llms".
    asked: dict[str, float] = {}
    for c in comparisons:
        if c.status == "strong":
            continue
        weight = c.ask.importance * (1 - c.have)
        for phrase in c.ask.skill.phrases:
            for topic in c.ask.skill.topics:
                if topic not in catalog.topics:
                    continue
                for rank, q in enumerate(catalog.find_questions(topic=topic, text=phrase)[:6]):
                    asked[q.id] = asked.get(q.id, 0.0) + weight / (1 + rank)
    out: list[str] = []
    for place, topic in enumerate(sorted(focus, key=lambda t: (-focus[t], t))):
        pool = [q for q in catalog.questions.values() if q.topic == topic and role in q.roles]
        pool.sort(
            key=lambda q: (
                history.get(q.id, -1.0) >= 4.0,
                -asked.get(q.id, 0.0),
                level[q.difficulty],
                q.id,
            )
        )
        # The posting's main topic is where most of the interview goes.
        out.extend(q.id for q in pool[: QUESTIONS_PER_TOPIC * (2 if place == 0 else 1)])
        if len(out) >= MAX_QUESTIONS:
            break
    return out[:MAX_QUESTIONS]


def _scenarios_to_expect(catalog: Catalog, role: str, focus: Mapping[str, float]) -> list[str]:
    scored = []
    for s in catalog.scenarios.values():
        if role not in s.roles:
            continue
        overlap = sum(focus.get(t, 0.0) for t in s.topics)
        if overlap > 0:
            scored.append((-overlap, s.id))
    scored.sort()
    return [sid for _, sid in scored[:2]]


_YEARS = re.compile(r"(\d+)\+?\s*(?:years|yrs)", re.IGNORECASE)


def years_asked(posting_text: str) -> int | None:
    """The most years of experience the posting asks for, if it says."""
    years = [int(m.group(1)) for m in _YEARS.finditer(posting_text) if int(m.group(1)) < 30]
    return max(years) if years else None
