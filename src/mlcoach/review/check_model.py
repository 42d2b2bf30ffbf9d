"""Leakage and evaluation: findings drawn from the dataflow events of each program."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlcoach.review import libraries as lib
from mlcoach.review.context import ReviewContext, describe
from mlcoach.review.flow import Evaluation, Flow, ModelFit
from mlcoach.review.flow.library_models.sklearn_model import shuffles
from mlcoach.review.values import Estimator, Plain, Site, estimators_in, rows_overlap

_SELECTION_WORDS = re.compile(
    r"\b(best|outperform\w*|better|winner|wins|chose|choose|chosen|select\w*|pick\w*)\b", re.I
)


def check_model(ctx: ReviewContext) -> None:
    for flow in ctx.flows.values():
        _leaks(ctx, flow)
        _overlap_and_holdout(ctx, flow)
        _test_set_selection(ctx, flow)
        _tuning_without_validation(ctx, flow)
        _unstratified_cv(ctx, flow)
        _target_leakage(ctx, flow)
        _random_split_on_time_series(ctx, flow)
        _many_models_on_test(ctx, flow)


def _leaks(ctx: ReviewContext, flow: Flow) -> None:
    for leak in flow.leaks:
        exposed = describe(leak.exposed.site)
        if leak.kind == "preprocessing":
            transform = flow.transforms[leak.source]
            if transform.name in lib.TARGET_ENCODERS:
                ctx.add(
                    "leakage/target-leakage",
                    transform.where,
                    f"{transform.name} learns each category's mean label from rows that include "
                    f"the test rows, which are split off or scored afterwards ({exposed}).",
                    related=[leak.exposed.site],
                )
                continue
            if transform.kind == "statistic":
                what = f"A statistic ({transform.name}) computed over all rows is written into the data"
            else:
                what = f"{transform.name} is fitted on rows that include the test rows"
            if leak.how == "split":
                then = f"the data it produced is split into train and test afterwards ({exposed})"
            elif leak.how == "cross-validation":
                then = f"its output is cross-validated afterwards ({exposed}), so every fold's test part was seen by it"
            else:
                then = f"the model is then evaluated on rows it was fitted on ({exposed})"
            if transform.where.inner:
                what += f" (inside a function called at {describe(transform.where.site)})"
            ctx.add(
                "leakage/preprocessing-before-split",
                transform.where,
                f"{what}; {then}.",
                related=[leak.exposed.site],
            )
        else:
            oversample = flow.oversamples[leak.source]
            ctx.add(
                "leakage/oversampling-before-split",
                oversample.where,
                f"{oversample.name} creates minority-class rows before the data is split "
                f"({exposed}), so copies of the same rows land in both train and test.",
                related=[leak.exposed.site],
            )


def _is_dummy(fit: ModelFit) -> bool:
    return fit.estimator.name in lib.DUMMIES


def _evaluations_of(flow: Flow, fit_id: int) -> list[Evaluation]:
    return [e for e in flow.evaluations.values() if fit_id in e.fits and e.rows]


def _cross_validated(flow: Flow, estimator: Estimator) -> bool:
    return any(
        any(e.ident == estimator.ident for e in cv.estimators)
        for cv in flow.cross_validations.values()
    )


def _overlap_and_holdout(ctx: ReviewContext, flow: Flow) -> None:
    has_split = flow.has_split()
    for fit in flow.fits.values():
        if _is_dummy(fit) or not fit.rows:
            continue
        evaluations = _evaluations_of(flow, fit.id)
        if not evaluations:
            continue
        if any(not rows_overlap(fit.rows, e.rows) for e in evaluations):
            continue  # evaluated on held-out rows at least once
        if all(e.tuning_loops for e in evaluations):
            continue  # tuning on the training score: reported as no-validation-while-tuning
        first = min(evaluations, key=lambda e: e.where.site[1:])
        name = fit.estimator.name
        if not has_split:
            ctx.add(
                "evaluation/no-holdout",
                fit.where,
                f"{name} is fitted ({describe(fit.where.site)}) and scored on the same rows "
                f"({describe(first.where.site)}); there is no train/test split or cross-validation.",
                related=[first.where.site],
            )
        elif flow.is_test(first.rows):
            ctx.add(
                "leakage/train-test-overlap",
                fit.where,
                f"{name} is fitted on rows that include the test set ({describe(fit.where.site)}) "
                f"and then scored on the test set ({describe(first.where.site)}).",
                related=[first.where.site],
            )
        elif not _cross_validated(flow, fit.estimator):
            ctx.add(
                "leakage/train-test-overlap",
                first.where,
                f"{name} is only evaluated on rows it was trained on "
                f"({describe(first.where.site)}), although the data was split.",
                related=[fit.where.site],
            )


def _test_evaluations(flow: Flow, ids: frozenset[int]) -> list[Evaluation]:
    return [
        flow.evaluations[i]
        for i in ids
        if i in flow.evaluations and flow.is_test(flow.evaluations[i].rows)
    ]


def _test_set_selection(ctx: ReviewContext, flow: Flow) -> None:
    for selection in flow.selections.values():
        on_test = [e for e in _test_evaluations(flow, selection.evals) if e.kind != "cv"]
        if not on_test:
            continue
        fits = {f for e in on_test for f in e.fits}
        if len(fits) < 2 and not any(e.tuning_loops for e in on_test):
            continue
        # the comparison starts where the first candidate was scored on the test set, which
        # may be well before the line that picks the best
        earlier = [
            e
            for e in flow.evaluations.values()
            if e.fits & fits and e.kind != "cv" and flow.is_test(e.rows)
        ]
        first = min([*on_test, *earlier], key=lambda e: e.where.site[1:])
        ctx.add(
            "leakage/test-set-model-selection",
            first.where,
            f"Scores on the test set ({describe(first.where.site)}) are compared to pick the best "
            f"({selection.how} at {describe(selection.where.site)}).",
            related=[selection.where.site],
        )
    candidates: dict[object, set[int]] = {}
    for evaluation in flow.evaluations.values():
        if evaluation.tuning_loops and flow.is_test(evaluation.rows):
            candidates.setdefault(evaluation.where, set()).update(evaluation.fits)
    # one finding per loop, at its first line scoring on the test set, however many metrics the
    # loop computes
    by_loop: dict[frozenset[int], Evaluation] = {}
    for evaluation in sorted(flow.evaluations.values(), key=lambda e: e.where.site[1:]):
        if (
            evaluation.tuning_loops
            and flow.is_test(evaluation.rows)
            and _several_candidates(flow, candidates.get(evaluation.where, set()))
        ):
            by_loop.setdefault(evaluation.tuning_loops, evaluation)
    for evaluation in by_loop.values():
        ctx.add(
            "leakage/test-set-model-selection",
            evaluation.where,
            "Inside a loop over models or hyperparameter values, each candidate is scored on "
            f"the test set ({describe(evaluation.where.site)}).",
        )
    for fit in flow.fits.values():
        if fit.estimator.category == "search" and flow.is_test(fit.rows):
            ctx.add(
                "leakage/test-set-model-selection",
                fit.where,
                f"{fit.estimator.name} searches hyperparameters on the test set "
                f"({describe(fit.where.site)}).",
            )
    for eval_set in flow.eval_sets:
        if eval_set.early_stopping and flow.is_test(eval_set.rows):
            ctx.add(
                "leakage/test-set-model-selection",
                eval_set.where,
                "The test set is passed as eval_set/validation_data with early stopping "
                f"({describe(eval_set.where.site)}): it chooses the number of iterations.",
            )
    _compared_on_test_and_picked(ctx, flow)


def _several_candidates(flow: Flow, fit_ids: set[int]) -> bool:
    """A loop compares candidates when it scores two or more real models, or one model whose
    hyperparameters change with the loop; a loop printing a baseline beside the chosen model
    only reports."""
    fits = [
        flow.fits[f]
        for f in fit_ids
        if f in flow.fits
        and not _is_dummy(flow.fits[f])
        and flow.fits[f].estimator.category != "search"  # chosen by cross-validation
    ]
    return len(fits) >= 2 or any(f.estimator.taint.loops for f in fits)


def _compared_on_test_and_picked(ctx: ReviewContext, flow: Flow) -> None:
    """Several different models scored on the test set, then the text names a winner."""
    unit = ctx.unit(flow.unit)
    if unit is None or not unit.is_notebook:
        return
    by_class: dict[str, Evaluation] = {}
    for evaluation in sorted(flow.evaluations.values(), key=lambda e: e.where.site[1:]):
        if not flow.is_test(evaluation.rows):
            continue
        for fit_id in evaluation.fits:
            fit = flow.fits.get(fit_id)
            if fit is None or _is_dummy(fit) or _cross_validated(flow, fit.estimator):
                continue
            by_class.setdefault(_model_label(fit.estimator), evaluation)
    if len(by_class) < 2:
        return
    last_cell = max((e.where.site[1] or 0) for e in by_class.values())
    after = [md for md in unit.markdown if md.cell > last_cell]
    if not after or not _SELECTION_WORDS.search(after[0].text):
        return
    first = min(by_class.values(), key=lambda e: e.where.site[1:])
    ctx.add(
        "leakage/test-set-model-selection",
        first.where,
        f"{len(by_class)} different models ({', '.join(sorted(by_class))}) are scored on the test "
        f"set and the text after them picks one (cell {after[0].cell}).",
        related=[(flow.unit, after[0].cell, 1)],
    )


def _model_label(estimator: Estimator) -> str:
    if estimator.category in ("pipeline", "search") and estimator.steps:
        inner = estimators_in(estimator.steps[-1])
        if inner:
            return _model_label(inner[0])
    return estimator.name


def _tuning_without_validation(ctx: ReviewContext, flow: Flow) -> None:
    """Candidates compared on the rows they were trained on. (Compared on the test set instead,
    they are reported as test-set model selection.)"""
    tuning = [e for e in flow.evaluations.values() if e.tuning_loops and e.kind != "cv"]
    for selection in flow.selections.values():
        chosen = [flow.evaluations[i] for i in selection.evals if i in flow.evaluations]
        if len({f for e in chosen for f in e.fits}) >= 2 or any(e.tuning_loops for e in chosen):
            tuning.extend(e for e in chosen if e.kind != "cv")
    # a loop that also cross-validates or scores held-out rows chooses by those; the training
    # score printed beside them is a diagnostic
    validated: set[int] = set()
    for evaluation in flow.evaluations.values():
        if evaluation.kind == "cv" or (evaluation.rows and not _on_training_rows(flow, evaluation)):
            validated.update(evaluation.loops)
    on_training = [
        e for e in tuning if _on_training_rows(flow, e) and not (e.tuning_loops & validated)
    ]
    # one finding per tuning loop (its first line scoring on the training data), however many
    # metrics or candidates the loop scores
    by_loop: dict[frozenset[int], Evaluation] = {}
    for evaluation in sorted(on_training, key=lambda e: e.where.site[1:]):
        by_loop.setdefault(evaluation.tuning_loops, evaluation)
    for first in by_loop.values():
        ctx.add(
            "evaluation/no-validation-while-tuning",
            first.where,
            f"Candidates are compared by their score on the training data "
            f"({describe(first.where.site)}), which rewards overfitting, instead of on a "
            "validation split or with cross-validation.",
        )


def _on_training_rows(flow: Flow, evaluation: Evaluation) -> bool:
    fits = [flow.fits[f] for f in evaluation.fits if f in flow.fits]
    return bool(fits) and all(rows_overlap(f.rows, evaluation.rows) for f in fits)


def _unstratified_cv(ctx: ReviewContext, flow: Flow) -> None:
    for cv in flow.cross_validations.values():
        splitters = (
            [e for e in estimators_in(cv.cv) if e.name in lib.UNSTRATIFIED_SPLITTERS]
            if cv.cv
            else []
        )
        if not splitters:
            continue
        classifiers = [e for e in cv.estimators if _is_classifier(e)]
        if not classifiers:
            continue
        splitter = splitters[0]
        ctx.add(
            "evaluation/unstratified-cv",
            splitter.site,
            f"{splitter.name} folds are used to cross-validate a classifier "
            f"({_model_label(classifiers[0])}, {describe(cv.where.site)}).",
            related=[cv.where.site],
        )
    for split in flow.splits.values():
        if split.kind != "folds" or split.splitter is None:
            continue
        if split.splitter.name not in lib.UNSTRATIFIED_SPLITTERS:
            continue
        fitted = [
            fit
            for fit in flow.fits.values()
            if any(split.id in dict(r.path) for r in fit.rows) and _is_classifier(fit.estimator)
        ]
        if fitted:
            ctx.add(
                "evaluation/unstratified-cv",
                split.splitter.site,
                f"{split.splitter.name} folds are used to train and score a classifier "
                f"({describe(split.where.site)}).",
                related=[split.where.site],
            )


def _is_classifier(estimator: Estimator) -> bool:
    if lib.is_classifier_name(estimator.name):
        return True
    if estimator.category in ("pipeline", "search") and estimator.steps:
        return any(_is_classifier(e) for e in estimators_in(estimator.steps[-1]))
    return False


def model_fits(ctx: ReviewContext) -> list[ModelFit]:
    """Fits of known model classes across the submission."""
    return [
        fit
        for flow in ctx.flows.values()
        for fit in flow.fits.values()
        if fit.estimator.category in ("model", "pipeline", "search")
    ]


def target_value(fit: ModelFit) -> Plain | None:
    return fit.target if isinstance(fit.target, Plain) else None


@dataclass(frozen=True)
class _Training:
    """A model trained on named inputs and a named label: a fit or a cross-validation."""

    name: str
    site: Site
    labels: frozenset[str]
    features: tuple[str, ...] | None


def trainings(flow: Flow) -> list[_Training]:
    out: list[_Training] = []
    for fit in flow.fits.values():
        if _is_dummy(fit) or fit.estimator.category not in ("model", "pipeline", "search", None):
            continue
        target = target_value(fit)
        if target is not None and target.columns:
            out.append(
                _Training(
                    fit.estimator.name, fit.where.site, frozenset(target.columns), fit.features
                )
            )
    for cv in flow.cross_validations.values():
        if isinstance(cv.target, Plain) and cv.target.columns and cv.estimators:
            name = _model_label(cv.estimators[0])
            out.append(_Training(name, cv.where.site, frozenset(cv.target.columns), cv.features))
    return out


def is_feature(flow: Flow, training: _Training, column: str) -> bool:
    """Whether ``column`` is among the inputs: named in the column list, or (when the inputs are
    "the frame minus some columns") never dropped anywhere."""
    if training.features is not None:
        return column in training.features
    return column not in flow.dropped_columns


# columns that are only filled in once the outcome is known (a loan's recoveries, a customer's
# reason for leaving): as features they hand the model the label
_AFTER_THE_OUTCOME = re.compile(
    r"recover|charge_?off|write_?off|settle|collection|(end|exit|churn|cancel\w*|leave|leaving)_reason",
    re.I,
)


def _target_leakage(ctx: ReviewContext, flow: Flow) -> None:
    """A feature computed from the label, or the label computed from a column that stays a feature."""
    found = trainings(flow)
    every_label = frozenset().union(*(t.labels for t in found)) if found else frozenset()
    # only the columns that touch a label or an after-the-outcome column can leak
    relevant = [
        d
        for d in flow.derived
        if d.column in every_label
        or d.sources & every_label
        or any(_AFTER_THE_OUTCOME.search(s) for s in d.sources)
    ]
    for training in found:
        labels = training.labels
        for derived in relevant:
            if derived.column in labels:
                kept = sorted(s for s in derived.sources - labels if is_feature(flow, training, s))
                if kept:
                    uses = [w.deepest for s in kept for w in flow.column_uses.get(s, [])]
                    # a kept column that is itself computed: where it is made
                    uses += [d.where.deepest for d in flow.derived if d.column in kept]
                    ctx.add(
                        "leakage/target-leakage",
                        derived.where,
                        f"The label {derived.column!r} is computed from {', '.join(map(repr, kept))} "
                        f"({describe(derived.where.site)}), which stays among the features of "
                        f"{training.name} ({describe(training.site)}).",
                        related=[*uses, training.site],
                    )
                continue
            if not is_feature(flow, training, derived.column):
                continue
            used = derived.sources & labels
            after = sorted(s for s in derived.sources if _AFTER_THE_OUTCOME.search(s))
            if after and not used:
                ctx.add(
                    "leakage/target-leakage",
                    derived.where,
                    f"The feature {derived.column!r} is computed from {after[0]!r} "
                    f"({describe(derived.where.site)}), a value only known once the outcome is, and "
                    f"is given to {training.name} ({describe(training.site)}).",
                    related=[training.site],
                )
                continue
            if not used:
                continue
            if derived.aggregated and all(
                r.path and all(flow.side_roles.get(step) == "train" for step in r.path)
                for r in derived.rows
            ):
                continue  # an encoding learned on the training rows only
            how = "a group statistic of" if derived.aggregated else "computed from"
            ctx.add(
                "leakage/target-leakage",
                derived.where,
                f"The feature {derived.column!r} is {how} the label {sorted(used)[0]!r} "
                f"({describe(derived.where.site)}) and is given to {training.name} "
                f"({describe(training.site)}).",
                related=[training.site],
            )


def _random_split_on_time_series(ctx: ReviewContext, flow: Flow) -> None:
    if not flow.time_orders:
        return
    ordered: dict[int, str] = {}
    for order in flow.time_orders:
        for origin in order.origins:
            ordered.setdefault(origin, f"{order.how} at {describe(order.where.site)}")
    for split in flow.splits.values():
        if not split.shuffled:
            continue
        evidence = [ordered[o] for o in sorted(split.origins) if o in ordered]
        if not evidence:
            continue
        what = (
            "train_test_split shuffles the rows"
            if split.kind == "train_test_split"
            else (
                f"{split.splitter.name if split.splitter else 'The splitter'} draws folds at random"
            )
        )
        ctx.add(
            "leakage/random-split-on-time-series",
            split.where if split.splitter is None else split.splitter.site,
            f"The data is ordered in time ({evidence[0]}), but {what} "
            f"({describe(split.where.site)}): the model trains on rows from after the ones it is "
            "tested on.",
            related=[split.where.site],
        )
    for cv in flow.cross_validations.values():
        splitters = [e for e in estimators_in(cv.cv) if shuffles(e)] if cv.cv else []
        evidence = [ordered[r.origin] for r in cv.rows if r.origin in ordered]
        if splitters and evidence:
            ctx.add(
                "leakage/random-split-on-time-series",
                splitters[0].site,
                f"The data is ordered in time ({evidence[0]}), but {splitters[0].name} draws the "
                f"cross-validation folds at random ({describe(cv.where.site)}).",
                related=[cv.where.site],
            )


def _many_models_on_test(ctx: ReviewContext, flow: Flow) -> None:
    """Several different models each scored on the test set, none validated another way: the
    comparison is made on the test set even without an explicit max() or loop."""
    if flow.has_validation():
        return
    by_fit: dict[int, Evaluation] = {}
    labels: set[str] = set()
    for evaluation in sorted(flow.evaluations.values(), key=lambda e: e.where.site[1:]):
        if evaluation.kind == "cv" or not flow.is_test(evaluation.rows):
            continue
        for fit_id in evaluation.fits:
            fit = flow.fits.get(fit_id)
            if fit is None or _is_dummy(fit) or _cross_validated(flow, fit.estimator):
                continue
            by_fit.setdefault(fit_id, evaluation)
            labels.add(_model_label(fit.estimator))
    if len(labels) < MANY_MODELS:
        return
    first = min(by_fit.values(), key=lambda e: e.where.site[1:])
    ctx.add(
        "leakage/test-set-model-selection",
        first.where,
        f"{len(labels)} different models ({', '.join(sorted(labels))}) are each scored on the test "
        "set and nothing else (no validation split, no cross-validation) compares them, so the "
        "choice among them is made on the test set.",
    )


MANY_MODELS = 4
