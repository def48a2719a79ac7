"""Action items in the terminal: the site's action-item view as a table, JSON, CSV, or the
weekly digest in Markdown (``archive/digest.py``).

The items, their order (overdue first, then by due date) and the JSON and CSV rows come from
the same index and exports as the site's pages and ``action-items.json`` / ``.csv``. No
MkDocs import.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from postmortem_kb.archive.exports import action_items_csv, action_items_json
from postmortem_kb.archive.index import OWNER, SERVICE, Index, ItemRef
from postmortem_kb.model.front_matter import NO_OWNER
from postmortem_kb.model.text import did_you_mean, plural
from postmortem_kb.model.tracker import tracker_link

STATES = ("open", "closed", "all")
TABLE_WIDTH = 100
"""The table never takes more terminal columns than this: the ITEM column wraps."""


@dataclass(frozen=True)
class ItemFilter:
    """Which action items to list.

    Several owners, teams or services match any of them; owners, teams and services
    together match items that pass each. ``overdue`` and ``due_within`` keep open items
    only: past their due date, or due within that many days of today (overdue included).
    """

    owners: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()  # team ids or aliases of teams.yml
    overdue: bool = False
    due_within: int | None = None
    state: str = "open"  # one of STATES

    @property
    def narrows_who(self) -> bool:
        """True when owners, teams or services are chosen."""
        return bool(self.owners or self.teams or self.services)

    def without_dates(self) -> ItemFilter:
        """The same choice of owners, teams and services, whatever the due dates."""
        return dataclasses.replace(self, overdue=False, due_within=None)

    def on_time_matches(self, ref: ItemRef, today_ordinal: int) -> bool:
        """Tell whether an item passes ``overdue`` and ``due_within``."""
        if self.overdue and not ref.overdue:
            return False
        if self.due_within is not None:
            due = ref.item.due
            if ref.item.is_closed or due is None:
                return False
            return due.toordinal() - today_ordinal <= self.due_within
        return True


def _key(ref: ItemRef) -> tuple[str, str]:
    return (ref.postmortem.slug, ref.item.id)


def _who_matches(index: Index, item_filter: ItemFilter) -> Callable[[ItemRef], bool]:
    """The owner, team and service test of ``item_filter``.

    A team's items are those of its page: owned by the team, one of its aliases, or a member.
    """
    owners = frozenset(item_filter.owners)
    services = frozenset(item_filter.services)
    team_items = {
        _key(ref)
        for name in item_filter.teams
        if (group := index.team(name)) is not None
        for ref in (*group.open_items, *group.closed_items)
    }

    def matches(ref: ItemRef) -> bool:
        if owners and ref.item.owner not in owners:
            return False
        if item_filter.teams and _key(ref) not in team_items:
            return False
        return not services or not services.isdisjoint(ref.services)

    return matches


def unknown_values(index: Index, item_filter: ItemFilter) -> list[str]:
    """Owners, services and teams that name nothing, each with a suggestion.

    An owner is known when the archive has an item of it, or when teams.yml names it (a team
    may owe nothing yet); a team must be a team id or alias of teams.yml.
    """
    catalog = index.team_catalog
    problems = []
    archive_owners = [value for kind, value in index.entries if kind == OWNER]
    known = {
        OWNER: [*archive_owners, *(catalog.names if catalog else ())],
        SERVICE: [value for kind, value in index.entries if kind == SERVICE],
    }
    for kind, values in ((OWNER, item_filter.owners), (SERVICE, item_filter.services)):
        for value in values:
            if value not in known[kind]:
                hint = did_you_mean(value, known[kind])
                problems.append(
                    f"no {kind} '{value}' in the archive" + (f"; {hint}" if hint else "")
                )
    for name in item_filter.teams:
        if catalog is None:
            problems.append(
                f"--team needs teams.yml in the postmortem folder, and there is none that "
                f"can be read (team '{name}'); use --owner"
            )
        elif catalog.team(name) is None:
            if catalog.is_person(name):
                teams = ", ".join(team.id for team in catalog.teams_of(name))
                problems.append(
                    f"'{name}' is a person (of {teams}), not a team; use --owner {name}"
                )
            else:
                hint = did_you_mean(name, catalog.team_names)
                problems.append(
                    f"no team '{name}' in {catalog.path}" + (f"; {hint}" if hint else "")
                )
    return problems


def select(index: Index, item_filter: ItemFilter) -> Index:
    """The index with only the chosen items (in the site's order); everything else kept."""
    who = _who_matches(index, item_filter)
    today = index.today.toordinal()

    def keep(ref: ItemRef) -> bool:
        return who(ref) and item_filter.on_time_matches(ref, today)

    show_open = item_filter.state in ("open", "all")
    show_closed = item_filter.state in ("closed", "all")
    return dataclasses.replace(
        index,
        open_items=[r for r in index.open_items if show_open and keep(r)],
        closed_items=[r for r in index.closed_items if show_closed and keep(r)],
    )


def subject(item_filter: ItemFilter) -> str:
    """Who the filter chose, for messages: ``team-db``, ``alice or bob on service checkout``."""
    people = " or ".join((*item_filter.owners, *item_filter.teams))
    services = " or ".join(item_filter.services)
    on = f"service {services}" if len(item_filter.services) == 1 else f"services {services}"
    if people and services:
        return f"{people} on {on}"
    return people or (on if services else "the archive")


_NOUN = {"open": "open action item", "closed": "closed action item", "all": "action item"}


def nothing_matched(index: Index, item_filter: ItemFilter) -> str:
    """Why nothing is listed, from the whole ``index``: which filter matched nothing, and
    what does exist (``team-db has 2 open action items, none overdue``)."""
    state = item_filter.state
    who = _who_matches(index, item_filter)
    open_refs = [ref for ref in index.open_items if who(ref)]
    closed_refs = [ref for ref in index.closed_items if who(ref)]
    pool = {"open": open_refs, "closed": closed_refs, "all": [*open_refs, *closed_refs]}[state]
    name = subject(item_filter)
    if not pool:
        other = {"open": closed_refs, "closed": open_refs, "all": []}[state]
        other_state = "closed" if state == "open" else "open"
        extra = f" ({len(other)} {other_state})" if other else ""
        if not item_filter.narrows_who:
            return f"No {_NOUN[state]}s{extra}."
        return f"{name} has no {_NOUN[state]}s{extra}."
    if item_filter.overdue:
        condition = "none overdue"
    else:
        condition = f"none overdue or due within {plural(item_filter.due_within or 0, 'day')}"
    dates = sorted(ref.item.due for ref in pool if ref.item.due and not ref.item.is_closed)
    following = f"; the next is due on {dates[0].isoformat()}" if dates else ""
    owner = name[:1].upper() + name[1:] if name == "the archive" else name
    return f"{owner} has {plural(len(pool), _NOUN[state])}, {condition}{following}."


def format_items(
    index: Index,
    fmt: str,
    directory_urls: bool,
    state: str = "open",
    *,
    site_url: str | None = None,
    jira_url: str | None = None,
) -> str:
    """Render the index's items: ``table``, or the site's ``json`` / ``csv`` export shape."""
    if fmt == "json":
        return action_items_json(index, directory_urls, site_url)
    if fmt == "csv":
        return action_items_csv(index, directory_urls, site_url)
    return table(index, state, jira_url)


# --- the table -------------------------------------------------------------------------------

COLUMNS = ("DUE", "OVERDUE", "STATUS", "SEV", "PRI", "OWNER", "LINK")
ITEM = "ITEM"  # the title, then postmortem-id#item-id: on the lines below a row's facts
GAP = "  "
_CAPS = {"OVERDUE": 7, "STATUS": 11, "SEV": 8, "PRI": 6, "OWNER": 18, "LINK": 28}
"""The widest each column gets: with a date's 10 and the gaps, a row's first line fits
``TABLE_WIDTH``. A longer owner, severity or priority wraps; a longer tracker label keeps
its last part (``…/DB-404``)."""
ITEM_INDENT = len("2026-01-01" + GAP)  # the ITEM column starts under OVERDUE


def table(index: Index, state: str = "open", jira_url: str | None = None) -> str:
    """Plain text at most ``TABLE_WIDTH`` columns wide, with a closing count.

    Each item is a row of short columns (due date, days overdue, status, severity, priority,
    owner, tracker label) with the ITEM column below it: the title, wrapped, then
    ``postmortem-id#item-id``. Every row starts with its due date (``-`` when there is none),
    and only rows do, so the left margin lists the due dates.
    """
    refs = [*index.open_items, *index.closed_items]
    if not refs:
        return f"No {_NOUN.get(state, 'action item')}s.\n"
    rows = [_row(ref, jira_url) for ref in refs]
    widths = [
        min(max(_width(name), *(_width(row[i]) for row, _ in rows)), _CAPS.get(name, 10))
        for i, name in enumerate(COLUMNS)
    ]
    indent = " " * ITEM_INDENT
    lines = [_line(list(COLUMNS), widths), indent + ITEM]
    for facts, (title, reference) in rows:
        cells = [
            _wrap(_short_label(cell, width) if name == "LINK" else cell, width)
            for name, cell, width in zip(COLUMNS, facts, widths, strict=True)
        ]
        for n in range(max(len(cell) for cell in cells)):
            lines.append(_line([cell[n] if n < len(cell) else "" for cell in cells], widths))
        for text in (title, reference):
            lines.extend(indent + line for line in _wrap(text, TABLE_WIDTH - ITEM_INDENT))
    lines.append("")
    lines.append(_summary(index, state))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _line(cells: list[str], widths: list[int]) -> str:
    return GAP.join(
        cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths, strict=True)
    ).rstrip()


