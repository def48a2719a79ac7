"""Links to the Atom feeds (archive/feeds.py) in the pages of the site.

Every page announces the site's feed in its ``<head>`` (``<link rel="alternate"
type="application/atom+xml">``, which feed readers discover), and a service page shows a
visible link to its own feed under its title. The links are put into each page's final HTML,
so they work with any theme and never reach the search index.

The ``<head>`` link is relative, even with ``site_url``, and names only the site's feed at the
site root: Material's JavaScript fetches ``sitemap.xml`` beside every ``link[rel=alternate]``
(for its language selector), so an absolute link would make each page view fetch from
``site_url``'s host (outside the site, or unreachable offline) and a link into a folder would
fetch a missing ``services/sitemap.xml``. Beside ``feed.xml`` is the site's own sitemap.
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
    head = (
        f'<link rel="alternate" type="{FEED_TYPE}" title="{esc(site_name)}: postmortems" '
        f'href="{esc(feed_href(SITE_FEED, page_url, None))}">\n'
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
