"""In Chromium, the sample site's home page announces an Atom feed in its ``<head>``, and that
feed holds one entry per published postmortem (issue 17: done when ... the home page links a
feed with one entry per published postmortem). Same set-up as test_browser.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from helpers import REPO, browser_api, build_sample, serve
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.model.settings import Settings

ATOM = "{http://www.w3.org/2005/Atom}"
SAMPLE_SITE_URL = "https://postmortems.larkspur.example/"  # site_url of the sample mkdocs.yml

browser_api()  # skipped without Playwright and Chromium, a failure in CI


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the sample archive and serve it on a free loopback port."""
    site_dir = tmp_path_factory.mktemp("feed-browser") / "site"
    build_sample(site_dir)
    with serve(site_dir) as url:
        yield url


def test_home_page_links_a_feed_of_every_published_postmortem(browser: Any, served: str) -> None:
    """And nothing is fetched from outside the site (Material fetches sitemap.xml beside
    every alternate link)."""
    archive = load_archive(REPO / "postmortems", REPO, Settings())
    published = {pm.slug for pm in archive.postmortems if pm.meta and pm.meta.status == "published"}
    page = browser.new_page()
    try:
        outside: list[str] = []
        page.on(
            "request",
            lambda request: None if request.url.startswith(served) else outside.append(request.url),
        )
        page.goto(served, wait_until="networkidle")
        links = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
        assert links.count() == 1
        href = links.first.get_attribute("href") or ""
        assert href == "feed.xml"  # relative, although the sample sets site_url
        response = page.request.get(served + href)
        assert response.ok
        assert "xml" in response.headers.get("content-type", "")
        root = ET.fromstring(response.body())
        entries = root.findall(f"{ATOM}entry")
        slugs = {
            (e.find(f"{ATOM}link").get("href") or "").rstrip("/").rsplit("/", 1)[-1]  # type: ignore[union-attr]
            for e in entries
        }
        assert len(entries) == len(published) and slugs == published
        # The links of the feed are absolute under site_url.
        assert all(s.startswith(SAMPLE_SITE_URL) for s in _links(entries))
        assert outside == []
    finally:
        page.close()


def _links(entries: list[ET.Element]) -> list[str]:
    return [(e.find(f"{ATOM}link").get("href") or "") for e in entries]  # type: ignore[union-attr]
