"""Every rule id: a failing case at the right place, and a fixed case that passes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import (
    FM,
    OTHER_ID,
    PM_ID,
    TEXT,
    VALID_BODY,
    check_fm,
    only,
    rules_of,
    run_check,
    run_index,
    write_postmortem,
)
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.rules import RULES
from postmortem_kb.model.settings import Settings

PM_FILE = f"postmortems/{PM_ID}.md"
TODAY = dt.date(2026, 11, 30)
"""The day the review policies are checked on: every deadline of the valid file has passed."""
BEFORE_PUBLICATION = dt.date(2026, 3, 20)
"""A day before the valid file's deadline for publication (15 business days: 2026-04-03)."""
OWNED_SERVICES = "- id: checkout\n  owner: team-checkout\n- id: payments-api\n"

Writer = Callable[[Path], object]


def write_valid(root: Path) -> None:
    """Write the valid published postmortem."""
    write_postmortem(root, front_matter=FM)


def fm(old: str, new: str, *, body: str = VALID_BODY, pm_id: str = PM_ID) -> Writer:
    """Write the valid postmortem with ``old`` replaced by ``new`` in the front matter."""
    assert old in FM, old

    def write(root: Path) -> None:
        write_postmortem(root, front_matter=FM.replace(old, new, 1), body=body, pm_id=pm_id)

    return write


def body(old: str, new: str, *, front_matter: str = FM) -> Writer:
    """Write the valid postmortem with ``old`` replaced by ``new`` in the body."""
    assert old in VALID_BODY, old

    def write(root: Path) -> None:
        write_postmortem(root, front_matter=front_matter, body=VALID_BODY.replace(old, new, 1))

    return write


def raw(data: bytes | str, pm_id: str = PM_ID) -> Writer:
    """Write the file with exactly this content."""
    content = data.encode("utf-8") if isinstance(data, str) else data

    def write(root: Path) -> None:
        write_postmortem(root, data=content, pm_id=pm_id)

    return write


def with_files(main: Writer, **files: str) -> Writer:
    """Run ``main`` and write extra files below ``postmortems/`` (``a__b`` means ``a/b``)."""

    def write(root: Path) -> None:
        main(root)
        for name, content in files.items():
            path = root / "postmortems" / name.replace("__", "/").replace("_yml", ".yml")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")

    return write


def two(first: Writer, second: Writer) -> Writer:
    """Run two writers."""

    def write(root: Path) -> None:
        first(root)
        second(root)

    return write


def other(pm_id: str = OTHER_ID, folder: str = "postmortems") -> Writer:
    """Write a second valid postmortem with another id (or folder)."""

    def write(root: Path) -> None:
        write_postmortem(root, front_matter=FM, pm_id=pm_id, folder=folder)

    return write


def fixed_text(old: str, new: str) -> str:
    """The valid text with one replacement."""
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


EARLIER_ID = "2026-02-02-checkout-latency"


def earlier(root: Path) -> None:
    """Write a published postmortem of an earlier day on the same services, whose action
    item is still open."""
    front_matter = (
        FM.replace("2026-03-14", "2026-02-02")
        .replace("2026-03-17", "2026-02-04")
        .replace("2026-04-01", "2026-02-20")
    )
    write_postmortem(root, front_matter=front_matter, pm_id=EARLIER_ID)


def dangling_link(root: Path) -> None:
    """Make the postmortem a symbolic link to nothing."""
    folder = root / "postmortems"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{PM_ID}.md").symlink_to(root / "missing.md")


@dataclass(frozen=True)
class Case:
    """A rule, input that breaks it (found at ``where``) and input that fixes it."""

    rule: str
    broken: Writer
    where: tuple[str, int, int]
    fixed: Writer = write_valid
    settings: Settings | None = None
    index: bool = False  # the rule is reported when the site's indexes are built
    today: dt.date = TODAY  # the day the review policies are checked on

    def run(self, root: Path) -> list[Finding]:
        """Check (and index) the archive."""
        if self.index:
            return run_index(root, self.settings)
        return run_check(root, self.settings, today=self.today)


