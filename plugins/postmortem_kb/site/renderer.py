"""Everything of a site that needs the whole archive, rendered from its index.

A ``SiteRenderer`` turns an index into the HTML of postmortem pages, generated pages and
dashboards, for given page URLs. The plugin uses one directly for small archives; for
large ones the background process renders everything into a file and sends where each
piece is (``stream``), so the build process never holds the archive.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from postmortem_kb.model.findings import Finding
from postmortem_kb.site.html import Links, Markers
from postmortem_kb.archive.index import Index
from postmortem_kb.site.listings import dashboard_parts
from postmortem_kb.check.postmortem import Postmortem
from postmortem_kb.site.postmortem_page import PostmortemHtml, postmortem_html
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.pages import GeneratedPage, entry_pages, index_entries, listing_pages
from postmortem_kb.archive.urls import base_of, page_url, postmortem_uri


@dataclass(frozen=True)
class PageSpec:
    """A generated page as the plugin registers it with MkDocs."""

    uri: str
    title: str
    listed: bool
    searchable: bool
    search_tags: tuple[str, ...]


@dataclass(frozen=True)
class PreparedPage:
    """A generated page: Markdown for MkDocs (headings, markers) and the HTML at markers."""

    markdown: str
    parts: dict[str, str]  # put in before search indexes the page
    later: dict[str, str]  # put in after


def spec_of(page: GeneratedPage) -> PageSpec:
    """The registration of a generated page."""
    return PageSpec(page.uri, page.title, page.listed, page.searchable, page.search_tags)


def avoid_ids(built: PostmortemHtml, taken: set[str]) -> PostmortemHtml:
    """Rename the headings the HTML adds whose ids the page's body already uses."""
    renames = {}
    for ident, _ in built.headings:
        if ident in taken:
            number = 1
            while f"{ident}_{number}" in taken:
                number += 1
            renames[ident] = f"{ident}_{number}"
            taken.add(renames[ident])
    if not renames:
        return built

    def rename(html: str) -> str:
        for old, new in renames.items():
            html = html.replace(f'id="{old}"', f'id="{new}"').replace(f'"#{old}"', f'"#{new}"')
        return html

    return replace(
        built,
        before=rename(built.before),
        later={name: rename(part) for name, part in built.later.items()},
        headings_before=[(renames.get(i, i), t) for i, t in built.headings_before],
        headings_after=[(renames.get(i, i), t) for i, t in built.headings_after],
    )


class SiteRenderer:
    """Render what needs the index, for pages at the URLs MkDocs gives them."""

    def __init__(
        self,
        index: Index,
        settings: Settings,
        directory_urls: bool,
        markers: Markers,
        findings: list[Finding],
        postmortems: list[Postmortem] | None = None,
    ) -> None:
        self.index = index
        self.postmortems = postmortems or []  # in plan order, for ``postmortem_at``
        self.settings = settings
        self.directory_urls = directory_urls
        self.markers = markers
        self.findings = findings  # every finding of the archive and its index
        self.generated = {
            page.uri: page for page in [*listing_pages(), *entry_pages(index_entries(index))]
        }
        self.specs = [spec_of(page) for page in self.generated.values()]
        self._cache: tuple[tuple[str, int], dict[object, str]] = (("", -1), {})

    def links(self, url: str) -> Links:
        """Links from the page at ``url``; pages in sibling folders share rendered rows."""
        base = base_of(url)
        siblings = (posixpath.dirname(base.rstrip("/")), base.count("/"))
        if self._cache[0] != siblings:
            self._cache = (siblings, {})
        return Links(self.index, url, self.directory_urls, self._cache[1])

    def postmortem(self, pm: Postmortem) -> PostmortemHtml:
        """The HTML around a postmortem's body (heading ids as if the body had none)."""
        links = self.links(page_url(postmortem_uri(pm.slug), self.directory_urls))
        return postmortem_html(pm, self.index, self.settings, links, self.markers, set())

    def postmortem_at(self, position: int) -> PostmortemHtml:
        """The HTML around the body of the postmortem at ``position`` in the plan."""
        return self.postmortem(self.postmortems[position])

    def markdown(self, uri: str) -> str:
        """The Markdown of a generated page (its HTML comes later, from ``page``)."""
        return self.generated[uri].body(self.index, self.settings, self.markers).markdown

    def page(self, uri: str) -> PreparedPage:
        """A generated page (listing, service, cause or owner)."""
        body = self.generated[uri].body(self.index, self.settings, self.markers)
        links = self.links(page_url(uri, self.directory_urls))
        later = body.later(links) if body.later is not None else {}
        return PreparedPage(body.markdown, body.parts(links), later)

    def dashboard(self, url: str) -> str:
        """The dashboard for the docs page at ``url``."""
        return dashboard_parts(self.index, self.settings, self.links(url))
