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
from mlcoach.review.flow.events import Imputation
from mlcoach.review.flow.recording import Recorder
from mlcoach.review.values import UNKNOWN, Plain, Taint, Value, deep_taint, members


class PandasModel(Recorder):
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
