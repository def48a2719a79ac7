"""Check the body: required sections, the timeline, and leftover template placeholders."""

from __future__ import annotations

import datetime as dt
import re

from postmortem_kb.model.findings import Level
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import SectionSpec, Settings
from postmortem_kb.source.body import Body, Heading, prose_lines, timeline_entries


def check_structure(
    text: str,
    body: Body,
    settings: Settings,
    status: str | None,
    report: Report,
    incident_day: dt.date | None,
) -> None:
    """Report missing sections, a short or unordered timeline, and placeholders."""
    level2 = [h for h in body.headings if h.level == 2]
    for spec in settings.sections:
        matches = [h for h in level2 if h.text.casefold() in spec.names()]
        if not matches:
            report.add(
                "missing-section",
                body.first_line,
                1,
                f"required section '## {spec.name}' is missing",
                _alias_hint(spec),
            )
            continue
        for duplicate in matches[1:]:
            report.add(
                "duplicate-section",
                duplicate.line,
                1,
                f"section '{spec.name}' appears again (first on line {matches[0].line})",
            )
        _check_subsections(spec, matches[0], body, report)
        if spec.name.casefold() == settings.timeline_section.casefold():
            _check_timeline(body, matches[0], settings, report, incident_day)
    check_placeholders(prose_lines(text, body), settings, status, report)


def _alias_hint(spec: SectionSpec) -> str:
    if spec.aliases:
        return f"add '## {spec.name}' (also accepted: {', '.join(spec.aliases)})"
    return f"add '## {spec.name}'"


def _check_subsections(spec: SectionSpec, section: Heading, body: Body, report: Report) -> None:
    inside = [
        h for h in body.headings if h.level == 3 and section.line < h.line <= section.end_line
    ]
    for sub in spec.subsections:
        if not any(h.text.casefold() in sub.names() for h in inside):
            report.add(
                "missing-subsection",
                section.line,
                1,
                f"section '{spec.name}' has no '### {sub.name}' subsection",
                _alias_hint(sub).replace("## ", "### "),
            )


def _check_timeline(
    body: Body,
    section: Heading,
    settings: Settings,
    report: Report,
    incident_day: dt.date | None,
) -> None:
    entries = timeline_entries(body, section)
    if len(entries) < settings.timeline_min_entries:
        report.add(
            "timeline-too-short",
            section.line,
            1,
            f"timeline has {len(entries)} timestamped entries; at least "
            f"{settings.timeline_min_entries} are required",
            "write one list item per event, starting with its time: '- 09:12 UTC — ...'",
        )
    day = incident_day or dt.date.min
    previous: dt.datetime | None = None
    for entry in entries:
        day = entry.date or day
        moment = dt.datetime.combine(day, entry.time)
        if previous is not None and moment < previous:
            report.add(
                "timeline-out-of-order",
                entry.line,
                entry.column,
                f"entry at {moment:%H:%M} is earlier than the entry before it ({previous:%H:%M})",
                "order the entries; when the incident crosses midnight, start entries with "
                "the date (2026-03-15 00:10 UTC)",
            )
        previous = moment


def check_placeholders(
    lines: list[tuple[int, str]], settings: Settings, status: str | None, report: Report
) -> None:
    """Report template placeholders in prose; only info while the postmortem is a draft."""
    if not settings.placeholders:
        return
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, settings.placeholders)) + r")\b")
    level = Level.INFO if status == "draft" else None
    for number, line in lines:
        for match in pattern.finditer(line):
            report.add(
                "placeholder-text",
                number,
                match.start() + 1,
                f"placeholder '{match.group()}' left in the text",
                "replace it with the real content before review",
                level=level,
            )
