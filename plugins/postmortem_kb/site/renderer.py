"""Everything of a site that needs the whole archive, rendered from its index.

A ``SiteRenderer`` turns the index into the HTML of postmortem pages, generated pages and
dashboards, for the page URLs MkDocs gives them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from postmortem_kb.archive.index import Index
from postmortem_kb.archive.urls import base_of, page_url, postmortem_uri
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.dashboard import dashboard_html
from postmortem_kb.site.html import Links, Markers
from postmortem_kb.site.pages import GeneratedPage, entry_pages, index_entries, listing_pages
from postmortem_kb.site.postmortem_page import PostmortemHtml, postmortem_html
from postmortem_kb.site.teams import team_pages

SHARED_ROWS = 4096  # rendered links and rows kept for sibling pages: CPU against memory


@dataclass(frozen=True)
class PreparedPage:
    """A generated page: Markdown for MkDocs (headings, markers) and the HTML at markers."""

    markdown: str
    parts: dict[str, str]  # put in before search indexes the page
    later: dict[str, str]  # put in after


class SiteRenderer:
    """Render what needs the index, for pages at the URLs MkDocs gives them."""

    def __init__(
        self,
        index: Index,
        settings: Settings,
        directory_urls: bool,
        markers: Markers,
        site_url: str | None = None,
    ) -> None:
        self.index = index
        self.site_url = site_url  # MkDocs' site_url: calendar links are full addresses
        self.settings = settings
        self.directory_urls = directory_urls
        self.markers = markers
        self.generated: dict[str, GeneratedPage] = {
            page.uri: page
            for page in [*listing_pages(), *entry_pages(index_entries(index)), *team_pages(index)]
        }
        self._cache: tuple[tuple[str, int], dict[object, str]] = (("", -1), {})

    def links(self, url: str) -> Links:
        """Links from the page at ``url``; pages in sibling folders share rendered rows
        (up to ``SHARED_ROWS`` of them: the rows most pages show are rendered early)."""
        base = base_of(url)
        siblings = (posixpath.dirname(base.rstrip("/")), base.count("/"))
        if self._cache[0] != siblings or len(self._cache[1]) > SHARED_ROWS:
            self._cache = (siblings, {})
        return Links(
            self.index,
            url,
            self.directory_urls,
            self._cache[1],
            self.settings.jira_url,
            self.site_url,
        )

    def postmortem(self, pm: Postmortem, taken: set[str]) -> PostmortemHtml:
        """The HTML around a postmortem's body; its heading ids avoid ``taken`` (the body's)."""
        links = self.links(page_url(postmortem_uri(pm.slug), self.directory_urls))
        return postmortem_html(pm, self.index, self.settings, links, self.markers, taken)

    def markdown(self, uri: str) -> str:
        """The Markdown of a generated page (its HTML comes later, from ``page``)."""
        return self.generated[uri].body(self.index, self.settings, self.markers).markdown

    def page(self, uri: str) -> PreparedPage:
        """A generated page (listing, service, cause or owner).

        Search indexes the readable lines of a searchable page where its tables go later.
        """
        generated = self.generated[uri]
        body = generated.body(self.index, self.settings, self.markers)
        links = self.links(page_url(uri, self.directory_urls))
        parts = body.parts(links)
        later = body.later(links) if body.later is not None else {}
        if body.searched is not None and generated.searchable:
            for name, text in body.searched(links).items():
                assert name in later, f"searched text for {name!r}, which has no later HTML"
                parts[name] = self.markers.searched(name, text)
        return PreparedPage(body.markdown, parts, later)

    def dashboard(self, url: str) -> str:
        """The dashboard for the docs page at ``url``."""
        return dashboard_html(self.index, self.settings, self.links(url))
