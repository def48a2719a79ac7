"""`postmortem generate` on the sample archive, built by generators that run no MkDocs plugin.

The generated docs folder (with the repository's own pages) is built by Zensical and by
plain MkDocs + Material without the ``postmortems`` plugin, with the configuration the
command prints. Every page and file the plugin's own build has must be there, and every
link between the pages must lead to a file of the site (and to the element it names).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from helpers import (
    REPO,
    SAMPLE_TODAY,
    build_sample,
    serve,
    theme_override,
)

BIN = Path(sys.executable).parent
ENV = {**os.environ, "SOURCE_DATE_EPOCH": SAMPLE_TODAY, "NO_MKDOCS_2_WARNING": "1"}
# What the plugin adds to a site: its pages and files, beside the repository's own docs/.
GENERATED_DIRS = ("postmortems", "services", "causes", "action-items", "teams", "people")
GENERATED_TOP = ("insights", "needs-attention", "review-queue")


def generated_project(root: Path, links: str) -> tuple[Path, dict[str, object]]:
    """The repository's docs/ plus `postmortem generate`'s output, and a configuration
    without the plugin made of the repository's theme and the printed snippet."""
    shutil.copytree(REPO / "docs", root / "docs")
    started = time.perf_counter()
    run = subprocess.run(
        [
            BIN / "postmortem",
            "generate",
            "-f",
            REPO / "mkdocs.yml",
            "--into",
            root / "docs",
            "--links",
            links,
        ],
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"postmortem generate: {time.perf_counter() - started:.2f} s")
    snippet = yaml.safe_load(run.stdout)
    repo = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config = {
        "site_name": repo["site_name"],
        "site_url": repo["site_url"],
        "theme": repo["theme"],
        "plugins": ["search"],
        "markdown_extensions": repo["markdown_extensions"],
        "nav": [{"Home": "index.md"}, *snippet["nav"]],
        "extra_css": snippet["extra_css"],
        "extra_javascript": snippet["extra_javascript"],
        "not_in_nav": snippet["not_in_nav"],
    }
    assert "postmortems" not in str(config["plugins"])
    return root, config


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built by MkDocs with the plugin: what the generated site must match."""
    site_dir = tmp_path_factory.mktemp("plugin") / "site"
    build_sample(site_dir)
    return site_dir


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated folder built by `zensical build`."""
    root, config = generated_project(tmp_path_factory.mktemp("zensical"), "source")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    started = time.perf_counter()
    run = subprocess.run(
        [BIN / "zensical", "build", "--strict"],
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
    )
    print(f"zensical build: {time.perf_counter() - started:.2f} s")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No issues found" in run.stdout + run.stderr
    return root / "site"


