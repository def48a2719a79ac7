"""Review policies: the rules that need a severity's policy, the catalogs, other postmortems
or today's date.

A blameless postmortem is reviewed soon after the incident is resolved, with every team that
owns an affected service, and follows up on earlier action items. The plugin option
``policies`` says, per severity, how soon (``review_within``, ``publish_within``, in calendar
or business days from ``incident.resolved``), how soon its priority action items are due,
which action types it needs and whether the owning teams must take part.

Single-file checks are cached by content, so nothing that depends on today may run there:
like the cross-file rules, these run on every build and every ``postmortem check``, on the
facts each file's check kept (``References.review``), with one "today" per run (``--today``,
or ``SOURCE_DATE_EPOCH`` for reproducible builds). They are pure: the archive passes what
they read. ``review_state`` and ``stakeholders`` give the site's review queue, dashboard and
calendar the same answers as the rules.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from postmortem_kb.check.cross_file import ArchiveContext
from postmortem_kb.model.front_matter import FrontMatter
from postmortem_kb.model.record import ItemFacts, Positions, References, ReviewFacts, YamlPath
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import ReviewPolicy, Settings
from postmortem_kb.model.teams import Team, Teams
from postmortem_kb.model.text import plural
from postmortem_kb.source.catalog import Catalog

REVIEWED = "published"
EXEMPT_STATUSES = frozenset({"draft"})
"""Drafts are still being written: their participants and action items are not final, so the
stakeholder and action-type rules wait until the postmortem is in review."""

MEETING_RULES = ("review-overdue", "review-late")
TIMED_RULES = ("review-overdue", "review-late", "publish-overdue")

_PLACES: dict[str, YamlPath] = {
    "incident.resolved": ("incident", "resolved"),
    "action_items": ("action_items",),
}


# --- days ------------------------------------------------------------------------------------


def add_days(start: dt.date, days: int, business_days: bool = False) -> dt.date:
    """``days`` calendar days after ``start``, or business days (Monday to Friday: the
    fifth business day after a Saturday is the next Friday). Never past ``date.max``."""
    if business_days and days:
        day = start
        while day.weekday() >= 5 and day > dt.date.min:  # from a weekend: as from Friday
            day = _plus(day, -1)
        weeks, rest = divmod(days, 5)
        day = _plus(day, weeks * 7)
        while rest and day < dt.date.max:
            day = _plus(day, 1)
            if day.weekday() < 5:
                rest -= 1
        return day
    return _plus(start, days)


def _plus(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def days_in_words(policy: ReviewPolicy, days: int) -> str:
    """``3 calendar days`` or ``5 business days``."""
    kind = "business" if policy.business_days else "calendar"
    return f"{days} {kind} {'day' if days == 1 else 'days'}"


@dataclass(frozen=True)
class ReviewState:
    """Where one postmortem stands against its severity's policy on ``today``.

    Deadlines count from ``start`` (the day of ``incident.resolved``, else the postmortem's
    date); each is None when the policy has no such deadline or there is no start. A legacy
    postmortem has no review deadline (it is exempt from the meeting rules).
    """

    policy: ReviewPolicy
    today: dt.date
    status: str | None
    start: dt.date | None
    meeting: dt.date | None
    legacy: bool
    review_due: dt.date | None
    publish_due: dt.date | None

    @property
    def review_overdue(self) -> int:
        """Days past the review deadline without a recorded meeting (0 when not overdue)."""
        if self.meeting is not None or self.review_due is None:
            return 0
        return max((self.today - self.review_due).days, 0)

    @property
    def review_late(self) -> int:
        """Days the recorded meeting came after the review deadline (0 when in time)."""
        if self.meeting is None or self.review_due is None:
            return 0
        return max((self.meeting - self.review_due).days, 0)

    @property
    def publish_overdue(self) -> int:
        """Days past the publication deadline while not published (0 when not overdue)."""
        if self.status == REVIEWED or self.publish_due is None:
            return 0
        return max((self.today - self.publish_due).days, 0)

    @property
    def waits_for_meeting(self) -> bool:
        """The policy asks for a review meeting that is not held yet (none recorded, or one
        scheduled for today or later)."""
        if self.review_due is None:
            return False
        return self.meeting is None or self.meeting >= self.today

    @property
    def waits_for_publication(self) -> bool:
        """Not published yet."""
        return self.status != REVIEWED

    @property
    def days_to_review(self) -> int | None:
        """Days from resolution to the meeting, when both are known."""
        if self.meeting is None or self.start is None:
            return None
        return (self.meeting - self.start).days


def start_day(facts: ReviewFacts) -> dt.date | None:
    """The day deadlines count from: ``incident.resolved``, else the postmortem's date."""
    if facts.resolved is not None:
        return facts.resolved.date()
    if facts.why("incident.resolved") is not None:
        return None  # there, but unreadable: never guess
    return facts.date


