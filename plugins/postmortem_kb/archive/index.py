"""Cross-links of an archive, computed once per build in one pass over the postmortems.

Services, causes and owners with their postmortems and action items, teams and people (from
``teams.yml``) with what they owe, related and referencing postmortems, action items still
open from earlier incidents, the review queue, and what needs attention. Pure: no MkDocs, no
I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from postmortem_kb.archive.archive import Archive
from postmortem_kb.archive.relevance import Relevance, build_relevance
from postmortem_kb.archive.reviews import Reviews, build_reviews
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.front_matter import ActionItem, FrontMatter
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.teams import Team, Teams
from postmortem_kb.model.text import slugify, unique
from postmortem_kb.source.catalog import Catalog, CatalogEntry

SERVICE, CAUSE, OWNER, TEAM, PERSON = "service", "cause", "owner", "team", "person"
ENTRY_DIRS = {
    SERVICE: "services",
    CAUSE: "causes",
    OWNER: "action-items/owners",
    TEAM: "teams",
    PERSON: "people",
}
DUE_SOON_DAYS = 14
"""An open item due within this many days of the build date (and not overdue) is due soon."""


@dataclass(frozen=True)
class Entry:
    """A service, cause, owner, team or person value and the page that lists it.

    ``slug`` is safe as a file name whatever the value (ids are untrusted) and unique within
    its kind; ``uri`` is the page's place from the site root.
    """

    kind: str
    value: str
    slug: str
    catalog: CatalogEntry | None = None
    name: str | None = None  # a team's name from teams.yml

    @property
    def label(self) -> str:
        """The catalog name, or the value itself."""
        return self.catalog.label if self.catalog else self.name or self.value

    @property
    def uri(self) -> str:
        """Where the entry's page lives, from the site root."""
        return f"{ENTRY_DIRS[self.kind]}/{self.slug}.md"

    @property
    def calendar(self) -> str:
        """Where the calendar of the entry's open action items lives, from the site root
        (beside its page: ``teams/payments.ics``)."""
        return f"{ENTRY_DIRS[self.kind]}/{self.slug}.ics"


@dataclass(frozen=True)
class ItemRef:
    """An action item with the postmortem it belongs to and its state on the build date."""

    item: ActionItem
    postmortem: Postmortem
    overdue: bool
    days_overdue: int
    due_soon: bool = False  # open, not overdue, due within DUE_SOON_DAYS of the build date

    @property
    def services(self) -> list[str]:
        """Services of the item's postmortem."""
        return self.postmortem.meta.services if self.postmortem.meta else []


@dataclass
class Group:
    """Postmortems and open action items of one service, cause or owner."""

    entry: Entry
    postmortems: list[Postmortem] = field(default_factory=list)  # newest first
    open_items: list[ItemRef] = field(default_factory=list)  # overdue first, then by due
    closed_items: list[ItemRef] = field(default_factory=list)
    recurring: bool = False
    severe_count: int = 0  # postmortems at the two highest configured severities

    @property
    def last_incident(self) -> dt.date | None:
        """Date of the newest postmortem."""
        return (
            self.postmortems[0].meta.date if self.postmortems and self.postmortems[0].meta else None
        )

    @property
    def overdue_count(self) -> int:
        """Open items past their due date."""
        return sum(1 for ref in self.open_items if ref.overdue)

    @property
    def median_time_to_resolve(self) -> dt.timedelta | None:
        """Median of resolved - started over postmortems that record both."""
        values = sorted(d["resolve"] for pm in self.postmortems if "resolve" in (d := pm.durations))
        if not values:
            return None
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


