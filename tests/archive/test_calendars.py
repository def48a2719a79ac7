"""Calendars of open action items (archive/calendars.py): ``action-items.ics`` and one per
team, person and owner, parsed back with two independent parsers (icalendar and ics) and
checked line by line against RFC 5545 (CRLF, folded at 75 octets, no control characters)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import ics
import pytest
from icalendar import Calendar, Component
from mkdocs.exceptions import Abort

from helpers import build_site, index_of, make_site, pm_text
from postmortem_kb.archive import calendars as calendars_module
from postmortem_kb.archive.calendars import (
    CalendarFile,
    CalendarSite,
    CalendarWriter,
    calendar_files,
    calendar_paths,
    write_calendars,
)
from postmortem_kb.archive.index import Index, ItemRef
from postmortem_kb.archive.urls import SITE_CALENDAR
from postmortem_kb.model.text import anchor

TODAY = dt.date(2026, 4, 1)
EPOCH = "1775001600"  # 2026-04-01 00:00:00 UTC
SITE = CalendarSite('Larkspur, "Ops"; KB', "https://kb.example.com/handbook/", True)
PA, PB, PC = "2026-03-01-checkout-a", "2026-03-10-payments-b", "2026-03-20-search-c"
HOSTILE_TITLE = (
    "Rotate keys\r\nBEGIN:VEVENT\nUID:evil\rEND:VCALENDAR; then, \\ re\x07test\x1b[31m\u2028"
    + "é" * 70
    + "🚒" * 30
    + " end"
)
"""A title with every kind of line break, ICS syntax, escapes, control characters and
multi-byte characters that must not be split when a line is folded."""

TEAMS_YML = """\
teams:
  team-db:
    name: Databases, core; infra
    members: [alice, bob]
    aliases: [db-oncall]
    channel: "#databases"
  team-sre:
    members: [bob, carol]
  team-idle: {}
  ../../Ops / Night:
    members: [Zoë]
"""


def action(ident: str, title: str, owner: str, due: dt.date | None, **more: Any) -> dict[str, Any]:
    """An action item as written in front matter."""
    data: dict[str, Any] = {"id": ident, "title": title, "owner": owner}
    if due is not None:
        data["due"] = due
    data.update(more)
    return data


d = dt.date
ARCHIVE: dict[str, str] = {
    "teams.yml": TEAMS_YML,
    f"{PA}.md": pm_text(
        'Checkout, "carts"; lost',
        d(2026, 3, 1),
        "SEV2",
        ["checkout"],
        ["capacity"],
        items=[
            action("A1", "Overdue, owned by the team", "team-db", d(2026, 3, 20), priority="P1"),
            action(
                "A2",
                "Due soon, owned by a member",
                "alice",
                d(2026, 4, 10),
                priority="high",
                link="https://github.com/larkspur/payments/issues/12",
            ),
            action(
                "A3",
                "Later, owned by an alias",
                "db-oncall",
                d(2026, 6, 1),
                status="in-progress",
                priority="P2",
            ),
            action("A4", "Done by a member of two teams", "bob", d(2026, 3, 2), status="done"),
            action("A5", "Owned by no team", "stranger", d(2026, 4, 5), priority="whenever"),
            action("A6", "No due date: in no calendar", "alice", None),
            action("A7", "Won't do", "carol", d(2026, 5, 1), status="wont-do"),
        ],
    ),
    f"{PB}.md": pm_text(
        "Payments: the hostile one",
        d(2026, 3, 10),
        "SEV1",
        ["payments"],
        ["dependency"],
        items=[
            action("B1", HOSTILE_TITLE, "carol", d(2026, 4, 2), link="PAY-12", priority="P3"),
            action("B1", "The same id again", "carol", d(2026, 4, 3)),
            action("B 2/x@y", "An id that is no slug", "Zoë", d(9999, 12, 31)),
            action("B3", "Year one", "bob", d(1, 1, 1)),
        ],
    ),
    f"{PC}.md": pm_text(
        "Search: nothing dated",
        d(2026, 3, 20),
        "SEV4",
        ["search"],
        ["capacity"],
        items=[action("C1", "Open without a due date", "team-sre", None)],
    ),
}
del d


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return index_of(tmp_path_factory.mktemp("calendars"), ARCHIVE, today=TODAY)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory, index: Index) -> Path:
    """The calendars written into an otherwise empty site folder."""
    site = tmp_path_factory.mktemp("written") / "site"
    site.mkdir()
    write_calendars(index, site, SITE)
    return site


# --- reading calendars back -----------------------------------------------------------------


def read(path: Path) -> bytes:
    return path.read_bytes()


def parse(data: bytes) -> Calendar:
    """Parse with icalendar, which must find nothing broken."""
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    for component in calendar.walk():
        assert not getattr(component, "errors", []), component.errors
    return calendar


def todos(calendar: Calendar) -> list[Component]:
    return list(calendar.walk("VTODO"))


def events(calendar: Calendar) -> list[Component]:
    return list(calendar.walk("VEVENT"))


def unescape(value: str) -> str:
    """RFC 5545 TEXT unescaping, for properties icalendar reads as unknown (NAME, X-WR-...)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def physical_lines(data: bytes) -> list[bytes]:
    """The lines of a calendar as stored; every one must end with CRLF."""
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
    return lines


