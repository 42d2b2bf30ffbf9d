"""Word-level facts about a piece of text: content words and their stems, negation, list shape."""

from __future__ import annotations

import re
from functools import lru_cache


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?(?:[-+][a-z0-9]+)*", re.IGNORECASE)

# Function words: they carry grammar, not the claim. A real sentence almost always has some, which
# is how a bag of key terms is told apart from an explanation.
FUNCTION_WORDS = _word_set(
    """
    a an the this that these those it its it's they them their there here we you your i me my
    our he she his her one ones is are was were be been being am do does did doing done have
    has had having will would shall should can could may might must get gets got of in on at
    to from by with without for about into onto over under between through during before
    after above below up down out off than then so as if because since while whereas although
    though unless until when where which who whom whose what why how whether and or but nor
    not no never yet also too very just only more most less least much many some any each
    every all both either neither other such same own few across against within via vs versus
    per among around upon toward towards along beyond despite
    """
)

# The commonest function words of the other languages written in Latin letters that people are
# likely to answer in (Spanish, French, German, Italian, Portuguese, Dutch), none of them an
# English word: text made largely of them is not English, however Latin its letters.
_OTHER_LANGUAGES_FUNCTION_WORDS = _word_set(
    """
    de del el la los las al lo y una unos unas que es por para con pero como más muy está
    están ser fue su sus le les des du au aux une est sont pour avec sans mais dans sur qui ce
    cette ces ou être été ils elle nous vous der das dem ein eine einen einem und ist sind
    nicht mit für auf auch wird werden sich oder wenn aber zum zur von bei della delle degli dei
    gli che è sono più questo questa nel nella uma da não mais são com het een ook niet zijn
    wordt voor
    """
)


def foreign_share(text: str) -> float:
    """The share of a text's words that are function words of another Latin-script language."""
    found = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
    if not found:
        return 0.0
    return sum(w in _OTHER_LANGUAGES_FUNCTION_WORDS for w in found) / len(found)


# Words that reverse a claim. "without" is left out on purpose: it usually describes a procedure
# ("sampling without replacement") rather than denying the sentence.
_NEGATION_WORDS = _word_set(
    """
    not no never cannot can't won't don't doesn't didn't isn't aren't wasn't weren't
    shouldn't couldn't wouldn't mustn't hasn't haven't hadn't none neither nor nothing nobody
    noone nowhere
    """
)
_NEGATION_IDIOMS = re.compile(
    r"\b(?:not only|no matter|whether or not|if not all|not least|no doubt|nothing but|"
    r"not just|not necessarily only|no longer than|not to mention)\b"
    # "X, not Y" and "X rather than Y" contrast two options; they do not deny X.
    r"|,\s*(?:and\s+)?not\b",
    re.IGNORECASE,
)
# A negation after one of these sits in a subordinate clause ("the rows that were not sampled")
# and describes something rather than denying the sentence's main claim.
_SUBORDINATORS = _word_set(
    """
    that which who whom whose where when whenever if unless because since although though
    while whereas until so as whether than once
    """
)
_LEADING = _SUBORDINATORS | frozenset(
    ["and", "but", "or", "yet", "then", "also", "thus", "hence", "however", "therefore"]
)
# Connectives that set two claims against each other; a negation next to one is ambiguous about
# which claim it denies ("L2 does not zero weights, but L1 does").
_CONTRAST = re.compile(
    r"\b(?:but|whereas|while|unlike|instead|however|although|though|rather than|as opposed to|"
    r"in contrast|on the other hand|versus|vs)\b|,\s*not\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    return [w.casefold().replace("’", "'") for w in _WORD.findall(text)]


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import snowballstemmer  # type: ignore[import-untyped]

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    # British and American spellings share a stem: regularisation / regularization.
    word = word.replace("isation", "ization").replace("ise", "ize")
    return str(_stemmer().stemWord(word))  # type: ignore[attr-defined]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order, repeats kept."""
    return [stem(w) for w in words(text) if w not in FUNCTION_WORDS and not _is_filler(w)]


@lru_cache(maxsize=4096)
def _asked(prompt: str) -> frozenset[str]:
    return frozenset(content_stems(prompt))


def without_question_words(text: str, prompt: str) -> str:
    """The text's content words that the question does not already use, in order.

    Words an answer borrows from the question say nothing about whether it answers it ("a prototype
    program's role in problem solving is ..."); what is left is what the answer adds.
    """
    asked = _asked(prompt)
    return " ".join(
        w
        for w in words(text)
        if w not in FUNCTION_WORDS and not _is_filler(w) and stem(w) not in asked
    )


def _is_filler(word: str) -> bool:
    return len(word) == 1 and not word.isdigit()


def is_negated(text: str) -> bool:
    """Whether the text denies its main claim ("does not", "never", "no"), idioms aside.

    Each comma- or semicolon-separated piece is read up to its first subordinating word, so a
    negation inside a relative or subordinate clause does not count.
    """
    cleaned = _NEGATION_IDIOMS.sub(",", text)
    for piece in re.split(r"[,;:()]", cleaned):
        tokens = words(piece)
        while tokens and tokens[0] in _LEADING:
            tokens = tokens[1:]
        for token in tokens:
            if token in _SUBORDINATORS:
                break
            if token in _NEGATION_WORDS or token.endswith("n't"):
                return True
    return False


def has_negation(text: str) -> bool:
    """Whether the text has a negation anywhere, main clause or not ("a node with no children")."""
    cleaned = _NEGATION_IDIOMS.sub(",", text)
    return any(t in _NEGATION_WORDS or t.endswith("n't") for t in words(cleaned))


def polarity_differs(a: str, b: str) -> bool:
    """Whether one text denies what the other asserts.

    The main-clause reading (`is_negated`) depends on where the negation sits, so two phrasings of
    the same fact ("a node with no children" / "a node that has no children") would disagree: when
    both texts carry a negation somewhere they are taken to agree in polarity.
    """
    if is_negated(a) == is_negated(b):
        return False
    return not (has_negation(a) and has_negation(b))


def is_contrastive(text: str) -> bool:
    return _CONTRAST.search(text) is not None


def looks_like_keyword_list(text: str) -> bool:
    """True for text that lists terms instead of stating anything: "bias, variance, overfitting"."""
    tokens = words(text)
    if not tokens:
        return True
    function = sum(1 for w in tokens if w in FUNCTION_WORDS)
    items = [i for i in re.split(r"[,;/|•\n]+|\s-\s", text) if i.strip()]
    if len(items) >= 4:
        item_lengths = [len(words(i)) for i in items]
        short_items = sum(1 for n in item_lengths if n <= 3)
        if short_items >= 0.75 * len(items) and function <= 0.15 * len(tokens):
            return True
    if len(tokens) >= 6 and function == 0:
        return True
    return len(tokens) >= 12 and function < 0.08 * len(tokens)


def is_too_short_to_claim(text: str) -> bool:
    """A unit of one or two words ("Overfitting.") names a topic but states no claim."""
    return len(words(text)) < 3