@dataclass
class TeamGroup:
    """One team of ``teams.yml`` and what it owes.

    An item belongs to the team when its owner is the team's id, one of its aliases, or a
    member of the team (a person's items roll up to each of their teams).
    """

    team: Team
    entry: Entry  # kind TEAM: the team page's slug and uri
    members: list[Entry] = field(default_factory=list)  # kind PERSON, in teams.yml order
    open_items: list[ItemRef] = field(default_factory=list)  # overdue, due soon, the rest
    closed_items: list[ItemRef] = field(default_factory=list)  # newest postmortem first
    services: list[Group] = field(default_factory=list)  # services.yml entries it owns, by id
    service_items: list[ItemRef] = field(default_factory=list)  # their open items, in order

    @property
    def overdue_items(self) -> list[ItemRef]:
        """Open items past their due date, most overdue first."""
        return [ref for ref in self.open_items if ref.overdue]

    @property
    def due_soon_items(self) -> list[ItemRef]:
        """Open items due within ``DUE_SOON_DAYS`` (today included), soonest first."""
        return [ref for ref in self.open_items if ref.due_soon]

    @property
    def later_items(self) -> list[ItemRef]:
        """The other open items: due later (soonest first), then those without a due date."""
        return [ref for ref in self.open_items if not ref.overdue and not ref.due_soon]

    @property
    def overdue_count(self) -> int:
        """Open items past their due date."""
        return sum(1 for ref in self.open_items if ref.overdue)


@dataclass
class PersonGroup:
    """One member of a team in ``teams.yml``: the items they own and the postmortems they
    wrote or took part in."""

    person: str
    entry: Entry  # kind PERSON: the person page's slug and uri
    teams: list[Entry] = field(default_factory=list)  # kind TEAM, in teams.yml order
    open_items: list[ItemRef] = field(default_factory=list)  # owner is the person, in order
    closed_items: list[ItemRef] = field(default_factory=list)  # newest postmortem first
    authored: list[Postmortem] = field(default_factory=list)  # newest first
    participated: list[Postmortem] = field(default_factory=list)  # newest first

    @property
    def overdue_count(self) -> int:
        """Open items past their due date."""
        return sum(1 for ref in self.open_items if ref.overdue)


@dataclass
class Index:
    """Everything the listings, cross-links and exports need.

    Open item lists are ordered overdue first (most overdue first), then by due date (so
    items due within ``DUE_SOON_DAYS`` come next), then items without a due date; closed
    lists newest postmortem first (items record no closing date). ``teams`` and ``people``
    are empty without ``teams.yml``: teams are never invented from owner values, which stay
    in ``owners`` as before.
    """

    today: dt.date
    postmortems: list[Postmortem]  # newest first; unreadable ones last
    services: list[Group]
    causes: list[Group]
    owners: list[Group]
    open_items: list[ItemRef]
    closed_items: list[ItemRef]
    # Keyed by page slug, which stays unique even when two files share an id.
    related: dict[str, list[Postmortem]]
    referenced_by: dict[str, list[Postmortem]]
    earlier_open: dict[str, list[ItemRef]]
    stale: list[tuple[Postmortem, int]]
    findings: list[Finding]
    entries: dict[tuple[str, str], Entry]
    items_by_postmortem: dict[str, list[ItemRef]]
    teams: list[TeamGroup] = field(default_factory=list)  # by team id
    people: list[PersonGroup] = field(default_factory=list)  # by handle
    team_catalog: Teams | None = None  # teams.yml as read; None without one
    # Related postmortems and earlier open items, ranked and uncapped (archive/relevance.py):
    # `related` and `earlier_open` hold the first ones a page shows.
    relevance: Relevance[ItemRef] = field(default_factory=Relevance)
    reviews: Reviews = field(default_factory=Reviews)  # the review queue and compliance
    _groups: dict[tuple[str, str], Group] = field(default_factory=dict, repr=False)

    def entry(self, kind: str, value: str) -> Entry:
        """The page entry of a service, cause or owner value."""
        return self.entries[(kind, value)]

    def group(self, kind: str, value: str) -> Group:
        """The group of a service, cause or owner value."""
        if not self._groups:
            everything = (*self.services, *self.causes, *self.owners)
            self._groups = {(g.entry.kind, g.entry.value): g for g in everything}
        return self._groups[(kind, value)]

    def team(self, name: str) -> TeamGroup | None:
        """The group of the team whose id or alias is ``name``; None when there is none."""
        team = self.team_catalog.team(name) if self.team_catalog else None
        return self._team_groups.get(team.id) if team else None

    def person(self, name: str) -> PersonGroup | None:
        """The group of the person ``name`` (a member of a team); None when there is none."""
        return self._people.get(name)

    def teams_of_owner(self, owner: str | None) -> list[TeamGroup]:
        """The teams an action-item owner stands for: the team it names (by id or alias), or
        every team of the person it names; empty when it is neither (or without teams.yml,
        or without an owner)."""
        catalog = self.team_catalog
        resolved = catalog.resolve(owner) if catalog and owner is not None else None
        if resolved is None:
            return []
        return [self._team_groups[team.id] for team in resolved.teams]

    @cached_property
    def _team_groups(self) -> dict[str, TeamGroup]:
        return {group.team.id: group for group in self.teams}

    @cached_property
    def _people(self) -> dict[str, PersonGroup]:
        return {group.person: group for group in self.people}

    def items_of(self, pm: Postmortem) -> list[ItemRef]:
        """The action items of one postmortem, in file order."""
        return self.items_by_postmortem.get(pm.slug, [])

    def with_problems(self) -> list[Postmortem]:
        """Postmortems with errors or warnings, in file order."""
        return [
            pm
            for pm in sorted(self.postmortems, key=lambda p: p.path)
            if any(f.level is not Level.INFO for f in pm.findings)
        ]