@pytest.fixture(scope="module")
def mkdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated folder built by plain MkDocs + Material (or the matrix's theme), strict,
    without the plugin."""
    root, config = generated_project(tmp_path_factory.mktemp("mkdocs"), "page")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    config.update(theme_override(root / "mkdocs.yml"))
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    run = subprocess.run(
        [BIN / "mkdocs", "build", "--strict"],
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return root / "site"


def plugin_outputs(site: Path) -> set[str]:
    """The pages and files the plugin added to its build, from the site root."""
    found = set()
    for path in site.rglob("*"):
        relative = path.relative_to(site).as_posix()
        top = relative.split("/")[0]
        if path.is_file() and (
            top in GENERATED_DIRS
            or top.removesuffix(".html") in GENERATED_TOP
            or top.endswith((".json", ".csv", ".ics", ".xml"))
            or relative.startswith("assets/postmortem-kb/")
        ):
            found.add(relative)
    return found - {"sitemap.xml", "search/search_index.json"}


def test_zensical_builds_every_page_and_file_of_the_plugin_site(
    zensical_site: Path, plugin_site: Path
) -> None:
    expected = plugin_outputs(plugin_site)
    assert len([p for p in expected if p.startswith("postmortems/2")]) == len(
        list((REPO / "postmortems").glob("*.md"))
    )
    assert {"services/index.html", "causes/index.html", "teams/index.html"} <= expected
    missing = sorted(p for p in expected if not (zensical_site / p).is_file())
    assert missing == []


def test_exports_calendars_and_feeds_are_those_of_the_plugin(
    zensical_site: Path, plugin_site: Path
) -> None:
    files = [p for p in plugin_outputs(plugin_site) if not p.endswith((".html", ".css", ".js"))]
    assert len(files) > 20  # exports, each owner's, team's and person's calendar, the feeds
    different = [
        p for p in files if (zensical_site / p).read_bytes() != (plugin_site / p).read_bytes()
    ]
    assert different == []


def test_plain_mkdocs_strict_builds_every_page_and_file_of_the_plugin_site(
    mkdocs_site: Path, plugin_site: Path
) -> None:
    missing = sorted(p for p in plugin_outputs(plugin_site) if not (mkdocs_site / p).is_file())
    assert missing == []


def test_zensical_pages_link_where_the_plugin_pages_link(
    zensical_site: Path, plugin_site: Path
) -> None:
    """Every page's content links to the same places (resolved from the site root)."""
    pages = sorted(p for p in plugin_outputs(plugin_site) if p.endswith(".html"))
    different = [
        p for p in pages if content_links(zensical_site, p) != content_links(plugin_site, p)
    ]
    assert different == []
    service = content_links(zensical_site, "services/payments-db/index.html")
    assert "postmortems/2026-03-14-payments-db-failover-runbook/" in service
    assert "postmortems/2026-03-14-payments-db-failover-runbook/#ai-5" in service
    assert "https://postmortems.larkspur.example/services/payments-db.xml" in service


def test_zensical_internal_links_resolve(zensical_site: Path) -> None:
    assert broken_links(zensical_site) == []


def test_plain_mkdocs_internal_links_resolve(mkdocs_site: Path) -> None:
    assert broken_links(mkdocs_site) == []


def test_zensical_pages_look_like_the_plugin_pages(zensical_site: Path, plugin_site: Path) -> None:
    pm_id = "2026-03-14-payments-db-failover-runbook"
    for site in (zensical_site, plugin_site):
        html = (site / "postmortems" / pm_id / "index.html").read_text(encoding="utf-8")
        assert html.count("<h1") == 1
        assert 'class="pm-card"' in html
        assert 'id="ai-3"' in html  # action-item anchors other pages link to
        assert 'href="#related-postmortems"' in html  # the table of contents lists it
        assert 'href="#summary"' in html
        assert "postmortem-kb.css" in html and "sortable-tables.js" in html
    service = (zensical_site / "services" / "payments-db" / "index.html").read_text("utf-8")
    assert 'class="pm-feed"' in service  # the service's feed, under its title
    dashboard = (zensical_site / "dashboard" / "index.html").read_text(encoding="utf-8")
    assert "<svg" in dashboard  # docs/index.md's dashboard, as a page of its own
    archive = (zensical_site / "postmortems" / "index.html").read_text(encoding="utf-8")
    assert 'id="pm-filter"' in archive and 'data-source="archive.json"' in archive


def test_zensical_site_filters_and_sorts_in_a_browser(browser: Any, zensical_site: Path) -> None:
    """The plugin's scripts work in the Zensical build: the archive filters (which match
    rows by their links' URLs) and the sortable tables, without console errors."""
    errors: list[str] = []
    with serve(zensical_site) as url:
        page = browser.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "postmortems/", wait_until="networkidle")
        count = page.locator("#pm-filter .pm-filter-count")
        assert count.inner_text() == "14 postmortems."
        page.locator("#pm-filter").get_by_label("Words").fill("maxmemory")  # body text only
        assert count.inner_text() == "1 of 14 postmortems match."
        shown = page.locator("#pm-filter-results tbody tr:not([hidden]) td:nth-child(2) a")
        assert (
            shown.get_attribute("href")
            == "../postmortems/2026-11-24-checkout-session-store-eviction/"
        )
        page.goto(url + "teams/team-sre/", wait_until="networkidle")
        header = page.locator("table[data-pm-sort] th button").first
        header.click()
        assert page.locator("table[data-pm-sort] th[aria-sort]").count() >= 1
        page.close()
    assert errors == []


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name"):
            if values.get(name):
                self.ids.add(str(values[name]))
        for name in ("href", "src"):
            if values.get(name) and tag in ("a", "link", "script", "img"):
                self.links.append(str(values[name]))


class _ContentLinks(HTMLParser):
    """The links of a page's ``<article>``, but its permalinks and edit button."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.depth += tag == "article"
        theirs = {"headerlink", "md-content__button"} & set((values.get("class") or "").split())
        if self.depth and tag == "a" and values.get("href") and not theirs:
            self.links.append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag == "article"


def content_links(site: Path, page: str) -> set[str]:
    """The links of ``page``'s content, from the site root (``services/db/#x``)."""
    parser = _ContentLinks()
    parser.feed((site / page).read_text(encoding="utf-8"))
    folder, found = posixpath.dirname(page), set()
    for href in parser.links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            found.add(href)
            continue
        path = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        path = "" if path == "." else path + ("/" if parts.path.endswith("/") else "")
        found.add(
            path + (f"?{parts.query}" if parts.query else "") + f"#{parts.fragment}".rstrip("#")
        )
    return found


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Every link of a page of ``site`` that leads to no file of the site, or to an id its
    page lacks: ``page -> href``."""
    broken = []
    parsed = {page: _parse(page) for page in site.rglob("*.html")}
    for page, parser in parsed.items():
        base = page.parent.relative_to(site).as_posix()
        for href in parser.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("mailto:"):
                continue
            if not parts.path:  # a fragment of the page itself
                target = page
            else:
                # site_url is a host's root: "/x" is x of the site (404.html links so)
                path = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
                if parts.path.startswith("/"):
                    path = posixpath.normpath(unquote(parts.path).lstrip("/") or ".")
                if path.startswith(".."):
                    broken.append(f"{page.relative_to(site)} -> {href} (outside the site)")
                    continue
                target = site / path
                if target.is_dir() or parts.path.endswith("/"):
                    target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {href}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in parsed[target].ids
            ):
                broken.append(f"{page.relative_to(site)} -> {href} (no such id)")
    return broken
