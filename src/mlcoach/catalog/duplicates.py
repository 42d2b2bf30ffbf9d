"""Finding questions that ask the same thing, even when reworded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from mlcoach.catalog.models import Question

PROMPT_SIMILARITY = 88.0
KEY_POINT_SIMILARITY = 90.0
SHARED_POINT_SHARE = 0.6

_NON_WORD = re.compile(r"[^a-z0-9]+")


def _normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class DuplicatePair:
    first: Question
    second: Question
    reason: str


def find_duplicates(
    questions: Sequence[Question], *, suspects: Sequence[int] | None = None
) -> list[DuplicatePair]:
    """Pairs of questions with near-identical prompts, or sharing most of their key points.

    With ``suspects`` (indices into ``questions``), only pairs involving one of them are looked for:
    the shipped curriculum is checked as a whole in CI, so a user's deck is checked against it alone.
    """
    rows = list(range(len(questions))) if suspects is None else sorted(set(suspects))
    if len(questions) < 2 or not rows:
        return []
    pairs: dict[tuple[int, int], str] = {}

    prompts = [_normalise(q.prompt) for q in questions]
    scores = process.cdist(
        [prompts[i] for i in rows],
        prompts,
        scorer=fuzz.token_sort_ratio,
        score_cutoff=PROMPT_SIMILARITY,
    )
    for r, j in zip(*scores.nonzero(), strict=True):
        i = rows[r]
        if i != j:
            pairs[(min(i, int(j)), max(i, int(j)))] = f"prompts are {scores[r, j]:.0f}% alike"

    owners: list[int] = []
    points: list[str] = []
    for index, question in enumerate(questions):
        for point in question.key_points:
            owners.append(index)
            points.append(_normalise(point.text))
    wanted = set(rows)
    suspect_points = [k for k, owner in enumerate(owners) if owner in wanted]
    point_scores = process.cdist(
        [points[k] for k in suspect_points],
        points,
        scorer=fuzz.ratio,
        score_cutoff=KEY_POINT_SIMILARITY,
    )
    shared: dict[tuple[int, int], set[str]] = {}
    for r, b in zip(*point_scores.nonzero(), strict=True):
        a = suspect_points[r]
        qa, qb = owners[a], owners[b]
        if qa != qb:
            # Counted by the text of the smaller-index question's point, so either direction agrees.
            key = (min(qa, qb), max(qa, qb))
            shared.setdefault(key, set()).add(points[a] if qa < qb else points[b])
    for (qa, qb), matched in shared.items():
        fewest = min(len(questions[qa].key_points), len(questions[qb].key_points))
        if len(matched) / fewest >= SHARED_POINT_SHARE and (qa, qb) not in pairs:
            pairs[(qa, qb)] = f"{len(matched)} of {fewest} key points are the same"

    return [DuplicatePair(questions[i], questions[j], why) for (i, j), why in sorted(pairs.items())]
