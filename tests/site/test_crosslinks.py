"""Cross-links, index pages, nav, escaping and search, asserted on the HTML of real builds."""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from helpers import (
    ARCHIVE,
    EPOCH,
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
    build_site,
    index_of,
    item,
    make_site,
    material_search,
    page,
    pm_text,
    render_pages,
)
from postmortem_kb.archive.exports import action_items_json
from postmortem_kb.archive.urls import postmortem_uri
from postmortem_kb.model.settings import Settings

FULL_NAV = """\
nav:
  - Home: index.md
  - Postmortems: postmortems/index.md
  - Services: services/index.md
  - Causes: causes/index.md
  - Action items:
      - Open: action-items/index.md
      - By owner: action-items/owners/index.md
      - By service: action-items/services.md
      - Closed: action-items/closed.md
  - Needs attention: needs-attention.md
"""
INDEX_PAGES = [
    "postmortems/",
    "services/",
    "causes/",
    "action-items/",
    "action-items/owners/",
    "action-items/services/",
    "action-items/closed/",
    "needs-attention/",
]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix "today" (2026-06-01) for builds made inside a test."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")


def configure(root: Path, files: dict[str, str], nav: str | None = "default") -> Path:
    """Write a site; ``nav`` None removes the nav, another string replaces it."""
    config = make_site(root, files)
    if nav != "default":
        text = config.read_text()
        config.write_text(text[: text.index("nav:")] + (nav or ""))
    return config


def build_config(config: Path, *, strict: bool) -> Path:
    """Build a configured site into ``site/`` next to ``mkdocs.yml``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, config.parent / "site", strict=strict)
    return config.parent / "site"


def build(root: Path, files: dict[str, str], *, nav: str | None = "default", strict: bool) -> Path:
    """Write and build a site from ``files``."""
    return build_config(configure(root, files, nav), strict=strict)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture archive, built strictly with the short default nav."""
    return build(tmp_path_factory.mktemp("crosslinks"), ARCHIVE, strict=True)


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


def pm_links(fragment: str, prefix: str = "../../postmortems/") -> list[str]:
    """Links to postmortem pages (with their anchors), in order."""
    return [h.removeprefix(prefix) for h in hrefs(fragment) if h.startswith(prefix + "20")]


def rows(fragment: str) -> list[list[str]]:
    """The body rows of the tables in ``fragment``, as plain text cells."""
    found = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            found.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return found


