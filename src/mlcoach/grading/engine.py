"""Scoring an answer against a question's key points, with the reasons, whatever the backend.

For each key point the engine finds the sentence (or clause) of the answer that makes it best and
gives it credit from its similarity, then takes credit away where similarity is not understanding:
a list of terms, a copy of the question, or a sentence that says the opposite (a negation the key
point does not have). Misconceptions from the question's list are flagged when a sentence states
them. The score combines the key points' credit with how close the whole answer is to the model
answer, with weights fitted on real human grades (see `calibration`), less penalties, on 0-5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from mlcoach.catalog.models import Question
from mlcoach.grading.abbreviations import spelled_out
from mlcoach.grading.backends import Backend
from mlcoach.grading.minilm import FloatArray
from mlcoach.grading.result import MAX_SCORE, Grade, MisconceptionFound, PointVerdict
from mlcoach.grading.sentences import (
    LONG_ANSWER_WORDS,
    SplitAnswer,
    Unit,
    split_answer,
    split_sentences,
)
from mlcoach.grading.text import (
    content_stems,
    foreign_share,
    has_negation,
    is_contrastive,
    is_negated,
    looks_like_keyword_list,
    polarity_differs,
    without_question_words,
    words,
)

# Share of the references' own words (those not in the question) an answer must use to be on topic
# even when no sentence of it is close to a key point as a whole.
OFF_TOPIC_RECALL = 0.5
# Share of the question's content words an answer made only of them must repeat to be a restatement.
RESTATED_SHARE = 0.6
# Share of another language's function words from which an answer is taken not to be English:
# Spanish, French or German prose has 15-35%; English answers, code and term lists almost none.
FOREIGN_SHARE = 0.1
ENGLISH_ONLY = "mlcoach grades answers in English; this answer has little or no English text."


@dataclass(frozen=True)
class Calibration:
    """The numbers that turn one backend's similarities into credit; fitted on the development set."""

    low: float  # similarity where a sentence starts to earn credit for a key point
    high: float  # similarity where it earns full credit
    # Similarity above which a sentence of the opposite polarity contradicts a key point.
    contradiction_at: float
    misconception_at: float  # similarity above which a sentence states a misconception
    misconception_margin: float  # ...and by how much closer to it than to any key point
    off_topic_below: float  # best similarity to any key point below which it is off-topic
    keyword_list_factor: float = 0.3  # share of credit a bare list of terms keeps
    # Share of credit kept when a "not ... but ..." sentence matches a point.
    contrastive_negation_factor: float = 0.6
    contradiction_penalty: float = 0.5  # score points off per contradicted key point
    misconception_penalty: float = 0.75  # score points off per misconception stated
    curve: float = 1.0  # exponent on coverage: below 1 rewards partial answers more
    made_at: float = 0.5  # credit from which a key point counts as made
    # A negation is only trusted to reverse a key point when the sentence repeats enough of the
    # point's words (a near-paraphrase with "not"); the same fact is often said either way round
    # ("copies nothing" / "only adds a reference"), so with little overlap polarity is ignored.
    polarity_overlap_low: float = 0.3
    polarity_overlap_high: float = 0.6
    # How many key points one sentence can make: one per this many content words, rounded up, so
    # a single vague sentence cannot collect credit for every point it is loosely similar to,
    # while a compound sentence that states several points gets them all.
    words_per_point: int = 5
    extra_point_credit: float = 0.9  # credit a sentence's second (third...) point needs
    # The score: intercept and weights of `SCORE_FEATURES`, fitted on human grades. None keeps the
    # plain formula (mean credit, curved).
    score_weights: tuple[float, ...] | None = None
    # Most a bare list of terms can score, whatever it matches: naming is not explaining.
    keyword_list_cap: float = 2.0


# What the score is computed from, in the order of `Calibration.score_weights`.
SCORE_FEATURES = (
    "mean credit over key points",
    "best credit of any key point",
    "similarity of the whole answer to the model answer",
    "best similarity of the whole answer to one sentence of the model answer",
    "share of key points contradicted",
    "similarity of the whole answer to the question",
    "length (content words / 30, at most 1)",
    "word overlap of the whole answer with its closest model-answer sentence",
    "similarity to the model answer, the question's own words left out of both",
    "best similarity to one key point, the question's own words left out of both",
    "share of a reference's new words (not in the question) the answer uses, at best",
    "length against the model answer's (log of content words, difference)",
)