def assert_strict_rfc5545(data: bytes) -> None:
    """Line by line, independently of any library: UTF-8, CRLF line ends, lines of at most
    75 octets, folded lines start with a space, no control characters but HTAB, and every
    content line is ``NAME[;PARAM=...]:value`` with a name of letters, digits and dashes."""
    data.decode("utf-8")  # strict: no invalid UTF-8
    lines = physical_lines(data)
    logical: list[bytes] = []
    for line in lines:
        assert len(line) <= 75, (len(line), line)
        assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line), line
        if line.startswith(b" "):
            assert logical, "a calendar cannot start with a continuation line"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    for line in logical:
        assert re.match(rb"^[A-Za-z0-9-]+(;[A-Za-z0-9-]+=[^:;]*)*:", line), line
    text = [line.decode("utf-8") for line in logical]
    assert text[0] == "BEGIN:VCALENDAR" and text[-1] == "END:VCALENDAR"
    assert text.count("BEGIN:VCALENDAR") == 1 and text.count("END:VCALENDAR") == 1
    depth = 0
    for line in text:
        if line.startswith("BEGIN:"):
            depth += 1
        elif line.startswith("END:"):
            depth -= 1
        assert depth >= 0
    assert depth == 0


def every_calendar(site: Path) -> Iterator[Path]:
    return iter(sorted(site.rglob("*.ics")))


def dated(refs: Sequence[ItemRef]) -> list[ItemRef]:
    return [ref for ref in refs if ref.item.due is not None]


def item_keys(calendar: Calendar) -> list[tuple[str, str]]:
    """(postmortem id, item id) of each VTODO, from its URL's page and anchor."""
    keys = []
    for todo in todos(calendar):
        url = str(todo["URL"])
        page, _, fragment = url.removeprefix(SITE.url or "").partition("#")
        keys.append((page.removeprefix("postmortems/").removesuffix("/"), fragment))
    return sorted(keys)


def expected_keys(refs: Sequence[ItemRef]) -> list[tuple[str, str]]:
    return sorted((ref.postmortem.slug, anchor(ref.item.id)) for ref in dated(refs))


# --- what is written ------------------------------------------------------------------------


def test_every_team_person_and_owner_has_a_calendar(site_dir: Path, index: Index) -> None:
    written = sorted(p.relative_to(site_dir).as_posix() for p in every_calendar(site_dir))
    expected = [
        SITE_CALENDAR,
        *(g.entry.calendar for g in index.teams),
        *(g.entry.calendar for g in index.people),
        *(g.entry.calendar for g in index.owners),
    ]
    assert written == sorted(expected) == sorted(calendar_paths(index))
    assert len(expected) == len(set(expected))
    assert "teams/team-idle.ics" in written  # nothing owed: an empty calendar, still there
    assert {"teams/ops-night.ics", "people/zoe.ics"} <= set(written)


