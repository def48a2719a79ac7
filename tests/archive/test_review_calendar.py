"""``reviews.ics``: review meetings and reminders of overdue reviews, read back with icalendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from icalendar import Calendar

from helpers import FM, PM_ID, write_postmortem
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.calendars import CalendarSite
from postmortem_kb.archive.index import build_index
from postmortem_kb.archive.review_calendar import review_calendar
from postmortem_kb.model.settings import Settings

NO_MEETING = FM.replace("review_meeting: 2026-03-17\n", "")
SITE = CalendarSite("Team KB", "https://kb.example/docs/", True)


def calendar(root: Path, today: dt.date, site: CalendarSite = SITE) -> Calendar:
    settings = Settings()
    archive = load_archive(root / "postmortems", root, settings, today=today)
    text = review_calendar(build_index(archive, settings, today), site)
    assert text.endswith("END:VCALENDAR\r\n")
    return Calendar.from_ical(text)


def test_a_meeting_is_an_all_day_event(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    [event] = calendar(tmp_path, dt.date(2026, 3, 16)).walk("VEVENT")
    assert str(event["UID"]) == f"{PM_ID}/review@kb.example"
    assert event.decoded("DTSTART") == dt.date(2026, 3, 17)
    assert event.decoded("DTEND") == dt.date(2026, 3, 18)
    assert event.decoded("DTSTAMP") == dt.datetime(2026, 3, 16, tzinfo=dt.timezone.utc)
    assert str(event["SUMMARY"]) == (
        "Postmortem review: Checkout errors after a database failover (SEV2)"
    )
    assert str(event["URL"]) == f"https://kb.example/docs/postmortems/{PM_ID}/"


def test_an_overdue_review_is_a_reminder_on_the_build_date(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=NO_MEETING)
    assert calendar(tmp_path, dt.date(2026, 3, 20)).walk("VEVENT") == []  # not overdue yet
    reminders = []
    for day in (dt.date(2026, 3, 23), dt.date(2026, 3, 24)):
        [event] = calendar(tmp_path, day).walk("VEVENT")
        assert event.decoded("DTSTART") == day
        reminders.append(str(event["UID"]))
        assert "by 2026-03-20" in str(event["DESCRIPTION"])
    assert reminders == [f"{PM_ID}/review-overdue@kb.example"] * 2  # one event, moved


def test_without_site_url_events_name_the_page(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    site = CalendarSite("Team KB")
    cal = calendar(tmp_path, dt.date(2026, 3, 16), site)
    [event] = cal.walk("VEVENT")
    assert "URL" not in event
    assert str(event["UID"]).endswith("@team-kb.invalid")
    assert f"Page: postmortems/{PM_ID}/ (from the site's root)" in str(event["DESCRIPTION"])
    assert "SOURCE" not in cal
