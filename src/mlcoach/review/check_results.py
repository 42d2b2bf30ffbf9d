"""Whole-submission checks: a baseline, a metric, accuracy on an imbalanced target, impossible
imputations, the narrative, exploratory analysis and a discussion of the results."""

from __future__ import annotations

import ast
import re

from mlcoach.review import libraries as lib
from mlcoach.review.check_model import model_fits
from mlcoach.review.claims import claims_in, metrics_named, output_text, printed_values
from mlcoach.review.context import (
    ReviewContext,
    call_name,
    describe,
    import_aliases,
    nodes_in_order,
    read_text,
)
from mlcoach.review.data import DataFiles, DataProfile, imbalance_ratio, printed_value_counts
from mlcoach.review.flow import Evaluation, Flow, Imputation, ModelFit
from mlcoach.review.models import Location
from mlcoach.review.sources import Unit
from mlcoach.review.values import Plain, Value, deep_taint, estimators_in, rows_overlap

# Metric families that describe more than accuracy does on a rare class.
INFORMATIVE = frozenset(
    {
        "balanced_accuracy",
        "f1",
        "precision",
        "recall",
        "roc_auc",
        "average_precision",
        "log_loss",
        "brier",
        "mcc",
        "kappa",
        "classification_report",
        "confusion_matrix",
        "jaccard",
    }
)
_GOAL = re.compile(
    r"\b(goal|aim|objective|task|purpose|problem|question|predict\w*|classif\w*|forecast\w*|"
    r"estimat\w*|we want|in this (notebook|project|analysis))\b",
    re.I,
)
_RESULT = re.compile(
    r"\b(results?|accuracy|score|performance|f1|auc|rmse|mae|error|conclu\w*|achiev\w*|"
    r"outperform\w*|baseline|summary|findings?|recall|precision)\b",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_CODE_BASELINE = re.compile(
    r"baseline|Dummy(Classifier|Regressor)|most_frequent|naive_forecast|persistence", re.I
)
_NARRATIVE_BASELINE = re.compile(
    r"\b(baselines?|majority[- ]class|most[- ]frequent|na[iï]ve(?!\s*bayes)\s+\w+|dummy|persistence|"
    r"last[- ]value|seasonal[- ]naive)\b",
    re.I,
)
_RESULTS_HEADING = re.compile(
    r"^\s*#+\s*.*\b(results?|conclusions?|discussion|summary|findings|evaluation)\b", re.I | re.M
)
MIN_NARRATIVE_WORDS = 60
MIN_DISCUSSION_WORDS = 20


def check_results(ctx: ReviewContext) -> None:
    data = ctx.data
    fits = [f for f in model_fits(ctx) if f.estimator.name not in lib.DUMMIES]
    _imputations(ctx, data)
    supervised = [f for f in fits if deep_taint(f.target).rows]
    if supervised:
        _baseline(ctx)
        _metric(ctx)
        _accuracy_on_imbalanced(ctx, data)
    _narrative(ctx)
    _eda(ctx)
    _discussion(ctx)
    _perfect_scores(ctx)


def _all_evaluations(ctx: ReviewContext) -> list[Evaluation]:
    return [e for flow in ctx.flows.values() for e in flow.evaluations.values()]


def _baseline(ctx: ReviewContext) -> None:
    for flow in ctx.flows.values():
        if any(e.name in lib.DUMMIES for e in flow.estimators.values()):
            return
    for unit in ctx.units:
        for chunk in unit.chunks:
            code = "\n".join(
                line
                for line in chunk.source.splitlines()
                if not line.lstrip().startswith(("import ", "from "))
            )
            if _CODE_BASELINE.search(code):
                return
    if _NARRATIVE_BASELINE.search(ctx.narrative()):
        return
    ctx.add(
        "evaluation/no-baseline",
        ctx.whole(),
        "Models are trained and scored, but nothing shows what a trivial predictor (majority "
        "class, mean, last value) would score on the same data.",
    )


def _metric(ctx: ReviewContext) -> None:
    if _all_evaluations(ctx):
        return
    for unit in ctx.units:
        aliases = import_aliases(unit)
        for _chunk, node in nodes_in_order(unit):
            if isinstance(node, ast.Call):
                name = call_name(node, aliases) or ""
                if name.rsplit(".", 1)[-1] in ("evaluate", "score") or "metrics" in name:
                    return
    ctx.add(
        "evaluation/no-metric",
        ctx.whole(),
        "Models are fitted, but no metric (score, accuracy, error...) is computed on their "
        "predictions.",
    )


# ----- class imbalance -----


def _scoring_families(ctx: ReviewContext) -> set[str]:
    """Metric families named in scoring=/metrics= arguments."""
    families: set[str] = set()
    for unit in ctx.units:
        for _chunk, node in nodes_in_order(unit):
            if not isinstance(node, ast.keyword) or node.arg not in (
                "scoring",
                "metrics",
                "eval_metric",
            ):
                continue
            for constant in ast.walk(node.value):
                if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                    families.add(_family(constant.value))
    return families


def _family(scoring: str) -> str:
    text = scoring.lower().removeprefix("neg_")
    for family in ("balanced_accuracy", "average_precision", "roc_auc", "f1", "precision", "recall", "log_loss", "accuracy", "auc"):  # fmt: skip
        if family in text:
            return "roc_auc" if family == "auc" else family
    if text in ("acc",):
        return "accuracy"
    return text


def _classifier_fits(ctx: ReviewContext) -> list[tuple[Unit, Flow, ModelFit]]:
    found = []
    for unit in ctx.units:
        flow = ctx.flows.get(unit.rel)
        if flow is None:
            continue
        for fit in flow.fits.values():
            if _classifier(fit.estimator) and fit.estimator.name not in lib.DUMMIES:
                found.append((unit, flow, fit))
    return found


def _classifier(value: Value) -> bool:
    for candidate in estimators_in(value):
        if lib.is_classifier_name(candidate.name):
            return True
        if (
            candidate.category in ("pipeline", "search")
            and candidate.steps
            and _classifier(candidate.steps[-1])
        ):
            return True
    return False


def _target_column(fit: ModelFit) -> str | None:
    target = fit.target
    if isinstance(target, Plain) and target.columns:
        return target.columns[0]
    return None


def _target_counts(ctx: ReviewContext, data: DataFiles) -> tuple[dict[str, float] | None, str]:
    """Class counts of the classification target, and where they came from: the data file the
    target column was read from, else a value_counts() output the notebook printed."""
    fits = _classifier_fits(ctx)
    for unit, flow, fit in fits:
        name = _target_column(fit)
        if name is None:
            continue
        origins = frozenset(r.origin for r in fit.target.taint.rows)
        for profile in data.for_origins(unit, flow, origins):
            profiled = profile.columns.get(name)
            if profiled is not None and profiled.counts:
                where = f"{ctx.submission.relative(profile.path)}, column {name!r}"
                return {k: float(v) for k, v in profiled.counts.items()}, where
    targets = {name for _u, _f, fit in fits if (name := _target_column(fit)) is not None}
    printed = [
        (unit, column, counts)
        for unit in ctx.units
        for column, counts in printed_value_counts(unit)
    ]
    for unit, column, counts in printed:
        if column is not None and column in targets:
            return counts, f"the value_counts() output in {unit.rel}"
    if len(printed) == 1 and not targets:
        unit, _column, counts = printed[0]
        return counts, f"the value_counts() output in {unit.rel}"
    return None, ""


def _accuracy_on_imbalanced(ctx: ReviewContext, data: DataFiles) -> None:
    if not _classifier_fits(ctx):
        return
    evaluations = [e for e in _all_evaluations(ctx) if e.kind != "cv"]
    families = {e.metric for e in evaluations} | _scoring_families(ctx)
    families = {"accuracy" if f in ("score", "keras") else f for f in families}
    if not families or families & INFORMATIVE or "accuracy" not in families:
        return
    counts, source = _target_counts(ctx, data)
    if counts is None:
        ctx.notes.append(
            "accuracy is the only metric, but the class balance is unknown (no data file or "
            "value_counts() output): the imbalance check was skipped"
        )
        return
    ratio = imbalance_ratio(counts)
    if ratio is None or ratio < ctx.options.imbalance_ratio:
        return
    total = sum(counts.values())
    minority = min(counts.values())
    accuracy_evals = [e for e in evaluations if e.metric in ("accuracy", "score", "keras")]
    where = min(accuracy_evals, key=lambda e: e.where.site[1:]).where if accuracy_evals else None
    seen = (
        f"Accuracy is the only metric, and the target is imbalanced: the smallest class is "
        f"{minority / total:.0%} of the rows ({source}); always predicting the majority class "
        f"scores {max(counts.values()) / total:.0%}."
    )
    ctx.add("evaluation/accuracy-on-imbalanced", where if where else ctx.whole(), seen)


# ----- impossible imputations -----


def _imputations(ctx: ReviewContext, data: DataFiles) -> None:
    for unit in ctx.units:
        flow = ctx.flows.get(unit.rel)
        if flow is None:
            continue
        for imputation in flow.imputations:
            profiles = data.for_origins(unit, flow, imputation.origins)
            problems = _infeasible(imputation, profiles)
            if problems:
                ctx.add(
                    "data/infeasible-imputation",
                    imputation.where,
                    f"Missing values are filled with {imputation.value:g} ({describe(imputation.where.site)}), "
                    f"which is impossible for {'; '.join(problems)}.",
                )


def _infeasible(imputation: Imputation, profiles: list[DataProfile]) -> list[str]:
    columns = list(imputation.columns or ())
    if not columns:
        for profile in profiles:
            columns += [name for name, c in profile.columns.items() if c.missing and c.numeric]
    value = imputation.value
    problems: list[str] = []
    for column in dict.fromkeys(columns):
        reason = None
        for pattern, smallest, label in lib.PHYSICAL_COLUMNS:
            if pattern.search(column) and value < smallest:
                reason = f"{column!r} ({label})"
                break
        if reason is None:
            for profile in profiles:
                observed = profile.columns.get(column)
                if observed is None or observed.minimum is None or observed.maximum is None:
                    continue
                spread = observed.maximum - observed.minimum
                far_below = (
                    value < observed.minimum - max(spread, 1.0) * 0.5 and observed.minimum >= 0
                )
                far_above = value > observed.maximum + max(spread, 1.0) * 10
                if far_below or far_above:
                    reason = f"{column!r} (observed between {observed.minimum:g} and {observed.maximum:g})"
                    break
        if reason:
            problems.append(reason)
    return problems


# ----- presentation -----


def _words(text: str) -> int:
    cleaned = re.sub(r"```.*?```", " ", text, flags=re.S)
    return len(_WORD.findall(cleaned))


def _narrative(ctx: ReviewContext) -> None:
    text = ctx.narrative()
    count = _words(text)
    notebooks = [u for u in ctx.units if u.is_notebook]
    target = ctx.whole(notebooks[0] if notebooks else None)
    complete = count >= MIN_NARRATIVE_WORDS // 2 and _GOAL.search(text) and _RESULT.search(text)
    if count < MIN_NARRATIVE_WORDS and not complete:
        where = "Markdown cells" if notebooks else "README"
        ctx.add(
            "presentation/no-narrative",
            target,
            f"The {where} hold {count} words in all: not enough to state the goal, the approach and "
            "the results.",
        )
    elif not _GOAL.search(text) and not _RESULT.search(text):
        ctx.add(
            "presentation/no-narrative",
            target,
            "The text never says what the goal is or what the results were.",
        )


def _eda(ctx: ReviewContext) -> None:
    for unit in ctx.units:
        flow = ctx.flows.get(unit.rel)
        first_fit = None
        if flow is not None and flow.fits:
            first_fit = min(((f.where.site[1] or 0), f.where.site[2]) for f in flow.fits.values())
        aliases = import_aliases(unit)
        plotting = {
            name
            for name, target in aliases.items()
            if target.split(".")[0] in ("matplotlib", "seaborn", "plotly", "missingno")
        }
        for chunk, node in nodes_in_order(unit):
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node, aliases) or ""
            last = name.rsplit(".", 1)[-1]
            root = (
                (ast.unparse(node.func).split(".")[0])
                if isinstance(node.func, ast.Attribute)
                else ""
            )
            before_fit = first_fit is None or ((chunk.cell or 0), node.lineno) < first_fit
            if (last in lib.EDA_CALLS or root in plotting) and before_fit:
                return
    ctx.add(
        "presentation/no-eda",
        ctx.whole(),
        "No exploratory analysis (describe(), value_counts(), histograms, correlations...) comes "
        "before the modelling.",
    )


