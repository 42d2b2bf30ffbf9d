"""Comparing a test's actual value with the expected one. Runs outside the sandbox, on plain data
(a problem's custom checker is the exception: it is code, so it runs in the sandbox, see engine).

Both sides are normalised the same way first: NumPy arrays become lists, NumPy scalars Python
scalars, tuples lists, sets sorted lists. The exact and unordered checkers are type-aware: 3.0 is
not 3 and True is not 1 (a problem that wants them equal uses the numeric checker). Every check
returns why it failed, in the user's words, and renders any value safely (huge ints, deep or cyclic
structures, huge strings).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlcoach.catalog.models import Checker

MAX_SHOWN = 200


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    reason: str = ""


PASS = CheckOutcome(True)


def normalise(value: Any) -> Any:
    """Plain, comparable data: lists for every sequence, Python scalars for NumPy ones."""
    kind = type(value)
    if value is None or kind in (bool, int, float, str, complex, bytes):
        return value
    if kind is list or kind is tuple:
        return [normalise(item) for item in value]
    if isinstance(value, dict):
        return {_key(k): normalise(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [normalise(item) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=show)
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__.startswith("numpy"):
        return normalise(tolist())
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    return value


def _key(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    return normalise(value)


# Above this many bits an int is not turned into decimal digits (Python refuses past 4,300 digits,
# and the conversion is quadratic): it is shown by its size and its first and last digits.
BIG_INT_BITS = 10_000
MAX_SHOWN_ITEMS = 50
EXACT_DIGITS_BITS = 300_000
MAX_SHOWN_DEPTH = 20


def _show_int(value: int) -> str:
    size = abs(value)
    bits = size.bit_length()
    if bits <= BIG_INT_BITS:
        return int.__repr__(value)
    sign = "-" if value < 0 else ""
    last = f"{size % 10**12:012d}"
    if bits > EXACT_DIGITS_BITS:  # counting the digits exactly would take too long
        about = math.floor(bits * math.log10(2)) + 1
        return f"<{sign}int of about {about} digits, ending …{last}>"
    shift = math.floor((bits - 1) * math.log10(2)) - 15
    lead = str(size // 10**shift)
    return f"<{sign}int of {shift + len(lead)} digits: {sign}{lead[:12]}…{last}>"


def _render(value: Any, budget: list[int], depth: int, seen: set[int]) -> str:
    """repr() that stops early: a character budget, a depth limit, cycles marked."""
    if budget[0] <= 0:
        return "..."
    kind = type(value)
    if kind is bool or value is None:
        text = repr(value)
    elif isinstance(value, int):
        text = _show_int(int(value))
    elif isinstance(value, str | bytes):
        text = repr(value[: budget[0]])
        if len(value) > budget[0]:
            text += f" (+{len(value) - budget[0]} more)"
    elif isinstance(value, float | complex):
        text = repr(value)
    elif isinstance(value, list | tuple | set | frozenset | dict):
        if id(value) in seen:
            return "<cycle>"
        if depth >= MAX_SHOWN_DEPTH:
            return "[...]"
        seen.add(id(value))
        brackets = "[]" if kind is list else "()" if kind is tuple else "{}"
        if isinstance(value, set | frozenset) and not value:
            return f"{kind.__name__}()"
        parts: list[str] = []
        items = list(value.items()) if isinstance(value, dict) else list(value)
        for item in items[:MAX_SHOWN_ITEMS]:
            if budget[0] <= 0:
                break
            if isinstance(value, dict):
                key, val = item
                part = (
                    f"{_render(key, budget, depth + 1, seen)}: "
                    f"{_render(val, budget, depth + 1, seen)}"
                )
            else:
                part = _render(item, budget, depth + 1, seen)
            parts.append(part)
        if len(parts) < len(items):
            parts.append("...")
        seen.discard(id(value))
        tail = "," if kind is tuple and len(items) == 1 else ""
        text = brackets[0] + ", ".join(parts) + tail + brackets[1]
    else:
        try:
            text = repr(value)
        except Exception as exc:  # a repr that fails must not fail the judge
            text = f"<{kind.__name__}: repr failed with {type(exc).__name__}>"
    budget[0] -= len(text)
    return text


def show(value: Any, limit: int = MAX_SHOWN) -> str:
    """A readable repr of any value, at most ``limit`` characters, whatever the value holds."""
    try:
        text = _render(value, [limit], 0, set())
    except (RecursionError, MemoryError, ValueError):
        text = f"<a {type(value).__name__} too large to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(path: str) -> str:
    return f"at {path}: " if path else ""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int):
        return "an int"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict of {len(value)} keys"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def _same(expected: Any, actual: Any) -> bool:
    """Equal values of the same types, all the way down (NaN equals NaN)."""
    stack = [(expected, actual)]
    while stack:
        e, a = stack.pop()
        if type(e) is not type(a):
            return False
        if isinstance(e, list):
            if len(e) != len(a):
                return False
            stack.extend(zip(e, a, strict=True))
        elif isinstance(e, dict):
            keys = {_typed_key(k): k for k in e}
            other = {_typed_key(k): k for k in a}
            if keys.keys() != other.keys():
                return False
            stack.extend((e[keys[k]], a[other[k]]) for k in keys)
        elif isinstance(e, float) and math.isnan(e):
            if not math.isnan(a):
                return False
        elif e != a:
            return False
    return True


def _typed_key(value: Any) -> Any:
    if isinstance(value, tuple):
        return ("t", tuple(_typed_key(v) for v in value))
    return (type(value).__name__, value)


def check_exact(expected: Any, actual: Any) -> CheckOutcome:
    if _same(expected, actual):
        return PASS
    why = f"expected {show(expected)}, got {show(actual)}"
    if expected == actual:  # equal values of different types: say which
        why += f" ({_kind(expected)}, not {_kind(actual)})"
    return CheckOutcome(False, why)


def check_numeric(
    expected: Any, actual: Any, rtol: float, atol: float, path: str = ""
) -> CheckOutcome:
    """Same nested shape; floats within tolerance (NaN matches NaN); ints and bools exactly."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        if type(expected) is type(actual) and expected == actual:
            return PASS
        return CheckOutcome(False, f"{_where(path)}expected {show(expected)}, got {show(actual)}")
    if isinstance(expected, int) and isinstance(actual, int):
        if expected == actual:
            return PASS
        return CheckOutcome(False, f"{_where(path)}expected {show(expected)}, got {show(actual)}")
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        e, a = float(expected), float(actual)
        if (math.isnan(e) and math.isnan(a)) or math.isclose(e, a, rel_tol=rtol, abs_tol=atol):
            return PASS
        return CheckOutcome(
            False,
            f"{_where(path)}expected {show(expected)}, got {show(actual)} "
            f"(tolerance: rtol={rtol:g}, atol={atol:g})",
        )
    if isinstance(expected, complex) and isinstance(actual, complex | int | float):
        as_complex = complex(actual)
        for part, e_part, a_part in (
            ("real", expected.real, as_complex.real),
            ("imag", expected.imag, as_complex.imag),
        ):
            outcome = check_numeric(e_part, a_part, rtol, atol, f"{path}.{part}")
            if not outcome.ok:
                return outcome
        return PASS
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return CheckOutcome(
                False, f"{_where(path)}expected {_kind(expected)}, got {_kind(actual)}"
            )
        for index, (e_item, a_item) in enumerate(zip(expected, actual, strict=True)):
            outcome = check_numeric(e_item, a_item, rtol, atol, f"{path}[{index}]")
            if not outcome.ok:
                return outcome
        return PASS
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return CheckOutcome(
                False, f"{_where(path)}expected {_kind(expected)}, got {_kind(actual)}"
            )
        if set(expected) != set(actual):
            missing = sorted(map(show, set(expected) - set(actual)))
            extra = sorted(map(show, set(actual) - set(expected)))
            parts = [
                f"missing keys {', '.join(missing)}" if missing else "",
                f"unexpected keys {', '.join(extra)}" if extra else "",
            ]
            return CheckOutcome(False, f"{_where(path)}" + "; ".join(p for p in parts if p))
        for key in expected:
            outcome = check_numeric(expected[key], actual[key], rtol, atol, f"{path}[{show(key)}]")
            if not outcome.ok:
                return outcome
        return PASS
    if expected == actual and type(expected) is type(actual):
        return PASS
    return CheckOutcome(False, f"{_where(path)}expected {show(expected)}, got {show(actual)}")


