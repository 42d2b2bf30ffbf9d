"""Dataflow over a notebook (all code cells in order, as one program) or a script.

The interpreter walks the code once, statement by statement, computing an abstract value for every
expression (see `values`): which rows of which data set a variable holds, whether a fitted
transform or an oversampler touched them, which model predictions and scores derive from what. It
follows assignments, tuple unpacking, subscripts, pandas and scikit-learn calls, pipelines, loops
(twice, so values from a later iteration reach the earlier lines), both branches of an `if`, and
calls to the submission's own functions (analysed with the caller's arguments, to a bounded depth).
What it records are *events*: data loaded, a split, a transform or model fitted, an evaluation, a
selection among scores. The checks in `leakage` and `evaluation` turn those into findings.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from mlcoach.review import libraries as lib
from mlcoach.review.sources import Unit
from mlcoach.review.values import (
    EMPTY,
    NOCONST,
    UNKNOWN,
    Builtin,
    Estimator,
    Function,
    Lib,
    LocalModule,
    Multi,
    Plain,
    RowSet,
    Site,
    Taint,
    Value,
    deep_taint,
    estimators_in,
    join,
    members,
    rows_overlap,
)

MAX_CALL_DEPTH = 6
MAX_STEPS = 400_000
MAX_INLINES = 40  # calls to one function analysed with their arguments; later ones are summarised
STRICT_ENV = "MLCOACH_REVIEW_STRICT"  # "1": analysis bugs raise instead of being counted (tests)
BUILTIN_NAMES = frozenset(dir(builtins))
ML_ROOTS = frozenset(
    {
        "sklearn",
        "imblearn",
        "xgboost",
        "lightgbm",
        "catboost",
        "statsmodels",
        "keras",
        "tensorflow",
        "category_encoders",
        "umap",
        "prophet",
        "sktime",
    }
)
_COLUMN_SUBSCRIPT = re.compile(r"\[(['\"])([^'\"\]]+)\1\]")


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


@dataclass
class Split:
    id: int
    kind: str  # train_test_split, slice, mask, sample, folds
    where: Where
    splitter: Estimator | None = None
    sides: set[str] = field(default_factory=set)


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


@dataclass
class Evaluation:
    id: int
    fits: frozenset[int]
    rows: frozenset[RowSet]
    where: Where
    metric: str
    kind: str  # metric, score, cv, manual
    tuning_loops: frozenset[int] = frozenset()


@dataclass
class CrossValidation:
    id: int
    estimators: list[Estimator]
    rows: frozenset[RowSet]
    where: Where
    cv: Value | None
    via: str


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


def expr_key(node: ast.AST) -> str:
    """Source text of an expression with df['col'] and df.col written the same way."""
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return "?"
    return _COLUMN_SUBSCRIPT.sub(lambda m: "." + m.group(2), text)


def const_of(node: ast.AST | None) -> Any:
    if node is None:
        return NOCONST
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOCONST


def _unparse(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover
        return "?"


class ModuleResolver:
    """Namespaces of the submission's own modules, analysed on first import."""

    def __init__(self, scripts: dict[str, Unit]) -> None:
        self.scripts = scripts
        self.cache: dict[str, dict[str, Value]] = {}
        self.loading: set[str] = set()

    def is_local(self, module: str) -> bool:
        return module.split(".")[0] in self.scripts or module in self.scripts

    def namespace(self, module: str, flow: Flow) -> dict[str, Value]:
        key = module if module in self.scripts else module.split(".")[-1]
        if key not in self.scripts:
            key = module.split(".")[0]
        if key in self.cache:
            return self.cache[key]
        if key in self.loading or key not in self.scripts:
            return {}
        self.loading.add(key)
        try:
            interpreter = Interpreter(flow, self)
            namespace = interpreter.run(self.scripts[key])
        finally:
            self.loading.discard(key)
        self.cache[key] = namespace
        return namespace


