"""Check the body: required sections, the timeline, and leftover template placeholders."""

from __future__ import annotations

import datetime as dt
import re

from postmortem_kb.model.findings import Level
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import SectionSpec, Settings
from postmortem_kb.model.text import ACTION_HEADINGS
from postmortem_kb.source.blocks import ITEM, ROW, Block
from postmortem_kb.source.body import Body, Heading, prose_lines, timeline_entries


def check_structure(
    text: str,
    body: Body,
    settings: Settings,
    status: str | None,
    report: Report,
    incident_day: dt.date | None,
) -> None:
    """Report missing sections, a short or unordered timeline, and placeholders.

    A missing section is reported at the heading it should follow (the previous required
    section present, in the configured order), or at the end of the file.
    """
    for heading in body.headings:
        if heading.level == 1:
            report.add(
                "body-title",
                heading.line,
                1,
                f"level-1 heading '{heading.text}' in the body: the page would have two <h1>",
                "the title comes from the front matter; remove this heading, or make it a "
                "'## ' section (`postmortem import` does this when it brings a file in)",
            )
    _check_items_in_body(text, body, report)
    level2 = [h for h in body.headings if h.level == 2]
    previous: Heading | None = None
    for spec in settings.sections:
        matches = [h for h in level2 if h.text.casefold() in spec.names()]
        if not matches:
            end = body.first_line + len(text.rstrip().split("\n")) - 1
            report.add(
                "missing-section",
                end if previous is None else previous.line,
                1,
                f"required section '## {spec.name}' is missing",
                _alias_hint(spec, "" if previous is None else " after this section"),
            )
            continue
        previous = matches[0]
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


def _alias_hint(spec: SectionSpec, where: str = "") -> str:
    hint = f"add '## {spec.name}'{where}"
    if spec.aliases:
        return f"{hint} (also accepted: {', '.join(spec.aliases)})"
    return hint


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
    for line, column, hint in _untimed(body, section, {entry.line for entry in entries}):
        report.add(
            "timeline-entry-without-time",
            line,
            column,
            "timeline entry does not start with a time",
            hint,
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


def _untimed(body: Body, section: Heading, timed: set[int]) -> list[tuple[int, int, str]]:
    """Top-level list items of ``section``, and rows of its tables with a time column (the
    first column holds times in other rows), whose line is not in ``timed``."""
    found: list[tuple[int, int, str]] = []
    tables: dict[int, list[Block]] = {}  # the first cell of each row, by table
    for block in body.blocks:
        line = block.start + body.first_line
        if not section.line < line <= section.end_line:
            continue
        if block.kind == ITEM and block.depth == 1 and line not in timed:
            found.append((line, block.starts[0][1] + 1, _ITEM_HINT))
        elif block.kind == ROW and block.depth == 0:  # not a table inside a list item
            rows = tables.setdefault(block.group, [])
            if not rows or rows[-1].start != block.start:
                rows.append(block)
    for rows in tables.values():
        lines = [(row.start + body.first_line, row.starts[0][1] + 1) for row in rows[1:]]
        if any(line in timed for line, _column in lines):  # the first row is the header
            found.extend((line, col, _ROW_HINT) for line, col in lines if line not in timed)
    return sorted(found)


_ITEM_HINT = (
    "start the entry with its time ('- 09:12 UTC — ...'), or indent it by 4 spaces under "
    "the entry it belongs to"
)
_ROW_HINT = "put the time of the event in the first column ('09:12 UTC')"


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


_ITEM_LINE = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|\|)")
_FENCE_LINE = re.compile(r"^\s*(```|~~~)")


def _check_items_in_body(text: str, body: Body, report: Report) -> None:
    """Report action items written as a list or table under an "Action items" heading: the
    action-item pages and exports read only the front matter's ``action_items``."""
    lines = text.split("\n")
    for heading in body.headings:
        if heading.text.strip().casefold() not in ACTION_HEADINGS:
            continue
        inside = False
        for number in range(heading.line + 1, heading.end_line + 1):
            index = number - body.first_line
            line = lines[index] if 0 <= index < len(lines) else ""
            if _FENCE_LINE.match(line):
                inside = not inside
            elif not inside and _ITEM_LINE.match(line):
                report.add(
                    "action-items-in-body",
                    number,
                    1,
                    f"action items written in the body under '{heading.text}' are not "
                    "tracked: the action-item pages and exports list only the front matter's "
                    "action_items",
                    "move each item to action_items (id, title, owner, due) and keep a "
                    "sentence here; `postmortem import` does this for an imported file",
                )
                break
