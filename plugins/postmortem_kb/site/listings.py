"""Listing, service, cause and owner pages.

Each page is a ``Body``: Markdown with its headings (so the table of contents works) and
named markers, and functions that render the HTML for each marker from the index.

Search indexes sentences and readable lines, never tables: a table's cells run together in
the index ("Service idOwnerPostmortems... payments-apiteam-payments53"). Tables go in after
indexing (``later``); where a table says something worth finding, search gets it as a line
of text instead (``searched``): "payments-api — owner team-payments — 5 postmortems, ...".
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from postmortem_kb.archive.index import CAUSE, OWNER, PERSON, SERVICE, TEAM, Group, Index
from postmortem_kb.archive.urls import SITE_CALENDAR
from postmortem_kb.check.imported import GAP_NOTE, gaps
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.front_matter import NO_SEVERITY
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import plural
from postmortem_kb.site.html import (
    Body,
    Links,
    Mark,
    admonition,
    dash,
    duration,
    esc,
    imported_badge,
    items_table,
    md_text,
    optional_duration,
    paragraph,
    postmortems_table,
    severity_badge,
    status_badge,
    subscribe_hint,
    table,
)
from postmortem_kb.site.reviews import attention_summary, attention_table

# Listings longer than this show the first rows and point to the exports and the owner and
# service pages: a page of tens of thousands of rows helps nobody and costs every build.
LISTING_LIMIT = 1000
TEAMS_INDEX = "teams/index.md"  # the teams listing (site/teams.py), with teams.yml only


def top_counterparts(group: Group, field: str) -> list[tuple[str, int]]:
    """The causes of a service's postmortems (or the services of a cause's), most first."""
    counts: Counter[str] = Counter(
        value for pm in group.postmortems if pm.meta for value in getattr(pm.meta, field)
    )
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _severe_label(settings: Settings) -> str:
    """The column title of the two highest severities, e.g. ``SEV1/SEV2``."""
    return "/".join(settings.severities[:2])


def _lines(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part) + "\n"


def _open_count(group: Group) -> str:
    overdue = f" ({group.overdue_count} overdue)" if group.overdue_count else ""
    return f"{len(group.open_items)}{overdue}"


def _capped(count: int, noun: str, links: Links) -> str:
    """The note under a listing cut at ``LISTING_LIMIT`` rows."""
    if count <= LISTING_LIMIT:
        return ""
    json_url, csv_url = links.file("action-items.json"), links.file("action-items.csv")
    return paragraph(
        f"Showing the first {LISTING_LIMIT} of {count} {noun}. All of them are on the owner "
        f'and service pages and in <a href="{json_url}">action-items.json</a> '
        f'and <a href="{csv_url}">action-items.csv</a>.'
    )


def archive_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``postmortems/index.md``: every postmortem by year, with the filters on top."""
    years = [
        (year, list(group))
        for year, group in groupby(
            index.postmortems, key=lambda pm: str(pm.meta.date.year) if pm.meta else "Unreadable"
        )
    ]
    sections = "\n\n".join(f"## {year}\n\n{mark('year-' + year)}" for year, _ in years)
    markdown = _lines(
        "# Postmortems",
        mark("intro"),
        '<div id="pm-filter" class="pm-filter" data-source="archive.json" hidden></div>',
        f'<div id="pm-archive-static" markdown>\n\n{sections}\n\n</div>',
    )

    def parts(links: Links) -> dict[str, str]:
        intro = paragraph(
            f"{plural(len(index.postmortems), 'postmortem')}, newest first. See also the "
            f'<a href="{links.url("services/index.md")}">services</a>, '
            f'<a href="{links.url("causes/index.md")}">causes</a> and '
            f'<a href="{links.url("action-items/index.md")}">open action items</a>.'
        )
        if not index.postmortems:
            intro += paragraph(
                'No postmortems yet. Create one with <code>postmortem new "Title" '
                "--service NAME</code>."
            )
        return {"intro": intro}

    def tables(links: Links) -> dict[str, str]:
        found = {}
        attention = links.url("needs-attention.md")
        for year, postmortems in years:
            rows = []
            for pm in postmortems:
                if pm.meta is None:
                    problem = f'unreadable: see <a href="{attention}">needs attention</a>'
                    rows.append(("—", links.postmortem(pm), "—", "—", "—", problem))
                    continue
                rows.append(
                    (
                        str(pm.meta.date),
                        links.postmortem(pm),
                        severity_badge(pm.meta),
                        links.entries(SERVICE, pm.meta.services),
                        links.entries(CAUSE, pm.meta.causes),
                        status_badge(pm.meta.status) + imported_badge(pm.meta),
                    )
                )
            headers = ("Date", "Postmortem", "Severity", "Services", "Causes", "Status")
            found["year-" + year] = paragraph(plural(len(postmortems), "postmortem") + ".") + table(
                headers, rows, caption=f"Postmortems of {esc(year)}"
            )
        return found

    def searched(links: Links) -> dict[str, str]:
        return {"year-" + year: paragraph(esc(_year_line(year, pms))) for year, pms in years}

    return Body(markdown, parts, tables, searched)


