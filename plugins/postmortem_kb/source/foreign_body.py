"""What an old postmortem's body says, read for ``postmortem import``: its headings, the
dates in its text, its timeline's times and the action items written in it.

Pure functions over lines of Markdown; ``source.importer`` puts their answers in front matter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from postmortem_kb.model.text import ACTION_HEADINGS

MOVED_COMMENT = "<!-- action items moved to the front matter by postmortem import -->"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WORD_DATES = (
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), (3, 1, 2)),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b", re.I), (3, 2, 1)),
)
_DATE_LABEL = re.compile(r"\b(?:incident date|date of (?:the )?incident|date)\b\W*?:", re.I)
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CHECK = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(.*)$")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_TIME = re.compile(
    r"(?:(\d{4}-\d{2}-\d{2})[T ])?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?",
    re.I,
)
_OWNER = (
    re.compile(r"\(?\bowner:?\s*@?([\w.-]+)\)?", re.I),
    re.compile(r"(?<![\w.])@([\w-]+)"),
)
_TRAILING = re.compile(r"\s*\(([^()]*)\)\s*$")
_HANDLE = re.compile(r"(?:owner:?\s*)?@?([\w][\w.-]*)", re.I)
_DUE = re.compile(r"\(?\b(?:due|by)(?:\s+on|:)?\s+(\d{4}-\d{2}-\d{2})\)?", re.I)
_TIME_WORDS = (
    ("resolved", ("resolved", "all clear", "incident closed", "closed the incident")),
    ("mitigated", ("mitigat", "rolled back", "rollback complete", "recovered", "restored")),
    ("detected", ("detect", "alert", "paged", "noticed", "reported")),
    ("started", ("started", "began", "begins", "impact start", "first error")),
)


def code_lines(lines: list[str]) -> set[int]:
    inside, code = False, set()
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            inside = not inside
            code.add(number)
        elif inside:
            code.add(number)
    return code


def heading_level(line: str) -> int:
    match = HEADING.match(line)
    return len(match.group(1)) if match else 0


def heading_key(line: str) -> str:
    match = HEADING.match(line)
    return match.group(2).strip().casefold() if match else ""


def labelled_date(text: str) -> dt.date | None:
    """The date on a line that says it is the date ("Incident date: March 4, 2025"), which
    beats an earlier date in the text (an export's or an edit's)."""
    for line in text.split("\n"):
        label = _DATE_LABEL.search(line)
        found = find_date(line[label.end() :]) if label else None
        if found:
            return found
    return None


def find_date(text: str) -> dt.date | None:
    """The first full date in ``text`` (2026-03-14, March 14, 2026 or 14 March 2026)."""
    best: tuple[int, dt.date] | None = None
    for match in _ISO_DATE.finditer(text):
        try:
            best = (match.start(), dt.date(*map(int, match.groups())))
            break
        except ValueError:
            continue
    for pattern, (y, m, d) in _WORD_DATES:
        for match in pattern.finditer(text):
            try:
                day = dt.date(
                    int(match.group(y)), _MONTHS[match.group(m).casefold()], int(match.group(d))
                )
            except ValueError:
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), day)
            break
    return best[1] if best else None


def action_items(
    lines: list[str], mapping: Mapping[str, str]
) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Move the action-item sections' items to front matter; keep what is not understood."""
    code = code_lines(lines)
    out: list[str] = []
    items: list[dict[str, Any]] = []
    kept: list[str] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        level = heading_level(line) if number not in code else 0
        title = heading_key(line)
        if not level or mapping.get(title, title) not in ACTION_HEADINGS:
            out.append(line)
            number += 1
            continue
        end = number + 1
        while end < len(lines) and not (end not in code and 0 < heading_level(lines[end]) <= level):
            end += 1
        block = lines[number + 1 : end]
        found, rest = _items_of(block, len(items))
        if found:
            items.extend(found)
            out.append(line)
            out.append("")
            columns = _table_header(block)
            out.append(
                MOVED_COMMENT
                if columns is None
                else MOVED_COMMENT.replace(" -->", f" (table columns: {columns}) -->")
            )
            leftover = [x for x in rest if x.strip()]
            kept.extend(x for x in leftover if not x.lstrip().startswith("<!--"))
            if leftover:
                out.append("")
                out.extend(rest)
            out.append("")
        else:
            out.extend(lines[number:end])
        number = end
    return out, items, kept


def _table_header(block: list[str]) -> str | None:
    """The header row of the first table in ``block``, as written (its words are kept)."""
    for line in block:
        if line.strip().startswith("|"):
            return " | ".join(c.strip() for c in line.strip().strip("|").split("|"))
    return None


