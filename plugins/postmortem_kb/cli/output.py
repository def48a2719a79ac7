"""Format findings for people (text), machines (json) and GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.text import plural

_GITHUB_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def format_findings(findings: Sequence[Finding], checked: int, fmt: str) -> str:
    """Render findings in one of ``FINDING_FORMATS``."""
    if fmt == "json":
        payload = {"checked": checked, "findings": [f.as_dict() for f in findings]}
        return json.dumps(payload, indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(_github(f) for f in findings)
    return _text(findings, checked)


def _text(findings: Sequence[Finding], checked: int) -> str:
    lines = []
    for finding in findings:
        lines.append(
            f"{finding.location()}: {finding.level.value} {finding.rule}: {finding.message}"
        )
        if finding.suggestion:
            lines.append(f"    hint: {finding.suggestion}")
    counts = {level: sum(f.level is level for f in findings) for level in Level}
    lines.append(
        f"checked {plural(checked, 'file')}: {plural(counts[Level.ERROR], 'error')}, "
        f"{plural(counts[Level.WARNING], 'warning')}, {plural(counts[Level.INFO], 'note')}"
    )
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(finding: Finding) -> str:
    message = finding.message
    if finding.suggestion:
        message += f" ({finding.suggestion})"
    return (
        f"::{_GITHUB_LEVEL[finding.level]} file={_escape_property(finding.path)},"
        f"line={finding.line},col={finding.column},title={_escape_property(finding.rule)}"
        f"::{_escape_data(message)}"
    )
