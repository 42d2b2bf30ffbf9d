"""The project deep-dive: what a project description reveals, and what an interviewer asks about it.

    profile = detect_project(readme_text)          # models, data, metrics, deployment, practices
    questions = deep_dive_questions(profile, 5)    # tailored first, then the classic questions

Detection is by phrase (the taxonomy in ``content/interview/deep-dive.toml``) and, when an embedder
is given, by meaning for signals no phrase found. Questions come from templates whose conditions
the profile meets, filled with what was found ("You used LightGBM on tabular data: ...").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mlcoach.catalog import Question
from mlcoach.interview.data import (
    CATEGORY_ORDER,
    DeepDiveTable,
    QuestionTemplate,
    Signal,
    SignalKind,
    deep_dive_table,
)
from mlcoach.interview.matching import Embedder, find_phrases, normalise, sentences

# Cosine similarity of a project sentence with a signal's description above which the signal is
# taken as present though no phrase named it. MiniLM puts paraphrases of a short technical
# description around 0.6-0.8 and merely related sentences below 0.5.
MEANING_THRESHOLD = 0.62
_PLACEHOLDER = re.compile(r"\{(model|data|metric|deployment|practice)\}")


@dataclass(frozen=True)
class Mention:
    signal: Signal
    count: int
    written: str  # the first match as the user wrote it, or the sentence that matched by meaning
    via: Literal["phrase", "meaning"] = "phrase"
    similarity: float | None = None

    @property
    def display(self) -> str:
        """How a question names it: a model as the user wrote it, anything else by its label."""
        if self.signal.kind == "model" and self.via == "phrase":
            return self.written
        return self.signal.label

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.signal.id,
            "kind": self.signal.kind,
            "label": self.signal.label,
            "count": self.count,
            "written": self.written,
            "via": self.via,
            "similarity": None if self.similarity is None else round(self.similarity, 3),
        }


@dataclass(frozen=True)
class ProjectProfile:
    mentions: tuple[Mention, ...]

    def of_kind(self, kind: SignalKind) -> list[Mention]:
        return sorted(
            (m for m in self.mentions if m.signal.kind == kind),
            key=lambda m: (-m.count, m.signal.id),
        )

    def matches(self, option: str) -> list[Mention]:
        """The mentions an option of a template condition refers to: a signal, a family or a kind."""
        return [m for m in self.mentions if option in (m.signal.id, m.signal.family, m.signal.kind)]

    def satisfies(self, condition: str) -> bool:
        return any(self.matches(option) for option in condition.split("|"))

    @property
    def empty(self) -> bool:
        return not self.mentions

    def summary(self) -> dict[str, list[str]]:
        """What was found, by kind, for display: {"model": ["LightGBM"], "data": ["tabular data"]}."""
        out: dict[str, list[str]] = {}
        for mention in self.mentions:
            out.setdefault(mention.signal.kind, []).append(mention.display)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"mentions": [m.as_dict() for m in self.mentions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any], table: DeepDiveTable | None = None) -> ProjectProfile:
        signals = {s.id: s for s in (table or deep_dive_table()).signals}
        mentions = []
        for m in data.get("mentions", []):
            signal = signals.get(m["id"])
            if signal is not None:  # a signal removed from the taxonomy since is dropped
                mentions.append(
                    Mention(signal, int(m["count"]), m["written"], m["via"], m.get("similarity"))
                )
        return cls(tuple(mentions))


@dataclass(frozen=True)
class DeepDiveQuestion:
    template_id: str
    category: str
    text: str
    answer: str
    key_points: tuple[str, ...]
    topics: tuple[str, ...]
    tailored: bool

    @property
    def id(self) -> str:
        return f"dd-{self.template_id}"

    def as_question(self) -> Question:
        """As a concept question, so the grading engine scores the answer against its key points."""
        return Question(
            id=self.id,
            topic="project-deep-dive",
            subtopic=self.category,
            difficulty="medium",
            roles=("research", "engineering", "data-science"),
            prompt=self.text,
            answer=self.answer,
            key_points=self.key_points,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "template_id": self.template_id,
            "category": self.category,
            "text": self.text,
            "answer": self.answer,
            "key_points": list(self.key_points),
            "topics": list(self.topics),
            "tailored": self.tailored,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeepDiveQuestion:
        return cls(
            template_id=data["template_id"],
            category=data["category"],
            text=data["text"],
            answer=data["answer"],
            key_points=tuple(data["key_points"]),
            topics=tuple(data.get("topics", ())),
            tailored=bool(data.get("tailored", False)),
        )


def detect_project(
    text: str, *, embedder: Embedder | None = None, table: DeepDiveTable | None = None
) -> ProjectProfile:
    """The models, data, metrics, deployment and practices a project description mentions."""
    table = table or deep_dive_table()
    owners: dict[str, list[Signal]] = {}
    for signal in table.signals:
        for phrase in signal.phrases:
            owners.setdefault(phrase, []).append(signal)
    # One pass over all phrases, longest first, so "PR AUC" is not also read as "AUC" and
    # "fine-tuned" not also as "tuned".
    by_signal: dict[str, list[str]] = {}
    for hit in find_phrases(text, owners, normalised=normalise(text)):
        for signal in owners[hit.phrase]:
            by_signal.setdefault(signal.id, []).append(hit.written.strip())
    mentions: list[Mention] = []
    unfound: list[Signal] = []
    for signal in table.signals:
        written = by_signal.get(signal.id)
        if written:
            mentions.append(Mention(signal, len(written), written[0]))
        else:
            unfound.append(signal)
    if embedder is not None and unfound:
        mentions.extend(_by_meaning(text, unfound, embedder))
    order = {s.id: i for i, s in enumerate(table.signals)}
    mentions.sort(key=lambda m: order[m.signal.id])
    return ProjectProfile(tuple(mentions))


def _by_meaning(text: str, signals: Sequence[Signal], embedder: Embedder) -> list[Mention]:
    pieces = sentences(text)[:200]
    if not pieces:
        return []
    sims = embedder.similarities([s.description for s in signals], pieces)
    found = []
    for i, signal in enumerate(signals):
        j = int(sims[i].argmax())
        best = float(sims[i, j])
        if best >= MEANING_THRESHOLD:
            found.append(Mention(signal, 1, pieces[j], "meaning", best))
    return found


def deep_dive_questions(
    profile: ProjectProfile,
    count: int | None = None,
    *,
    include_intro: bool = False,
    table: DeepDiveTable | None = None,
) -> list[DeepDiveQuestion]:
    """The questions to ask about this project: one per category, the most specific that applies.

    Categories whose question is tailored to what was detected come first (they are what makes a
    deep-dive feel real), then the classic ones in an interviewer's order.
    """
    table = table or deep_dive_table()
    chosen: dict[str, DeepDiveQuestion] = {}
    for category in CATEGORY_ORDER:
        if category == "intro" and not include_intro:
            continue
        candidates = [t for t in table.templates if t.category == category]
        candidates.sort(key=lambda t: -len(t.requires))  # most specific first; stable otherwise
        for template in candidates:
            question = _instantiate(template, profile)
            if question is not None:
                chosen[category] = question
                break
    ordered = list(chosen.values())
    intro = [q for q in ordered if q.category == "intro"]
    tailored = [q for q in ordered if q.category != "intro" and q.tailored]
    classic = [q for q in ordered if q.category != "intro" and not q.tailored]
    # Alternate the two kinds, so a short round asks both about this project's specifics and the
    # classic questions (what went wrong, what you would do differently).
    mixed: list[DeepDiveQuestion] = []
    for i in range(max(len(tailored), len(classic))):
        mixed.extend(q[i] for q in (tailored, classic) if i < len(q))
    questions = intro + mixed
    return questions if count is None else questions[:count]


def _instantiate(template: QuestionTemplate, profile: ProjectProfile) -> DeepDiveQuestion | None:
    if not all(profile.satisfies(c) for c in template.requires):
        return None
    wanted = set(_PLACEHOLDER.findall(template.text))
    values: dict[str, str] = {}
    for kind in wanted:
        mention = _pick(profile, kind, template.requires)
        if mention is None:
            break
        values[kind] = mention.display
    if len(values) == len(wanted):
        text = template.text.format(**values) if wanted else template.text
        tailored = bool(template.requires) or bool(wanted)
    elif template.plain:
        text, tailored = template.plain, False
    else:
        return None
    return DeepDiveQuestion(
        template_id=template.id,
        category=template.category,
        text=text,
        answer=" ".join(template.answer.split()),
        key_points=tuple(k.text for k in template.key_points),
        topics=template.topics,
        tailored=tailored,
    )


def _pick(profile: ProjectProfile, kind: SignalKind, requires: Sequence[str]) -> Mention | None:
    """The mention to name for a placeholder: one the template's conditions point at, if any."""
    of_kind = profile.of_kind(kind)
    if not of_kind:
        return None
    wanted = {option for condition in requires for option in condition.split("|")}
    for mention in of_kind:
        if {mention.signal.id, mention.signal.family} & wanted:
            return mention
    return of_kind[0]


def categories_asked(questions: Sequence[DeepDiveQuestion]) -> Counter[str]:
    return Counter(q.category for q in questions)
