"""Small naming rules used in every layer: slugs, page slugs, anchors, plurals, suggestions.

Each rule lives here once, so a page name, a link anchor or a count reads the same everywhere.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Iterable
from functools import lru_cache

MAX_SLUG = 60
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def slugify(text: str) -> str:
    """Turn text into a slug; returns an empty string when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")


def page_slug(pm_id: str) -> str:
    """The page name of a postmortem: its id when valid, else a safe slug of it."""
    return pm_id if ID_PATTERN.match(pm_id) else (slugify(pm_id) or "postmortem")


@lru_cache(maxsize=4096)  # a few ids (AI-1, AI-2...) recur across every postmortem
def anchor(value: str) -> str:
    """Return the HTML id used for an action item (``AI-1`` -> ``ai-1``)."""
    return slugify(value) or "item"


def css_class(value: str) -> str:
    """Return a CSS-safe class suffix for a value such as a severity."""
    return slugify(value) or "other"


def unique(name: str, taken: Collection[str], separator: str = "-", first: int = 2) -> str:
    """``name``, or ``name<separator><n>`` with the smallest ``n >= first`` not in ``taken``."""
    if name not in taken:
        return name
    number = first
    while f"{name}{separator}{number}" in taken:
        number += 1
    return f"{name}{separator}{number}"


def plural(count: int, noun: str) -> str:
    """``1 postmortem``, ``2 postmortems``."""
    return f"{count} {noun if count == 1 else noun + 's'}"


def did_you_mean(value: str, choices: Iterable[str]) -> str | None:
    """Suggest the choice that differs from ``value`` only in case, else every close choice
    that shares the most characters with it (``paymnts``: both ``payments-api`` and
    ``payments-db``); None when no choice is close."""
    options = sorted(set(choices))
    folded = [choice for choice in options if choice.casefold() == value.casefold()]
    if folded:
        return f"did you mean '{folded[0]}'?"
    shared: dict[str, int] = {}
    for choice in difflib.get_close_matches(value, options, n=len(options) or 1, cutoff=0.6):
        blocks = difflib.SequenceMatcher(None, value, choice).get_matching_blocks()
        shared[choice] = sum(block.size for block in blocks)
    best = [f"'{c}'" for c in sorted(shared) if shared[c] == max(shared.values())]
    if len(best) > 1:
        return f"did you mean one of {', '.join(best)}?"
    return f"did you mean {best[0]}?" if best else None


ACTION_HEADINGS = frozenset(
    {
        "action items",
        "action item",
        "follow-ups",
        "follow ups",
        "followups",
        "follow-up items",
        "next steps",
        "todo",
        "to do",
        "corrective actions",
        "remediation items",
        "actions",
    }
)
"""Headings (casefolded) under which old postmortems list their action items."""
