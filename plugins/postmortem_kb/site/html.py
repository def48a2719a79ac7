"""HTML building blocks for generated content: escaped text, links, badges, tables.

Generated tables and cards are written as HTML and put into pages after MkDocs has
converted their Markdown: Python-Markdown's inline processing of large generated tables
cost several times MkDocs' own build. Every value from front matter goes through ``esc``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from postmortem_kb.archive.index import TEAM, Entry, Index, ItemRef
from postmortem_kb.archive.urls import (
    absolute_url,
    base_of,
    page_url,
    postmortem_uri,
    relative_url,
)
from postmortem_kb.model.front_matter import NO_OWNER, NO_SEVERITY, ActionItem, FrontMatter
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.text import anchor, css_class, plural
from postmortem_kb.model.tracker import tracker_link


def esc(value: object) -> str:
    """Escape a value as one line of HTML text, safe in attributes too (also page titles,
    which themes print verbatim)."""
    return _escape_text(str(value))


@lru_cache(maxsize=4096)  # names, services and dates recur across thousands of rows
def _escape_text(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


# Characters that start inline markup. Values only follow a heading's "# " in generated
# Markdown, so block markers (# - + . !) need no escape; < > & are HTML-escaped instead.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|])")


def md_text(value: object) -> str:
    """Escape a value for Markdown inline text: no markup, no HTML, one line."""
    return esc(_MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split())))


def safe_url(url: str) -> str | None:
    """Return an http(s) URL safe to put in a link, or None."""
    if not url.lower().startswith(("https://", "http://")):
        return None
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._")


def duration(delta: dt.timedelta) -> str:
    """Render a duration as ``8 min``, ``2 h 18 min`` or ``3 d 4 h``."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def timestamp(moment: dt.datetime) -> str:
    """Render a timestamp in its own offset, e.g. ``2026-03-14 09:12 UTC``."""
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
    return f"{moment:%Y-%m-%d %H:%M} {zone}"


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], *, caption: str) -> str:
    """A table of cells that are HTML already (the headers are plain words), named by its
    ``caption`` (HTML) for assistive technology."""
    body = "".join("<tr><td>" + "</td><td>".join(row) + "</td></tr>\n" for row in rows)
    return _table_of_rows(headers, body, caption)


def _table_of_rows(headers: Iterable[str], body: str, caption: str) -> str:
    head = "".join(f'<th scope="col">{header}</th>' for header in headers)
    return (
        f"<table>\n{table_caption(caption)}<thead>\n<tr>{head}</tr>\n</thead>\n"
        f"<tbody>\n{body}</tbody>\n</table>\n"
    )


def table_caption(caption: str) -> str:
    """A table's caption: read by screen readers, hidden on screen (a heading or a sentence
    above the table says the same)."""
    return f'<caption class="pm-sr-only">{caption}</caption>\n'


def paragraph(text: str) -> str:
    """A paragraph of generated HTML text (its links are underlined, see the CSS)."""
    return f'<p class="pm-text">{text}</p>\n'


def hidden(text: str) -> str:
    """Text for screen readers only, e.g. the word that makes a badge a phrase."""
    return f'<span class="pm-sr-only">{text}</span>'


def admonition(kind: str, title: str, body: str) -> str:
    """The markup of Python-Markdown's admonition extension, so the theme styles it alike."""
    return (
        f'<div class="admonition {kind}">\n<p class="admonition-title">{title}</p>\n{body}</div>\n'
    )


def heading(level: int, ident: str, text: str) -> str:
    """A heading with the permalink the ``toc`` extension gives Markdown headings."""
    link = f'<a class="headerlink" href="#{ident}" title="Permanent link">&para;</a>'
    return f'<h{level} id="{ident}">{text}{link}</h{level}>\n'


def severity_badge(meta: FrontMatter) -> str:
    """The severity as a coloured badge."""
    severity = meta.severity or NO_SEVERITY
    return (
        f'<span class="pm-badge pm-severity pm-severity-{css_class(severity)}">'
        f"{hidden('severity ')}{esc(severity)}</span>"
    )


def imported_badge(meta: FrontMatter) -> str:
    """ "imported" for a postmortem brought in by ``postmortem import``, else nothing."""
    return ' <span class="pm-badge pm-imported">imported</span>' if meta.imported else ""


def status_badge(status: str) -> str:
    """A postmortem status (draft, in review, published) as a badge."""
    return (
        f'<span class="pm-badge pm-status pm-status-{css_class(status)}">'
        f"{hidden('status ')}{esc(status)}</span>"
    )


def item_status(ref: ItemRef) -> str:
    """An action item's status, with how long it is overdue."""
    status = esc(ref.item.status)
    badge = f'<span class="pm-badge pm-item-{status}">{hidden("status ")}{status}</span>'
    if ref.overdue:
        badge += " " + overdue_badge(ref.days_overdue)
    return badge