def primary_nav(text: str) -> str:
    """The primary sidebar, nested navs included."""
    start = text.index('<nav class="md-nav md-nav--primary"')
    depth = 0
    for match in re.finditer(r"<(/?)nav\b", text[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return text[start : start + match.end()]
    raise AssertionError("unclosed nav")


def html_pages(site: Path) -> Iterable[tuple[str, str]]:
    """(directory URI, HTML) of every page of a site."""
    for file in sorted(site.rglob("*.html")):
        uri = file.parent.relative_to(site).as_posix()
        yield ("" if uri == "." else uri + "/"), file.read_text(encoding="utf-8")


def broken_links(site: Path) -> list[str]:
    """Relative links (and their anchors) that do not lead to a built file and element."""
    broken = []
    for uri, text in html_pages(site):
        for href in hrefs(text):
            if not href or re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("/"):
                continue
            path, _, fragment = href.partition("#")
            target = posixpath.normpath(posixpath.join(uri, path)) if path else uri.rstrip("/")
            if target.startswith(".."):
                broken.append(f"{uri}: {href} (outside the site)")
                continue
            file = site / target
            if file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                broken.append(f"{uri}: {href}")
            elif fragment and f'id="{fragment}"' not in file.read_text(encoding="utf-8"):
                broken.append(f"{uri}: {href} (no such anchor)")
    return broken


# --- every link works ----------------------------------------------------------------------


def test_every_relative_link_and_anchor_resolves(site: Path) -> None:
    assert broken_links(site) == []


# --- postmortem pages ----------------------------------------------------------------------

LINKS = {
    # id: services, causes, owners of its action items
    P1: (["checkout"], ["config-change"], ["team-a", "team-b"]),
    P2: (["payments"], ["capacity"], ["team-b"]),
    P3: (["checkout", "payments"], ["config-change", "dependency"], ["team-a", "team-c"]),
    P4: (["checkout"], ["config-change"], ["team-c"]),
    P5: (["search"], ["dependency"], ["team-b"]),
    P6: (["checkout"], ["capacity"], ["team-a"]),
    P7: (["payments"], ["dependency"], ["team-a"]),
}


@pytest.mark.parametrize("pm_id", sorted(LINKS))
def test_postmortem_links_its_services_causes_and_owners(site: Path, pm_id: str) -> None:
    text = page(site, f"postmortems/{pm_id}")
    services, causes, owners = LINKS[pm_id]
    card = article(text)[: article(text).index('<h2 id="action-items"')]
    assert [h for h in hrefs(card) if "/services/" in h] == [
        f"../../services/{s}/" for s in services
    ]
    assert [h for h in hrefs(card) if "/causes/" in h] == [f"../../causes/{c}/" for c in causes]
    items = section(text, "action-items")
    assert sorted({h for h in hrefs(items) if "/owners/" in h}) == [
        f"../../action-items/owners/{o}/" for o in owners
    ]


GROUPS = {
    "services/checkout": [P6, P4, P3, P1],
    "services/payments": [P7, P3, P2],
    "services/search": [P5],
    "services/ledger": [],
    "causes/capacity": [P6, P2],
    "causes/config-change": [P4, P3, P1],
    "causes/dependency": [P5, P7, P3],
    "causes/hardware": [],
}


@pytest.mark.parametrize("uri", sorted(GROUPS))
def test_service_and_cause_pages_link_back_newest_first(site: Path, uri: str) -> None:
    text = page(site, uri)
    assert pm_links(section(text, "postmortems")) == [f"{i}/" for i in GROUPS[uri]]
    for pm_id in GROUPS[uri]:
        kind, slug = uri.split("/")
        assert f'href="../../{kind}/{slug}/"' in page(site, f"postmortems/{pm_id}")


def test_open_items_link_to_anchors_in_order(site: Path) -> None:
    text = page(site, "action-items")
    links = pm_links(article(text), "../postmortems/")
    assert links == [f"{i}/#ai-1" for i in (P1, P7, P3, P5, P4, P2)]
    for link in links:
        pm_id, anchor = link.split("/#")
        target = page(site, f"postmortems/{pm_id}")
        assert re.search(rf'<span id="{anchor}"></span>AI-1', target)
    closed = page(site, "action-items/closed")
    assert pm_links(article(closed), "../../postmortems/") == [
        f"{P6}/#ai-1",
        f"{P3}/#ai-2",
        f"{P1}/#ai-2",
    ]


def test_owner_pages(site: Path) -> None:
    text = page(site, "action-items/owners/team-a")
    assert "3 open (3 overdue on 2026-06-01), 1 closed." in text
    up = "../../../postmortems/"
    assert pm_links(section(text, "open"), up) == [f"{P1}/#ai-1", f"{P7}/#ai-1", f"{P3}/#ai-1"]
    assert pm_links(section(text, "closed"), up) == [f"{P6}/#ai-1"]


def related_links(text: str) -> tuple[list[str], list[str]]:
    """(related table, referenced by) postmortem links of a postmortem page."""
    if 'id="related-postmortems"' not in text:
        return [], []
    part = section(text, "related-postmortems")
    table, _, referenced = part.partition("<strong>Referenced by:</strong>")
    return pm_links(table, "../"), pm_links(referenced, "../")


def test_related_and_referenced_by(site: Path) -> None:
    expected = {
        P6: ([P2], []),
        P5: ([P7, P3], []),
        P7: ([P3, P5], []),
        P4: ([P1, P3], []),
        P3: ([P2, P4, P7, P1, P5], [P7]),
        P2: ([P6], [P6, P3]),
        P1: ([P3, P4], [P4]),
    }
    for pm_id, (related, referenced) in expected.items():
        got = related_links(page(site, f"postmortems/{pm_id}"))
        assert got == ([f"{i}/" for i in related], [f"{i}/" for i in referenced]), pm_id
    why = [r[-1] for r in rows(section(page(site, f"postmortems/{P3}"), "related-postmortems"))]
    assert why == [
        "listed in related; service Payments API (score 1.684)",
        "cause Configuration change; service Checkout (score 5.674)",
        "cause Third-party dependency; service Payments API (score 5.407)",
        "cause Configuration change; service Checkout (score 4.078)",
        "cause Third-party dependency (score 3.415)",
    ]


def test_explicit_related_links_go_both_ways(site: Path) -> None:
    for source, target in ((P3, P2), (P6, P2), (P4, P1), (P7, P3)):
        related, _ = related_links(page(site, f"postmortems/{source}"))
        _, referenced = related_links(page(site, f"postmortems/{target}"))
        assert f"{target}/" in related
        assert f"{source}/" in referenced


def test_still_open_from_earlier_incidents(site: Path) -> None:
    expected = {
        P6: [P2, P4, P3, P1],  # a shared cause first, then the same service, nearest first
        P5: [P7, P3],
        P7: [P3, P2],
        P4: [P3, P1],
        P3: [P1, P2],
    }
    for pm_id, earlier in expected.items():
        text = page(site, f"postmortems/{pm_id}")
        part = section(text, "still-open-from-earlier-incidents")
        assert pm_links(part, "../") == [f"{i}/#ai-1" for i in earlier], pm_id
        count = len(earlier)
        assert f"{count} open action items from earlier postmortems" in part
    for pm_id in (P1, P2):
        assert "still-open-from-earlier-incidents" not in page(site, f"postmortems/{pm_id}")
    # The card and the page's own items on top, the author's text, then what others left.
    text = article(page(site, f"postmortems/{P6}"))
    card, items = text.index('class="pm-card'), text.index('id="action-items"')
    summary = text.index('id="summary"')
    earlier, related = (
        text.index('id="still-open-from-earlier-incidents"'),
        text.index('id="related-postmortems"'),
    )
    assert card < items < summary < earlier < related


# --- index pages: counts and rows ----------------------------------------------------------


def test_archive_page(site: Path) -> None:
    text = article(page(site, "postmortems"))
    assert "7 postmortems, newest first." in text
    assert re.search(r'<h2 id="2026">2026.*?<p class="pm-text">5 postmortems\.</p>', text, re.S)
    assert re.search(r'<h2 id="2025">2025.*?<p class="pm-text">2 postmortems\.</p>', text, re.S)
    assert pm_links(text, "../postmortems/") == [f"{i}/" for i in (P6, P5, P7, P4, P3, P2, P1)]


def test_services_page(site: Path) -> None:
    text = article(page(site, "services"))
    assert "4 services." in text
    assert rows(text) == [
        ["Checkout", "team-checkout", "4", "3", "2026-05-28", "3 (2 overdue)", "1 h 15 min"],
        ["Ledger", "team-ledger", "0", "0", "—", "0", "—"],
        ["Payments API", "team-payments", "3", "2", "2026-04-10", "3 (2 overdue)", "2 h"],
        ["Search", "—", "1", "0", "2026-05-25", "1 (1 overdue)", "—"],
    ]


def test_causes_page(site: Path) -> None:
    text = article(page(site, "causes"))
    assert "4 causes." in text
    both = "Checkout, Payments API"
    three = "Payments API, Checkout, Search"
    assert rows(text) == [
        ["Capacity", "2", "0", "2026-05-28", both, "1", "—"],
        ["Configuration change", "3", "3", "2026-03-03", both, "3 (2 overdue)", "—"],
        ["Third-party dependency", "3", "2", "2026-05-25", three, "3 (3 overdue)", "recurring"],
        ["Hardware failure", "0", "0", "—", "—", "0", "—"],
    ]
    assert text.count("pm-recurring") == 1
    assert 'admonition-title">Recurring<' in page(site, "causes/dependency")
    assert 'admonition-title">Recurring<' not in page(site, "causes/config-change")


def test_action_item_pages_counts(site: Path) -> None:
    assert "6 open action items, 4 overdue on 2026-06-01." in page(site, "action-items")
    assert "3 closed action items (done or won't do)" in html.unescape(
        page(site, "action-items/closed")
    )
    owners = article(page(site, "action-items/owners"))
    assert "3 owners." in owners
    assert rows(owners) == [
        ["team-a", "3", "3", "1", "2025-03-01"],
        ["team-b", "2", "1", "1", "2026-05-30"],
        ["team-c", "1", "0", "1", "2026-06-15"],
    ]
    by_service = article(page(site, "action-items/services"))
    assert "3 services with open action items." in by_service
    headings = re.findall(r'<h2 id="[^"]*">(.*?)</h2>', by_service)
    assert headings == ["Checkout", "Payments API", "Search"]
    assert "3 open items, 2 overdue." in section(page(site, "action-items/services"), "checkout")
    assert "1 open item, 1 overdue." in section(page(site, "action-items/services"), "search")


def test_needs_attention_page(site: Path) -> None:
    text = page(site, "needs-attention")
    waiting = section(text, "waiting-for-review")
    assert "1 postmortem in draft or in review for more than 14 days" in waiting
    assert rows(waiting) == [
        ["Checkout config reload dropped sessions", "status in-review", "2026-03-03", "90", "alice"]
    ]
    problems = section(text, "with-problems")
    assert "0 postmortems with errors or warnings." in problems
    assert "None: every postmortem passes" in problems


def test_group_pages_empty_states(site: Path) -> None:
    ledger = article(page(site, "services/ledger"))
    assert "No postmortems name this service yet." in ledger
    assert "No open action items." in ledger
    assert "None recorded." in ledger
    assert "Bookkeeping of every payment." in ledger
    assert "No postmortems name this cause yet." in page(site, "causes/hardware")


def test_empty_states_without_action_items(tmp_path: Path) -> None:
    files = {
        "2026-05-20-quiet.md": pm_text(
            "Quiet draft", dt.date(2026, 5, 20), "SEV3", ["checkout"], [], status="draft"
        ),
    }
    site = build(tmp_path, files, strict=True)
    assert "No open action items." in page(site, "action-items")
    assert "0 open action items, 0 overdue on 2026-06-01." in page(site, "action-items")
    assert "No closed action items yet." in page(site, "action-items/closed")
    assert "No action items yet." in page(site, "action-items/owners")
    by_service = page(site, "action-items/services")
    assert "0 services with open action items." in by_service
    assert "No open action items." in by_service
    assert "No open action items." in page(site, "services/checkout")
    assert "No causes yet" in page(site, "causes")
    assert "No action items recorded." in page(site, "postmortems/2026-05-20-quiet")
    assert "None: every draft and review is recent." in page(site, "needs-attention")


def test_empty_states_of_an_empty_archive(tmp_path: Path) -> None:
    site = build(tmp_path, {}, strict=True)
    assert "No postmortems yet." in page(site, "postmortems")
    assert "0 postmortems, newest first." in page(site, "postmortems")
    assert "No services yet" in page(site, "services")
    assert "No causes yet" in page(site, "causes")
    assert "No open action items." in page(site, "action-items")
    assert "None: every postmortem passes" in page(site, "needs-attention")
    for name in ("postmortems.json", "action-items.json"):
        data = json.loads((site / name).read_text())
        assert data["version"] == 2 and data["generated"] == "2026-06-01"
    assert (site / "action-items.csv").read_text().count("\n") == 1  # the header


# --- navigation ----------------------------------------------------------------------------

INDIVIDUAL = re.compile(r"^(postmortems/[^/]+|(services|causes|action-items/owners)/[^/]+)/$")


def nav_links(site: Path, uri: str) -> list[str]:
    """Pages linked from the primary sidebar of one page, as site-root URIs (``x/y/``)."""
    targets = []
    for href in hrefs(primary_nav(page(site, uri))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("#"):
            continue
        target = posixpath.normpath(posixpath.join(uri + "/" if uri else "", href.split("#")[0]))
        targets.append("" if target == "." else target + "/")
    return targets


def assert_no_individual_page_in_nav(site: Path) -> None:
    """Neither postmortems nor service, cause or owner pages sit in the sidebar of any page."""
    for uri in (
        "",
        "postmortems",
        f"postmortems/{P3}",
        "services/checkout",
        "causes/capacity",
        "action-items/owners/team-a",
    ):
        links = nav_links(site, uri)
        assert "postmortems/" in links, uri
        assert [link for link in links if INDIVIDUAL.match(link)] == [], uri


def test_nav_lists_only_the_index_pages_of_mkdocs_yml(site: Path) -> None:
    links = nav_links(site, "")
    assert "postmortems/" in links
    for uri in INDEX_PAGES[1:]:
        assert uri not in links
    assert_no_individual_page_in_nav(site)


def test_nav_lists_index_pages_when_mkdocs_yml_does(tmp_path: Path) -> None:
    site = build(tmp_path, ARCHIVE, nav=FULL_NAV, strict=True)
    links = nav_links(site, "")
    for uri in INDEX_PAGES:
        assert uri in links
    assert_no_individual_page_in_nav(site)


def test_nav_without_nav_setting_never_lists_individual_pages(tmp_path: Path) -> None:
    site = build(tmp_path, ARCHIVE, nav=None, strict=True)
    assert_no_individual_page_in_nav(site)
    assert "postmortems/" in nav_links(site, "")


# --- escaping and safe page names ----------------------------------------------------------

SCRIPT = "<script>x</script>"
BREAKOUT = "</title><script>alert(1)</script>"
EVIL = "../../evil"
OWNER = "<img src=x onerror=1>"
CAUSE = "[link](javascript:1)"
HOSTILE_ID = "2026-05-01-hostile-values"
SHOWN = {
    SCRIPT: "&lt;script&gt;x&lt;/script&gt;",
    BREAKOUT: "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
    OWNER: "&lt;img src=x onerror=1&gt;",
    CAUSE: "[link](javascript:1)",
}
ON_PAGE = {
    "postmortems": [SCRIPT, BREAKOUT, CAUSE],
    "services": [SCRIPT, BREAKOUT],
    "causes": [SCRIPT, BREAKOUT, CAUSE],
    "action-items": [SCRIPT, BREAKOUT, OWNER],
    "action-items/owners": [OWNER],
    "action-items/services": [SCRIPT, BREAKOUT, OWNER],
    "action-items/closed": [SCRIPT, BREAKOUT, OWNER],
    f"postmortems/{HOSTILE_ID}": [SCRIPT, BREAKOUT, CAUSE, OWNER],
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[Path]]:
    """A site whose services, cause and owner are hostile; and the files made outside it."""
    base = tmp_path_factory.mktemp("hostile")
    root = base / "deep" / "kb"
    files = {
        f"{HOSTILE_ID}.md": pm_text(
            "Hostile values",
            dt.date(2026, 5, 1),
            "SEV2",
            [SCRIPT, EVIL, BREAKOUT],
            [CAUSE],
            items=[
                item("AI-1", "Guard inputs", OWNER, due=dt.date(2026, 7, 1)),
                item("AI-2", "Audit inputs", OWNER, "done"),
            ],
        )
    }
    config = configure(root, files)
    before = set(base.rglob("*"))
    site = build_config(config, strict=True)
    cache = root / ".cache"  # the check cache: the only folder a build writes besides the site
    after = {p for p in base.rglob("*") if not {site, cache} & {p, *p.parents}}
    created = after - before
    return site, created


def test_hostile_values_appear_as_text_on_every_index_page(hostile: tuple[Path, set[Path]]) -> None:
    site, _ = hostile
    for uri, values in ON_PAGE.items():
        text = article(page(site, uri))
        for value in values:
            assert SHOWN[value] in text, (uri, value)


def test_hostile_values_never_become_markup(hostile: tuple[Path, set[Path]]) -> None:
    site, _ = hostile
    for uri, text in html_pages(site):
        for raw in ("<script>x", "<script>alert(1)", "<img src=x", "</title><script>"):
            assert raw not in text, (uri, raw)
        assert not re.search(r'href="\s*javascript:', text, re.I), uri
    assert broken_links(site) == []


def test_hostile_values_are_escaped_in_page_titles(hostile: tuple[Path, set[Path]]) -> None:
    site, _ = hostile
    titles = {
        uri: re.search(r"<title>(.*?)</title>", text, re.S).group(1)  # type: ignore[union-attr]
        for uri, text in html_pages(site)
    }
    expected = {f"{SHOWN[v]} - Test" for v in (SCRIPT, BREAKOUT, OWNER, CAUSE)} | {
        "../../evil - Test"
    }
    assert expected <= set(titles.values())
    for title in titles.values():
        assert "<" not in title


def test_path_like_service_stays_inside_the_site(hostile: tuple[Path, set[Path]]) -> None:
    site, created = hostile
    assert created == set()
    (evil,) = [uri for uri, text in html_pages(site) if "<title>../../evil - Test</title>" in text]
    assert re.fullmatch(r"services/[a-z0-9-]+/", evil)
    assert (site / evil / "index.html").is_file()
    assert [p for p in site.parent.parent.parent.rglob("*evil*") if site not in p.parents] == []


# --- search --------------------------------------------------------------------------------


@material_search
def test_search_finds_service_pages_by_name_and_postmortems_by_body(site: Path) -> None:
    docs = json.loads((site / "search" / "search_index.json").read_text())["docs"]
    for title, location in (
        ("Payments API", "services/payments/"),
        ("Checkout", "services/checkout/"),
        ("Third-party dependency", "causes/dependency/"),
    ):
        assert {"title": title, "location": location} in [
            {"title": d["title"], "location": d["location"]} for d in docs
        ]
    hits = [d["location"] for d in docs if "quokkaflag" in d["text"]]
    assert hits and all(loc.startswith(f"postmortems/{P3}/") for loc in hits)
    titles = [
        d["location"] for d in docs if d["title"] == "Feature flag broke checkout and payments"
    ]
    assert f"postmortems/{P3}/" in titles


# --- anchors of action items ---------------------------------------------------------------


def test_action_items_with_similar_ids_get_distinct_anchors(tmp_path: Path) -> None:
    files = {
        "2026-05-01-similar.md": pm_text(
            "Similar ids",
            dt.date(2026, 5, 1),
            "SEV2",
            ["checkout"],
            ["capacity"],
            items=[
                item("AI 2", "First", "team-a", due=dt.date(2026, 7, 1)),
                item("AI_2", "Second", "team-a", due=dt.date(2026, 7, 2)),
            ],
        )
    }
    index = index_of(tmp_path, files)
    if any(f.rule == "duplicate-action-item-id" for f in index.postmortems[0].findings):
        return  # reported: acceptable
    (pm,) = index.postmortems
    _, html = render_pages(index, Settings())[postmortem_uri(pm.slug)]
    anchors = re.findall(r'<span id="([^"]+)"></span>', html)
    assert len(anchors) == len(set(anchors)) == 2
    urls = [i["url"] for i in json.loads(action_items_json(index, True))["items"]]
    assert len(set(urls)) == 2
