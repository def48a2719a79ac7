"""Links to the Atom feeds (archive/feeds.py) in the pages of the site.

Every page announces the site's feed in its ``<head>`` (``<link rel="alternate"
type="application/atom+xml">``, which feed readers and browsers discover); a service page
announces its own feed too, and shows a visible link to it under its title. The links are
put into each page's final HTML, so they work with any theme and never reach the search
index.
"""

from __future__ import annotations

from postmortem_kb.archive.feeds import FEED_TYPE, SITE_FEED, service_feed
from postmortem_kb.archive.index import Index
from postmortem_kb.archive.urls import absolute_url, base_of, relative_url
from postmortem_kb.site.html import esc


def service_feeds(index: Index) -> dict[str, tuple[str, str]]:
    """The feed of each service page: page URI -> (feed path, service label)."""
    return {g.entry.uri: (service_feed(g.entry), g.entry.label) for g in index.services}


def feed_href(path: str, page_url: str, site_url: str | None) -> str:
    """The link from the page at ``page_url`` to the feed at ``path`` (from the site root)."""
    if site_url:
        return absolute_url(path, site_url)
    return relative_url(path, base_of(page_url))


def add_feed_links(
    output: str,
    page_url: str,
    site_name: str,
    site_url: str | None,
    service: tuple[str, str] | None = None,
) -> str:
    """``output`` (a page's HTML) with its feed links: in ``<head>``, and under the title of
    a service page (``service``: its feed and label)."""
    links = [(SITE_FEED, f"{site_name}: postmortems")]
    if service is not None:
        links.append((service[0], f"{site_name}: postmortems of {service[1]}"))
    head = "".join(
        f'<link rel="alternate" type="{FEED_TYPE}" title="{esc(title)}" '
        f'href="{esc(feed_href(path, page_url, site_url))}">\n'
        for path, title in links
    )
    at = output.find("</head>")
    if at >= 0:
        output = output[:at] + head + output[at:]
    if service is not None:
        href = esc(feed_href(service[0], page_url, site_url))
        note = (
            f'<p class="pm-feed"><a href="{href}" type="{FEED_TYPE}">Atom feed</a> of this '
            "service's published postmortems, newest first, for a feed reader.</p>\n"
        )
        end = output.find("</h1>")
        if end >= 0:
            end += len("</h1>")
            output = output[:end] + "\n" + note + output[end:]
    return output