def _year_line(year: str, postmortems: list[Postmortem]) -> str:
    """``12 postmortems in 2026: 3 SEV1, 5 SEV2, 4 SEV3.``"""
    severities = Counter(pm.meta.severity or NO_SEVERITY for pm in postmortems if pm.meta)
    count = plural(len(postmortems), "postmortem")
    if year == "Unreadable":
        return f"{count} whose front matter cannot be read."
    by_severity = ", ".join(f"{n} {severity}" for severity, n in sorted(severities.items()))
    return f"{count} in {year}: {by_severity}."


def services_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``services/index.md``: every service with its figures (search reads the intro)."""
    severe = _severe_label(settings)
    groups = index.services

    def parts(links: Links) -> dict[str, str]:
        intro = paragraph(
            f"{plural(len(groups), 'service')}. Each page lists the service's postmortems, its "
            "open action items and the causes that hit it most."
        )
        if not groups:
            intro += paragraph(
                "No services yet: they appear when a postmortem names them, or when "
                "<code>services.yml</code> lists them."
            )
        return {"intro": intro}

    def tables(links: Links) -> dict[str, str]:
        if not groups:
            return {}
        rows = (
            (
                links.entry(SERVICE, g.entry.value),
                links.owner_with_team(g.entry.catalog.owner if g.entry.catalog else None),
                str(len(g.postmortems)),
                str(g.severe_count),
                dash(g.last_incident),
                _open_count(g),
                optional_duration(g.median_time_to_resolve),
            )
            for g in groups
        )
        headers = (
            "Service",
            "Owner",
            "Postmortems",
            esc(severe),
            "Last incident",
            "Open action items",
            "Median time to resolve",
        )
        return {"table": table(headers, rows, caption="Services")}

    return Body(_lines("# Services", mark("intro"), mark("table")), parts, tables)


def causes_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``causes/index.md``: every cause, recurring ones marked (search reads the intro)."""
    severe = _severe_label(settings)
    groups = index.causes

    def parts(links: Links) -> dict[str, str]:
        intro = paragraph(
            f"{plural(len(groups), 'cause')}. A cause is <strong>recurring</strong> when "
            f"{settings.recurrence_count} or more postmortems name it within "
            f"{settings.recurrence_days} days."
        )
        if not groups:
            intro += paragraph(
                "No causes yet: they appear when a postmortem names them, or when "
                "<code>causes.yml</code> lists them."
            )
        return {"intro": intro}

    def tables(links: Links) -> dict[str, str]:
        if not groups:
            return {}
        recurring = '<span class="pm-badge pm-recurring">recurring</span>'
        rows = (
            (
                links.entry(CAUSE, g.entry.value),
                str(len(g.postmortems)),
                str(g.severe_count),
                dash(g.last_incident),
                links.entries(SERVICE, [value for value, _ in top_counterparts(g, "services")]),
                _open_count(g),
                recurring if g.recurring else "—",
            )
            for g in groups
        )
        headers = (
            "Cause",
            "Postmortems",
            esc(severe),
            "Last incident",
            "Services affected",
            "Open action items",
            "Recurring",
        )
        return {"table": table(headers, rows, caption="Causes")}

    return Body(_lines("# Causes", mark("intro"), mark("table")), parts, tables)


