"""The archive index, built without MkDocs: groups, orderings, counts, cross-links, slugs.

The fixture archive (``ARCHIVE``, in ``helpers.py``) is designed so that every order and
count is known in advance; "today" is :data:`TODAY`. ``archive/test_exports.py`` and
``site/test_crosslinks.py`` build the same archive into a real site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    ARCHIVE,
    NEWEST_FIRST,
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
    TODAY,
    UNPARSABLE,
    index_of,
    item,
    load,
    pm_text,
    render_pages,
)
from postmortem_kb.archive.archive import Archive
from postmortem_kb.archive.index import Group, Index, ItemRef, build_index
from postmortem_kb.archive.urls import postmortem_uri
from postmortem_kb.model.findings import Level
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.listings import top_counterparts
from postmortem_kb.site.pages import entry_pages, index_entries, listing_pages


def ids(postmortems: Iterable[Postmortem]) -> list[str]:
    """Ids of postmortems, in order."""
    return [pm.id for pm in postmortems]


def refs(items: Iterable[ItemRef]) -> list[tuple[str, str]]:
    """(postmortem id, item id) of action items, in order."""
    return [(ref.postmortem.id, ref.item.id) for ref in items]


def group(groups: list[Group], value: str) -> Group:
    """The group of one value."""
    (found,) = [g for g in groups if g.entry.value == value]
    return found


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The fixture archive, loaded once."""
    return load(tmp_path_factory.mktemp("archive"), ARCHIVE)


@pytest.fixture(scope="module")
def index(archive: Archive) -> Index:
    """The fixture archive's index with default settings."""
    return build_index(archive, Settings(), TODAY)


def reindex(archive: Archive, **options: Any) -> Index:
    """Index the fixture archive again with plugin options."""
    return build_index(archive, Settings.from_options(options), TODAY)


# --- the fixture itself --------------------------------------------------------------------


def test_fixture_archive_is_clean(archive: Archive, index: Index) -> None:
    """Every count below relies on a valid archive: no finding but the notes that its
    items, written without tracker links, have none, that the postmortem in review and the
    draft follow earlier open items, and that the one in review waits for publication."""
    notes = {f.rule for f in archive.findings() if f.level is Level.INFO}
    assert [f for f in archive.findings() if f.level is not Level.INFO] == []
    assert notes == {"missing-tracker-link", "earlier-open-items", "publish-overdue"}
    assert index.findings == []
    assert index.with_problems() == []


def test_postmortems_newest_first(index: Index) -> None:
    assert ids(index.postmortems) == NEWEST_FIRST


# --- services, causes, owners --------------------------------------------------------------


def rows(groups: list[Group]) -> list[tuple[object, ...]]:
    """One tuple per group: value, label, slug, postmortems, severe, last, median, open, late."""
    return [
        (
            g.entry.value,
            g.entry.label,
            g.entry.slug,
            len(g.postmortems),
            g.severe_count,
            g.last_incident,
            g.median_time_to_resolve,
            len(g.open_items),
            g.overdue_count,
        )
        for g in groups
    ]


def test_service_rows(index: Index) -> None:
    minutes = dt.timedelta(minutes=1)
    assert rows(index.services) == [
        # 4 resolve times 45, 60, 90, 120 min: the median of an even count is the mean of two
        ("checkout", "Checkout", "checkout", 4, 3, dt.date(2026, 5, 28), 75 * minutes, 3, 2),
        # catalog entry without postmortems
        ("ledger", "Ledger", "ledger", 0, 0, None, None, 0, 0),
        # 3 resolve times 30, 120, 240 min: the middle one
        ("payments", "Payments API", "payments", 3, 2, dt.date(2026, 4, 10), 120 * minutes, 3, 2),
        # a draft without incident times: no median
        ("search", "Search", "search", 1, 0, dt.date(2026, 5, 25), None, 1, 1),
    ]


