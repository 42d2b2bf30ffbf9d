"""Metric values a submission states in its text, and the values its outputs print.

A claim is a metric name with a number next to it ("an accuracy of 0.91", "F1 = 87%", "RMSE 3.2",
"97% accuracy"). It is reproduced when a printed value of the same metric agrees to within one unit
of the claim's last stated digit (0.91 matches 0.900-0.920; 87% matches 0.86-0.88).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlcoach.review.libraries import METRICS
from mlcoach.review.sources import joined_streams

_METRIC_PATTERNS: dict[str, str] = {
    "balanced_accuracy": r"balanced[ _-]accuracy",
    "accuracy": r"(?<!balanced )(?<!balanced_)(?<!balanced-)accuracy|\bacc\b",
    "f1": r"\bf1(?:[ _-]?score)?\b|\bf[ -]?measure\b|\bf[ -]score\b",
    "precision": r"(?<!average )\bprecision\b",
    "recall": r"\brecall\b|\bsensitivity\b|\btrue positive rate\b",
    "roc_auc": r"\broc[ _-]?auc\b|\bauc(?:[ _-]?roc)?\b|area under the (?:roc )?curve",
    "average_precision": r"average[ _-]precision|\bpr[ _-]auc\b",
    "rmse": r"\brmse\b|root[ -]mean[ -]squared?[ -]error",
    "mse": r"(?<!r)\bmse\b|(?<!root )mean[ -]squared?[ -]error",
    "mae": r"\bmae\b|mean[ -]absolute[ -]error",
    "mape": r"\bmape\b|mean[ -]absolute[ -]percentage[ -]error",
    "r2": r"\br2\b|\br²|\br\^2|\br[ -]squared\b|coefficient of determination",
    "log_loss": r"\blog[ _-]?loss\b|cross[ -]entropy",
}
_METRIC = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _METRIC_PATTERNS.items()), re.I)
# "23,384" and "1,234.5" are one number (thousands separators); "0.91 ± 0.02" claims 0.91
_NUMBER = (
    r"(?<![A-Za-z\d.,_])(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)(?![\d.,]*-?[A-Za-z])"
    r"\s*(?P<percent>%|percent\b)?"
)
# after a metric name: a few words that say "is/of/=", then the number
_AFTER = re.compile(r"^[^\d\n.;:!?]{0,40}?[:=]?\s*" + _NUMBER, re.I)
_AFTER_COLON = re.compile(r"^\s*[:=]\s*" + _NUMBER, re.I)
# before a metric name: "91% accuracy", "0.91 ROC-AUC"
_BEFORE = re.compile(
    r"(?P<number>\d*\.\d+|\d+(?:\.\d+)?\s*%)\s*(?:test\s+|validation\s+|cv\s+)?$", re.I
)
_DECORATION = re.compile(r"[*_`]")


_SETTING = re.compile(r"[A-Za-z_]\w*\s*=\s*$")


def _after(rest: str, pattern: re.Pattern[str] = _AFTER) -> re.Match[str] | None:
    """The number stated after a metric name, skipping a setting written in between
    ("accuracy with k=1: 0.98" states 0.98, not 1)."""
    match = pattern.match(rest)
    if match and _SETTING.search(rest[: match.start("number")]):
        return _AFTER.match(rest[match.end() :])
    return match


@dataclass(frozen=True)
class Claim:
    metric: str
    text: str  # the number as written, e.g. "0.97" or "87%"
    value: float  # as a fraction when written as a percentage
    tolerance: float
    line: int  # 1-based line in the Markdown cell or README


@dataclass(frozen=True)
class Printed:
    metric: str
    value: float


def _claim(metric: str, number: str, percent: bool, line: int) -> Claim | None:
    try:
        value = float(number.rstrip("%").strip().replace(",", ""))
    except ValueError:
        return None
    decimals = len(number.split(".", 1)[1].rstrip("% ")) if "." in number else 0
    unit = 10.0**-decimals
    if percent:
        value, unit = value / 100, unit / 100
    text = number.strip() + ("%" if percent and not number.strip().endswith("%") else "")
    return Claim(metric=metric, text=text, value=value, tolerance=unit, line=line)


def _metric_of(match: re.Match[str]) -> str:
    return next(name for name, value in match.groupdict().items() if value)


def claims_in(text: str) -> list[Claim]:
    """The metric values stated in a piece of Markdown."""
    found: list[Claim] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = _DECORATION.sub("", raw_line)
        for match in _METRIC.finditer(line):
            metric = _metric_of(match)
            after = _after(line[match.end() :])
            before = _BEFORE.search(line[: match.start()])
            candidates: list[Claim | None] = []
            if after:
                candidates.append(
                    _claim(metric, after.group("number"), bool(after.group("percent")), number)
                )
            if before:
                raw = before.group("number")
                candidates.append(
                    _claim(metric, raw.replace(" ", ""), raw.strip().endswith("%"), number)
                )
            claim = next((c for c in candidates if c is not None and _plausible(c)), None)
            if claim is not None:
                found.append(claim)
    return found


def _plausible(claim: Claim) -> bool:
    bounded = claim.metric not in ("rmse", "mse", "mae", "log_loss", "mape")
    return not bounded or 0.0 <= claim.value <= 1.0 or claim.text.endswith("%")


def printed_values(text: str) -> list[Printed]:
    """Metric values in printed output: "accuracy: 0.912", classification_report's accuracy row."""
    found: list[Printed] = []
    for line in text.splitlines():
        for match in _METRIC.finditer(line):
            after = _after(line[match.end() :], _AFTER_COLON) or _after(line[match.end() :])
            if after:
                value = float(after.group("number").replace(",", ""))
                if after.group("percent"):
                    value /= 100
                found.append(Printed(_metric_of(match), value))
    return found


def _output_text(output: dict[str, Any]) -> str:
    text = output.get("text")
    if text is None:
        text = (output.get("data") or {}).get("text/plain")
    if isinstance(text, list):
        text = "".join(text)
    return text if isinstance(text, str) else ""


_BARE_NUMBER = re.compile(r"^\s*(?:np\.float64\()?(-?\d+(?:\.\d+)?(?:e-?\d+)?)\)?\s*$")


def printed_in_cell(source: str, outputs: list[dict[str, Any]]) -> list[Printed]:
    found: list[Printed] = []
    last_line = source.strip().splitlines()[-1] if source.strip() else ""
    bare_metric = next(
        (family for name, family in METRICS.items() if name + "(" in last_line), None
    )
    for output in joined_streams(outputs):
        text = _output_text(output)
        found.extend(printed_values(text))
        if output.get("output_type") == "execute_result" and bare_metric:
            number = _BARE_NUMBER.match(text)
            if number:
                found.append(Printed(bare_metric, float(number.group(1))))
    return found


def agrees(claim: Claim, printed: Printed) -> bool:
    slack = claim.tolerance * 1.0001 + 1e-12
    candidates = [printed.value]
    if claim.value <= 1.0 and printed.value > 1.0:
        candidates.append(printed.value / 100)  # printed as a percentage
    return any(abs(candidate - claim.value) <= slack for candidate in candidates)


def metrics_named(text: str) -> set[str]:
    """The metric families a piece of text names ("F1", "ROC-AUC", "accuracy"...)."""
    return {_metric_of(match) for match in _METRIC.finditer(text)}


def output_text(output: dict[str, Any]) -> str:
    return _output_text(output)
