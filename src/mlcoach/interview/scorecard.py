"""The end of a mock interview: per-round scores, strengths, the three areas to improve with the
drills that target them, and the whole session as a Markdown transcript.

Everything here is a pure function of the rounds' snapshots and the catalog.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any

from mlcoach.catalog import Catalog
from mlcoach.interview.data import roles_table
from mlcoach.interview.rounds import AnswerRecord, Prompt, RoundState
from mlcoach.practice.mastery import TopicMastery

AREAS = 3
DRILLS_PER_AREA = 3
STRONG = 4.0  # a topic or dimension at or above this is a strength, never an area to improve
GOOD_ROUND = 3.5


@dataclass(frozen=True)
class RoundScore:
    position: int
    kind: str
    title: str
    status: str
    score: float | None
    answered: int
    planned: int
    used_seconds: float
    budget_seconds: int
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "score": self.score,
            "answered": self.answered,
            "planned": self.planned,
            "used_seconds": round(self.used_seconds, 1),
            "budget_seconds": self.budget_seconds,
            "note": self.note,
        }


@dataclass(frozen=True)
class Evidence:
    """One scored piece of the interview that bears on a topic."""

    topic: str
    score: float
    source: str  # "ML concepts: What does a validation set..." / "System design: Features"
    missed: tuple[str, ...] = ()


@dataclass
class Area:
    topic: str
    title: str
    score: float | None  # mean over the interview's evidence; None when only stored mastery says so
    reasons: list[str]
    missed: list[str]
    drills: list[str]
    queued: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "title": self.title,
            "score": self.score,
            "reasons": self.reasons,
            "missed": self.missed,
            "drills": self.drills,
            "queued": self.queued,
        }


@dataclass
class Scorecard:
    session_id: int
    role: str
    minutes: int
    overall: float | None
    rounds: list[RoundScore]
    strengths: list[str]
    areas: list[Area]
    queue_note: str | None = None
    finished_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "role": self.role,
            "minutes": self.minutes,
            "overall": self.overall,
            "rounds": [r.as_dict() for r in self.rounds],
            "strengths": self.strengths,
            "areas": [a.as_dict() for a in self.areas],
            "queue_note": self.queue_note,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        finished = data.get("finished_at")
        return cls(
            session_id=int(data["session_id"]),
            role=str(data["role"]),
            minutes=int(data["minutes"]),
            overall=data.get("overall"),
            rounds=[
                RoundScore(
                    position=int(r["position"]),
                    kind=r["kind"],
                    title=r["title"],
                    status=r["status"],
                    score=r.get("score"),
                    answered=int(r["answered"]),
                    planned=int(r["planned"]),
                    used_seconds=float(r["used_seconds"]),
                    budget_seconds=int(r["budget_seconds"]),
                    note=r.get("note"),
                )
                for r in data["rounds"]
            ],
            strengths=list(data["strengths"]),
            areas=[Area(**a) for a in data["areas"]],
            queue_note=data.get("queue_note"),
            finished_at=datetime.fromisoformat(finished) if finished else None,
        )

    @property
    def drills(self) -> list[str]:
        return [qid for area in self.areas for qid in area.drills]


# --- Building it --------------------------------------------------------------------------------


def round_scores(rounds: Sequence[RoundState]) -> list[RoundScore]:
    out = []
    for r in rounds:
        note = r.details.get("note")
        if r.status == "timed-out":
            note = note or "time ran out; the answers given were kept"
        elif r.status == "pending":
            note = note or "not reached"
        out.append(
            RoundScore(
                position=r.position,
                kind=r.kind,
                title=r.title,
                status=r.status,
                score=r.computed_score() if r.status != "pending" else 0.0,
                answered=r.answered,
                planned=r.planned,
                used_seconds=r.used_seconds,
                budget_seconds=r.budget_seconds,
                note=note,
            )
        )
    return out


def overall_score(scores: Sequence[RoundScore]) -> float | None:
    """Mean over rounds that could be held; a round skipped for want of a judge does not count."""
    counted = [s.score for s in scores if s.score is not None and s.status != "skipped"]
    return round(fmean(counted), 1) if counted else None


def collect_evidence(rounds: Sequence[RoundState], catalog: Catalog) -> list[Evidence]:
    """Which topics each scored answer speaks for: the concept's topic, a design dimension's
    topics, a deep-dive question's topics, and the coding problem's topic when it is a curriculum
    topic."""
    evidence: list[Evidence] = []
    for r in rounds:
        for prompt in r.prompts:
            answers = r.answers_to(prompt.index)
            if not answers:
                continue
            best = max(answers, key=lambda a: a.score if a.score is not None else -1.0)
            if best.score is None:
                continue
            evidence.extend(_evidence_for(r, prompt, best, catalog))
    return evidence


def _evidence_for(
    r: RoundState, prompt: Prompt, answer: AnswerRecord, catalog: Catalog
) -> list[Evidence]:
    score = float(answer.score or 0.0)
    missed = _missed_points(answer.result)
    if prompt.kind == "concept" and prompt.ref in catalog.questions:
        topic = catalog.questions[prompt.ref].topic
        return [Evidence(topic, score, f"{r.title}: {_short(prompt.text)}", missed)]
    if prompt.kind == "deep-dive":
        return [
            Evidence(t, score, f"{r.title}: {_short(prompt.text)}", missed)
            for t in prompt.detail.get("topics", ())
            if t in catalog.topics
        ]
    if prompt.kind == "design" and answer.result:
        out = []
        for dim in answer.result.get("dimensions", []):
            dim_missed = tuple(p["key_point"] for p in dim.get("points", []) if not p.get("made"))
            for topic in dim.get("topics", ()):
                if topic in catalog.topics:
                    out.append(
                        Evidence(
                            topic, float(dim["score"]), f"{r.title}: {dim['name']}", dim_missed
                        )
                    )
        return out
    if prompt.kind == "coding" and prompt.ref in catalog.problems:
        topic = catalog.problems[prompt.ref].topic
        if topic in catalog.topics:
            return [Evidence(topic, score, f"{r.title}: {prompt.text}")]
    return []


def _missed_points(result: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not result or "points" not in result:
        return ()
    return tuple(p["key_point"] for p in result["points"] if not p.get("made"))


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def choose_areas(
    evidence: Sequence[Evidence],
    catalog: Catalog,
    role: str,
    standings: Mapping[str, TopicMastery],
    count: int = AREAS,
) -> list[Area]:
    """The ``count`` weakest topics: first those the interview showed weak (below STRONG), then,
    to make up the number, the role's topics with the lowest stored mastery."""
    by_topic: dict[str, list[Evidence]] = defaultdict(list)
    for item in evidence:
        by_topic[item.topic].append(item)
    means = {t: fmean(e.score for e in items) for t, items in by_topic.items()}
    weights = roles_table()
    weak = sorted(
        (t for t, m in means.items() if m < STRONG),
        key=lambda t: (means[t], -weights.weight(role, t), t),
    )
    areas = []
    for topic in weak[:count]:
        items = sorted(by_topic[topic], key=lambda e: e.score)
        missed = list(dict.fromkeys(p for e in items for p in e.missed))[:3]
        areas.append(
            Area(
                topic=topic,
                title=catalog.topics[topic].title,
                score=round(means[topic], 1),
                reasons=[f"{e.source}: {e.score:.1f}/5" for e in items[:3]],
                missed=missed,
                drills=[],
            )
        )
    if len(areas) < count:
        chosen = {a.topic for a in areas} | {t for t, m in means.items() if m >= STRONG}
        has_questions = {q.topic for q in catalog.questions.values() if role in q.roles}
        rest = [t for t in catalog.topics if t not in chosen and t in has_questions]
        rest.sort(
            key=lambda t: (
                standings[t].mastery if t in standings else 0.0,
                -weights.weight(role, t),
                t,
            )
        )
        for topic in rest[: count - len(areas)]:
            mastery = standings[topic].mastery if topic in standings else 0.0
            areas.append(
                Area(
                    topic=topic,
                    title=catalog.topics[topic].title,
                    score=None,
                    reasons=[
                        f"not covered by this interview; your mastery so far is {mastery:.0%}"
                    ],
                    missed=[],
                    drills=[],
                )
            )
    # A strong interview: the lowest of the strong topics are still where to go deeper.
    taken = {a.topic for a in areas}
    for topic in sorted(means, key=lambda t: (means[t], t)):
        if len(areas) >= count:
            break
        if topic in taken:
            continue
        areas.append(
            Area(
                topic=topic,
                title=catalog.topics[topic].title,
                score=round(means[topic], 1),
                reasons=[f"your lowest strong topic in this interview: {means[topic]:.1f}/5"],
                missed=list(dict.fromkeys(p for e in by_topic[topic] for p in e.missed))[:3],
                drills=[],
            )
        )
    return areas