def test_cause_rows_and_recurrence(index: Index) -> None:
    minutes = dt.timedelta(minutes=1)
    assert rows(index.causes) == [
        ("capacity", "Capacity", "capacity", 2, 0, dt.date(2026, 5, 28), 60 * minutes, 1, 0),
        (
            "config-change",
            "Configuration change",
            "config-change",
            3,
            3,
            dt.date(2026, 3, 3),
            60 * minutes,
            3,
            2,
        ),
        (
            "dependency",
            "Third-party dependency",
            "dependency",
            3,
            2,
            dt.date(2026, 5, 25),
            180 * minutes,
            3,
            3,
        ),
        ("hardware", "Hardware failure", "hardware", 0, 0, None, None, 0, 0),
    ]
    # dependency: 3 postmortems within 125 days; config-change: 3 spread over 386 days
    assert {g.entry.value: g.recurring for g in index.causes} == {
        "capacity": False,
        "config-change": False,
        "dependency": True,
        "hardware": False,
    }


def test_group_postmortems_newest_first(index: Index) -> None:
    assert ids(group(index.services, "checkout").postmortems) == [P6, P4, P3, P1]
    assert ids(group(index.services, "payments").postmortems) == [P7, P3, P2]
    assert ids(group(index.services, "search").postmortems) == [P5]
    assert ids(group(index.causes, "config-change").postmortems) == [P4, P3, P1]
    assert ids(group(index.causes, "dependency").postmortems) == [P5, P7, P3]
    assert ids(group(index.causes, "capacity").postmortems) == [P6, P2]


def test_group_items_overdue_first_then_by_due_then_closed(index: Index) -> None:
    checkout = group(index.services, "checkout")
    assert refs(checkout.open_items) == [(P1, "AI-1"), (P3, "AI-1"), (P4, "AI-1")]
    assert [r.overdue for r in checkout.open_items] == [True, True, False]
    assert refs(checkout.closed_items) == [(P6, "AI-1"), (P3, "AI-2"), (P1, "AI-2")]
    payments = group(index.services, "payments")
    assert refs(payments.open_items) == [(P7, "AI-1"), (P3, "AI-1"), (P2, "AI-1")]
    assert refs(payments.closed_items) == [(P3, "AI-2")]
    dependency = group(index.causes, "dependency")
    assert refs(dependency.open_items) == [(P7, "AI-1"), (P3, "AI-1"), (P5, "AI-1")]


def test_all_items_with_overdue_days(index: Index) -> None:
    assert [
        (*r, ref.overdue, ref.days_overdue)
        for r, ref in zip(refs(index.open_items), index.open_items, strict=True)
    ] == [
        (P1, "AI-1", True, 457),  # due 2025-03-01
        (P7, "AI-1", True, 32),  # due 2026-04-30
        (P3, "AI-1", True, 31),  # due 2026-05-01, in progress
        (P5, "AI-1", True, 2),  # due 2026-05-30
        (P4, "AI-1", False, 0),  # due 2026-06-15
        (P2, "AI-1", False, 0),  # due 2026-07-01
    ]
    # closed: done and wont-do, newest postmortem first
    assert refs(index.closed_items) == [(P6, "AI-1"), (P3, "AI-2"), (P1, "AI-2")]
    assert all(not ref.overdue for ref in index.closed_items)


def test_item_due_today_is_not_overdue(index: Index, archive: Archive) -> None:
    later = build_index(archive, Settings(), dt.date(2026, 5, 30))
    by_key = dict(zip(refs(later.open_items), later.open_items, strict=True))
    assert not by_key[(P5, "AI-1")].overdue  # due 2026-05-30
    assert by_key[(P7, "AI-1")].days_overdue == 30


def test_items_of_a_postmortem_in_file_order(index: Index) -> None:
    pm = {p.id: p for p in index.postmortems}
    assert refs(index.items_of(pm[P1])) == [(P1, "AI-1"), (P1, "AI-2")]
    assert refs(index.items_of(pm[P3])) == [(P3, "AI-1"), (P3, "AI-2")]


def test_owner_groups(index: Index) -> None:
    assert [
        (g.entry.value, g.entry.slug, refs(g.open_items), refs(g.closed_items), g.overdue_count)
        for g in index.owners
    ] == [
        ("team-a", "team-a", [(P1, "AI-1"), (P7, "AI-1"), (P3, "AI-1")], [(P6, "AI-1")], 3),
        ("team-b", "team-b", [(P5, "AI-1"), (P2, "AI-1")], [(P1, "AI-2")], 1),
        ("team-c", "team-c", [(P4, "AI-1")], [(P3, "AI-2")], 0),
    ]