def review_state(facts: ReviewFacts, settings: Settings, today: dt.date) -> ReviewState | None:
    """The state of a postmortem against its severity's policy; None without a policy."""
    policy = settings.policy(facts.severity)
    if policy is None:
        return None
    start = start_day(facts)
    review_due = publish_due = None
    if start is not None:
        if policy.review_within is not None and not facts.legacy:
            review_due = add_days(start, policy.review_within, policy.business_days)
        if policy.publish_within is not None:
            publish_due = add_days(start, policy.publish_within, policy.business_days)
    return ReviewState(
        policy,
        today,
        facts.status,
        start,
        facts.review_meeting,
        facts.legacy,
        review_due,
        publish_due,
    )


def facts_of(meta: FrontMatter) -> ReviewFacts:
    """The review facts of a front matter that could be read whole (for the site)."""
    items = tuple(
        ItemFacts(index, item.id, item.due, item.status, item.type, item.priority)
        for index, item in enumerate(meta.action_items)
    )
    return ReviewFacts(
        meta.severity,
        meta.status,
        meta.date,
        meta.incident.resolved,
        meta.review_meeting,
        meta.legacy or meta.imported,
        items,
        imported=meta.imported,
    )


# --- stakeholders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stakeholder:
    """A team owning affected services (``owner`` in ``services.yml``), as the catalog
    writes it; ``team`` is the ``teams.yml`` team it names, when there is one."""

    owner: str
    services: tuple[str, ...]
    team: Team | None = None

    def among(self, participants: Sequence[str], teams: Teams | None) -> bool:
        """Whether the participants include the team: its name as written, its id or an
        alias, or (with ``teams.yml``) one of its members."""
        if self.owner in participants:
            return True
        if self.team is None or teams is None:
            return False
        for name in participants:
            if name in self.team.members:
                return True
            named = teams.team(name)
            if named is not None and named.id == self.team.id:
                return True
        return False


def stakeholders(
    services: Sequence[str], catalog: Catalog | None, teams: Teams | None
) -> list[Stakeholder]:
    """The teams owning ``services`` in the service catalog, in the order of the services;
    none for a service without a catalog entry or an owner."""
    owners: dict[str, list[str]] = {}
    for service in dict.fromkeys(services):
        entry = catalog.entries.get(service) if catalog is not None else None
        if entry is not None and entry.owner:
            owners.setdefault(entry.owner, []).append(service)
    return [
        Stakeholder(owner, tuple(served), teams.team(owner) if teams else None)
        for owner, served in owners.items()
    ]


