"""The interpreter core: walks a notebook (all code cells in order, as one program) or a script.

It walks the code once, statement by statement, computing an abstract value for every expression
(see `values`): which rows of which data set a variable holds, whether a fitted transform or an
oversampler touched them, which model predictions and scores derive from what. It follows
assignments, tuple unpacking, subscripts, loops (twice, so values from a later iteration reach the
earlier lines), both branches of an `if`, and calls to the submission's own functions (analysed
with the caller's arguments, to a bounded depth). Calls into libraries are handed to the library
models (`library_models/`), which record events (`events`) through the `Recorder`.
"""

from __future__ import annotations

import ast
import builtins
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mlcoach.review import libraries as lib
from mlcoach.review.flow.common import (
    args_taint,
    element_of,
    expr_key,
    unpack,
    with_loop,
)
from mlcoach.review.flow.events import Flow, Origin, role_from_name
from mlcoach.review.flow.library_models.pandas_model import PandasModel
from mlcoach.review.flow.library_models.sklearn_model import SklearnModel
from mlcoach.review.flow.library_models.torch_model import TorchModel
from mlcoach.review.sources import Unit
from mlcoach.review.values import (
    EMPTY,
    NOCONST,
    UNKNOWN,
    BoundMethod,
    Builtin,
    ClassValue,
    Estimator,
    Function,
    Instance,
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


class ModuleResolver:
    """Namespaces of the submission's own modules, analysed on first import."""

    def __init__(self, scripts: dict[str, Unit]) -> None:
        self.scripts = scripts
        self.cache: dict[str, dict[str, Value]] = {}
        self.loading: set[str] = set()

    def is_local(self, module: str) -> bool:
        return (
            module in self.scripts
            or module.split(".")[0] in self.scripts
            or any(key.startswith(module + ".") for key in self.scripts)
        )

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


class Interpreter(PandasModel, SklearnModel, TorchModel):
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
        self.grouped_names: dict[str, frozenset[str]] = {}
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
            self.assign(target, value, node.value)
            if isinstance(target, ast.Name):
                self.note_group_statistic(target.id, node.value)

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
        element = with_loop(element_of(iterable), loop)
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
        body: dict[str, Value] = {}
        for base in node.bases:
            inherited = self.expr(base)
            if isinstance(inherited, ClassValue):
                body.update(inherited.namespace)
        saved = self.scope
        self.scope = body
        try:
            self.block(node.body)
        finally:
            self.scope = saved
        self.bind(node.name, ClassValue(node.name, body))

    def instantiate(
        self, cls: ClassValue, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        instance = Instance(cls)
        init = cls.namespace.get("__init__")
        if isinstance(init, Function):
            self.call_function(init, [instance, *args], kwargs, node)
        return instance

    def instance_attribute(self, instance: Instance, attr: str) -> Value:
        if attr in instance.attributes:
            return instance.attributes[attr]
        value = instance.cls.namespace.get(attr, UNKNOWN)
        if isinstance(value, Function) and not _static(value):
            return BoundMethod(value, instance)
        return value

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

    def assign(self, target: ast.expr, value: Value, source: ast.expr | None = None) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(source, ast.Call) and isinstance(value, Plain) and _raw_rows(value):
                value = self.separate_parts(target, value)
            parts = unpack(value, target.elts)
            for element, part in zip(target.elts, parts, strict=True):
                if isinstance(element, ast.Starred):
                    self.assign(element.value, part)
                else:
                    self.assign(element, part)
        elif isinstance(target, ast.Subscript):
            self.assign_subscript(target, value, source)
        elif isinstance(target, ast.Attribute):
            owner = self.expr(target.value)
            for instance in _instances(owner):
                instance.attributes[target.attr] = value
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value)

    def assign_subscript(
        self, target: ast.Subscript, value: Value, source: ast.expr | None = None
    ) -> None:
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
            self.nan_assignment(target, value, current)
            if target.value is root:
                self.derived_column(target, source, current)
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
        if isinstance(base, Instance):
            return self.instance_attribute(base, attr)
        if isinstance(base, ClassValue):
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

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> Value:
        saved: dict[str, Value | None] = {}
        loop = self._loop_id(node)
        for generator in node.generators:
            iterable = self.expr(generator.iter)
            element = with_loop(element_of(iterable), loop)
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

    # ----- calls -----

    def e_Call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self.expr(func.value)
            args, kwargs = self.arguments(node)
            result = self.method(receiver, func.attr, args, kwargs, node)
            if isinstance(func.value, ast.Name) and isinstance(receiver, Plain):
                self._rebind_after_method(func.value.id, receiver, func.attr, args, kwargs, result)
            elif isinstance(func.value, ast.Subscript | ast.Attribute) and isinstance(
                result, Plain
            ):
                inplace = kwargs.get("inplace")
                if isinstance(inplace, Plain) and inplace.const is True:
                    self.write_into_frame(func.value, result)
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
        if isinstance(callee, ClassValue):
            return self.instantiate(callee, args, kwargs, node)
        if isinstance(callee, BoundMethod):
            return self.call_function(callee.function, [callee.instance, *args], kwargs, node)
        if isinstance(callee, Multi):
            result: Value = UNKNOWN
            for option in callee.options:
                result = join(result, self.call(option, args, kwargs, node))
            return result
        return Plain(taint=args_taint(args, kwargs).replace(evals=frozenset()))

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
        if isinstance(receiver, Instance | ClassValue):
            return self.call(self.attribute(receiver, name), args, kwargs, node)
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
            return Plain(taint=args_taint(args, kwargs))
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
            return Plain(elements=(Plain(items=(Plain(), element_of(args[0]))),))
        if name == "zip":
            return Plain(elements=(Plain(items=tuple(element_of(a) for a in args)),))
        if name in ("max", "min", "sorted"):
            taint = args_taint(args, kwargs)
            if taint.evals:
                self.selection(taint.evals, node, name)
            if name == "sorted":
                return Plain(elements=members(args[0]) if args else ())
            if len(args) == 1:
                return element_of(args[0])
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
            return element_of(args[0])
        if name == "dict":
            if kwargs and "**" not in kwargs:
                return Plain(items=tuple(kwargs.values()), keys=tuple(kwargs))
            if args and isinstance(args[0], Plain) and args[0].keys is not None:
                return args[0]
            return Plain(elements=tuple(m for a in args for m in members(a))[:8])
        return Plain(taint=args_taint(args, kwargs))

    def write_into_frame(self, target: ast.Subscript | ast.Attribute, value: Plain) -> None:
        """``df["a"].fillna(..., inplace=True)`` changes ``df``: what went into the column goes
        into the frame, as with ``df["a"] = ...``."""
        root: ast.expr = target
        while isinstance(root, ast.Attribute | ast.Subscript):
            root = root.value
        if not isinstance(root, ast.Name):
            return
        current = self.lookup(root.id)
        if isinstance(current, Plain) and current.taint.rows:
            incoming = value.taint
            if incoming.stats:
                incoming = self.absorb(incoming, target)
            merged = current.taint | incoming.replace(rows=current.taint.rows, loops=frozenset())
            self.bind(root.id, replace(current, taint=merged))

    def separate_parts(self, target: ast.Tuple | ast.List, value: Plain) -> Value:
        """``(x_train, y_train), (x_test, y_test) = mnist.load_data()``: a loader that returns the
        parts already split gives each name its own rows, with the role its name says."""
        parts: list[Value] = []
        for element in target.elts:
            if isinstance(element, ast.Tuple | ast.List):
                parts.append(self.separate_parts(element, value))
                continue
            name = element.id if isinstance(element, ast.Name) else expr_key(element)
            ident, new = self.flow.interned(("part", *self.key(self.where(element)), name))
            if new:
                loaders = [self.flow.origins[r.origin].loader for r in value.taint.rows]
                self.flow.origins[ident] = Origin(
                    ident, self.where(element), None, name, role_from_name(name), loaders[0]
                )
            parts.append(Plain(taint=value.taint.replace(rows=frozenset({RowSet(ident)}))))
        return Plain(items=tuple(parts))

    # ----- library calls -----

    def call_library(
        self, callee: Lib, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        last = callee.last
        parts = callee.qualname.split(".")
        parent = parts[-2] if len(parts) > 1 else ""
        if last in lib.SPLIT_FUNCTIONS:
            return self.train_test_split(args, kwargs, node)
        if last == "random_split" and callee.root == "torch":
            return self.random_split(args, node)
        if last in lib.SCALING_FUNCTIONS and callee.root == "sklearn":
            return self.scaling_function(last, args, kwargs, node)
        if last in ("array_split", "split") and callee.root == "numpy" and len(args) >= 2:
            return self.index_folds(args, node)
        if last in lib.CONCAT_FUNCTIONS and callee.root == "numpy":
            pieces = self.concatenate(args)
            if pieces is not None:
                return pieces
        if last in lib.STATISTIC_FUNCTIONS and callee.root == "numpy":
            taint = args_taint(args[:1], {})
            # np.mean(df["fare"]) is df["fare"].mean(); a quantile of predictions is a threshold
            if taint.rows and not taint.models:
                stat = self.statistic(last, taint.rows, node)
                return Plain(taint=Taint(stats=frozenset({stat}), loops=taint.loops))
        if last in ("cut", "qcut") and callee.root == "pandas":
            return self.binning(last, args, kwargs, node)
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
                taint = args_taint(args, {})
                oversample = self.oversample("resample", taint.rows, node)
                return Plain(taint=taint.replace(oversampled=taint.oversampled | {oversample}))
            return Plain(taint=args_taint(args, {}))
        if last == "clone" and args:
            return self.clone(args[0], node)
        category = lib.estimator_category(last)
        if category is not None or (last[:1].isupper() and callee.root in ML_ROOTS):
            return self.construct(callee, category, args, kwargs, node)
        if last in lib.SELECTION_FUNCTIONS:
            taint = args_taint(args, kwargs)
            if taint.evals:
                self.selection(taint.evals, node, last)
            return Plain(taint=taint)
        taint = args_taint(args, kwargs)
        if lib.is_loader(last) and not taint.rows and last not in ("array", "asarray"):
            path = args[0].const if args and isinstance(args[0], Plain) else None
            origin = self.origin(node, path if isinstance(path, str) else None)
            self.flow.origins[origin].loader = callee.qualname
            self.loaded(origin, kwargs, node)
            return Plain(taint=Taint(rows=frozenset({RowSet(origin)})))
        if last in ("DataFrame", "Series", "array", "asarray") and not taint.rows:
            if taint.evals:
                return Plain(taint=taint)
            origin = self.origin(node, None)
            return Plain(taint=taint | Taint(rows=frozenset({RowSet(origin)})))
        if taint.rows:
            self.note_column_uses([*args, *kwargs.values()], node)
        if taint.stats and taint.rows:
            taint = self.absorb(taint, node)
        if callee.root == "numpy" and len(args) == 1 and isinstance(args[0], Plain):
            # np.log(df["price"]) is still the price column, row by row
            return Plain(taint=taint, columns=args[0].columns)
        return Plain(taint=taint)


def _instances(value: Value) -> list[Instance]:
    if isinstance(value, Instance):
        return [value]
    if isinstance(value, Multi):
        return [i for option in value.options for i in _instances(option)]
    return []


def _static(function: Function) -> bool:
    decorators = getattr(function.node, "decorator_list", [])
    return any(
        isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in decorators
    )


def _raw_rows(value: Plain) -> bool:
    """Rows straight from a loader (no split applied, no known tuple structure)."""
    return (
        value.items is None and bool(value.taint.rows) and all(not r.path for r in value.taint.rows)
    )


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


def analyse(unit: Unit, modules: ModuleResolver | None = None) -> Flow:
    flow = Flow(unit=unit.rel)
    Interpreter(flow, modules).run(unit)
    return flow
