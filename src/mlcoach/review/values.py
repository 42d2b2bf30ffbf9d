"""The abstract values the dataflow analysis computes with.

A value does not hold data; it holds where its data came from (its *taint*): which rows of which
data set (a row set is a data set plus the sides of the splits it went through), which fitted
transforms and oversamplers touched it, which evaluations a score came from, and which loop
variables it depends on. Estimators are mutable objects, as in Python: fitting one through any alias
changes what every alias sees.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

Site = tuple[str, int | None, int]  # (file, cell or None, line)


@dataclass(frozen=True)
class RowSet:
    """The rows of data set ``origin`` that survive every (split, side) step of ``path``."""

    origin: int
    path: tuple[tuple[int, str], ...] = ()

    def extend(self, split: int, side: str) -> RowSet:
        if any(s == split for s, _ in self.path):
            return self
        return RowSet(self.origin, (*self.path, (split, side)))

    def sides(self) -> dict[int, str]:
        return dict(self.path)


def disjoint(a: RowSet, b: RowSet) -> bool:
    """Two row sets share no row when they come from different data sets, or when some split sent
    them to different sides."""
    if a.origin != b.origin:
        return True
    sides = a.sides()
    return any(sides.get(split, side) != side for split, side in b.path)


def rows_overlap(a: frozenset[RowSet], b: frozenset[RowSet]) -> bool:
    return any(not disjoint(x, y) for x in a for y in b)


_EMPTY_IDS: frozenset[int] = frozenset()
_EMPTY_ROWS: frozenset[RowSet] = frozenset()


@dataclass(frozen=True)
class Taint:
    rows: frozenset[RowSet] = _EMPTY_ROWS
    transforms: frozenset[int] = _EMPTY_IDS  # fitted transforms whose output this is
    oversampled: frozenset[int] = _EMPTY_IDS  # oversampling events this went through
    evals: frozenset[int] = _EMPTY_IDS  # evaluations a score was computed by
    loops: frozenset[int] = _EMPTY_IDS  # loops whose variable this depends on
    models: frozenset[int] = _EMPTY_IDS  # model fits whose predictions these are
    model_loops: frozenset[int] = _EMPTY_IDS  # loops in which the predicting model varies
    stats: frozenset[int] = _EMPTY_IDS  # statistics (mean, median...) of some rows

    def __or__(self, other: Taint) -> Taint:
        if other is EMPTY or other == self:
            return self
        if self is EMPTY:
            return other
        return Taint(
            self.rows | other.rows,
            self.transforms | other.transforms,
            self.oversampled | other.oversampled,
            self.evals | other.evals,
            self.loops | other.loops,
            self.models | other.models,
            self.model_loops | other.model_loops,
            self.stats | other.stats,
        )

    def replace(self, **changes: Any) -> Taint:
        return dataclasses.replace(self, **changes)


EMPTY = Taint()


class Value:
    """Base of every abstract value."""

    taint: Taint = EMPTY


NOCONST: Any = object()


@dataclass(frozen=True, eq=False)
class Plain(Value):
    """Data, numbers, strings, containers: anything that is not an estimator, a library or a
    function."""

    taint: Taint = EMPTY
    items: tuple[Value, ...] | None = None  # a tuple/list whose positions are known
    keys: tuple[Any, ...] | None = None  # a dict: keys aligned with items
    elements: tuple[Value, ...] = ()  # members whose positions are unknown (appended, iterated)
    const: Any = NOCONST
    choices: tuple[Any, ...] = ()  # the constants a loop variable takes
    columns: tuple[str, ...] | None = None  # the columns a subscript selected
    mask: tuple[int, str] | None = None  # a boolean row mask: (split id, side)
    windowed: bool = False  # a rolling/groupby object: its reductions are per row, not global
    is_index: bool = False

    @property
    def is_const(self) -> bool:
        return self.const is not NOCONST

    def consts(self) -> tuple[Any, ...]:
        if self.is_const:
            return (self.const,)
        return self.choices


UNKNOWN = Plain()


@dataclass(eq=False)
class Estimator(Value):
    """An instance of a scikit-learn-like class."""

    ident: int
    name: str
    category: str | None  # transform, sampler, model, pipeline, search, splitter or None
    site: Site
    kwargs: dict[str, Value] = field(default_factory=dict)
    args: tuple[Value, ...] = ()
    taint: Taint = EMPTY  # its loops: a hyperparameter that varies with a loop variable
    steps: list[Value] = field(default_factory=list)  # pipeline steps, search's estimator
    fit_id: int | None = None  # the latest fit of this object
    transform_id: int | None = None  # the latest fit, when it learned a transform


@dataclass(frozen=True, eq=False)
class Lib(Value):
    """A module or something imported from a library, by its dotted name."""

    qualname: str

    @property
    def last(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def root(self) -> str:
        return self.qualname.split(".", 1)[0]


@dataclass(eq=False)
class LocalModule(Value):
    """A module of the submission itself, imported by another of its files."""

    name: str
    namespace: dict[str, Value]


@dataclass(eq=False)
class Function(Value):
    """A function the submission defines; calls to it are analysed with the caller's arguments."""

    node: Any  # ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    file: str
    cell: int | None
    namespace: dict[str, Value]  # the module namespace it was defined in
    defaults: dict[str, Value] = field(default_factory=dict)
    closure: dict[str, Value] | None = None


