"""Check one postmortem file on its own: every rule that needs only its bytes and its name.

The result (:class:`FileCheck`) depends on nothing else, so the archive caches it.
Cross-file rules (``check.cross_file``) run afterwards, on every build.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from postmortem_kb.check.front_matter import Parsed, check_front_matter
from postmortem_kb.check.html import check_raw_html
from postmortem_kb.check.language.check import People, Text, check_language, front_matter_text
from postmortem_kb.check.language.prose import Suppressions, prose
from postmortem_kb.check.language.roster import git_roster
from postmortem_kb.check.language.rules import language_rules
from postmortem_kb.check.recover import recover_fields
from postmortem_kb.check.structure import check_placeholders, check_structure
from postmortem_kb.model.record import FileCheck, Positions, References
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import ID_PATTERN, did_you_mean
from postmortem_kb.source.body import Body, parse_body
from postmortem_kb.source.front_matter import Source, source_of


def check_id(name: str, report: Report) -> None:
    """Report a file name that is not a valid postmortem id."""
    path = PurePath(name)
    if not ID_PATTERN.match(path.stem) or path.suffix != ".md":
        report.add(
            "invalid-id",
            1,
            1,
            f"file name '{path.name}' is not a valid postmortem id",
            "use lowercase letters, digits and hyphens: YYYY-MM-DD-short-slug.md",
        )


def check_content(name: str, data: bytes, report: Report, settings: Settings) -> FileCheck:
    """Check the bytes of the file called ``name``; every problem goes to ``report``.

    Every check runs on whatever could be read: one invalid value hides no other finding.
    """
    pm_id = PurePath(name).stem
    check_id(name, report)
    source = source_of(data, report.path, report)
    lines = source.text.split("\n")
    closing = _closing_line(lines)
    front_matter, positions = source.front_matter, source.positions
    if front_matter is None and closing is not None:  # YAML stopped at its first problem
        recovered = recover_fields(lines, closing, positions, report)
        if recovered is not None:
            front_matter, positions = recovered
    parsed = None
    if front_matter is not None:
        end = (closing or 1, 1)
        parsed = check_front_matter(front_matter, positions, end, pm_id, settings, report)
    if front_matter is not None or source.body:
        body = parse_body(source.body, source.body_line)
        status = parsed.top.values.get("status") if parsed else None
        day = parsed.top.values.get("date") if parsed else None
        check_structure(source.body, body, settings, status, report, day)
        check_raw_html(source.body, body, settings.allow_html, report)
        header = [
            (number, line)
            for number, line in enumerate(lines[: source.body_line - 1], 1)
            if not line.lstrip().startswith("#")
        ]
        check_placeholders(header, settings, status, report)
        _check_language(source, body, parsed, positions, settings, report)
    return FileCheck(
        parsed.model() if parsed else None,
        source.body,
        source.body_line,
        positions,
        tuple(report.findings),
        parsed.references() if parsed else References(),
    )


def _closing_line(lines: list[str]) -> int | None:
    """The line (1-based) of the ``---`` that closes the front matter, if there is one."""
    if not lines or lines[0].rstrip() != "---":
        return None
    return next((n + 1 for n in range(1, len(lines)) if lines[n].rstrip() in ("---", "...")), None)


def _check_language(
    source: Source,
    body: Body,
    parsed: Parsed | None,
    positions: Positions,
    settings: Settings,
    report: Report,
) -> None:
    """Blameless-language rules over the body and the action-item titles, knowing the
    people named in whatever front-matter fields could be read."""
    handles = list(settings.roster)
    if settings.roster_from_git:
        handles += git_roster(str(Path.cwd()))
    allowed: frozenset[str] = frozenset()
    if parsed is not None:
        handles += parsed.people()
        blameless_allow: list[str] = parsed.top.values.get("blameless_allow", [])
        allowed = frozenset(blameless_allow)
        known = language_rules().ids()
        for index, rule_id in enumerate(blameless_allow):
            if rule_id not in known:
                line, column = positions.of_value(("blameless_allow", index))
                report.add(
                    "invalid-value",
                    line,
                    column,
                    f"blameless_allow: '{rule_id}' is not a language rule id",
                    did_you_mean(rule_id, known),
                )
    people = People.of(handles)
    blocks, suppressions = prose(body)
    text = Text(blocks, settings.canonical_sections())
    check_language(text, people, suppressions, allowed, report)
    if parsed is None:
        return
    lines = source.text.split("\n")
    for item in parsed.action_items or ():
        if "title" not in item.values:
            continue
        line, column = positions.of_value((*item.path, "title"))
        raw = lines[line - 1] if 0 < line <= len(lines) else ""
        if raw[column - 1 : column] in ("'", '"'):
            column += 1
        item_text = front_matter_text(item.values["title"], line, column)
        check_language(item_text, people, Suppressions(), allowed, report)
