"""Comparing a test's actual value with the expected one. Runs outside the sandbox, on plain data.

Both sides are normalised the same way first: NumPy arrays become lists, NumPy scalars Python
scalars, tuples lists, sets sorted lists. Every check returns why it failed, in the user's words.
"""

from __future__ import annotations

import math
import threading
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
            return sorted(items, key=repr)
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


def show(value: Any, limit: int = MAX_SHOWN) -> str:
    text = repr(value)
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


def check_exact(expected: Any, actual: Any) -> CheckOutcome:
    if expected == actual:
        return PASS
    return CheckOutcome(False, f"expected {show(expected)}, got {show(actual)}")


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
        return CheckOutcome(False, f"{_where(path)}expected {expected}, got {actual}")
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        e, a = float(expected), float(actual)
        if (math.isnan(e) and math.isnan(a)) or math.isclose(e, a, rel_tol=rtol, abs_tol=atol):
            return PASS
        return CheckOutcome(
            False,
            f"{_where(path)}expected {expected!r}, got {actual!r} (tolerance: rtol={rtol:g}, atol={atol:g})",
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
            missing = sorted(map(repr, set(expected) - set(actual)))
            extra = sorted(map(repr, set(actual) - set(expected)))
            parts = [
                f"missing keys {', '.join(missing)}" if missing else "",
                f"unexpected keys {', '.join(extra)}" if extra else "",
            ]
            return CheckOutcome(False, f"{_where(path)}" + "; ".join(p for p in parts if p))
        for key in expected:
            outcome = check_numeric(expected[key], actual[key], rtol, atol, f"{path}[{key!r}]")
            if not outcome.ok:
                return outcome
        return PASS
    if expected == actual and type(expected) is type(actual):
        return PASS
    return CheckOutcome(False, f"{_where(path)}expected {show(expected)}, got {show(actual)}")


def _canonical(value: Any) -> Any:
    """A hashable stand-in with the same equality as ``==`` on plain data (1 == 1.0, True == 1)."""
    if isinstance(value, bool | int):
        return ("n", int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return ("nan",)
        return ("n", int(value)) if value.is_integer() else ("n", value)
    if isinstance(value, list | tuple):
        return ("l", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        return (
            "d",
            tuple(sorted(((_canonical(k), _canonical(v)) for k, v in value.items()), key=repr)),
        )
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


_custom_cache: dict[str, Callable[[Any, Any], Any]] = {}
_custom_lock = threading.Lock()


def custom_check_function(code: str) -> Callable[[Any, Any], Any]:
    """The ``check`` a problem's trusted checker code defines (content, not user code)."""
    with _custom_lock:
        function = _custom_cache.get(code)
        if function is None:
            namespace: dict[str, Any] = {"__name__": "mlcoach_checker"}
            exec(compile(code, "<checker>", "exec"), namespace)
            function = namespace.get("check")
            if not callable(function):
                raise ValueError("the custom checker does not define check(expected, actual)")
            _custom_cache[code] = function
        return function


def check_value(checker: Checker, expected: Any, actual: Any) -> CheckOutcome:
    """Compare a call test's returned value with the expected one, as the problem's checker says."""
    expected, actual = normalise(expected), normalise(actual)
    if checker.kind == "numeric":
        return check_numeric(expected, actual, checker.rtol, checker.atol)
    if checker.kind == "unordered":
        return check_unordered(expected, actual)
    if checker.kind == "custom":
        return _run_custom(checker, expected, actual)
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


def check_output(checker: Checker, expected: str, actual: str) -> CheckOutcome:
    """Compare a script test's printed output with the expected text."""
    want, got = output_lines(str(expected)), output_lines(actual)
    if checker.kind == "custom":
        return _run_custom(checker, "\n".join(want), "\n".join(got))
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


def _run_custom(checker: Checker, expected: Any, actual: Any) -> CheckOutcome:
    assert checker.code is not None
    function = custom_check_function(checker.code)
    try:
        verdict = function(expected, actual)
    except Exception as exc:  # the answer's shape broke the checker: the answer is wrong
        return CheckOutcome(
            False, f"the checker could not accept this answer ({type(exc).__name__}: {exc})"
        )
    if isinstance(verdict, tuple) and len(verdict) == 2:
        ok, reason = verdict
        return CheckOutcome(bool(ok), "" if ok else str(reason))
    return PASS if verdict else CheckOutcome(False, f"the checker rejected {show(actual)}")