@dataclass(eq=False)
class ClassValue(Value):
    """A class the submission defines: its body's names (methods, class attributes)."""

    name: str
    namespace: dict[str, Value]


@dataclass(eq=False)
class Instance(Value):
    """An object of a class the submission defines; attributes set on it are followed, so
    ``self.scaler.fit(...)`` in one method and ``self.scaler.transform(...)`` in another meet."""

    cls: ClassValue
    attributes: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class BoundMethod(Value):
    function: Function
    instance: Instance


@dataclass(frozen=True, eq=False)
class Builtin(Value):
    name: str


@dataclass(frozen=True, eq=False)
class Multi(Value):
    """One of several values (after an if/else, or a loop over a list of models)."""

    options: tuple[Value, ...]
    loops: frozenset[int] = _EMPTY_IDS

    @property
    def taint(self) -> Taint:  # type: ignore[override]
        result = Taint(loops=self.loops) if self.loops else EMPTY
        for option in self.options:
            result = result | option.taint
        return result


MAX_OPTIONS = 8


def join(a: Value, b: Value) -> Value:
    """A value that may be ``a`` or ``b``."""
    if a is b:
        return a
    if isinstance(a, Plain) and isinstance(b, Plain):
        if a.is_const and b.is_const and a.const == b.const:
            return a
        if a is UNKNOWN:
            return b
        if b is UNKNOWN:
            return a
        items = None
        if a.items is not None and b.items is not None and len(a.items) == len(b.items):
            items = tuple(join(x, y) for x, y in zip(a.items, b.items, strict=True))
        choices = tuple(dict.fromkeys((*a.consts(), *b.consts())))[:32]
        elements = _unique((*a.elements, *b.elements))
        return Plain(
            taint=a.taint | b.taint,
            items=items,
            keys=a.keys if items is not None and a.keys == b.keys else None,
            elements=elements,
            choices=choices,
            columns=a.columns if a.columns == b.columns else None,
            windowed=a.windowed and b.windowed,
        )
    options: list[Value] = []
    loops: frozenset[int] = frozenset()
    for value in (a, b):
        if isinstance(value, Multi):
            options.extend(value.options)
            loops |= value.loops
        else:
            options.append(value)
    unique = _unique(tuple(o for o in options if o is not UNKNOWN))
    if not unique:
        return UNKNOWN
    if len(unique) == 1 and not loops:
        return unique[0]
    return Multi(unique[:MAX_OPTIONS], loops)


def _unique(values: tuple[Value, ...]) -> tuple[Value, ...]:
    seen: set[int] = set()
    out: list[Value] = []
    for value in values:
        if id(value) not in seen:
            seen.add(id(value))
            out.append(value)
    return tuple(out[:MAX_OPTIONS])


def deep_taint(value: Value, depth: int = 0) -> Taint:
    """The taint of a value and of everything it contains."""
    result = value.taint
    if depth > 3:
        return result
    if isinstance(value, Plain):
        for member in (*(value.items or ()), *value.elements):
            result = result | deep_taint(member, depth + 1)
    elif isinstance(value, Multi):
        for option in value.options:
            result = result | deep_taint(option, depth + 1)
    return result


def members(value: Value) -> tuple[Value, ...]:
    """What iterating over ``value`` can give."""
    if isinstance(value, Plain):
        return (*(value.items or ()), *value.elements)
    if isinstance(value, Multi):
        out: list[Value] = []
        for option in value.options:
            out.extend(members(option))
        return tuple(out)
    return ()


def estimators_in(value: Value) -> list[Estimator]:
    if isinstance(value, Estimator):
        return [value]
    if isinstance(value, Multi):
        return [e for o in value.options for e in estimators_in(o)]
    return []
