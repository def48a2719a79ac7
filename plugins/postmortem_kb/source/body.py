"""Line-accurate structure of a postmortem body: headings, timeline entries, prose lines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from postmortem_kb.source.blocks import CODE, HEADING, HTML, ITEM, ROW, Block, scan

_TIME = re.compile(
    r"^[*_`\s]*(?:(?P<date>\d{4}-\d{2}-\d{2})[ T]+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2}))?(?![\d:])"
)


@dataclass(frozen=True)
class Heading:
    """A heading with its absolute 1-based line in the file."""

    level: int
    text: str
    line: int
    end_line: int  # last line of the section it opens (inclusive)


@dataclass(frozen=True)
class TimelineEntry:
    """A timestamped entry of the Timeline section."""

    line: int
    column: int
    date: dt.date | None
    time: dt.time


@dataclass
class Body:
    """Scanned body: blocks, headings and the lines of code and HTML blocks."""

    blocks: list[Block] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    code_lines: set[int] = field(default_factory=set)
    first_line: int = 1


def parse_body(text: str, first_line: int) -> Body:
    """Scan ``text`` (the body, which starts at ``first_line`` of the file)."""
    blocks = scan(text.split("\n"))
    body = Body(blocks=blocks, first_line=first_line)
    raw: list[tuple[int, str, int]] = []
    for block in blocks:
        if block.kind in (CODE, HTML):
            body.code_lines.update(range(block.start + first_line, block.end + first_line))
        elif block.kind == HEADING:
            raw.append((block.level, " ".join(block.text.split()), block.start + first_line))
    # A section ends before the next heading of the same or a higher level: one pass
    # backwards, keeping the nearest following line for each level.
    last_line = first_line + text.count("\n")
    next_at_level = [last_line + 1] * 7
    ends: list[int] = []
    for level, _title, line in reversed(raw):
        ends.append(next_at_level[level] - 1)
        for deeper in range(level, 7):
            next_at_level[deeper] = line
    for (level, title, line), end in zip(raw, reversed(ends), strict=True):
        body.headings.append(Heading(level, title, line, end))
    return body


def timeline_entries(body: Body, section: Heading) -> list[TimelineEntry]:
    """Return timestamped top-level list items and table rows inside ``section``."""
    entries: list[TimelineEntry] = []
    rows_seen: set[int] = set()
    for block in body.blocks:
        line = block.start + body.first_line
        if not section.line < line <= section.end_line:
            continue
        if block.kind == ROW:
            if block.start in rows_seen or block.depth:
                continue  # only the first cell of a row holds its time; not a table in a list
            rows_seen.add(block.start)
        elif block.kind != ITEM or block.depth != 1:
            continue
        entry = _entry(block.text, line, block.starts[0][1] + 1)
        if entry:
            entries.append(entry)
    return entries


def _entry(text: str, line: int, column: int) -> TimelineEntry | None:
    match = _TIME.match(text)
    if not match:
        return None
    try:
        time = dt.time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
        day = dt.date.fromisoformat(match["date"]) if match["date"] else None
    except ValueError:
        return None
    return TimelineEntry(line, column, day, time)


def prose_lines(text: str, body: Body) -> list[tuple[int, str]]:
    """Return (absolute line, text) for body lines outside code blocks and HTML blocks."""
    return [
        (number, line)
        for number, line in enumerate(text.split("\n"), start=body.first_line)
        if number not in body.code_lines
    ]