def test_entries_and_page_uris(index: Index) -> None:
    assert index.entry("service", "payments").uri == "services/payments.md"
    assert index.entry("service", "payments").label == "Payments API"
    assert index.entry("cause", "hardware").uri == "causes/hardware.md"
    assert index.entry("owner", "team-a").uri == "action-items/owners/team-a.md"
    assert index.entry("owner", "team-a").label == "team-a"


def test_severe_count_uses_the_first_two_configured_severities(archive: Archive) -> None:
    reverse = reindex(archive, severities=["SEV4", "SEV3", "SEV2", "SEV1"])
    assert {g.entry.value: g.severe_count for g in reverse.services} == {
        "checkout": 1,  # P6 is SEV3
        "ledger": 0,
        "payments": 1,  # P2 is SEV3
        "search": 1,  # P5 is SEV4
    }


def test_top_counterparts(index: Index) -> None:
    checkout = group(index.services, "checkout")
    assert top_counterparts(checkout, "causes") == [
        ("config-change", 3),
        ("capacity", 1),
        ("dependency", 1),
    ]
    dependency = group(index.causes, "dependency")
    assert top_counterparts(dependency, "services") == [
        ("payments", 2),
        ("checkout", 1),
        ("search", 1),
    ]


# --- recurrence ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"dependency"}),
        # capacity: 2 postmortems 265 days apart; config-change: P3, P4 42 days apart
        ({"recurrence_count": 2}, {"capacity", "config-change", "dependency"}),
        # config-change: 3 postmortems within 386 days
        ({"recurrence_days": 400}, {"config-change", "dependency"}),
        ({"recurrence_count": 4}, set()),
        # dependency spans 125 days
        ({"recurrence_days": 100}, set()),
        ({"recurrence_days": 126}, {"dependency"}),
    ],
)
def test_recurrence_options(archive: Archive, options: dict[str, int], expected: set[str]) -> None:
    index = reindex(archive, **options)
    assert {g.entry.value for g in index.causes if g.recurring} == expected


def test_recurrence_count_zero_is_rejected_or_harmless(archive: Archive) -> None:
    """Regression: 0 used to pass validation and crash on a cause without postmortems."""
    try:
        settings = Settings.from_options({"recurrence_count": 0})
    except ValueError:
        return  # rejecting the option is fine
    build_index(archive, settings, TODAY)


# --- related, referenced by, earlier open items --------------------------------------------


def test_related_explicit_first_then_computed_by_score(index: Index) -> None:
    """Computed: a shared specific cause is needed; score = (4 x causes + 2 x services) /
    (1 + days apart / 730) (archive/relevance.py)."""
    assert {pm_id: ids(pms) for pm_id, pms in index.related.items()} == {
        P6: [P2],  # explicit; P2 is also the only one sharing capacity, listed once
        P5: [P7, P3],  # dependency: P7 45 days away, P3 125 days
        P7: [P3, P5],  # explicit P3 first, then P5 (dependency, no service)
        P4: [P1, P3],  # explicit P1 first, then computed P3
        # explicit P2, then P4 (6 points, 42 days: 5.674), P7 (6, 80 days: 5.407),
        # P1 (6, 344 days: 4.078), P5 (4, 125 days: 3.415)
        P3: [P2, P4, P7, P1, P5],
        P2: [P6],  # capacity, although no service is shared
        P1: [P3, P4],  # same points: the nearer in time first
    }


def test_related_limit_caps_the_computed_postmortems(archive: Archive) -> None:
    one = reindex(archive, related_limit=1)
    assert ids(one.related[P1]) == [P3]  # the best of P3, P4
    assert one.relevance.related_more(P1, 1) == 1
    assert ids(one.related[P4]) == [P1, P3]  # listed ones do not count against the cap
    two = reindex(archive, related_limit=2)
    assert ids(two.related[P3]) == [P2, P4, P7]
    assert two.relevance.related_more(P3, 3) == 2