def _discussion(ctx: ReviewContext) -> None:
    evaluations = [e for e in _all_evaluations(ctx)]
    if not evaluations:
        return
    last = max(evaluations, key=lambda e: ((e.where.site[1] or 0), e.where.site[2]))
    unit = ctx.unit(last.where.site[0])
    if unit is not None and unit.is_notebook:
        cell = last.where.site[1] or 0
        after = " ".join(md.text for md in unit.markdown if md.cell > cell)
        if _words(after) >= MIN_DISCUSSION_WORDS:
            return
        # a results section written elsewhere (a summary at the top, results before the
        # appendix of plots) discusses them too
        sections = " ".join(md.text for md in unit.markdown if _RESULTS_HEADING.search(md.text))
        if _words(sections) >= MIN_DISCUSSION_WORDS and re.search(r"\d", sections):
            return
    for readme in ctx.submission.readmes:
        text = read_text(readme, ctx.options.max_file_bytes)
        if (
            _words(text) >= MIN_DISCUSSION_WORDS * 2
            and _RESULT.search(text)
            and re.search(r"\d", text)
        ):
            return
    ctx.add(
        "presentation/results-not-discussed",
        last.where,
        f"Nothing after the final evaluation ({describe(last.where.site)}) says what the numbers "
        "mean, how they compare with a baseline, or what their limits are.",
    )


