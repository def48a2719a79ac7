"""The record of one postmortem, and what checking its file alone gives (the cached part).

Records are immutable once built: the archive makes each from a file's check, its page
slug and the findings of the cross-file rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from postmortem_kb.model.findings import Finding
from postmortem_kb.model.front_matter import CLOSED_ITEM_STATUSES, FrontMatter

YamlPath = tuple[str | int, ...]


@dataclass
class Positions:
    """1-based (line, column) of each key and value in the front matter, by path."""

    keys: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    values: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    start: tuple[int, int] = (1, 1)

    def of_key(self, path: YamlPath) -> tuple[int, int]:
        """Position of the key at ``path``, else of its nearest ancestor."""
        while path:
            if path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.start

    def of_value(self, path: YamlPath) -> tuple[int, int]:
        """Position of the value at ``path``, else of its key or nearest ancestor."""
        return self.values.get(path) or self.of_key(path)

    def first_key(self, *paths: YamlPath) -> tuple[int, int]:
        """Position of the first of ``paths`` whose key is in the file, else the start."""
        for path in paths:
            at = self.of_key(path)  # reads lazily stored positions first
            if path in self.keys:
                return at
        return self.start


@dataclass(frozen=True)
class ItemFacts:
    """What the review policies read of one action item: ``index`` in ``action_items``;
    ``id`` is ``action_items[i]`` when it cannot be read, an unreadable ``status`` is
    None (the item counts as open), other unreadable values are None."""

    index: int
    id: str
    due: dt.date | None = None
    status: str | None = None
    type: str | None = None
    priority: str | None = None

    @property
    def is_open(self) -> bool:
        """Not done or won't do (an unreadable status does not close an item)."""
        return self.status not in CLOSED_ITEM_STATUSES


@dataclass(frozen=True)
class ReviewFacts:
    """What the review policies (``check.policies``) read from a file's front matter, as far
    as it could be read: a value that is missing or cannot be read is None (``legacy``:
    False; an imported postmortem is legacy too), and ``unreadable`` says why for each
    value present but unreadable (``("incident.resolved", "incident.resolved is
    invalid")``). ``items`` is empty when ``action_items`` cannot be read."""

    severity: str | None = None
    status: str | None = None
    date: dt.date | None = None
    resolved: dt.datetime | None = None
    review_meeting: dt.date | None = None
    legacy: bool = False
    items: tuple[ItemFacts, ...] = ()
    unreadable: tuple[tuple[str, str], ...] = ()
    imported: bool = False  # ``imported: true`` (which also sets ``legacy``)

    def why(self, name: str) -> str | None:
        """Why the value ``name`` (``severity``, ``incident.resolved``...) cannot be read;
        None when it could be read or is missing."""
        return next((why for field, why in self.unreadable if field == name), None)


@dataclass(frozen=True)
class References:
    """What the cross-file rules and the review policies read from a file's front matter: the
    related ids, services, causes, people and review facts that could be read, even when
    other fields could not.

    ``owners`` pairs each readable ``action_items[i].owner`` with its item index ``i`` (an
    item whose owner cannot be read is left out), so a finding points at
    ``("action_items", i, "owner")``; authors and participants keep their list order.
    """

    related: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    owners: tuple[tuple[int, str], ...] = ()
    authors: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    review: ReviewFacts = ReviewFacts()


@dataclass(frozen=True)
class FileCheck:
    """What one file gives on its own: front matter, body and the findings of every
    single-file rule. It depends only on the file's bytes, its name and the settings, so
    the archive caches it; cross-file rules and anything that depends on today run later."""

    meta: FrontMatter | None  # None unless every front-matter value could be read
    body: str
    body_line: int  # the file line the body starts on
    positions: Positions
    findings: tuple[Finding, ...]
    references: References = References()  # for the cross-file rules, also when meta is None


@dataclass(frozen=True)
class Postmortem:
    """A postmortem of the archive, with every finding of its file."""

    id: str
    path: str  # as shown in findings
    file: Path
    slug: str  # the page name: the id, made safe and unique by the archive
    meta: FrontMatter | None
    body: str
    body_line: int
    findings: tuple[Finding, ...] = ()

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
