"""Listing, service, cause and owner pages.

Each page is a ``Body``: Markdown with its headings (so the table of contents works) and
named markers, and a function that renders the HTML for each marker from the index.
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from postmortem_kb.archive.index import CAUSE, OWNER, SERVICE, Group, Index
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import plural
from postmortem_kb.site.html import (
    Body,
    Links,
    Mark,
    admonition,
    dash,
    esc,
    items_table,
    md_text,
    optional_duration,
    paragraph,
    postmortems_table,
    severity_badge,
    status_badge,
    table,
)

# Listings longer than this show the first rows and point to the exports and the owner and
# service pages: a page of tens of thousands of rows helps nobody and costs every build.
LISTING_LIMIT = 1000


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
    """``postmortems/index.md``: every postmortem by year, with the filter on top."""
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
        found = {"intro": intro}
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
                        status_badge(pm.meta.status),
                    )
                )
            headers = ("Date", "Postmortem", "Severity", "Services", "Causes", "Status")
            found["year-" + year] = paragraph(plural(len(postmortems), "postmortem") + ".") + table(
                headers, rows
            )
        return found

    return Body(markdown, parts)


def services_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``services/index.md``: every service with its figures."""
    severe = _severe_label(settings)

    def parts(links: Links) -> dict[str, str]:
        groups = index.services
        intro = paragraph(
            f"{plural(len(groups), 'service')}. Each page lists the service's postmortems, its "
            "open action items and the causes that hit it most."
        )
        if not groups:
            return {
                "body": intro
                + paragraph(
                    "No services yet: they appear when a postmortem names them, or when "
                    "<code>services.yml</code> lists them."
                )
            }
        rows = (
            (
                links.entry(SERVICE, g.entry.value),
                dash(g.entry.catalog.owner if g.entry.catalog else None),
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
        return {"body": intro + table(headers, rows)}

    return Body(_lines("# Services", mark("body")), parts)


def causes_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``causes/index.md``: every cause, recurring ones marked."""
    severe = _severe_label(settings)

    def parts(links: Links) -> dict[str, str]:
        groups = index.causes
        intro = paragraph(
            f"{plural(len(groups), 'cause')}. A cause is <strong>recurring</strong> when "
            f"{settings.recurrence_count} or more postmortems name it within "
            f"{settings.recurrence_days} days."
        )
        if not groups:
            return {
                "body": intro
                + paragraph(
                    "No causes yet: they appear when a postmortem names them, or when "
                    "<code>causes.yml</code> lists them."
                )
            }
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
        return {"body": intro + table(headers, rows)}

    return Body(_lines("# Causes", mark("body")), parts)


def open_items_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/index.md``: open items, overdue first."""

    def parts(links: Links) -> dict[str, str]:
        refs = index.open_items
        overdue = sum(1 for ref in refs if ref.overdue)
        intro = paragraph(
            f"{plural(len(refs), 'open action item')}, {overdue} overdue on {index.today}. "
            f"Overdue items come first, then by due date. Also by "
            f'<a href="{links.url("action-items/owners/index.md")}">owner</a>, by '
            f'<a href="{links.url("action-items/services.md")}">service</a>, and the '
            f'<a href="{links.url("action-items/closed.md")}">closed items</a>. '
            f'Machine-readable: <a href="{links.file("action-items.json")}">action-items.json</a>, '
            f'<a href="{links.file("action-items.csv")}">action-items.csv</a>.'
        )
        shown = refs[:LISTING_LIMIT]
        return {"body": intro + _capped(len(refs), "open items", links) + items_table(shown, links)}

    return Body(_lines("# Open action items", mark("body")), parts)


def owners_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/owners/index.md``: every owner with counts."""

    def parts(links: Links) -> dict[str, str]:
        owners = index.owners
        intro = paragraph(
            f"{plural(len(owners), 'owner')}. Each owner's page lists their open and closed items."
        )
        if not owners:
            return {"body": intro + paragraph("No action items yet.")}
        rows = []
        for g in owners:
            dues = [ref.item.due for ref in g.open_items if ref.item.due]
            rows.append(
                (
                    links.entry(OWNER, g.entry.value),
                    str(len(g.open_items)),
                    str(g.overdue_count),
                    str(len(g.closed_items)),
                    dash(min(dues) if dues else None),
                )
            )
        return {"body": intro + table(("Owner", "Open", "Overdue", "Closed", "Next due"), rows)}

    return Body(_lines("# Action items by owner", mark("body")), parts)


def items_by_service_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/services.md``: open items under each service."""
    groups = [g for g in index.services if g.open_items]
    sections = [f"## {md_text(g.entry.label)}\n\n{mark('service-' + g.entry.slug)}" for g in groups]
    markdown = _lines("# Open action items by service", mark("intro"), *sections)

    def parts(links: Links) -> dict[str, str]:
        intro = paragraph(
            f"{plural(len(groups), 'service')} with open action items. An item appears under "
            "every service of its postmortem."
        )
        found = {"intro": intro if groups else intro + paragraph("No open action items.")}
        for g in groups:
            summary = paragraph(
                f"{plural(len(g.open_items), 'open item')}, {g.overdue_count} overdue. "
                f'<a href="{links.url(g.entry.uri)}">Service page</a>.'
            )
            shown = g.open_items[:LISTING_LIMIT]
            found["service-" + g.entry.slug] = (
                summary
                + _capped(len(g.open_items), "open items", links)
                + items_table(shown, links)
            )
        return found

    return Body(markdown, parts)


def closed_items_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``action-items/closed.md``: done and won't-do items, newest postmortem first."""

    def parts(links: Links) -> dict[str, str]:
        refs = index.closed_items
        count = plural(len(refs), "closed action item")
        intro = paragraph(f"{count} (done or won't do), newest postmortem first.")
        table_html = items_table(refs[:LISTING_LIMIT], links, "No closed action items yet.")
        return {"body": intro + _capped(len(refs), "closed items", links) + table_html}

    return Body(_lines("# Closed action items", mark("body")), parts)


def needs_attention_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``needs-attention.md``: stale reviews and postmortems with problems."""
    markdown = _lines(
        "# Needs attention",
        "Postmortems waiting too long for review, and postmortems with problems found by\n"
        "`postmortem check`. Nothing is dropped from the site: these pages are published as "
        "they are.",
        "## Waiting for review",
        mark("stale"),
        "## With problems",
        mark("problems"),
    )

    def parts(links: Links) -> dict[str, str]:
        stale = paragraph(
            f"{plural(len(index.stale), 'postmortem')} in draft or in review for more than "
            f"{settings.stale_after_days} days after the incident."
        )
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
            stale += table(("Postmortem", "Status", "Date", "Days waiting", "Authors"), rows)
        else:
            stale += paragraph("None: every draft and review is recent.")
        broken = index.with_problems()
        problems = paragraph(f"{plural(len(broken), 'postmortem')} with errors or warnings.")
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
            problems += table(headers, rows)
        else:
            problems += paragraph("None: every postmortem passes <code>postmortem check</code>.")
        return {"stale": stale, "problems": problems}

    return Body(markdown, parts)


def group_page(group: Group, index: Index, settings: Settings, mark: Mark) -> Body:
    """The page of one service or cause."""
    entry = group.entry
    service = entry.kind == SERVICE
    counterpart = "causes" if service else "services"
    markdown = _lines(
        f"# {md_text(entry.label)}",
        mark("summary"),
        "## Postmortems",
        mark("postmortems"),
        "## Open action items",
        mark("items"),
        "## Causes that hit it most" if service else "## Services affected",
        mark("counterparts"),
    )

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
        severe = esc(_severe_label(settings))
        headers = [f"{'Service' if service else 'Cause'} id"]
        cells = [esc(entry.value)]
        if service:
            headers.append("Owner")
            cells.append(dash(entry.catalog.owner if entry.catalog else None))
        headers += [
            "Postmortems",
            severe,
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
        summary += table(headers, [cells])
        counts = top_counterparts(group, counterpart)
        other = CAUSE if service else SERVICE
        counterparts = (
            table(
                ("Cause" if service else "Service", "Postmortems"),
                ((links.entry(other, value), str(count)) for value, count in counts),
            )
            if counts
            else paragraph("None recorded.")
        )
        return {"summary": summary, "counterparts": counterparts}

    def lists(links: Links) -> dict[str, str]:
        """The long lists, put in after search has indexed the page's figures."""
        empty = f"No postmortems name this {entry.kind} yet."
        return {
            "postmortems": postmortems_table(group.postmortems, links, empty),
            "items": items_table(group.open_items, links),
        }

    return Body(markdown, parts, lists)


def owner_page(group: Group, index: Index, settings: Settings, mark: Mark) -> Body:
    """The page of one action-item owner: open and closed items."""
    owner = group.entry.value
    markdown = _lines(
        f"# {md_text(owner)}", mark("summary"), "## Open", mark("open"), "## Closed", mark("closed")
    )

    def parts(links: Links) -> dict[str, str]:
        summary = paragraph(
            f"Action items owned by {esc(owner)}: {len(group.open_items)} open "
            f"({group.overdue_count} overdue on {index.today}), {len(group.closed_items)} closed."
        )
        return {
            "summary": summary,
            "open": items_table(group.open_items, links),
            "closed": items_table(group.closed_items, links, "No closed action items."),
        }

    return Body(markdown, parts)
