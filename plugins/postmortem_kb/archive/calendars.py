"""Calendars of open action items: the static site's reminders (issue 14, item 4).

``action-items.ics`` at the site root holds every open action item that has a due date;
each team, person and owner page has its own calendar beside it (``Entry.calendar``), with
the items the page lists. An item without a due date is in no calendar (its pages show it).
A calendar is written even when it holds no item, so a subscription never breaks when the
last item closes.

Each item is two components with their own UIDs: a ``VTODO`` (DUE, STATUS, for task apps
such as Thunderbird, Evolution or Tasks.org) and an all-day ``VEVENT`` on its due date, since
Google Calendar, Outlook and Apple Calendar show only the events of a subscribed calendar.
Both are made and serialised by the ``icalendar`` library, which escapes the text and folds
long lines; each item is serialised once per build and shared by every calendar it is in.

The output depends only on the archive, the site's settings and the build date, so two
builds of the same input are byte-identical: DTSTAMP is midnight (UTC) of the build date
(``SOURCE_DATE_EPOCH`` fixes it), and UIDs come from the postmortem's page name, the item
id and the site's host. Without ``site_url`` there is no URL (calendar apps cannot resolve
a relative one): the description names the page from the site root instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from icalendar import Calendar, Event, Todo, vDuration, vText

from postmortem_kb.archive.index import Entry, Index, ItemRef
from postmortem_kb.archive.urls import SITE_CALENDAR, absolute_url, page_url, postmortem_uri
from postmortem_kb.model.front_matter import NO_OWNER, NO_SEVERITY
from postmortem_kb.model.text import anchor, slugify, unique
from postmortem_kb.model.tracker import tracker_link
from postmortem_kb.source.atomic import write_atomically

PRODID = "-//postmortem-kb//Action items//EN"
REFRESH = dt.timedelta(hours=12)
"""How often calendar apps are asked to fetch a calendar again (a hint; most poll less)."""

OWNER_PROPERTY = "X-POSTMORTEM-OWNER"
"""The item's ``owner`` as written. ORGANIZER and ATTENDEE need a calendar address (an
e-mail) that an owner handle is not; CONTACT and CATEGORIES carry it for people."""

STATUS = {"open": "NEEDS-ACTION", "in-progress": "IN-PROCESS"}
"""Open item status -> VTODO STATUS."""

_PRIORITY_WORDS = {
    **dict.fromkeys(("critical", "urgent", "highest", "high"), 1),
    **dict.fromkeys(("medium", "normal", "moderate"), 5),
    **dict.fromkeys(("low", "lowest", "minor"), 9),
}
_PRIORITY_LEVEL = re.compile(r"p?([0-9])", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f]")
_END = "END:VCALENDAR\r\n"


@dataclass(frozen=True)
class CalendarSite:
    """What the calendars need to know of the site being built."""

    name: str  # site_name
    url: str | None = None  # site_url: absolute item URLs and the host of the UIDs
    directory_urls: bool = True
    jira_url: str | None = None  # for items whose link is a Jira key

    @property
    def host(self) -> str:
        """The right-hand side of every UID: the site's host, or a reserved name made from
        the site name (``.invalid`` never resolves) when ``site_url`` is not set."""
        host = urlsplit(self.url).hostname if self.url else None
        return host or f"{slugify(self.name) or 'site'}.invalid"

    def link(self, path: str) -> str | None:
        """The absolute URL of ``path`` (from the site root); None without ``site_url``."""
        return absolute_url(path, self.url) if self.url else None


@dataclass(frozen=True)
class CalendarFile:
    """One calendar: where it goes (from the site root), its name and its items."""

    path: str
    name: str
    description: str
    refs: Sequence[ItemRef]


def calendar_files(index: Index, site: CalendarSite) -> list[CalendarFile]:
    """Every calendar of a build: the site's, then each team's, person's and owner's."""
    files = [
        CalendarFile(
            SITE_CALENDAR,
            f"{_line(site.name)}: action items",
            "Every open action item that has a due date.",
            index.open_items,
        )
    ]
    described: list[tuple[Entry, str, Sequence[ItemRef]]] = [
        *((g.entry, "of {} and its members", g.open_items) for g in index.teams),
        *((g.entry, "owned by {}", g.open_items) for g in index.people),
        *((g.entry, "owned by {}", g.open_items) for g in index.owners),
    ]
    for entry, whose, refs in described:
        label = _line(entry.label)
        text = f"Open action items {whose.format(label)} that have a due date."
        files.append(
            CalendarFile(entry.calendar, f"{_line(site.name)}: action items of {label}", text, refs)
        )
    return files


def calendar_paths(index: Index) -> list[str]:
    """Where the calendars of a build go, from the site root (no build needed)."""
    return [
        SITE_CALENDAR,
        *(g.entry.calendar for g in index.teams),
        *(g.entry.calendar for g in index.people),
        *(g.entry.calendar for g in index.owners),
    ]


def write_calendars(index: Index, site_dir: Path, site: CalendarSite) -> list[str]:
    """Write every calendar into ``site_dir``, each atomically; return their paths.

    Refuses (ValueError) a path that would leave ``site_dir``: page slugs never do.
    """
    root = site_dir.resolve()
    writer = CalendarWriter(index, site)
    written = []
    for calendar in calendar_files(index, site):
        target = (root / calendar.path).resolve()
        if not target.is_relative_to(root):
            raise ValueError(f"calendar {calendar.path!r} would be outside the site folder")
        write_atomically(target, writer.calendar(calendar))
        written.append(calendar.path)
    return written


class CalendarWriter:
    """Serialises calendars; each item's components once, however many calendars hold it."""

    def __init__(self, index: Index, site: CalendarSite) -> None:
        self.index = index
        self.site = site
        self.stamp = dt.datetime.combine(index.today, dt.time(), tzinfo=dt.timezone.utc)
        self._uids = _uids(index, site.host)
        self._done: dict[int, str] = {}  # id(ItemRef) -> its VTODO and VEVENT as text

    def calendar(self, calendar: CalendarFile) -> str:
        """One calendar as text (CRLF line ends), its items by due date."""
        head: str = _header(calendar, self.site).to_ical().decode("utf-8")
        assert head.endswith(_END)
        refs = sorted(
            (ref for ref in calendar.refs if ref.item.due is not None),
            key=lambda ref: (ref.item.due, ref.postmortem.slug, ref.item.id),
        )
        # What Calendar.to_ical() gives with these subcomponents: they come after the
        # calendar's properties, in order.
        return head.removesuffix(_END) + "".join(self._item(ref) for ref in refs) + _END

    def _item(self, ref: ItemRef) -> str:
        done = self._done.get(id(ref))
        if done is None:
            todo, event = self.components(ref)
            done = str((todo.to_ical() + event.to_ical()).decode("utf-8"))
            self._done[id(ref)] = done
        return done

    def components(self, ref: ItemRef) -> tuple[Todo, Event]:
        """The VTODO and the all-day VEVENT of an open item with a due date."""
        item, pm, meta = ref.item, ref.postmortem, ref.postmortem.meta
        assert item.due is not None and meta is not None
        uid = self._uids.get(id(ref)) or f"{_local(ref)}@{self.site.host}"
        path = f"{page_url(postmortem_uri(pm.slug), self.site.directory_urls)}#{anchor(item.id)}"
        url = self.site.link(path)
        owner = _line(item.owner or "")
        contact = self._contact(item.owner) if item.owner else NO_OWNER
        summary = f"{_line(item.title)} ({_line(pm.id)})"
        lines = [
            f"Owner: {contact}",
            f"Postmortem: {_line(meta.title)} ({_line(meta.severity or NO_SEVERITY)}, "
            f"{meta.status})",
            "Status: " + item.status.replace("-", " "),
        ]
        if item.priority:
            lines.append(f"Priority: {_line(item.priority)}")
        if item.type:
            lines.append(f"Type: {item.type}")
        if item.link:
            tracker = tracker_link(_line(item.link), self.site.jira_url)
            target = f" {tracker.url}" if tracker.url and tracker.url != tracker.label else ""
            lines.append(f"Tracker: {tracker.label}{target}")
        lines.append(f"Page: {url}" if url else f"Page: {path} (from the site's root)")
        description = "\n".join(lines)
        priority = _priority(item.priority)
        categories = [c for c in dict.fromkeys((owner, _line(meta.severity or ""))) if c]

        todo = Todo()
        event = Event()
        for component, own_uid, title in (
            (todo, uid, summary),
            (event, _event_uid(uid), f"Due: {summary}"),
        ):
            component.add("uid", own_uid)
            component.add("dtstamp", self.stamp)
            component.add("summary", title)
            component.add("description", description)
            if url:
                component.add("url", url)
            component.add("contact", contact)
            component.add("categories", categories)
            component.add(OWNER_PROPERTY, vText(owner), parameters={"VALUE": "TEXT"})
            if priority:
                component.add("priority", priority)
        todo.add("due", item.due)
        todo.add("status", STATUS.get(item.status, "NEEDS-ACTION"))
        event.add("dtstart", item.due)
        if item.due < dt.date.max:
            event.add("dtend", item.due + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # a reminder, not busy time
        return todo, event

    def _contact(self, owner: str) -> str:
        """The owner, with the team's name and channel when ``teams.yml`` names it a team."""
        catalog = self.index.team_catalog
        team = catalog.team(owner) if catalog else None
        if team is None:
            return _line(owner)
        name = f"{_line(team.label)} ({_line(owner)})" if team.name else _line(owner)
        return f"{name}, {_line(team.channel)}" if team.channel else name


def _header(calendar: CalendarFile, site: CalendarSite) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # vText: the library writes properties it has no type for (NAME, X-...) unescaped.
    cal.add("name", vText(calendar.name))  # RFC 7986
    cal.add("x-wr-calname", vText(calendar.name))  # what most calendar apps read
    description = calendar.description + " Updated when the site is rebuilt."
    cal.add("description", description)
    cal.add("x-wr-caldesc", vText(description))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))  # Outlook's and Apple's name for it
    source = site.link(calendar.path)
    if source:
        cal.add("source", source, parameters={"VALUE": "URI"})
    return cal