NO_TIMELINE_TAIL = (
    "- 09:40 UTC — Writes are paused and the replica catches up.\n"
    "- 10:15 UTC — The incident is resolved.\n"
)
PADDING = "\n<!-- " + "x" * 1500 + " -->\n"
DUPLICATE_AI = (
    "tags: [database]",
    "  - id: ai-1\n    title: Second\n    owner: team-db\n    due: 2026-04-01\n"
    "    link: https://tracker.example.com/DB-124\ntags: [database]",
)

# The value that exceeds 20,000: the front matter before `tags` holds 32 values.
TOO_LARGE_COLUMN = len("tags: [") + len("db, ") * (20_000 - 32) + 1

CASES = [
    Case(
        "file-too-large",
        body("## Summary\n", "## Summary\n" + PADDING),
        (PM_FILE, 1, 1),
        body("## Summary\n", "## Summary\n" + PADDING[:200] + " -->\n"),
        Settings(max_file_kb=2),
    ),
    Case("unreadable-file", dangling_link, (PM_FILE, 1, 1)),
    Case(
        "not-utf8", raw(TEXT.encode().replace(b"About 2,000", b"About \xff2,000")), (PM_FILE, 34, 7)
    ),
    Case("nul-byte", raw(TEXT.replace("About 2,000", "About \x002,000")), (PM_FILE, 34, 7)),
    Case("no-front-matter", raw(VALID_BODY), (PM_FILE, 1, 1)),
    Case("unclosed-front-matter", raw("---\n" + FM + VALID_BODY), (PM_FILE, 1, 1)),
    Case(
        "yaml-syntax",
        fm("title: Checkout errors after", "title: Checkout: errors after"),
        (PM_FILE, 2, 16),
        fm("title: Checkout errors after a database failover", "title: 'Checkout: errors'"),
    ),
    Case(
        "yaml-alias",
        fm("authors: [alice]\nparticipants: [bob, carol]", "authors: &p [alice]\nparticipants: *p"),
        (PM_FILE, 8, 10),
        fm(
            "authors: [alice]\nparticipants: [bob, carol]",
            "authors: [alice]\nparticipants: [alice]",
        ),
    ),
    Case(
        "yaml-too-deep",
        fm("tags: [database]", "tags: [[[[[[[[[database]]]]]]]]]"),
        (PM_FILE, 25, 15),
        fm("tags: [database]", "tags: [database]"),
    ),
    Case(
        "yaml-too-large",
        fm("tags: [database]", "tags: [" + ", ".join(["db"] * 20_001) + "]"),
        (PM_FILE, 25, TOO_LARGE_COLUMN),
    ),
    Case(
        "duplicate-key",
        fm("tags: [database]", "tags: [database]\nseverity: SEV1"),
        (PM_FILE, 26, 1),
    ),
    Case(
        "non-string-key",
        fm("tags: [database]", "tags: [database]\nyes: true"),
        (PM_FILE, 26, 1),
    ),
    Case("front-matter-not-mapping", raw("---\n- a\n- b\n---\n" + VALID_BODY), (PM_FILE, 2, 1)),
    Case(
        "invalid-id",
        raw(TEXT, pm_id="2026-03-14-Checkout_DB"),
        ("postmortems/2026-03-14-Checkout_DB.md", 1, 1),
        raw(TEXT, pm_id="2026-03-14-checkout-db"),
    ),
    Case(
        "duplicate-id",
        two(write_valid, other(PM_ID, "postmortems/2026")),
        (PM_FILE, 1, 1),
        two(write_valid, other(OTHER_ID, "postmortems/2026")),
    ),
    Case(
        "missing-field",
        fm("title: Checkout errors after a database failover\n", ""),
        (PM_FILE, 25, 1),  # the end of the front matter (line 25 once title is gone)
    ),
    Case(
        "invalid-value",
        fm("status: published", "status: done"),
        (PM_FILE, 4, 9),
        today=BEFORE_PUBLICATION,  # later, publish-overdue would need the status: a note
    ),
    Case("unknown-key", fm("tags: [database]", "tgs: [database]"), (PM_FILE, 25, 1)),
    Case("unknown-severity", fm("severity: SEV2", "severity: SEV9"), (PM_FILE, 5, 11)),
    Case("causes-required", fm("causes: [config-change]", "causes: []"), (PM_FILE, 7, 1)),
    Case(
        "timestamp-without-offset",
        fm("detected: 2026-03-14T09:05:00Z", "detected: 2026-03-14T09:05:00"),
        (PM_FILE, 12, 13),
    ),
    Case(
        "timestamps-out-of-order",
        fm("mitigated: 2026-03-14T09:40:00Z", "mitigated: 2026-03-14T08:40:00Z"),
        (PM_FILE, 13, 14),
    ),
    Case(
        "date-mismatch",
        raw(TEXT, pm_id="2026-03-15-checkout-db-failover"),
        ("postmortems/2026-03-15-checkout-db-failover.md", 3, 7),
        raw(TEXT, pm_id="2026-03-14-checkout-db-failover"),
    ),
    Case(
        "skipped-check",  # alone only when the invalid value's own rule is turned off
        fm("date: 2026-03-14", "date: March 14"),
        (PM_FILE, 3, 7),
        settings=Settings.from_options({"rules": {"invalid-value": "off"}}),
    ),
    Case("duplicate-action-item-id", fm(*DUPLICATE_AI), (PM_FILE, 25, 9)),
    Case("action-item-missing-due", fm("    due: 2026-04-01\n", ""), (PM_FILE, 18, 5)),
    Case(
        "action-item-link-scheme",
        fm("link: https://tracker", "link: ftp://tracker"),
        (PM_FILE, 24, 11),
        fm("link: https://tracker", "link: http://tracker"),
    ),
    Case(
        "no-action-items",
        fm(FM[FM.index("action_items:") : FM.index("tags:")], ""),
        (PM_FILE, 4, 1),
    ),
    Case("no-participants", fm("participants: [bob, carol]", "participants: []"), (PM_FILE, 4, 1)),
    # Review policies: SEV2 reviews within 5 business days of Saturday 2026-03-14 (Friday
    # 2026-03-20), publication within 15, priority items due within 30 calendar days.
    Case(
        "review-overdue",
        fm("review_meeting: 2026-03-17\n", ""),
        (PM_FILE, 4, 1),
        fm("review_meeting: 2026-03-17\n", "legacy: true\n"),
    ),
    Case(
        "review-late",
        fm("review_meeting: 2026-03-17", "review_meeting: 2026-03-23"),
        (PM_FILE, 15, 17),
        fm("review_meeting: 2026-03-17", "review_meeting: 2026-03-20"),
    ),
    Case("publish-overdue", fm("status: published", "status: in-review"), (PM_FILE, 4, 9)),
    Case(
        "missing-stakeholder",
        with_files(write_valid, services_yml=OWNED_SERVICES),
        (PM_FILE, 9, 1),
        with_files(
            fm("participants: [bob, carol]", "participants: [bob, carol, team-checkout]"),
            services_yml=OWNED_SERVICES,
        ),
    ),
    Case(
        "action-item-due-too-late",
        fm("    due: 2026-04-01\n", "    due: 2026-04-14\n    priority: P1\n"),
        (PM_FILE, 21, 10),
        fm("    due: 2026-04-01\n", "    due: 2026-04-13\n    priority: P1\n"),
    ),
    Case(
        "missing-action-type",
        fm("severity: SEV2", "severity: SEV1"),
        (PM_FILE, 17, 1),
        settings=Settings.from_options(
            {"policies": {"SEV1": {"require_action_types": ["detect"]}}}
        ),
    ),
    Case(
        "earlier-open-items",
        two(fm("status: published", "status: in-review"), earlier),
        (PM_FILE, 6, 1),
        two(write_valid, earlier),
        today=BEFORE_PUBLICATION,
    ),
    Case(
        "unknown-related",
        fm("related: []", f"related: [{OTHER_ID}]"),
        (PM_FILE, 16, 11),
        two(fm("related: []", f"related: [{OTHER_ID}]"), other()),
    ),
    Case("self-related", fm("related: []", f"related: [{PM_ID}]"), (PM_FILE, 16, 11)),
    Case(
        "unknown-service",
        with_files(write_valid, services_yml="- id: checkout\n- id: payments\n"),
        (PM_FILE, 6, 22),
        with_files(write_valid, services_yml="- id: checkout\n- id: payments-api\n"),
    ),
    Case(
        "unknown-cause",
        with_files(write_valid, causes_yml="- id: deploy\n"),
        (PM_FILE, 7, 10),
        with_files(write_valid, causes_yml="- id: deploy\n- id: config-change\n"),
    ),
    Case(
        "slug-collision",
        fm("services: [checkout, payments-api]", "services: [checkout, Checkout]"),
        (PM_FILE, 1, 1),
        index=True,
    ),
    Case(
        "catalog-invalid",
        with_files(write_valid, causes_yml="- id: config-change\n- name: No id\n"),
        ("postmortems/causes.yml", 2, 3),
        with_files(write_valid, causes_yml="- id: config-change\n  name: Config change\n"),
    ),
    Case(
        "unknown-owner",
        with_files(write_valid, teams_yml="teams:\n  team-dba: {members: [alice, bob, carol]}\n"),
        (PM_FILE, 20, 12),
        with_files(write_valid, teams_yml="teams:\n  team-db: {members: [alice, bob, carol]}\n"),
    ),
    Case(
        "unknown-person",
        with_files(write_valid, teams_yml="teams:\n  team-db: {members: [alice, bob]}\n"),
        (PM_FILE, 9, 21),
        with_files(write_valid, teams_yml="teams:\n  team-db: {members: [alice, bob, carol]}\n"),
    ),
    Case("body-title", body("## Summary", "# Checkout failover\n\n## Summary"), (PM_FILE, 28, 1)),
    Case(
        "action-items-in-body",
        body("## Summary", "## Action items\n\n- [ ] Add an alert\n\n## Summary"),
        (PM_FILE, 30, 1),
    ),
    Case("missing-section", body("## Resolution", "## Fix"), (PM_FILE, 43, 1)),
    Case(
        "duplicate-section",
        body("## Resolution", "## Impact\n\nMore impact.\n\n## Resolution"),
        (PM_FILE, 47, 1),
    ),
    Case(
        "missing-subsection",
        body("### Where we got lucky", "### Other thoughts"),
        (PM_FILE, 51, 1),
    ),
    Case("timeline-too-short", body(NO_TIMELINE_TAIL, ""), (PM_FILE, 36, 1)),
    Case(
        "timeline-out-of-order",
        body("- 09:40 UTC", "- 08:40 UTC"),
        (PM_FILE, 40, 3),
        body("- 09:40 UTC", "- 09:05 UTC"),
    ),
    Case(
        "timeline-entry-without-time",
        body("- 09:40 UTC — Writes", "- Writes"),
        (PM_FILE, 40, 3),
    ),
    Case("placeholder-text", body("About 2,000", "TODO: about 2,000"), (PM_FILE, 34, 1)),
    Case(
        "raw-html",
        body("About 2,000", '<img src="x.png" onerror="alert(1)">About 2,000'),
        (PM_FILE, 34, 1),
        body("About 2,000", '<img src="x.png" alt="orders">About 2,000'),
    ),
    Case(
        "missing-tracker-link",
        fm("    link: https://tracker.example.com/DB-123\n", ""),
        (PM_FILE, 18, 5),
        fm("    status: open\n", "    status: done\n"),
    ),
]


