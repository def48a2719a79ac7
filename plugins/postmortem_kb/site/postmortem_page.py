"""The page of one postmortem: the author's Markdown, with HTML around it.

MkDocs converts only the body, exactly as written (the theme prints the title): generated
parts cost no Markdown processing. The card and the action-item summary go before the body
and are searchable; the tables and the cross-links to other postmortems are put in after
the search plugin has indexed the page (at markers), so a search for a phrase finds the
postmortem that says it, not its neighbours, and the index stays small.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import yaml

from postmortem_kb.archive.index import Index, ItemRef
from postmortem_kb.archive.relevance import Match, Ranked
from postmortem_kb.check.imported import gaps
from postmortem_kb.model.findings import Level, sort_key
from postmortem_kb.model.front_matter import NO_OWNER
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import anchor, plural, unique
from postmortem_kb.site.html import (
    Links,
    Mark,
    Markers,
    admonition,
    dash,
    duration,
    esc,
    heading,
    hidden,
    imported_badge,
    item_details,
    items_table,
    overdue_badge,
    paragraph,
    severity_badge,
    status_badge,
    table,
    timestamp,
)

TIMES, ITEMS, EARLIER, RELATED = "times", "items", "earlier", "related"
ARCHIVE = "postmortems/index.md"
ID_ATTRIBUTE = re.compile(r'\sid="([^"]*)"')


@dataclass(frozen=True)
class PostmortemHtml:
    """What goes around a postmortem's converted body, and the headings it adds."""

    searched: str  # what the search index gets before the body: the card as plain text
    before: str  # what the page shows before the body
    after: str  # markers only
    later: dict[str, str]  # by marker name, put in after search
    headings_before: list[tuple[str, str]]  # (id, title) of level-2 headings before the body
    headings_after: list[tuple[str, str]]  # and after it

    @property
    def headings(self) -> list[tuple[str, str]]:
        """Every heading the HTML adds."""
        return [*self.headings_before, *self.headings_after]

    def card(self, markers: Markers) -> str:
        """What the page shows before the body, every place in it filled."""
        return markers.fill(self.before, self.later, final=True)

    def page(self, title: str, body: str, markers: Markers) -> str:
        """The whole content of the page: the title, the card, ``body`` (the author's
        converted and sanitised Markdown) and what follows it, every place filled."""
        after = markers.fill(self.after, self.later, final=True)
        return f"<h1>{esc(title)}</h1>\n{self.card(markers)}{body}\n{after}"


def ids_in(html: str) -> set[str]:
    """Every element id of an HTML fragment (headings, attribute lists, footnotes...): the
    ids the headings the page adds must avoid."""
    return set(ID_ATTRIBUTE.findall(html))


def postmortem_html(
    pm: Postmortem,
    index: Index,
    settings: Settings,
    links: Links,
    mark: Mark,
    taken: set[str],
) -> PostmortemHtml:
    """The HTML of a postmortem page; heading ids avoid ``taken`` (the body's own ids)."""
    headings: list[tuple[str, str]] = []  # before the body, then after it

    def add_heading(ident: str, title: str) -> str:
        free = unique(ident, taken, "_", 1)  # the toc extension's way with duplicate ids
        taken.add(free)
        headings.append((free, title))
        return heading(2, free, title)

    before = _banners(pm) + _imported(pm, links) + _problems(pm) + _card(pm, links, mark)
    later = {}
    if pm.meta is not None:
        before += add_heading("action-items", "Action items")
        before += _items_summary(pm) + mark(ITEMS)
        later[TIMES] = _times(pm)
        later[ITEMS] = _items(pm, index, links)
    # The author's text comes first; what the archive adds to it follows.
    count_before = len(headings)
    earlier = index.earlier_open.get(pm.slug, [])
    if pm.meta is not None and earlier:
        title = "Still open from earlier incidents"
        later[EARLIER] = add_heading("still-open-from-earlier-incidents", title) + _earlier(
            pm, earlier, index, links
        )
    related = _related(pm, index, links)
    if related:
        later[RELATED] = add_heading("related-postmortems", "Related postmortems") + related
    return PostmortemHtml(
        _search_text(pm, index),
        before,
        mark(EARLIER) + mark(RELATED),
        later,
        headings[:count_before],
        headings[count_before:],
    )


def _search_text(pm: Postmortem, index: Index) -> str:
    """The card as one paragraph of text: what search finds a postmortem by, besides its body.

    Search parses every tag of a page; this keeps the index small and indexing cheap.
    """
    meta = pm.meta
    if meta is None:
        return ""
    resolve = pm.durations.get("resolve")
    facts = [
        f"{meta.severity}, {meta.status}"
        + (f", resolved in {duration(resolve)}" if resolve else "")
    ]
    for name, values in (
        ("Services", [index.entry("service", value).label for value in meta.services]),
        ("Causes", [index.entry("cause", value).label for value in meta.causes]),
        ("Authors", meta.authors),
        ("Participants", meta.participants),
        ("Action-item owners", list(dict.fromkeys(i.owner or NO_OWNER for i in meta.action_items))),
        ("Tags", meta.tags),
    ):
        if values:
            facts.append(f"{name}: {', '.join(values)}")
    return paragraph(esc(". ".join(facts) + "."))