@dataclass(frozen=True)
class _UnitFacts:
    unit: Unit
    negated: bool
    any_negation: bool
    keyword_list: bool
    copies_prompt: bool
    stems: frozenset[str]
    mixed: bool

    @property
    def ambiguous_polarity(self) -> bool:
        return self.unit.contrastive or self.mixed

    @property
    def factor(self) -> float:
        return 0.0 if self.copies_prompt else 1.0


def grade_with(
    backend: Backend,
    calibration: Calibration,
    question: Question,
    answer: str,
    features_out: list[tuple[float, ...]] | None = None,
    companion: Backend | None = None,
) -> Grade:
    """Grade one answer to one question.

    ``features_out`` receives what the score is computed from (see `Calibration.score_weights`),
    for fitting the weights on human grades. ``companion`` is a second backend (word overlap
    next to meaning) whose view of the whole answer is one more piece of evidence.
    """
    if not words(answer):
        return _empty_grade(backend, question, answer)
    split = split_answer(answer.strip())
    facts = _all_facts(split, question.prompt)
    key_points = [k.text for k in question.key_points]
    model_sentences = split_sentences(question.answer)[:20]
    whole = " ".join(answer.split())
    references = [*key_points, question.prompt, question.answer, *model_sentences]
    units = [u.text for u in split.units]
    sims = backend.similarities(question, references, [*units, whole])
    k = len(key_points)
    point_sims = sims[:k, :-1]
    # A misconception is an accusation: spelled-out abbreviations lengthen both texts with shared
    # words, which lifts any sentence on the same subject (one that denies the belief included)
    # over the line, so the belief is matched against the answer as written.
    misconception_sims = backend.similarities(
        question, question.misconceptions, units, as_written=True
    )
    to_prompt = float(sims[k, -1])
    to_model = float(sims[k + 1, -1])
    to_model_sentence = float(sims[k + 2 :, -1].max(initial=0.0))
    if companion is None:
        overlap = to_model_sentence
    else:
        overlap = float(companion.similarities(question, model_sentences, [whole]).max(initial=0))
    length = min(1.0, len(content_stems(whole)) / 30)
    added = _added_content(backend, question, whole)

    points = _judge_points(key_points, point_sims, facts, split, calibration)
    found = _misconceptions(question, misconception_sims, point_sims, facts, calibration)

    credits = [p.credit for p in points]
    coverage = float(np.mean(credits))
    contradicted = sum(p.contradicted for p in points)
    listing = bool(facts) and all(f.keyword_list for f in facts if f.unit.whole)
    features = (
        coverage,
        max(credits),
        to_model,
        to_model_sentence,
        contradicted / k,
        to_prompt,
        length,
        overlap,
        *added,
    )
    if features_out is not None:
        features_out.append(features)
    # Off-topic: no sentence comes near any key point, the answer uses few of the words the
    # references add to the question ("pass the head pointer by reference" is far, as a sentence,
    # from the key point "By reference." yet answers the question), and as a whole it is not about
    # what the question asks either: a right answer in other words than the model answer's ("a
    # chain of nodes, each pointing to the next") is judged on its evidence, not zeroed. Restating
    # the question is caught separately; naming its topic in a list is capped as a list.
    off_topic = (
        float(point_sims.max(initial=-1.0)) < calibration.off_topic_below
        and coverage < 0.2
        and added[2] < OFF_TOPIC_RECALL
        and max(to_prompt, to_model) < calibration.off_topic_below
    )
    if calibration.score_weights is None:
        raw = MAX_SCORE * coverage**calibration.curve
    else:
        w = calibration.score_weights
        raw = w[0] + sum(wi * fi for wi, fi in zip(w[1:], features, strict=True))
        if listing:
            # A list of terms is close to the model answer's words, not to its meaning.
            raw = min(raw, MAX_SCORE * coverage)
        if off_topic or restates(whole, question.prompt):
            # The fit's intercept would leave an answer about something else, or one that only
            # says the question back, a point or two.
            raw = 0.0
        elif contradicted >= 2 and contradicted > sum(p.made for p in points):
            # An answer that denies more points than it makes: closeness in wording to what it
            # denies is no evidence for it. One flagged denial alone is too often a paraphrase the
            # negation rule misreads (on the public sets, answers with one flag were graded above
            # average by people), so it costs only the penalty below.
            raw *= 1 - contradicted / k
    # Saying the opposite of a key point costs points whatever the combination: on real grades
    # the rule's flags are too rare to earn a fitted weight, but a user must see a denial cost.
    raw -= calibration.contradiction_penalty * contradicted
    raw -= calibration.misconception_penalty * len(found)
    if listing:
        raw = min(raw, calibration.keyword_list_cap)
    score = round(min(MAX_SCORE, max(0.0, raw)), 1)

    notes = _notes(split, off_topic, answer, listing, calibration)
    advice = _advice(points, found, facts, off_topic, score)
    return Grade(
        question_id=question.id,
        score=score,
        points=tuple(points),
        misconceptions=tuple(found),
        advice=advice,
        model_answer=question.answer,
        backend=backend.name,
        backend_note=backend.note,
        notes=tuple(notes),
        graded_words=split.graded_words,
        total_words=split.total_words,
    )


