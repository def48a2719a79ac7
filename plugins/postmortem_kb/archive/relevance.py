"""Relevance you can explain (issue 17, item 3): which postmortems are related to one, and
which open action items of earlier incidents it should show, ranked by one documented score.

The score of another postmortem for this one is::

    (4 x shared specific causes + 1 x shared generic causes + 2 x shared services) x recency

where a cause is *generic* when ``causes.yml`` marks it ``generic: true`` (``monitoring-gap``
says little about what went wrong), and ``recency = 1 / (1 + days between the two incidents
/ 730)``: a postmortem two years away counts half as much as one of the same day, so a
shared specific cause outweighs a shared service unless it is more than two years older.
Ties go to the newer postmortem, then to the page name, so the order never depends on the
file system.

- **Related postmortems**: the ids the author lists in ``related`` first, in their order;
  then the postmortems that share at least one *specific* cause (a shared service and a
  generic cause are not enough), highest score first, at most ``related_limit``.
- **Still open from earlier incidents**: open action items of postmortems of strictly
  earlier days that share a service or a specific cause (a generic cause alone is not
  enough), by their postmortem's score, then overdue first and by due date, at most
  ``earlier_open_limit``.

The page says how many more there are and links to the archive filtered by the causes (and
services) behind them. Each postmortem reads at most ``SCAN`` postmortems of each of its
services and causes, the nearest in time (which score highest), so the index stays linear in
the size of the archive.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, Protocol, TypeVar

from postmortem_kb.model.record import Postmortem
from postmortem_kb.source.catalog import Catalog

SPECIFIC_CAUSE, GENERIC_CAUSE, SERVICE = 4, 1, 2
"""Weights of what two postmortems share."""
HALF_WEIGHT_DAYS = 730
"""Days between two incidents at which recency halves the score."""
SCAN = 40
"""Postmortems read per service and specific cause of a postmortem, the nearest in time."""


class Match(NamedTuple):
    """Why another postmortem is relevant to one: what they share and the score."""

    score: float
    causes: tuple[str, ...] = ()  # shared specific causes
    generic: tuple[str, ...] = ()  # shared generic causes
    services: tuple[str, ...] = ()
    listed: bool = False  # the author lists it in ``related``

    @property
    def base(self) -> int:
        """The score before recency."""
        return (
            SPECIFIC_CAUSE * len(self.causes)
            + GENERIC_CAUSE * len(self.generic)
            + SERVICE * len(self.services)
        )


@dataclass(frozen=True)
class Ranked:
    """Ranked matches for one postmortem: every candidate's match, by page slug."""

    order: list[Postmortem] = field(default_factory=list)  # best first
    matches: dict[str, Match] = field(default_factory=dict)
    complete: bool = True  # False: more candidates lie beyond the SCAN nearest of a list

    @property
    def listed(self) -> int:
        """How many of ``order`` (the first ones) the author lists in ``related``."""
        return sum(1 for found in self.matches.values() if found.listed)


_Facts = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], int]


class Scorer:
    """Scores pairs of postmortems, reading each one's causes and services once."""

    def __init__(self, generic: frozenset[str]) -> None:
        self.generic = generic
        self.facts: dict[str, _Facts] = {}

    def _facts(self, pm: Postmortem) -> _Facts:
        """(specific causes, generic causes, services, day ordinal) of ``pm``."""
        found = self.facts.get(pm.slug)
        if found is None:
            assert pm.meta is not None
            causes = tuple(dict.fromkeys(pm.meta.causes))
            found = (
                tuple(c for c in causes if c not in self.generic),
                tuple(c for c in causes if c in self.generic),
                tuple(dict.fromkeys(pm.meta.services)),
                pm.meta.date.toordinal(),
            )
            self.facts[pm.slug] = found
        return found

    def match(self, pm: Postmortem, other: Postmortem) -> Match:
        """What ``other`` shares with ``pm`` and its score."""
        mine, theirs = self._facts(pm), self._facts(other)
        causes = tuple(c for c in theirs[0] if c in mine[0])
        generic = tuple(c for c in theirs[1] if c in mine[1])
        services = tuple(s for s in theirs[2] if s in mine[2])
        base = SPECIFIC_CAUSE * len(causes) + GENERIC_CAUSE * len(generic)
        base += SERVICE * len(services)
        score = round(base / (1 + abs(mine[3] - theirs[3]) / HALF_WEIGHT_DAYS), 3)
        return Match(score, causes, generic, services)