# --- the rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """One postmortem as the policies read it: its id, the facts its check kept, where its
    keys and values are, and the report its findings go to."""

    id: str
    references: References
    positions: Positions
    report: Report


def check_policies(
    subjects: Sequence[Subject], context: ArchiveContext, settings: Settings, today: dt.date
) -> None:
    """Report every policy finding of ``subjects`` (the postmortems of one run)."""
    for subject in subjects:
        _Checker(subject, context, settings, today).run()
    _check_earlier_open(subjects, context, settings, today)


class _Checker:
    """The policy rules of one postmortem. A value a rule needs that cannot be read stops
    that rule, and one note per such value names the rules it stopped (those that could
    have reported, as far as the other values tell)."""

    def __init__(
        self, subject: Subject, context: ArchiveContext, settings: Settings, today: dt.date
    ) -> None:
        self.subject = subject
        self.facts = subject.references.review
        self.context = context
        self.settings = settings
        self.today = today
        self.skipped: dict[str, list[str]] = {}  # the unreadable field -> rules not checked

    def add(self, rule: str, at: tuple[int, int], message: str, hint: str) -> None:
        self.subject.report.add(rule, at[0], at[1], message, hint)

    def run(self) -> None:
        facts = self.facts
        if facts.severity is None:
            if facts.why("severity"):  # any policy could be the one: note each one's rules
                for policy in self.settings.policies.values():
                    if policy is not None:
                        self._note_unreadable(policy, severity=True)
            self._report_skipped()
            return
        state = review_state(facts, self.settings, self.today)
        if state is None:
            return
        policy = state.policy
        self._note_unreadable(policy)
        if not facts.legacy and facts.why("legacy") is None:
            self._meeting(state)
            self._stakeholders(policy)
        self._publication(state)
        self._due_dates(policy)
        self._action_types(policy)
        self._report_skipped()

    def _note_unreadable(self, policy: ReviewPolicy, *, severity: bool = False) -> None:
        """Note, for each value that cannot be read, the rules of ``policy`` it stops."""
        facts = self.facts
        if not facts.unreadable:
            return
        could = self._could_fire(policy)
        timed = TIMED_RULES if facts.resolved is None and not facts.why("incident.resolved") else ()
        needs: dict[str, tuple[str, ...]] = {
            "severity": tuple(could) if severity else (),
            "incident.resolved": TIMED_RULES,
            "date": (*timed, "action-item-due-too-late"),
            "review_meeting": MEETING_RULES,
            "status": ("publish-overdue", "missing-stakeholder", "missing-action-type"),
            "legacy": (*MEETING_RULES, "missing-stakeholder"),
            "action_items": ("action-item-due-too-late", "missing-action-type"),
            "services": ("missing-stakeholder",),
            "participants": ("missing-stakeholder",),
        }
        for field, rules in needs.items():
            if facts.why(field):
                stopped = [rule for rule in could if rule in rules]
                if stopped:
                    self.skipped.setdefault(field, []).extend(stopped)

    def _could_fire(self, policy: ReviewPolicy) -> list[str]:
        """The rules of ``policy`` that could report this postmortem, as far as its
        readable values tell."""
        facts, start = self.facts, start_day(self.facts)

        def passed(days: int | None, day: dt.date = self.today) -> bool:  # unknown: no start
            return start is None or day > add_days(start, days or 0, policy.business_days)

        in_review = facts.status not in EXEMPT_STATUSES
        meeting = facts.review_meeting
        rules = []
        if policy.review_within is not None:
            if meeting is None and passed(policy.review_within):
                rules.append("review-overdue")
            if facts.why("review_meeting") or (meeting and passed(policy.review_within, meeting)):
                rules.append("review-late")
        publish = policy.publish_within
        if publish is not None and facts.status != REVIEWED and passed(publish):
            rules.append("publish-overdue")
        if policy.require_stakeholders and in_review and self.context.services is not None:
            owners = stakeholders(self.subject.references.services, self.context.services, None)
            if owners or facts.why("services"):
                rules.append("missing-stakeholder")
        if policy.action_items_due_within is not None and self._due_too_late(policy):
            rules.append("action-item-due-too-late")
        required = set(policy.require_action_types)
        has_one = bool(required & {item.type for item in facts.items})
        if required and in_review and (not has_one or facts.why("action_items")):
            rules.append("missing-action-type")
        return rules

    def _due_too_late(self, policy: ReviewPolicy) -> list[ItemFacts]:
        """The open items of the policy's priorities due later than it allows (every open
        item with a due date when the postmortem's date is unknown)."""
        chosen = {priority.casefold() for priority in policy.priorities}
        date, days = self.facts.date, policy.action_items_due_within or 0
        limit = add_days(date, days) if date is not None else None
        return [
            item
            for item in self.facts.items
            if item.is_open
            and item.due is not None
            and (not chosen or (item.priority or "").strip().casefold() in chosen)
            and (limit is None or item.due > limit)
        ]

    def _meeting(self, state: ReviewState) -> None:
        policy, facts = state.policy, self.facts
        if policy.review_within is None or state.review_due is None:
            return
        if facts.why("review_meeting"):
            return
        positions = self.subject.positions
        allowed = days_in_words(policy, policy.review_within)
        if state.review_overdue:
            self.add(
                "review-overdue",
                positions.first_key(("review_meeting",), ("status",)),
                f"no review meeting recorded: the {facts.severity} policy asks for one within "
                f"{allowed} of resolution ({state.start}), by {state.review_due}; "
                f"{plural(state.review_overdue, 'day')} overdue on {self.today}",
                "hold the review with the owning teams and record its day: review_meeting: "
                "YYYY-MM-DD (a day ahead schedules it); a postmortem written before this "
                "process can say legacy: true",
            )
        elif state.review_late:
            self.add(
                "review-late",
                positions.of_value(("review_meeting",)),
                f"the review meeting on {state.meeting} came "
                f"{plural(state.review_late, 'day')} after {state.review_due}, the last day "
                f"of the {facts.severity} policy ({allowed} from resolution)",
                "schedule reviews within the policy, while memories are fresh",
            )

    def _publication(self, state: ReviewState) -> None:
        policy, facts = state.policy, self.facts
        if policy.publish_within is None or state.publish_due is None or facts.status is None:
            return
        if state.publish_overdue:
            self.add(
                "publish-overdue",
                self.subject.positions.of_value(("status",)),
                f"still {facts.status} {plural(state.publish_overdue, 'day')} after the "
                f"{facts.severity} policy's deadline for publication, {state.publish_due} "
                f"({days_in_words(policy, policy.publish_within)} after resolution)",
                "finish the review and set status: published",
            )

    def _in_review(self) -> bool:
        """Whether the postmortem is past its draft (unknown: no)."""
        return self.facts.status is not None and self.facts.status not in EXEMPT_STATUSES

    def _stakeholders(self, policy: ReviewPolicy) -> None:
        references, context, facts = self.subject.references, self.context, self.facts
        if not policy.require_stakeholders or not self._in_review() or context.services is None:
            return
        if facts.why("services") or facts.why("participants"):
            return
        at = self.subject.positions.first_key(("participants",), ("services",))
        for stakeholder in stakeholders(references.services, context.services, context.teams):
            if stakeholder.among(references.participants, context.teams):
                continue
            team = stakeholder.team
            owns = ", ".join(stakeholder.services)
            others = [name for name in (team.aliases if team else ()) if name != stakeholder.owner]
            hint = f"invite the team to the review and add '{stakeholder.owner}' to participants"
            if others:
                hint += f" (or another of its names: {', '.join(others)})"
            if team and team.members:
                hint += f", or the members who took part ({', '.join(team.members)})"
            self.add(
                "missing-stakeholder",
                at,
                f"the team {stakeholder.owner}, which owns {owns} ({context.services.path}), "
                "is not among the participants",
                hint,
            )

    def _due_dates(self, policy: ReviewPolicy) -> None:
        days, facts = policy.action_items_due_within, self.facts
        if days is None or facts.why("action_items") or facts.date is None:
            return
        limit = add_days(facts.date, days)
        for item in self._due_too_late(policy):
            assert item.due is not None
            which = f"{item.priority} " if item.priority else ""
            self.add(
                "action-item-due-too-late",
                self.subject.positions.of_value(("action_items", item.index, "due")),
                f"{which}action item '{item.id}' is due {item.due}, "
                f"{plural((item.due - limit).days, 'day')} after the {facts.severity} "
                f"policy's {plural(days, 'day')} from the incident ({limit})",
                f"bring the due date forward to {limit} at the latest, or split the item "
                "and give the longer work a lower priority",
            )

    def _action_types(self, policy: ReviewPolicy) -> None:
        required, facts = policy.require_action_types, self.facts
        if not required or not self._in_review() or facts.why("action_items"):
            return
        if {item.type for item in facts.items} & set(required):
            return
        wanted = " or ".join(required)
        self.add(
            "missing-action-type",
            self.subject.positions.first_key(("action_items",), ("severity",)),
            f"no action item is of type {wanted}, which the {facts.severity} policy requires",
            f"add an item of type {wanted}"
            + (" (what keeps this from happening again)" if "prevent" in required else ""),
        )

    def _report_skipped(self) -> None:
        for field, rules in self.skipped.items():
            why = self.facts.why(field) or f"{field} cannot be read"
            path = _PLACES.get(field, (field,))
            line, column = self.subject.positions.of_value(path)
            names = ", ".join(repr(rule) for rule in dict.fromkeys(rules))
            self.subject.report.add(
                "skipped-check",
                line,
                column,
                f"{names} not checked: {why}",
                "fix the value that cannot be read; the check runs again once it can",
            )