def test_related_limit_keeps_the_newest_across_services(tmp_path: Path) -> None:
    """Computed related postmortems come from every service, newest first, then are capped."""
    files = {
        "2026-01-01-a-one.md": pm_text("A one", dt.date(2026, 1, 1), "SEV3", ["a"], ["c"]),
        "2026-01-02-a-two.md": pm_text("A two", dt.date(2026, 1, 2), "SEV3", ["a"], ["c"]),
        "2026-03-01-b-one.md": pm_text("B one", dt.date(2026, 3, 1), "SEV3", ["b"], ["c"]),
        "2026-03-02-b-two.md": pm_text("B two", dt.date(2026, 3, 2), "SEV3", ["b"], ["c"]),
        "2026-04-01-both.md": pm_text("Both", dt.date(2026, 4, 1), "SEV3", ["a", "b"], ["c"]),
    }
    index = index_of(tmp_path, files, Settings.from_options({"related_limit": 5}))
    assert ids(index.related["2026-04-01-both"]) == [
        "2026-03-02-b-two",
        "2026-03-01-b-one",
        "2026-01-02-a-two",
        "2026-01-01-a-one",
    ]


def test_related_limit_keeps_the_newest_when_capped(tmp_path: Path) -> None:
    """Regression: the scan of a later service used to stop after one postmortem."""
    files = {
        "2026-01-01-a-one.md": pm_text("A one", dt.date(2026, 1, 1), "SEV3", ["a"], ["c"]),
        "2026-01-02-a-two.md": pm_text("A two", dt.date(2026, 1, 2), "SEV3", ["a"], ["c"]),
        "2026-03-01-b-one.md": pm_text("B one", dt.date(2026, 3, 1), "SEV3", ["b"], ["c"]),
        "2026-03-02-b-two.md": pm_text("B two", dt.date(2026, 3, 2), "SEV3", ["b"], ["c"]),
        "2026-04-01-both.md": pm_text("Both", dt.date(2026, 4, 1), "SEV3", ["a", "b"], ["c"]),
    }
    index = index_of(tmp_path, files, Settings.from_options({"related_limit": 2}))
    assert ids(index.related["2026-04-01-both"]) == ["2026-03-02-b-two", "2026-03-01-b-one"]


def test_referenced_by_is_the_reverse_of_explicit_related(index: Index) -> None:
    assert {pm_id: ids(pms) for pm_id, pms in index.referenced_by.items()} == {
        P2: [P6, P3],  # newest first
        P1: [P4],
        P3: [P7],
    }


def test_earlier_open_items(index: Index) -> None:
    assert {pm_id: refs(items) for pm_id, items in index.earlier_open.items()} == {
        # capacity (a cause) outweighs checkout (a service): P2, then checkout's P4, P3, P1
        # nearest first. Not P6's own items.
        P6: [(P2, "AI-1"), (P4, "AI-1"), (P3, "AI-1"), (P1, "AI-1")],
        # dependency: P7, P3 (earlier). Not P5's own item.
        P5: [(P7, "AI-1"), (P3, "AI-1")],
        # payments and dependency: P3, then P2 (payments only); never P5 (later)
        P7: [(P3, "AI-1"), (P2, "AI-1")],
        # checkout and config-change: P3 (42 days before) before P1 (386 days)
        P4: [(P3, "AI-1"), (P1, "AI-1")],
        # checkout and config-change: P1; payments only: P2
        P3: [(P1, "AI-1"), (P2, "AI-1")],
        # P2 (payments, capacity) shares nothing with P1; P1 is the first
    }


def test_earlier_open_limit(archive: Archive) -> None:
    two = reindex(archive, earlier_open_limit=2)
    assert refs(two.earlier_open[P6]) == [(P2, "AI-1"), (P4, "AI-1")]
    assert two.relevance.earlier_more(P6, 2) == 2
    assert refs(two.earlier_open[P3]) == [(P1, "AI-1"), (P2, "AI-1")]


# --- needs attention -----------------------------------------------------------------------