def open_items_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/index.md``: open items, overdue first (search reads the intro)."""
    refs = index.open_items
    teams = index.team_catalog is not None

    def parts(links: Links) -> dict[str, str]:
        overdue = sum(1 for ref in refs if ref.overdue)
        intro = paragraph(
            f"{plural(len(refs), 'open action item')}, {overdue} overdue on {index.today}. "
            f"Overdue items come first, then by due date. Also by "
            f'<a href="{links.url("action-items/owners/index.md")}">owner</a>, '
            + (f'by <a href="{links.url(TEAMS_INDEX)}">team</a>, ' if teams else "")
            + f'by <a href="{links.url("action-items/services.md")}">service</a>, and the '
            f'<a href="{links.url("action-items/closed.md")}">closed items</a>. '
            f'Machine-readable: <a href="{links.file("action-items.json")}">action-items.json</a>, '
            f'<a href="{links.file("action-items.csv")}">action-items.csv</a>.'
        )
        return {"intro": intro + _capped(len(refs), "open items", links)}

    def tables(links: Links) -> dict[str, str]:
        return {
            "calendar": subscribe_hint(links, SITE_CALENDAR, "all the open action items"),
            "table": items_table(refs[:LISTING_LIMIT], links, caption="Open action items"),
        }

    markdown = _lines("# Open action items", mark("intro"), mark("calendar"), mark("table"))
    return Body(markdown, parts, tables)


def owners_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/owners/index.md``: every owner with counts (search reads the intro)."""
    owners = index.owners

    def parts(links: Links) -> dict[str, str]:
        intro = paragraph(
            f"{plural(len(owners), 'owner')}. Each owner's page lists their open and closed items."
        )
        if index.team_catalog is not None:
            intro += paragraph(
                f'The <a href="{links.url(TEAMS_INDEX)}">team pages</a> gather the items of each '
                "team, of its other names and of its members."
            )
        return {"intro": intro if owners else intro + paragraph("No action items yet.")}

    def tables(links: Links) -> dict[str, str]:
        if not owners:
            return {}
        rows = []
        teams = index.team_catalog is not None
        for g in owners:
            dues = [ref.item.due for ref in g.open_items if ref.item.due]
            row = [
                links.entry(OWNER, g.entry.value),
                str(len(g.open_items)),
                str(g.overdue_count),
                str(len(g.closed_items)),
                dash(min(dues) if dues else None),
            ]
            if teams:  # the team an owner names, or a person's teams
                row.insert(1, links.teams_of(g.entry.value) or "—")
            rows.append(row)
        headers = ["Owner", "Open", "Overdue", "Closed", "Next due"]
        if teams:
            headers.insert(1, "Team")
        return {"table": table(headers, rows, caption="Action items by owner")}

    return Body(_lines("# Action items by owner", mark("intro"), mark("table")), parts, tables)