# --- earlier open action items ----------------------------------------------------------------


def _check_earlier_open(
    subjects: Sequence[Subject], context: ArchiveContext, settings: Settings, today: dt.date
) -> None:
    """Note, on drafts and postmortems in review, the open items of earlier postmortems
    (strictly earlier days) that share a service or a specific cause (one ``causes.yml``
    does not mark ``generic: true``: a generic cause alone is not enough, as on the page),
    overdue first, then by due date: at most ``earlier_open_limit`` of them."""
    limit = settings.earlier_open_limit
    if limit == 0:
        return
    causes = context.causes.entries if context.causes is not None else {}
    generic = frozenset(cause for cause, entry in causes.items() if entry.generic)

    def _keys(references: References) -> list[tuple[str, str]]:
        return [
            *(("service", service) for service in dict.fromkeys(references.services)),
            *(("cause", c) for c in dict.fromkeys(references.causes) if c not in generic),
        ]

    # Per service and specific cause: the postmortems with open items, by day, with them.
    sharing: dict[tuple[str, str], list[tuple[int, Subject, list[ItemFacts]]]] = defaultdict(list)
    for subject in subjects:
        facts = subject.references.review
        open_items = [item for item in facts.items if item.is_open]
        if facts.date is None or not open_items:
            continue
        for key in _keys(subject.references):
            sharing[key].append((facts.date.toordinal(), subject, open_items))
    days: dict[tuple[str, str], list[int]] = {}
    for key, group in sharing.items():
        group.sort(key=lambda entry: entry[0])
        days[key] = [day for day, _, _ in group]
    for subject in subjects:
        facts = subject.references.review
        if facts.date is None or facts.status is None or facts.status == REVIEWED:
            continue
        found: dict[tuple[str, int], tuple[Subject, ItemFacts]] = {}
        for key in _keys(subject.references):
            group = sharing.get(key, [])
            earlier = bisect.bisect_left(days.get(key, []), facts.date.toordinal())
            for _, other, open_items in group[:earlier]:  # strictly earlier days
                for item in open_items:
                    found.setdefault((other.id, item.index), (other, item))
        if found:
            _note_earlier(subject, sorted(found.values(), key=_open_order(today)), limit, today)