def overdue_badge(days: int) -> str:
    """How long something is overdue, as a badge: ``overdue by 12 days``."""
    return f'<span class="pm-badge pm-overdue">overdue by {plural(days, "day")}</span>'


def tracker(item: ActionItem, jira_url: str | None = None) -> str:
    """An item's tracker link under its short label (``org/repo#123``, ``PAY-12``) with the
    full URL in ``href``; a value that leads nowhere safe (a Jira key without ``jira_url``)
    is shown as text, and no link as an em dash."""
    if not item.link:
        return "—"
    found = tracker_link(item.link, jira_url)
    url = safe_url(found.url) if found.url else None
    if url is None:
        return f'<span class="pm-tracker">{esc(found.label)}</span>'
    return (
        f'<a class="pm-tracker" href="{esc(url)}" rel="noopener noreferrer">{esc(found.label)}</a>'
    )


def item_details(item: ActionItem, jira_url: str | None = None) -> str:
    """Priority, type and tracker link under an item's title."""
    details = [esc(value) for value in (item.priority, item.type) if value]
    if item.link:
        details.append(tracker(item, jira_url))
    return f'<br><small class="pm-details">{" · ".join(details)}</small>' if details else ""


def subscribe_hint(links: Links, calendar: str, what: str) -> str:
    """A "subscribe" hint linking to a calendar of the site (``teams/payments.ics``) of the
    open action items ``what`` names ("the team's open action items").

    With ``site_url`` the link is the calendar's full address, shown as it is to copy into
    a calendar app; without, a relative link named by the file.
    """
    if links.site_url:
        href = esc(absolute_url(quote(calendar), links.site_url))
        shown = f"<code>{href}</code>"
    else:
        href, shown = links.file(calendar), esc(calendar.rsplit("/", 1)[-1])
    return admonition(
        "tip pm-subscribe",
        "Subscribe to the due dates",
        paragraph(
            f'<a class="pm-calendar" href="{href}">{shown}</a>: {what} that '
            "have a due date, as a calendar. Add this URL to your calendar app to get each "
            "due date (copy the link, then subscribe to a calendar &ldquo;from URL&rdquo;); "
            "it follows the site as it is rebuilt."
        ),
    )


def dash(value: object) -> str:
    """An escaped value, or an em dash when there is none."""
    return esc(value) if value not in (None, "") else "—"


class Links:
    """Relative links from the page at ``url`` to generated pages and files.

    Pages in sibling folders (``postmortems/a/`` and ``postmortems/b/``) share a ``cache``:
    a link or a table row rendered for one of them is right for the others, and every
    postmortem page lists items of other postmortems.
    """

    def __init__(
        self,
        index: Index | None,
        url: str,
        directory_urls: bool,
        cache: dict[object, str] | None = None,
        jira_url: str | None = None,
        site_url: str | None = None,
    ) -> None:
        self.index = index
        self.base = base_of(url)
        self.directory_urls = directory_urls
        self.cache: dict[object, str] = {} if cache is None else cache
        self.jira_url = jira_url  # tracker links that are Jira keys point there
        self.site_url = site_url  # for addresses used outside the site (calendar apps)

    def url(self, uri: str) -> str:
        """The relative URL of the page at ``uri`` (``services/index.md``)."""
        return self.file(page_url(uri, self.directory_urls))

    def file(self, path: str) -> str:
        """The relative URL of a file of the site, e.g. ``action-items.json``."""
        return relative_url(quote(path), self.base)

    def postmortem(self, pm: Postmortem, fragment: str = "") -> str:
        """A link to a postmortem page, named by its title."""
        key = ("postmortem", pm.slug, fragment)
        if key not in self.cache:
            href = self.url(postmortem_uri(pm.slug)) + fragment
            self.cache[key] = f'<a href="{href}">{esc(pm.title)}</a>'
        return self.cache[key]

    def entry(self, kind: str, value: str) -> str:
        """A link to the page of a service, cause or owner, named by its label."""
        key = (kind, value)
        if key not in self.cache:
            assert self.index is not None
            found: Entry = self.index.entry(kind, value)
            self.cache[key] = f'<a href="{self.url(found.uri)}">{esc(found.label)}</a>'
        return self.cache[key]

    def owner(self, owner: str | None) -> str:
        """A link to an action-item owner's page, or "no owner" (imported items)."""
        return esc(NO_OWNER) if owner is None else self.entry("owner", owner)

    def entries(self, kind: str, values: Iterable[str]) -> str:
        """Comma-separated links to the pages of several values, or an em dash."""
        return ", ".join(self.entry(kind, value) for value in values) or "—"

    def teams_of(self, owner: str) -> str:
        """Comma-separated links to the pages of the teams an owner stands for (the team
        it names, or a person's teams, from ``teams.yml``); empty when there are none."""
        key = ("teams-of", owner)
        if key not in self.cache:
            teams = self.index.teams_of_owner(owner) if self.index else []
            self.cache[key] = ", ".join(self.entry(TEAM, t.entry.value) for t in teams)
        return self.cache[key]

    def owner_with_team(self, owner: str | None) -> str:
        """An owner value (a service's in ``services.yml``) as a link to its team's page when
        it names a team, else as text (or an em dash)."""
        team = self.index.team(owner) if self.index is not None and owner else None
        return self.entry(TEAM, team.entry.value) if team is not None else dash(owner)