def match(pm: Postmortem, other: Postmortem, generic: frozenset[str]) -> Match:
    """What ``other`` shares with ``pm`` and its score."""
    return Scorer(generic).match(pm, other)


def rank_key(pm: Postmortem, found: Match) -> tuple[float, int, str]:
    """Highest score first, then the newer postmortem, then the page name."""
    assert pm.meta is not None
    return (-found.score, -pm.meta.date.toordinal(), pm.slug)


class Neighbours:
    """The postmortems (newest first) of each specific cause, and of each service too with
    ``services``: the only places a candidate can come from. Generic causes have no list,
    since sharing one is never enough."""

    def __init__(
        self, postmortems: Sequence[Postmortem], generic: frozenset[str], *, services: bool
    ) -> None:
        self.generic, self.services = generic, services
        self.lists: dict[tuple[str, str], list[Postmortem]] = {}
        for pm in postmortems:  # newest first already
            for key in self.keys(pm):
                self.lists.setdefault(key, []).append(pm)
        self.position = {
            (key, pm.slug): at for key, pms in self.lists.items() for at, pm in enumerate(pms)
        }
        self.days = {  # ascending, for bisect
            key: [-_ordinal(pm) for pm in pms] for key, pms in self.lists.items()
        }

    def keys(self, pm: Postmortem) -> list[tuple[str, str]]:
        """The lists ``pm`` belongs in, or would."""
        assert pm.meta is not None
        found = [("cause", c) for c in dict.fromkeys(pm.meta.causes) if c not in self.generic]
        if self.services:
            found += [("service", s) for s in dict.fromkeys(pm.meta.services)]
        return found

    def near(self, pm: Postmortem, *, earlier_only: bool) -> tuple[list[Postmortem], bool]:
        """Postmortems sharing a list with ``pm``, at most ``SCAN`` of each (the nearest in
        time), and whether that is all of them; with ``earlier_only``, only those of strictly
        earlier days."""
        assert pm.meta is not None
        seen = {pm.slug}
        found: list[Postmortem] = []
        complete = True
        for key in self.keys(pm):
            pms = self.lists.get(key, [])
            at = self.position.get((key, pm.slug))
            if at is None:  # pm is not in this list (no open items): just before the earlier
                at = bisect.bisect_right(self.days.get(key, []), -_ordinal(pm)) - 1
            start, end = (
                (at + 1, at + 1 + SCAN) if earlier_only else (at - SCAN // 2, at + 1 + SCAN // 2)
            )
            complete = complete and end >= len(pms) and (earlier_only or start <= 0)
            for other in pms[max(0, start) : end]:
                if other.slug in seen:
                    continue
                seen.add(other.slug)
                assert other.meta is not None
                if earlier_only and other.meta.date >= pm.meta.date:
                    continue
                found.append(other)
        return found, complete


def related(
    pm: Postmortem,
    by_id: dict[str, Postmortem],
    neighbours: Neighbours,
    scorer: Scorer,
) -> Ranked:
    """The related postmortems of ``pm``: listed ones first, then by score (uncapped);
    ``neighbours``: every readable postmortem, by specific cause."""
    assert pm.meta is not None
    listed = [by_id[i] for i in dict.fromkeys(pm.meta.related) if i in by_id and i != pm.id]
    matches = {}
    for other in listed:
        found = scorer.match(pm, other)
        matches[other.slug] = Match(
            found.score, found.causes, found.generic, found.services, listed=True
        )
    computed = []
    candidates, complete = neighbours.near(pm, earlier_only=False)
    for other in candidates:
        if other.slug in matches:
            continue
        found = scorer.match(pm, other)
        if found.causes:  # a specific cause in common
            matches[other.slug] = found
            computed.append(other)
    computed.sort(key=lambda other: rank_key(other, matches[other.slug]))
    return Ranked(listed + computed, matches, complete)


def earlier_postmortems(
    pm: Postmortem,
    neighbours: Neighbours,
    scorer: Scorer,
) -> Ranked:
    """Earlier postmortems with open items whose items ``pm`` should show, best first;
    ``neighbours``: of the postmortems with open items, by service and specific cause."""
    matches = {}
    order = []
    candidates, complete = neighbours.near(pm, earlier_only=True)
    for other in candidates:
        found = scorer.match(pm, other)
        if found.causes or found.services:
            matches[other.slug] = found
            order.append(other)
    order.sort(key=lambda other: rank_key(other, matches[other.slug]))
    return Ranked(order, matches, complete)


class _OfPostmortem(Protocol):
    @property
    def postmortem(self) -> Postmortem: ...


Item = TypeVar("Item", bound=_OfPostmortem)


@dataclass
class Relevance(Generic[Item]):
    """Every postmortem's related postmortems and earlier open items, ranked and uncapped
    (the index keeps the first ones; pages say how many more there are)."""

    related: dict[str, Ranked] = field(default_factory=dict)
    earlier: dict[str, Ranked] = field(default_factory=dict)  # postmortems behind the items
    earlier_items: dict[str, list[Item]] = field(default_factory=dict)

    def related_more(self, slug: str, shown: int) -> int:
        """How many related postmortems of ``slug`` are not among the ``shown`` first."""
        ranked = self.related.get(slug)
        return max(0, len(ranked.order) - shown) if ranked else 0

    def earlier_more(self, slug: str, shown: int) -> int:
        """How many earlier open items of ``slug`` are not among the ``shown`` first."""
        return max(0, len(self.earlier_items.get(slug, ())) - shown)


def build_relevance(
    readable: Sequence[Postmortem],
    by_id: dict[str, Postmortem],
    open_items: Sequence[Item],
    causes: Catalog | None,
) -> Relevance[Item]:
    """Rank related postmortems and earlier open items for every readable postmortem.

    ``readable`` is newest first; ``open_items`` in display order (overdue first, then by
    due date), which items of one postmortem keep.
    """
    generic = generic_causes(causes)
    open_by_pm: dict[str, list[tuple[int, Item]]] = {}
    for at, ref in enumerate(open_items):
        open_by_pm.setdefault(ref.postmortem.slug, []).append((at, ref))
    by_cause = Neighbours(readable, generic, services=False)
    with_items = [pm for pm in readable if pm.slug in open_by_pm]
    by_both = Neighbours(with_items, generic, services=True)
    scorer = Scorer(generic)
    result: Relevance[Item] = Relevance()
    for pm in readable:
        result.related[pm.slug] = related(pm, by_id, by_cause, scorer)
        earlier = earlier_postmortems(pm, by_both, scorer)
        if earlier.order:
            result.earlier[pm.slug] = earlier
            scored = [
                (-earlier.matches[other.slug].score, at, ref)
                for other in earlier.order
                for at, ref in open_by_pm[other.slug]
            ]
            scored.sort(key=lambda row: (row[0], row[1]))
            result.earlier_items[pm.slug] = [ref for _, _, ref in scored]
    return result


def generic_causes(causes: Catalog | None) -> frozenset[str]:
    """The ids of the causes ``causes.yml`` marks ``generic: true``."""
    if causes is None:
        return frozenset()
    return frozenset(value for value, entry in causes.entries.items() if entry.generic)


def _ordinal(pm: Postmortem) -> int:
    assert pm.meta is not None
    return pm.meta.date.toordinal()