def test_no_calendar_is_written_outside_the_site_folder(
    tmp_path: Path, index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "deep" / "site"
    site.mkdir(parents=True)
    write_calendars(index, site, SITE)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and site not in p.parents]
    assert outside == []
    for path in every_calendar(site):
        assert path.resolve().is_relative_to(site.resolve())

    # A path that would leave the folder is refused before anything is written.
    def escaping(index: Index, site: CalendarSite) -> list[CalendarFile]:
        return [CalendarFile("../escaped.ics", "x", "x", index.open_items)]

    monkeypatch.setattr(calendars_module, "calendar_files", escaping)
    with pytest.raises(ValueError, match="outside the site folder"):
        write_calendars(index, site, SITE)
    assert not (tmp_path / "deep" / "escaped.ics").exists()


def test_every_calendar_is_strict_rfc5545(site_dir: Path) -> None:
    paths = list(every_calendar(site_dir))
    assert len(paths) > 10
    for path in paths:
        assert_strict_rfc5545(read(path))


def test_every_calendar_parses_back_with_icalendar(site_dir: Path) -> None:
    for path in every_calendar(site_dir):
        calendar = parse(read(path))
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["PRODID"]) == "-//postmortem-kb//Action items//EN"
        assert "METHOD" not in calendar  # a published feed, not an iTIP message
        name = unescape(str(calendar["X-WR-CALNAME"]))
        assert name.startswith('Larkspur, "Ops"; KB: action items')
        assert unescape(str(calendar["NAME"])) == name
        assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=12)
        relative = path.relative_to(site_dir).as_posix()
        assert str(calendar["SOURCE"]) == f"https://kb.example.com/handbook/{relative}"
        assert len(todos(calendar)) == len(events(calendar))


