"""Accessibility of every kind of generated page, in a real browser: axe-core (WCAG 2.0/2.1
A and AA rules) in the light and the dark scheme, the archive's filters by keyboard alone,
and a postmortem printed to PDF.

Playwright drives Debian's Chromium; axe-core is the copy bundled in the PyPI package
``axe-playwright-python`` (a dev dependency, no network at test time). Without them the
tests are skipped on a developer machine and fail in CI (CI=true), as in test_browser.py.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    REPO,
    SAMPLE_TODAY,
    THEME,
    browser_api,
    build_sample,
    build_site,
    serve,
)

browser_api()  # skipped without Playwright and Chromium, a failure in CI
if os.environ.get("CI"):  # CI must run these tests: a missing part is a failure there
    import axe_playwright_python
    import pypdf
else:
    axe_playwright_python = pytest.importorskip("axe_playwright_python")
    pypdf = pytest.importorskip("pypdf")

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

WITH_ITEMS = "postmortems/2025-09-02-payments-replica-lag/"
# Every kind of page the plugin generates (one of each kind of entry page).
PAGES = [
    "",  # the home page: the dashboard (the rest of it is the site's own Markdown)
    "postmortems/",
    "services/",
    "services/payments-api/",
    "causes/",
    "causes/config-change/",
    "action-items/",
    "action-items/owners/",
    "action-items/owners/team-edge/",
    "action-items/services/",
    "action-items/closed/",
    "teams/",
    "teams/team-edge/",
    "people/alice/",
    "needs-attention/",
    "review-queue/",
    "insights/",
    WITH_ITEMS,
    "postmortems/2026-11-24-checkout-session-store-eviction/",
]
SCHEMES = {"default": 0, "slate": 1}  # Material's palette toggles in the sample's mkdocs.yml
SCHEME_PARAMS = [
    "default",
    pytest.param(
        "slate",
        marks=pytest.mark.skipif(
            THEME != "material",
            reason=f"{THEME}'s dark palette is the theme's own: its link colour on its striped "
            "table rows is 4.31:1 and its navigation 2.19:1 (the plugin's colours pass)",
        ),
    ),
]
"""The schemes axe checks: both with Material, whose palette the CSS is measured against."""


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample archive, built on 2026-11-27."""
    site = tmp_path_factory.mktemp("a11y") / "site"
    build_sample(site)
    return site


@pytest.fixture(scope="module")
def site_url(site_dir: Path) -> Iterator[str]:
    """The sample archive, served on a free loopback port."""
    with serve(site_dir) as url:
        yield url


