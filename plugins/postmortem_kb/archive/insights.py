"""The figures of the insights page (issue 17, item 4): learning from incidents, honestly.

Following the VOID report and "Incident Metrics in SRE" (Google, 2021), durations are shown
as distributions (every incident, with the median and the 90th percentile), never as a
mean; review coverage and follow-through are measured only from what the front matter
records:

- **Review coverage**: the share of incidents at the two highest severities whose
  postmortem is published, and the days from resolution to the review meeting. The front
  matter records no publication date, so the time to publication cannot be measured; what
  is measured instead is how long the postmortems not yet published have waited since
  resolution.
- **Follow-through**: open action items by age (days since their incident), and, of the
  items whose due date has passed, the share closed (``done`` or ``wont-do``) today.
  Items record no closing date, so whether one was closed *before* its due date cannot be
  known: "closed by now" is the honest measure.

Pure: no MkDocs, no I/O. Everything is computed once per build, O(N).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from postmortem_kb.archive.index import Group, Index, ItemRef
from postmortem_kb.model.record import Postmortem

MEASURES = ("detect", "mitigate", "resolve")
AGE_BUCKETS = ((0, 30), (30, 90), (90, 180), (180, 365), (365, None))
"""Ages of open action items in days: [low, high)."""
MONTHS = 24


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of sorted ``values``."""
    if not values:
        raise ValueError("no values")
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


@dataclass(frozen=True)
class Distribution:
    """Durations in minutes, shortest first, with the postmortem of each."""

    points: list[tuple[float, Postmortem]]

    @property
    def values(self) -> list[float]:
        return [minutes for minutes, _ in self.points]

    @property
    def median(self) -> float:
        return percentile(self.values, 0.5)

    @property
    def p90(self) -> float:
        return percentile(self.values, 0.9)


@dataclass(frozen=True)
class Coverage:
    """Review coverage of one severity."""

    severity: str
    incidents: list[Postmortem]
    published: list[Postmortem]
    days_to_review: list[tuple[int, Postmortem]]  # shortest first
    waiting: list[tuple[int, Postmortem]]  # not published: days since resolution, longest first


@dataclass(frozen=True)
class FollowThrough:
    """Action items of a team (or of everyone): open ones by age, past-due ones closed."""

    name: str
    ages: list[list[ItemRef]]  # one list per AGE_BUCKETS
    past_due: int  # items (open or closed) whose due date has passed
    past_due_closed: int

    @property
    def open_count(self) -> int:
        return sum(len(refs) for refs in self.ages)


@dataclass
class Insights:
    """Every figure of the insights page."""

    severities: tuple[str, ...]
    durations: dict[tuple[str, str], Distribution] = field(default_factory=dict)  # (measure, sev)
    months: list[dt.date] = field(default_factory=list)
    per_month: dict[tuple[dt.date, str | None], list[Postmortem]] = field(default_factory=dict)
    coverage: list[Coverage] = field(default_factory=list)
    follow_through: list[FollowThrough] = field(default_factory=list)  # everyone, then teams
    years: list[int] = field(default_factory=list)
    causes_by_year: dict[tuple[str, int], list[Postmortem]] = field(default_factory=dict)
    causes: list[Group] = field(default_factory=list)  # most named first
    recurring: list[Group] = field(default_factory=list)


def build_insights(index: Index, severities: tuple[str, ...]) -> Insights:
    """Compute the insights of an index."""
    readable = [pm for pm in index.postmortems if pm.meta is not None]
    result = Insights(severities)
    _durations(result, readable)
    _per_month(result, readable, index.today)
    _coverage(result, readable, severities[:2], index.today)
    _follow_through(result, index)
    _causes(result, index, readable)
    return result


def _durations(result: Insights, readable: list[Postmortem]) -> None:
    found: dict[tuple[str, str | None], list[tuple[float, Postmortem]]] = defaultdict(list)
    for pm in readable:
        assert pm.meta is not None
        for measure, delta in pm.durations.items():
            found[(measure, pm.meta.severity)].append((delta.total_seconds() / 60, pm))
    for measure in MEASURES:
        for severity in result.severities:
            points = found.get((measure, severity))
            if points:
                points.sort(key=lambda p: (p[0], p[1].slug))
                result.durations[(measure, severity)] = Distribution(points)


def _per_month(result: Insights, readable: list[Postmortem], today: dt.date) -> None:
    year, month = today.year, today.month
    months = []
    for _ in range(MONTHS):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    result.months = months[::-1]
    first = result.months[0]
    for pm in readable:
        assert pm.meta is not None
        if first <= pm.meta.date <= today:
            key = (pm.meta.date.replace(day=1), pm.meta.severity)
            result.per_month.setdefault(key, []).append(pm)


def _coverage(
    result: Insights, readable: list[Postmortem], severe: tuple[str, ...], today: dt.date
) -> None:
    for severity in severe:
        incidents = [pm for pm in readable if pm.meta and pm.meta.severity == severity]
        published = [pm for pm in incidents if pm.status == "published"]
        review, waiting = [], []
        for pm in incidents:
            assert pm.meta is not None
            resolved = pm.meta.incident.resolved
            if resolved is None:
                continue
            if pm.meta.review_meeting is not None and pm.meta.review_meeting <= today:
                review.append(((pm.meta.review_meeting - resolved.date()).days, pm))
            if pm.status != "published":
                waiting.append(((today - resolved.date()).days, pm))
        review.sort(key=lambda p: (p[0], p[1].slug))
        waiting.sort(key=lambda p: (-p[0], p[1].slug))
        result.coverage.append(Coverage(severity, incidents, published, review, waiting))


def _follow(
    name: str, open_items: Sequence[ItemRef], closed: Sequence[ItemRef], today: dt.date
) -> FollowThrough:
    ages: list[list[ItemRef]] = [[] for _ in AGE_BUCKETS]
    for ref in open_items:
        meta = ref.postmortem.meta
        assert meta is not None
        age = max(0, (today - meta.date).days)
        for at, (low, high) in enumerate(AGE_BUCKETS):
            if age >= low and (high is None or age < high):
                ages[at].append(ref)
                break
    due_open = sum(1 for ref in open_items if ref.item.due is not None and ref.item.due < today)
    due_closed = sum(1 for ref in closed if ref.item.due is not None and ref.item.due < today)
    return FollowThrough(name, ages, due_open + due_closed, due_closed)


def _follow_through(result: Insights, index: Index) -> None:
    today = index.today
    result.follow_through.append(_follow("Everyone", index.open_items, index.closed_items, today))
    for group in index.teams:
        result.follow_through.append(
            _follow(group.entry.label, group.open_items, group.closed_items, today)
        )


def _causes(result: Insights, index: Index, readable: list[Postmortem]) -> None:
    years: set[int] = set()
    for pm in readable:
        assert pm.meta is not None
        years.add(pm.meta.date.year)
        for cause in dict.fromkeys(pm.meta.causes):
            result.causes_by_year.setdefault((cause, pm.meta.date.year), []).append(pm)
    result.years = sorted(years)
    named = Counter({g.entry.value: len(g.postmortems) for g in index.causes})
    result.causes = sorted(
        (g for g in index.causes if g.postmortems),
        key=lambda g: (-named[g.entry.value], g.entry.value),
    )
    result.recurring = [g for g in result.causes if g.recurring]