def items_by_service_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/services.md``: open items under each service (search reads the counts)."""
    groups = [g for g in index.services if g.open_items]
    sections = [
        f"## {md_text(g.entry.label)}\n\n{mark('service-' + g.entry.slug)}\n\n"
        + mark("items-" + g.entry.slug)
        for g in groups
    ]
    markdown = _lines("# Open action items by service", mark("intro"), *sections)

    def parts(links: Links) -> dict[str, str]:
        intro = paragraph(
            f"{plural(len(groups), 'service')} with open action items. An item appears under "
            "every service of its postmortem."
        )
        found = {"intro": intro if groups else intro + paragraph("No open action items.")}
        for g in groups:
            owner = g.entry.catalog.owner if g.entry.catalog else None
            team = index.team(owner) if owner else None
            owned = f"Owned by {links.entry(TEAM, team.entry.value)}. " if team else ""
            found["service-" + g.entry.slug] = paragraph(
                f"{plural(len(g.open_items), 'open item')}, {g.overdue_count} overdue. {owned}"
                f'<a href="{links.url(g.entry.uri)}">Service page</a>.'
            ) + _capped(len(g.open_items), "open items", links)
        return found

    def tables(links: Links) -> dict[str, str]:
        return {
            "items-" + g.entry.slug: items_table(
                g.open_items[:LISTING_LIMIT],
                links,
                caption=f"Open action items of {esc(g.entry.label)}",
            )
            for g in groups
        }

    return Body(markdown, parts, tables)


def closed_items_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/closed.md``: done and won't-do items, newest postmortem first."""
    refs = index.closed_items

    def parts(links: Links) -> dict[str, str]:
        count = plural(len(refs), "closed action item")
        intro = paragraph(f"{count} (done or won't do), newest postmortem first.")
        return {"intro": intro + _capped(len(refs), "closed items", links)}

    def tables(links: Links) -> dict[str, str]:
        closed = items_table(
            refs[:LISTING_LIMIT],
            links,
            "No closed action items yet.",
            caption="Closed action items",
        )
        return {"table": closed}

    return Body(_lines("# Closed action items", mark("intro"), mark("table")), parts, tables)