def catalog_entries(
    services: Catalog | None, causes: Catalog | None, settings: Settings
) -> list[Entry]:
    """The entries of catalogued services and causes, with the slugs ``build_index`` gives.

    Catalogued values are named first, so their pages are known before any postmortem is read.
    """
    slugger = _Slugger(settings)
    return [
        slugger.entry(kind, value, catalog.path, described)
        for kind, catalog in ((SERVICE, services), (CAUSE, causes))
        if catalog is not None
        for value, described in sorted(catalog.entries.items())
    ]


def build_index(archive: Archive, settings: Settings, today: dt.date) -> Index:
    """Index the archive once: O(N) in postmortems and action items."""
    postmortems = sorted(archive.postmortems, key=_newest_first)
    readable = [pm for pm in postmortems if pm.meta is not None]
    slugger = _Slugger(settings)
    services = _groups(SERVICE, readable, archive.services, slugger, _services_of)
    causes = _groups(CAUSE, readable, archive.causes, slugger, _causes_of)
    refs = [_ref(item, pm, today) for pm in readable for item in _items_of(pm)]
    open_items = sorted((r for r in refs if not r.item.is_closed), key=_open_order)
    closed_items = sorted((r for r in refs if r.item.is_closed), key=_closed_order)
    owners = _owner_groups(open_items, closed_items, slugger)
    by_pm: dict[str, list[ItemRef]] = defaultdict(list)
    for ref in refs:
        by_pm[ref.postmortem.slug].append(ref)
    severe = frozenset(settings.severities[:2])
    for group in (*services.values(), *causes.values()):
        _fill(group, by_pm, severe)
    for group in causes.values():
        group.recurring = _recurs(group.postmortems, settings)
    by_id: dict[str, Postmortem] = {}
    for pm in readable:  # with duplicate ids, `related` names the first file
        by_id.setdefault(pm.id, pm)
    referenced_by = _backlinks(readable, by_id)
    relevance = build_relevance(readable, by_id, open_items, archive.causes)
    related_limit, earlier_limit = settings.related_limit, settings.earlier_open_limit
    teams, people = _team_groups(archive.teams, services, open_items, closed_items, slugger)
    _fill_people(people, readable)
    return Index(
        today=today,
        postmortems=postmortems,
        services=sorted(services.values(), key=lambda g: g.entry.value),
        causes=sorted(causes.values(), key=lambda g: g.entry.value),
        owners=sorted(owners.values(), key=lambda g: g.entry.value),
        open_items=open_items,
        closed_items=closed_items,
        related={
            slug: ranked.order[: ranked.listed + related_limit]
            for slug, ranked in relevance.related.items()
        },
        referenced_by=referenced_by,
        earlier_open={
            slug: items[:earlier_limit] for slug, items in relevance.earlier_items.items()
        },
        stale=_stale(readable, settings, today),
        findings=slugger.findings,
        entries=slugger.entries,
        items_by_postmortem=dict(by_pm),
        teams=sorted(teams.values(), key=lambda g: g.team.id),
        people=sorted(people.values(), key=lambda g: g.person),
        team_catalog=archive.teams,
        relevance=relevance,
        reviews=build_reviews(readable, archive.services, archive.teams, settings, today),
    )