def scheme_context(browser: Any, scheme: str) -> Any:
    """A browser context whose pages open in ``scheme``: Material reads the reader's choice
    of palette from localStorage (``<scope>.__palette``) before it paints."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    color = {"media": "", "scheme": scheme, "primary": "indigo", "accent": "indigo"}
    palette = json.dumps({"index": SCHEMES[scheme], "color": color})
    context.add_init_script(f"localStorage.setItem('/.__palette', {json.dumps(palette)})")
    return context


def serious_violations(page: Any, path: str) -> list[str]:
    """Serious and critical axe violations of the plugin's markup on the open page: the
    theme's footer is left out (Material's copyright line is 4.47:1 in the light scheme),
    and on the home page only the dashboard is the plugin's."""
    page.evaluate(AXE)
    context = {"include": [[".pm-home"]] if path == "" else [["body"]], "exclude": [[".md-footer"]]}
    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    results = page.evaluate("([c, o]) => axe.run(c, o)", [context, options])
    return [
        f"/{path} {violation['id']} ({violation['impact']}): {node['target']} "
        f"{node['failureSummary'].splitlines()[-1].strip()}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("scheme", SCHEME_PARAMS)
def test_no_serious_violation_on_any_generated_page(
    browser: Any, site_url: str, scheme: str
) -> None:
    context = scheme_context(browser, scheme)
    page = context.new_page()
    found: list[str] = []
    try:
        for path in PAGES:
            page.goto(site_url + path, wait_until="networkidle")
            applied = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
            assert applied == scheme, f"/{path} is in the {applied} scheme, not {scheme}"
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            red = int(background.split("(")[1].split(",")[0])
            assert (red < 64) == (scheme == "slate"), f"/{path}: background {background}"
            found += serious_violations(page, path)
            if path == "postmortems/":  # the archive filtered, a facet's checkboxes open
                page.get_by_label("Words").fill("payments")
                page.locator(".pm-facet-button").first.click()
                page.locator(".pm-facet-option input").first.check()
                page.wait_for_selector("#pm-filter-results:not([hidden])")
                found += serious_violations(page, path + " (filtered)")
    finally:
        context.close()
    assert not found, f"{len(found)} serious or critical violations:\n" + "\n".join(found)


IMPORTED = """\
---
title: Queue backlog delays order emails
date: 2023-07-19
status: published
causes: [capacity-limit]
imported: true
imported_from: {path: old/queue.md, sha256: 0a1b}
imported_fields: {Notion-ID: 7f3c2a91, layout: postmortem}
action_items:
  - {id: AI-1, title: Alert on queue age, due: 2023-08-01}
---

## Summary

The order email queue backed up for three hours after a consumer deploy.
"""
"""An imported postmortem with gaps: no severity, services, authors or owner, sections."""


@pytest.fixture(scope="module")
def imported_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample archive with an imported postmortem added, built and served."""
    root = tmp_path_factory.mktemp("a11y-imported")
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "postmortems", root / "postmortems")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    (root / "postmortems" / "2023-07-19-queue-backlog.md").write_text(IMPORTED, "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(root / "mkdocs.yml", root / "site", strict=True)
    with serve(root / "site") as url:
        yield url


@pytest.mark.parametrize("scheme", SCHEME_PARAMS)
def test_imported_postmortems_markup_has_no_serious_violation(
    browser: Any, imported_url: str, scheme: str
) -> None:
    """The imported badge, the banner with the fields kept from the original (opened), and
    the needs-attention table of gaps."""
    context = scheme_context(browser, scheme)
    page = context.new_page()
    found: list[str] = []
    try:
        page.goto(imported_url + "postmortems/2023-07-19-queue-backlog/", wait_until="networkidle")
        assert page.locator(".pm-imported").count() == 1
        page.get_by_text("Fields kept from the original").click()
        found += serious_violations(page, "postmortems/2023-07-19-queue-backlog/")
        page.goto(imported_url + "needs-attention/", wait_until="networkidle")
        assert page.get_by_text("Imported postmortems with gaps").count() == 1  # the caption
        found += serious_violations(page, "needs-attention/")
    finally:
        context.close()
    assert not found, f"{len(found)} serious or critical violations:\n" + "\n".join(found)


class Tables(HTMLParser):
    """Each table of a page's article: whether it has a caption, and its header cells
    without a scope."""

    def __init__(self) -> None:
        super().__init__()
        self.in_article = False
        self.captions: list[bool] = []
        self.unscoped = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_article = self.in_article or tag == "article"
        if not self.in_article:
            return
        if tag == "table":
            self.captions.append(False)
        elif tag == "caption" and self.captions:
            self.captions[-1] = True
        elif tag == "th" and "scope" not in dict(attrs):
            self.unscoped += 1

    def handle_endtag(self, tag: str) -> None:
        self.in_article = self.in_article and tag != "article"


def test_every_generated_table_has_a_caption_and_scoped_headers(site_dir: Path) -> None:
    generated = [p for p in PAGES if p] + [
        f"{kind}/{p.name}/"
        for kind in ("postmortems", "services", "causes", "teams", "people")
        for p in sorted((site_dir / kind).iterdir())
        if (p / "index.html").exists()
    ]
    tables = 0
    for path in generated:
        parser = Tables()
        parser.feed((site_dir / path / "index.html").read_text(encoding="utf-8"))
        assert all(parser.captions), f"/{path}: a table without a caption"
        assert parser.unscoped == 0, f"/{path}: {parser.unscoped} header cells without scope"
        tables += len(parser.captions)
    home = Tables()
    home.feed((site_dir / "index.html").read_text(encoding="utf-8"))
    assert len(home.captions) == 2 and all(home.captions)  # latest postmortems, chart figures
    assert tables > 100


def test_archive_is_filtered_and_a_result_opened_by_keyboard(browser: Any, site_url: str) -> None:
    context = scheme_context(browser, "default")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(site_url + "postmortems/", wait_until="networkidle")
        words = page.get_by_label("Words")  # a labelled form control
        assert tab_to(page, "#pm-filter input") == words.get_attribute("id")
        page.keyboard.type("certificate")
        count = page.locator(".pm-filter-count[role=status][aria-live=polite]")
        page.wait_for_function(
            "() => /2 of 14/.test(document.querySelector('.pm-filter-count').textContent)"
        )
        assert "2 of 14" in count.inner_text()
        # The severity facet: a button that opens its checkboxes, toggled with the keyboard.
        tab_to(page, ".pm-facet-button")
        page.keyboard.press("Enter")
        assert page.locator(".pm-facet-button").first.get_attribute("aria-expanded") == "true"
        page.keyboard.press("Escape")
        assert page.locator(".pm-facet-button").first.get_attribute("aria-expanded") == "false"
        tab_to(page, "#pm-filter-results tbody a")  # the newest match, the first row shown
        page.keyboard.press("Enter")
        page.wait_for_url("**/postmortems/2026-01-22-payments-api-certificate-expiry-again/")
        assert "certificate" in page.locator("h1").first.inner_text().lower()
    finally:
        context.close()


def tab_to(page: Any, selector: str, limit: int = 80) -> str:
    """Press Tab until the focused element matches ``selector``; return its id."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return str(page.evaluate("() => document.activeElement.id"))
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_a_postmortem_prints_its_card_items_and_body(browser: Any, site_url: str) -> None:
    context = scheme_context(browser, "slate")  # a dark screen still prints on white
    page = context.new_page()
    try:
        page.goto(site_url + WITH_ITEMS, wait_until="networkidle")
        page.emulate_media(media="print")
        hidden = page.evaluate(
            """() => ['.md-header', '.md-sidebar--primary', '.md-footer', '.md-search',
                      '.headerlink'].map(s => document.querySelector(s))
                     .filter(e => e && getComputedStyle(e).display !== 'none')
                     .map(e => e.className)"""
        )
        assert hidden == []
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        context.close()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 8
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for expected in (
        "Payment status shown as pending while payments replicas lagged 14 minutes",  # title
        "Action items",
        "Alert on payments replica lag above 30 seconds for 5 minutes",  # an item
        "Summary",  # the body
        "Timeline",
    ):
        assert expected in text, f"{expected!r} is not in the printed page"
    for navigation in (
        "Skip to content",
        "Blameless language",
        "Larkspur Postmortems",
        "Made with",
    ):
        assert navigation not in text, f"{navigation!r} (navigation) is printed"