def _open_order(
    today: dt.date,
) -> Callable[[tuple[Subject, ItemFacts]], tuple[int, int, str, int]]:
    """Overdue items first, then by due date (none last), as the site lists open items."""

    def key(pair: tuple[Subject, ItemFacts]) -> tuple[int, int, str, int]:
        earlier, item = pair
        due = item.due.toordinal() if item.due else dt.date.max.toordinal()
        overdue = item.due is not None and item.due < today
        return (0 if overdue else 1, due, earlier.id, item.index)

    return key


def _note_earlier(
    subject: Subject, found: list[tuple[Subject, ItemFacts]], limit: int, today: dt.date
) -> None:
    listed = []
    for earlier, item in found[:limit]:
        owner = dict(earlier.references.owners).get(item.index)
        facts = [owner] if owner else []
        if item.due is not None:
            facts.append(f"overdue since {item.due}" if item.due < today else f"due {item.due}")
        listed.append(f"{item.id} of {earlier.id}" + (f" ({', '.join(facts)})" if facts else ""))
    more = len(found) - limit
    line, column = subject.positions.first_key(("services",))
    subject.report.add(
        "earlier-open-items",
        line,
        column,
        f"{plural(len(found), 'action item')} of earlier postmortems on the same services or "
        f"specific causes still open: {'; '.join(listed)}"
        + (f"; and {more} more" if more > 0 else ""),
        "say in the postmortem or its pull request how they relate: done, still needed, or "
        "more urgent now",
    )
