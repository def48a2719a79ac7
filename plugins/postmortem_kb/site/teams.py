"""Team and person pages, from ``teams.yml``: what each team and each person owes.

``teams/`` lists every team; ``teams/<slug>/`` shows a team's members, its open action
items (overdue first, then due within ``DUE_SOON_DAYS``, then the rest), the items it
closed most recently and the open items of the services it owns; ``people/<slug>/`` shows a
person's teams, items and postmortems. Each links to its calendar (``Entry.calendar``).
Without ``teams.yml`` there are none of these pages.

Only ``teams/`` may sit in the navigation: one nav entry per team or person would make
MkDocs' navigation cost grow with the square of the pages.

Tables of items are complete and in the index's order without JavaScript; a small script
(``assets/sortable-tables.js``) makes the columns of ``table[data-pm-sort]`` sortable, from
the key each cell carries in ``data-sort`` (dates as ISO text, ages as numbers). The tables
have no class: Material styles only tables without one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from postmortem_kb.archive.index import (
    DUE_SOON_DAYS,
    OWNER,
    PERSON,
    SERVICE,
    TEAM,
    Index,
    ItemRef,
    PersonGroup,
    TeamGroup,
)
from postmortem_kb.archive.urls import SITE_CALENDAR, postmortem_uri
from postmortem_kb.model.front_matter import NO_OWNER
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import anchor, plural
from postmortem_kb.model.tracker import tracker_link
from postmortem_kb.site.html import (
    Body,
    Links,
    Mark,
    esc,
    item_status,
    md_text,
    paragraph,
    postmortems_table,
    severity_badge,
    subscribe_hint,
    table_caption,
    tracker,
)
from postmortem_kb.site.listings import LISTING_LIMIT, TEAMS_INDEX
from postmortem_kb.site.pages import GeneratedPage

RECENT_CLOSED = 20
"""Closed items a team page shows, newest postmortem first (items record no closing date)."""

# Sort keys of an item's state: overdue first, then due soon, open, in progress, closed.
_STATE_RANK = {"open": 2, "in-progress": 3, "done": 4, "wont-do": 5}


def team_pages(index: Index) -> list[GeneratedPage]:
    """The teams index and a page per team and per person; none without ``teams.yml``."""
    if index.team_catalog is None:
        return []
    pages = [GeneratedPage(TEAMS_INDEX, "Teams", teams_page, True)]
    pages += [_team_page(group) for group in index.teams]
    pages += [_person_page(group) for group in index.people]
    return pages


def _team_page(group: TeamGroup) -> GeneratedPage:
    team_id = group.team.id

    def body(index: Index, settings: Settings, mark: Mark) -> Body:
        found = index.team(team_id)
        assert found is not None
        return team_page(found, index, settings, mark)

    # No search tags: a service named like its team ("Checkout") is found first.
    return GeneratedPage(group.entry.uri, group.team.label, body, False)


def _person_page(group: PersonGroup) -> GeneratedPage:
    person = group.person

    def body(index: Index, settings: Settings, mark: Mark) -> Body:
        found = index.person(person)
        assert found is not None
        return person_page(found, index, settings, mark)

    return GeneratedPage(group.entry.uri, person, body, False)


# --- sortable tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a sortable table: its title (HTML) and how its keys compare."""

    title: str
    sort: str = "text"  # "text", "number", or "" for a column that does not sort


def sortable_table(columns: Iterable[Column], rows: Iterable[str], *, caption: str) -> str:
    """A table whose columns the browser script sorts; ``rows`` are ``<tr>`` elements."""
    head = "".join(
        f'<th scope="col" data-sort-type="{column.sort}">{column.title}</th>'
        if column.sort
        else f'<th scope="col">{column.title}</th>'
        for column in columns
    )
    return (
        f"<table data-pm-sort>\n{table_caption(caption)}<thead>\n<tr>{head}</tr>\n</thead>\n"
        f"<tbody>\n{''.join(rows)}</tbody>\n</table>\n"
    )


def cell(content: str, key: object = None, css: str = "") -> str:
    """A table cell; ``key`` (a date, a number, a text) is what the column sorts it by;
    ``css`` is ``pm-wide`` for a title that needs room, ``pm-nowrap`` for a date."""
    css_class = f' class="{css}"' if css else ""
    sort = f' data-sort="{esc(key)}"' if key is not None else ""
    return f"<td{css_class}{sort}>{content}</td>"


def _row(cells: Iterable[str]) -> str:
    return "<tr>" + "".join(cells) + "</tr>\n"


# --- tables of action items -----------------------------------------------------------------