def choose_drills(
    area: Area,
    catalog: Catalog,
    role: str,
    asked: Mapping[str, float],
    history: Mapping[str, float],
    count: int = DRILLS_PER_AREA,
) -> list[str]:
    """Concept questions on the area's topic to drill: those answered poorly in this interview
    first, then never-answered ones (easy before hard), then the lowest past scores."""
    level = {"easy": 0, "medium": 1, "hard": 2}
    pool = [q for q in catalog.questions.values() if q.topic == area.topic and role in q.roles]
    if not pool:
        pool = [q for q in catalog.questions.values() if q.topic == area.topic]
    ranked = []
    for q in pool:
        if q.id in asked and asked[q.id] >= STRONG:
            continue
        if q.id in asked:
            key: tuple[float, ...] = (0, asked[q.id], level[q.difficulty])
        elif q.id not in history:
            key = (1, level[q.difficulty], 0)
        else:
            key = (2, history[q.id], level[q.difficulty])
        ranked.append((key, q.id))
    ranked.sort()
    return [qid for _, qid in ranked[:count]]


def strengths(
    scores: Sequence[RoundScore], evidence: Sequence[Evidence], catalog: Catalog
) -> list[str]:
    candidates: list[tuple[float, str]] = []
    for s in scores:
        if s.score is not None and s.score >= GOOD_ROUND and s.status != "skipped":
            candidates.append((s.score, f"{s.title} round: {s.score:.1f}/5"))
    by_topic: dict[str, list[float]] = defaultdict(list)
    for e in evidence:
        by_topic[e.topic].append(e.score)
    for topic, values in by_topic.items():
        mean = fmean(values)
        if mean >= STRONG:
            n = len(values)
            candidates.append(
                (
                    mean - 0.01,  # a whole round above a topic at the same score
                    f"{catalog.topics[topic].title}: {mean:.1f}/5 over {n} answer{'s' * (n > 1)}",
                )
            )
    candidates.sort(key=lambda c: -c[0])
    out = [text for _, text in candidates[:3]]
    if not out:
        out = [
            f"No round reached {GOOD_ROUND}/5 yet. That is normal early on: the areas below are "
            "where practice pays most."
        ]
    return out


