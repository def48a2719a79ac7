"""The review queue and the review policies' compliance of an archive, on the build date.

The same answers as the rules (``check.policies``): a postmortem waits for its review meeting
when its severity's policy asks for one that is not held yet, and for publication until its
status is ``published``. The site shows the queue by deadline, with the teams to invite; the
home dashboard and the needs-attention page show how many reviews were held within the
policy and how long they took; ``reviews.ics`` holds the meetings and the overdue reviews.
Pure: no MkDocs, no I/O.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from postmortem_kb.check.policies import (
    ReviewState,
    Stakeholder,
    facts_of,
    review_state,
    stakeholders,
)
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.teams import Teams
from postmortem_kb.source.catalog import Catalog

MEETING, PUBLICATION = "review meeting", "publication"


@dataclass(frozen=True)
class Invitee:
    """A team owning affected services, and whether the participants include it."""

    stakeholder: Stakeholder
    present: bool


@dataclass(frozen=True)
class Waiting:
    """A postmortem waiting for its review meeting or for publication.

    ``state`` is None when its severity has no policy: it waits for publication, with no
    deadline.
    """

    postmortem: Postmortem
    state: ReviewState | None
    invitees: tuple[Invitee, ...]

    @property
    def waiting_for(self) -> str:
        """``review meeting`` while the policy's meeting is not held, else ``publication``."""
        return MEETING if self.state is not None and self.state.waits_for_meeting else PUBLICATION

    @property
    def deadline(self) -> dt.date | None:
        """The day of what it waits for; None without a deadline."""
        if self.state is None:
            return None
        return self.state.review_due if self.waiting_for == MEETING else self.state.publish_due

    @property
    def overdue(self) -> int:
        """Days past the deadline of what it waits for (0 when not overdue)."""
        if self.state is None:
            return 0
        if self.waiting_for == MEETING:
            return self.state.review_overdue
        return self.state.publish_overdue


@dataclass(frozen=True)
class Meeting:
    """A recorded review meeting (past, or scheduled when on or after the build date)."""

    postmortem: Postmortem
    day: dt.date
    invitees: tuple[Invitee, ...]


@dataclass(frozen=True)
class Compliance:
    """How reviews kept to the policies, over postmortems whose review was due: held, or
    past the deadline without a meeting (legacy postmortems are left out)."""

    severities: tuple[str, ...] = ()  # the levels whose policy asks for a review meeting
    due: int = 0
    in_time: int = 0  # held on or before the deadline
    median_days: float | None = None  # from resolution to the meeting, of those held
    overdue: int = 0  # past the deadline, no meeting recorded
    publish_overdue: int = 0  # past the publication deadline, not published

    @property
    def label(self) -> str:
        """The severities as one label: ``SEV1/SEV2``."""
        return "/".join(self.severities)

    def summary(self) -> str:
        """``SEV1/SEV2 reviewed within policy: 11 of 14; median 2 days from resolution to
        review.`` (or why there is nothing to say)."""
        if not self.severities:
            return "No severity has a review policy with a deadline for the meeting."
        if not self.due:
            return f"No {self.label} review has been due yet."
        text = f"{self.label} reviewed within policy: {self.in_time} of {self.due}"
        median = self.median()
        return text + (f"; {median}." if median else ".")

    def median(self) -> str | None:
        """``median 2 days from resolution to review``; None when no review was held."""
        if self.median_days is None:
            return None
        days = f"{self.median_days:g}"
        return f"median {days} {'day' if days == '1' else 'days'} from resolution to review"


@dataclass(frozen=True)
class Reviews:
    """The review queue (nearest deadline first: overdue ones lead, then those without a
    deadline), every recorded meeting (by day) and the compliance figures."""

    queue: list[Waiting] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    compliance: Compliance = Compliance()

    @property
    def overdue(self) -> list[Waiting]:
        """The queue's postmortems past the deadline of what they wait for."""
        return [waiting for waiting in self.queue if waiting.overdue]


def build_reviews(
    readable: list[Postmortem],
    services: Catalog | None,
    teams: Teams | None,
    settings: Settings,
    today: dt.date,
) -> Reviews:
    """The reviews of the readable postmortems on ``today``."""
    queue: list[Waiting] = []
    meetings: list[Meeting] = []
    held: list[int] = []
    due = in_time = overdue = publish_overdue = 0
    for pm in readable:
        assert pm.meta is not None
        state = review_state(facts_of(pm.meta), settings, today)
        invitees = tuple(
            Invitee(stakeholder, stakeholder.among(pm.meta.participants, teams))
            for stakeholder in stakeholders(pm.meta.services, services, teams)
        )
        if pm.meta.review_meeting is not None:
            meetings.append(Meeting(pm, pm.meta.review_meeting, invitees))
        if state is None:
            waits = pm.meta.status != "published"
        else:
            waits = state.waits_for_meeting or state.waits_for_publication
        if waits:
            queue.append(Waiting(pm, state, invitees))
        if state is None:
            continue
        publish_overdue += bool(state.publish_overdue)
        if state.review_due is None:
            continue
        meeting = state.meeting
        if (meeting is not None and meeting <= today) or today > state.review_due:
            due += 1
            if meeting is not None and meeting <= state.review_due:
                in_time += 1
            if meeting is None:
                overdue += 1
            elif meeting <= today and state.days_to_review is not None:
                held.append(state.days_to_review)
    queue.sort(key=_by_deadline)
    meetings.sort(key=lambda m: (m.day, m.postmortem.slug))
    compliance = Compliance(
        tuple(
            level
            for level in settings.severities
            if (policy := settings.policy(level)) and policy.review_within is not None
        ),
        due,
        in_time,
        statistics.median(held) if held else None,
        overdue,
        publish_overdue,
    )
    return Reviews(queue, meetings, compliance)


def _by_deadline(waiting: Waiting) -> tuple[int, str]:
    deadline = waiting.deadline
    return (deadline.toordinal() if deadline else dt.date.max.toordinal(), waiting.postmortem.slug)
