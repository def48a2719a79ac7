"""Machine exports of a real build: postmortems.json, action-items.json, action-items.csv.

Also checks that builds are reproducible: the same input and ``SOURCE_DATE_EPOCH`` give
byte-identical sites.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import (
    ARCHIVE,
    EPOCH,
    FORMULA_TITLE,
    NEWEST_FIRST,
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
    SEARCH_INDEX,
    TRICKY_TITLE,
    UNPARSABLE,
    build_site,
    index_of,
    item,
    make_site,
    pm_text,
    site_files,
)
from postmortem_kb.archive.exports import (
    EXPORT_VERSION,
    ITEM_COLUMNS,
    action_items_csv,
    postmortems_json,
)
from postmortem_kb.model.settings import Settings

OPEN_THEN_CLOSED = [
    # open: overdue first, then by due date
    (P1, "AI-1", True, 457),
    (P7, "AI-1", True, 32),
    (P3, "AI-1", True, 31),
    (P5, "AI-1", True, 2),
    (P4, "AI-1", False, 0),
    (P2, "AI-1", False, 0),
    # closed: newest postmortem first
    (P6, "AI-1", False, 0),
    (P3, "AI-2", False, 0),
    (P1, "AI-2", False, 0),
]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix "today" (2026-06-01) for builds made inside a test."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture archive built strictly: twice in place, once from a copy elsewhere."""
    root = tmp_path_factory.mktemp("exports")
    config = make_site(root / "kb", ARCHIVE)
    copy = root / "elsewhere" / "kb-copy"
    shutil.copytree(root / "kb", copy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "kb" / "site", strict=True)
        build_site(config, root / "kb" / "site-again", strict=True)
        build_site(copy / "mkdocs.yml", copy / "site", strict=True)
    return {
        "first": root / "kb" / "site",
        "again": root / "kb" / "site-again",
        "copy": copy / "site",
        "sources": root / "kb" / "postmortems",
    }


@pytest.fixture(scope="module")
def site(builds: dict[str, Path]) -> Path:
    """The first build."""
    return builds["first"]


def read_json(site: Path, name: str) -> dict[str, Any]:
    """Load an export."""
    data: dict[str, Any] = json.loads((site / name).read_text(encoding="utf-8"))
    return data


def front_matter(sources: Path, pm_id: str) -> dict[str, Any]:
    """The front matter of a fixture postmortem, as YAML reads it."""
    text = (sources / f"{pm_id}.md").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text.split("---\n")[1])
    return data


