"""The published sample archive in a real browser: search, filters, pages, no console errors.

Playwright drives Debian's Chromium (/usr/bin/chromium). Without it the tests are skipped on
a developer machine and fail in CI (CI=true), where .ci/run installs it.
Set PM_SCREENSHOTS=docs/assets/screenshots to refresh the README's screenshots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from helpers import (
    REPO,
    browser_api,
    build_sample,
    material_search,
    serve,
)

browser_api()  # skipped without Playwright and Chromium, a failure in CI


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the sample archive and serve it on a free loopback port."""
    site_dir = tmp_path_factory.mktemp("browser") / "site"
    build_sample(site_dir)
    with serve(site_dir) as url:
        yield url


class Visit:
    """A page that records console errors and every request it makes."""

    def __init__(self, browser: object, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _console(self, message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            self.errors.append(message.text)  # type: ignore[attr-defined]

    def open(self, path: str) -> object:
        self.page.goto(self.base + path, wait_until="networkidle")
        return self.page

    def close(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        outside = [url for url in self.requests if not url.startswith(self.base)]
        assert outside == [], f"requests outside the site: {outside}"
        self.context.close()


@pytest.fixture
def visit(browser: object, site_url: str) -> Iterator[Visit]:
    """A fresh page; fails the test on console errors or requests to other hosts."""
    session = Visit(browser, site_url)
    yield session
    session.close()


def screenshot(page: object, name: str) -> None:
    """Save a screenshot for the README when PM_SCREENSHOTS names a folder."""
    folder = os.environ.get("PM_SCREENSHOTS")
    if folder:
        target = REPO / folder
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]


def search(page: object, query: str) -> list[str]:
    """Type into Material's header search; return the result links in order."""
    page.click("input.md-search__input")  # type: ignore[attr-defined]
    page.keyboard.type(query, delay=20)  # type: ignore[attr-defined]  # Material listens to keys
    # Results appear while the query is typed: wait for those of the whole query (Material
    # puts the terms it highlights in each result's ?h=).
    page.wait_for_function(  # type: ignore[attr-defined]
        """last => {
            const link = document.querySelector('.md-search-result__item > a');
            const terms = link && new URL(link.href).searchParams.get('h');
            return terms !== null && terms !== undefined && terms.toLowerCase().includes(last);
        }""",
        arg=query.split()[-1].lower(),
    )
    links = page.eval_on_selector_all(  # type: ignore[attr-defined]
        ".md-search-result__item > a", "items => items.map(a => a.getAttribute('href'))"
    )
    return [str(link) for link in links]


@material_search
def test_search_finds_a_postmortem_by_a_body_phrase(visit: Visit) -> None:
    page = visit.open("")
    results = search(page, "carrier-grade NAT")
    assert results and "postmortems/2026-10-07-search-rate-limit-cgnat/" in results[0]


@material_search
def test_search_offers_the_service_page_first_for_a_service_name(visit: Visit) -> None:
    page = visit.open("")
    results = search(page, "Checkout")
    assert results[0].split("?")[0].endswith("/services/checkout/")


@material_search
def test_a_service_page_result_reads_as_a_line_of_figures(visit: Visit) -> None:
    page = visit.open("")
    results = search(page, "Payments API")
    assert results[0].split("?")[0].endswith("/services/payments-api/")
    snippet = page.locator(".md-search-result__item").first.inner_text()  # type: ignore[attr-defined]
    assert "payments-api — owner team-payments — 5 postmortems, 3 SEV1/SEV2, last incident" in (
        snippet
    )
    assert "Service id" not in snippet and "idOwner" not in snippet


@material_search
def test_search_finds_postmortems_by_action_item_owner(visit: Visit) -> None:
    page = visit.open("")
    results = search(page, "dmitri")
    assert any("postmortems/2026-03-14-payments-db-failover-runbook/" in r for r in results)


ARCHIVE = "postmortems/"
EVICTION = "2026-11-24-checkout-session-store-eviction"  # its body alone says "maxmemory"


def count_text(page: object) -> str:
    """The archive filter's result count (the live region)."""
    return str(page.locator("#pm-filter .pm-filter-count").inner_text())  # type: ignore[attr-defined]


def result_links(page: object) -> list[str]:
    """The postmortems the filtered table shows, by the folder of their page."""
    hrefs = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#pm-filter-results tbody tr:not([hidden]) td:nth-child(2) a",
        "links => links.map(a => a.getAttribute('href'))",
    )
    return [str(href).rstrip("/").rsplit("/", 1)[-1] for href in hrefs]


def checkbox(page: object, facet: str, label: str) -> object:
    """A facet's checkbox, found by its label as assistive technology finds it (its panel
    must be open)."""
    return page.locator(f"#pm-filter fieldset[id$='-{facet}']").get_by_role(  # type: ignore[attr-defined]
        "checkbox", name=label, exact=True
    )


def checked(page: object, facet: str) -> list[str]:
    """The values checked in a facet (URL values), open or closed."""
    return list(
        page.eval_on_selector_all(  # type: ignore[attr-defined]
            f"#pm-filter input[name={facet}]:checked", "boxes => boxes.map(b => b.value)"
        )
    )


def search_is_closed(page: object) -> bool:
    """Material's search overlay is closed and its query empty (it reads ?q= on load)."""
    toggle = page.locator("#__search").is_checked()  # type: ignore[attr-defined]
    query = page.locator("input.md-search__input").input_value()  # type: ignore[attr-defined]
    return not toggle and query == ""


def test_archive_text_filter_finds_a_word_only_the_body_has(visit: Visit) -> None:
    page = visit.open(ARCHIVE)
    words = page.locator("#pm-filter").get_by_label("Words")  # type: ignore[attr-defined]
    assert page.locator("#pm-filter .pm-filter-count").get_attribute("aria-live") == "polite"  # type: ignore[attr-defined]
    words.fill("maxmemory")
    assert count_text(page) == "1 of 14 postmortems match."
    assert result_links(page) == [EVICTION]
    words.fill("maxmem")  # the beginning of a word finds it
    assert result_links(page) == [EVICTION]
    assert page.url.endswith("/postmortems/?text=maxmem")  # type: ignore[attr-defined]
    words.fill("expir")  # expired, expiry, expires...
    found = result_links(page)
    assert "2025-01-22-payments-api-certificate-expiry" in found
    assert "2026-01-22-payments-api-certificate-expiry-again" in found
    words.fill("the maxmemory")  # a stop word typed in full is left out
    assert result_links(page) == [EVICTION]
    words.fill("quokkaflag")
    assert count_text(page) == "0 of 14 postmortems match."
    assert page.locator("#pm-filter .pm-filter-empty").is_visible()  # type: ignore[attr-defined]
    assert search_is_closed(page)


def test_archive_filters_round_trip_in_the_url_without_opening_search(visit: Visit) -> None:
    query = "?text=expir&service=checkout&service=payments-api&year=2026"
    page = visit.open(ARCHIVE + query)
    assert search_is_closed(page)
    assert page.locator("#pm-filter").get_by_label("Words").input_value() == "expir"  # type: ignore[attr-defined]
    assert checked(page, "service") == ["checkout", "payments-api"]
    assert checked(page, "year") == ["2026"]
    first = result_links(page)
    assert count_text(page) == f"{len(first)} of 14 postmortems match." and first
    assert "2026-01-22-payments-api-certificate-expiry-again" in first
    assert page.locator("#pm-archive-static").is_hidden()  # type: ignore[attr-defined]
    chips = page.locator("#pm-filter .pm-chip")  # type: ignore[attr-defined]
    assert chips.all_inner_texts() == [
        "Service: Checkout ×",
        "Service: Payments API ×",
        "Year: 2026 ×",
    ]
    page.reload(wait_until="networkidle")  # type: ignore[attr-defined]
    assert page.url.endswith("/postmortems/" + query)  # type: ignore[attr-defined]
    assert result_links(page) == first and search_is_closed(page)
    chips.last.click()  # removing a filter rewrites the URL
    assert page.url.endswith(  # type: ignore[attr-defined]
        "/postmortems/?text=expir&service=checkout&service=payments-api"
    )
    assert "2025-01-22-payments-api-certificate-expiry" in result_links(page)


def test_two_values_of_a_facet_show_their_union_by_keyboard(visit: Visit) -> None:
    page = visit.open(ARCHIVE)
    button = page.locator("#pm-filter .pm-facet-button", has_text="Service")  # type: ignore[attr-defined]
    button.focus()
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert button.get_attribute("aria-expanded") == "true"
    panel = page.locator("#" + button.get_attribute("aria-controls"))  # type: ignore[attr-defined]
    assert panel.is_visible()
    page.keyboard.press("Tab")  # type: ignore[attr-defined]  # into the panel
    assert page.evaluate("document.activeElement.type") == "checkbox"  # type: ignore[attr-defined]
    checkbox(page, "service", "Notifications").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    notifications = result_links(page)
    checkbox(page, "service", "Notifications").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    checkbox(page, "service", "Inventory").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    inventory = result_links(page)
    checkbox(page, "service", "Notifications").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    both = result_links(page)
    assert notifications and inventory and not set(notifications) & set(inventory)
    assert sorted(both) == sorted(notifications + inventory)
    assert count_text(page) == f"{len(both)} of 14 postmortems match."
    assert page.url.endswith("?service=inventory&service=notifications")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert panel.is_hidden() and button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('pm-facet-button')")  # type: ignore[attr-defined]
    assert search_is_closed(page)


def test_archive_filter_count_and_clear_all(visit: Visit) -> None:
    page = visit.open(ARCHIVE)
    static_rows = page.locator("#pm-archive-static tbody tr").count()  # type: ignore[attr-defined]
    assert static_rows == 14 and count_text(page) == "14 postmortems."
    page.locator("#pm-filter .pm-facet-button", has_text="Service").click()  # type: ignore[attr-defined]
    checkbox(page, "service", "Checkout").check()  # type: ignore[attr-defined]
    page.locator("#pm-filter .pm-facet-button", has_text="Severity").click()  # type: ignore[attr-defined]
    checkbox(page, "severity", "SEV1").check()  # type: ignore[attr-defined]
    assert count_text(page) == "2 of 14 postmortems match."
    assert re.search(r"/postmortems/\?service=checkout&severity=SEV1$", page.url)  # type: ignore[attr-defined]
    intro = page.locator("article p").first  # type: ignore[attr-defined]
    intro.click(position={"x": 4, "y": 4})  # a click elsewhere closes the panel
    assert page.locator("#pm-filter .pm-facet-panel:visible").count() == 0  # type: ignore[attr-defined]
    screenshot(page, "archive-filtered")
    page.locator("#pm-filter").get_by_label("Words").fill("failover")  # type: ignore[attr-defined]
    assert count_text(page) == "1 of 14 postmortems match."
    page.get_by_role("button", name="Clear all").click()  # type: ignore[attr-defined]
    assert count_text(page) == "14 postmortems."
    assert page.locator("#pm-archive-static").is_visible()  # type: ignore[attr-defined]
    assert page.locator("#pm-filter-results").is_hidden()  # type: ignore[attr-defined]
    assert page.locator("#pm-filter input:checked").count() == 0  # type: ignore[attr-defined]
    assert page.locator("#pm-filter").get_by_label("Words").input_value() == ""  # type: ignore[attr-defined]
    assert page.url.endswith("/postmortems/")  # type: ignore[attr-defined]


def test_archive_without_javascript_is_the_full_listing(browser: object, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(site_url + "postmortems/?service=checkout")
    assert page.locator("#pm-archive-static tbody tr").count() == 14
    assert page.locator("#pm-filter").is_hidden()
    context.close()


def test_action_items_page_lists_overdue_items_first_and_highlighted(visit: Visit) -> None:
    page = visit.open("action-items/")
    rows = page.locator("article table tbody tr")  # type: ignore[attr-defined]
    overdue = [rows.nth(i).locator(".pm-overdue").count() > 0 for i in range(rows.count())]
    assert overdue[:4] == [True] * 4 and not any(overdue[4:])
    first, later = rows.nth(0), rows.nth(4)
    # An overdue row is marked by a bar on its first cell (a tinted row would dim its links).
    style = "row => getComputedStyle(row.cells[0]).boxShadow"
    highlighted, plain = first.evaluate(style), later.evaluate(style)
    assert highlighted != plain and "inset" in highlighted
    screenshot(page, "action-items")


def test_postmortem_page_shows_card_action_items_and_working_links(visit: Visit) -> None:
    page = visit.open("postmortems/2026-03-14-payments-db-failover-runbook/")
    card = page.locator(".pm-card")  # type: ignore[attr-defined]
    assert card.is_visible()
    assert "SEV1" in card.inner_text() and "resolved in 5 h 5 min" in card.inner_text()
    assert page.locator("#ai-7").count() == 1  # type: ignore[attr-defined]
    screenshot(page, "postmortem")
    page.click(".pm-card a:has-text('Payments database')")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert page.url.endswith("/services/payments-db/")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text().startswith("Payments database")  # type: ignore[attr-defined]
    page.click("article a[href*='2026-03-14-payments-db-failover-runbook/']")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "2026-03-14-payments-db-failover-runbook" in page.url  # type: ignore[attr-defined]


def test_home_page_dashboard(visit: Visit) -> None:
    page = visit.open("")
    cards = page.locator(".pm-dashboard").inner_text()  # type: ignore[attr-defined]
    assert "15 open action items" in cards and "4 overdue" in cards
    assert page.locator(".pm-chart svg rect").count() > 4  # type: ignore[attr-defined]
    screenshot(page, "home")


@pytest.mark.parametrize(
    "path",
    [
        "services/",
        "causes/",
        "action-items/owners/",
        "action-items/closed/",
        "needs-attention/",
        "reference/language/",
        "guide/blameless-postmortems/",
    ],
)
def test_other_pages_load_without_console_errors(visit: Visit, path: str) -> None:
    page = visit.open(path)
    assert page.locator("h1").count() == 1  # type: ignore[attr-defined]
