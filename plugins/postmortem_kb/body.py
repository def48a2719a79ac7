"""Line-accurate structure of a postmortem body: headings, timeline entries, prose lines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark").enable("table")
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
    """Parsed body: headings, code line ranges and the lines holding each block."""

    headings: list[Heading] = field(default_factory=list)
    code_lines: set[int] = field(default_factory=set)
    tokens: list[Token] = field(default_factory=list)
    first_line: int = 1


def parse_body(text: str, first_line: int) -> Body:
    """Parse ``text`` (the body, which starts at ``first_line`` of the file)."""
    tokens = _PARSER.parse(text)
    body = Body(tokens=tokens, first_line=first_line)
    offset = first_line
    raw: list[tuple[int, str, int]] = []
    for index, token in enumerate(tokens):
        if token.map is None:
            continue
        if token.type in ("fence", "code_block", "html_block"):
            body.code_lines.update(range(token.map[0] + offset, token.map[1] + offset))
        elif token.type == "heading_open":
            inline = tokens[index + 1]
            raw.append((int(token.tag[1]), inline.content.strip(), token.map[0] + offset))
    last_line = first_line + text.count("\n")
    for position, (level, title, line) in enumerate(raw):
        end = next((later[2] - 1 for later in raw[position + 1 :] if later[0] <= level), last_line)
        body.headings.append(Heading(level, title, line, end))
    return body


def timeline_entries(body: Body, section: Heading) -> list[TimelineEntry]:
    """Return timestamped list items and table rows inside ``section``."""
    entries: list[TimelineEntry] = []
    offset = body.first_line
    inside = False
    depth = 0
    for index, token in enumerate(body.tokens):
        line = token.map[0] + offset if token.map else None
        if line is not None:
            inside = section.line < line <= section.end_line
        if not inside:
            continue
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif line is not None and (
            (token.type == "list_item_open" and depth == 1) or token.type == "tr_open"
        ):
            entry = _entry(body.tokens, index, line)
            if entry:
                entries.append(entry)
    return entries


def _entry(tokens: list[Token], start: int, line: int) -> TimelineEntry | None:
    inline = next((t for t in tokens[start:] if t.type == "inline"), None)
    if inline is None:
        return None
    match = _TIME.match(inline.content)
    if not match:
        return None
    try:
        time = dt.time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
        day = dt.date.fromisoformat(match["date"]) if match["date"] else None
    except ValueError:
        return None
    return TimelineEntry(line, 1, day, time)


def prose_lines(text: str, body: Body) -> list[tuple[int, str]]:
    """Return (absolute line, text) for body lines outside code blocks and HTML blocks."""
    return [
        (number, line)
        for number, line in enumerate(text.split("\n"), start=body.first_line)
        if number not in body.code_lines
    ]
