"""Small helpers over AST nodes and abstract values, shared by the interpreter and the library
models."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from mlcoach.review.values import (
    EMPTY,
    NOCONST,
    UNKNOWN,
    Estimator,
    Multi,
    Plain,
    Taint,
    Value,
    deep_taint,
    join,
    members,
)

_COLUMN_SUBSCRIPT = re.compile(r"\[(['\"])([^'\"\]]+)\1\]")


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


def unparse(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover
        return "?"


def element_of(value: Value) -> Value:
    """What one iteration over ``value`` gives."""
    found = members(value)
    if found:
        result: Value = UNKNOWN
        for member in found:
            result = join(result, member)
        return result
    if isinstance(value, Plain) and value.taint.rows:
        return Plain(taint=value.taint)
    return UNKNOWN


def args_taint(args: list[Value], kwargs: dict[str, Value]) -> Taint:
    taint = EMPTY
    for value in (*args, *kwargs.values()):
        taint = taint | deep_taint(value)
    return taint


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