def _banners(pm: Postmortem) -> str:
    if pm.status == "draft":
        text = (
            "This postmortem is a draft. It has not been reviewed yet, and its analysis and "
            "action items may change."
        )
        return admonition("warning", "Draft", paragraph(text))
    if pm.status == "in-review":
        text = "This postmortem is being reviewed. Its analysis and action items may still change."
        return admonition("info", "In review", paragraph(text))
    return ""


def _imported(pm: Postmortem, links: Links) -> str:
    """Where an imported postmortem came from, its gaps, and the fields kept from it."""
    meta = pm.meta
    if meta is None or not meta.imported:
        return ""
    origin = f" from <code>{esc(meta.imported_from.path)}</code>" if meta.imported_from else ""
    found = gaps(pm.findings)
    text = (
        f"Imported{origin} by <code>postmortem import</code>: written before this archive's "
        "review process, so the review-meeting and stakeholder rules do not apply."
    )
    if found:
        attention = links.url("needs-attention.md")
        text += (
            f" It has {plural(len(found), 'gap')} to fill in, listed on "
            f'<a href="{attention}#imported-postmortems">needs attention</a>.'
        )
    body = paragraph(text)
    if meta.imported_fields:
        kept = yaml.safe_dump(meta.imported_fields, sort_keys=False, allow_unicode=True)
        body += (
            "<details>\n<summary>Fields kept from the original</summary>\n"
            f"<pre><code>{esc(kept)}</code></pre>\n</details>\n"
        )
    return admonition("note", "Imported", body)


def _problems(pm: Postmortem) -> str:
    problems = sorted((f for f in pm.findings if f.level is not Level.INFO), key=sort_key)
    if not problems:
        return ""
    found = paragraph(f"Found by <code>postmortem check</code>; fix them in {esc(pm.path)}.")
    lines = "".join(
        f"<li>line {f.line}: {esc(f.message)} (<code>{esc(f.rule)}</code>)</li>\n" for f in problems
    )
    title = f"This postmortem has {plural(len(problems), 'problem')}"
    return admonition("danger", title, f"{found}<ul>\n{lines}</ul>\n")


def _card(pm: Postmortem, links: Links, mark: Mark) -> str:
    """Badges and who and what was involved, in one searchable paragraph; times later."""
    meta = pm.meta
    if meta is None:
        return ""
    resolve = pm.durations.get("resolve")
    badges = f"{severity_badge(meta)} {status_badge(meta.status)}{imported_badge(meta)}"
    if resolve is not None:
        badges += (
            f' <span class="pm-duration">resolved in <strong>{duration(resolve)}</strong></span>'
        )
    owners = dict.fromkeys(item.owner for item in meta.action_items if item.owner)
    facts = [
        ("Services", links.entries("service", meta.services)),
        ("Causes", links.entries("cause", meta.causes)),
        ("Authors", ", ".join(esc(a) for a in meta.authors)),
        ("Participants", ", ".join(esc(p) for p in meta.participants) or "—"),
        ("Action-item owners", links.entries("owner", owners)),
    ]
    lines = "<br>\n".join(f"<strong>{name}:</strong> {value}" for name, value in facts)
    return f'<div class="pm-card">\n{paragraph(badges)}{paragraph(lines)}{mark(TIMES)}</div>\n'


def _times(pm: Postmortem) -> str:
    meta = pm.meta
    assert meta is not None
    times = meta.incident
    if not (times.started or times.resolved or meta.review_meeting):
        return ""
    durations = pm.durations

    def moment(value: dt.datetime | None, key: str) -> str:
        text = timestamp(value) if value else "—"
        return f"{text} (+{duration(durations[key])})" if key in durations else text

    row = (
        moment(times.started, ""),
        moment(times.detected, "detect"),
        moment(times.mitigated, "mitigate"),
        moment(times.resolved, "resolve"),
        dash(meta.review_meeting),
    )
    headers = ("Started", "Detected", "Mitigated", "Resolved", "Review meeting")
    return table(headers, [row], caption="Incident times")


def _items_summary(pm: Postmortem) -> str:
    assert pm.meta is not None
    items = pm.meta.action_items
    if not items:
        return paragraph("No action items recorded.")
    open_count = sum(1 for item in items if not item.is_closed)
    return paragraph(f"{open_count} open of {len(items)}, open items first.")