def answer_texts(question: Question, answer: str) -> list[str]:
    """The texts of an answer `grade_with` embeds: its sentences and clauses, the answer whole,
    and what it adds to the question's words. Embedding many answers' texts in one pass first
    (`SemanticBackend.precomputed`) saves a model run per text."""
    whole = " ".join(answer.split())
    added = without_question_words(whole, question.prompt)
    units = [u.text for u in split_answer(answer.strip()).units]
    # Everything is compared with abbreviations spelled out; sentences are also compared as
    # written, with misconceptions.
    spelled = [spelled_out(t) for t in [*units, whole, *([added] if added else [])]]
    as_written = units if question.misconceptions else []
    return list(dict.fromkeys([*spelled, *as_written]))


def _added_content(
    backend: Backend, question: Question, whole: str
) -> tuple[float, float, float, float]:
    """How close what the answer adds to the question is to what the references add to it.

    Both sides lose the question's own words first, so restating the question earns nothing and a
    short answer that names the one thing asked for ("at main") is compared on that thing.
    """
    answer = without_question_words(whole, question.prompt)
    references = [question.answer, *(k.text for k in question.key_points)]
    stripped = [without_question_words(r, question.prompt) for r in references]
    length = float(
        np.log1p(len(content_stems(whole))) - np.log1p(len(content_stems(question.answer)))
    )
    if not answer:
        return 0.0, 0.0, 0.0, length
    present = [r for r in stripped if r]
    sims = backend.similarities(question, present, [answer])[:, 0] if present else np.zeros(0)
    to_model = float(sims[0]) if stripped[0] else 0.0
    to_point = float(sims[1 if stripped[0] else 0 :].max(initial=0.0))
    said = set(content_stems(answer))
    recall = max(
        (len(said & set(content_stems(r))) / len(set(content_stems(r))) for r in present),
        default=0.0,
    )
    return to_model, to_point, recall, length


def _all_facts(split: SplitAnswer, prompt: str) -> list[_UnitFacts]:
    facts = [
        _UnitFacts(
            unit=unit,
            negated=is_negated(unit.text),
            any_negation=has_negation(unit.text),
            # A one- or two-word answer ("By their signature.") is judged on what it says; only a
            # list of several terms is discounted as a list.
            keyword_list=looks_like_keyword_list(unit.text) and len(words(unit.text)) >= 3,
            copies_prompt=copies_prompt(unit.text, prompt),
            stems=frozenset(content_stems(unit.text)),
            mixed=False,
        )
        for unit in split.units
    ]
    # A sentence whose clauses disagree in polarity ("X holds; Y does not") is judged clause by
    # clause: as a whole it neither makes nor denies a point outright. The clauses of a list of
    # terms are still a list of terms.
    polarity: dict[int, set[bool]] = {}
    listing: set[int] = set()
    for fact in facts:
        if not fact.unit.whole:
            polarity.setdefault(fact.unit.sentence, set()).add(fact.negated)
        elif fact.keyword_list:
            listing.add(fact.unit.sentence)
    return [
        replace(
            f,
            mixed=f.unit.whole and len(polarity.get(f.unit.sentence, ())) > 1,
            keyword_list=f.keyword_list or f.unit.sentence in listing,
        )
        for f in facts
    ]