def test_fixture_layout() -> None:
    """The line numbers asserted below rely on this layout of the valid file."""
    lines = TEXT.split("\n")
    assert lines[0] == lines[25] == "---"
    assert lines[4] == "severity: SEV2"
    assert lines[15] == "related: []"
    assert lines[17] == "  - id: AI-1"
    assert lines[27] == "## Summary"
    assert lines[33].startswith("About 2,000")
    assert lines[35] == "## Timeline"
    assert lines[39].startswith("- 09:40 UTC")
    assert lines[50] == "## Lessons Learned"


def test_every_rule_has_a_failing_case() -> None:
    """A new rule without a test case fails the suite."""
    assert {case.rule for case in CASES} == set(RULES)
    assert len(CASES) == len(RULES)


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_rule_fails(tmp_path: Path, case: Case) -> None:
    """The broken input produces exactly this rule, once, at the expected place."""
    case.broken(tmp_path)
    findings = case.run(tmp_path)
    assert set(rules_of(findings)) == {case.rule}, findings
    [finding] = only(findings, case.rule)
    assert (finding.path, finding.line, finding.column) == case.where
    assert finding.level is RULES[case.rule].level
    assert finding.message


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_rule_passes_when_fixed(tmp_path: Path, case: Case) -> None:
    """The fixed input produces no finding at all."""
    case.fixed(tmp_path)
    assert case.run(tmp_path) == []


