"""The event records of the dataflow analysis: what the interpreter saw happen in one program.

Data loaded (`Origin`), a split into sides (`Split`), a transform or statistic fitted on some rows
(`TransformFit`), oversampling (`Oversample`), a model fitted (`ModelFit`), a score computed
(`Evaluation`), cross-validation, a choice among scores (`Selection`), a leak detected while the
data flowed (`Leak`), imputation with a constant. `Flow` holds them all; the checks in
`check_model` and `check_results` read it and never the interpreter itself.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mlcoach.review.values import UNKNOWN, Estimator, RowSet, Site, Value


@dataclass(frozen=True)
class Where:
    """Where an event happened: the line in the program's own code and, when it happened inside
    calls to the submission's functions, the lines inside them (outermost first)."""

    site: Site
    inner: tuple[Site, ...] = ()

    @property
    def deepest(self) -> Site:
        return self.inner[-1] if self.inner else self.site


@dataclass
class Origin:
    id: int
    where: Where
    file: str | None = None
    name: str | None = None
    role: str | None = None
    loader: str | None = None  # the library function that made it (keras.datasets.mnist.load_data)


@dataclass
class Split:
    id: int
    kind: str  # train_test_split, slice, mask, sample, folds
    where: Where
    splitter: Estimator | None = None
    sides: set[str] = field(default_factory=set)
    shuffled: bool = False  # rows drawn at random rather than cut in order
    origins: set[int] = field(default_factory=set)  # the data sets it splits


@dataclass
class TransformFit:
    id: int
    name: str
    kind: str  # "transform" or "statistic"
    rows: frozenset[RowSet]
    where: Where


@dataclass
class Oversample:
    id: int
    name: str
    rows: frozenset[RowSet]
    where: Where


@dataclass
class ModelFit:
    id: int
    estimator: Estimator
    rows: frozenset[RowSet]
    where: Where
    target: Value = UNKNOWN
    features: tuple[str, ...] | None = None  # the columns it was fitted on, when they are named


@dataclass
class Evaluation:
    id: int
    fits: frozenset[int]
    rows: frozenset[RowSet]
    where: Where
    metric: str
    kind: str  # metric, score, cv, manual
    tuning_loops: frozenset[int] = frozenset()
    loops: frozenset[int] = frozenset()  # every loop it sits in


@dataclass
class CrossValidation:
    id: int
    estimators: list[Estimator]
    rows: frozenset[RowSet]
    where: Where
    cv: Value | None
    via: str
    target: Value = UNKNOWN
    features: tuple[str, ...] | None = None


@dataclass
class Selection:
    id: int
    evals: frozenset[int]
    where: Where
    how: str


@dataclass
class Leak:
    kind: str  # preprocessing or oversampling
    source: int  # the TransformFit or Oversample id
    exposed: Where
    how: str  # split, cross-validation or evaluation


@dataclass
class EvalSet:
    fit: int
    rows: frozenset[RowSet]
    where: Where
    early_stopping: bool


@dataclass
class Imputation:
    where: Where
    columns: tuple[str, ...] | None
    value: float
    origins: frozenset[int]
    via: str


@dataclass
class DerivedColumn:
    """``frame[column] = <expression over other columns>``: where a column's values come from."""

    column: str
    sources: frozenset[str]  # the columns the expression reads
    where: Where
    rows: frozenset[RowSet]  # the rows of the frame written to
    aggregated: bool  # through a group statistic (a mean/target encoding), not row by row


@dataclass
class CodeReplacement:
    """Values replaced in the data (``df[c].replace(0, np.nan)``): a missing-value code turned
    into NaN, or into a number (a mean, a constant)."""

    where: Where
    columns: tuple[str, ...] | None  # None: the whole frame, or not known
    codes: tuple[float, ...]  # the values replaced; () when not known (mask, where)
    to_missing: bool
    origins: frozenset[int]


@dataclass
class TimeOrder:
    """Evidence that the rows of a data set are ordered in time (sorted or indexed by a date, or
    features computed from neighbouring rows), so a random split lets the model see the future."""

    origins: frozenset[int]
    where: Where
    how: str


@dataclass
class Flow:
    """Everything the interpreter saw in one program."""

    unit: str
    origins: dict[int, Origin] = field(default_factory=dict)
    splits: dict[int, Split] = field(default_factory=dict)
    transforms: dict[int, TransformFit] = field(default_factory=dict)
    oversamples: dict[int, Oversample] = field(default_factory=dict)
    fits: dict[int, ModelFit] = field(default_factory=dict)
    evaluations: dict[int, Evaluation] = field(default_factory=dict)
    cross_validations: dict[int, CrossValidation] = field(default_factory=dict)
    selections: dict[int, Selection] = field(default_factory=dict)
    leaks: list[Leak] = field(default_factory=list)
    eval_sets: list[EvalSet] = field(default_factory=list)
    imputations: list[Imputation] = field(default_factory=list)
    estimators: dict[int, Estimator] = field(default_factory=dict)
    derived: list[DerivedColumn] = field(default_factory=list)
    dropped_columns: set[str] = field(default_factory=set)
    time_orders: list[TimeOrder] = field(default_factory=list)
    replacements: list[CodeReplacement] = field(default_factory=list)
    deduplicated: set[int] = field(default_factory=set)  # origins whose duplicate rows are dropped
    column_uses: dict[str, list[Where]] = field(default_factory=dict)  # columns named in calls
    side_roles: dict[tuple[int, str], str | None] = field(default_factory=dict)
    named_sides: set[tuple[int, str]] = field(default_factory=set)
    used_sides: set[tuple[int, str]] = field(default_factory=set)
    internal_errors: int = 0
    truncated: bool = False
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _interned: dict[tuple[Any, ...], int] = field(default_factory=dict)
    _leak_keys: set[tuple[Any, ...]] = field(default_factory=set)

    def new_id(self) -> int:
        return next(self._ids)

    def interned(self, key: tuple[Any, ...]) -> tuple[int, bool]:
        """A stable id for ``key`` (the same event seen again, as on a loop's second pass)."""
        if key in self._interned:
            return self._interned[key], False
        ident = self.new_id()
        self._interned[key] = ident
        return ident, True

    def role(self, rows: RowSet) -> str | None:
        if rows.path:
            return self.side_roles.get(rows.path[-1])
        origin = self.origins.get(rows.origin)
        return origin.role if origin else None

    def is_test(self, rows: frozenset[RowSet]) -> bool:
        return bool(rows) and any(self.role(r) == "test" for r in rows)

    def add_leak(self, leak: Leak) -> None:
        key = (leak.kind, leak.source)
        if key not in self._leak_keys:
            self._leak_keys.add(key)
            self.leaks.append(leak)

    def has_split(self) -> bool:
        """A held-out split or cross-validation exists somewhere in the program."""
        if self.cross_validations:
            return True
        for split in self.splits.values():
            if split.kind in ("train_test_split", "folds"):
                return True
            if split.kind in ("slice", "mask", "sample") and len(split.sides) >= 2:
                return True
        return any(o.role == "test" for o in self.origins.values())

    def has_validation(self) -> bool:
        if self.cross_validations:
            return True
        for key, role in self.side_roles.items():
            if role == "val" and key in self.used_sides:
                return True
        return False


def role_from_name(name: str) -> str | None:
    lower = name.lower()
    if "test" in lower or "holdout" in lower or "hold_out" in lower:
        return "test"
    if "train" in lower:
        return "train"
    if re.search(r"val|valid|dev(?![a-z])", lower):
        return "val"
    return None