def _newest_first(pm: Postmortem) -> tuple[int, int, str]:
    if pm.meta is None:
        return (1, 0, pm.slug)
    return (0, -pm.meta.date.toordinal(), pm.slug)


def _services_of(meta: FrontMatter) -> list[str]:
    return meta.services


def _causes_of(meta: FrontMatter) -> list[str]:
    return meta.causes


def _items_of(pm: Postmortem) -> list[ActionItem]:
    return pm.meta.action_items if pm.meta else []


class _Slugger:
    """Give every value a page slug; two values never share one silently."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.findings: list[Finding] = []
        self.entries: dict[tuple[str, str], Entry] = {}
        # Page slugs taken, by kind; "index" is the listing page of each kind.
        self.taken: dict[str, dict[str, str]] = {
            kind: {"index": "(the listing page)"} for kind in ENTRY_DIRS
        }

    def entry(
        self,
        kind: str,
        value: str,
        where: str,
        catalog: CatalogEntry | None = None,
        name: str | None = None,
    ) -> Entry:
        key = (kind, value)
        if key in self.entries:
            return self.entries[key]
        base = slugify(value) or "x-" + hashlib.sha1(value.encode()).hexdigest()[:8]
        taken = self.taken[kind]
        slug = unique(base, taken)
        if slug != base:
            other = taken[base]
            report = Report(where, self.settings.rule_levels)
            report.add(
                "slug-collision",
                1,
                1,
                f"{kind} '{value}' and '{other}' have the same page name '{base}'; "
                f"'{value}' is listed at '{slug}'",
                f"use one spelling for the {kind}, or rename one of them",
            )
            self.findings.extend(report.findings)
        taken[slug] = value
        entry = Entry(kind, value, slug, catalog, name)
        self.entries[key] = entry
        return entry


def _groups(
    kind: str,
    readable: list[Postmortem],
    catalog: Catalog | None,
    slugger: _Slugger,
    values_of: Callable[[FrontMatter], list[str]],
) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    if catalog is not None:
        for value, described in sorted(catalog.entries.items()):
            groups[value] = Group(slugger.entry(kind, value, catalog.path, described))
    for pm in readable:
        assert pm.meta is not None
        for value in dict.fromkeys(values_of(pm.meta)):
            if value not in groups:
                groups[value] = Group(slugger.entry(kind, value, pm.path))
            groups[value].postmortems.append(pm)
    return groups


def _ref(item: ActionItem, pm: Postmortem, today: dt.date) -> ItemRef:
    late = not item.is_closed and item.due is not None and item.due < today
    soon = (
        not item.is_closed
        and item.due is not None
        and 0 <= (item.due - today).days <= DUE_SOON_DAYS
    )
    return ItemRef(item, pm, late, (today - item.due).days if late and item.due else 0, soon)


def _open_order(ref: ItemRef) -> tuple[int, int, str, str]:
    due = ref.item.due.toordinal() if ref.item.due else dt.date.max.toordinal()
    return (0 if ref.overdue else 1, due, ref.postmortem.slug, ref.item.id)


def _closed_order(ref: ItemRef) -> tuple[int, str, str]:
    assert ref.postmortem.meta is not None
    return (-ref.postmortem.meta.date.toordinal(), ref.postmortem.slug, ref.item.id)


def _owner_groups(
    open_items: list[ItemRef], closed_items: list[ItemRef], slugger: _Slugger
) -> dict[str, Group]:
    owners: dict[str, Group] = {}

    def group_of(ref: ItemRef) -> Group | None:
        owner = ref.item.owner
        if owner is None:  # an imported item without one: listed everywhere else
            return None
        if owner not in owners:
            owners[owner] = Group(slugger.entry(OWNER, owner, ref.postmortem.path))
        return owners[owner]

    for ref in open_items:
        if group := group_of(ref):
            group.open_items.append(ref)
    for ref in closed_items:
        if group := group_of(ref):
            group.closed_items.append(ref)
    return owners


def _team_groups(
    catalog: Teams | None,
    services: dict[str, Group],
    open_items: list[ItemRef],
    closed_items: list[ItemRef],
    slugger: _Slugger,
) -> tuple[dict[str, TeamGroup], dict[str, PersonGroup]]:
    """Teams and people of ``teams.yml`` with their items, in one pass over the items.

    ``open_items`` and ``closed_items`` come sorted, and each is appended in that order, so
    every list stays sorted. A service's items go to the team that owns it in services.yml.
    """
    if catalog is None:
        return {}, {}
    teams = {
        team_id: TeamGroup(team, slugger.entry(TEAM, team_id, catalog.path, name=team.name))
        for team_id, team in sorted(catalog.teams.items())
    }
    people = {
        person: PersonGroup(person, slugger.entry(PERSON, person, catalog.path))
        for person in catalog.people
    }
    for team_id, team in catalog.teams.items():
        teams[team_id].members = [people[p].entry for p in team.members if p in people]
    for person, person_group in people.items():
        person_group.teams = [teams[team.id].entry for team in catalog.teams_of(person)]

    def owed_by(ref: ItemRef) -> list[TeamGroup | PersonGroup]:
        resolved = None if ref.item.owner is None else catalog.resolve(ref.item.owner)
        if resolved is None:
            return []
        found: list[TeamGroup | PersonGroup] = [teams[team.id] for team in resolved.teams]
        if resolved.person is not None and resolved.person in people:
            found.append(people[resolved.person])
        return found

    for ref in open_items:
        for group in owed_by(ref):
            group.open_items.append(ref)
    for ref in closed_items:
        for group in owed_by(ref):
            group.closed_items.append(ref)
    for _, service in sorted(services.items()):
        described = service.entry.catalog
        owner = catalog.team(described.owner) if described and described.owner else None
        if owner is not None:
            teams[owner.id].services.append(service)
    for team_group in teams.values():
        seen: dict[tuple[str, str], ItemRef] = {}
        for service in team_group.services:
            for ref in service.open_items:
                seen.setdefault((ref.postmortem.slug, ref.item.id), ref)
        team_group.service_items = sorted(seen.values(), key=_open_order)
    return teams, people


def _fill_people(people: dict[str, PersonGroup], readable: list[Postmortem]) -> None:
    """The postmortems each person wrote or took part in, newest first."""
    if not people:
        return
    for pm in readable:  # newest first
        assert pm.meta is not None
        for person in dict.fromkeys(pm.meta.authors):
            if person in people:
                people[person].authored.append(pm)
        for person in dict.fromkeys(pm.meta.participants):
            if person in people:
                people[person].participated.append(pm)


def _fill(group: Group, by_pm: dict[str, list[ItemRef]], severe: frozenset[str]) -> None:
    refs = [ref for pm in group.postmortems for ref in by_pm.get(pm.slug, ())]
    group.open_items = sorted((r for r in refs if not r.item.is_closed), key=_open_order)
    group.closed_items = sorted((r for r in refs if r.item.is_closed), key=_closed_order)
    group.severe_count = sum(
        1 for pm in group.postmortems if pm.meta and pm.meta.severity in severe
    )


def _recurs(postmortems: list[Postmortem], settings: Settings) -> bool:
    """True when ``recurrence_count`` postmortems fall within ``recurrence_days``."""
    days = sorted(pm.meta.date.toordinal() for pm in postmortems if pm.meta)
    need = settings.recurrence_count
    return any(
        days[i + need - 1] - days[i] < settings.recurrence_days for i in range(len(days) - need + 1)
    )


def _backlinks(
    readable: list[Postmortem], by_id: dict[str, Postmortem]
) -> dict[str, list[Postmortem]]:
    backlinks: dict[str, list[Postmortem]] = defaultdict(list)
    for pm in readable:
        assert pm.meta is not None
        for target in dict.fromkeys(pm.meta.related):
            if target in by_id and target != pm.id:
                backlinks[by_id[target].slug].append(pm)
    return dict(backlinks)


def _stale(
    readable: list[Postmortem], settings: Settings, today: dt.date
) -> list[tuple[Postmortem, int]]:
    """Drafts and postmortems in review for longer than ``stale_after_days``, oldest first."""
    stale = []
    for pm in readable:
        assert pm.meta is not None
        if pm.meta.status == "published":
            continue
        resolved = pm.meta.incident.resolved
        since = resolved.date() if resolved else pm.meta.date
        age = (today - since).days
        if age > settings.stale_after_days:
            stale.append((pm, age))
    return sorted(stale, key=lambda pair: (-pair[1], pair[0].id))