def test_stale_drafts_and_reviews(index: Index, archive: Archive) -> None:
    # P4 is in review since 2026-03-03 (90 days); the draft P5 is 7 days old
    assert [(pm.id, age) for pm, age in index.stale] == [(P4, 90)]
    short = reindex(archive, stale_after_days=6)
    assert [(pm.id, age) for pm, age in short.stale] == [(P4, 90), (P5, 7)]
    exact = reindex(archive, stale_after_days=7)  # "more than 7 days"
    assert [(pm.id, age) for pm, age in exact.stale] == [(P4, 90)]
    long = reindex(archive, stale_after_days=90)
    assert long.stale == []


# --- unreadable postmortems and problems ---------------------------------------------------


def test_unreadable_postmortems_are_listed_last_but_not_grouped(tmp_path: Path) -> None:
    files = {
        "2026-01-05-zz-broken.md": UNPARSABLE,
        "2026-01-04-aa-broken.md": UNPARSABLE,
        "2026-01-01-fine.md": pm_text(
            "Fine",
            dt.date(2026, 1, 1),
            "SEV2",
            ["checkout"],
            ["capacity"],
            items=[item("AI-1", "Do it", "team-a", due=dt.date(2026, 2, 1))],
        ),
        "2026-02-01-missing-section.md": pm_text(
            "Half", dt.date(2026, 2, 1), "SEV2", ["checkout"], ["capacity"]
        ).split("## Impact")[0],
    }
    index = index_of(tmp_path, files)
    assert ids(index.postmortems) == [
        "2026-02-01-missing-section",
        "2026-01-01-fine",
        "2026-01-04-aa-broken",
        "2026-01-05-zz-broken",
    ]
    assert [g.entry.value for g in index.services] == ["checkout"]
    assert ids(index.services[0].postmortems) == ["2026-02-01-missing-section", "2026-01-01-fine"]
    assert set(index.related) == {"2026-02-01-missing-section", "2026-01-01-fine"}
    assert refs(index.open_items) == [("2026-01-01-fine", "AI-1")]
    # with problems: in file order (errors and warnings, whatever their kind)
    assert ids(index.with_problems()) == [
        "2026-01-04-aa-broken",
        "2026-01-05-zz-broken",
        "2026-02-01-missing-section",
    ]


# --- slugs ---------------------------------------------------------------------------------

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def test_slug_collisions_get_distinct_slugs_and_a_finding(tmp_path: Path) -> None:
    files = {
        "2026-01-01-first.md": pm_text(
            "First",
            dt.date(2026, 1, 1),
            "SEV3",
            ["Team DB", "日本"],
            ["Config Change"],
            items=[item("AI-1", "One", "Team A", due=dt.date(2026, 7, 1))],
        ),
        "2026-01-02-second.md": pm_text(
            "Second",
            dt.date(2026, 1, 2),
            "SEV3",
            ["team-db", "index"],
            ["config-change", "index"],
            items=[item("AI-1", "Two", "team-a", due=dt.date(2026, 7, 1))],
        ),
    }
    index = index_of(tmp_path, files)
    slugs = {(e.kind, e.value): e.slug for e in index.entries.values()}
    for kind in ("service", "cause", "owner"):
        of_kind = [slug for (k, _), slug in slugs.items() if k == kind]
        assert len(of_kind) == len(set(of_kind)), kind
        assert "index" not in of_kind, kind
        assert all(SLUG.match(slug) for slug in of_kind), of_kind
    assert {slugs[("service", "Team DB")], slugs[("service", "team-db")]} >= {"team-db"}
    assert {slugs[("cause", "Config Change")], slugs[("cause", "config-change")]} >= {
        "config-change"
    }
    assert {slugs[("owner", "Team A")], slugs[("owner", "team-a")]} >= {"team-a"}
    collisions = [f for f in index.findings if f.rule == "slug-collision"]
    messages = " | ".join(f.message for f in collisions)
    for value in ("'Team DB'", "'team-db'", "'Config Change'", "'Team A'"):
        assert value in messages
    assert all(f.level.value == "warning" for f in collisions)
    # every group has a page of its own
    uris = [g.entry.uri for g in (*index.services, *index.causes, *index.owners)]
    assert len(uris) == len(set(uris))