def _items(pm: Postmortem, index: Index, links: Links) -> str:
    assert pm.meta is not None
    items = pm.meta.action_items
    if not items:
        return ""
    ordered = [i for i in items if not i.is_closed] + [i for i in items if i.is_closed]
    rows = []
    for item in ordered:
        overdue = not item.is_closed and item.due is not None and item.due < index.today
        status = (
            f'<span class="pm-badge pm-item-{esc(item.status)}">'
            f"{hidden('status ')}{esc(item.status)}</span>"
        )
        if overdue:
            assert item.due is not None
            status += " " + overdue_badge((index.today - item.due).days)
        rows.append(
            (
                f'<span id="{anchor(item.id)}"></span>{esc(item.id)}',
                esc(item.title) + item_details(item, links.jira_url),
                links.owner(item.owner),
                dash(item.due),
                status,
            )
        )
    return table(("ID", "Action", "Owner", "Due", "Status"), rows, caption="Action items")


def _earlier(pm: Postmortem, refs: list[ItemRef], index: Index, links: Links) -> str:
    more = index.relevance.earlier_more(pm.slug, len(refs))
    ranked = index.relevance.earlier.get(pm.slug, Ranked())
    at_least = "" if ranked.complete else "at least "
    text = (
        f"{at_least}{plural(len(refs) + more, 'open action item')} from earlier postmortems "
        "that share a service or a specific cause: those of the most similar and closest "
        "incidents first."
    )
    html = paragraph(text) + items_table(
        refs, links, caption="Open action items from earlier postmortems"
    )
    if more:
        assert pm.meta is not None
        causes, services = _shared(ranked, "causes"), _shared(ranked, "services")
        # The archive's facets narrow each other: one link per facet, each a union.
        where = " or ".join(
            f'<a href="{_archive_filter(links, c, s)}">{_filter_words(c, s)}</a>'
            for c, s in ((causes, []), ([], services))
            if c or s
        )
        html += paragraph(
            f'<span class="pm-more">{at_least}{more} more</span> among the postmortems of '
            f"the archive with {where}."
        )
    return html


def _shared(ranked: Ranked, what: str) -> list[str]:
    """The values (specific causes or services) ranked postmortems share with the page's."""
    return sorted({value for match in ranked.matches.values() for value in getattr(match, what)})


def _archive_filter(links: Links, causes: list[str], services: list[str]) -> str:
    """The archive page filtered by causes and services (values of one facet add up)."""
    query = urlencode([*(("cause", c) for c in causes), *(("service", s) for s in services)])
    return esc(links.url(ARCHIVE) + ("?" + query if query else ""))


def _filter_words(causes: list[str], services: list[str]) -> str:
    parts = []
    if causes:
        parts.append(("cause " if len(causes) == 1 else "causes ") + ", ".join(map(esc, causes)))
    if services:
        parts.append(
            ("service " if len(services) == 1 else "services ") + ", ".join(map(esc, services))
        )
    return " and ".join(parts)


def _why(match: Match, links: Links) -> str:
    """What two postmortems share, in words, with the score."""
    parts = ["listed in related"] if match.listed else []
    if match.causes:
        parts.append("cause " + links.entries("cause", match.causes))
    if match.generic:
        parts.append("generic cause " + links.entries("cause", match.generic))
    if match.services:
        parts.append("service " + links.entries("service", match.services))
    why = "; ".join(parts) + f' <span class="pm-score">(score {match.score:g})</span>'
    return f'<span class="pm-text">{why}</span>'


def _related(pm: Postmortem, index: Index, links: Links) -> str:
    related = index.related.get(pm.slug, [])
    referenced_by = index.referenced_by.get(pm.slug, [])
    html = ""
    if related:
        assert pm.meta is not None
        ranked = index.relevance.related.get(pm.slug, Ranked())
        rows = []
        for other in related:
            assert other.meta is not None
            found = ranked.matches.get(other.slug)
            why = _why(found, links) if found else "listed in related"
            rows.append(
                (
                    str(other.meta.date),
                    links.postmortem(other),
                    severity_badge(other.meta),
                    links.entries("service", other.meta.services),
                    why,
                )
            )
        headers = ("Date", "Postmortem", "Severity", "Services", "Why")
        html += table(headers, rows, caption="Related postmortems")
        more = index.relevance.related_more(pm.slug, len(related))
        at_least = "" if ranked.complete else "at least "
        if more:
            causes = sorted({c for m in ranked.matches.values() for c in m.causes})
            html += paragraph(
                f'<a class="pm-more" href="{_archive_filter(links, causes, [])}">'
                f"{at_least}{more} more</a> share a specific cause: the archive with "
                + _filter_words(causes, [])
                + "."
            )
    if referenced_by:
        names = ", ".join(
            f"{links.postmortem(other)} ({other.meta.date if other.meta else '—'})"
            for other in referenced_by
        )
        html += paragraph(f"<strong>Referenced by:</strong> {names}.")
    return html
