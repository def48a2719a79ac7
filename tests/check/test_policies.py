"""Review policies (issue 15): deadlines per severity, stakeholders, action items and the
note on earlier open items, checked on real files with one "today" per run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers import FM, PM_ID, only, rules_of, run_check, write_postmortem
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.cache import CheckCache
from postmortem_kb.check.policies import add_days
from postmortem_kb.model.findings import Level
from postmortem_kb.model.settings import Settings

# FM: SEV2 (review within 5 business days, publication within 15, P0/P1 items due within 30
# days), resolved on Saturday 2026-03-14, reviewed on 2026-03-17, published.
NO_MEETING = FM.replace("review_meeting: 2026-03-17\n", "")
SERVICES = "- id: checkout\n  owner: team-checkout\n- id: payments-api\n  owner: team-payments\n"
TEAMS = """\
teams:
  team-checkout: {members: [bob], aliases: [checkout-oncall]}
  team-payments: {members: [carol, dave], aliases: [payments-oncall]}
  team-db: {members: [alice]}
"""


def check(
    root: Path,
    front_matter: str,
    today: dt.date,
    settings: Settings | None = None,
    *,
    catalogs: bool = False,
) -> list[str]:
    """The rules reported for one postmortem written with ``front_matter``."""
    write_postmortem(root, front_matter=front_matter)
    if catalogs:
        (root / "postmortems" / "services.yml").write_text(SERVICES, encoding="utf-8")
        (root / "postmortems" / "teams.yml").write_text(TEAMS, encoding="utf-8")
    return rules_of(run_check(root, settings, today=today))


def policies(**severities: object) -> Settings:
    return Settings.from_options({"policies": severities})


# --- days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "business", "expected"),
    [
        ("2026-03-14", 3, False, "2026-03-17"),  # Saturday + 3 calendar days
        ("2026-03-14", 5, True, "2026-03-20"),  # Saturday + 5 business days: next Friday
        ("2026-03-13", 1, True, "2026-03-16"),  # Friday + 1 business day: Monday
        ("2026-03-16", 5, True, "2026-03-23"),  # Monday + 5: the next Monday
        ("2026-03-16", 12, True, "2026-04-01"),
        ("2026-03-14", 0, True, "2026-03-14"),
        ("2026-03-14", 10**12, False, "9999-12-31"),  # never overflows
        ("2026-03-14", 10**12, True, "9999-12-31"),
    ],
)
def test_days_count_calendar_or_business_days(
    start: str, days: int, business: bool, expected: str
) -> None:
    day = dt.date.fromisoformat(start)
    assert add_days(day, days, business) == dt.date.fromisoformat(expected)


# --- the review meeting ----------------------------------------------------------------------


def test_no_meeting_ten_days_after_resolution_is_overdue(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=NO_MEETING)
    [finding] = run_check(tmp_path, today=dt.date(2026, 3, 24))
    assert (finding.rule, finding.level, finding.line) == ("review-overdue", Level.WARNING, 4)
    assert finding.message == (
        "no review meeting recorded: the SEV2 policy asks for one within 5 business days of "
        "resolution (2026-03-14), by 2026-03-20; 4 days overdue on 2026-03-24"
    )
    assert "review_meeting: YYYY-MM-DD" in (finding.suggestion or "")


def test_the_last_day_of_the_policy_is_not_overdue(tmp_path: Path) -> None:
    assert check(tmp_path, NO_MEETING, dt.date(2026, 3, 20)) == []
    assert check(tmp_path, NO_MEETING, dt.date(2026, 3, 21)) == ["review-overdue"]


def test_sev1_counts_calendar_days(tmp_path: Path) -> None:
    sev1 = NO_MEETING.replace("severity: SEV2", "severity: SEV1")
    assert check(tmp_path, sev1, dt.date(2026, 3, 17)) == []
    assert check(tmp_path, sev1, dt.date(2026, 3, 18)) == ["review-overdue"]


def test_a_meeting_ahead_is_scheduled(tmp_path: Path) -> None:
    scheduled = FM.replace("review_meeting: 2026-03-17", "review_meeting: 2026-03-19")
    assert check(tmp_path, scheduled, dt.date(2026, 3, 16)) == []


def test_a_late_meeting_is_a_note(tmp_path: Path) -> None:
    late = FM.replace("review_meeting: 2026-03-17", "review_meeting: 2026-03-25")
    write_postmortem(tmp_path, front_matter=late)
    [finding] = run_check(tmp_path, today=dt.date(2026, 3, 30))
    assert (finding.rule, finding.level, finding.line, finding.column) == (
        "review-late",
        Level.INFO,
        15,
        17,
    )
    assert finding.message == (
        "the review meeting on 2026-03-25 came 5 days after 2026-03-20, the last day of the "
        "SEV2 policy (5 business days from resolution)"
    )


def test_without_a_resolution_days_count_from_the_date(tmp_path: Path) -> None:
    unresolved = NO_MEETING.replace("  resolved: 2026-03-14T10:15:00Z\n", "")
    assert check(tmp_path, unresolved, dt.date(2026, 3, 21)) == ["review-overdue"]


def test_resolution_days_are_those_written(tmp_path: Path) -> None:
    """A resolution late in the evening counts on its own day, as written."""
    evening = NO_MEETING.replace("2026-03-14T10:15:00Z", "2026-03-14T23:30:00-05:00")
    assert check(tmp_path, evening, dt.date(2026, 3, 20)) == []


def test_severities_without_a_policy_have_no_deadlines(tmp_path: Path) -> None:
    sev3 = NO_MEETING.replace("severity: SEV2", "severity: SEV3").replace(
        "status: published", "status: draft"
    )
    assert check(tmp_path, sev3, dt.date(2027, 1, 1)) == []


# --- publication -----------------------------------------------------------------------------


def test_publication_overdue(tmp_path: Path) -> None:
    in_review = FM.replace("status: published", "status: in-review")
    assert check(tmp_path, in_review, dt.date(2026, 4, 3)) == []  # the 15th business day
    write_postmortem(tmp_path, front_matter=in_review)
    [finding] = run_check(tmp_path, today=dt.date(2026, 4, 6))
    assert (finding.rule, finding.line, finding.column) == ("publish-overdue", 4, 9)
    assert finding.message == (
        "still in-review 3 days after the SEV2 policy's deadline for publication, 2026-04-03 "
        "(15 business days after resolution)"
    )


# --- legacy postmortems and drafts -------------------------------------------------------------


def test_legacy_is_exempt_from_the_meeting_and_stakeholder_rules(tmp_path: Path) -> None:
    legacy = NO_MEETING.replace("tags:", "legacy: true\ntags:").replace(
        "participants: [bob, carol]", "participants: [alice]"
    )
    today = dt.date(2026, 11, 30)
    assert check(tmp_path, NO_MEETING.replace("[bob, carol]", "[alice]"), today, catalogs=True) == [
        "review-overdue",
        "missing-stakeholder",
        "missing-stakeholder",
    ]
    assert check(tmp_path, legacy, today, catalogs=True) == []
    # ... not from publication: the work is still open
    in_review = legacy.replace("status: published", "status: in-review")
    assert check(tmp_path, in_review, today) == ["publish-overdue"]


def test_drafts_are_exempt_from_the_stakeholder_and_action_type_rules(tmp_path: Path) -> None:
    draft = (
        FM.replace("status: published", "status: draft")
        .replace("severity: SEV2", "severity: SEV1")
        .replace("type: prevent", "type: detect")
        .replace("participants: [bob, carol]", "participants: []")
    )
    day = dt.date(2026, 3, 20)  # before the SEV1 deadline for publication (2026-03-24)
    assert check(tmp_path, draft, day, catalogs=True) == []
    in_review = draft.replace("status: draft", "status: in-review")
    assert check(tmp_path, in_review, day, catalogs=True) == [
        "missing-stakeholder",
        "missing-stakeholder",
        "missing-action-type",
    ]


def test_an_unreadable_legacy_says_what_was_not_checked(tmp_path: Path) -> None:
    maybe = NO_MEETING.replace("tags:", "legacy: maybe\ntags:")
    write_postmortem(tmp_path, front_matter=maybe)
    findings = run_check(tmp_path, today=dt.date(2026, 4, 1))
    assert [(f.rule, f.line) for f in findings] == [("invalid-value", 24), ("skipped-check", 24)]
    assert findings[1].message == "'review-overdue' not checked: legacy is invalid"


# --- stakeholders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "participants",
    [
        "[team-checkout, team-payments]",  # the team ids
        "[checkout-oncall, payments-oncall]",  # aliases: the on-call rotations
        "[bob, dave]",  # members
    ],
)
def test_an_owning_team_takes_part_by_id_alias_or_member(tmp_path: Path, participants: str) -> None:
    front_matter = FM.replace("[bob, carol]", participants)
    assert check(tmp_path, front_matter, dt.date(2026, 4, 1), catalogs=True) == []


def test_a_missing_owning_team_is_named_with_its_service(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("[bob, carol]", "[bob, alice]"))
    (tmp_path / "postmortems" / "services.yml").write_text(SERVICES, encoding="utf-8")
    (tmp_path / "postmortems" / "teams.yml").write_text(TEAMS, encoding="utf-8")
    [finding] = run_check(tmp_path, today=dt.date(2026, 4, 1))
    assert (finding.rule, finding.line, finding.column) == ("missing-stakeholder", 9, 1)
    assert finding.message == (
        "the team team-payments, which owns payments-api (postmortems/services.yml), is not "
        "among the participants"
    )
    assert finding.suggestion == (
        "invite the team to the review and add 'team-payments' to participants (or another "
        "of its names: payments-oncall), or the members who took part (carol, dave)"
    )


def test_without_teams_yml_the_owner_itself_takes_part(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("[bob, carol]", "[bob, team-checkout]"))
    (tmp_path / "postmortems" / "services.yml").write_text(SERVICES, encoding="utf-8")
    findings = run_check(tmp_path, today=dt.date(2026, 4, 1))
    assert [f.message.split(",")[0] for f in findings] == ["the team team-payments"]


def test_without_a_service_catalog_there_are_no_stakeholders(tmp_path: Path) -> None:
    assert check(tmp_path, FM.replace("[bob, carol]", "[]"), dt.date(2026, 4, 1)) == [
        "no-participants"
    ]


# --- action items ----------------------------------------------------------------------------


def item(due: str, priority: str | None = "P1", status: str = "open") -> str:
    fields = f"    due: {due}\n    status: {status}\n"
    return fields + (f"    priority: {priority}\n" if priority else "")


@pytest.mark.parametrize(
    ("fields", "reported"),
    [
        (item("2026-04-13"), False),  # the 30th day after the postmortem's date
        (item("2026-04-14"), True),
        (item("2026-04-14", "p0"), True),  # priorities match whatever the case
        (item("2026-04-14", "P2"), False),  # not a priority the policy names
        (item("2026-04-14", None), False),
        (item("2026-04-14", "P1", "done"), False),  # closed items are not held to it
        (item("2026-04-14", "P1", "in-progress"), True),
    ],
)
def test_priority_items_are_due_within_the_policy(
    tmp_path: Path, fields: str, reported: bool
) -> None:
    front_matter = FM.replace("    due: 2026-04-01\n    status: open\n", fields)
    rules = check(tmp_path, front_matter, dt.date(2026, 4, 1))
    assert rules == (["action-item-due-too-late"] if reported else [])


def test_an_item_due_too_late_says_by_when(tmp_path: Path) -> None:
    write_postmortem(
        tmp_path, front_matter=FM.replace(item("2026-04-01", None), item("2026-06-01"))
    )
    [finding] = run_check(tmp_path, today=dt.date(2026, 4, 1))
    assert (finding.rule, finding.line, finding.column) == ("action-item-due-too-late", 21, 10)
    assert finding.message == (
        "P1 action item 'AI-1' is due 2026-06-01, 49 days after the SEV2 policy's 30 days "
        "from the incident (2026-04-13)"
    )


def test_empty_priorities_hold_every_open_item(tmp_path: Path) -> None:
    settings = policies(SEV2={"priorities": []})
    front_matter = FM.replace("    due: 2026-04-01\n", "    due: 2026-05-01\n")
    assert check(tmp_path, front_matter, dt.date(2026, 4, 1)) == []
    rules = check(tmp_path, front_matter, dt.date(2026, 4, 1), settings)
    assert rules == ["action-item-due-too-late"]


def test_a_required_action_type(tmp_path: Path) -> None:
    sev1 = FM.replace("severity: SEV2", "severity: SEV1")
    assert check(tmp_path, sev1, dt.date(2026, 3, 17)) == []  # its item is of type prevent
    write_postmortem(tmp_path, front_matter=sev1.replace("type: prevent", "type: detect"))
    [finding] = run_check(tmp_path, today=dt.date(2026, 3, 17))
    assert (finding.rule, finding.line, finding.column) == ("missing-action-type", 17, 1)
    assert finding.message == "no action item is of type prevent, which the SEV1 policy requires"


# --- policies from the options -----------------------------------------------------------------


def test_a_policy_override_changes_the_deadline_and_the_stakeholders(tmp_path: Path) -> None:
    front_matter = NO_MEETING.replace("[bob, carol]", "[alice]")
    today = dt.date(2026, 3, 24)
    assert check(tmp_path, front_matter, today, catalogs=True) == [
        "review-overdue",
        "missing-stakeholder",
        "missing-stakeholder",
    ]
    relaxed = policies(SEV2={"review_within": 14, "require_stakeholders": False})
    assert check(tmp_path, front_matter, today, relaxed, catalogs=True) == []
    assert check(tmp_path, front_matter, today, policies(SEV2="off"), catalogs=True) == []


def test_a_policy_for_another_severity(tmp_path: Path) -> None:
    sev3 = NO_MEETING.replace("severity: SEV2", "severity: SEV3")
    settings = policies(SEV3={"review_within": 2})
    assert check(tmp_path, sev3, dt.date(2026, 3, 17), settings) == ["review-overdue"]


# --- what cannot be read -----------------------------------------------------------------------


def test_an_unreadable_resolution_stops_only_the_timed_rules(tmp_path: Path) -> None:
    unreadable = NO_MEETING.replace("2026-03-14T10:15:00Z", "soon")
    write_postmortem(tmp_path, front_matter=unreadable)
    findings = run_check(tmp_path, today=dt.date(2026, 11, 30))
    assert [(f.rule, f.message) for f in only(findings, "skipped-check")] == [
        ("skipped-check", "'timestamps-out-of-order' not checked: incident.resolved is invalid"),
        ("skipped-check", "'review-overdue' not checked: incident.resolved is invalid"),
    ]


def test_an_unreadable_severity_says_which_rules_did_not_run(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=NO_MEETING.replace("severity: SEV2", "severity: [x]"))
    findings = run_check(tmp_path, today=dt.date(2026, 11, 30))
    [note] = only(findings, "skipped-check")
    assert note.line == 5
    assert note.message == "'review-overdue' not checked: severity is invalid"


# --- earlier open action items ---------------------------------------------------------------

EARLIER = "2026-02-02-checkout-latency"


def write_earlier(root: Path, pm_id: str = EARLIER, day: str = "2026-02-02") -> None:
    """A published postmortem of an earlier day on the same services, its AI-1 still open."""
    front_matter = (
        FM.replace("2026-03-14", day)
        .replace("review_meeting: 2026-03-17", f"review_meeting: {day}")
        .replace("due: 2026-04-01", "due: 2026-02-20")
    )
    write_postmortem(root, front_matter=front_matter, pm_id=pm_id)


def test_open_items_of_earlier_postmortems_are_noted(tmp_path: Path) -> None:
    write_earlier(tmp_path)
    write_postmortem(tmp_path, front_matter=FM.replace("status: published", "status: in-review"))
    [note] = run_check(tmp_path, today=dt.date(2026, 3, 20))
    assert (note.rule, note.level, note.line, note.column) == (
        "earlier-open-items",
        Level.INFO,
        6,
        1,
    )
    assert note.message == (
        "1 action item of earlier postmortems on the same services or specific causes still "
        "open: "
        f"AI-1 of {EARLIER} (team-db, overdue since 2026-02-20)"
    )


def test_a_generic_cause_alone_is_not_enough(tmp_path: Path) -> None:
    """As on the page (archive/relevance.py): a service or a specific cause."""
    write_earlier(tmp_path)
    other_service = FM.replace("services: [checkout, payments-api]", "services: [search]")
    write_postmortem(
        tmp_path, front_matter=other_service.replace("status: published", "status: draft")
    )
    causes = tmp_path / "postmortems" / "causes.yml"
    causes.write_text("- id: config-change\n", encoding="utf-8")
    assert rules_of(run_check(tmp_path, today=dt.date(2026, 3, 20))) == ["earlier-open-items"]
    causes.write_text("- id: config-change\n  generic: true\n", encoding="utf-8")
    assert run_check(tmp_path, today=dt.date(2026, 3, 20)) == []


def test_published_postmortems_get_no_note(tmp_path: Path) -> None:
    write_earlier(tmp_path)
    write_postmortem(tmp_path, front_matter=FM)
    assert run_check(tmp_path, today=dt.date(2026, 3, 20)) == []


def test_postmortems_of_the_same_day_are_not_earlier(tmp_path: Path) -> None:
    write_earlier(tmp_path, "2026-03-14-checkout-again", "2026-03-14")
    write_postmortem(tmp_path, front_matter=FM.replace("status: published", "status: in-review"))
    assert run_check(tmp_path, today=dt.date(2026, 3, 20)) == []


def test_the_note_lists_at_most_earlier_open_limit_items(tmp_path: Path) -> None:
    for day in ("2026-02-02", "2026-02-03", "2026-02-04"):
        write_earlier(tmp_path, f"{day}-checkout-latency", day)
    write_postmortem(tmp_path, front_matter=FM.replace("status: published", "status: in-review"))
    settings = Settings(earlier_open_limit=2)
    [note] = run_check(tmp_path, settings, today=dt.date(2026, 3, 20))
    assert note.message.startswith("3 action items of earlier postmortems")
    assert note.message.endswith("; and 1 more")
    assert run_check(tmp_path, Settings(earlier_open_limit=0), today=dt.date(2026, 3, 20)) == []


# --- every run -------------------------------------------------------------------------------


def test_policies_run_on_every_check_not_from_the_cache(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=NO_MEETING)
    settings = Settings()
    folder = tmp_path / "cache"

    def rules_on(day: dt.date) -> list[str]:
        cache = CheckCache(folder, settings)
        archive = load_archive(tmp_path / "postmortems", tmp_path, settings, cache=cache, today=day)
        return rules_of(archive.findings())

    assert rules_on(dt.date(2026, 3, 20)) == []
    assert (folder / "checks.jsonl").is_file()
    assert rules_on(dt.date(2026, 3, 21)) == ["review-overdue"]  # the same cached entry
    assert rules_on(dt.date(2026, 3, 20)) == []


def test_the_file_is_named_after_its_id(tmp_path: Path) -> None:
    """Guard: the findings above are about the valid postmortem's file."""
    write_postmortem(tmp_path, front_matter=NO_MEETING)
    [finding] = run_check(tmp_path, today=dt.date(2026, 4, 1))
    assert finding.path == f"postmortems/{PM_ID}.md"
