"""In Chromium, the sample site's home page announces an Atom feed in its ``<head>``, and that
feed holds one entry per published postmortem (issue 17: done when ... the home page links a
feed with one entry per published postmortem). Same set-up as test_browser.py."""

from __future__ import annotations

import functools
import http.server
import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from helpers import REPO
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.model.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
TODAY = "1795737600"  # 2026-11-27
ATOM = "{http://www.w3.org/2005/Atom}"
SAMPLE_SITE_URL = "https://postmortems.larkspur.example/"  # site_url of the sample mkdocs.yml

if os.environ.get("CI"):
    import playwright.sync_api as playwright_api

    assert CHROMIUM.exists(), "CI must run the browser tests: install Debian's chromium"
else:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the sample archive and serve it on a free loopback port."""
    site_dir = tmp_path_factory.mktemp("feed-browser") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build(load_config(str(REPO / "mkdocs.yml"), site_dir=str(site_dir), strict=True))
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_home_page_links_a_feed_of_every_published_postmortem(served: str) -> None:
    """And nothing is fetched from outside the site (Material fetches sitemap.xml beside
    every alternate link)."""
    archive = load_archive(REPO / "postmortems", REPO, Settings())
    published = {pm.slug for pm in archive.postmortems if pm.meta and pm.meta.status == "published"}
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page()
            outside: list[str] = []
            page.on(
                "request",
                lambda request: (
                    None if request.url.startswith(served) else outside.append(request.url)
                ),
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
            browser.close()


def _links(entries: list[ET.Element]) -> list[str]:
    return [(e.find(f"{ATOM}link").get("href") or "") for e in entries]  # type: ignore[union-attr]
