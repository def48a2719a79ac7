"""One postmortem: load a file, check it, and keep what the site and the exports need."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from postmortem_kb.check.cross_file import ArchiveContext, check_cross_file
from postmortem_kb.check.front_matter import check_front_matter, did_you_mean
from postmortem_kb.check.language.check import People, Text, check_language, front_matter_text
from postmortem_kb.check.language.prose import Suppressions, prose
from postmortem_kb.check.language.rules import lint_rules
from postmortem_kb.check.structure import check_placeholders, check_structure
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.front_matter import FrontMatter
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import slugify
from postmortem_kb.source.body import Body, parse_body
from postmortem_kb.source.front_matter import Source, read_source

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATED_ID = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


@dataclass
class Postmortem:
    """A postmortem file after checking; ``meta`` is None when the front matter is unusable."""

    id: str
    path: str
    file: Path
    meta: FrontMatter | None
    body: str
    body_line: int
    findings: list[Finding] = field(default_factory=list)
    slug: str = ""  # the page name: the id, made safe and unique by the archive

    @property
    def title(self) -> str:
        """The title, or the id when the front matter could not be read."""
        return self.meta.title if self.meta else self.id

    @property
    def status(self) -> str | None:
        """draft, in-review or published; None when the front matter is unusable."""
        return self.meta.status if self.meta else None

    @cached_property
    def durations(self) -> dict[str, dt.timedelta]:
        """Time to detect, mitigate and resolve, measured from the start of the incident."""
        if self.meta is None or self.meta.incident.started is None:
            return {}
        times = self.meta.incident
        start = times.started
        assert start is not None
        result = {}
        for label, moment in (
            ("detect", times.detected),
            ("mitigate", times.mitigated),
            ("resolve", times.resolved),
        ):
            if moment is not None:
                result[label] = moment - start
        return result


def load_postmortem(
    file: Path, display: str, settings: Settings, context: ArchiveContext | None = None
) -> Postmortem:
    """Read and check one postmortem file; every problem lands in ``findings``."""
    report = Report(display, settings.rule_levels)
    pm_id = file.stem
    if not ID_PATTERN.match(pm_id) or file.suffix != ".md":
        report.add(
            "invalid-id",
            1,
            1,
            f"file name '{file.name}' is not a valid postmortem id",
            "use lowercase letters, digits and hyphens: YYYY-MM-DD-short-slug.md",
        )
    source = read_source(file, display, report, settings.max_file_kb * 1024)
    meta = None
    if source.front_matter is not None:
        meta = check_front_matter(source.front_matter, source.positions, settings, report)
    if meta is not None:
        _check_id_date(pm_id, meta, source.positions.of_value(("date",)), report)
        if context is not None:
            check_cross_file(pm_id, meta, source.positions, context, report)
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
    slug = pm_id if ID_PATTERN.match(pm_id) else (slugify(pm_id) or "postmortem")
    return Postmortem(
        pm_id, display, file, meta, source.body, source.body_line, report.findings, slug
    )


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
        known = lint_rules().ids()
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