class Interpreter:
    def __init__(self, flow: Flow, modules: ModuleResolver | None = None) -> None:
        self.flow = flow
        self.modules = modules
        self.namespace: dict[str, Value] = {}
        self.scope: dict[str, Value] = self.namespace
        self.closure: dict[str, Value] | None = None
        self.global_names: set[str] = set()
        self.ctx: tuple[str, int | None] = (flow.unit, None)
        self.call_stack: list[Site] = []
        self.active_functions: set[int] = set()
        self.active_loops: list[int] = []
        self.returns: list[Value | None] = []
        self.yields: list[Value | None] = []
        self.fresh_splits: set[int] = set()
        self.fresh_origins: set[int] = set()
        self.steps = 0
        self.star_modules: list[str] = []
        self.inlined: Counter[int] = Counter()
        self._loop_ids: dict[int, int] = {}

    # ----- driving -----

    def run(self, unit: Unit) -> dict[str, Value]:
        for chunk in unit.chunks:
            if chunk.tree is None:
                continue
            self.ctx = (unit.rel, chunk.cell)
            self.block(chunk.tree.body)
        return self.namespace

    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.flow.truncated = True
            return
        self.fresh_splits = set()
        self.fresh_origins = set()
        handler = getattr(self, "s_" + type(node).__name__, None)
        try:
            if handler is None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.expr):
                        self.expr(child)
            else:
                handler(node)
        except RecursionError:
            self.flow.internal_errors += 1
        except Exception:
            if os.environ.get(STRICT_ENV) == "1":
                raise
            self.flow.internal_errors += 1

    def where(self, node: ast.AST) -> Where:
        site: Site = (self.ctx[0], self.ctx[1], getattr(node, "lineno", 0))
        if self.call_stack:
            return Where(self.call_stack[0], (*self.call_stack[1:], site))
        return Where(site)

    @staticmethod
    def key(where: Where) -> tuple[Any, ...]:
        return (where.site, where.inner)

    # ----- names -----

    def lookup(self, name: str) -> Value:
        if name in self.scope:
            return self.scope[name]
        if self.closure is not None and name in self.closure:
            return self.closure[name]
        if name in self.namespace:
            return self.namespace[name]
        if name in BUILTIN_NAMES:
            return Builtin(name)
        if self.star_modules:
            return Lib(f"{self.star_modules[-1]}.{name}")
        return UNKNOWN

    def bind(self, name: str, value: Value) -> None:
        if isinstance(value, Plain):
            for rows in value.taint.rows:
                if rows.path and rows.path[-1][0] in self.fresh_splits:
                    self._name_side(rows.path[-1], name)
                if rows.origin in self.fresh_origins:
                    origin = self.flow.origins[rows.origin]
                    if origin.name is None:
                        origin.name = name
                        origin.role = origin.role or role_from_name(name)
        target = self.namespace if name in self.global_names else self.scope
        target[name] = value

    def _name_side(self, side: tuple[int, str], name: str) -> None:
        if side in self.flow.named_sides:
            return
        role = role_from_name(name)
        if role is not None:
            self.flow.side_roles[side] = role
            self.flow.named_sides.add(side)

    # ----- statements -----

    def s_Expr(self, node: ast.Expr) -> None:
        self.expr(node.value)

    def s_Assign(self, node: ast.Assign) -> None:
        value = self.expr(node.value)
        for target in node.targets:
            self.assign(target, value)

    def s_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.expr(node.value))

    def s_AugAssign(self, node: ast.AugAssign) -> None:
        current = self.expr(node.target)
        value = self.expr(node.value)
        self.assign(node.target, self.combine(current, value, node, node.op))

    def s_For(self, node: ast.For | ast.AsyncFor) -> None:
        iterable = self.expr(node.iter)
        loop = self._loop_id(node)
        element = with_loop(self.element_of(iterable), loop)
        self.active_loops.append(loop)
        try:
            for _ in range(self._passes()):
                self.assign(node.target, element)
                self.block(node.body)
        finally:
            self.active_loops.pop()
        self.block(node.orelse)

    s_AsyncFor = s_For

    def s_While(self, node: ast.While) -> None:
        loop = self._loop_id(node)
        self.active_loops.append(loop)
        try:
            for _ in range(self._passes()):
                self.expr(node.test)
                self.block(node.body)
        finally:
            self.active_loops.pop()
        self.block(node.orelse)

    def _passes(self) -> int:
        """A loop body is walked twice (so values from a later line reach the earlier ones on the
        next iteration), except inside calls, where nested loops would multiply the work."""
        return 2 if len(self.call_stack) <= 1 and self.steps < MAX_STEPS // 2 else 1

    def s_If(self, node: ast.If) -> None:
        self.expr(node.test)
        scope = self.scope
        before = dict(scope)
        self.block(node.body)
        if not node.orelse and scope == before:
            return
        after_body = dict(scope)
        scope.clear()
        scope.update(before)
        self.block(node.orelse)
        for name in set(after_body) | set(scope):
            a = after_body.get(name)
            b = scope.get(name)
            if a is b:
                continue
            scope[name] = join(a or UNKNOWN, b or UNKNOWN) if a and b else (a or b or UNKNOWN)

    def s_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            value = self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value)
        self.block(node.body)

    s_AsyncWith = s_With

    def s_Try(self, node: ast.Try) -> None:
        self.block(node.body)
        for handler in node.handlers:
            if handler.name:
                self.bind(handler.name, UNKNOWN)
            self.block(handler.body)
        self.block(node.orelse)
        self.block(node.finalbody)

    s_TryStar = s_Try

    def s_Match(self, node: ast.Match) -> None:
        self.expr(node.subject)
        for case in node.cases:
            self.block(case.body)

    def s_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        defaults: dict[str, Value] = {}
        positional = [*node.args.posonlyargs, *node.args.args]
        for arg, default in zip(
            positional[len(positional) - len(node.args.defaults) :], node.args.defaults, strict=True
        ):
            defaults[arg.arg] = self.expr(default)
        for arg, kw_default in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True):
            if kw_default is not None:
                defaults[arg.arg] = self.expr(kw_default)
        closure = None
        if self.scope is not self.namespace:
            closure = {**(self.closure or {}), **self.scope}
        function = Function(node, self.ctx[0], self.ctx[1], self.namespace, defaults, closure)
        self.bind(node.name, function)

    s_AsyncFunctionDef = s_FunctionDef

    def s_ClassDef(self, node: ast.ClassDef) -> None:
        self.bind(node.name, UNKNOWN)

    def s_Return(self, node: ast.Return) -> None:
        value = self.expr(node.value) if node.value is not None else UNKNOWN
        if self.returns:
            current = self.returns[-1]
            self.returns[-1] = value if current is None else join(current, value)

    def s_Global(self, node: ast.Global) -> None:
        self.global_names.update(node.names)

    def s_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.scope.pop(target.id, None)

    def s_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.bind(alias.asname, self._module(alias.name))
            else:
                top = alias.name.split(".")[0]
                self.bind(top, self._module(top))

    def s_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        local = node.level > 0 or (self.modules is not None and self.modules.is_local(module))
        namespace: dict[str, Value] = {}
        if local and self.modules is not None and module:
            namespace = self.modules.namespace(module, self.flow)
        for alias in node.names:
            if alias.name == "*":
                if not local:
                    self.star_modules.append(module)
                for name, value in namespace.items():
                    self.bind(name, value)
                continue
            name = alias.asname or alias.name
            if local:
                self.bind(name, namespace.get(alias.name, UNKNOWN))
            else:
                self.bind(name, Lib(f"{module}.{alias.name}"))

    def _module(self, name: str) -> Value:
        if self.modules is not None and self.modules.is_local(name):
            return LocalModule(name, self.modules.namespace(name, self.flow))
        return Lib(name)

    def _loop_id(self, node: ast.AST) -> int:
        key = id(node)
        if key not in self._loop_ids:
            self._loop_ids[key] = self.flow.new_id()
        return self._loop_ids[key]

    # ----- assignment -----

    def assign(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            parts = unpack(value, target.elts)
            for element, part in zip(target.elts, parts, strict=True):
                if isinstance(element, ast.Starred):
                    self.assign(element.value, part)
                else:
                    self.assign(element, part)
        elif isinstance(target, ast.Subscript):
            self.assign_subscript(target, value)
        elif isinstance(target, ast.Attribute):
            self.expr(target.value)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value)

    def assign_subscript(self, target: ast.Subscript, value: Value) -> None:
        self.expr(target.value)
        index = self.expr(target.slice)
        root: ast.expr = target.value
        while isinstance(root, ast.Attribute | ast.Subscript):
            root = root.value
        if not isinstance(root, ast.Name):
            return
        current = self.lookup(root.id)
        if not isinstance(current, Plain):
            return
        if current.taint.rows:
            incoming = deep_taint(value)
            if incoming.stats:
                incoming = self.absorb(incoming | Taint(rows=current.taint.rows), target)
            merged = current.taint | incoming.replace(rows=current.taint.rows, loops=frozenset())
            self.bind(root.id, replace(current, taint=merged, columns=None, mask=None))
            self._imputation_by_assignment(target, value, current)
            return
        if target.value is root:  # d[key] = value on a container
            key = index.const if isinstance(index, Plain) else NOCONST
            if current.keys is not None and current.items is not None and key is not NOCONST:
                keys = list(current.keys)
                items = list(current.items)
                if key in keys:
                    items[keys.index(key)] = value
                else:
                    keys.append(key)
                    items.append(value)
                self.bind(root.id, replace(current, keys=tuple(keys), items=tuple(items)))
            else:
                self.bind(root.id, replace(current, elements=(*current.elements, value)[-8:]))

    def _imputation_by_assignment(self, target: ast.Subscript, value: Value, frame: Plain) -> None:
        if not (isinstance(value, Plain) and isinstance(value.const, int | float)):
            return
        if isinstance(value.const, bool):
            return
        text = _unparse(target.slice)
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

    # ----- expressions -----

    def expr(self, node: ast.expr | None) -> Value:
        if node is None:
            return UNKNOWN
        handler = getattr(self, "e_" + type(node).__name__, None)
        if handler is None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)
            return UNKNOWN
        result: Value = handler(node)
        return result

    def e_Constant(self, node: ast.Constant) -> Value:
        return Plain(const=node.value)

    def e_Name(self, node: ast.Name) -> Value:
        return self.lookup(node.id)

    def e_Tuple(self, node: ast.Tuple | ast.List) -> Value:
        items: list[Value] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                inner = self.expr(element.value)
                items.extend(
                    members(inner) if isinstance(inner, Plain) and inner.items else [inner]
                )
            else:
                items.append(self.expr(element))
        return Plain(items=tuple(items))

    e_List = e_Tuple

    def e_Set(self, node: ast.Set) -> Value:
        return Plain(elements=tuple(self.expr(e) for e in node.elts)[:8])

    def e_Dict(self, node: ast.Dict) -> Value:
        keys: list[Any] = []
        items: list[Value] = []
        extra: list[Value] = []
        known = True
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            value = self.expr(value_node)
            if key_node is None:
                if isinstance(value, Plain) and value.keys is not None and value.items is not None:
                    keys.extend(value.keys)
                    items.extend(value.items)
                else:
                    extra.extend(members(value) or (value,))
                    known = False
                continue
            key = self.expr(key_node)
            constant = key.const if isinstance(key, Plain) else NOCONST
            if constant is NOCONST:
                known = False
                extra.append(value)
            else:
                keys.append(constant)
                items.append(value)
        if known:
            return Plain(items=tuple(items), keys=tuple(keys))
        return Plain(elements=tuple((*items, *extra))[:8])

    def e_JoinedStr(self, node: ast.JoinedStr) -> Value:
        taint = EMPTY
        for part in node.values:
            taint = taint | deep_taint(self.expr(part))
        return Plain(taint=taint.replace(rows=frozenset()))

    def e_FormattedValue(self, node: ast.FormattedValue) -> Value:
        return self.expr(node.value)

    def e_Starred(self, node: ast.Starred) -> Value:
        return self.expr(node.value)

    def e_Await(self, node: ast.Await) -> Value:
        return self.expr(node.value)

    def e_Yield(self, node: ast.Yield) -> Value:
        value = self.expr(node.value)
        if self.yields:
            current = self.yields[-1]
            self.yields[-1] = value if current is None else join(current, value)
        return UNKNOWN

    def e_NamedExpr(self, node: ast.NamedExpr) -> Value:
        value = self.expr(node.value)
        self.assign(node.target, value)
        return value

    def e_IfExp(self, node: ast.IfExp) -> Value:
        self.expr(node.test)
        return join(self.expr(node.body), self.expr(node.orelse))

    def e_BoolOp(self, node: ast.BoolOp) -> Value:
        values = [self.expr(v) for v in node.values]
        result = values[0]
        for value in values[1:]:
            result = join(result, value)
        return result

    def e_Lambda(self, node: ast.Lambda) -> Value:
        closure = None
        if self.scope is not self.namespace:
            closure = {**(self.closure or {}), **self.scope}
        return Function(node, self.ctx[0], self.ctx[1], self.namespace, {}, closure)

    def e_Slice(self, node: ast.Slice) -> Value:
        for part in (node.lower, node.upper, node.step):
            if part is not None:
                self.expr(part)
        return UNKNOWN

    def e_UnaryOp(self, node: ast.UnaryOp) -> Value:
        operand = self.expr(node.operand)
        if not isinstance(operand, Plain):
            return UNKNOWN
        if isinstance(node.op, ast.USub) and isinstance(operand.const, int | float):
            return Plain(const=-operand.const)
        if isinstance(node.op, ast.Invert | ast.Not) and operand.mask is not None:
            split, side = operand.mask
            flipped = side[4:] if side.startswith("not:") else "not:" + side
            return replace(operand, mask=(split, flipped))
        return Plain(taint=operand.taint, windowed=operand.windowed)

    def e_BinOp(self, node: ast.BinOp) -> Value:
        left = self.expr(node.left)
        right = self.expr(node.right)
        return self.combine(left, right, node, node.op)

    def combine(self, left: Value, right: Value, node: ast.AST, op: ast.operator) -> Value:
        a, b = deep_taint(left), deep_taint(right)
        if (
            isinstance(left, Plain)
            and isinstance(right, Plain)
            and left.is_const
            and right.is_const
        ):
            try:
                return Plain(const=_fold(op, left.const, right.const))
            except Exception:
                pass
        if isinstance(op, ast.Sub) and self._is_prediction_vs_truth(a, b):
            self.evaluation(a.models | b.models, a | b, node, "error", "manual")
        taint = a | b
        if taint.stats and (a.rows or b.rows):
            taint = self.absorb(taint, node)
        if isinstance(op, ast.BitAnd | ast.BitOr):
            return Plain(taint=taint)
        windowed = bool(isinstance(left, Plain) and left.windowed)
        return Plain(taint=taint, windowed=windowed)

    @staticmethod
    def _is_prediction_vs_truth(a: Taint, b: Taint) -> bool:
        return bool(
            (a.models and b.rows and not b.models) or (b.models and a.rows and not a.models)
        )

    def e_Compare(self, node: ast.Compare) -> Value:
        left = self.expr(node.left)
        others = [self.expr(c) for c in node.comparators]
        taints = [deep_taint(v) for v in (left, *others)]
        taint = EMPTY
        for t in taints:
            taint = taint | t
        with_evals = [t for t in taints if t.evals]
        if len(with_evals) >= 2:
            self.selection(taint.evals, node, "comparison")
        if (
            len(others) == 1
            and isinstance(node.ops[0], ast.Eq | ast.NotEq)
            and self._is_prediction_vs_truth(taints[0], taints[1])
        ):
            evaluation = self.evaluation(taint.models, taint, node, "accuracy", "manual")
            return Plain(taint=taint.replace(evals=taint.evals | {evaluation}))
        if len(others) == 1 and taints[0].rows and not taints[0].models:
            op = type(node.ops[0]).__name__
            split = self.split_for(("mask", expr_key(node.left)), "mask", node)
            side = f"{op}:{expr_key(node.comparators[0])}"
            return Plain(taint=taints[0], mask=(split, side))
        return Plain(taint=taint)

    def e_Attribute(self, node: ast.Attribute) -> Value:
        return self.attribute(self.expr(node.value), node.attr)

    def attribute(self, base: Value, attr: str) -> Value:
        if isinstance(base, Lib):
            return Lib(f"{base.qualname}.{attr}")
        if isinstance(base, LocalModule):
            return base.namespace.get(attr, UNKNOWN)
        if isinstance(base, Multi):
            result: Value = UNKNOWN
            for option in base.options:
                result = join(result, self.attribute(option, attr))
            return result
        if isinstance(base, Estimator):
            if attr in ("best_estimator_", "estimator_", "estimator", "regressor_", "classifier_"):
                return base
            if attr in ("named_steps", "steps"):
                return Plain(elements=tuple(base.steps))
            return UNKNOWN
        if isinstance(base, Plain):
            if not base.taint.rows:
                return Plain(taint=base.taint)
            if attr == "index":
                return replace(base, is_index=True, columns=None, mask=None)
            if attr in ("shape", "columns", "dtypes", "size", "ndim", "dtype", "name", "empty"):
                return Plain(taint=base.taint.replace(rows=frozenset(), transforms=frozenset()))
            if attr in (
                "str",
                "dt",
                "cat",
                "iloc",
                "loc",
                "at",
                "iat",
                "values",
                "T",
                "array",
                "plot",
            ):
                return replace(base, mask=None)
            return replace(base, columns=(attr,), mask=None)
        return UNKNOWN

    def e_Subscript(self, node: ast.Subscript) -> Value:
        base = self.expr(node.value)
        index = self.expr(node.slice)
        if isinstance(base, Multi):
            result: Value = UNKNOWN
            for option in base.options:
                result = join(result, self.subscript(option, index, node))
            return result
        return self.subscript(base, index, node)

    def subscript(self, base: Value, index: Value, node: ast.Subscript) -> Value:
        if not isinstance(base, Plain):
            if isinstance(base, Estimator) and base.steps:
                constant = index.const if isinstance(index, Plain) else NOCONST
                if isinstance(constant, int) and -len(base.steps) <= constant < len(base.steps):
                    return base.steps[constant]
                return UNKNOWN
            return UNKNOWN
        constant = index.const if isinstance(index, Plain) else NOCONST
        if base.keys is not None and base.items is not None:
            if constant is not NOCONST and constant in base.keys:
                return base.items[base.keys.index(constant)]
            joined: Value = UNKNOWN
            for member in base.items:
                joined = join(joined, member)
            return joined
        if base.items is not None and not base.taint.rows:
            if isinstance(constant, int) and -len(base.items) <= constant < len(base.items):
                return base.items[constant]
            if isinstance(node.slice, ast.Slice):
                return base
            joined = UNKNOWN
            for member in base.items:
                joined = join(joined, member)
            return joined
        if base.elements and not base.taint.rows:
            joined = UNKNOWN
            for member in base.elements:
                joined = join(joined, member)
            return joined
        if not base.taint.rows:
            return Plain(taint=base.taint)
        return self.row_subscript(base, index, node)

    def row_subscript(self, base: Plain, index: Value, node: ast.Subscript) -> Value:
        rows = base.taint.rows
        selector: ast.expr = node.slice
        selector_value = index
        if isinstance(selector, ast.Tuple) and selector.elts:
            selector = selector.elts[0]
            selector_value = index.items[0] if isinstance(index, Plain) and index.items else UNKNOWN
        columns: tuple[str, ...] | None = None
        string_slicing = isinstance(node.value, ast.Attribute) and node.value.attr == "str"
        if isinstance(selector, ast.Slice) and not string_slicing:
            lower, upper = selector.lower, selector.upper
            if (lower is None) != (upper is None):
                bound = upper if lower is None else lower
                split = self.split_for(("slice", expr_key(bound) if bound else ""), "slice", node)
                side = "head" if lower is None else "tail"
                self._use_side(split, side)
                rows = frozenset(r.extend(split, side) for r in rows)
        elif isinstance(selector_value, Plain) and selector_value.mask is not None:
            split, side = selector_value.mask
            self._use_side(split, side)
            rows = frozenset(r.extend(split, side) for r in rows)
        elif isinstance(selector_value, Plain) and selector_value.taint.rows:
            narrowing = {step for r in selector_value.taint.rows for step in r.path}
            for split, side in narrowing:
                self._use_side(split, side)
            if narrowing:
                narrowed: set[RowSet] = set()
                for r in rows:
                    extended = r
                    for split, side in sorted(narrowing):
                        extended = extended.extend(split, side)
                    narrowed.add(extended)
                rows = frozenset(narrowed)
        else:
            consts = selector_value.consts() if isinstance(selector_value, Plain) else ()
            if isinstance(selector_value, Plain) and selector_value.items:
                consts = tuple(
                    c
                    for item in selector_value.items
                    if isinstance(item, Plain)
                    for c in item.consts()
                )
            names = tuple(c for c in consts if isinstance(c, str))
            if names:
                columns = names
        return Plain(taint=base.taint.replace(rows=rows), columns=columns, windowed=base.windowed)

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

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> Value:
        saved: dict[str, Value | None] = {}
        loop = self._loop_id(node)
        for generator in node.generators:
            iterable = self.expr(generator.iter)
            element = with_loop(self.element_of(iterable), loop)
            for name in _target_names(generator.target):
                saved.setdefault(name, self.scope.get(name))
            self.assign(generator.target, element)
            for condition in generator.ifs:
                self.expr(condition)
        if isinstance(node, ast.DictComp):
            self.expr(node.key)
            result = self.expr(node.value)
        else:
            result = self.expr(node.elt)
        for name, previous in saved.items():
            if previous is None:
                self.scope.pop(name, None)
            else:
                self.scope[name] = previous
        return Plain(elements=(result,))

    e_ListComp = comprehension
    e_SetComp = comprehension
    e_GeneratorExp = comprehension
    e_DictComp = comprehension

    def element_of(self, value: Value) -> Value:
        found = members(value)
        if found:
            result: Value = UNKNOWN
            for member in found:
                result = join(result, member)
            return result
        if isinstance(value, Plain) and value.taint.rows:
            return Plain(taint=value.taint)
        return UNKNOWN

    # ----- calls -----

    def e_Call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self.expr(func.value)
            args, kwargs = self.arguments(node)
            result = self.method(receiver, func.attr, args, kwargs, node)
            if isinstance(func.value, ast.Name) and isinstance(receiver, Plain):
                self._rebind_after_method(func.value.id, receiver, func.attr, args, kwargs, result)
            return result
        callee = self.expr(func)
        args, kwargs = self.arguments(node)
        return self.call(callee, args, kwargs, node)

    def _rebind_after_method(
        self,
        name: str,
        receiver: Plain,
        method: str,
        args: list[Value],
        kwargs: dict[str, Value],
        result: Value,
    ) -> None:
        inplace = kwargs.get("inplace")
        if isinstance(inplace, Plain) and inplace.const is True and isinstance(result, Plain):
            self.bind(name, result)
            return
        if receiver.taint.rows:
            return
        if method in ("append", "add", "insert") and args:
            value = args[-1]
            if receiver.items is not None and receiver.keys is None:
                self.bind(name, replace(receiver, items=(*receiver.items, value)[-16:]))
            else:
                self.bind(name, replace(receiver, elements=(*receiver.elements, value)[-8:]))
        elif method == "extend" and args:
            self.bind(
                name, replace(receiver, elements=(*receiver.elements, *members(args[0]))[-8:])
            )
        elif method == "update" and args:
            other = args[0]
            if (
                isinstance(other, Plain)
                and other.keys is not None
                and other.items is not None
                and receiver.keys is not None
                and receiver.items is not None
            ):
                keys = list(receiver.keys)
                items = list(receiver.items)
                for key, value in zip(other.keys, other.items, strict=True):
                    if key in keys:
                        items[keys.index(key)] = value
                    else:
                        keys.append(key)
                        items.append(value)
                self.bind(name, replace(receiver, keys=tuple(keys), items=tuple(items)))
            else:
                self.bind(
                    name, replace(receiver, elements=(*receiver.elements, *members(other))[-8:])
                )

    def arguments(self, node: ast.Call) -> tuple[list[Value], dict[str, Value]]:
        args: list[Value] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                value = self.expr(arg.value)
                if isinstance(value, Plain) and value.items is not None:
                    args.extend(value.items)
                else:
                    args.append(value)
            else:
                args.append(self.expr(arg))
        kwargs: dict[str, Value] = {}
        for keyword in node.keywords:
            value = self.expr(keyword.value)
            if keyword.arg is None:
                if isinstance(value, Plain) and value.keys is not None and value.items is not None:
                    for key, item in zip(value.keys, value.items, strict=True):
                        if isinstance(key, str):
                            kwargs[key] = item
                else:
                    kwargs["**"] = join(kwargs.get("**", UNKNOWN), value)
            else:
                kwargs[keyword.arg] = value
        return args, kwargs

    def call(
        self, callee: Value, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if isinstance(callee, Lib):
            return self.call_library(callee, args, kwargs, node)
        if isinstance(callee, Function):
            return self.call_function(callee, args, kwargs, node)
        if isinstance(callee, Builtin):
            return self.call_builtin(callee.name, args, kwargs, node)
        if isinstance(callee, Multi):
            result: Value = UNKNOWN
            for option in callee.options:
                result = join(result, self.call(option, args, kwargs, node))
            return result
        return Plain(taint=_args_taint(args, kwargs).replace(evals=frozenset()))

    def method(
        self,
        receiver: Value,
        name: str,
        args: list[Value],
        kwargs: dict[str, Value],
        node: ast.Call,
    ) -> Value:
        if isinstance(receiver, Multi):
            varying = receiver.loops if len(estimators_in(receiver)) >= 2 else frozenset()
            result: Value = UNKNOWN
            for option in receiver.options:
                if isinstance(option, Estimator):
                    outcome = self.estimator_method(option, name, args, kwargs, node, varying)
                else:
                    outcome = self.method(option, name, args, kwargs, node)
                result = join(result, outcome)
            return result
        if isinstance(receiver, Lib):
            return self.call_library(Lib(f"{receiver.qualname}.{name}"), args, kwargs, node)
        if isinstance(receiver, LocalModule):
            return self.call(receiver.namespace.get(name, UNKNOWN), args, kwargs, node)
        if isinstance(receiver, Estimator):
            return self.estimator_method(receiver, name, args, kwargs, node, frozenset())
        if isinstance(receiver, Plain):
            return self.plain_method(receiver, name, args, kwargs, node)
        return UNKNOWN

    # ----- the submission's own functions -----

    def call_function(
        self, function: Function, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        self.inlined[id(function)] += 1
        if (
            len(self.call_stack) >= MAX_CALL_DEPTH
            or id(function) in self.active_functions
            or self.steps > MAX_STEPS
            or self.inlined[id(function)] > MAX_INLINES
        ):
            return Plain(taint=_args_taint(args, kwargs))
        definition = function.node
        params = definition.args
        local: dict[str, Value] = {}
        positional = [*params.posonlyargs, *params.args]
        for i, param in enumerate(positional):
            if i < len(args):
                local[param.arg] = args[i]
            elif param.arg in kwargs:
                local[param.arg] = kwargs[param.arg]
            else:
                local[param.arg] = function.defaults.get(param.arg, UNKNOWN)
        if params.vararg is not None:
            local[params.vararg.arg] = Plain(items=tuple(args[len(positional) :]))
        for param in params.kwonlyargs:
            local[param.arg] = kwargs.get(param.arg, function.defaults.get(param.arg, UNKNOWN))
        if params.kwarg is not None:
            names = {p.arg for p in (*positional, *params.kwonlyargs)}
            rest = {k: v for k, v in kwargs.items() if k not in names and k != "**"}
            local[params.kwarg.arg] = Plain(items=tuple(rest.values()), keys=tuple(rest))
        saved = (self.scope, self.namespace, self.closure, self.ctx, self.global_names)
        fresh = (self.fresh_splits, self.fresh_origins)
        self.call_stack.append((self.ctx[0], self.ctx[1], node.lineno))
        self.active_functions.add(id(function))
        self.scope = local
        self.namespace = function.namespace
        self.closure = function.closure
        self.ctx = (function.file, function.cell)
        self.global_names = set()
        self.returns.append(None)
        self.yields.append(None)
        lambda_result: Value | None = None
        try:
            if isinstance(definition, ast.Lambda):
                lambda_result = self.expr(definition.body)
            else:
                self.block(definition.body)
        finally:
            result = self.returns.pop()
            yielded = self.yields.pop()
            self.scope, self.namespace, self.closure, self.ctx, self.global_names = saved
            self.fresh_splits = fresh[0] | self.fresh_splits
            self.fresh_origins = fresh[1] | self.fresh_origins
            self.call_stack.pop()
            self.active_functions.discard(id(function))
        if lambda_result is not None:
            return lambda_result
        if yielded is not None:
            return Plain(elements=(yielded,))
        return result if result is not None else UNKNOWN

    # ----- builtins -----

    def call_builtin(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        if name in ("print", "display", "len", "isinstance", "type", "id", "hasattr", "callable", "open", "input", "repr", "setattr", "super", "vars", "dir"):  # fmt: skip
            return UNKNOWN
        if name == "range":
            return Plain(elements=(Plain(),))
        if name == "enumerate" and args:
            return Plain(elements=(Plain(items=(Plain(), self.element_of(args[0]))),))
        if name == "zip":
            return Plain(elements=(Plain(items=tuple(self.element_of(a) for a in args)),))
        if name in ("max", "min", "sorted"):
            taint = _args_taint(args, kwargs)
            if taint.evals:
                self.selection(taint.evals, node, name)
            if name == "sorted":
                return Plain(elements=members(args[0]) if args else ())
            if len(args) == 1:
                return self.element_of(args[0])
            result: Value = UNKNOWN
            for arg in args:
                result = join(result, arg)
            return result
        if name in ("list", "tuple", "set", "frozenset", "reversed", "iter"):
            if not args:
                return Plain(items=())
            value = args[0]
            if isinstance(value, Plain) and value.items is not None and value.keys is None:
                return Plain(items=value.items)
            found = members(value)
            if found:
                return Plain(elements=found)
            return Plain(taint=deep_taint(value))
        if name == "next" and args:
            return self.element_of(args[0])
        if name == "dict":
            if kwargs and "**" not in kwargs:
                return Plain(items=tuple(kwargs.values()), keys=tuple(kwargs))
            if args and isinstance(args[0], Plain) and args[0].keys is not None:
                return args[0]
            return Plain(elements=tuple(m for a in args for m in members(a))[:8])
        return Plain(taint=_args_taint(args, kwargs))

    # ----- library calls -----

    def call_library(
        self, callee: Lib, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        last = callee.last
        parts = callee.qualname.split(".")
        parent = parts[-2] if len(parts) > 1 else ""
        if last in lib.SPLIT_FUNCTIONS:
            return self.train_test_split(args, node)
        if last in lib.CV_FUNCTIONS:
            return self.cross_validation(args, kwargs, node, last)
        if last in lib.METRICS and not last.endswith("Display"):
            return self.metric_call(last, args, kwargs, node)
        if parent.endswith("Display") and last in ("from_estimator", "from_predictions"):
            if last == "from_estimator" and args:
                return self.estimator_evaluation(
                    args[0], args[1:], lib.METRICS.get(parent, parent), node
                )
            return self.metric_call(parent, args, kwargs, node)
        if last in lib.RESAMPLE_FUNCTIONS and callee.root == "sklearn":
            replace_arg = kwargs.get("replace")
            if not (isinstance(replace_arg, Plain) and replace_arg.const is False):
                taint = _args_taint(args, {})
                oversample = self.oversample("resample", taint.rows, node)
                return Plain(taint=taint.replace(oversampled=taint.oversampled | {oversample}))
            return Plain(taint=_args_taint(args, {}))
        if last == "clone" and args:
            return self.clone(args[0], node)
        category = lib.estimator_category(last)
        if category is not None or (last[:1].isupper() and callee.root in ML_ROOTS):
            return self.construct(callee, category, args, kwargs, node)
        if last in lib.SELECTION_FUNCTIONS:
            taint = _args_taint(args, kwargs)
            if taint.evals:
                self.selection(taint.evals, node, last)
            return Plain(taint=taint)
        taint = _args_taint(args, kwargs)
        if lib.is_loader(last) and not taint.rows and last not in ("array", "asarray"):
            path = args[0].const if args and isinstance(args[0], Plain) else None
            origin = self.origin(node, path if isinstance(path, str) else None)
            return Plain(taint=Taint(rows=frozenset({RowSet(origin)})))
        if last in ("DataFrame", "Series", "array", "asarray") and not taint.rows:
            if taint.evals:
                return Plain(taint=taint)
            origin = self.origin(node, None)
            return Plain(taint=taint | Taint(rows=frozenset({RowSet(origin)})))
        if taint.stats and taint.rows:
            taint = self.absorb(taint, node)
        return Plain(taint=taint)

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
        taint = _args_taint(args, kwargs)
        name = callee.last
        estimator = Estimator(
            ident=ident,
            name=name,
            category=category,
            site=where.site,
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
                site=where.site,
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

    def train_test_split(self, args: list[Value], node: ast.Call) -> Value:
        where = self.where(node)
        split, new = self.flow.interned(("split", *self.key(where)))
        if new:
            self.flow.splits[split] = Split(
                split, "train_test_split", where, sides={"train", "test"}
            )
        self.fresh_splits.add(split)
        for side, role in (("train", "train"), ("test", "test")):
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

    def check_leaks(self, taint: Taint, where: Where, how: str) -> None:
        for transform in taint.transforms:
            record = self.flow.transforms.get(transform)
            if record and rows_overlap(record.rows, taint.rows):
                self.flow.add_leak(Leak("preprocessing", transform, where, how))
        for oversample in taint.oversampled:
            over = self.flow.oversamples.get(oversample)
            if over and rows_overlap(over.rows, taint.rows):
                self.flow.add_leak(Leak("oversampling", oversample, where, how))

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
                ident, estimators_in(estimator), taint.rows, where, kwargs.get("cv"), via
            )
        self.check_leaks(taint, where, "cross-validation")
        evaluation = self.evaluation(frozenset(), taint.replace(rows=frozenset()), node, via, "cv")
        if via == "cross_val_predict":
            return Plain(taint=taint.replace(evals=frozenset(), models=frozenset()))
        return Plain(taint=Taint(evals=frozenset({evaluation}), loops=taint.loops))

    def metric_call(
        self, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        taint = _args_taint(args, kwargs)
        metric = lib.METRICS.get(name, name)
        evaluation = self.evaluation(taint.models, taint, node, metric, "metric")
        return Plain(taint=Taint(evals=taint.evals | {evaluation}, loops=taint.loops))

    def estimator_evaluation(
        self, model: Value, data: list[Value], metric: str, node: ast.Call
    ) -> Value:
        fits = frozenset(e.fit_id for e in estimators_in(model) if e.fit_id is not None)
        taint = _args_taint(data, {})
        varying = model.loops if isinstance(model, Multi) else frozenset()
        for estimator in estimators_in(model):
            varying = varying | estimator.taint.loops
        evaluation = self.evaluation(
            fits, taint.replace(model_loops=varying), node, metric, "score"
        )
        return Plain(taint=Taint(evals=frozenset({evaluation}), loops=taint.loops))

    def evaluation(
        self, fits: frozenset[int], taint: Taint, node: ast.AST, metric: str, kind: str
    ) -> int:
        where = self.where(node)
        ident, new = self.flow.interned(("eval", *self.key(where), metric, fits))
        tuning = (taint.model_loops) & frozenset(self.active_loops)
        if new:
            self.flow.evaluations[ident] = Evaluation(
                ident, fits, taint.rows, where, metric, kind, tuning
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
            hyper = _args_taint([], kwargs).loops & frozenset(self.active_loops)
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
            taint = _args_taint(list(estimator.args), {})  # statsmodels: data given to the class
        rows = taint.rows | deep_taint(target).rows
        ident, new = self.flow.interned(("fit", *self.key(where), estimator.ident))
        if new:
            self.flow.fits[ident] = ModelFit(ident, estimator, rows, where, target)
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
                split, "folds", where, splitter=splitter, sides={"fold-train", "fold-test"}
            )
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

    # ----- pandas / numpy values -----

    def plain_method(
        self, value: Plain, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        taint = value.taint
        if not taint.rows and (value.items is not None or value.keys is not None or value.elements):
            return self.container_method(value, name, args)
        argument_taint = _args_taint(args, kwargs)
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
            return self.element_of(value)
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
            source = _unparse(node.args[0])
            if re.search(r"\bnan\b|\bNaN\b|\bNA\b|None", source) and isinstance(args[1], Plain):
                fills.append((value.columns, args[1].const))
        origins = frozenset(r.origin for r in value.taint.rows)
        for columns, constant in fills:
            if isinstance(constant, int | float) and not isinstance(constant, bool):
                self.flow.imputations.append(
                    Imputation(self.where(node), columns, float(constant), origins, name)
                )


def _args_taint(args: list[Value], kwargs: dict[str, Value]) -> Taint:
    taint = EMPTY
    for value in (*args, *kwargs.values()):
        taint = taint | deep_taint(value)
    return taint


def _fold(op: ast.operator, a: Any, b: Any) -> Any:
    if isinstance(a, str | bytes) or isinstance(b, str | bytes):
        raise TypeError("no folding of strings")
    operations: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
        ast.Add: lambda x, y: x + y,
        ast.Sub: lambda x, y: x - y,
        ast.Mult: lambda x, y: x * y,
        ast.Div: lambda x, y: x / y,
    }
    return operations[type(op)](a, b)


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for e in target.elts for n in _target_names(e)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def with_loop(value: Value, loop: int) -> Value:
    """``value`` as a loop variable: marked as varying with ``loop``."""
    if isinstance(value, Plain):
        items = tuple(with_loop(i, loop) for i in value.items) if value.items is not None else None
        return replace(value, taint=value.taint | Taint(loops=frozenset({loop})), items=items)
    if isinstance(value, Estimator):
        return Multi((value,), frozenset({loop}))
    if isinstance(value, Multi):
        return Multi(value.options, value.loops | {loop})
    return value


def unpack(value: Value, targets: list[ast.expr]) -> list[Value]:
    """The values that ``a, b, *c = value`` gives each target."""
    count = len(targets)
    starred = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
    if isinstance(value, Multi):
        parts_by_option = [unpack(option, targets) for option in value.options]
        out: list[Value] = []
        for i in range(count):
            result: Value = UNKNOWN
            for parts in parts_by_option:
                result = join(result, parts[i])
            out.append(result)
        return out
    if isinstance(value, Plain) and value.items is not None:
        items = list(value.items)
        if not starred and len(items) == count:
            return items
        if starred and len(items) >= count - 1:
            star = starred[0]
            after = count - star - 1
            middle = items[star : len(items) - after]
            return [*items[:star], Plain(items=tuple(middle)), *items[len(items) - after :]]
    found = members(value)
    if found:
        element: Value = UNKNOWN
        for member in found:
            element = join(element, member)
        return [element] * count
    taint = value.taint if isinstance(value, Plain) else EMPTY
    return [Plain(taint=taint)] * count


def analyse(unit: Unit, modules: ModuleResolver | None = None) -> Flow:
    flow = Flow(unit=unit.rel)
    Interpreter(flow, modules).run(unit)
    return flow
