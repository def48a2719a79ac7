"""Tracker links of action items: where ``link`` points and the short label it shows.

An item's ``link`` is an http(s) URL, or a Jira key (``ABC-123``) when the site sets
``jira_url``. Known trackers get the label people say aloud: ``org/repo#123`` for a GitHub
issue or pull request, ``group/project#12`` (``!12`` for a merge request) on GitLab,
``ABC-123`` for Jira; any other URL shows its host and last path segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

JIRA_KEY = re.compile(r"[A-Z][A-Z0-9_]*-[1-9][0-9]*")
_GITHUB = re.compile(r"/(?P<repo>[^/]+/[^/]+)/(?:issues|pull|discussions)/(?P<number>\d+)/?$")
_GITLAB = re.compile(
    r"/(?P<repo>.+?)/-/(?P<kind>issues|merge_requests|work_items)/(?P<number>\d+)/?$"
)
_JIRA_BROWSE = re.compile(r"/browse/(?P<key>[A-Z][A-Z0-9_]*-\d+)/?$")


@dataclass(frozen=True)
class TrackerLink:
    """Where an item's ``link`` points (None: nowhere safe) and its short label."""

    url: str | None
    label: str


def tracker_link(link: str, jira_url: str | None = None) -> TrackerLink:
    """The URL and label of an item's ``link``."""
    link = link.strip()
    if JIRA_KEY.fullmatch(link):
        url = f"{jira_url.rstrip('/')}/browse/{link}" if jira_url else None
        return TrackerLink(url, link)
    if not is_web_url(link):
        return TrackerLink(None, link)
    parts = urlsplit(link)
    host, path = parts.hostname or "", parts.path
    if host in ("github.com", "www.github.com") and (found := _GITHUB.search(path)):
        return TrackerLink(link, f"{found['repo']}#{found['number']}")
    if (found := _GITLAB.search(path)) is not None:
        sign = "!" if found["kind"] == "merge_requests" else "#"
        return TrackerLink(link, f"{found['repo'].strip('/')}{sign}{found['number']}")
    if (found := _JIRA_BROWSE.search(path)) is not None:
        return TrackerLink(link, found["key"])
    path = path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return TrackerLink(link, f"{host}/…/{last}" if path.count("/") > 1 else host + path)


def is_web_url(link: str) -> bool:
    """An http(s) URL with a host."""
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