def _items_of(block: list[str], before: int) -> tuple[list[dict[str, Any]], list[str]]:
    items: list[dict[str, Any]] = []
    rest: list[str] = []
    header: list[str] | None = None
    after_item = False
    for line in block:
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if header is None:
                header = [c.casefold() for c in cells]
                continue
            if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                continue
            item = _table_item(header, cells, before + len(items) + 1)
            if item is None:
                rest.append(line)
            else:
                items.append(item)
            continue
        header = None
        wrapped = line[:1] in (" ", "\t") and not _CHECK.match(line) and not BULLET.match(line)
        if after_item and stripped and wrapped:  # the item's text goes on
            items[-1]["title"] = f"{items[-1]['title']} {stripped}"
            continue
        after_item = False
        check = _CHECK.match(line)
        bullet = BULLET.match(line)
        if check and not line.startswith((" ", "\t")):
            status = "done" if check.group(1) in "xX" else "open"
            items.append(_text_item(check.group(2), status, before + len(items) + 1))
            after_item = True
        elif bullet and not line.startswith((" ", "\t")):
            items.append(_text_item(bullet.group(1), "open", before + len(items) + 1))
            after_item = True
        else:
            rest.append(line)
    return items, rest


def _text_item(text: str, status: str, number: int) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"AI-{number}"}
    title, owner, due = _trailing_details(text)
    if due is None and (found_due := _DUE.search(title)):
        due = found_due.group(1)
        title = title.replace(found_due.group(0), " ")
    for pattern in _OWNER if owner is None else ():
        found = pattern.search(title)
        if found:
            owner = found.group(1)
            title = title.replace(found.group(0), " ")
            break
    title = re.sub(r"\s+", " ", title).strip(" -–—,;:")
    item["title"] = title or text.strip()
    if owner:
        item["owner"] = owner
    if due:
        item["due"] = dt.date.fromisoformat(due)
    item["status"] = status
    return item


def _trailing_details(text: str) -> tuple[str, str | None, str | None]:
    """An item's text without a closing "(dana, due 2025-03-30)", with its owner and due
    date; the text unchanged when the parentheses hold anything else."""
    found = _TRAILING.search(text)
    if found is None:
        return text, None, None
    owner = due = None
    for part in (p.strip() for p in re.split(r"[,;]", found.group(1))):
        if (date := _DUE.fullmatch(part)) and due is None:
            due = date.group(1)
        elif (handle := _HANDLE.fullmatch(part)) and owner is None:
            owner = handle.group(1)
        else:
            return text, None, None
    return text[: found.start()], owner, due


def _table_item(header: list[str], cells: list[str], number: int) -> dict[str, Any] | None:
    def column(*names: str) -> str:
        for index, name in enumerate(header):
            if index < len(cells) and any(n in name for n in names):
                return cells[index]
        return ""

    title = column("action", "item", "task", "title", "what", "description")
    if not title:
        return None
    item: dict[str, Any] = {"id": f"AI-{number}", "title": title}
    owner = column("owner", "assignee", "who", "responsible").lstrip("@")
    if owner:
        item["owner"] = owner
    due = _ISO_DATE.search(column("due", "deadline", "date", "when"))
    if due:
        item["due"] = dt.date.fromisoformat(due.group(0))
    status = column("status", "state", "done").casefold()
    item["status"] = (
        "done"
        if status in ("done", "closed", "complete", "completed", "yes", "x", "[x]", "fixed")
        else "wont-do"
        if status in ("won't do", "wont-do", "wontfix", "won't fix", "cancelled")
        else "in-progress"
        if status in ("in progress", "in-progress", "doing", "started")
        else "open"
    )
    return item


def incident_times(
    lines: list[str], day: dt.date, sections: Mapping[str, str]
) -> tuple[dict[str, dt.datetime], bool]:
    """Incident times from the Timeline section's table rows or list items; a table whose
    header says UTC ("| Time (UTC) | Event |") gives its times in UTC."""
    entries: list[tuple[dt.datetime, str]] = []
    inside = utc_table = False
    for line in lines:
        level = heading_level(line)
        if level:
            key = heading_key(line)
            inside = level == 2 and (key == "timeline" or sections.get(key) == "Timeline")
            continue
        if not inside or not (line.strip().startswith("|") or BULLET.match(line)):
            continue
        match = _TIME.search(line)
        if match is None:
            utc_table = utc_table or (line.strip().startswith("|") and "utc" in line.casefold())
            continue
        when = _timestamp(match, day)
        if when is not None and when.tzinfo is None and utc_table and line.strip()[0] == "|":
            when = when.replace(tzinfo=dt.timezone.utc)
        if when is not None:
            entries.append((when, line.casefold()))
    if not entries:
        return {}, False
    times: dict[str, dt.datetime] = {}
    for key, words in _TIME_WORDS:
        for when, text in entries:
            if key not in times and any(w in text for w in words):
                times[key] = when
                break
    estimated = False
    if "started" not in times and "resolved" not in times and len(entries) > 1:
        times["started"], times["resolved"] = entries[0][0], entries[-1][0]
        estimated = True
    order = ("started", "detected", "mitigated", "resolved")
    return {key: times[key] for key in order if key in times}, estimated


def _timestamp(match: re.Match[str], day: dt.date) -> dt.datetime | None:
    date_text, hours, minutes, seconds, zone = match.groups()
    try:
        base = dt.date.fromisoformat(date_text) if date_text else day
        when = dt.datetime(
            base.year, base.month, base.day, int(hours), int(minutes), int(seconds or 0)
        )
    except ValueError:
        return None
    if zone is None:
        return when
    if zone.upper() in ("Z", "UTC", "GMT"):
        return when.replace(tzinfo=dt.timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return when.replace(tzinfo=dt.timezone(sign * offset))