def test_value_without_ascii_gets_a_stable_slug(tmp_path: Path) -> None:
    files = {
        "2026-01-01-first.md": pm_text("First", dt.date(2026, 1, 1), "SEV3", ["日本"], ["☃"]),
    }
    first = index_of(tmp_path / "one", files)
    second = index_of(tmp_path / "two", files)
    service = first.entry("service", "日本").slug
    cause = first.entry("cause", "☃").slug
    assert SLUG.match(service) and SLUG.match(cause)
    assert second.entry("service", "日本").slug == service
    assert second.entry("cause", "☃").slug == cause
    assert service != "" and service != "index"


def test_service_named_index_does_not_take_the_listing_page(tmp_path: Path) -> None:
    files = {
        "2026-01-01-first.md": pm_text(
            "First",
            dt.date(2026, 1, 1),
            "SEV3",
            ["index", "Index"],
            ["index"],
            items=[item("AI-1", "One", "index", due=dt.date(2026, 7, 1))],
        ),
    }
    index = index_of(tmp_path, files)
    for kind in ("service", "cause", "owner"):
        entry = index.entry(kind, "index")
        assert entry.slug != "index"
        assert not entry.uri.endswith("/index.md")
    assert index.entry("service", "Index").slug not in (
        "index",
        index.entry("service", "index").slug,
    )
    pages = [p.uri for p in [*listing_pages(), *entry_pages(index_entries(index))]]
    pages += [postmortem_uri(pm.slug) for pm in index.postmortems]
    assert len(pages) == len(set(pages))


# --- generated pages -----------------------------------------------------------------------


def test_site_pages_uris_titles_and_listing(index: Index) -> None:
    pages = [*listing_pages(), *entry_pages(index_entries(index))]
    listed = {p.uri: p.title for p in pages if p.listed}
    assert listed == {
        "postmortems/index.md": "Postmortems",
        "services/index.md": "Services",
        "causes/index.md": "Causes",
        "action-items/index.md": "Open action items",
        "action-items/owners/index.md": "By owner",
        "action-items/services.md": "By service",
        "action-items/closed.md": "Closed action items",
        "needs-attention.md": "Needs attention",
        "insights/index.md": "Insights",
        "review-queue.md": "Review queue",
    }
    unlisted = {p.uri: p.title for p in pages if not p.listed}
    assert [postmortem_uri(pm.slug) for pm in index.postmortems] == [
        f"postmortems/{pm_id}.md" for pm_id in NEWEST_FIRST
    ]
    assert unlisted == {
        "services/checkout.md": "Checkout",
        "services/ledger.md": "Ledger",
        "services/payments.md": "Payments API",
        "services/search.md": "Search",
        "causes/capacity.md": "Capacity",
        "causes/config-change.md": "Configuration change",
        "causes/dependency.md": "Third-party dependency",
        "causes/hardware.md": "Hardware failure",
        "action-items/owners/team-a.md": "team-a",
        "action-items/owners/team-b.md": "team-b",
        "action-items/owners/team-c.md": "team-c",
    }
    assert len(pages) == len({p.uri for p in pages})


def test_rendering_is_deterministic(index: Index) -> None:
    first = render_pages(index, Settings())
    second = render_pages(index, Settings())
    assert first == second
    assert set(first) >= {postmortem_uri(pm.slug) for pm in index.postmortems}


# --- teams and people (teams.yml) -----------------------------------------------------------

TEAMS_TODAY = dt.date(2026, 4, 1)
TEAMS_YML = """\
teams:
  team-db:
    name: Databases
    members: [alice, bob]
    aliases: [db-oncall]
  team-sre:
    members: [bob, carol]
  team-idle: {}
  ../../Ops / Night:
    members: [Zoë]
"""
TEAM_SERVICES_YML = """\
- id: checkout
  owner: team-sre
- id: payments
  owner: db-oncall
- id: search
  owner: nobody
"""
PA, PB = "2026-03-01-checkout-a", "2026-03-10-payments-b"


def people_text(pm_id: str, authors: str, participants: str, **kwargs: Any) -> str:
    day = dt.date.fromisoformat(pm_id[:10])
    text = pm_text(pm_id, day, "SEV2", causes=["capacity"], **kwargs)
    return text.replace("authors:\n- alice\n", f"authors: {authors}\n").replace(
        "participants:\n- bob\n", f"participants: {participants}\n"
    )