def cell(value: Any) -> str:
    """How a JSON value is written to the CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = ";".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# --- postmortems.json ----------------------------------------------------------------------


def test_exports_are_versioned_and_dated(site: Path) -> None:
    for name in ("postmortems.json", "action-items.json"):
        data = read_json(site, name)
        assert data["version"] == EXPORT_VERSION == 2
        assert data["generated"] == "2026-06-01"  # the SOURCE_DATE_EPOCH date


def test_postmortems_json_matches_the_front_matter(site: Path, builds: dict[str, Path]) -> None:
    records = read_json(site, "postmortems.json")["postmortems"]
    assert [r["id"] for r in records] == NEWEST_FIRST
    for record in records:
        meta = front_matter(builds["sources"], record["id"])
        assert record["url"] == f"postmortems/{record['id']}/"
        assert record["source"] == f"postmortems/{record['id']}.md"
        assert record["readable"] is True
        assert record["problems"] == {"errors": 0, "warnings": 0}
        for key in ("title", "status", "severity", "services", "causes", "authors", "tags"):
            assert record[key] == meta[key], (record["id"], key)
        assert record["participants"] == meta["participants"]
        assert record["date"] == meta["date"].isoformat()
        review = meta.get("review_meeting")
        assert record["review_meeting"] == (review.isoformat() if review else None)
        times = meta.get("incident", {})
        for name in ("started", "detected", "mitigated", "resolved"):
            exported = record["incident"][name]
            if name in times:
                expected = dt.datetime.fromisoformat(times[name].replace("Z", "+00:00"))
                assert dt.datetime.fromisoformat(exported) == expected
            else:
                assert exported is None
        assert record["related"][: len(meta["related"])] == meta["related"]
        items = record["action_items"]
        assert [i["id"] for i in items] == [i["id"] for i in meta["action_items"]]
        for exported, written in zip(items, meta["action_items"], strict=True):
            for key in ("title", "owner", "status", "type"):
                assert exported[key] == written[key]
            due = written.get("due")
            assert exported["due"] == (due.isoformat() if due else None)
            assert exported["priority"] is None and exported["link"] is None
            assert exported["url"] == f"postmortems/{record['id']}/#{written['id'].lower()}"


def test_postmortems_json_cross_links(site: Path) -> None:
    records = {r["id"]: r for r in read_json(site, "postmortems.json")["postmortems"]}
    assert {i: (r["related"], r["referenced_by"]) for i, r in records.items()} == {
        P6: ([P2], []),  # the order of the pages (archive/relevance.py)
        P5: ([P7, P3], []),
        P7: ([P3, P5], []),
        P4: ([P1, P3], []),
        P3: ([P2, P4, P7, P1, P5], [P7]),
        P2: ([P6], [P6, P3]),
        P1: ([P3, P4], [P4]),
    }


def test_minutes_to_are_derived_from_the_incident_times(site: Path) -> None:
    records = {r["id"]: r["minutes_to"] for r in read_json(site, "postmortems.json")["postmortems"]}
    none = {"detect": None, "mitigate": None, "resolve": None}
    assert records == {
        P1: {"detect": 5, "mitigate": 30, "resolve": 60},
        P2: {"detect": 5, "mitigate": 15, "resolve": 30},
        P3: {"detect": 5, "mitigate": 60, "resolve": 120},
        P4: {"detect": 5, "mitigate": 22, "resolve": 45},
        P5: none,  # a draft without incident times
        P6: {"detect": 5, "mitigate": 45, "resolve": 90},
        P7: {"detect": 5, "mitigate": 120, "resolve": 240},
    }


def test_export_urls_are_built_pages_and_anchors(site: Path) -> None:
    records = read_json(site, "postmortems.json")["postmortems"]
    items = read_json(site, "action-items.json")["items"]
    urls = [r["url"] for r in records]
    urls += [i["url"] for r in records for i in r["action_items"]]
    urls += [i["url"] for i in items]
    assert len(urls) == 7 + 9 + 9
    for url in urls:
        path, _, fragment = url.partition("#")
        assert path.endswith("/") and not path.startswith("/")
        html = (site / path / "index.html").read_text(encoding="utf-8")
        if fragment:
            assert f'id="{fragment}"' in html, url


# --- action-items.json and .csv ------------------------------------------------------------


def test_action_items_order_and_overdue(site: Path) -> None:
    items = read_json(site, "action-items.json")["items"]
    assert [(i["postmortem"], i["id"], i["overdue"], i["days_overdue"]) for i in items] == (
        OPEN_THEN_CLOSED
    )
    assert [i["status"] for i in items] == [
        "open",
        "open",
        "in-progress",
        "open",
        "open",
        "open",
        "done",
        "wont-do",
        "done",
    ]
    first = items[2]
    assert first == {
        "postmortem": P3,
        "postmortem_title": "Feature flag broke checkout and payments",
        "id": "AI-1",
        "title": "Stage flag rollouts",
        "owner": "team-a",
        "due": "2026-05-01",
        "status": "in-progress",
        "overdue": True,
        "days_overdue": 31,
        "type": "prevent",
        "priority": None,
        "link": None,
        "severity": "SEV2",
        "services": ["checkout", "payments"],
        "causes": ["config-change", "dependency"],
        "team": [],  # no teams.yml
        "age_days": 132,  # 2026-01-20 to the build date, 2026-06-01
        "url": f"postmortems/{P3}/#ai-1",
    }
    assert [i["age_days"] for i in items] == [476, 52, 132, 7, 90, 269, None, None, None]


def test_csv_header_and_rows_equal_the_json_items(site: Path) -> None:
    items = read_json(site, "action-items.json")["items"]
    text = (site / "action-items.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(ITEM_COLUMNS)
    assert list(ITEM_COLUMNS) == list(items[0])
    assert len(rows) == 1 + len(items)
    for row, exported in zip(rows[1:], items, strict=True):
        assert row == [cell(exported[column]) for column in ITEM_COLUMNS]


def test_csv_neutralises_formulas(site: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((site / "action-items.csv").read_text(), newline="")))
    (row,) = [r for r in rows if r["postmortem"] == P2]
    assert row["title"] == "'" + FORMULA_TITLE
    (exported,) = [
        i for i in read_json(site, "action-items.json")["items"] if i["postmortem"] == P2
    ]
    assert exported["title"] == FORMULA_TITLE  # JSON keeps the value as written


def test_csv_round_trips_commas_quotes_and_newlines(site: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((site / "action-items.csv").read_text(), newline="")))
    (row,) = [r for r in rows if r["postmortem"] == P4]
    assert row["title"] == TRICKY_TITLE
    assert row["services"] == "checkout"
    (both,) = [r for r in rows if r["postmortem"] == P3 and r["id"] == "AI-1"]
    assert both["services"] == "checkout;payments"
    assert both["causes"] == "config-change;dependency"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_csv_neutralises_every_formula_prefix_in_every_column(tmp_path: Path, prefix: str) -> None:
    files = {
        "2026-05-01-formula.md": pm_text(
            f"{prefix}title",
            dt.date(2026, 5, 1),
            "SEV2",
            [f"{prefix}service", "ok"],
            [f"{prefix}cause"],
            items=[item(f"{prefix}AI", f"{prefix}cmd|' /C calc'!A0", f"{prefix}owner", "done")],
        )
    }
    index = index_of(tmp_path, files)
    rows = list(csv.DictReader(io.StringIO(action_items_csv(index, True), newline="")))
    (row,) = rows
    for column in ("postmortem_title", "id", "title", "owner", "services", "causes"):
        assert row[column].startswith("'" + prefix), column


# --- other shapes --------------------------------------------------------------------------


def test_exports_without_directory_urls(tmp_path: Path) -> None:
    config = make_site(tmp_path, ARCHIVE)
    config.write_text(config.read_text() + "use_directory_urls: false\n")
    build_site(config, tmp_path / "site", strict=True)
    site = tmp_path / "site"
    records = read_json(site, "postmortems.json")["postmortems"]
    items = read_json(site, "action-items.json")["items"]
    assert records[0]["url"] == f"postmortems/{P6}.html"
    assert items[0]["url"] == f"postmortems/{P1}.html#ai-1"
    for url in [r["url"] for r in records] + [i["url"] for i in items]:
        path, _, fragment = url.partition("#")
        html = (site / path).read_text(encoding="utf-8")
        assert not fragment or f'id="{fragment}"' in html


def test_unreadable_postmortems_are_exported_as_such(tmp_path: Path) -> None:
    files = {
        "2026-01-05-broken.md": UNPARSABLE,
        "2026-01-01-fine.md": pm_text(
            "Fine",
            dt.date(2026, 1, 1),
            "SEV2",
            ["checkout"],
            ["capacity"],
            items=[item("AI-1", "Do it", "team-a", due=dt.date(2026, 2, 1))],
        ),
    }
    index = index_of(tmp_path, files, Settings())
    records = json.loads(postmortems_json(index, True))["postmortems"]
    assert [r["id"] for r in records] == ["2026-01-01-fine", "2026-01-05-broken"]
    broken = records[1]
    assert broken["readable"] is False
    assert broken["title"] == "2026-01-05-broken"
    assert broken["url"] == "postmortems/2026-01-05-broken/"
    assert broken["problems"]["errors"] >= 1
    assert "date" not in broken and "action_items" not in broken


TEAMS_YML = """\
teams:
  team-a:
    name: Team A
    members: [ana, bo]
  team-b:
    members: [bo]
    aliases: [team-bee]
