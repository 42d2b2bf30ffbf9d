"""How scikit-learn (and libraries with its API: imbalanced-learn, XGBoost, LightGBM, Keras's
fit/evaluate) calls move rows: estimators constructed and cloned, pipelines and searches, fit,
transform, predict and score, train_test_split, cross-validation and fold splitters, metrics."""

from __future__ import annotations

import ast

from mlcoach.review import libraries as lib
from mlcoach.review.flow.common import args_taint
from mlcoach.review.flow.events import (
    CrossValidation,
    EvalSet,
    Imputation,
    ModelFit,
    Split,
    TransformFit,
    Where,
)
from mlcoach.review.flow.recording import Recorder
from mlcoach.review.values import (
    UNKNOWN,
    Estimator,
    Lib,
    Multi,
    Plain,
    RowSet,
    Taint,
    Value,
    deep_taint,
    estimators_in,
    join,
    members,
)


class SklearnModel(Recorder):
    def construct(
        self,
        callee: Lib,
        category: str | None,
        args: list[Value],
        kwargs: dict[str, Value],
        node: ast.Call,
    ) -> Value:
        where = self.where(node)
        ident, _ = self.flow.interned(("estimator", *self.key(where)))
        taint = args_taint(args, kwargs)
        name = callee.last
        estimator = Estimator(
            ident=ident,
            name=name,
            category=category,
            site=where.deepest,
            kwargs=kwargs,
            args=tuple(args),
            taint=Taint(loops=taint.loops & frozenset(self.active_loops)),
        )
        if name in ("Pipeline", "ColumnTransformer", "FeatureUnion", "make_column_transformer"):
            source = args[0] if args else kwargs.get("steps", kwargs.get("transformers", UNKNOWN))
            steps = members(source) if name != "make_column_transformer" else tuple(args)
            for step in steps:
                if isinstance(step, Plain) and step.items and len(step.items) >= 2:
                    estimator.steps.append(step.items[1])
                elif name == "make_column_transformer" and isinstance(step, Plain) and step.items:
                    estimator.steps.append(step.items[0])
        elif name == "make_pipeline":
            estimator.steps.extend(args)
        else:
            inner = kwargs.get("estimator", kwargs.get("base_estimator", kwargs.get("model")))
            if inner is None and args and estimators_in(args[0]):
                inner = args[0]
            if inner is not None:
                estimator.steps.append(inner)
        self.flow.estimators[ident] = estimator
        return estimator

    def clone(self, value: Value, node: ast.Call) -> Value:
        """sklearn.base.clone: an unfitted copy with the same parameters."""
        where = self.where(node)
        copies: list[Estimator] = []
        for original in estimators_in(value):
            ident, _ = self.flow.interned(("clone", *self.key(where), original.ident))
            copy = Estimator(
                ident=ident,
                name=original.name,
                category=original.category,
                site=where.deepest,
                kwargs=dict(original.kwargs),
                args=original.args,
                taint=original.taint,
                steps=list(original.steps),
            )
            self.flow.estimators[ident] = copy
            copies.append(copy)
        result: Value = UNKNOWN
        for made in copies:
            result = join(result, made)
        return result

    def effective_category(self, estimator: Estimator) -> str | None:
        if estimator.category == "pipeline" and estimator.steps:
            last = estimators_in(estimator.steps[-1])
            if last:
                category = self.effective_category(last[0])
                return "pipeline" if category in ("model", "search", None) else category
        return estimator.category

    def is_classifier(self, value: Value) -> bool:
        for estimator in estimators_in(value):
            if lib.is_classifier_name(estimator.name):
                return True
            if (
                estimator.category in ("pipeline", "search")
                and estimator.steps
                and self.is_classifier(estimator.steps[-1])
            ):
                return True
        return False

    def train_test_split(
        self, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        where = self.where(node)
        split, new = self.flow.interned(("split", *self.key(where)))
        shuffle = kwargs.get("shuffle")
        if new:
            self.flow.splits[split] = Split(
                split,
                "train_test_split",
                where,
                sides={"train", "test"},
                shuffled=not (isinstance(shuffle, Plain) and shuffle.const is False),
            )
        self.flow.splits[split].origins.update(r.origin for a in args for r in deep_taint(a).rows)
        self.fresh_splits.add(split)
        # splitting rows that are already the training side of another split: what is held out
        # is a validation set (until its name says otherwise)
        inputs = [r for a in args for r in deep_taint(a).rows]
        nested = bool(inputs) and all(
            r.path and self.flow.side_roles.get(r.path[-1]) == "train" for r in inputs
        )
        for side, role in (("train", "train"), ("test", "val" if nested else "test")):
            self.flow.side_roles.setdefault((split, side), role)
            self.flow.used_sides.add((split, side))
        shared_origin: int | None = None
        outputs: list[Value] = []
        for arg in args:
            taint = deep_taint(arg)
            rows = taint.rows
            if not rows:
                if shared_origin is None:
                    shared_origin = self.origin(node, None)
                rows = frozenset({RowSet(shared_origin)})
            taint = taint.replace(rows=rows)
            self.check_leaks(taint, where, "split")
            columns = arg.columns if isinstance(arg, Plain) else None
            for side in ("train", "test"):
                side_rows = frozenset(r.extend(split, side) for r in rows)
                outputs.append(Plain(taint=taint.replace(rows=side_rows), columns=columns))
        return Plain(items=tuple(outputs))

    def cross_validation(
        self, args: list[Value], kwargs: dict[str, Value], node: ast.Call, via: str
    ) -> Value:
        estimator = args[0] if args else kwargs.get("estimator", UNKNOWN)
        data = args[1] if len(args) > 1 else kwargs.get("X", UNKNOWN)
        target = args[2] if len(args) > 2 else kwargs.get("y", UNKNOWN)
        taint = deep_taint(data) | deep_taint(target)
        where = self.where(node)
        ident, new = self.flow.interned(("cv", *self.key(where)))
        if new:
            self.flow.cross_validations[ident] = CrossValidation(
                ident,
                estimators_in(estimator),
                taint.rows,
                where,
                kwargs.get("cv"),
                via,
                target,
                data.columns if isinstance(data, Plain) else None,
            )
        else:  # the same line again, with another model (a loop, a helper called twice)
            record = self.flow.cross_validations[ident]
            known = {e.ident for e in record.estimators}
            record.estimators += [e for e in estimators_in(estimator) if e.ident not in known]
        self.check_leaks(taint, where, "cross-validation")
        evaluation = self.evaluation(frozenset(), taint.replace(rows=frozenset()), node, via, "cv")
        if via == "cross_val_predict":
            return Plain(taint=taint.replace(evals=frozenset(), models=frozenset()))
        return Plain(taint=Taint(evals=frozenset({evaluation}), loops=taint.loops))

    def metric_call(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        taint = args_taint(args, kwargs)
        metric = lib.METRICS.get(name, name)
        evaluation = self.evaluation(taint.models, taint, node, metric, "metric")
        return Plain(taint=Taint(evals=taint.evals | {evaluation}, loops=taint.loops))

    def estimator_evaluation(
        self, model: Value, data: list[Value], metric: str, node: ast.Call
    ) -> Value:
        fits = frozenset(e.fit_id for e in estimators_in(model) if e.fit_id is not None)
        taint = args_taint(data, {})
        varying = model.loops if isinstance(model, Multi) else frozenset()
        for estimator in estimators_in(model):
            varying = varying | estimator.taint.loops
        evaluation = self.evaluation(
            fits, taint.replace(model_loops=varying), node, metric, "score"
        )
        return Plain(taint=Taint(evals=frozenset({evaluation}), loops=taint.loops))

    # ----- estimators -----

    def estimator_method(
        self,
        estimator: Estimator,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: ast.Call,
        varying: frozenset[int],
    ) -> Value:
        data = args[0] if args else kwargs.get("X", kwargs.get("x", UNKNOWN))
        target = args[1] if len(args) > 1 else kwargs.get("y", UNKNOWN)
        category = self.effective_category(estimator)
        loops = (estimator.taint.loops | varying) & frozenset(self.active_loops)
        if name in ("fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample", "fit_sample", "fit_on_texts"):  # fmt: skip
            return self.fit(estimator, category, name, data, target, kwargs, node, loops)
        if name in ("transform", "inverse_transform", "texts_to_sequences", "texts_to_matrix"):
            taint = deep_taint(data)
            if estimator.transform_id is not None:
                taint = taint.replace(transforms=taint.transforms | {estimator.transform_id})
            return Plain(taint=taint.replace(evals=frozenset(), stats=frozenset()))
        if name in ("predict", "predict_proba", "predict_log_proba", "decision_function", "staged_predict", "forecast", "score_samples"):  # fmt: skip
            taint = deep_taint(data)
            models = frozenset({estimator.fit_id}) if estimator.fit_id is not None else frozenset()
            return Plain(
                taint=taint.replace(
                    models=models, model_loops=loops, evals=frozenset(), stats=frozenset()
                )
            )
        if name in ("score", "evaluate"):
            fits = frozenset({estimator.fit_id}) if estimator.fit_id is not None else frozenset()
            taint = deep_taint(data) | deep_taint(target)
            if name == "evaluate":
                metric = "keras"
            elif self.is_classifier(estimator):
                metric = "accuracy"
            elif lib.estimator_category(estimator.name) == "model":
                metric = "r2"
            else:
                metric = "score"
            evaluation = self.evaluation(
                fits, taint.replace(model_loops=loops), node, metric, "score"
            )
            return Plain(taint=Taint(evals=frozenset({evaluation}), loops=taint.loops))
        if name == "split" and estimator.category == "splitter":
            return self.folds(estimator, data, node)
        if name == "set_params":
            estimator.kwargs.update(kwargs)
            hyper = args_taint([], kwargs).loops & frozenset(self.active_loops)
            estimator.taint = estimator.taint | Taint(loops=hyper)
            return estimator
        if name in ("compile", "add", "summary", "save", "get_params", "get_feature_names_out"):
            return UNKNOWN
        return UNKNOWN

    def fit(
        self,
        estimator: Estimator,
        category: str | None,
        name: str,
        data: Value,
        target: Value,
        kwargs: dict[str, Value],
        node: ast.Call,
        loops: frozenset[int],
    ) -> Value:
        where = self.where(node)
        taint = deep_taint(data)
        if category == "sampler" or name in ("fit_resample", "fit_sample"):
            if estimator.name in lib.OVERSAMPLERS:
                over = self.oversample(estimator.name, taint.rows | deep_taint(target).rows, node)
                resampled = taint.replace(oversampled=taint.oversampled | {over})
                labels = deep_taint(target)
                labels = labels.replace(oversampled=labels.oversampled | {over})
                return Plain(items=(Plain(taint=resampled), Plain(taint=labels)))
            return Plain(items=(Plain(taint=taint), Plain(taint=deep_taint(target))))
        if category == "transform" or name == "fit_on_texts":
            ident, new = self.flow.interned(("transform", *self.key(where), estimator.ident))
            if new:
                self.flow.transforms[ident] = TransformFit(
                    ident, estimator.name, "transform", taint.rows, where
                )
            else:
                self.flow.transforms[ident].rows |= taint.rows
            estimator.transform_id = ident
            self._constant_imputer(estimator, data, where)
            if name == "fit_transform":
                return Plain(
                    taint=taint.replace(transforms=taint.transforms | {ident}, evals=frozenset())
                )
            return estimator
        # a model, pipeline, search or unknown class
        if not taint.rows and not deep_taint(target).rows and estimator.args:
            taint = args_taint(list(estimator.args), {})  # statsmodels: data given to the class
        rows = taint.rows | deep_taint(target).rows
        ident, new = self.flow.interned(("fit", *self.key(where), estimator.ident))
        if new:
            features = data.columns if isinstance(data, Plain) else None
            self.flow.fits[ident] = ModelFit(ident, estimator, rows, where, target, features)
        else:
            self.flow.fits[ident].rows |= rows
        estimator.fit_id = ident
        for key in ("eval_set", "validation_data"):
            if key in kwargs:
                held = deep_taint(kwargs[key]).rows
                early = any(
                    k in kwargs for k in ("early_stopping_rounds", "callbacks", "early_stopping")
                ) or any(k in estimator.kwargs for k in ("early_stopping_rounds", "callbacks"))
                self.flow.eval_sets.append(EvalSet(ident, held, where, early))
        if category == "search":
            cv_id, cv_new = self.flow.interned(("cv", *self.key(where)))
            if cv_new:
                inner = [e for step in estimator.steps for e in estimators_in(step)]
                self.flow.cross_validations[cv_id] = CrossValidation(
                    cv_id,
                    inner or [estimator],
                    rows,
                    where,
                    estimator.kwargs.get("cv"),
                    estimator.name,
                    target,
                    data.columns if isinstance(data, Plain) else None,
                )
            self.check_leaks(taint | Taint(rows=rows), where, "cross-validation")
        if name == "fit_predict":
            return Plain(taint=taint.replace(models=frozenset({ident}), model_loops=loops))
        if name == "fit_transform":
            return Plain(taint=taint)
        return estimator

    def _constant_imputer(self, estimator: Estimator, data: Value, where: Where) -> None:
        if estimator.name != "SimpleImputer":
            return
        strategy = estimator.kwargs.get("strategy")
        if not (isinstance(strategy, Plain) and strategy.const == "constant"):
            return
        fill = estimator.kwargs.get("fill_value")
        value = fill.const if isinstance(fill, Plain) and fill.is_const else 0
        if isinstance(value, int | float) and not isinstance(value, bool):
            columns = data.columns if isinstance(data, Plain) else None
            origins = frozenset(r.origin for r in deep_taint(data).rows)
            self.flow.imputations.append(
                Imputation(where, columns, float(value), origins, "SimpleImputer")
            )

    def folds(self, splitter: Estimator, data: Value, node: ast.Call) -> Value:
        where = self.where(node)
        split, new = self.flow.interned(("split", *self.key(where)))
        if new:
            self.flow.splits[split] = Split(
                split,
                "folds",
                where,
                splitter=splitter,
                sides={"fold-train", "fold-test"},
                shuffled=shuffles(splitter),
            )
        self.flow.splits[split].origins.update(r.origin for r in deep_taint(data).rows)
        self.flow.side_roles.setdefault((split, "fold-train"), "train")
        self.flow.side_roles.setdefault((split, "fold-test"), "val")
        self.flow.used_sides.update({(split, "fold-train"), (split, "fold-test")})
        taint = deep_taint(data)
        rows = taint.rows
        if not rows:
            rows = frozenset({RowSet(self.origin(node, None))})
        self.check_leaks(taint.replace(rows=rows), where, "cross-validation")
        train = Plain(
            taint=Taint(rows=frozenset(r.extend(split, "fold-train") for r in rows)), is_index=True
        )
        test = Plain(
            taint=Taint(rows=frozenset(r.extend(split, "fold-test") for r in rows)), is_index=True
        )
        return Plain(elements=(Plain(items=(train, test)),))


def shuffles(splitter: Estimator) -> bool:
    """Whether a scikit-learn splitter draws its folds at random instead of cutting in order."""
    if splitter.name in lib.SHUFFLE_SPLITTERS:
        shuffle = splitter.kwargs.get("shuffle")
        return isinstance(shuffle, Plain) and shuffle.const is True
    return splitter.name in ("ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit")