# ----- near-perfect scores -----

# families where 1.0 is perfect and a real problem rarely gets above 0.99
_PERFECTIBLE = frozenset(
    {"accuracy", "balanced_accuracy", "f1", "roc_auc", "average_precision", "r2"}
)
_REMARK = re.compile(
    r"\b(suspicious\w*|too good|leak\w*|sanity|investigat\w*|double[- ]check\w*|unrealistic\w*|"
    r"surprising\w*|verify|verified|separable|trivial(ly)?)\b",
    re.I,
)
PERFECT = 0.99
_NEAR_ONE = re.compile(r"(?<![\d.])(0\.99|1\.0|1(?![\d.,])|99\.|100)")


def _perfect_scores(ctx: ReviewContext) -> None:
    """A printed score of 0.99 or more on held-out data, and no word in the text about it. One
    finding per notebook, at the test-set score when there is one (a cross-validated 1.000 before
    it tells the same story)."""
    if _REMARK.search(ctx.narrative()) or _benchmark_data(ctx):
        return
    for unit in ctx.units:
        if not unit.is_notebook:
            continue
        candidates: list[tuple[int, int, int, str]] = []
        for chunk in unit.chunks:
            for output in chunk.outputs:
                for line in output_text(output).splitlines():
                    if not _NEAR_ONE.search(line) or "train" in line.lower():
                        continue  # a training score of 1.0 is what many models get
                    perfect = {
                        p.metric
                        for p in printed_values(line)
                        if p.metric in _PERFECTIBLE and PERFECT <= p.value <= 1.0
                    }
                    number = _printing_line(chunk.lines, perfect) if perfect else None
                    if number is None or _scored_on_training_rows(ctx, unit, chunk.cell):
                        continue
                    said = line.lower()
                    rank = 0 if "test" in said else 2 if re.search(r"\bcv\b|fold", said) else 1
                    candidates.append((rank, chunk.cell or 0, number, line.strip()))
        if candidates:
            _, cell, number, line = min(candidates)
            ctx.add(
                "evaluation/suspicious-perfect-score",
                (unit.rel, cell, number),
                f"The notebook prints {line[:80]!r} (cell {cell}) and the text never questions "
                "it; a score this close to perfect usually means a leak.",
            )
            return
    _perfect_claims(ctx)