def needs_attention_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``needs-attention.md``: overdue and stale reviews, postmortems with problems."""
    markdown = _lines(
        "# Needs attention",
        "Postmortems waiting too long for review, and postmortems with problems found by\n"
        "`postmortem check`. Nothing is dropped from the site: these pages are published as "
        "they are.",
        "## Review policies",
        mark("policies"),
        mark("policies-table"),
        "## Waiting for review",
        mark("stale"),
        mark("stale-table"),
        "## With problems",
        mark("problems"),
        mark("problems-table"),
        "## Imported postmortems",
        mark("imported"),
        mark("imported-table"),
    )
    broken = index.with_problems()
    imported = [pm for pm in index.postmortems if pm.meta and pm.meta.imported]

    def parts(links: Links) -> dict[str, str]:
        stale = paragraph(
            f"{plural(len(index.stale), 'postmortem')} in draft or in review for more than "
            f"{settings.stale_after_days} days after the incident."
        )
        if not index.stale:
            stale += paragraph("None: every draft and review is recent.")
        problems = paragraph(f"{plural(len(broken), 'postmortem')} with errors or warnings.")
        if not broken:
            problems += paragraph("None: every postmortem passes <code>postmortem check</code>.")
        policies = attention_summary(index, links)
        with_gaps = sum(1 for pm in imported if gaps(pm.findings))
        brought = paragraph(
            f"{plural(len(imported), 'postmortem')} brought in with <code>postmortem "
            f"import</code>, {with_gaps} with gaps to fill in. What an import cannot know "
            "(severity, causes, sections, wording of its time) is a note for them, not an "
            "error: fill it in when you can."
        )
        return {"stale": stale, "problems": problems, "policies": policies, "imported": brought}

    def tables(links: Links) -> dict[str, str]:
        found = {"policies-table": attention_table(index, links)}
        if index.stale:
            rows = []
            for pm, age in index.stale:
                assert pm.meta is not None
                rows.append(
                    (
                        links.postmortem(pm),
                        status_badge(pm.meta.status),
                        str(pm.meta.date),
                        str(age),
                        ", ".join(esc(a) for a in pm.meta.authors),
                    )
                )
            headers = ("Postmortem", "Status", "Date", "Days waiting", "Authors")
            found["stale-table"] = table(headers, rows, caption="Postmortems waiting for review")
        if broken:
            rows = []
            for pm in broken:
                shown = [f for f in pm.findings if f.level.value != "info"]
                errors = sum(1 for f in shown if f.level.value == "error")
                first = shown[0]
                rows.append(
                    (
                        links.postmortem(pm),
                        esc(pm.path),
                        str(errors),
                        str(len(shown) - errors),
                        f"line {first.line}: {esc(first.message)} (<code>{esc(first.rule)}</code>)",
                    )
                )
            headers = ("Postmortem", "File", "Errors", "Warnings", "First problem")
            found["problems-table"] = table(headers, rows, caption="Postmortems with problems")
        filling = [
            (links.postmortem(pm), esc(pm.path), str(len(lacking)), _first_gaps(lacking))
            for pm in imported
            if (lacking := gaps(pm.findings))
        ]
        if filling:
            columns = ("Postmortem", "File", "Gaps", "To fill in")
            found["imported-table"] = table(
                columns, filling, caption="Imported postmortems with gaps"
            )
        return found

    return Body(markdown, parts, tables)


def _first_gaps(found: list[Finding], shown: int = 3) -> str:
    """The first gaps, one per line, and how many more."""
    lines = [
        f"line {f.line}: {esc(f.message.removesuffix(GAP_NOTE))} (<code>{esc(f.rule)}</code>)"
        for f in found[:shown]
    ]
    if len(found) > shown:
        lines.append(f"and {len(found) - shown} more")
    return "<br>".join(lines)


def group_page(group: Group, index: Index, settings: Settings, mark: Mark) -> Body:
    """The page of one service or cause.

    Search finds it by a line of its figures ("payments-api — owner team-payments — 5
    postmortems, 3 SEV1/SEV2, last incident 2026-03-14 — ...") and one line per cause (or
    service) that hit it; the page shows them as tables.
    """
    entry = group.entry
    service = entry.kind == SERVICE
    counterpart = "causes" if service else "services"
    markdown = _lines(
        f"# {md_text(entry.label)}",
        mark("summary"),
        mark("figures"),
        "## Postmortems",
        mark("postmortems"),
        "## Open action items",
        mark("items"),
        "## Causes that hit it most" if service else "## Services affected",
        mark("counterparts"),
    )
    severe = _severe_label(settings)
    counts = top_counterparts(group, counterpart)
    other = CAUSE if service else SERVICE
    empty = f"No postmortems name this {entry.kind} yet."
    label = esc(entry.label)

    def parts(links: Links) -> dict[str, str]:
        summary = ""
        if group.recurring:
            summary += admonition(
                "warning",
                "Recurring",
                paragraph(
                    f"{plural(len(group.postmortems), 'postmortem')} name this cause; at least "
                    f"{settings.recurrence_count} fall within {settings.recurrence_days} days."
                ),
            )
        if entry.catalog and entry.catalog.description:
            summary += paragraph(esc(entry.catalog.description))
        return {"summary": summary}

    def tables(links: Links) -> dict[str, str]:
        headers = [f"{'Service' if service else 'Cause'} id"]
        cells = [esc(entry.value)]
        if service:
            headers.append("Owner")
            cells.append(links.owner_with_team(entry.catalog.owner if entry.catalog else None))
        headers += [
            "Postmortems",
            esc(severe),
            "Last incident",
            "Open action items",
            "Median time to resolve",
        ]
        cells += [
            str(len(group.postmortems)),
            str(group.severe_count),
            dash(group.last_incident),
            _open_count(group),
            optional_duration(group.median_time_to_resolve),
        ]
        counterparts = (
            table(
                ("Cause" if service else "Service", "Postmortems"),
                ((links.entry(other, value), str(count)) for value, count in counts),
                caption=f"{counterpart.capitalize()} of {label}, most postmortems first",
            )
            if counts
            else paragraph("None recorded.")
        )
        return {
            "figures": table(headers, [cells], caption=f"{label} in figures"),
            "postmortems": postmortems_table(
                group.postmortems, links, empty, caption=f"Postmortems of {label}"
            ),
            "items": items_table(group.open_items, links, caption=f"Open action items of {label}"),
            "counterparts": counterparts,
        }

    def searched(links: Links) -> dict[str, str]:
        postmortems = len(group.postmortems)
        lines = (
            f"<li>{esc(index.entry(other, value).label)} — {plural(count, 'postmortem')}</li>"
            for value, count in counts
        )
        return {
            "figures": paragraph(esc(_figures_line(group, severe))),
            "postmortems": paragraph(
                esc(f"{plural(postmortems, 'postmortem')}, newest first.")
                if postmortems
                else esc(empty)
            ),
            "items": paragraph(esc(_items_line(group))),
            "counterparts": f"<ul>{''.join(lines)}</ul>\n"
            if counts
            else paragraph("None recorded."),
        }

    return Body(markdown, parts, tables, searched)


def _figures_line(group: Group, severe: str) -> str:
    """The figures of a service or cause as one line of text."""
    entry = group.entry
    facts = [entry.value]
    owner = entry.catalog.owner if entry.catalog else None
    if entry.kind == SERVICE and owner:
        facts.append(f"owner {owner}")
    if group.postmortems:
        facts.append(
            f"{plural(len(group.postmortems), 'postmortem')}, {group.severe_count} {severe}, "
            f"last incident {group.last_incident}"
        )
    else:
        facts.append("no postmortems yet")
    facts.append(_items_line(group).rstrip("."))
    if group.median_time_to_resolve is not None:
        facts.append(f"median time to resolve {duration(group.median_time_to_resolve)}")
    return " — ".join(facts) + "."


def _items_line(group: Group) -> str:
    """``7 open action items, 1 overdue.``"""
    count = plural(len(group.open_items), "open action item")
    return f"{count}, {group.overdue_count} overdue." if group.overdue_count else f"{count}."


def _owner_teams(owner: str, index: Index, links: Links) -> str:
    """Where an owner belongs in ``teams.yml``: its team, or a person's page and teams."""
    teams = links.teams_of(owner)
    if not teams:
        return ""
    person = index.person(owner)
    if person is not None:
        return paragraph(f"{links.entry(PERSON, owner)} is a member of {teams}.")
    team = index.team(owner)
    if team is not None and team.team.id != owner:
        return paragraph(f"<code>{esc(owner)}</code> is another name of the team {teams}.")
    return paragraph(f"The team's page: {teams}.")