def restates(text: str, prompt: str) -> bool:
    """Whether a whole answer is the question said back: only its words, and most of them.

    A few of the question's words can be an answer ("bulb A", choosing between options the
    question names); the question nearly whole, and nothing else, is not.
    """
    said = set(content_stems(text))
    asked = set(content_stems(prompt))
    return bool(said) and said <= asked and len(said) >= RESTATED_SHARE * len(asked)


def copies_prompt(text: str, prompt: str) -> bool:
    """Whether a sentence only repeats the question's own words, adding no claim of its own."""
    stems = content_stems(text)
    if len(stems) < 2:
        return False
    asked = set(content_stems(prompt))
    # One new content word can be the whole answer ("... begin execution at main"), so only a
    # sentence that adds nothing at all is a copy.
    return all(s in asked for s in stems)


def _ramp(value: float, low: float, high: float) -> float:
    if high <= low:
        return 1.0 if value >= low else 0.0
    return min(1.0, max(0.0, (value - low) / (high - low)))


def _judge_points(
    key_points: Sequence[str],
    sims: FloatArray,
    facts: Sequence[_UnitFacts],
    split: SplitAnswer,
    cal: Calibration,
) -> list[PointVerdict]:
    n_points, n_units = sims.shape
    credit = np.zeros((n_points, n_units))
    denials: list[list[int]] = [[] for _ in range(n_points)]  # sentences that seem to deny a point
    for i, key_point in enumerate(key_points):
        point_negated = is_negated(key_point)
        point_any_negation = has_negation(key_point)
        point_contrastive = is_contrastive(key_point)
        point_stems = frozenset(content_stems(key_point))
        refuted: dict[int, float] = {}  # sentence -> similarity of a clause that denies the point
        for j, fact in enumerate(facts):
            sim = float(sims[i, j])
            value = _ramp(sim, cal.low, cal.high) * fact.factor
            if fact.keyword_list:
                value *= cal.keyword_list_factor
            # Polarity differs only when one side is negated and the other has no negation at
            # all: "a node with no children" and "a node that has no children" agree.
            opposite = fact.negated != point_negated and not (
                fact.any_negation and point_any_negation
            )
            if opposite and value > 0:
                # Dice overlap of content stems: high only when the sentence is mostly about the
                # point and says much of it ("Variance does not depend on the sample").
                shared = len(point_stems & fact.stems)
                overlap = 2 * shared / max(1, len(point_stems) + len(fact.stems))
                strength = _ramp(overlap, cal.polarity_overlap_low, cal.polarity_overlap_high)
                if fact.ambiguous_polarity or point_contrastive:
                    value *= 1.0 - strength * (1.0 - cal.contrastive_negation_factor)
                else:
                    value *= 1.0 - strength
                    if strength >= 0.5 and sim >= cal.contradiction_at:
                        sentence = fact.unit.sentence
                        refuted[sentence] = max(refuted.get(sentence, -1.0), sim)
                        denials[i].append(j)
            credit[i, j] = value
        # A sentence with a clause that denies the point cannot make it with another clause.
        for j, fact in enumerate(facts):
            if fact.unit.sentence in refuted:
                credit[i, j] = 0.0

    # A sentence closer to a point it makes than to the one it seems to deny is about the former:
    # "terminal 4 is not connected to the positive terminal" makes that point and says nothing
    # against "terminal 4 is connected to the negative terminal", which differs in more than its
    # polarity. Only a point's own closest match can deny it.
    contradicting: list[int | None] = [None] * n_points
    for i, candidates in enumerate(denials):
        standing = [
            j
            for j in candidates
            if not any(
                credit[o, j] >= cal.made_at and sims[o, j] > sims[i, j]
                for o in range(n_points)
                if o != i
            )
        ]
        if standing:
            contradicting[i] = max(standing, key=lambda j: float(sims[i, j]))

    # Each sentence can make a limited number of points: hand them out best match first.
    # A list of terms states no claim, so it makes at most one point however long it is.
    listing = {f.unit.sentence for f in facts if f.unit.whole and f.keyword_list}

    def room(text: str) -> int:
        return max(1, -(-len(content_stems(text)) // cal.words_per_point))

    capacity = [
        1 if index in listing else room(sentence) for index, sentence in enumerate(split.sentences)
    ]
    # The same bound holds for each clause: "ROC plots TPR against FPR" is one claim however many
    # points share its terms.
    unit_capacity = [room(f.unit.text) for f in facts]
    unit_used = [0] * n_units
    chosen: list[int | None] = [None] * n_points
    used = [0] * len(split.sentences)
    # Credit saturates at 1, so among equal credit the closer sentence wins: with several points
    # per sentence, ties must not go to whichever sentence comes first.
    order = np.lexsort((-sims.ravel(), -credit.ravel()))
    for flat in order:
        i, j = divmod(int(flat), n_units)
        value = credit[i, j]
        if value <= 0:
            break
        sentence = facts[j].unit.sentence
        if chosen[i] is not None or used[sentence] >= capacity[sentence]:
            continue
        if unit_used[j] >= unit_capacity[j]:
            continue
        # A sentence's first point may be a loose match; further ones must be clear matches, or
        # one sentence near the topic would collect every point it is vaguely like.
        if used[sentence] and value < cal.extra_point_credit:
            continue
        chosen[i] = j
        used[sentence] += 1
        unit_used[j] += 1

    verdicts = []
    for i, key_point in enumerate(key_points):
        j_best = chosen[i]
        denial = contradicting[i]
        # When the closest statement to a point denies it, a looser match elsewhere cannot save it.
        if denial is not None and j_best is not None and sims[i, denial] >= sims[i, j_best]:
            j_best = None
        best = float(credit[i, j_best]) if j_best is not None else 0.0
        made = best >= cal.made_at
        if made:
            confidence = 0.5 + 0.5 * (best - cal.made_at) / (1.0 - cal.made_at)
        else:
            confidence = 0.5 + 0.5 * (cal.made_at - best) / cal.made_at
        contradicted = not made and contradicting[i] is not None
        evidence_at = contradicting[i] if contradicted else j_best
        if evidence_at is None and not made and n_units:
            # Nothing earned credit; show the closest sentence if it came anywhere near.
            nearest = int(np.argmax(sims[i]))
            if float(sims[i, nearest]) >= cal.low and facts[nearest].factor > 0:
                evidence_at = nearest
        verdicts.append(
            PointVerdict(
                key_point=key_point,
                made=made,
                confidence=round(min(1.0, max(0.0, confidence)), 2),
                credit=round(best, 3),
                evidence=facts[evidence_at].unit.text if evidence_at is not None else None,
                contradicted=contradicted,
            )
        )
    return verdicts


def _misconceptions(
    question: Question,
    sims: FloatArray,
    point_sims: FloatArray,
    facts: Sequence[_UnitFacts],
    cal: Calibration,
) -> list[MisconceptionFound]:
    found: list[MisconceptionFound] = []
    nearest_point = point_sims.max(axis=0) if point_sims.size else np.zeros(len(facts))
    for i, wrong in enumerate(question.misconceptions):
        best: tuple[float, int] = (0.0, -1)
        for j, fact in enumerate(facts):
            sim = float(sims[i, j])
            if fact.factor == 0 or fact.keyword_list or polarity_differs(fact.unit.text, wrong):
                continue  # a sentence that denies the wrong belief is a good sign, not a bad one
            if fact.ambiguous_polarity and fact.negated:
                continue
            if sim < cal.misconception_at or sim < nearest_point[j] + cal.misconception_margin:
                continue
            if sim > best[0]:
                best = (sim, j)
        if best[1] >= 0:
            confidence = 0.5 + 0.5 * _ramp(
                best[0], cal.misconception_at, cal.misconception_at + 0.2
            )
            found.append(
                MisconceptionFound(
                    misconception=wrong,
                    evidence=facts[best[1]].unit.text,
                    confidence=round(confidence, 2),
                )
            )
    return found


def _notes(
    split: SplitAnswer, off_topic: bool, answer: str, listing: bool, cal: Calibration
) -> list[str]:
    notes = []
    if not _mostly_english(answer):
        notes.append(ENGLISH_ONLY)
    if split.truncated:
        notes.append(
            f"The answer has {split.total_words:,} words; only the first {split.graded_words:,} "
            f"({len(split.sentences)} sentences) were graded. Spoken interview answers rarely "
            f"need more than {LONG_ANSWER_WORDS} words."
        )
    elif split.total_words > LONG_ANSWER_WORDS:
        notes.append(
            f"The answer has {split.total_words:,} words and was graded whole; spoken interview "
            f"answers rarely need more than {LONG_ANSWER_WORDS}."
        )
    if listing:
        notes.append(
            f"The answer is a list of terms, so its score is capped at {cal.keyword_list_cap:g}: "
            "naming the ideas shows you have heard of them, explaining them shows you understand."
        )
    if off_topic:
        notes.append("The answer does not seem to address this question.")
    return notes


def _advice(
    points: Sequence[PointVerdict],
    found: Sequence[MisconceptionFound],
    facts: Sequence[_UnitFacts],
    off_topic: bool,
    score: float,
) -> str:
    missed = [p for p in points if not p.made]
    contradicted = [p for p in points if p.contradicted]
    first_missed = _lower_first(missed[0].key_point).rstrip(".") if missed else ""
    parts: list[str] = []
    if facts and all(f.copies_prompt for f in facts):
        parts.append("Restating the question earns no credit: answer it in your own words.")
    elif off_topic:
        parts.append("This answer is about something else: reread the question and answer it.")
    elif facts and sum(f.keyword_list for f in facts) * 2 >= len(facts) and score < 3:
        parts.append(
            "Write full sentences that explain how the ideas connect; a list of terms shows "
            "what you have heard of, not what you understand."
        )
    if contradicted:
        parts.append(
            f"Check this claim, the opposite is true: {_lower_first(contradicted[0].key_point)}"
        )
    elif found:
        parts.append(
            f"Careful, this is a common misconception: {_lower_first(found[0].misconception)}"
        )
    if len(parts) < 2:
        if not missed:
            parts.append("Strong answer: it makes every key point.")
        elif len(missed) == 1:
            parts.append(f"To complete it, add that {first_missed}")
        elif len(missed) == len(points) and not parts:
            parts.append(
                f"Start from the core idea: {first_missed}. Then compare with the model answer."
            )
        elif len(missed) < len(points):
            parts.append(
                f"Add that {first_missed} (and {len(missed) - 1} more point"
                f"{'s' if len(missed) > 2 else ''} missed)."
            )
    return " ".join(_sentence(p) for p in parts[:2])


def _mostly_english(text: str) -> bool:
    """Whether the text is English as far as its letters and words tell (the grader's models
    read English): most letters Latin ones, and not largely the little words of another language
    written in Latin letters ("la tasa de verdaderos positivos...")."""
    letters = [c for c in text if c.isalpha()]
    latin = sum(1 for c in letters if c.isascii())
    if letters and latin < 0.5 * len(letters):
        return False
    return len(text.split()) < 6 or foreign_share(text) < FOREIGN_SHARE


def _lower_first(text: str) -> str:
    text = text.strip()
    # "The test set" becomes "the test set"; "L1", "AdaBoost" and "I" keep their capitals.
    first = text.split(maxsplit=1)[0] if text else ""
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def _empty_grade(backend: Backend, question: Question, answer: str) -> Grade:
    if answer.strip() and not _mostly_english(answer):
        advice = "Write your answer in English: " + ENGLISH_ONLY.split(";")[0] + "."
        note = ENGLISH_ONLY
    else:
        advice = (
            "Write your answer first: explain the idea in a few full sentences, then compare "
            "it with the model answer."
        )
        note = "The answer is empty, so it scores 0."
    points = tuple(
        PointVerdict(key_point=k.text, made=False, confidence=1.0, credit=0.0)
        for k in question.key_points
    )
    return Grade(
        question_id=question.id,
        score=0.0,
        points=points,
        advice=advice,
        model_answer=question.answer,
        backend=backend.name,
        backend_note=backend.note,
        notes=(note,),
        graded_words=0,
        total_words=len(answer.split()),
    )