def _item_row(ref: ItemRef, links: Links) -> str:
    key = ("item-row", id(ref))  # the index keeps every ref alive for the whole build
    if key not in links.cache:
        cells = (
            dash(ref.item.due),
            item_status(ref),
            esc(ref.item.title) + item_details(ref.item, links.jira_url),
            links.owner(ref.item.owner),
            links.entries("service", ref.services),
            f"{links.postmortem(ref.postmortem, '#' + anchor(ref.item.id))} ({esc(ref.item.id)})",
        )
        links.cache[key] = "<tr><td>" + "</td><td>".join(cells) + "</td></tr>\n"
    return links.cache[key]


def items_table(
    refs: list[ItemRef], links: Links, empty: str = "No open action items.", *, caption: str
) -> str:
    """Action items across postmortems: due, status, title, owner, services, postmortem."""
    if not refs:
        return paragraph(empty)
    headers = ("Due", "Status", "Action item", "Owner", "Services", "Postmortem")
    return _table_of_rows(headers, "".join(_item_row(ref, links) for ref in refs), caption)


def postmortems_table(
    postmortems: list[Postmortem], links: Links, empty: str = "No postmortems.", *, caption: str
) -> str:
    """Postmortems with date, severity, causes, time to resolve and status."""
    if not postmortems:
        return paragraph(empty)
    headers = ("Date", "Postmortem", "Severity", "Causes", "Duration", "Status")
    rows = "".join(_postmortem_row(pm, links) for pm in postmortems)
    return _table_of_rows(headers, rows, caption)


def _postmortem_row(pm: Postmortem, links: Links) -> str:
    key = ("postmortem-row", pm.slug)
    if key not in links.cache:
        assert pm.meta is not None
        resolve = pm.durations.get("resolve")
        cells = (
            str(pm.meta.date),
            links.postmortem(pm),
            severity_badge(pm.meta),
            links.entries("cause", pm.meta.causes),
            duration(resolve) if resolve else "—",
            status_badge(pm.meta.status),
        )
        links.cache[key] = "<tr><td>" + "</td><td>".join(cells) + "</td></tr>\n"
    return links.cache[key]


def optional_duration(delta: dt.timedelta | None) -> str:
    """A duration, or an em dash."""
    return duration(delta) if delta is not None else "—"


Mark = Callable[[str], str]  # the marker put in a page where a named part goes


@dataclass(frozen=True)
class Markers:
    """Named places for HTML in a page: comments with a random part no author can guess.

    A place can hold text for search until its HTML comes (``searched``): the search plugin
    indexes a readable line where the page shows a table.
    """

    nonce: str

    def __call__(self, name: str) -> str:
        return f"<!-- pmkb-{self.nonce}:{name} -->"

    def searched(self, name: str, text: str) -> str:
        """``text`` at the place ``name``, until ``fill`` puts the place's HTML there."""
        return (
            f"<!-- pmkb-{self.nonce}:{name}:search -->{text}<!-- pmkb-{self.nonce}:{name}:end -->"
        )

    def fill(self, text: str, parts: dict[str, str], *, final: bool = False) -> str:
        """Replace the markers named in ``parts``; others stay for later, or go when final
        (the text of a searched place then stays, without its markers)."""
        if ":search -->" in text:
            marker = f"<!-- pmkb-{self.nonce}:"
            text = re.sub(
                rf"{marker}([\w-]+):search -->(.*?){marker}\1:end -->",
                lambda m: parts.get(m.group(1), m.group(2) if final else m.group(0)),
                text,
                flags=re.DOTALL,
            )
        return re.sub(
            rf"<!-- pmkb-{self.nonce}:([\w-]+) -->",
            lambda m: parts.get(m.group(1), "" if final else m.group(0)),
            text,
        )


Parts = Callable[[Links], dict[str, str]]


@dataclass(frozen=True)
class Body:
    """A generated page: Markdown with markers, and the HTML that replaces them.

    ``parts`` go in before the search plugin indexes the page, ``later`` parts after it.
    ``searched`` gives search a readable line where a ``later`` part will be (a table's
    cells run together in the index: "Service idOwner... payments-apiteam-payments53").
    """

    markdown: str
    parts: Parts
    later: Parts | None = None
    searched: Parts | None = None