def build_scorecard(
    *,
    session_id: int,
    role: str,
    minutes: int,
    rounds: Sequence[RoundState],
    catalog: Catalog,
    standings: Mapping[str, TopicMastery],
    history: Mapping[str, float],
) -> Scorecard:
    scores = round_scores(rounds)
    evidence = collect_evidence(rounds, catalog)
    asked = {
        p.ref: r.best_score(p.index)
        for r in rounds
        for p in r.prompts
        if p.kind == "concept" and p.ref is not None and r.answers_to(p.index)
    }
    areas = choose_areas(evidence, catalog, role, standings)
    for area in areas:
        area.drills = choose_drills(area, catalog, role, asked, history)
    return Scorecard(
        session_id=session_id,
        role=role,
        minutes=minutes,
        overall=overall_score(scores),
        rounds=scores,
        strengths=strengths(scores, evidence, catalog),
        areas=areas,
    )


# --- Transcript ---------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _quote(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {line}".rstrip() for line in lines)


def transcript_markdown(
    *,
    scorecard: Scorecard,
    rounds: Sequence[RoundState],
    started_at: datetime,
    project: str | None = None,
) -> str:
    """The whole interview as Markdown: every prompt, answer, score and feedback, then the scorecard."""
    out: list[str] = []
    overall = "n/a" if scorecard.overall is None else f"{scorecard.overall:.1f}/5"
    out += [
        f"# Mock interview {scorecard.session_id}: {roles_table().roles[scorecard.role].title}",  # type: ignore[index]
        "",
        f"- Date: {started_at.astimezone().strftime('%Y-%m-%d %H:%M')}",
        f"- Length: {scorecard.minutes} minutes",
        f"- Overall: **{overall}**",
        "",
    ]
    if project:
        out += ["## The project discussed", "", _quote(project[:3000]), ""]
    for r, s in zip(rounds, scorecard.rounds, strict=True):
        score = "not scored" if s.score is None else f"{s.score:.1f}/5"
        out += [
            f"## {r.position}. {r.title}: {score}",
            "",
            f"{s.answered} of {s.planned} answered; {_clock(s.used_seconds)} used of "
            f"{_clock(s.budget_seconds)}" + (f" ({s.note})" if s.note else "") + ".",
            "",
        ]
        for prompt in r.prompts:
            out += _prompt_markdown(r, prompt)
    out += ["## Scorecard", "", "| Round | Score | Answered | Time |", "| --- | --- | --- | --- |"]
    for s in scorecard.rounds:
        score = "n/a" if s.score is None else f"{s.score:.1f}"
        out.append(
            f"| {s.title} | {score} | {s.answered}/{s.planned} | "
            f"{_clock(s.used_seconds)} / {_clock(s.budget_seconds)} |"
        )
    out += ["", "### Strengths", ""] + [f"- {s}" for s in scorecard.strengths]
    out += ["", "### Three areas to improve", ""]
    for i, area in enumerate(scorecard.areas, 1):
        score = "" if area.score is None else f" ({area.score:.1f}/5)"
        out.append(f"{i}. **{area.title}**{score}")
        for reason in area.reasons:
            out.append(f"   - {reason}")
        for missed in area.missed:
            out.append(f"   - missed: {missed}")
        if area.drills:
            queued = " (added to your drill queue)" if area.queued else ""
            out.append(f"   - drills{queued}: {', '.join(f'`{d}`' for d in area.drills)}")
    if scorecard.queue_note:
        out += ["", scorecard.queue_note]
    return "\n".join(out).rstrip() + "\n"