def _benchmark_data(ctx: ReviewContext) -> bool:
    """Data from a library's benchmark sets (MNIST, the digits, iris), where 0.99 is ordinary."""
    loaders = [o.loader or "" for flow in ctx.flows.values() for o in flow.origins.values()]
    for unit in ctx.units:
        for target in [*import_aliases(unit).values(), *loaders]:
            if re.search(r"(^|\.)datasets(\.|$)", target) and not target.endswith(
                ("make_classification", "make_regression", "make_blobs", "make_moons")
            ):
                return True
    return False


def _perfect_claims(ctx: ReviewContext) -> None:
    """No output shows it, but the text claims a near-perfect held-out score (unless the score
    is explained already: a model scored on its training rows)."""
    if any(f.id in ("leakage/train-test-overlap", "evaluation/no-holdout") for f in ctx.findings):
        return
    texts: list[tuple[Location, str]] = []
    for unit in ctx.units:
        texts += [(Location(file=unit.rel, cell=md.cell), md.text) for md in unit.markdown]
    for readme in ctx.submission.readmes:
        texts.append(
            (
                Location(file=ctx.submission.relative(readme)),
                read_text(readme, ctx.options.max_file_bytes),
            )
        )
    for place, text in texts:
        lines = text.splitlines()
        for claim in claims_in(text):
            said = lines[claim.line - 1].lower() if claim.line <= len(lines) else ""
            if (
                claim.metric in _PERFECTIBLE
                and PERFECT <= claim.value <= 1.0
                and "train" not in said
            ):
                ctx.add(
                    "evaluation/suspicious-perfect-score",
                    place.model_copy(update={"line": claim.line}),
                    f"The text claims {claim.metric} = {claim.text} and never questions it; a "
                    "score this close to perfect usually means a leak.",
                )
                return


def _scored_on_training_rows(ctx: ReviewContext, unit: Unit, cell: int | None) -> bool:
    """Whether every score computed in the cell is on rows its model was trained on (reported as
    overlap or missing hold-out instead: 1.0 on training rows is no surprise)."""
    flow = ctx.flows.get(unit.rel)
    if flow is None:
        return False
    here = [e for e in flow.evaluations.values() if e.where.site[:2] == (unit.rel, cell) and e.fits]
    return bool(here) and all(
        all(rows_overlap(flow.fits[f].rows, e.rows) for f in e.fits if f in flow.fits) for e in here
    )


def _printing_line(lines: list[str], families: set[str]) -> int | None:
    """The line of a cell that prints a score of one of ``families`` (not a training score)."""
    for number, text in enumerate(lines, start=1):
        if "train" in text.lower() and "test" not in text.lower():
            continue
        if metrics_named(text) & families:
            return number
    return None
