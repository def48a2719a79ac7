"""Atom feeds (archive/feeds.py, site/feeds.py): real MkDocs builds, the feeds parsed back
with xml.etree, the discovery links in ``<head>`` and on service pages, hostile text."""

from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from helpers import REPO, THEME, build_site, make_site, page, pm_text

ATOM = "{http://www.w3.org/2005/Atom}"
EPOCH = "1775001600"  # 2026-04-01 00:00:00 UTC
HOSTILE = 'Fix <script>alert("x")</script> & ]]> "quotes" \x07bell'
HOSTILE_SUMMARY = "We saw <img src=x onerror=alert(1)> and **bold** [a link](https://e.example)."

FILES = {
    "2026-03-01-checkout-a.md": pm_text(
        "Checkout A", dt.date(2026, 3, 1), "SEV2", ["checkout"], ["config-change"], resolve=60
    ),
    "2026-03-10-payments-b.md": pm_text(
        HOSTILE,
        dt.date(2026, 3, 10),
        "SEV1",
        ["payments-api", "checkout"],
        [],
        summary=HOSTILE_SUMMARY,
    ),
    "2026-03-20-search-c.md": pm_text(
        "Search C draft", dt.date(2026, 3, 20), "SEV3", ["search"], [], status="draft"
    ),
}


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _build(tmp_path: Path, site_url: str | None = None, name: str = "site") -> Path:
    config = make_site(tmp_path / "kb", FILES) if not (tmp_path / "kb").exists() else None
    config = config or tmp_path / "kb" / "mkdocs.yml"
    if site_url and "site_url" not in config.read_text():
        config.write_text(f"site_url: {site_url}\n" + config.read_text())
    build_site(config, tmp_path / name, strict=False)  # hostile input has findings
    return tmp_path / name


def _entries(feed: Path) -> list[ET.Element]:
    root = ET.fromstring(feed.read_bytes())
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_site_feed_has_one_entry_per_published_postmortem_newest_first(tmp_path: Path) -> None:
    site = _build(tmp_path, "https://kb.example.com/handbook/")
    root = ET.fromstring((site / "feed.xml").read_bytes())
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == [HOSTILE.replace("\x07", ""), "Checkout A"]  # the draft is in no feed
    links = [e.find(f"{ATOM}link").get("href") for e in entries]  # type: ignore[union-attr]
    assert links == [
        "https://kb.example.com/handbook/postmortems/2026-03-10-payments-b/",
        "https://kb.example.com/handbook/postmortems/2026-03-01-checkout-a/",
    ]
    assert root.findtext(f"{ATOM}id") == "https://kb.example.com/handbook/feed.xml"
    # Updated comes from the postmortems (review meeting two days after), not the clock.
    assert root.findtext(f"{ATOM}updated") == "2026-03-12T00:00:00+00:00"
    content = entries[1].find(f"{ATOM}content")
    assert content is not None and content.get("type") == "text"
    assert content.text == "A short incident with a clear cause."


def test_hostile_text_is_escaped_and_carries_no_markup(tmp_path: Path) -> None:
    site = _build(tmp_path)
    raw = (site / "feed.xml").read_text(encoding="utf-8")
    assert "<script" not in raw and "<img" not in raw and "\x07" not in raw
    entry = _entries(site / "feed.xml")[0]
    content = entry.findtext(f"{ATOM}content")
    # Tags are dropped and Markdown made plain; the text stays escaped XML text.
    assert content == "We saw and bold a link."
    assert entry.findtext(f"{ATOM}title") == HOSTILE.replace("\x07", "")


def test_service_feeds_beside_service_pages_and_linked(tmp_path: Path) -> None:
    site = _build(tmp_path)
    checkout = [e.findtext(f"{ATOM}title") for e in _entries(site / "services" / "checkout.xml")]
    assert checkout == [HOSTILE.replace("\x07", ""), "Checkout A"]
    assert _entries(site / "services" / "search.xml") == []  # only a draft: empty, still there
    # Without site_url the links are relative to the feed's own place.
    link = _entries(site / "services" / "checkout.xml")[1].find(f"{ATOM}link")
    assert link is not None and link.get("href") == "../postmortems/2026-03-01-checkout-a/"
    html = page(site, "services/checkout")
    assert '<p class="pm-feed"><a href="../checkout.xml"' in html
    # <head> names the site's feed only: Material fetches sitemap.xml beside each one.
    head = html.split("</head>", 1)[0]
    assert head.count('type="application/atom+xml"') == 1 and 'href="../../feed.xml"' in head


def test_every_page_links_the_site_feed_in_head(tmp_path: Path) -> None:
    site = _build(tmp_path)
    home = (site / "index.html").read_text(encoding="utf-8")
    head = home.split("</head>", 1)[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Test: postmortems" '
        'href="feed.xml">' in head
    )
    pm_page = page(site, "postmortems/2026-03-01-checkout-a").split("</head>", 1)[0]
    assert 'href="../../feed.xml"' in pm_page
    if THEME == "material":  # Material's search index (MaterialX: Pagefind's, in fragments)
        search_index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
        assert "Atom feed" not in search_index


def test_feeds_are_byte_identical_across_builds(tmp_path: Path) -> None:
    first = _build(tmp_path, name="one")
    os.utime(tmp_path / "kb" / "postmortems" / "2026-03-01-checkout-a.md")
    second = _build(tmp_path, name="two")
    for path in ("feed.xml", "services/checkout.xml", "services/payments-api.xml"):
        assert (first / path).read_bytes() == (second / path).read_bytes()


def test_a_docs_file_with_a_feed_name_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_site(tmp_path / "kb", FILES)
    (tmp_path / "kb" / "docs" / "feed.xml").write_text("<feed/>")
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=False)
    assert "docs/feed.xml has the name of a feed the plugin writes" in caplog.text


def test_sample_archive_feed(tmp_path: Path) -> None:
    """The sample archive: one entry per published postmortem, under its site_url."""
    from postmortem_kb.archive.archive import load_archive
    from postmortem_kb.model.settings import Settings

    archive = load_archive(REPO / "postmortems", REPO, Settings())
    published = sorted(
        pm.slug for pm in archive.postmortems if pm.meta and pm.meta.status == "published"
    )
    site = tmp_path / "site"
    build_site(REPO / "mkdocs.yml", site, strict=True)
    entries = _entries(site / "feed.xml")
    slugs = sorted(
        e.find(f"{ATOM}link").get("href", "").rstrip("/").rsplit("/", 1)[-1]  # type: ignore[union-attr]
        for e in entries
    )
    assert slugs == published and len(published) > 5