TEAM_ARCHIVE = {
    "teams.yml": TEAMS_YML,
    "services.yml": TEAM_SERVICES_YML,
    f"{PA}.md": people_text(
        PA,
        "[alice]",
        "[bob, db-oncall]",
        services=["checkout"],
        items=[
            item("A1", "Overdue, owned by the team", "team-db", due=dt.date(2026, 3, 20)),
            item("A2", "Due soon, owned by a member", "alice", due=dt.date(2026, 4, 10)),
            item("A3", "Later, owned by an alias", "db-oncall", due=dt.date(2026, 6, 1)),
            item("A4", "Done by a member of two teams", "bob", "done"),
            item("A5", "Owned by no team", "stranger", due=dt.date(2026, 4, 5)),
        ],
    ),
    f"{PB}.md": people_text(
        PB,
        "[bob]",
        "[alice, carol]",
        services=["payments", "checkout"],
        items=[
            item("B1", "Due in exactly 14 days", "bob", due=dt.date(2026, 4, 15)),
            item("B2", "Overdue by a day", "carol", due=dt.date(2026, 3, 31)),
            item("B3", "Won't do", "team-sre", "wont-do"),
            item("B4", "Due in 15 days", "team-db", due=dt.date(2026, 4, 16)),
        ],
    ),
}


@pytest.fixture(scope="module")
def team_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return index_of(tmp_path_factory.mktemp("teams"), TEAM_ARCHIVE, today=TEAMS_TODAY)


def item_ids(items: Iterable[ItemRef]) -> list[str]:
    return [ref.item.id for ref in items]


def test_teams_come_from_teams_yml_only(team_index: Index) -> None:
    assert [g.team.id for g in team_index.teams] == [
        "../../Ops / Night",
        "team-db",
        "team-idle",
        "team-sre",
    ]
    assert [g.person for g in team_index.people] == ["Zoë", "alice", "bob", "carol"]
    assert "stranger" in [g.entry.value for g in team_index.owners]  # owners stay as they are


def test_team_open_items_roll_up_from_aliases_and_members(team_index: Index) -> None:
    db = team_index.team("team-db")
    assert db is not None
    assert item_ids(db.open_items) == ["A1", "A2", "B1", "B4", "A3"]
    assert item_ids(db.overdue_items) == ["A1"]
    assert item_ids(db.due_soon_items) == ["A2", "B1"]  # within 14 days, today included
    assert item_ids(db.later_items) == ["B4", "A3"]
    assert db.overdue_count == 1
    assert item_ids(db.closed_items) == ["A4"]


def test_a_person_in_two_teams_counts_for_both(team_index: Index) -> None:
    sre = team_index.team("team-sre")
    assert sre is not None
    assert item_ids(sre.open_items) == ["B2", "B1"]
    assert item_ids(sre.closed_items) == ["B3", "A4"]  # newest postmortem first
    bob = team_index.person("bob")
    assert bob is not None
    assert [entry.value for entry in bob.teams] == ["team-db", "team-sre"]


def test_team_pages_list_the_open_items_of_the_services_they_own(team_index: Index) -> None:
    db, sre, idle = (team_index.team(t) for t in ("team-db", "team-sre", "team-idle"))
    assert db is not None and sre is not None and idle is not None
    assert [g.entry.value for g in db.services] == ["payments"]  # owner: db-oncall, an alias
    assert item_ids(db.service_items) == ["B2", "B1", "B4"]
    assert [g.entry.value for g in sre.services] == ["checkout"]
    assert item_ids(sre.service_items) == ["A1", "B2", "A5", "A2", "B1", "B4", "A3"]
    assert (idle.open_items, idle.closed_items, idle.services) == ([], [], [])