def owner_page(group: Group, index: Index, settings: Settings, mark: Mark) -> Body:
    """The page of one action-item owner: open and closed items (search reads the counts)."""
    owner = group.entry.value
    markdown = _lines(
        f"# {md_text(owner)}",
        mark("summary"),
        mark("calendar"),
        "## Open",
        mark("open"),
        "## Closed",
        mark("closed"),
    )

    def parts(links: Links) -> dict[str, str]:
        summary = paragraph(
            f"Action items owned by {esc(owner)}: {len(group.open_items)} open "
            f"({group.overdue_count} overdue on {index.today}), {len(group.closed_items)} closed."
        )
        return {"summary": summary + _owner_teams(owner, index, links)}

    def tables(links: Links) -> dict[str, str]:
        # After search indexing, like every table: the same words on every owner page.
        what = f"the open action items owned by {esc(owner)}"
        return {
            "calendar": subscribe_hint(links, group.entry.calendar, what),
            "open": items_table(
                group.open_items, links, caption=f"Open action items of {esc(owner)}"
            ),
            "closed": items_table(
                group.closed_items,
                links,
                "No closed action items.",
                caption=f"Closed action items of {esc(owner)}",
            ),
        }

    def searched(links: Links) -> dict[str, str]:
        closed = plural(len(group.closed_items), "closed action item")
        return {"open": paragraph(esc(_items_line(group))), "closed": paragraph(f"{closed}.")}

    return Body(markdown, parts, tables, searched)