def item_columns(*, owner: bool, closed: bool) -> list[Column]:
    """Item, [owner,] postmortem, due, [age,] status, tracker."""
    columns = [Column("Action item")]
    if owner:
        columns.append(Column("Owner"))
    columns += [Column("Postmortem"), Column("Due")]
    if not closed:
        columns.append(
            Column('<abbr title="Days open: from the postmortem to the build">Age</abbr>', "number")
        )
    columns += [Column("Status"), Column("Tracker")]
    return columns


def items_table(
    refs: list[ItemRef],
    index: Index,
    settings: Settings,
    links: Links,
    *,
    owner: bool,
    closed: bool = False,
    empty: str = "None.",
    caption: str,
) -> str:
    """Action items with their postmortem (and severity), due date, age, state and tracker.

    The age is the number of days from the postmortem's date to the build date: how long
    the item has been open.
    """
    if not refs:
        return paragraph(esc(empty))
    columns = item_columns(owner=owner, closed=closed)
    rows = (_item_row(ref, index, settings, links, owner, closed) for ref in refs)
    return sortable_table(columns, rows, caption=caption)


def _item_row(
    ref: ItemRef, index: Index, settings: Settings, links: Links, owner: bool, closed: bool
) -> str:
    key = ("team-item-row", id(ref), owner, closed)  # refs live as long as the index
    if key in links.cache:
        return links.cache[key]
    item, pm = ref.item, ref.postmortem
    assert pm.meta is not None
    href = links.url(postmortem_uri(pm.slug)) + "#" + anchor(item.id)
    details = " · ".join(esc(value) for value in (item.id, item.priority, item.type) if value)
    title = f'<a href="{href}">{esc(item.title)}</a><br><small class="pm-details">{details}</small>'
    severity = (
        settings.severities.index(pm.meta.severity)
        if pm.meta.severity in settings.severities
        else len(settings.severities)
    )
    cells = [cell(title, item.title, "pm-wide")]
    if owner:
        cells.append(cell(_owner(item.owner, index, links), item.owner or NO_OWNER))
    cells += [
        cell(
            f"{links.postmortem(pm)} {severity_badge(pm.meta)}",
            f"{severity:03d} {pm.meta.date}",
            "pm-wide",
        ),
        cell(esc(item.due) if item.due else "—", item.due or "", "pm-nowrap"),
    ]
    if not closed:
        age = (index.today - pm.meta.date).days
        cells.append(cell(f"{age} d", age, "pm-nowrap"))
    cells += [
        cell(_state(ref, index), _state_rank(ref)),
        cell(tracker(item, links.jira_url), _tracker_key(ref, links)),
    ]
    links.cache[key] = _row(cells)
    return links.cache[key]


def _owner(owner: str | None, index: Index, links: Links) -> str:
    """An item's owner, linked to the person's page for a member, else to the owner page."""
    if owner is None:
        return links.owner(owner)
    return links.entry(PERSON if index.person(owner) else OWNER, owner)


def _state(ref: ItemRef, index: Index) -> str:
    """The item's status, with how long it is overdue or how soon it is due."""
    state = item_status(ref)
    if ref.due_soon and ref.item.due is not None:
        days = (ref.item.due - index.today).days
        when = "due today" if days == 0 else f"due in {plural(days, 'day')}"
        state += f' <span class="pm-badge pm-due-soon">{when}</span>'
    return state


def _state_rank(ref: ItemRef) -> int:
    if ref.overdue:
        return 0
    if ref.due_soon:
        return 1
    return _STATE_RANK.get(ref.item.status, len(_STATE_RANK) + 1)


def _tracker_key(ref: ItemRef, links: Links) -> str:
    """The tracker's label (``org/repo#12``), so the column sorts as it reads."""
    link = ref.item.link
    return tracker_link(link, links.jira_url).label if link else ""


# --- pages ----------------------------------------------------------------------------------


def _lines(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part) + "\n"