def test_valid_postmortem_has_no_findings(tmp_path: Path) -> None:
    """Both the literal and the dict-built valid postmortems are clean."""
    write_postmortem(tmp_path)
    write_postmortem(tmp_path, front_matter=FM, pm_id=OTHER_ID)
    assert run_check(tmp_path) == []


NOTES = {
    "skipped-check",
    "missing-tracker-link",
    "review-late",
    "publish-overdue",
    "earlier-open-items",
}
"""Rules about the check itself rather than the postmortem: notes, which never fail."""


def test_rule_table_is_consistent() -> None:
    """Rule ids are stable kebab-case, defaults are error or warning (notes about the check
    itself are info), docs are filled in."""
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule_id == rule_id.lower() and " " not in rule_id
        if rule_id in NOTES:
            assert rule.level is Level.INFO
        else:
            assert rule.level in (Level.ERROR, Level.WARNING)
        assert rule.summary and rule.fix and rule.group


# --- rule levels --------------------------------------------------------------------------


def test_rule_turned_off(tmp_path: Path) -> None:
    front_matter = FM.replace("tags:", "tgs:")
    settings = Settings.from_options({"rules": {"unknown-key": "off"}})
    assert check_fm(tmp_path, front_matter, settings) == []
    settings = Settings.from_options({"rules": {"unknown-key": False}})
    assert check_fm(tmp_path, front_matter, settings) == []


@pytest.mark.parametrize("level", ["error", "warning", "info"])
def test_rule_level_configured(tmp_path: Path, level: str) -> None:
    front_matter = FM.replace("SEV2", "SEV9")
    settings = Settings.from_options({"rules": {"unknown-severity": level}})
    [finding] = check_fm(tmp_path, front_matter, settings)
    assert finding.level is Level(level)


def test_catalog_rule_levels_apply(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    (tmp_path / "postmortems" / "causes.yml").write_text("- name: x\n- id: config-change\n")
    assert rules_of(run_check(tmp_path)) == ["catalog-invalid"]
    settings = Settings.from_options({"rules": {"catalog-invalid": "warning"}})
    assert [f.level for f in run_check(tmp_path, settings)] == [Level.WARNING]


def test_turning_off_a_yaml_rule_keeps_other_checks(tmp_path: Path) -> None:
    front_matter = FM.replace("SEV2", "SEV9") + "tags: [again]\n"
    settings = Settings.from_options({"rules": {"duplicate-key": "off"}})
    assert rules_of(check_fm(tmp_path, front_matter, settings)) != []