def _uids(index: Index, host: str) -> dict[int, str]:
    """A UID per open item with a due date. An item id repeated in one postmortem gets a
    numbered UID (``AI-1-2``) in file order, so every UID of a calendar is its own."""
    taken: set[str] = set()
    found: dict[int, str] = {}
    for pm in index.postmortems:
        for ref in index.items_of(pm):  # file order
            if ref.item.is_closed or ref.item.due is None:
                continue
            local = unique(_local(ref), taken)
            taken.add(local)
            found[id(ref)] = f"{local}@{host}"
    return found


def _local(ref: ItemRef) -> str:
    """``<page name>/<item id>``, each percent-encoded (so never ambiguous)."""
    return f"{quote(ref.postmortem.slug, safe='')}/{quote(ref.item.id, safe='')}"


def _event_uid(uid: str) -> str:
    """The UID of an item's VEVENT, from its VTODO's (``.../AI-1/due@host``)."""
    local, _, host = uid.rpartition("@")
    return f"{local}/due@{host}"


def _priority(value: str | None) -> int | None:
    """RFC 5545 PRIORITY of an item's ``priority``: 1 (high) for P0, P1 and words such as
    high, 5 (medium) for P2, medium, normal; 9 (low) for P3 and lower, low; None (undefined)
    for anything else."""
    if not value:
        return None
    text = value.strip().casefold()
    if text in _PRIORITY_WORDS:
        return _PRIORITY_WORDS[text]
    level = _PRIORITY_LEVEL.fullmatch(text)
    if level is None:
        return None
    number = int(level[1])
    return 1 if number <= 1 else 5 if number == 2 else 9


def _text(value: str) -> str:
    """Author text as RFC 5545 TEXT may hold it: line breaks as ``\\n``, no other control
    characters, nothing that cannot be UTF-8 (the library escapes the rest)."""
    text = _CONTROL.sub("", _LINE_BREAK.sub("\n", value))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a YAML escape
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _line(value: str) -> str:
    """Author text on one line: every run of white space (line breaks too) as one space."""
    return " ".join(_text(value).split())