def _row(ref: ItemRef, jira_url: str | None) -> tuple[list[str], tuple[str, str]]:
    """The short columns of an item, and its ITEM column (title, reference)."""
    item, pm = ref.item, ref.postmortem
    link = tracker_link(item.link, jira_url).label if item.link else ""
    facts = [
        item.due.isoformat() if item.due else "-",
        f"{ref.days_overdue} d" if ref.overdue else "",
        item.status,
        (pm.meta.severity or "") if pm.meta else "",
        item.priority or "",
        item.owner or NO_OWNER,
        link,
    ]
    return [_clean(cell) for cell in facts], (_clean(item.title), _clean(f"{pm.id}#{item.id}"))


def _summary(index: Index, state: str) -> str:
    opened = plural(len(index.open_items), "open action item")
    overdue = sum(1 for ref in index.open_items if ref.overdue)
    closed = plural(len(index.closed_items), "closed action item")
    counts = {
        "open": f"{opened}, {overdue} overdue",
        "closed": closed,
        "all": f"{opened}, {overdue} overdue and {closed}",
    }
    return f"{counts[state]} on {index.today.isoformat()}"


def _clean(text: str) -> str:
    """One line without control characters (no terminal escapes from a file)."""
    cleaned = "".join("?" if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(cleaned.split())


def _width(text: str) -> int:
    """Columns a string takes in a terminal: wide characters count twice, marks not at all."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


_PIECES = re.compile(r"[^-/#]*[-/#]+|[^-/#]+")  # a word's pieces, each ending after - / #


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` terminal columns: words move whole to the next line; a
    word longer than a line breaks after ``-``, ``/`` or ``#``, or anywhere if it must."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if _width(joined) <= width:
            line = joined
            continue
        if _width(word) <= width:
            lines.append(line)
            line = word
            continue
        for n, piece in enumerate(_PIECES.findall(word)):
            joined = f"{line} {piece}" if line and n == 0 else line + piece
            if _width(joined) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            while _width(piece) > width:
                cut = _fit(piece, width)
                lines.append(piece[:cut])
                piece = piece[cut:]
            line = piece
    lines.append(line)
    return lines


def _fit(text: str, width: int) -> int:
    """How many leading characters of ``text`` fit in ``width`` columns (at least one)."""
    used = 0
    for n, char in enumerate(text):
        used += _width(char)
        if used > width:
            return max(n, 1)
    return len(text)


def _short_label(label: str, width: int) -> str:
    """A tracker label that fits ``width``: its last part (``…/DB-404``), or its end."""
    if _width(label) <= width:
        return label
    tail = "…/" + label.rstrip("/").rsplit("/", 1)[-1]
    if _width(tail) <= width:
        return tail
    end = label
    while end and _width("…" + end) > width:
        end = end[1:]
    return "…" + end