def teams_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``teams/index.md``: every team of ``teams.yml`` with what it owes."""
    groups = index.teams

    def parts(links: Links) -> dict[str, str]:
        intro = paragraph(
            f"{plural(len(groups), 'team')} of <code>teams.yml</code>. A team owes the action "
            "items owned by the team, by one of its other names (aliases) or by one of its "
            "members; each team's page lists them, overdue first, with the items of the "
            f"services it owns. Items due within {DUE_SOON_DAYS} days count as due soon."
        )
        if not groups:
            intro += paragraph("No teams yet: add them to <code>teams.yml</code>.")
        return {"intro": intro}

    def tables(links: Links) -> dict[str, str]:
        calendar = subscribe_hint(links, SITE_CALENDAR, "all the open action items of the site")
        if not groups:
            return {"calendar": calendar}
        columns = [
            Column("Team"),
            Column("Channel"),
            Column("Members"),
            Column("Open", "number"),
            Column("Overdue", "number"),
            Column("Due soon", "number"),
            Column("Services owned"),
        ]
        rows = []
        for g in sorted(groups, key=lambda g: (g.team.label.casefold(), g.team.id)):
            channel = g.team.channel or ""
            members = [m.value for m in g.members]
            services = [s.entry.value for s in g.services]
            due_soon = len(g.due_soon_items)
            rows.append(
                _row(
                    (
                        cell(links.entry(TEAM, g.entry.value), g.team.label),
                        cell(esc(channel) if channel else "—", channel),
                        cell(links.entries(PERSON, members), len(members)),
                        cell(str(len(g.open_items)), len(g.open_items)),
                        cell(str(g.overdue_count), g.overdue_count),
                        cell(str(due_soon), due_soon),
                        cell(links.entries(SERVICE, services), len(services)),
                    )
                )
            )
        return {"calendar": calendar, "table": sortable_table(columns, rows, caption="Teams")}

    def searched(links: Links) -> dict[str, str]:
        lines = "".join(
            f"<li>{esc(_team_line(g))}</li>" for g in groups[:LISTING_LIMIT]
        )  # one readable line per team
        return {"table": f"<ul>{lines}</ul>\n"} if groups else {}

    markdown = _lines("# Teams", mark("intro"), mark("calendar"), mark("table"))
    return Body(markdown, parts, tables, searched)


def _team_line(group: TeamGroup) -> str:
    """``Payments (team-payments) — #payments — 3 members — 4 open action items, 1 overdue.``"""
    facts = [f"{group.team.label} ({group.team.id})" if group.team.name else group.team.id]
    if group.team.channel:
        facts.append(group.team.channel)
    facts.append(plural(len(group.members), "member"))
    count = plural(len(group.open_items), "open action item")
    facts.append(f"{count}, {group.overdue_count} overdue")
    return " — ".join(facts) + "."


def team_page(group: TeamGroup, index: Index, settings: Settings, mark: Mark) -> Body:
    """The page of one team: who, what it owes, what it closed, what its services owe.

    Search reads the team's facts and one sentence of figures per section; the tables, the
    calendar hint and the sentences every team page shares come after indexing.
    """
    team = group.team
    markdown = _lines(
        f"# {md_text(team.label)}",
        mark("summary"),
        mark("calendar"),
        "## Open action items",
        mark("open-summary"),
        mark("open"),
        "## Recently closed",
        mark("closed-summary"),
        mark("closed"),
        "## Services it owns",
        mark("services-summary"),
        mark("services"),
    )
    opened = group.open_items[:LISTING_LIMIT]
    name = esc(team.label)
    closed = group.closed_items[:RECENT_CLOSED]
    service_items = group.service_items[:LISTING_LIMIT]

    def parts(links: Links) -> dict[str, str]:
        summary = paragraph(esc(team.description)) if team.description else ""
        facts = [f"<li>Team id: <code>{esc(team.id)}</code></li>"]
        if team.channel:
            facts.append(f"<li>Channel: {esc(team.channel)}</li>")
        if team.aliases:
            aliases = ", ".join(f"<code>{esc(alias)}</code>" for alias in team.aliases)
            facts.append(f"<li>Also owns items as: {aliases}</li>")
        members = [m.value for m in group.members]
        facts.append(
            f"<li>Members: {links.entries(PERSON, members)}</li>"
            if members
            else "<li>Members: none listed</li>"
        )
        summary += f'<ul class="pm-team-facts">{"".join(facts)}</ul>\n'
        count = len(group.closed_items)
        closed_line = (
            f"{plural(count, 'closed action item')} (done or won't do)."
            if count
            else "No closed action items yet."
        )
        if group.services:
            owned = links.entries(SERVICE, [s.entry.value for s in group.services])
            open_count = len(group.service_items)
            services_line = (
                f"<code>services.yml</code> names the team as the owner of {owned}: "
                + (
                    f"{plural(open_count, 'open action item')}, whoever owns them."
                    if open_count
                    else "none of their action items is open."
                )
            )
        else:
            services_line = "No service of <code>services.yml</code> names this team as its owner."
        return {
            "summary": summary,
            "open-summary": paragraph(_open_line(group.open_items, index)),
            "closed-summary": paragraph(closed_line),
            "services-summary": paragraph(services_line),
        }

    def tables(links: Links) -> dict[str, str]:
        found = {
            "calendar": subscribe_hint(links, group.entry.calendar, "the team's open action items")
        }
        if opened:
            found["open"] = (
                paragraph(
                    "Overdue items first (the most overdue first), then by due date. They are the "
                    "items owned by the team, by its other names and by its members."
                )
                + _capped(len(group.open_items), LISTING_LIMIT, "open items")
                + items_table(
                    opened,
                    index,
                    settings,
                    links,
                    owner=True,
                    caption=f"Open action items of {name}",
                )
            )
        if closed:
            note = "Newest postmortem first (items record no closing date)."
            if len(group.closed_items) > RECENT_CLOSED:
                every = links.url("action-items/closed.md")
                note = (
                    f"The {RECENT_CLOSED} of the newest postmortems (items record no closing "
                    f'date); all of them are on the <a href="{every}">closed action items</a> '
                    "page."
                )
            found["closed"] = paragraph(note) + items_table(
                closed,
                index,
                settings,
                links,
                owner=True,
                closed=True,
                caption=f"Closed action items of {name}",
            )
        if service_items:
            found["services"] = _capped(
                len(group.service_items), LISTING_LIMIT, "open items"
            ) + items_table(
                service_items,
                index,
                settings,
                links,
                owner=True,
                caption=f"Open action items of the services of {name}",
            )
        return found

    return Body(markdown, parts, tables)