def second_parser(data: bytes) -> ics.Calendar:
    """The ``ics`` package's reading of a calendar: its own grammar (TatSu), which recurses
    deeply on long values, so it gets more stack than pytest leaves it."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return ics.Calendar(data.decode("utf-8"))
    finally:
        sys.setrecursionlimit(limit)


def test_every_calendar_parses_back_with_a_second_parser(site_dir: Path) -> None:
    """An independent parser reads the same items, texts and dates."""
    for path in every_calendar(site_dir):
        data = read(path)
        mine = parse(data)
        theirs = second_parser(data)
        assert sorted(t.uid for t in theirs.todos) == sorted(str(t["UID"]) for t in todos(mine))
        assert sorted(e.uid for e in theirs.events) == sorted(str(e["UID"]) for e in events(mine))
        by_uid = {str(t["UID"]): t for t in todos(mine)}
        for todo in theirs.todos:
            assert todo.name == str(by_uid[todo.uid]["SUMMARY"])
            assert todo.description == str(by_uid[todo.uid]["DESCRIPTION"])
            assert todo.due.date() == by_uid[todo.uid]["DUE"].dt
        for event in theirs.events:
            assert event.all_day


def test_the_site_calendar_has_every_open_item_with_a_due_date(
    site_dir: Path, index: Index
) -> None:
    calendar = parse(read(site_dir / SITE_CALENDAR))
    refs = dated(index.open_items)
    assert len(refs) == 8  # A1 A2 A3 A5, B1 twice, "B 2/x@y", B3
    assert len(todos(calendar)) == len(events(calendar)) == len(refs)
    assert item_keys(calendar) == expected_keys(index.open_items)
    titles = {str(t["SUMMARY"]) for t in todos(calendar)}
    # Closed items and open items without a due date are in no calendar.
    for left_out in ("Done by a member", "Won't do", "No due date", "Open without a due date"):
        assert not any(left_out in title for title in titles)


def test_counts_per_team_person_and_owner_match_the_index(site_dir: Path, index: Index) -> None:
    groups = [
        *((g.entry.calendar, g.open_items) for g in index.teams),
        *((g.entry.calendar, g.open_items) for g in index.people),
        *((g.entry.calendar, g.open_items) for g in index.owners),
    ]
    assert groups
    for path, refs in groups:
        calendar = parse(read(site_dir / path))
        assert len(todos(calendar)) == len(events(calendar)) == len(dated(refs)), path
        assert item_keys(calendar) == expected_keys(refs), path
    by_path = {path: len(dated(refs)) for path, refs in groups}
    # team-db: A1 (team), A2 (alice), A3 (alias), B3 (bob); not A6 (no due date).
    assert by_path["teams/team-db.ics"] == 4
    assert by_path["teams/team-sre.ics"] == 3  # bob's B3, carol's B1 twice; not C1 (no due)
    assert by_path["teams/team-idle.ics"] == 0
    assert by_path["people/alice.ics"] == 1
    assert by_path["action-items/owners/stranger.ics"] == 1


def test_item_properties(site_dir: Path, index: Index) -> None:
    calendar = parse(read(site_dir / "teams/team-db.ics"))
    todo = next(t for t in todos(calendar) if "Due soon" in str(t["SUMMARY"]))
    assert str(todo["SUMMARY"]) == f"Due soon, owned by a member ({PA})"
    assert todo["DUE"].dt == dt.date(2026, 4, 10)
    assert todo["DUE"].params["VALUE"] == "DATE"
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert int(todo["PRIORITY"]) == 1  # "high"
    assert str(todo["URL"]) == f"https://kb.example.com/handbook/postmortems/{PA}/#a2"
    assert str(todo["UID"]) == f"{PA}/A2@kb.example.com"
    assert todo["DTSTAMP"].dt == dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)
    assert str(todo["CONTACT"]) == "alice"
    assert str(todo["X-POSTMORTEM-OWNER"]) == "alice"
    assert [str(c) for c in todo["CATEGORIES"].cats] == ["alice", "SEV2"]
    description = str(todo["DESCRIPTION"]).split("\n")
    assert description == [
        "Owner: alice",
        'Postmortem: Checkout, "carts"; lost (SEV2, published)',
        "Status: open",
        "Priority: high",
        "Tracker: larkspur/payments#12 https://github.com/larkspur/payments/issues/12",
        f"Page: https://kb.example.com/handbook/postmortems/{PA}/#a2",
    ]
    event = next(e for e in events(calendar) if "Due soon" in str(e["SUMMARY"]))
    assert str(event["SUMMARY"]) == f"Due: Due soon, owned by a member ({PA})"
    assert event["DTSTART"].dt == dt.date(2026, 4, 10)
    assert event["DTEND"].dt == dt.date(2026, 4, 11)
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["UID"]) == f"{PA}/A2/due@kb.example.com"
    assert str(event["DESCRIPTION"]) == str(todo["DESCRIPTION"])

    in_progress = next(t for t in todos(calendar) if "alias" in str(t["SUMMARY"]))
    assert str(in_progress["STATUS"]) == "IN-PROCESS"
    assert int(in_progress["PRIORITY"]) == 5  # P2
    team_item = next(t for t in todos(calendar) if "owned by the team" in str(t["SUMMARY"]))
    assert str(team_item["CONTACT"]) == "Databases, core; infra (team-db), #databases"


def test_a_priority_that_maps_to_nothing_is_left_undefined(site_dir: Path) -> None:
    calendar = parse(read(site_dir / "action-items/owners/stranger.ics"))
    (todo,) = todos(calendar)
    assert "PRIORITY" not in todo
    assert "Priority: whenever" in str(todo["DESCRIPTION"])


@pytest.mark.parametrize(
    ("written", "priority"),
    [
        ("P0", 1),
        ("P1", 1),
        ("p1", 1),
        ("1", 1),
        ("Critical", 1),
        ("high", 1),
        ("P2", 5),
        ("medium", 5),
        ("Normal", 5),
        ("P3", 9),
        ("P4", 9),
        ("low", 9),
        ("whenever", None),
        ("P10", None),
        (None, None),
    ],
)
def test_priority_mapping(written: str | None, priority: int | None) -> None:
    assert calendars_module._priority(written) == priority


def test_hostile_text_is_escaped_and_folded(site_dir: Path) -> None:
    data = read(site_dir / "people/carol.ics")
    assert_strict_rfc5545(data)
    calendar = parse(data)
    assert len(todos(calendar)) == len(events(calendar)) == 2  # the injected VEVENT is text
    hostile = next(t for t in todos(calendar) if "Rotate keys" in str(t["SUMMARY"]))
    summary = str(hostile["SUMMARY"])
    # One line: line breaks as spaces, control characters dropped, nothing else lost.
    assert summary == (
        "Rotate keys BEGIN:VEVENT UID:evil END:VCALENDAR; then, \\ retest[31m "
        + "é" * 70
        + "🚒" * 30
        + f" end ({PB})"
    )
    text = data.decode("utf-8")
    assert "\nBEGIN:VEVENT\r\nUID:evil" not in text
    assert sum(1 for line in text.split("\r\n") if line == "BEGIN:VEVENT") == 2
    # Folding never splits a multi-byte character (decoding above is strict) nor an escape.
    assert str(hostile["STATUS"]) == "NEEDS-ACTION"
    assert int(hostile["PRIORITY"]) == 9  # P3
    # A Jira key without jira_url: the key alone, no link.
    assert "\nTracker: PAY-12\n" in str(hostile["DESCRIPTION"])


def test_a_jira_key_links_with_jira_url(index: Index) -> None:
    site = CalendarSite("KB", "https://kb.example.com/", True, "https://jira.example.com/")
    text = CalendarWriter(index, site).calendar(calendar_files(index, site)[0])
    hostile = next(t for t in todos(parse(text.encode())) if "Rotate" in str(t["SUMMARY"]))
    assert "\nTracker: PAY-12 https://jira.example.com/browse/PAY-12\n" in str(
        hostile["DESCRIPTION"]
    )


def test_uids_are_unique_stable_and_readable(site_dir: Path, index: Index) -> None:
    calendar = parse(read(site_dir / SITE_CALENDAR))
    uids = [str(c["UID"]) for c in (*todos(calendar), *events(calendar))]
    assert len(uids) == len(set(uids))
    todo_uids = sorted(str(t["UID"]) for t in todos(calendar))
    assert todo_uids == sorted(
        [
            f"{PA}/A1@kb.example.com",
            f"{PA}/A2@kb.example.com",
            f"{PA}/A3@kb.example.com",
            f"{PA}/A5@kb.example.com",
            f"{PB}/B1@kb.example.com",
            f"{PB}/B1-2@kb.example.com",  # the repeated id, in file order
            f"{PB}/{quote('B 2/x@y', safe='')}@kb.example.com",
            f"{PB}/B3@kb.example.com",
        ]
    )
    by_title = {str(t["SUMMARY"]).split(" (")[0]: str(t["UID"]) for t in todos(calendar)}
    assert by_title["The same id again"] == f"{PB}/B1-2@kb.example.com"


def test_uids_do_not_depend_on_the_build_date(tmp_path: Path, index: Index) -> None:
    """Items become overdue and move in the lists as days pass; their UIDs stay."""
    later = index_of(tmp_path / "later", ARCHIVE, today=dt.date(2026, 9, 1))
    first = parse(CalendarWriter(index, SITE).calendar(calendar_files(index, SITE)[0]).encode())
    second = parse(CalendarWriter(later, SITE).calendar(calendar_files(later, SITE)[0]).encode())
    assert {str(c["UID"]): str(c["SUMMARY"]) for c in first.walk() if "UID" in c} == {
        str(c["UID"]): str(c["SUMMARY"]) for c in second.walk() if "UID" in c
    }
    assert second.walk("VTODO")[0]["DTSTAMP"].dt == dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)


def test_two_writes_of_the_same_archive_are_byte_identical(tmp_path: Path) -> None:
    """From two copies of the sources, loaded and indexed separately."""
    sites = []
    for name in ("one", "two"):
        index = index_of(tmp_path / name, ARCHIVE, today=TODAY)
        site = tmp_path / name / "site"
        write_calendars(index, site, SITE)
        sites.append({p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.ics")})
    assert sites[0] == sites[1]
    assert len(sites[0]) > 10


def test_calendars_are_what_the_library_writes(index: Index) -> None:
    """Each item is serialised once and the pieces are joined: the result is exactly what
    icalendar writes for the whole calendar."""
    writer = CalendarWriter(index, SITE)
    calendar = calendar_files(index, SITE)[0]
    whole = calendars_module._header(calendar, SITE)
    refs = sorted(dated(calendar.refs), key=lambda r: (r.item.due, r.postmortem.slug, r.item.id))
    for ref in refs:
        for component in writer.components(ref):
            whole.add_component(component)
    assert writer.calendar(calendar) == whole.to_ical().decode("utf-8")


def test_dates_at_the_ends_of_the_calendar(site_dir: Path) -> None:
    calendar = parse(read(site_dir / SITE_CALENDAR))
    last = next(e for e in events(calendar) if "no slug" in str(e["SUMMARY"]))
    assert last["DTSTART"].dt == dt.date(9999, 12, 31)
    assert "DTEND" not in last  # one day, as RFC 5545 reads a DATE without an end
    first = next(t for t in todos(calendar) if "Year one" in str(t["SUMMARY"]))
    assert first["DUE"].dt == dt.date(1, 1, 1)
    assert b"DUE;VALUE=DATE:00010101\r\n" in read(site_dir / SITE_CALENDAR)


def test_without_site_url_there_are_no_links(index: Index) -> None:
    site = CalendarSite("Larkspur KB", None, False)
    text = CalendarWriter(index, site).calendar(calendar_files(index, site)[0])
    calendar = parse(text.encode())
    assert "SOURCE" not in calendar
    for component in (*todos(calendar), *events(calendar)):
        assert "URL" not in component
        assert str(component["UID"]).endswith("@larkspur-kb.invalid")
    todo = next(t for t in todos(calendar) if "Due soon" in str(t["SUMMARY"]))
    assert f"\nPage: postmortems/{PA}.html#a2 (from the site's root)" in str(todo["DESCRIPTION"])


def test_an_empty_calendar_is_still_a_calendar(site_dir: Path) -> None:
    data = read(site_dir / "teams/team-idle.ics")
    assert_strict_rfc5545(data)
    calendar = parse(data)
    assert calendar.subcomponents == []
    assert second_parser(data).todos == set()


# --- a real MkDocs build ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Index]:
    """The archive built with MkDocs and Material, with a site_url below a path."""
    root = tmp_path_factory.mktemp("build") / "kb"
    config = make_site(root, {})
    index = index_of(root, ARCHIVE, today=TODAY)
    text = config.read_text(encoding="utf-8").replace(
        "site_name: Test",
        'site_name: Larkspur, "Ops"; KB\nsite_url: https://kb.example.com/handbook',
    )
    config.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "site", strict=False)  # the hostile archive has findings
    return root / "site", index


def test_a_build_writes_every_calendar_beside_its_page(built: tuple[Path, Index]) -> None:
    site, index = built
    assert (site / SITE_CALENDAR).is_file()
    for group in index.owners:  # beside the owner's page
        assert (site / group.entry.uri.removesuffix(".md") / "index.html").is_file()
        assert (site / group.entry.calendar).is_file()
    for group in (*index.teams, *index.people, *index.owners):
        data = read(site / group.entry.calendar)
        assert_strict_rfc5545(data)
        assert len(todos(parse(data))) == len(dated(group.open_items))
    assert len(todos(parse(read(site / SITE_CALENDAR)))) == len(dated(index.open_items))


def test_a_build_gives_absolute_urls_under_site_url(built: tuple[Path, Index]) -> None:
    site, _ = built
    calendar = parse(read(site / SITE_CALENDAR))
    assert unescape(str(calendar["X-WR-CALNAME"])) == 'Larkspur, "Ops"; KB: action items'
    for todo in todos(calendar):
        url = str(todo["URL"])
        assert url.startswith("https://kb.example.com/handbook/postmortems/")
        page, _, fragment = url.removeprefix("https://kb.example.com/handbook/").partition("#")
        html = (site / page / "index.html").read_text(encoding="utf-8")
        assert f'id="{fragment}"' in html  # the link lands on the item
        assert str(todo["UID"]).endswith("@kb.example.com")


def test_a_build_matches_the_archive_level_calendars(built: tuple[Path, Index]) -> None:
    """The plugin passes the site's name, URL and settings through unchanged."""
    site, index = built
    expected = CalendarWriter(index, SITE)
    for calendar in calendar_files(index, SITE):
        assert read(site / calendar.path) == expected.calendar(calendar).encode("utf-8")


def test_a_docs_file_named_like_a_calendar_stops_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The plugin would overwrite it after the build: it says so instead."""
    config = make_site(tmp_path, {})
    (tmp_path / "docs" / SITE_CALENDAR).write_text("BEGIN:VCALENDAR\r\n", encoding="utf-8")
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=False)
    assert f"docs/{SITE_CALENDAR} has the name of a calendar the plugin writes" in caplog.text
