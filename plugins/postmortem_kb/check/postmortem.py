"""Check one postmortem file on its own: every rule that needs only its bytes and its name.

The result (:class:`FileCheck`) depends on nothing else, so the archive caches it.
Cross-file rules (``check.cross_file``) run afterwards, on every build.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from postmortem_kb.check.front_matter import check_front_matter
from postmortem_kb.check.language.check import People, Text, check_language, front_matter_text
from postmortem_kb.check.language.prose import Suppressions, prose
from postmortem_kb.check.language.rules import language_rules
from postmortem_kb.check.structure import check_placeholders, check_structure
from postmortem_kb.model.front_matter import FrontMatter
from postmortem_kb.model.record import FileCheck
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import ID_PATTERN, did_you_mean
from postmortem_kb.source.body import Body, parse_body
from postmortem_kb.source.front_matter import Source, source_of

DATED_ID = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


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
    """Check the bytes of the file called ``name``; every problem goes to ``report``."""
    pm_id = PurePath(name).stem
    check_id(name, report)
    source = source_of(data, report.path, report)
    meta = None
    if source.front_matter is not None:
        meta = check_front_matter(source.front_matter, source.positions, settings, report)
    if meta is not None:
        _check_id_date(pm_id, meta, source.positions.of_value(("date",)), report)
    if source.front_matter is not None or source.body:
        body = parse_body(source.body, source.body_line)
        status = meta.status if meta else _raw_status(source.front_matter)
        day = meta.date if meta else None
        check_structure(source.body, body, settings, status, report, day)
        header = [
            (number, line)
            for number, line in enumerate(source.text.split("\n")[: source.body_line - 1], 1)
            if not line.lstrip().startswith("#")
        ]
        check_placeholders(header, settings, status, report)
        _check_language(source, body, meta, settings, report)
    return FileCheck(meta, source.body, source.body_line, source.positions, tuple(report.findings))


def _check_id_date(
    pm_id: str, meta: FrontMatter, position: tuple[int, int], report: Report
) -> None:
    match = DATED_ID.match(pm_id)
    if match and match.group(1) != meta.date.isoformat():
        report.add(
            "date-mismatch",
            position[0],
            position[1],
            f"file name starts with {match.group(1)} but date is {meta.date}",
            "name the file after the day the incident started",
        )


def _raw_status(front_matter: dict[str, object] | None) -> str | None:
    """The status as written, for files whose front matter is otherwise invalid."""
    status = front_matter.get("status") if front_matter else None
    return status if isinstance(status, str) else None


def _check_language(
    source: Source, body: Body, meta: FrontMatter | None, settings: Settings, report: Report
) -> None:
    """Blameless-language rules over the body and the action-item titles."""
    handles = list(settings.roster)
    allowed: frozenset[str] = frozenset()
    if meta is not None:
        handles += [*meta.authors, *meta.participants, *(i.owner for i in meta.action_items)]
        allowed = frozenset(meta.blameless_allow)
        known = language_rules().ids()
        for index, rule_id in enumerate(meta.blameless_allow):
            if rule_id not in known:
                line, column = source.positions.of_value(("blameless_allow", index))
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
    if meta is None:
        return
    lines = source.text.split("\n")
    for index, item in enumerate(meta.action_items):
        line, column = source.positions.of_value(("action_items", index, "title"))
        raw = lines[line - 1] if 0 < line <= len(lines) else ""
        if raw[column - 1 : column] in ("'", '"'):
            column += 1
        item_text = front_matter_text(item.title, line, column)
        check_language(item_text, people, Suppressions(), allowed, report)
