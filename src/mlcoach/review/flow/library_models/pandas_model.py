"""How pandas and NumPy calls move rows: loading, sampling, dropping, masks, statistics (a mean
written back into the data acts as a transform fitted on those rows), imputation with constants,
and plain containers (lists and dicts of models or scores)."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from mlcoach.review import libraries as lib
from mlcoach.review.flow.common import args_taint, const_of, element_of, expr_key, unparse
from mlcoach.review.flow.events import (
    CodeReplacement,
    DerivedColumn,
    Imputation,
    Split,
    TimeOrder,
)
from mlcoach.review.flow.recording import Recorder
from mlcoach.review.values import (
    UNKNOWN,
    Function,
    Lib,
    Plain,
    RowSet,
    Taint,
    Value,
    deep_taint,
    members,
)

# a column whose name says it holds a date or a time
TIME_COLUMN = re.compile(
    r"(^|_|\b)(date|datetime|time|timestamp|ts|day|dt|month|week|year|period|hour)(s?)($|_|\b)|"
    r"(Date|Time)",
)
# methods whose output for one row depends on the neighbouring rows in order
_ORDER_METHODS = frozenset({"shift", "diff", "pct_change", "rolling", "expanding", "ewm"})
# reads of a frame attribute that are not columns
_FRAME_ATTRIBUTES = frozenset(
    {"values", "index", "columns", "shape", "dtypes", "str", "dt", "loc", "iloc", "at", "iat", "T"}
)


def is_time_column(name: str) -> bool:
    return bool(TIME_COLUMN.search(name))


def _strings(value: Value) -> list[str]:
    if not isinstance(value, Plain):
        return []
    found = [c for c in value.consts() if isinstance(c, str)]
    for item in (*(value.items or ()), *value.elements):
        found.extend(_strings(item))
    return found


class PandasModel(Recorder):
    frame_name: str | None = None  # while reading a column's sources: the frame written to
    # names bound to a group statistic of some columns (means = df.groupby("k")["y"].mean()),
    # so a column mapped from it later (df["k_te"] = df["k"].map(means)) reads those columns
    grouped_names: dict[str, frozenset[str]]

    def note_group_statistic(self, name: str, source: ast.expr) -> None:
        if not any(
            isinstance(c, ast.Call)
            and isinstance(c.func, ast.Attribute)
            and c.func.attr == "groupby"
            for c in ast.walk(source)
        ):
            self.grouped_names.pop(name, None)
            return
        columns, aggregated = self.referenced_columns(source)
        if aggregated and columns:
            self.grouped_names[name] = columns

    def lookup(self, name: str) -> Value:  # provided by the interpreter
        raise NotImplementedError

    def call_function(
        self, function: Function, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:  # provided by the interpreter
        raise NotImplementedError

    def _has_rows(self, node: ast.expr, origins: frozenset[int] | None = None) -> bool:
        """Whether ``node`` reads row data (of one of ``origins``, when given)."""
        root = node
        while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
            root = root.func if isinstance(root, ast.Call) else root.value
        if not isinstance(root, ast.Name):
            return False
        if self.frame_name is not None and root.id != self.frame_name:
            return False
        value = self.lookup(root.id)
        if not (isinstance(value, Plain) and value.taint.rows):
            return False
        return origins is None or any(r.origin in origins for r in value.taint.rows)

    def referenced_columns(
        self, node: ast.AST, origins: frozenset[int] | None = None
    ) -> tuple[frozenset[str], bool]:
        """The columns of row data (of ``origins``) that an expression reads (``df["a"]``,
        ``df.a``, ``df.groupby("k")["y"]``), and whether it aggregates over rows (a group
        statistic)."""
        columns: set[str] = set()
        aggregated = False
        for child in ast.walk(node):
            if isinstance(child, ast.Subscript) and self._has_rows(child.value, origins):
                columns.update(c for c in _constant_strings(child.slice))
            elif (
                isinstance(child, ast.Attribute)
                and isinstance(child.value, ast.Name)
                and child.attr not in _FRAME_ATTRIBUTES
                and self._has_rows(child.value, origins)
            ):
                columns.add(child.attr)
            elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                method = child.func.attr
                if method == "groupby" and self._has_rows(child.func.value, origins):
                    aggregated = True
                    for arg in (*child.args, *(k.value for k in child.keywords)):
                        columns.update(_constant_strings(arg))
                elif method in lib.STATISTIC_METHODS or method in ("transform", "agg"):
                    aggregated = aggregated or self._has_rows(child.func.value)
            elif isinstance(child, ast.Name) and child.id in self.grouped_names:
                columns.update(self.grouped_names[child.id])
                aggregated = True
        # df.attr where attr is a method name (df.mean()) is a call, not a column
        for child in ast.walk(node):
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                columns.discard(child.func.attr)
        return frozenset(columns), aggregated

    def scaling_function(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        """``preprocessing.scale(X)`` and friends: a scaler fitted and applied in one call, over
        the rows given (``normalize`` scales each row on its own unless ``axis=0``)."""
        taint = args_taint(args[:1], {})
        axis = kwargs.get("axis")
        if name == "normalize" and not (isinstance(axis, Plain) and axis.const == 0):
            return Plain(taint=taint)
        if not taint.rows:
            return Plain(taint=taint)
        stat = self.statistic(name, taint.rows, node)
        return Plain(taint=taint.replace(transforms=taint.transforms | {stat}))

    def binning(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        """``pd.qcut`` always, and ``pd.cut`` with a number of bins, learn the bin edges from the
        rows given; explicit edges (a list) learn nothing."""
        taint = args_taint(args[:1], {})
        bins = args[1] if len(args) > 1 else kwargs.get("q", kwargs.get("bins", Plain()))
        explicit = isinstance(bins, Plain) and (bins.items is not None or bins.elements)
        if not taint.rows or (name == "cut" and explicit):
            return Plain(taint=taint)
        stat = self.statistic(name, taint.rows, node)
        return Plain(taint=taint.replace(transforms=taint.transforms | {stat}))

    def index_folds(self, args: list[Value], node: ast.Call) -> Value:
        """``np.array_split(shuffled_indices, k)``: hand-written k-fold. Each piece is one fold's
        held-out rows; concatenating several pieces (the others) gives its training rows."""
        where = self.where(node)
        split, new = self.flow.interned(("split", *self.key(where)))
        if new:
            self.flow.splits[split] = Split(
                split, "folds", where, sides={"fold-train", "fold-test"}, shuffled=True
            )
        self.flow.side_roles.setdefault((split, "fold-train"), "train")
        self.flow.side_roles.setdefault((split, "fold-test"), "val")
        self.flow.used_sides.update({(split, "fold-train"), (split, "fold-test")})
        rows = deep_taint(args[0]).rows if args else frozenset()
        if not rows:
            rows = frozenset({RowSet(self.origin(node, None))})
        self.flow.splits[split].origins.update(r.origin for r in rows)
        piece = Plain(
            taint=Taint(rows=frozenset(r.extend(split, "fold-test") for r in rows)), is_index=True
        )
        return Plain(elements=(piece,))

    def concatenate(self, args: list[Value]) -> Value | None:
        """Several pieces of a hand-written k-fold put together: the training rows of a fold."""
        pieces = [m for a in args for m in (members(a) or (a,))]
        steps = {
            r.path[-1]
            for p in pieces
            for r in deep_taint(p).rows
            if r.path and r.path[-1][1] == "fold-test"
        }
        if not steps or len(steps) != 1:
            return None
        split, _ = next(iter(steps))
        rows = frozenset(
            RowSet(r.origin, (*r.path[:-1], (split, "fold-train")))
            for p in pieces
            for r in deep_taint(p).rows
        )
        return Plain(taint=Taint(rows=rows), is_index=True)

    def derived_column(self, target: ast.Subscript, source: ast.expr | None, frame: Plain) -> None:
        names = _constant_strings(target.slice)
        if source is None or len(names) != 1:
            return
        if any(
            isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "shift"
            for c in ast.walk(source)
        ):
            return  # a lag: yesterday's value of a column is known today
        # only columns of the same frame: a label copied from another frame says nothing about
        # the columns of this one
        origins = frozenset(r.origin for r in frame.taint.rows)
        self.frame_name = target.value.id if isinstance(target.value, ast.Name) else None
        try:
            sources, aggregated = self.referenced_columns(source, origins)
        finally:
            self.frame_name = None
        sources = sources - {names[0]}
        if sources:
            self.flow.derived.append(
                DerivedColumn(names[0], sources, self.where(target), frame.taint.rows, aggregated)
            )

    def note_rows_call(
        self, value: Plain, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> None:
        """What a call on row data says about the data: dropped columns, duplicates removed, rows
        put in time order."""
        origins = frozenset(r.origin for r in value.taint.rows)
        self.note_column_uses([*args, *kwargs.values()], node)
        if name == "drop":
            axis = kwargs.get("axis")
            by_columns = "columns" in kwargs or (
                isinstance(axis, Plain) and axis.const in (1, "columns")
            )
            labels = [*_strings(kwargs.get("columns", UNKNOWN))]
            if by_columns:
                labels += [s for a in (*args, kwargs.get("labels", UNKNOWN)) for s in _strings(a)]
            self.flow.dropped_columns.update(labels)
        elif name == "pop" and args:
            self.flow.dropped_columns.update(_strings(args[0]))
        elif name == "drop_duplicates":
            # only before any split: dropping them from the training part afterwards leaves the
            # copies already spread over both sides
            self.flow.deduplicated.update(r.origin for r in value.taint.rows if not r.path)
        elif name in ("sort_values", "set_index"):
            keys = (
                _strings(args[0])
                if args
                else _strings(kwargs.get("by", kwargs.get("keys", UNKNOWN)))
            )
            if any(is_time_column(k) for k in keys):
                self._time_order(origins, node, f"{name}({', '.join(keys)})".replace("()", ""))
        elif name in _ORDER_METHODS:
            self._time_order(origins, node, f"{name}()")
        elif name == "replace" and args:
            self._replacement(value, args, kwargs, node)
        elif name in ("mask", "where") and args:
            self.flow.replacements.append(
                CodeReplacement(self.where(node), value.columns, (), True, origins)
            )

    def _replacement(
        self, value: Plain, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> None:
        old, new = args[0], args[1] if len(args) > 1 else kwargs.get("value", UNKNOWN)
        if isinstance(old, Plain) and old.keys is not None and old.items is not None:
            codes = [k for k in old.keys if _number(k)]
            targets = list(old.items)
        else:
            codes = [c for c in _numbers(old)]
            targets = [new]
        if not codes:
            return
        origins = frozenset(r.origin for r in value.taint.rows)
        self.flow.replacements.append(
            CodeReplacement(
                self.where(node),
                value.columns,
                tuple(float(c) for c in codes),
                all(is_missing(t) for t in targets),
                origins,
            )
        )

    def nan_assignment(self, target: ast.Subscript, value: Value, frame: Plain) -> None:
        """``df.loc[df["bp"] == 0, "bp"] = np.nan``: a code turned into NaN by assignment."""
        if not is_missing(value):
            return
        codes: list[float] = []
        for node in ast.walk(target.slice):
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    constant = const_of(side)
                    if _number(constant):
                        codes.append(float(constant))
        columns = tuple(_constant_strings(target.slice)) or None
        origins = frozenset(r.origin for r in frame.taint.rows)
        self.flow.replacements.append(
            CodeReplacement(
                self.where(target), columns, tuple(float(c) for c in codes), True, origins
            )
        )

    def note_column_uses(self, args: list[Value], node: ast.Call) -> None:
        """Columns named in a call on row data (``pd.get_dummies(df, columns=["a"])``): where a
        column is turned into features."""
        where = None
        for arg in args:
            for name in _strings(arg):
                where = where or self.where(node)
                uses = self.flow.column_uses.setdefault(name, [])
                if len(uses) < 16:
                    uses.append(where)

    def loaded(self, origin: int, kwargs: dict[str, Value], node: ast.Call) -> None:
        """``read_csv(..., index_col="date")``: rows indexed by time."""
        index = _strings(kwargs.get("index_col", UNKNOWN))
        if any(is_time_column(k) for k in index):
            self._time_order(frozenset({origin}), node, f"indexed by {index[0]}")

    def _time_order(self, origins: frozenset[int], node: ast.AST, how: str) -> None:
        if origins:
            self.flow.time_orders.append(TimeOrder(origins, self.where(node), how))

    def _imputation_by_assignment(self, target: ast.Subscript, value: Value, frame: Plain) -> None:
        if not (isinstance(value, Plain) and isinstance(value.const, int | float)):
            return
        if isinstance(value.const, bool):
            return
        text = unparse(target.slice)
        if "isnull" not in text and "isna" not in text:
            return
        columns: tuple[str, ...] = ()
        parts = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        for part in parts[1:] if len(parts) > 1 else []:
            constant = const_of(part)
            if isinstance(constant, str):
                columns += (constant,)
        if not columns:
            for match in re.finditer(
                r"""\[(['"])(\w+)\1\]\.(isnull|isna)|\.(\w+)\.(isnull|isna)""", text
            ):
                columns += (match.group(2) or match.group(4),)
        self.flow.imputations.append(
            Imputation(
                self.where(target),
                columns or None,
                float(value.const),
                frozenset(r.origin for r in frame.taint.rows),
                "assignment",
            )
        )

    # ----- pandas / numpy values -----

    def plain_method(
        self, value: Plain, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        taint = value.taint
        if not taint.rows and (value.items is not None or value.keys is not None or value.elements):
            return self.container_method(value, name, args)
        argument_taint = args_taint(args, kwargs)
        if taint.rows:
            self.note_rows_call(value, name, args, kwargs, node)
            if (
                name in ("apply", "transform", "pipe", "agg")
                and args
                and isinstance(args[0], Function)
            ):
                column = Plain(taint=taint, columns=value.columns)
                result = self.call_function(args[0], [column, *args[1:]], {}, node)
                outcome = deep_taint(result)
                if outcome.stats:
                    outcome = self.absorb(outcome | Taint(rows=taint.rows), node)
                return Plain(taint=taint | outcome.replace(rows=taint.rows))
        if name in ("rolling", "expanding", "ewm", "groupby", "resample", "pipe"):
            return replace(value, windowed=True, mask=None, columns=None)
        if value.windowed:
            if name in ("agg", "aggregate", "apply", "transform", *lib.STATISTIC_METHODS, "sum", "count", "size"):  # fmt: skip
                return Plain(taint=taint)
            return replace(value, mask=None)
        if name in lib.SELECTION_METHODS and deep_taint(value).evals:
            self.selection(deep_taint(value).evals, node, name)
        if name in lib.STATISTIC_METHODS and taint.rows:
            stat = self.statistic(name, taint.rows, node)
            return Plain(taint=Taint(stats=frozenset({stat}), evals=taint.evals, loops=taint.loops))
        if not taint.rows:
            return Plain(taint=taint | argument_taint.replace(rows=frozenset()))
        if name == "sample":
            replace_arg = kwargs.get("replace")
            if isinstance(replace_arg, Plain) and replace_arg.const is True:
                over = self.oversample("DataFrame.sample(replace=True)", taint.rows, node)
                return Plain(taint=taint.replace(oversampled=taint.oversampled | {over}))
            split = self.split_for(("sample", self.key(self.where(node))), "sample", node)
            self._use_side(split, "sample")
            drawn = self.flow.splits[split]
            drawn.shuffled = True  # a random draw of rows
            drawn.origins.update(r.origin for r in taint.rows)
            return Plain(
                taint=taint.replace(rows=frozenset(r.extend(split, "sample") for r in taint.rows))
            )
        if name == "drop":
            for candidate in (*args, kwargs.get("index", UNKNOWN)):
                for rows in deep_taint(candidate).rows:
                    if rows.path:
                        record = self.flow.splits.get(rows.path[-1][0])
                        if record is not None and record.kind == "sample":
                            self._use_side(record.id, "rest")
                            return Plain(
                                taint=taint.replace(
                                    rows=frozenset(r.extend(record.id, "rest") for r in taint.rows)
                                )
                            )
            return Plain(taint=taint)
        if name == "isin":
            func = node.func
            receiver_key = expr_key(func.value) if isinstance(func, ast.Attribute) else "?"
            split = self.split_for(("mask", receiver_key + ".isin"), "mask", node)
            side = "in:" + ",".join(expr_key(a) for a in node.args)
            return Plain(taint=taint, mask=(split, side))
        if name in ("fillna", "replace"):
            self._imputation_by_method(value, name, args, kwargs, node)
        if name in ("concat", "append", "merge", "join", "combine_first"):
            return Plain(taint=taint | argument_taint)
        merged = taint | argument_taint.replace(rows=frozenset(), loops=frozenset())
        if merged.stats:
            merged = self.absorb(merged, node)
        columns = value.columns if name in ("fillna", "replace", "astype", "clip", "copy") else None
        return Plain(taint=merged, columns=columns)

    def container_method(self, value: Plain, name: str, args: list[Value]) -> Value:
        if name == "items":
            if value.keys is not None and value.items is not None:
                pairs = tuple(
                    Plain(items=(Plain(const=k), v))
                    for k, v in zip(value.keys, value.items, strict=True)
                )
                # entries stored under keys that are not constants (d[f"model {i}"] = ...)
                pairs += tuple(Plain(items=(Plain(), m)) for m in value.elements)
                return Plain(elements=pairs[:8])
            return Plain(elements=tuple(Plain(items=(Plain(), m)) for m in members(value))[:8])
        if name == "values":
            return Plain(elements=members(value)[:8])
        if name == "keys":
            return Plain(elements=tuple(Plain(const=k) for k in value.keys or ())[:8])
        if name in ("get", "pop", "setdefault"):
            if (
                args
                and isinstance(args[0], Plain)
                and value.keys is not None
                and value.items is not None
            ):
                key = args[0].const
                if key in value.keys:
                    return value.items[value.keys.index(key)]
            return element_of(value)
        if name == "copy":
            return value
        return Plain(taint=deep_taint(value).replace(rows=frozenset()))

    def _imputation_by_method(
        self, value: Plain, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> None:
        fills: list[tuple[tuple[str, ...] | None, Any]] = []
        if name == "fillna":
            fill = args[0] if args else kwargs.get("value", UNKNOWN)
            if isinstance(fill, Plain) and fill.keys is not None and fill.items is not None:
                for key, item in zip(fill.keys, fill.items, strict=True):
                    if isinstance(item, Plain) and isinstance(key, str):
                        fills.append(((key,), item.const))
            elif isinstance(fill, Plain):
                fills.append((value.columns, fill.const))
        elif name == "replace" and len(args) >= 2 and isinstance(node, ast.Call):
            source = unparse(node.args[0])
            if re.search(r"\bnan\b|\bNaN\b|\bNA\b|None", source) and isinstance(args[1], Plain):
                fills.append((value.columns, args[1].const))
        origins = frozenset(r.origin for r in value.taint.rows)
        for columns, constant in fills:
            if isinstance(constant, int | float) and not isinstance(constant, bool):
                self.flow.imputations.append(
                    Imputation(self.where(node), columns, float(constant), origins, name)
                )


def _constant_strings(node: ast.AST) -> list[str]:
    """The string constants a subscript names: ``"a"``, ``["a", "b"]``, ``(rows, "a")``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple):
        return [s for element in node.elts for s in _constant_strings(element)]
    return []


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(value: Value) -> list[float]:
    if not isinstance(value, Plain):
        return []
    found = [c for c in value.consts() if _number(c)]
    for item in (*(value.items or ()), *value.elements):
        found.extend(_numbers(item))
    return found


def is_missing(value: Value) -> bool:
    """``np.nan``, ``pd.NA``, ``None``: the value pandas treats as missing."""
    if isinstance(value, Lib):
        return value.last in ("nan", "NaN", "NAN", "NA", "NaT")
    if isinstance(value, Plain) and value.is_const:
        constant = value.const
        return constant is None or (isinstance(constant, float) and constant != constant)
    return False
