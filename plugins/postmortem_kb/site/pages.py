"""The pages a site gets from an archive: what to render at which URI, with which title.

No MkDocs here: the plugin turns these into ``File.generated`` pages. Postmortem pages and
the listing pages are known from file names; the pages of catalogued services and causes
from the catalogs; the pages of owners and of values missing from the catalogs only once
every postmortem is read (``entry_pages``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from postmortem_kb.archive.index import OWNER, Entry, Index
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.html import Body, Mark
from postmortem_kb.site.insights import INSIGHTS, insights_page
from postmortem_kb.site.listings import (
    archive_page,
    causes_page,
    closed_items_page,
    group_page,
    items_by_service_page,
    needs_attention_page,
    open_items_page,
    owner_page,
    owners_page,
    services_page,
)
from postmortem_kb.site.reviews import REVIEW_QUEUE, review_queue_page

BodyOf = Callable[[Index, Settings, Mark], Body]


@dataclass(frozen=True)
class GeneratedPage:
    """A page to add to the site; ``body`` is called only when MkDocs reads the page."""

    uri: str
    title: str
    body: BodyOf
    listed: bool  # index pages may sit in the nav; individual pages never do
    searchable: bool = True  # search indexes its text, never its tables (see listings.py)
    search_tags: tuple[str, ...] = ()  # Material boosts tag matches: service and cause names


def listing_pages() -> list[GeneratedPage]:
    """The index pages: archive, services, causes, action-item views, needs attention, the
    review queue."""
    listings: list[tuple[str, str, BodyOf]] = [
        ("postmortems/index.md", "Postmortems", archive_page),
        ("services/index.md", "Services", services_page),
        ("causes/index.md", "Causes", causes_page),
        ("action-items/index.md", "Open action items", open_items_page),
        ("action-items/owners/index.md", "By owner", owners_page),
        ("action-items/services.md", "By service", items_by_service_page),
        ("action-items/closed.md", "Closed action items", closed_items_page),
        ("needs-attention.md", "Needs attention", needs_attention_page),
        (INSIGHTS, "Insights", insights_page),
        (REVIEW_QUEUE, "Review queue", review_queue_page),
    ]
    return [GeneratedPage(uri, title, body, True) for uri, title, body in listings]


def entry_pages(entries: Iterable[Entry]) -> list[GeneratedPage]:
    """The pages of services, causes and owners."""
    return [_entry_page(entry) for entry in entries]


def _entry_page(entry: Entry) -> GeneratedPage:
    kind, value = entry.kind, entry.value
    if kind == OWNER:

        def owner_body(index: Index, settings: Settings, mark: Mark) -> Body:
            return owner_page(index.group(kind, value), index, settings, mark)

        return GeneratedPage(entry.uri, value, owner_body, False)

    def group_body(index: Index, settings: Settings, mark: Mark) -> Body:
        return group_page(index.group(kind, value), index, settings, mark)

    tags = tuple(dict.fromkeys((entry.label, value)))
    return GeneratedPage(entry.uri, entry.label, group_body, False, True, tags)


def index_entries(index: Index) -> list[Entry]:
    """Every service, cause and owner of an index."""
    return [g.entry for g in (*index.services, *index.causes, *index.owners)]
