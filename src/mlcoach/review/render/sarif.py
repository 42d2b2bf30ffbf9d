"""The report as SARIF 2.1.0, for code-scanning tools (GitHub code scanning and the like).

Each finding id is a rule; a result points at the file as stored. For a notebook that is the line of
the .ipynb JSON holding the source line (Location.file_line), with the cell and the line within the
cell kept in the result's properties and message.
"""

from __future__ import annotations

import json
from typing import Any

from mlcoach.review.models import Finding, Location, Report
from mlcoach.review.rules import RULES, Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
INFORMATION_URI = "https://pypi.org/project/mlcoach/"


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.id.replace("/", "-"),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.why},
        "help": {"text": rule.fix, "markdown": f"**Fix:** {rule.fix}"},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "objective": rule.objective,
            "severity": rule.severity,
            "tags": [rule.id.split("/")[0]],
        },
    }


def _physical(location: Location) -> dict[str, Any] | None:
    if not location.file:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": location.file, "uriBaseId": "SRCROOT"}}
    line = location.file_line or (location.line if location.cell is None else None)
    if line:
        physical["region"] = {"startLine": line}
    return physical


def _location(location: Location, identifier: int | None = None) -> dict[str, Any] | None:
    physical = _physical(location)
    if physical is None:
        return None
    out: dict[str, Any] = {"physicalLocation": physical}
    if identifier is not None:
        out["id"] = identifier
    if location.cell is not None:
        out["message"] = {"text": str(location)}
    return out


def _result(finding: Finding, rule_index: int, main: str) -> dict[str, Any]:
    where = f" [{finding.location}]" if finding.location.cell is not None else ""
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": f"{finding.seen}{where} Fix: {finding.fix}"},
        "properties": {"severity": finding.severity, "objective": finding.objective},
    }
    primary = _location(finding.location) or _location(Location(file=main))
    if primary is not None:
        result["locations"] = [primary]
    if finding.location.cell is not None:
        result["properties"]["cell"] = finding.location.cell
        result["properties"]["cellLine"] = finding.location.line
    related = [_location(r, i) for i, r in enumerate(finding.related, start=1)]
    if any(related):
        result["relatedLocations"] = [r for r in related if r is not None]
    return result


def sarif_log(report: Report) -> dict[str, Any]:
    rules = list(RULES.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    main = next((f.path for f in report.files if f.kind in ("notebook", "script")), "")
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlcoach-review",
                        "fullName": "mlcoach take-home reviewer",
                        "version": report.tool_version,
                        "semanticVersion": report.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {
                    "SRCROOT": {"description": {"text": "the submission's root folder"}}
                },
                "results": [_result(f, index[f.id], main) for f in report.findings],
                "properties": {
                    "submission": report.submission,
                    "scores": {o.key: o.score for o in report.objectives},
                },
            }
        ],
    }


def render_sarif(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
