"""Team and person pages, tracker links and the links to teams and calendars, asserted on
the HTML of real MkDocs builds: the sample archive, and fixture archives with ``teams.yml``."""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import (
    ARCHIVE,
    EPOCH,
    P1,
    P3,
    P7,
    REPO,
    SAMPLE_TODAY,
    TODAY,
    build_site,
    item,
    make_site,
    page,
    pm_text,
)
from postmortem_kb.model.text import anchor

SAMPLE_DAY = dt.date(2026, 11, 27)  # SAMPLE_TODAY
SOON = 14  # days: an open item due within them (and not overdue) is due soon


# --- HTML helpers --------------------------------------------------------------------------


def article(text: str) -> str:
    """The page content, without the theme's header, nav and footer."""
    return text[text.index("<article") : text.index("</article>")]


def section(text: str, heading_id: str) -> str:
    """From the level-2 heading with ``heading_id`` to the next level-2 heading."""
    body = article(text)
    start = body.index(f'<h2 id="{heading_id}"')
    end = body.find("<h2", start + 1)
    return body[start : end if end != -1 else len(body)]


def hrefs(fragment: str) -> list[str]:
    """Every link target in an HTML fragment, in order."""
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', fragment)]


def rows(fragment: str) -> list[str]:
    """The body rows of the tables in ``fragment``, as HTML."""
    return [
        row
        for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def cells(row: str) -> list[str]:
    """The cells of a row as plain text."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def resolve(page_uri: str, href: str) -> str:
    """Where a relative link of the page at ``page_uri`` (``teams/x/``) leads, from the root."""
    return posixpath.normpath(posixpath.join(page_uri, href.partition("#")[0]))


def item_links(fragment: str, page_uri: str) -> list[str]:
    """The action items a table lists, in order, as ``<postmortem id>#<anchor>``."""
    found = []
    for row in rows(fragment):
        href = hrefs(row)[0]
        target = resolve(page_uri, href)
        found.append(target.removeprefix("postmortems/") + "#" + href.partition("#")[2])
    return found


SAMPLE_URL = "https://postmortems.larkspur.example/"  # site_url of the sample's mkdocs.yml


def calendar_link(text: str, page_uri: str) -> str:
    """Where the page's "subscribe" link leads, from the site root. With ``site_url`` (the
    sample) it is the calendar's full address, shown as the link's text to copy."""
    (found,) = re.findall(r'<a class="pm-calendar" href="([^"]*)">(.*?)</a>', article(text))
    href = html.unescape(found[0])
    if href.startswith("https:"):
        assert found[1] == f"<code>{found[0]}</code>"
        assert href.startswith(SAMPLE_URL)
        return href.removeprefix(SAMPLE_URL)
    return resolve(page_uri, href)


def html_pages(site: Path) -> Iterable[tuple[str, str]]:
    """(directory URI, HTML) of every page of a site."""
    for file in sorted(site.rglob("*.html")):
        uri = file.parent.relative_to(site).as_posix()
        yield ("" if uri == "." else uri + "/"), file.read_text(encoding="utf-8")


# --- the sample archive --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample archive, built with ``--strict`` as CI builds it, on 2026-11-27."""
    site = tmp_path_factory.mktemp("sample-teams") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(REPO / "mkdocs.yml", site, strict=True)
    return site


def sample_teams() -> dict[str, dict[str, Any]]:
    """``postmortems/teams.yml`` of the sample, read directly."""
    data = yaml.safe_load((REPO / "postmortems" / "teams.yml").read_text(encoding="utf-8"))
    return {team_id: value or {} for team_id, value in data["teams"].items()}


def sample_front_matter() -> dict[str, dict[str, Any]]:
    """The front matter of every sample postmortem, by id."""
    found = {}
    for path in sorted((REPO / "postmortems").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        found[path.stem] = yaml.safe_load(text.split("---\n", 2)[1])
    return found


TEAMS = sample_teams()
MEMBERS = sorted({m for team in TEAMS.values() for m in team.get("members", [])})


def expected_open(names: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """Open items of the sample owned by one of ``names``: (postmortem id, item), any order."""
    return [
        (pm_id, entry)
        for pm_id, meta in sample_front_matter().items()
        for entry in meta.get("action_items") or []
        if entry.get("status", "open") in ("open", "in-progress") and entry["owner"] in names
    ]


def assert_team_order(listed: list[str], items: list[tuple[str, dict[str, Any]]]) -> None:
    """Overdue first (most overdue first), then due within 14 days, then the rest by due
    date, items without a due date last."""
    by_link = {f"{pm_id}#{anchor(entry['id'])}": entry for pm_id, entry in items}
    assert sorted(listed) == sorted(by_link)

    def rank(link: str) -> tuple[int, dt.date]:
        due = by_link[link].get("due")
        if due is None:
            return (3, dt.date.max)
        if due < SAMPLE_DAY:
            return (0, due)
        return (1 if (due - SAMPLE_DAY).days <= SOON else 2, due)

    ranks = [rank(link) for link in listed]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize("team_id", sorted(TEAMS))
def test_every_sample_team_has_a_page_with_its_items_in_order(sample: Path, team_id: str) -> None:
    team = TEAMS[team_id]
    uri = f"teams/{team_id}/"
    text = page(sample, uri)
    assert f"<title>{html.escape(team.get('name', team_id))} - " in text
    names = {team_id, *team.get("aliases", []), *team.get("members", [])}
    listed = item_links(section(text, "open-action-items"), uri)
    assert_team_order(listed, expected_open(names))
    summary = article(text)[: article(text).index("<h2")]
    members = [resolve(uri, h) for h in hrefs(summary) if "/people/" in h]
    assert members == [f"people/{m}" for m in team.get("members", [])]
    assert calendar_link(text, uri) == f"teams/{team_id}.ics"
    if team.get("channel"):
        assert html.escape(team["channel"]) in article(text)


def test_team_pages_list_the_open_items_of_the_services_they_own(sample: Path) -> None:
    services = yaml.safe_load((REPO / "postmortems" / "services.yml").read_text())
    for service in services:
        owner = service.get("owner")
        if owner not in TEAMS:
            continue
        uri = f"teams/{owner}/"
        part = section(page(sample, uri), "services-it-owns")
        assert f"services/{service['id']}" in [resolve(uri, h) for h in hrefs(part)]
        expected = {
            f"{pm_id}#{anchor(entry['id'])}"
            for pm_id, meta in sample_front_matter().items()
            if service["id"] in meta["services"]
            for entry in meta.get("action_items") or []
            if entry.get("status", "open") in ("open", "in-progress")
        }
        assert expected <= set(item_links(part, uri)), owner


def test_the_teams_index_lists_every_team_and_the_site_calendar(sample: Path) -> None:
    text = page(sample, "teams")
    targets = [resolve("teams/", h) for h in hrefs(article(text))]
    assert {f"teams/{team_id}" for team_id in TEAMS} <= set(targets)
    assert calendar_link(text, "teams/") == "action-items.ics"
    edge = next(row for row in rows(article(text)) if "team-edge/" in row)
    assert cells(edge)[:6] == ["Edge and CDN", "#edge", "dmitri", "5", "3", "1"]


@pytest.mark.parametrize("person", MEMBERS)
def test_every_sample_member_has_a_person_page(sample: Path, person: str) -> None:
    uri = f"people/{person}/"
    text = page(sample, uri)
    teams = [t for t, team in TEAMS.items() if person in team.get("members", [])]
    summary = article(text)[: article(text).index('<h2 id="open-action-items"')]
    assert [resolve(uri, h) for h in hrefs(summary) if "/teams/" in h] == [
        f"teams/{t}" for t in teams
    ]
    assert calendar_link(text, uri) == f"people/{person}.ics"
    listed = item_links(section(text, "open-action-items"), uri)
    assert sorted(listed) == sorted(
        f"{pm_id}#{anchor(entry['id'])}" for pm_id, entry in expected_open({person})
    )
    metas = sample_front_matter()
    for heading, field in (
        ("postmortems-written", "authors"),
        ("postmortems-taken-part-in", "participants"),
    ):
        linked = {
            resolve(uri, h).removeprefix("postmortems/")
            for h in hrefs(section(text, heading))
            if "/postmortems/" in h
        }
        assert linked == {pm_id for pm_id, meta in metas.items() if person in meta[field]}


def test_sample_columns_age_due_soon_and_tracker_labels(sample: Path) -> None:
    text = page(sample, "teams/team-sre/")
    head = re.search(r"<thead>(.*?)</thead>", section(text, "open-action-items"), re.S)
    assert head is not None
    titles = [
        html.unescape(re.sub(r"<[^>]+>", "", t))
        for t in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1))
    ]
    assert titles == ["Action item", "Owner", "Postmortem", "Due", "Age", "Status", "Tracker"]
    metas = sample_front_matter()
    for row in rows(section(text, "open-action-items")):
        pm_id = resolve("teams/team-sre/", hrefs(row)[0]).removeprefix("postmortems/")
        meta = metas[pm_id]
        values = cells(row)
        assert values[4] == f"{(SAMPLE_DAY - meta['date']).days} d"
        assert meta["severity"] in values[2]
        (entry,) = [
            e for e in meta["action_items"] if hrefs(row)[0].endswith(f"#{anchor(e['id'])}")
        ]
        if "link" not in entry:
            assert values[6] == "—"
            continue
        key = entry["link"].rsplit("/", 1)[-1]
        assert values[6] == key  # https://tracker.example.com/browse/SRE-721 -> SRE-721
        assert (
            f'<a class="pm-tracker" href="{entry["link"]}" rel="noopener noreferrer">{key}</a>'
        ) in row
        if 0 <= (entry["due"] - SAMPLE_DAY).days <= SOON:
            assert "due in" in values[5] or "due today" in values[5]


def test_sample_tracker_links_open_safely_on_every_page(sample: Path) -> None:
    seen = 0
    for uri, text in html_pages(sample):
        for tag in re.findall(r'<a class="pm-tracker"[^>]*>', text):
            seen += 1
            assert 'rel="noopener noreferrer"' in tag, uri
    assert seen > 50  # postmortem pages, listings, team and person pages


def test_owner_service_and_action_item_pages_link_to_teams(sample: Path) -> None:
    owner = page(sample, "action-items/owners/team-db/")
    assert "teams/team-db" in [
        resolve("action-items/owners/team-db/", h) for h in hrefs(article(owner))
    ]
    assert calendar_link(owner, "action-items/owners/team-db/") == "action-items/owners/team-db.ics"
    person = page(sample, "action-items/owners/dmitri/")
    targets = [resolve("action-items/owners/dmitri/", h) for h in hrefs(article(person))]
    assert "people/dmitri" in targets and "teams/team-edge" in targets
    service = article(page(sample, "services/payments-db/"))
    assert '<a href="../../teams/team-db/">Databases</a>' in service
    services = article(page(sample, "services/"))
    assert '<a href="../teams/team-checkout/">Checkout</a>' in services
    items = page(sample, "action-items/")
    assert "teams" in [resolve("action-items/", h) for h in hrefs(article(items))]
    assert calendar_link(items, "action-items/") == "action-items.ics"
    owners = article(page(sample, "action-items/owners/"))
    assert '<th scope="col">Team</th>' in owners
    by_service = article(page(sample, "action-items/services/"))
    assert 'Owned by <a href="../../teams/team-checkout/">Checkout</a>' in by_service


def test_nav_lists_the_teams_index_but_never_a_team_or_person(sample: Path) -> None:
    text = page(sample, "")
    nav = text[text.index('<nav class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index('<div class="md-content"')]
    assert 'href="teams/"' in nav
    assert "teams/team-" not in nav and "people/" not in nav


# --- fixture archives ----------------------------------------------------------------------

TEAMS_YML = """\
teams:
  team-a:
    name: Alpha
    members: [alice]
    aliases: [alpha-oncall]
    channel: "#alpha"
  team-b:
    name: Bravo
    members: [bob]
  team-c:
    name: Charlie
  team-checkout:
    name: Checkout
  team-ledger:
    name: Ledger
  team-payments:
    name: Payments
    members: [bob]
"""
P8 = "2026-05-30-alpha-follow-ups"
FOLLOW_UPS = pm_text(
    "Alpha follow-ups",
    dt.date(2026, 5, 30),
    "SEV3",
    ["checkout"],
    ["capacity"],
    resolve=30,
    items=[
        item("AI-1", "Due later, owned by an alias", "alpha-oncall", due=dt.date(2026, 9, 1)),
        item("AI-2", "Due soon, owned by a member", "alice", due=dt.date(2026, 6, 10)),
        item("AI-3", "Due soonest, owned by the team", "team-a", due=dt.date(2026, 6, 1)),
        item("AI-4", "Done already", "team-a", "done", dt.date(2026, 5, 31)),
    ],
)


def configure(root: Path, files: dict[str, str], options: str = "") -> Path:
    """A fixture site of ``files``; ``options`` are plugin options as YAML lines."""
    config = make_site(root, files)
    if options:
        text = config.read_text()
        config.write_text(text.replace("  - postmortems\n", f"  - postmortems:\n{options}"))
    return config


def build(config: Path, *, strict: bool) -> Path:
    """Build on 2026-06-01 into ``site/`` beside ``mkdocs.yml``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, config.parent / "site", strict=strict)
    return config.parent / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture archive with teams.yml and one more postmortem, built strictly."""
    files = {**ARCHIVE, "teams.yml": TEAMS_YML, f"{P8}.md": FOLLOW_UPS}
    return build(configure(tmp_path_factory.mktemp("teams"), files), strict=True)


def test_team_items_overdue_first_then_due_soon_then_later(site: Path) -> None:
    uri = "teams/team-a/"
    text = page(site, uri)
    assert item_links(section(text, "open-action-items"), uri) == [
        f"{P1}#ai-1",  # overdue since 2025-03-01
        f"{P7}#ai-1",  # overdue since 2026-04-30
        f"{P3}#ai-1",  # overdue since 2026-05-01 (in progress)
        f"{P8}#ai-3",  # due today, owned by the team
        f"{P8}#ai-2",  # due in 9 days, owned by alice, a member
        f"{P8}#ai-1",  # due later, owned by the team's alias
    ]
    states = [cells(row)[5] for row in rows(section(text, "open-action-items"))]
    assert states[0].startswith("status open overdue by 457 days")  # "status" for screen readers
    assert states[3:] == ["status open due today", "status open due in 9 days", "status open"]
    ages = [cells(row)[4] for row in rows(section(text, "open-action-items"))]
    assert ages[0] == f"{(TODAY - dt.date(2025, 2, 10)).days} d" and ages[-1] == "2 d"
    assert item_links(section(text, "recently-closed"), uri) == [f"{P8}#ai-4", f"{P6_ID}#ai-1"]


P6_ID = "2026-05-28-checkout-cache-capacity"


def test_team_page_shows_members_channel_and_calendar(site: Path) -> None:
    text = page(site, "teams/team-a/")
    body = article(text)
    assert "#alpha" in body and "<code>alpha-oncall</code>" in body
    assert '<a href="../../people/alice/">alice</a>' in body
    assert calendar_link(text, "teams/team-a/") == "teams/team-a.ics"
    assert "Add this URL to your calendar app to get each due date" in body


def test_services_it_owns(site: Path) -> None:
    uri = "teams/team-checkout/"
    part = section(page(site, uri), "services-it-owns")
    assert '<a href="../../services/checkout/">Checkout</a>' in part
    owners = {cells(row)[1] for row in rows(part)}
    assert {"team-a", "alice", "alpha-oncall", "team-c"} <= owners
    # A team owning no service says so.
    assert "names this team as its owner" in section(
        page(site, "teams/team-c/"), "services-it-owns"
    )


def test_person_pages(site: Path) -> None:
    uri = "people/bob/"
    text = page(site, uri)
    summary = article(text)[: article(text).index('<h2 id="open-action-items"')]
    assert [resolve(uri, h) for h in hrefs(summary) if "/teams/" in h] == [
        "teams/team-b",
        "teams/team-payments",
    ]
    assert calendar_link(text, uri) == "people/bob.ics"
    assert "No open action items on 2026-06-01." in section(text, "open-action-items")
    participated = section(text, "postmortems-taken-part-in")
    assert len([h for h in hrefs(participated) if "/postmortems/" in h]) == 8
    alice = page(site, "people/alice/")
    assert item_links(section(alice, "open-action-items"), "people/alice/") == [f"{P8}#ai-2"]
    assert "Owner" not in re.sub(r"<tbody>.*", "", section(alice, "open-action-items"), flags=re.S)


def test_team_tables_are_sortable_markup_in_order_without_javascript(site: Path) -> None:
    part = section(page(site, "teams/team-a/"), "open-action-items")
    assert "<table data-pm-sort>" in part
    assert '<th scope="col" data-sort-type="number">' in part  # the age
    first = rows(part)[0]
    assert 'data-sort="2025-03-01"' in first  # the due date sorts as ISO text
    assert f'data-sort="{(TODAY - dt.date(2025, 2, 10)).days}"' in first


def test_the_sort_script_is_on_every_page(site: Path) -> None:
    assert (site / "assets/postmortem-kb/sortable-tables.js").is_file()
    for uri in ("", "teams/", "teams/team-a/", "people/alice/"):
        assert 'src="' in page(site, uri) and "sortable-tables.js" in page(site, uri), uri


def test_without_teams_yml_there_are_no_team_pages(tmp_path: Path) -> None:
    site = build(configure(tmp_path, dict(ARCHIVE)), strict=True)
    assert not (site / "teams").exists() and not (site / "people").exists()
    assert '<th scope="col">Team</th>' not in page(site, "action-items/owners")
    assert "teams/" not in article(page(site, "action-items"))
    assert "teams/" not in article(page(site, "services/checkout"))
    assert "<td>team-checkout</td>" in article(page(site, "services/checkout"))


# --- tracker links -------------------------------------------------------------------------

LINKS = {
    "AI-1": ("https://github.com/larkspur/payments/issues/123", "larkspur/payments#123"),
    "AI-2": ("https://gitlab.com/larkspur/infra/-/merge_requests/7", "larkspur/infra!7"),
    "AI-3": ("PAY-12", "PAY-12"),
    "AI-4": ("https://wiki.example.com/ops/followups/42", "wiki.example.com/…/42"),
}


def tracked(jira: bool) -> dict[str, str]:
    """A postmortem whose items link to GitHub, GitLab, a Jira key and another site."""
    items = [
        {**item(ident, f"Item {ident}", "team-a", due=dt.date(2026, 7, 1)), "link": link}
        for ident, (link, _) in LINKS.items()
    ]
    text = pm_text("Tracked", dt.date(2026, 5, 1), "SEV2", ["checkout"], ["capacity"], items=items)
    return {**ARCHIVE, "teams.yml": TEAMS_YML, "2026-05-01-tracked.md": text}


@pytest.mark.parametrize("jira", [True, False], ids=["jira_url", "no-jira_url"])
def test_tracker_links_show_short_labels(tmp_path: Path, jira: bool) -> None:
    options = "      jira_url: https://jira.example.com/\n" if jira else ""
    site = build(configure(tmp_path, tracked(jira), options), strict=False)
    pages = {
        "postmortems/2026-05-01-tracked/": "action-items",
        "teams/team-a/": "open-action-items",
        "action-items/": None,
    }
    for uri, heading in pages.items():
        text = page(site, uri)
        part = section(text, heading) if heading else article(text)
        for ident, (link, label) in LINKS.items():
            if ident == "AI-3":
                if jira:
                    expected = (
                        '<a class="pm-tracker" href="https://jira.example.com/browse/PAY-12" '
                        'rel="noopener noreferrer">PAY-12</a>'
                    )
                else:
                    expected = '<span class="pm-tracker">PAY-12</span>'
            else:
                expected = (
                    f'<a class="pm-tracker" href="{link}" rel="noopener noreferrer">'
                    f"{html.escape(label)}</a>"
                )
            assert expected in part, (uri, ident)


# --- hostile teams.yml ---------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE_TEAMS = f"""\
teams:
  "../../../outside":
    name: {json.dumps(SCRIPT)}
    description: {json.dumps("</p>" + SCRIPT)}
    channel: {json.dumps(IMG)}
    aliases: [team-a]
    members: [{json.dumps(IMG)}, "../../people-escape", "/etc/passwd", alice]
  "<b>bold</b>":
    name: "</title><script>alert(3)</script>"
    members: [bob]
  ".":
    members: [".."]
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[Path]]:
    """A site whose team ids, names, channels and members are hostile; and the files made
    outside its site folder and cache."""
    base = tmp_path_factory.mktemp("hostile-teams")
    root = base / "deep" / "kb"
    files = {**ARCHIVE, "teams.yml": HOSTILE_TEAMS}
    config = configure(root, files)
    before = set(base.rglob("*"))
    site = build(config, strict=False)
    cache = root / ".cache"
    after = {p for p in base.rglob("*") if not {site, cache} & {p, *p.parents}}
    return site, after - before


def test_hostile_team_values_never_become_markup(hostile: tuple[Path, set[Path]]) -> None:
    site, _ = hostile
    checked = 0
    for uri, text in html_pages(site):
        if not uri.startswith(("teams/", "people/", "action-items/", "services/")):
            continue
        checked += 1
        for raw in ("<script>alert", "<img src=x", "<b>bold</b>"):
            assert raw not in text, (uri, raw)
    assert checked > 5
    index = article(page(site, "teams"))
    assert html.escape(SCRIPT) in index
    assert "&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in index
    titles = re.findall(r"<title>(.*?)</title>", "".join(t for _, t in html_pages(site)), re.S)
    assert all("<" not in title for title in titles)


def test_hostile_team_ids_and_members_stay_inside_the_site(
    hostile: tuple[Path, set[Path]],
) -> None:
    site, created = hostile
    assert created == set()
    team_pages = sorted(p.relative_to(site).as_posix() for p in (site / "teams").rglob("*.html"))
    assert len(team_pages) == 4  # the index and three teams
    for path in team_pages:
        assert re.fullmatch(r"teams/([a-z0-9-]+/)?index\.html", path), path
    people = sorted(p.relative_to(site).as_posix() for p in (site / "people").rglob("*.html"))
    for path in people:
        assert re.fullmatch(r"people/[a-z0-9-]+/index\.html", path), path
    for uri, text in html_pages(site):
        for href in hrefs(article(text)) if "<article" in text else []:
            if href.startswith(("http:", "https:", "#", "mailto:")):
                continue
            assert not resolve(uri, href).startswith(".."), (uri, href)
