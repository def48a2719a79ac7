"""Sortable columns of the team and person pages in a real browser: mouse and keyboard,
aria-sort, and the full table in its own order without JavaScript.

Playwright drives Debian's Chromium (/usr/bin/chromium). Without it the tests are skipped on
a developer machine and fail in CI (CI=true), as in test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from helpers import browser_api, build_sample, serve

TEAM = "teams/team-edge/"  # 5 open items: 3 overdue, 1 due soon, 1 later

browser_api()  # skipped without Playwright and Chromium, a failure in CI


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the sample archive (on 2026-11-27) and serve it on a free loopback port."""
    site_dir = tmp_path_factory.mktemp("sortable") / "site"
    build_sample(site_dir)
    with serve(site_dir) as url:
        yield url


@pytest.fixture
def open_page(browser: Any, site_url: str) -> Iterator[Any]:
    """Open a page of the site; fails the test on console errors."""
    contexts: list[Any] = []
    errors: list[str] = []

    def visit(path: str, *, javascript: bool = True) -> Any:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(site_url + path, wait_until="networkidle")
        return page

    yield visit
    for context in contexts:
        context.close()
    assert errors == [], f"console errors: {errors}"


def table(page: Any) -> Any:
    """The table of the team's open action items."""
    return page.locator("table[data-pm-sort]").first


def column(page: Any, index: int) -> list[str]:
    """The texts of one column of the open items, top to bottom (``index`` from 1)."""
    cells = table(page).locator(f"tbody tr td:nth-child({index})")
    return [text.strip() for text in cells.all_inner_texts()]


def header(page: Any, name: str) -> Any:
    """A column's header cell, by its title."""
    return table(page).locator("thead th", has=page.get_by_role("button", name=name, exact=True))


DUE, AGE, ITEM = 4, 5, 1


def test_without_javascript_the_table_is_complete_in_the_site_order(open_page: Any) -> None:
    page = open_page(TEAM, javascript=False)
    assert table(page).locator("button").count() == 0
    states = column(page, 6)
    assert len(states) == 5
    assert [("overdue" in s, "due in" in s or "due today" in s) for s in states] == [
        (True, False),
        (True, False),
        (True, False),
        (False, True),
        (False, False),
    ]


def test_clicking_a_header_sorts_ascending_then_descending(open_page: Any) -> None:
    page = open_page(TEAM)
    before = column(page, ITEM)
    due = header(page, "Due")
    assert due.get_attribute("aria-sort") is None
    due.get_by_role("button").click()
    assert due.get_attribute("aria-sort") == "ascending"
    dates = column(page, DUE)
    assert dates == sorted(dates)
    due.get_by_role("button").click()
    assert due.get_attribute("aria-sort") == "descending"
    assert column(page, DUE) == sorted(dates, reverse=True)
    assert sorted(column(page, ITEM)) == sorted(before)  # the same rows, nothing lost


def test_age_sorts_as_a_number_and_only_one_header_is_sorted(open_page: Any) -> None:
    page = open_page(TEAM)
    header(page, "Due").get_by_role("button").click()
    age = header(page, "Age")
    age.get_by_role("button").click()
    assert age.get_attribute("aria-sort") == "ascending"
    assert header(page, "Due").get_attribute("aria-sort") is None
    days = [int(text.removesuffix(" d")) for text in column(page, AGE)]
    assert days == sorted(days) and len({len(str(d)) for d in days}) > 1  # 24 < 258


def test_the_keyboard_reaches_and_presses_the_sort_buttons(open_page: Any) -> None:
    page = open_page(TEAM)
    first = table(page).locator("thead button").first
    first.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Owner"  # the next header's button, in reading order
    page.keyboard.press("Enter")
    owner = header(page, "Owner")
    assert owner.get_attribute("aria-sort") == "ascending"
    owners = column(page, 2)
    assert owners == sorted(owners, key=str.casefold)
    page.keyboard.press("Space")
    assert owner.get_attribute("aria-sort") == "descending"
    assert column(page, 2) == sorted(owners, key=str.casefold, reverse=True)


def test_empty_values_stay_last_both_ways(open_page: Any) -> None:
    page = open_page("teams/team-payments/")
    closed = page.locator("table[data-pm-sort]").nth(1)  # recently closed: one has no due date
    due = closed.locator("thead th", has=page.get_by_role("button", name="Due", exact=True))
    for direction in ("ascending", "descending"):
        due.get_by_role("button").click()
        assert due.get_attribute("aria-sort") == direction
        dates = [t.strip() for t in closed.locator("tbody tr td:nth-child(4)").all_inner_texts()]
        assert dates[-1] == "—" and "—" not in dates[:-1]