"""
# team-c is no team; bo is a member of both teams.
P8 = "2026-05-30-search-shared-owner"


@pytest.fixture(scope="module")
def site_with_url(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture archive with teams.yml and one item of bo, built with a ``site_url``."""
    root = tmp_path_factory.mktemp("site-url")
    shared = pm_text(
        "Search shared owner",
        dt.date(2026, 5, 30),
        "SEV3",
        ["search"],
        ["capacity"],
        items=[
            item("AI-1", "Owned by a member of two teams", "bo", due=dt.date(2026, 6, 20)),
            item("AI-2", "Owned by an alias", "team-bee", due=dt.date(2026, 6, 21)),
        ],
    )
    files = {**ARCHIVE, f"{P8}.md": shared, "teams.yml": TEAMS_YML}
    config = make_site(root, files)
    config.write_text(config.read_text() + "site_url: https://kb.example/incidents\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "site", strict=False)  # authors are not in teams.yml
    return root / "site"


def test_items_name_the_teams_of_their_owner(site_with_url: Path) -> None:
    items = {
        (i["postmortem"], i["id"]): i
        for i in read_json(site_with_url, "action-items.json")["items"]
    }
    assert items[(P8, "AI-1")]["team"] == ["team-a", "team-b"]  # teams.yml order
    assert items[(P8, "AI-2")]["team"] == ["team-b"]  # an alias
    assert items[(P1, "AI-1")]["team"] == ["team-a"]
    assert items[(P4, "AI-1")]["team"] == []  # team-c is no team
    text = (site_with_url / "action-items.csv").read_text(encoding="utf-8")
    rows = {(r["postmortem"], r["id"]): r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows[(P8, "AI-1")]["team"] == "team-a;team-b"
    assert rows[(P4, "AI-1")]["team"] == ""
    assert rows[(P8, "AI-1")]["age_days"] == "2"
    assert rows[(P6, "AI-1")]["age_days"] == ""  # closed: items record no closing date


def test_urls_are_absolute_under_site_url(site_with_url: Path) -> None:
    base = "https://kb.example/incidents/"
    records = read_json(site_with_url, "postmortems.json")["postmortems"]
    items = read_json(site_with_url, "action-items.json")["items"]
    assert records[0]["url"] == f"{base}postmortems/{P8}/"
    assert items[0]["url"] == f"{base}postmortems/{P1}/#ai-1"
    urls = [r["url"] for r in records] + [i["url"] for r in records for i in r["action_items"]]
    urls += [i["url"] for i in items]
    text = (site_with_url / "action-items.csv").read_text(encoding="utf-8")
    urls += [row["url"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert len(urls) == 8 + 11 + 11 + 11
    for url in urls:
        assert url.startswith(base), url
        path, _, fragment = url.removeprefix(base).partition("#")
        html = (site_with_url / path / "index.html").read_text(encoding="utf-8")
        assert not fragment or f'id="{fragment}"' in html, url
    # The archive page's own data stays relative to that page.
    archive = read_json(site_with_url, "postmortems/archive.json")
    assert archive["postmortems"][0]["url"] == f"{P8}/"


# --- reproducible builds -------------------------------------------------------------------


def test_two_builds_are_byte_identical(builds: dict[str, Path]) -> None:
    """Everything, search index and sitemap included, is reproducible."""
    first, again = site_files(builds["first"]), site_files(builds["again"])
    assert sorted(first) == sorted(again)
    assert SEARCH_INDEX in first
    assert "sitemap.xml.gz" in first
    differing = [name for name in first if first[name] != again[name]]
    assert differing == []


def test_a_build_from_another_folder_is_byte_identical(builds: dict[str, Path]) -> None:
    first, copy = site_files(builds["first"]), site_files(builds["copy"])
    assert sorted(first) == sorted(copy)
    differing = [name for name in first if first[name] != copy[name]]
    assert differing == []


def test_duplicate_ids_keep_their_own_action_items(tmp_path: Path) -> None:
    def text(title: str, service: str, owner: str) -> str:
        return pm_text(
            title,
            dt.date(2026, 1, 1),
            "SEV2",
            [service],
            ["capacity"],
            items=[item("AI-1", f"from {title}", owner, due=dt.date(2026, 7, 1))],
        )

    files = {
        "one/2026-01-01-dup.md": text("A", "checkout", "team-a"),
        "two/2026-01-01-dup.md": text("B", "search", "team-b"),
    }
    index = index_of(tmp_path, files)
    records = json.loads(postmortems_json(index, True))["postmortems"]
    assert sorted((r["url"], r["title"]) for r in records) == [
        ("postmortems/2026-01-01-dup-2/", "B"),
        ("postmortems/2026-01-01-dup/", "A"),
    ]
    for record in records:
        assert [i["title"] for i in record["action_items"]] == [f"from {record['title']}"]
        assert all(i["url"].startswith(record["url"]) for i in record["action_items"])
