"""Atom feeds of published postmortems (issue 17, item 5).

``feed.xml`` at the site root holds every published postmortem, newest first; each service
has its own feed beside its page (``services/checkout.xml``) with the published postmortems
of that service. Drafts and postmortems in review are in no feed. A feed is written even
when it holds no entry, so a subscription never breaks.

Each entry's content is the text of the postmortem's Summary section as plain text
(``type="text"``): the feed carries no author HTML, and the ``feedgen`` library (over lxml)
escapes every title, name and summary, whatever the author wrote. Characters XML cannot hold
(control characters) are dropped.

The output depends only on the archive and the site's settings, so two builds of the same
input are byte-identical: an entry's ``updated`` is the latest of its incident date, its
resolution and its review meeting (all from the front matter), ``published`` the incident
date; the feed's ``updated`` is its newest entry's, or midnight (UTC) of the build date
(``SOURCE_DATE_EPOCH`` fixes it) when it is empty. Links and ids are absolute under
``site_url``; without it, links are relative to the feed's own place (which feed readers
resolve against the feed's address) and ids are ``tag:`` URIs on a reserved host made from
the site name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from postmortem_kb.archive.index import Entry, Index
from postmortem_kb.archive.urls import (
    absolute_url,
    base_of,
    page_url,
    postmortem_uri,
    relative_url,
)
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.text import slugify
from postmortem_kb.source.atomic import write_atomically
from postmortem_kb.source.body import parse_body

SITE_FEED = "feed.xml"
FEED_TYPE = "application/atom+xml"
SUMMARY_HEADING = "summary"
MAX_SUMMARY = 2000  # characters of a summary kept in an entry

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_TAG = re.compile(r"<[^<>\n]*>")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(?m)^\s{0,3}(?:[-*+]|\d+[.)]|>)\s+|[*_`]{1,3}")


@dataclass(frozen=True)
class FeedSite:
    """What the feeds need to know of the site being built."""

    name: str  # site_name
    url: str | None = None  # site_url
    directory_urls: bool = True

    @property
    def host(self) -> str:
        """The authority of ``tag:`` ids: the site's host, or a reserved name (``.invalid``
        never resolves) made from the site name when ``site_url`` is not set."""
        host = urlsplit(self.url).hostname if self.url else None
        return host or f"{slugify(self.name) or 'site'}.invalid"


@dataclass(frozen=True)
class FeedFile:
    """One feed: where it goes (from the site root), its title, its page and its entries."""

    path: str
    title: str
    page: str  # URL of the page the feed is about, from the site root
    postmortems: Sequence[Postmortem]


def published(postmortems: Sequence[Postmortem]) -> list[Postmortem]:
    """The published postmortems among ``postmortems``, in their order (newest first)."""
    return [pm for pm in postmortems if pm.meta is not None and pm.meta.status == "published"]


def service_feed(entry: Entry) -> str:
    """Where the feed of a service's postmortems lives (beside its page: ``services/db.xml``)."""
    return entry.uri.removesuffix(".md") + ".xml"


def feed_paths(index: Index) -> list[str]:
    """Where the feeds of a build go, from the site root (no build needed)."""
    return [SITE_FEED, *(service_feed(g.entry) for g in index.services)]


def feed_files(index: Index, site: FeedSite) -> list[FeedFile]:
    """Every feed of a build: the site's, then one per service."""
    files = [FeedFile(SITE_FEED, f"{site.name}: postmortems", "", published(index.postmortems))]
    for group in index.services:
        files.append(
            FeedFile(
                service_feed(group.entry),
                f"{site.name}: postmortems of {group.entry.label}",
                page_url(group.entry.uri, site.directory_urls),
                published(group.postmortems),
            )
        )
    return files


def write_feeds(index: Index, site_dir: Path, site: FeedSite) -> list[str]:
    """Write every feed of a build into ``site_dir``; return their paths."""
    written = []
    for feed in feed_files(index, site):
        target = site_dir / feed.path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, atom(feed, index, site))
        written.append(feed.path)
    return written


def atom(feed: FeedFile, index: Index, site: FeedSite) -> str:
    """The Atom document of one feed."""
    generator = FeedGenerator()
    generator.id(_id(site, feed.path))
    generator.title(_clean(feed.title))
    generator.author({"name": _clean(site.name) or "postmortem-kb"})
    generator.link(href=_link(feed.path, feed.path, site), rel="self", type=FEED_TYPE)
    generator.link(href=_link(feed.page, feed.path, site), rel="alternate", type="text/html")
    generator.generator("postmortem-kb")
    midnight = dt.datetime.combine(index.today, dt.time(), dt.timezone.utc)
    generator.updated(max((_updated(pm) for pm in feed.postmortems), default=midnight))
    for pm in feed.postmortems:
        assert pm.meta is not None
        meta = pm.meta
        item = generator.add_entry(order="append")
        item.id(_id(site, page_url(postmortem_uri(pm.slug), True)))
        item.title(_clean(meta.title))
        item.link(
            href=_link(page_url(postmortem_uri(pm.slug), site.directory_urls), feed.path, site)
        )
        item.published(_midnight(meta.date))
        item.updated(_updated(pm))
        for author in meta.authors:
            item.author({"name": _clean(author)})
        for tag in (*meta.services, *meta.causes):
            item.category(term=_clean(tag))
        summary = summary_text(pm)
        item.content(summary or _clean(meta.title), type="text")
    body = generator.atom_str(pretty=True, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + str(body)


def summary_text(pm: Postmortem) -> str:
    """The Summary section of a postmortem's body as plain text ('' when it has none)."""
    lines = pm.body.split("\n")
    body = parse_body(pm.body, pm.body_line)
    for heading in body.headings:
        if heading.text.strip().lower() == SUMMARY_HEADING:
            first = heading.line - pm.body_line + 1
            last = heading.end_line - pm.body_line + 1
            text = "\n".join(lines[first:last])
            text = _LINK.sub(r"\1", _TAG.sub("", text))
            text = _MARKUP.sub("", text)
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
            summary = "\n\n".join(p for p in paragraphs if p)
            if len(summary) > MAX_SUMMARY:
                summary = summary[: MAX_SUMMARY - 1].rstrip() + "…"
            return _clean(summary)
    return ""


def _updated(pm: Postmortem) -> dt.datetime:
    assert pm.meta is not None
    moments = [_midnight(pm.meta.date)]
    if pm.meta.incident.resolved is not None:
        moments.append(pm.meta.incident.resolved.astimezone(dt.timezone.utc))
    if pm.meta.review_meeting is not None:
        moments.append(_midnight(pm.meta.review_meeting))
    return max(moments)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc)


def _id(site: FeedSite, path: str) -> str:
    if site.url:
        return absolute_url(path, site.url)
    return f"tag:{site.host},2000:{path}"


def _link(url: str, feed_path: str, site: FeedSite) -> str:
    """``url`` (from the site root) as the feed at ``feed_path`` should link it."""
    if site.url:
        return absolute_url(url, site.url)
    return relative_url(url, base_of(feed_path))


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