def test_people_have_their_own_items_and_postmortems(team_index: Index) -> None:
    alice, bob, carol = (team_index.person(p) for p in ("alice", "bob", "carol"))
    assert alice is not None and bob is not None and carol is not None
    assert (item_ids(alice.open_items), item_ids(alice.closed_items)) == (["A2"], [])
    assert (item_ids(bob.open_items), item_ids(bob.closed_items)) == (["B1"], ["A4"])
    assert item_ids(carol.open_items) == ["B2"]
    assert carol.overdue_count == 1
    assert (ids(alice.authored), ids(alice.participated)) == ([PA], [PB])
    assert (ids(bob.authored), ids(bob.participated)) == ([PB], [PA])
    assert team_index.person("db-oncall") is None  # a team's alias is not a person


def test_due_soon_is_a_flag_of_each_item(team_index: Index) -> None:
    flags = {ref.item.id: (ref.overdue, ref.due_soon) for ref in team_index.open_items}
    assert flags == {
        "A1": (True, False),
        "B2": (True, False),
        "A5": (False, True),
        "A2": (False, True),
        "B1": (False, True),
        "B4": (False, False),
        "A3": (False, False),
    }


def test_owner_lookups(team_index: Index) -> None:
    def teams_of(owner: str) -> list[str]:
        return [g.team.id for g in team_index.teams_of_owner(owner)]

    assert teams_of("bob") == ["team-db", "team-sre"]
    assert teams_of("db-oncall") == ["team-db"]
    assert teams_of("team-idle") == ["team-idle"]
    assert teams_of("stranger") == []
    db = team_index.team("db-oncall")
    assert db is not None
    assert db.team.id == "team-db"
    assert team_index.team("stranger") is None


def test_team_and_person_pages_have_safe_stable_slugs(team_index: Index) -> None:
    uris = {g.team.id: g.entry.uri for g in team_index.teams}
    assert uris == {
        "../../Ops / Night": "teams/ops-night.md",
        "team-db": "teams/team-db.md",
        "team-idle": "teams/team-idle.md",
        "team-sre": "teams/team-sre.md",
    }
    assert [g.entry.uri for g in team_index.people] == [
        "people/zoe.md",
        "people/alice.md",
        "people/bob.md",
        "people/carol.md",
    ]
    db = team_index.team("team-db")
    assert db is not None
    assert (db.entry.kind, db.entry.label) == ("team", "Databases")
    assert [entry.uri for entry in db.members] == ["people/alice.md", "people/bob.md"]
    assert team_index.entry("person", "Zoë").label == "Zoë"


def test_team_findings_are_those_of_the_checker(tmp_path: Path) -> None:
    archive = load(tmp_path, TEAM_ARCHIVE)
    unknown = [(f.path, f.rule) for f in archive.findings() if f.rule.startswith("unknown-")]
    assert unknown == [
        ("postmortems/services.yml", "unknown-owner"),  # search: owner nobody
        (f"postmortems/{PA}.md", "unknown-owner"),  # A5: stranger
    ]


def test_without_teams_yml_there_are_no_teams(tmp_path: Path) -> None:
    files = {k: v for k, v in TEAM_ARCHIVE.items() if k != "teams.yml"}
    index = index_of(tmp_path, files, today=TEAMS_TODAY)
    assert (index.teams, index.people, index.team_catalog) == ([], [], None)
    assert index.team("team-db") is None
    assert index.teams_of_owner("alice") == []
    assert {g.entry.value for g in index.owners} == {
        "team-db",
        "alice",
        "db-oncall",
        "bob",
        "stranger",
        "carol",
        "team-sre",
    }


def test_colliding_team_slugs_are_made_unique(tmp_path: Path) -> None:
    teams = "teams:\n  team_db: {}\n  team-db: {}\n  index: {}\n"
    index = index_of(tmp_path, {"teams.yml": teams, f"{PA}.md": TEAM_ARCHIVE[f"{PA}.md"]})
    assert [g.entry.uri for g in index.teams] == [
        "teams/index-2.md",  # "index" is the listing page
        "teams/team-db.md",
        "teams/team-db-2.md",
    ]
    assert [(f.path, f.message) for f in index.findings] == [
        (
            "postmortems/teams.yml",
            "team 'index' and '(the listing page)' have the same page name 'index'; "
            "'index' is listed at 'index-2'",
        ),
        (
            "postmortems/teams.yml",
            "team 'team_db' and 'team-db' have the same page name 'team-db'; "
            "'team_db' is listed at 'team-db-2'",
        ),
    ]
