"""Recording events: the part of the interpreter that the library models share.

`Recorder` knows where the interpreter is (file, cell, line, and the calls it is inside) and turns
what a library call did into event records in the `Flow`: a data set loaded, a split's side used, a
statistic computed, an evaluation, a selection among scores, oversampling, a leak when fitted
transforms meet the rows they were fitted on.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from mlcoach.review.flow.events import (
    Evaluation,
    Flow,
    Leak,
    Origin,
    Oversample,
    Selection,
    Split,
    TransformFit,
    Where,
    role_from_name,
)
from mlcoach.review.values import RowSet, Site, Taint, rows_overlap


class Recorder:
    """The interpreter's position and its event log (the state is set by `Interpreter`)."""

    flow: Flow
    ctx: tuple[str, int | None]
    call_stack: list[Site]
    active_loops: list[int]
    fresh_splits: set[int]
    fresh_origins: set[int]

    def where(self, node: ast.AST) -> Where:
        site: Site = (self.ctx[0], self.ctx[1], getattr(node, "lineno", 0))
        if self.call_stack:
            return Where(self.call_stack[0], (*self.call_stack[1:], site))
        return Where(site)

    @staticmethod
    def key(where: Where) -> tuple[Any, ...]:
        return (where.site, where.inner)

    def _use_side(self, split: int, side: str) -> None:
        record = self.flow.splits.get(split)
        if record is not None:
            record.sides.add(side)
        key = (split, side)
        self.flow.used_sides.add(key)
        if key not in self.flow.side_roles:
            default = {"head": "train", "tail": "test", "sample": "train", "rest": "test"}.get(side)
            self.flow.side_roles[key] = default
        self.fresh_splits.add(split)

    def split_for(self, key: tuple[Any, ...], kind: str, node: ast.AST) -> int:
        """The split that a mask or slice on the same expression belongs to."""
        ident, new = self.flow.interned(("split-key", self.ctx[0], *key))
        if new:
            self.flow.splits[ident] = Split(ident, kind, self.where(node))
        return ident

    def origin(self, node: ast.AST, path: str | None) -> int:
        where = self.where(node)
        ident, new = self.flow.interned(("origin", *self.key(where)))
        if new:
            role = None
            if path:
                stem = re.split(r"[\\/]", path)[-1].lower()
                role = role_from_name(stem.rsplit(".", 1)[0])
            self.flow.origins[ident] = Origin(ident, where, path, role=role)
        self.fresh_origins.add(ident)
        return ident

    def check_leaks(self, taint: Taint, where: Where, how: str) -> None:
        for transform in taint.transforms:
            record = self.flow.transforms.get(transform)
            if record and rows_overlap(record.rows, taint.rows):
                self.flow.add_leak(Leak("preprocessing", transform, where, how))
        for oversample in taint.oversampled:
            over = self.flow.oversamples.get(oversample)
            if over and rows_overlap(over.rows, taint.rows):
                self.flow.add_leak(Leak("oversampling", oversample, where, how))

    def evaluation(
        self, fits: frozenset[int], taint: Taint, node: ast.AST, metric: str, kind: str
    ) -> int:
        where = self.where(node)
        # the column tells two scores on one line apart: print(train score, test score)
        column = getattr(node, "col_offset", 0)
        ident, new = self.flow.interned(("eval", *self.key(where), column, metric, fits))
        tuning = (taint.model_loops) & frozenset(self.active_loops)
        if new:
            self.flow.evaluations[ident] = Evaluation(
                ident, fits, taint.rows, where, metric, kind, tuning, frozenset(self.active_loops)
            )
        else:
            record = self.flow.evaluations[ident]
            record.rows = record.rows | taint.rows
            record.tuning_loops = record.tuning_loops | tuning
        for fit in fits:
            model_fit = self.flow.fits.get(fit)
            if model_fit is None or not taint.rows or rows_overlap(model_fit.rows, taint.rows):
                continue
            for transform in taint.transforms:
                record_t = self.flow.transforms.get(transform)
                if record_t and rows_overlap(record_t.rows, taint.rows):
                    self.flow.add_leak(Leak("preprocessing", transform, where, "evaluation"))
        return ident

    def selection(self, evals: frozenset[int], node: ast.AST, how: str) -> None:
        where = self.where(node)
        ident, new = self.flow.interned(("selection", *self.key(where)))
        if new:
            self.flow.selections[ident] = Selection(ident, evals, where, how)
        else:
            self.flow.selections[ident].evals |= evals

    def oversample(self, name: str, rows: frozenset[RowSet], node: ast.AST) -> int:
        where = self.where(node)
        ident, new = self.flow.interned(("oversample", *self.key(where)))
        if new:
            self.flow.oversamples[ident] = Oversample(ident, name, rows, where)
        return ident

    def absorb(self, taint: Taint, node: ast.AST) -> Taint:
        """Statistics of some rows flowing into data act as a transform fitted on those rows."""
        transforms = set(taint.transforms)
        for stat in taint.stats:
            transforms.add(stat)
        return taint.replace(transforms=frozenset(transforms), stats=frozenset())

    def statistic(self, name: str, rows: frozenset[RowSet], node: ast.AST) -> int:
        where = self.where(node)
        ident, new = self.flow.interned(("statistic", *self.key(where), name))
        if new:
            self.flow.transforms[ident] = TransformFit(ident, f"{name}()", "statistic", rows, where)
        return ident
