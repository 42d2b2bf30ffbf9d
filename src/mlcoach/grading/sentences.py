"""Cutting a free-text answer into the sentences and clauses that are matched against key points.

Candidates write Markdown, bullet lists, run-on sentences and abbreviations ("e.g.", "vs."), so the
splitter works in three passes: blocks (paragraphs, list items), sentences inside a block, and
clauses inside a long or contrastive sentence. A long clause can make a key point on its own that
the whole sentence dilutes, so both the sentence and its clauses are candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlcoach.grading.text import is_contrastive, words

# Interview answers run 50-400 words. Longer ones are still graded whole (a point made late counts),
# up to a size past which only the start is graded so that a pasted book cannot stall the grader.
LONG_ANSWER_WORDS = 400
MAX_GRADED_WORDS = 3000
MAX_GRADED_SENTENCES = 200
# A "sentence" longer than this is a run-on (or has no full stops at all) and is cut into windows.
MAX_SENTENCE_WORDS = 60
WINDOW_WORDS = 40
# Sentences at least this long are also offered clause by clause.
CLAUSE_SPLIT_WORDS = 14
MIN_CLAUSE_WORDS = 3
# Enough characters for MAX_GRADED_WORDS of any real text; the rest is only counted, not parsed.
_MAX_PARSED_CHARS = 40_000

_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "cf",
        "fig",
        "figs",
        "eq",
        "eqs",
        "approx",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "al",
        "st",
        "no",
        "nos",
        "sec",
        "ch",
        "resp",
        "incl",
        "esp",
        "min",
        "max",
        "avg",
        "std",
        "var",
        "viz",
        "ca",
    ]
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)]|#{1,6})\s+")
_EMPHASIS = re.compile(r"(\*\*|__|`+|~~)")
_BOUNDARY = re.compile(r"([.!?]+)([\"'”’)\]]*)\s+")
_CLAUSE_BREAK = re.compile(
    r"\s*;\s*"
    r"|,\s+(?=(?:which|whereas|while|but|so|because|although|though|since|and so|and therefore|"
    r"however|thus|hence|meaning|so that|yet|unlike|instead)\b)"
    r"|\s+(?=(?:whereas|because|although|unlike)\b)"
    r"|\s+—\s+|\s+--\s+",
    re.IGNORECASE,
)
# Long sentences that list things ("quantise, distil, prune or batch") are also cut at every comma,
# so each item can be matched on its own; pieces too short to claim anything are merged back.
_LIST_BREAK = re.compile(r",\s+(?:(?:and|or)\s+)?")


@dataclass(frozen=True)
class Unit:
    """A piece of the answer that can make a key point: a whole sentence or one of its clauses."""

    text: str
    sentence: int
    whole: bool
    contrastive: bool


@dataclass(frozen=True)
class SplitAnswer:
    sentences: tuple[str, ...]
    units: tuple[Unit, ...]
    total_words: int
    graded_words: int
    truncated: bool


def split_answer(text: str) -> SplitAnswer:
    """The graded sentences of ``text`` (about the first MAX_GRADED_WORDS words) and their units."""
    total_words = len(text.split())
    all_sentences = _sentences(text[:_MAX_PARSED_CHARS])
    sentences: list[str] = []
    graded_words = 0
    for sentence in all_sentences:
        n = len(sentence.split())
        if sentences and (
            graded_words + n > MAX_GRADED_WORDS or len(sentences) >= MAX_GRADED_SENTENCES
        ):
            break
        sentences.append(sentence)
        graded_words += n
    truncated = len(sentences) < len(all_sentences) or len(text) > _MAX_PARSED_CHARS
    units: list[Unit] = []
    for index, sentence in enumerate(sentences):
        contrastive = is_contrastive(sentence)
        units.append(Unit(sentence, index, whole=True, contrastive=contrastive))
        clauses = split_clauses(sentence)
        if len(clauses) > 1:
            units.extend(Unit(c, index, whole=False, contrastive=contrastive) for c in clauses)
    return SplitAnswer(tuple(sentences), tuple(units), total_words, graded_words, truncated)


def split_sentences(text: str) -> list[str]:
    return list(_sentences(text))


def split_clauses(sentence: str) -> list[str]:
    """The clauses of a long or contrastive sentence; a short plain sentence is one clause."""
    if len(sentence.split()) < CLAUSE_SPLIT_WORDS and ";" not in sentence:
        return [sentence]
    clauses: list[str] = []
    pieces = [p for part in _CLAUSE_BREAK.split(sentence) for p in _LIST_BREAK.split(part)]
    for piece in pieces:
        piece = piece.strip(" ,;:—-")
        if not piece:
            continue
        if clauses and len(words(piece)) < MIN_CLAUSE_WORDS:
            clauses[-1] = f"{clauses[-1]}, {piece}"
        elif clauses and len(words(clauses[-1])) < MIN_CLAUSE_WORDS:
            clauses[-1] = f"{clauses[-1]} {piece}"
        else:
            clauses.append(piece)
    return clauses or [sentence]


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for block, is_code in _blocks(text):
        sentences = [block] if is_code else _split_block(block)
        for sentence in sentences:
            out.extend(_windows(sentence))
    return out


def _blocks(text: str) -> list[tuple[str, bool]]:
    """Paragraphs, list items and code blocks, with Markdown markup removed and lines joined."""
    blocks: list[tuple[str, bool]] = []
    current: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        if current:
            joined = " ".join(current).strip()
            if joined:
                blocks.append((joined, False))
            current.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(raw):
            flush()
            if code is None:
                code = []
            else:
                # A code block is one unit: its lines read as prose would be nonsense sentences.
                if any(line.strip() for line in code):
                    blocks.append(("\n".join(line.rstrip() for line in code).strip(), True))
                code = None
            continue
        if code is not None:
            code.append(raw)
            continue
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith(">"):
            flush()
            line = line.lstrip(">").strip()
        if _BULLET.match(line):
            flush()
            line = _BULLET.sub("", line, count=1)
        current.append(_EMPHASIS.sub("", line))
    flush()
    if code:  # an unclosed fence: keep what was written
        blocks.append(("\n".join(code).strip(), True))
    return blocks


def _split_block(block: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(block):
        end = match.end(2)
        before = block[start : match.start(1)]
        last_word = before.rsplit(None, 1)[-1].casefold() if before.strip() else ""
        if match.group(1) == "." and _is_abbreviation(last_word):
            continue
        nxt = block[match.end() : match.end() + 1]
        if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“‘([$" or nxt.islower()):
            continue
        sentence = block[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = match.end()
    tail = block[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_abbreviation(word: str) -> bool:
    word = word.strip("([\"'")
    if word.rstrip(".") in _ABBREVIATIONS:
        return True
    # Dotted forms: "u.s", "a.k.a".
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _windows(sentence: str) -> list[str]:
    tokens = sentence.split()
    if len(tokens) <= MAX_SENTENCE_WORDS:
        return [sentence]
    pieces: list[str] = []
    for clause in split_clauses(sentence):
        clause_tokens = clause.split()
        for i in range(0, len(clause_tokens), WINDOW_WORDS):
            pieces.append(" ".join(clause_tokens[i : i + WINDOW_WORDS]))
    return pieces
