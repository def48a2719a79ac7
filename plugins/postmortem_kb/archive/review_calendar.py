"""``reviews.ics`` at the site root: the review meetings, and reminders of overdue reviews.

Each recorded ``review_meeting`` is an all-day VEVENT on its day (a day on or after the build
date is a scheduled meeting), with the teams to invite. Each review that is overdue (its
severity's policy asked for a meeting by a day that has passed, and none is recorded) is an
all-day VEVENT on the build date, a reminder that moves with each build and keeps its UID, so
calendar apps update it instead of adding another; it disappears once the meeting is recorded.

As for the action-item calendars (``calendars.py``), the output depends only on the archive,
the site's settings and the build date: DTSTAMP is midnight (UTC) of the build date, and
UIDs come from the postmortem's page name and the site's host, so two builds of the same
input are byte-identical.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from icalendar import Calendar, Event, vDuration, vText

from postmortem_kb.archive.calendars import REFRESH, CalendarSite, _line
from postmortem_kb.archive.index import Index
from postmortem_kb.archive.reviews import Invitee
from postmortem_kb.archive.urls import page_url, postmortem_uri
from postmortem_kb.check.policies import ReviewState, days_in_words
from postmortem_kb.model.front_matter import NO_SEVERITY
from postmortem_kb.model.record import Postmortem
from postmortem_kb.source.atomic import write_atomically

REVIEW_CALENDAR = "reviews.ics"
PRODID = "-//postmortem-kb//Review meetings//EN"


def write_review_calendar(index: Index, site_dir: Path, site: CalendarSite) -> str:
    """Write ``reviews.ics`` into ``site_dir`` atomically; return its path from the root."""
    write_atomically(site_dir / REVIEW_CALENDAR, review_calendar(index, site))
    return REVIEW_CALENDAR


def review_calendar(index: Index, site: CalendarSite) -> str:
    """The calendar of review meetings and overdue reviews, as text (CRLF line ends)."""
    stamp = dt.datetime.combine(index.today, dt.time(), tzinfo=dt.timezone.utc)
    cal = Calendar()
    name = f"{_line(site.name)}: postmortem reviews"
    description = (
        "Postmortem review meetings, and a reminder for each review that is overdue. "
        "Updated when the site is rebuilt."
    )
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", vText(name))  # RFC 7986
    cal.add("x-wr-calname", vText(name))
    cal.add("description", description)
    cal.add("x-wr-caldesc", vText(description))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    source = site.link(REVIEW_CALENDAR)
    if source:
        cal.add("source", source, parameters={"VALUE": "URI"})
    for meeting in index.reviews.meetings:
        summary = f"Postmortem review: {_title(meeting.postmortem)}"
        lines = [*_about(meeting.postmortem), *_teams(meeting.invitees)]
        cal.add_component(
            _event(meeting.postmortem, "review", meeting.day, summary, lines, stamp, site)
        )
    for waiting in index.reviews.queue:
        state = waiting.state
        if state is None or not state.review_overdue:
            continue
        summary = f"Review overdue: {_title(waiting.postmortem)}"
        lines = [_overdue(waiting.postmortem, state), *_about(waiting.postmortem)]
        lines += _teams(waiting.invitees)
        event = _event(
            waiting.postmortem, "review-overdue", index.today, summary, lines, stamp, site
        )
        cal.add_component(event)
    text: str = cal.to_ical().decode("utf-8")
    return text


def _event(
    pm: Postmortem,
    kind: str,
    day: dt.date,
    summary: str,
    lines: list[str],
    stamp: dt.datetime,
    site: CalendarSite,
) -> Event:
    """An all-day event about ``pm``; its UID is ``<page name>/<kind>@<host>``."""
    assert pm.meta is not None
    path = page_url(postmortem_uri(pm.slug), site.directory_urls)
    url = site.link(path)
    lines = [*lines, f"Page: {url}" if url else f"Page: {path} (from the site's root)"]
    event = Event()
    event.add("uid", f"{quote(pm.slug, safe='')}/{kind}@{site.host}")
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    if url:
        event.add("url", url)
    event.add("categories", [_severity(pm), "postmortem review"])
    event.add("dtstart", day)
    if day < dt.date.max:
        event.add("dtend", day + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a day to remember, not busy time
    return event


def _severity(pm: Postmortem) -> str:
    assert pm.meta is not None
    return _line(pm.meta.severity or NO_SEVERITY)


def _title(pm: Postmortem) -> str:
    assert pm.meta is not None
    return f"{_line(pm.meta.title)} ({_severity(pm)})"


def _about(pm: Postmortem) -> list[str]:
    assert pm.meta is not None
    return [f"Postmortem: {_line(pm.id)} ({_severity(pm)}, {pm.meta.status})"]


def _overdue(pm: Postmortem, state: ReviewState) -> str:
    assert pm.meta is not None and state.policy.review_within is not None
    allowed = days_in_words(state.policy, state.policy.review_within)
    return (
        f"No review meeting recorded: the {_severity(pm)} policy asks for one within "
        f"{allowed} of resolution ({state.start}), by {state.review_due}; "
        f"{state.review_overdue} days overdue."
    )


def _teams(invitees: tuple[Invitee, ...]) -> list[str]:
    """``Teams to invite: Payments (team-payments, #payments), ...``."""
    if not invitees:
        return []
    shown = []
    for invitee in invitees:
        team = invitee.stakeholder.team
        owner = _line(invitee.stakeholder.owner)
        text = f"{_line(team.name)} ({owner})" if team is not None and team.name else owner
        if team is not None and team.channel:
            text += f", {_line(team.channel)}"
        if not invitee.present:
            text += " (not among the participants yet)"
        shown.append(text)
    return ["Teams to invite: " + "; ".join(shown)]
