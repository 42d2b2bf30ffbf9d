"""Word search over the curriculum, shared by the CLI, the pages and the API.

A query matches when every one of its words starts a word somewhere in the searched fields, so
"lora" finds LoRA but not "exploration", and "bias variance" finds questions about both. Results
are ordered by relevance: a word in the id or the prompt counts more than one in a key point.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[0-9a-z]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


@dataclass(frozen=True)
class Field:
    """One searchable text of an item and how much a match in it counts."""

    text: str
    weight: float


# A field as the search reads it: its words, and the weight of a match in it.
IndexedField = tuple[frozenset[str], float]


def index(fields: Iterable[Field]) -> tuple[IndexedField, ...]:
    """The fields cut into words once, so that many searches over one item do not redo it."""
    return tuple((frozenset(words(f.text)), f.weight) for f in fields)


def relevance(
    query_words: Sequence[str], fields: Iterable[Field] | Sequence[IndexedField]
) -> float:
    """0 when some query word is missing; otherwise higher for matches in weightier fields."""
    indexed = [f if isinstance(f, tuple) else (frozenset(words(f.text)), f.weight) for f in fields]
    score = 0.0
    for word in query_words:
        best = 0.0
        for field_words, weight in indexed:
            if word in field_words:
                best = max(best, weight)
            elif weight * 0.8 > best and any(w.startswith(word) for w in field_words):
                best = weight * 0.8  # "tokenis" finds "tokenisation"; a whole word counts more
        if best == 0.0:
            return 0.0
        score += best
    return score
