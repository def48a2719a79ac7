"""What generated pages give Material's search: sentences and readable lines, never tables.

A table's cells run together in the index ("Service idOwnerPostmortems... payments-apiteam-
payments53"); the page still shows the tables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import ARCHIVE, EPOCH, P1, P3, build_site, make_site, material_search, page
from postmortem_kb.site.html import Markers

pytestmark = material_search

TITLES = {
    "Checkout config push broke the cart",
    "Feature flag broke checkout and payments",
    "Payments provider timed out",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture archive (with service and cause catalogs), built strictly."""
    root = tmp_path_factory.mktemp("search")
    config = make_site(root, ARCHIVE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "site", strict=True)
    return root / "site"


@pytest.fixture(scope="module")
def docs(site: Path) -> dict[str, str]:
    """The text of every entry of the search index, by location."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return {doc["location"]: doc["text"] for doc in index["docs"]}


def test_a_service_page_is_found_by_one_readable_line_of_figures(docs: dict[str, str]) -> None:
    assert docs["services/payments/"] == (
        "<p>payments — owner team-payments — 3 postmortems, 2 SEV1/SEV2, last incident "
        "2026-04-10 — 3 open action items, 2 overdue — median time to resolve 2 h.</p>"
    )
    assert docs["services/checkout/"].startswith("<p>Cart and order placement.</p> <p>checkout —")
    assert docs["services/ledger/"].endswith(
        "<p>ledger — owner team-ledger — no postmortems yet — 0 open action items.</p>"
    )


def test_each_row_of_a_counterpart_table_is_a_line(docs: dict[str, str]) -> None:
    assert docs["services/payments/#causes-that-hit-it-most"] == (
        "<ul><li>Third-party dependency — 2 postmortems</li><li>Capacity — 1 postmortem</li>"
        "<li>Configuration change — 1 postmortem</li></ul>"
    )
    assert docs["causes/config-change/"] == (
        "<p>config-change — 3 postmortems, 3 SEV1/SEV2, last incident 2026-03-03 — 3 open "
        "action items, 2 overdue — median time to resolve 1 h.</p>"
    )
    assert docs["services/payments/#postmortems"] == "<p>3 postmortems, newest first.</p>"
    assert docs["services/payments/#open-action-items"] == "<p>3 open action items, 2 overdue.</p>"


def test_listing_and_owner_pages_are_found_by_their_sentences(docs: dict[str, str]) -> None:
    assert (
        docs["postmortems/#2026"] == "<p>5 postmortems in 2026: 1 SEV1, 2 SEV2, 1 SEV3, 1 SEV4.</p>"
    )
    assert docs["action-items/"].startswith("<p>6 open action items, 4 overdue on 2026-06-01.")
    assert docs["action-items/owners/team-a/"] == (
        "<p>Action items owned by team-a: 3 open (3 overdue on 2026-06-01), 1 closed.</p>"
    )
    assert "services/" in docs and "causes/" in docs and "needs-attention/" in docs


def test_no_table_reaches_the_index_and_no_listing_buries_a_postmortem(
    docs: dict[str, str],
) -> None:
    run_together = re.compile(r"Service id|idOwner|CausePostmortems|DueStatus|DateP|[a-z]SEV\d")
    for location, text in docs.items():
        assert not run_together.search(text), (location, text)
        if not location.startswith(f"postmortems/{P1}") and not location.startswith(
            f"postmortems/{P3}"
        ):
            assert not [title for title in TITLES if title in text], location


def test_pages_still_show_their_tables_and_no_marker_is_left(site: Path) -> None:
    payments = page(site, "services/payments")
    assert '<th scope="col">Service id</th><th scope="col">Owner</th>' in payments
    assert "Feature flag broke checkout and payments" in payments  # the postmortems table
    assert "payments — owner team-payments —" not in payments  # the line is for search only
    archive = page(site, "postmortems")
    assert archive.count("<tbody>") == 2 and "5 postmortems in 2026:" not in archive
    for html_file in site.rglob("*.html"):
        assert "pmkb-" not in html_file.read_text(encoding="utf-8"), html_file


def test_a_searched_place_gets_its_html_later_or_keeps_its_text() -> None:
    mark = Markers("0123abcd")
    text = f"<p>a</p>{mark.searched('figures', '<p>line</p>')}{mark('rest')}"
    assert mark.fill(text, {"rest": "R"}) == f"<p>a</p>{mark.searched('figures', '<p>line</p>')}R"
    assert mark.fill(text, {"figures": "<table/>"}, final=True) == "<p>a</p><table/>"
    assert mark.fill(text, {}, final=True) == "<p>a</p><p>line</p>"
    other = Markers("ffff0000")  # an author cannot write a place: the nonce is random
    assert other.fill(text, {"figures": "X"}, final=True) == text