def _open_line(refs: list[ItemRef], index: Index) -> str:
    """``5 open action items on 2026-11-27: 3 overdue, 1 due within 14 days, 1 later.``"""
    if not refs:
        return f"No open action items on {index.today}."
    overdue = sum(1 for ref in refs if ref.overdue)
    soon = sum(1 for ref in refs if ref.due_soon)
    return (
        f"{plural(len(refs), 'open action item')} on {index.today}: {overdue} overdue, "
        f"{soon} due within {DUE_SOON_DAYS} days, {len(refs) - overdue - soon} later."
    )


def person_page(group: PersonGroup, index: Index, settings: Settings, mark: Mark) -> Body:
    """The page of one person: their teams, items and postmortems."""
    person = group.person
    markdown = _lines(
        f"# {md_text(person)}",
        mark("summary"),
        mark("calendar"),
        "## Open action items",
        mark("open-summary"),
        mark("open"),
        "## Closed action items",
        mark("closed"),
        "## Postmortems written",
        mark("authored"),
        "## Postmortems taken part in",
        mark("participated"),
    )

    def parts(links: Links) -> dict[str, str]:
        teams = links.entries(TEAM, [team.value for team in group.teams])
        summary = paragraph(
            f"<code>{esc(person)}</code> is a member of {teams}: "
            f"{plural(len(group.authored), 'postmortem')} written, "
            f"{len(group.participated)} taken part in."
        )
        return {"summary": summary, "open-summary": paragraph(_open_line(group.open_items, index))}

    def tables(links: Links) -> dict[str, str]:
        what = f"the open action items owned by {esc(person)}"
        found = {
            "calendar": subscribe_hint(links, group.entry.calendar, what),
            "closed": items_table(
                group.closed_items[:LISTING_LIMIT],
                index,
                settings,
                links,
                owner=False,
                closed=True,
                empty="No closed action items.",
                caption=f"Closed action items of {esc(person)}",
            ),
            "authored": postmortems_table(
                group.authored[:LISTING_LIMIT],
                links,
                "No postmortems written yet.",
                caption=f"Postmortems written by {esc(person)}",
            ),
            "participated": postmortems_table(
                group.participated[:LISTING_LIMIT],
                links,
                "No postmortems taken part in yet.",
                caption=f"Postmortems {esc(person)} took part in",
            ),
        }
        if group.open_items:
            found["open"] = (
                paragraph(
                    "The items this person owns, overdue first; the items of their teams are on "
                    "the team pages."
                )
                + _capped(len(group.open_items), LISTING_LIMIT, "open items")
                + items_table(
                    group.open_items[:LISTING_LIMIT],
                    index,
                    settings,
                    links,
                    owner=False,
                    caption=f"Open action items of {esc(person)}",
                )
            )
        return found

    def searched(links: Links) -> dict[str, str]:
        closed = plural(len(group.closed_items), "closed action item")
        return {"closed": paragraph(f"{closed}.")}

    return Body(markdown, parts, tables, searched)


def _capped(count: int, limit: int, noun: str) -> str:
    if count <= limit:
        return ""
    return paragraph(f"Showing the first {limit} of {count} {noun}.")