def _prompt_markdown(r: RoundState, prompt: Prompt) -> list[str]:
    out = [f"### Q{prompt.index + 1}. {prompt.text.strip()}", ""]
    answers = r.answers_to(prompt.index)
    if not answers:
        return [*out, "_Not answered._", ""]
    for n, answer in enumerate(answers, 1):
        if answer.skipped:
            moved_on = "_Moved on without a passing submission._" if n > 1 else "_Skipped._"
            out += [moved_on if prompt.kind == "coding" else "_Skipped._", ""]
            continue
        label = f"Submission {n}" if prompt.kind == "coding" else "Answer"
        if prompt.kind == "coding":
            out += [f"**{label}** (at {_clock(answer.elapsed_seconds)}):", "", "```python"]
            out += [answer.text.rstrip(), "```", ""]
        else:
            out += [
                f"**{label}** (at {_clock(answer.elapsed_seconds)}):",
                "",
                _quote(answer.text),
                "",
            ]
        out += _result_markdown(prompt, answer)
    return out


def _result_markdown(prompt: Prompt, answer: AnswerRecord) -> list[str]:
    result = answer.result or {}
    score = "not scored" if answer.score is None else f"{answer.score:.1f}/5"
    if prompt.kind == "coding":
        verdict = result.get("verdict", "not judged")
        line = f"**Verdict:** {verdict}"
        if "passed" in result:
            line += f", {result['passed']}/{result['total']} tests passed"
        out = [line + f" (score {score}).", ""]
        if result.get("message"):
            out += [f"{result['message']}", ""]
        return out
    if prompt.kind == "design":
        out = [f"**Score:** {score}", "", "| Dimension | Score | Missed |", "| --- | --- | --- |"]
        for dim in result.get("dimensions", []):
            missed = "; ".join(
                p["key_point"].rstrip(".") for p in dim["points"] if not p.get("made")
            )
            out.append(f"| {dim['name']} | {dim['score']:.1f} | {missed or '-'} |")
        if result.get("advice"):
            out += ["", result["advice"]]
        return [*out, ""]
    out = [f"**Score:** {score}", ""]
    made_points = [p["key_point"] for p in result.get("points", []) if p.get("made")]
    missed_points = [p["key_point"] for p in result.get("points", []) if not p.get("made")]
    if made_points:
        out += ["Points made:", *(f"- ✓ {p}" for p in made_points), ""]
    if missed_points:
        out += ["Points missed:", *(f"- ✗ {p}" for p in missed_points), ""]
    if result.get("advice"):
        out += [str(result["advice"]), ""]
    return out
