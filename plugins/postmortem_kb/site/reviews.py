"""The review queue page, and the review policies' figures on the dashboard and on the
needs-attention page (from ``Index.reviews``).

``review-queue/`` lists the postmortems waiting for their review meeting or for publication,
the nearest deadline first, with the teams to invite (the owners of the affected services)
and whether the participants include them. Like every generated table, it goes into the page
after search has indexed it.
"""

from __future__ import annotations

import datetime as dt

from postmortem_kb.archive.index import TEAM, Index
from postmortem_kb.archive.review_calendar import REVIEW_CALENDAR
from postmortem_kb.archive.reviews import Invitee, Waiting
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import plural
from postmortem_kb.site.html import (
    Body,
    Links,
    Mark,
    admonition,
    esc,
    overdue_badge,
    paragraph,
    severity_badge,
    status_badge,
    table,
)

REVIEW_QUEUE = "review-queue.md"


def review_queue_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``review-queue.md``: what waits for a review meeting or for publication."""
    reviews = index.reviews
    markdown = "\n\n".join(("# Review queue", mark("intro"), mark("calendar"), mark("table"), ""))

    def parts(links: Links) -> dict[str, str]:
        waiting = reviews.queue
        overdue = len(reviews.overdue)
        intro = paragraph(
            f"{plural(len(waiting), 'postmortem')} waiting for the review meeting or for "
            f"publication on {index.today}, the nearest deadline first"
            + (f"; {overdue} past it" if overdue else "")
            + ". Deadlines come from the review policy of each severity, counted from the "
            "incident's resolution. Invite the teams that own the affected services."
        )
        intro += paragraph(esc(reviews.compliance.summary()))
        if not waiting:
            intro += paragraph(
                "Nothing waits: every review is held and every postmortem published."
            )
        return {"intro": intro}

    def tables(links: Links) -> dict[str, str]:
        found = {"calendar": _calendar_hint(links)}
        if reviews.queue:
            found["table"] = queue_table(reviews.queue, index.today, links)
        return found

    return Body(markdown, parts, tables)


def queue_table(queue: list[Waiting], today: dt.date, links: Links) -> str:
    """The queue as a table: deadline, postmortem, what it waits for, the meeting, teams."""
    rows = []
    for waiting in queue:
        pm, state = waiting.postmortem, waiting.state
        assert pm.meta is not None
        meeting = "—"
        if state is not None and state.review_due is not None:
            if state.meeting is None:
                meeting = "not recorded"
            elif state.meeting >= today:
                meeting = f"scheduled for {state.meeting}"
            else:
                meeting = f"held on {state.meeting}"
        rows.append(
            (
                _deadline(waiting, today),
                links.postmortem(pm),
                severity_badge(pm.meta),
                status_badge(pm.meta.status),
                esc(waiting.waiting_for),
                esc(meeting),
                _invitees(waiting.invitees, links),
            )
        )
    headers = (
        "Deadline",
        "Postmortem",
        "Severity",
        "Status",
        "Waiting for",
        "Review meeting",
        "Teams to invite",
    )
    return table(headers, rows, caption="Postmortems waiting for review")


def _deadline(waiting: Waiting, today: dt.date) -> str:
    deadline = waiting.deadline
    if deadline is None:
        return "none"
    if waiting.overdue:
        return f"{deadline} {overdue_badge(waiting.overdue)}"
    days = (deadline - today).days
    return f"{deadline} (today)" if days == 0 else f"{deadline} (in {plural(days, 'day')})"


def _invitees(invitees: tuple[Invitee, ...], links: Links) -> str:
    if not invitees:
        return "—"
    shown = []
    for invitee in invitees:
        team = invitee.stakeholder.team
        name = (
            links.entry(TEAM, team.id)
            if team is not None and links.index is not None and links.index.team(team.id)
            else f"<code>{esc(invitee.stakeholder.owner)}</code>"
        )
        shown.append(name if invitee.present else f"{name} (not among the participants)")
    return ", ".join(shown)


def _calendar_hint(links: Links) -> str:
    """Where to subscribe to the review meetings and the reminders of overdue reviews."""
    if links.site_url:
        href = esc(links.site_url.rstrip("/") + "/" + REVIEW_CALENDAR)
        shown = f"<code>{href}</code>"
    else:
        href, shown = links.file(REVIEW_CALENDAR), REVIEW_CALENDAR
    return admonition(
        "tip pm-subscribe",
        "Subscribe to the review meetings",
        paragraph(
            f'<a class="pm-calendar" href="{href}">{shown}</a>: every recorded review meeting, '
            "and a reminder on the day of each build for every review that is overdue, as a "
            "calendar to add to your calendar app &ldquo;from URL&rdquo;."
        ),
    )


def compliance_card(index: Index, links: Links) -> tuple[str, str]:
    """The dashboard's card: reviews held within policy, and what waits."""
    reviews = index.reviews
    compliance = reviews.compliance
    queue = links.url(REVIEW_QUEUE)
    if compliance.severities and compliance.due:
        title = (
            f'<a href="{queue}">{esc(compliance.label)} reviewed within policy: '
            f"{compliance.in_time} of {compliance.due}</a>"
        )
    else:
        title = f'<a href="{queue}">Review queue</a>'
    median = compliance.median()
    text = f"{median[:1].upper()}{median[1:]}. " if median else ""
    text += (
        f"{plural(len(reviews.queue), 'postmortem')} waiting for a review meeting or "
        f"publication, {len(reviews.overdue)} overdue."
    )
    return title, text


def attention_summary(index: Index, links: Links) -> str:
    """The needs-attention page's words on the review policies: compliance and how many
    postmortems are past a deadline (the review queue lists everything that waits)."""
    reviews = index.reviews
    queue = links.url(REVIEW_QUEUE)
    overdue = len(reviews.overdue)
    return paragraph(
        esc(reviews.compliance.summary())
        + f" {plural(overdue, 'postmortem')} past the deadline for the review meeting or for "
        f'publication{":" if overdue else "."} The <a href="{queue}">review queue</a> lists '
        "everything that waits."
    )


def attention_table(index: Index, links: Links) -> str:
    """The postmortems past a deadline of their review policy (empty when none is)."""
    overdue = index.reviews.overdue
    return queue_table(overdue, index.today, links) if overdue else ""
