"""Action items in the terminal: the site's action-item view as a table, JSON or CSV.

The items, their order (overdue first, then by due date) and the JSON and CSV rows come from
the same index and exports as the site's pages and ``action-items.json`` / ``.csv``. No
MkDocs import.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass

from postmortem_kb.archive.exports import action_items_csv, action_items_json
from postmortem_kb.archive.index import OWNER, SERVICE, Index, ItemRef
from postmortem_kb.model.text import did_you_mean, plural

STATES = ("open", "closed", "all")


@dataclass(frozen=True)
class ItemFilter:
    """Which action items to list; several owners or services match any of them."""

    owners: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    overdue: bool = False
    state: str = "open"  # one of STATES

    def matches(self, ref: ItemRef) -> bool:
        """Tell whether an item passes the owner, service and overdue filters."""
        if self.owners and ref.item.owner not in self.owners:
            return False
        if self.services and not set(self.services).intersection(ref.services):
            return False
        return ref.overdue or not self.overdue


def unknown_values(index: Index, item_filter: ItemFilter) -> list[str]:
    """Owners and services that appear nowhere in the archive, with a suggestion each."""
    problems = []
    for kind, values in ((OWNER, item_filter.owners), (SERVICE, item_filter.services)):
        known = [value for entry_kind, value in index.entries if entry_kind == kind]
        for value in values:
            if value not in known:
                hint = did_you_mean(value, known)
                problems.append(
                    f"no {kind} '{value}' in the archive" + (f"; {hint}" if hint else "")
                )
    return problems


def select(index: Index, item_filter: ItemFilter) -> Index:
    """The index with only the chosen items (in the site's order); everything else kept."""
    show_open = item_filter.state in ("open", "all")
    show_closed = item_filter.state in ("closed", "all")
    return dataclasses.replace(
        index,
        open_items=[r for r in index.open_items if show_open and item_filter.matches(r)],
        closed_items=[r for r in index.closed_items if show_closed and item_filter.matches(r)],
    )


def format_items(index: Index, fmt: str, directory_urls: bool, state: str = "open") -> str:
    """Render the index's items: ``table``, or the site's ``json`` / ``csv`` export shape."""
    if fmt == "json":
        return action_items_json(index, directory_urls)
    if fmt == "csv":
        return action_items_csv(index, directory_urls)
    return table(index, state)


COLUMNS = ("DUE", "STATUS", "OVERDUE", "OWNER", "SERVICES", "POSTMORTEM", "ITEM", "TITLE")


def table(index: Index, state: str = "open") -> str:
    """Aligned plain text, one item per line, with a closing count."""
    refs = [*index.open_items, *index.closed_items]
    if not refs:
        noun = {"open": "open action items", "closed": "closed action items"}
        return f"No {noun.get(state, 'action items')}.\n"
    rows = [COLUMNS, *(_row(ref) for ref in refs)]
    widths = [max(_width(row[column]) for row in rows) for column in range(len(COLUMNS))]
    lines = [
        "  ".join(
            cell + " " * (widths[column] - _width(cell)) for column, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    lines.append("")
    lines.append(_summary(index, state))
    return "\n".join(lines) + "\n"


def _row(ref: ItemRef) -> tuple[str, ...]:
    item = ref.item
    return tuple(
        _clean(cell)
        for cell in (
            item.due.isoformat() if item.due else "-",
            item.status,
            f"{ref.days_overdue} d" if ref.overdue else "",
            item.owner,
            ", ".join(ref.services),
            ref.postmortem.id,
            item.id,
            item.title,
        )
    )


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
