"""Format findings for people (text), machines (json) and GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.text import plural

# A finding's level in text: info findings are "notes", as the summary line counts them
# (the json format and the `rules` option keep the level's id, `info`).
_TEXT_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}
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
    return "\n".join([*text_lines(findings), text_summary(findings, checked)])


def text_lines(findings: Iterable[Finding]) -> list[str]:
    """Findings in the text format, each followed by its hint."""
    lines = []
    for finding in findings:
        lines.append(text_line(finding))
        if finding.suggestion:
            lines.append(f"    hint: {finding.suggestion}")
    return lines


def text_line(finding: Finding) -> str:
    """One finding in the text format: ``path:line:col: level rule: message``."""
    return f"{finding.location()}: {_TEXT_LEVEL[finding.level]} {finding.rule}: {finding.message}"


def text_summary(findings: Sequence[Finding], checked: int) -> str:
    """The closing line of the text format: files checked, errors, warnings and notes."""
    counts = {level: sum(f.level is level for f in findings) for level in Level}
    return (
        f"checked {plural(checked, 'file')}: {plural(counts[Level.ERROR], 'error')}, "
        f"{plural(counts[Level.WARNING], 'warning')}, {plural(counts[Level.INFO], 'note')}"
    )


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