def _canonical(value: Any) -> Any:
    """A hashable stand-in that is equal exactly when :func:`_same` says so."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, list | tuple):
        return ("l", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        items = [(_canonical(k), _canonical(v)) for k, v in value.items()]
        return ("d", frozenset(items))
    return ("o", type(value).__name__, value)


def check_unordered(expected: Any, actual: Any) -> CheckOutcome:
    if not isinstance(expected, list):
        return check_exact(expected, actual)
    if not isinstance(actual, list):
        return CheckOutcome(
            False, f"expected {_kind(expected)} (in any order), got {_kind(actual)}"
        )
    want = Counter(_canonical(v) for v in expected)
    got = Counter(_canonical(v) for v in actual)
    if want == got:
        return PASS
    by_key = {_canonical(v): v for v in [*expected, *actual]}
    missing = [by_key[k] for k in (want - got).elements()]
    extra = [by_key[k] for k in (got - want).elements()]
    parts = []
    if missing:
        parts.append(f"missing {show(missing)}")
    if extra:
        parts.append(f"unexpected {show(extra)}")
    return CheckOutcome(False, f"expected {_kind(expected)} in any order; " + "; ".join(parts))


# Runs a custom checker's code on (expected, actual); the engine's one runs it in the sandbox.
CustomCheck = Callable[[str, Any, Any], CheckOutcome]


def _no_custom(code: str, expected: Any, actual: Any) -> CheckOutcome:
    raise ValueError("a custom checker is code: it runs in the judge's sandbox, pass `custom`")


def check_value(
    checker: Checker, expected: Any, actual: Any, custom: CustomCheck | None = None
) -> CheckOutcome:
    """Compare a call test's returned value with the expected one, as the problem's checker says."""
    expected, actual = normalise(expected), normalise(actual)
    if checker.kind == "numeric":
        return check_numeric(expected, actual, checker.rtol, checker.atol)
    if checker.kind == "unordered":
        return check_unordered(expected, actual)
    if checker.kind == "custom":
        assert checker.code is not None
        return (custom or _no_custom)(checker.code, expected, actual)
    return check_exact(expected, actual)


def output_lines(text: str) -> list[str]:
    """Printed output as compared: trailing spaces on each line and trailing blank lines dropped."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def check_output(
    checker: Checker, expected: str, actual: str, custom: CustomCheck | None = None
) -> CheckOutcome:
    """Compare a script test's printed output with the expected text."""
    want, got = output_lines(str(expected)), output_lines(actual)
    if checker.kind == "custom":
        assert checker.code is not None
        return (custom or _no_custom)(checker.code, "\n".join(want), "\n".join(got))
    for number, (w, g) in enumerate(zip(want, got, strict=False), start=1):
        if w == g:
            continue
        if checker.kind == "numeric" and _tokens_close(w, g, checker.rtol, checker.atol):
            continue
        return CheckOutcome(False, f"line {number}: expected {show(w)}, got {show(g)}")
    if len(want) != len(got):
        more = "more" if len(got) > len(want) else "fewer"
        return CheckOutcome(
            False, f"expected {len(want)} line(s) of output, got {len(got)} ({more} than expected)"
        )
    return PASS


def _tokens_close(want: str, got: str, rtol: float, atol: float) -> bool:
    w_tokens, g_tokens = want.split(), got.split()
    if len(w_tokens) != len(g_tokens):
        return False
    for w, g in zip(w_tokens, g_tokens, strict=True):
        if w == g:
            continue
        w_num, g_num = _number(w), _number(g)
        if (
            w_num is None
            or g_num is None
            or not math.isclose(w_num, g_num, rel_tol=rtol, abs_tol=atol)
        ):
            return False
    return True
