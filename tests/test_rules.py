"""Every rule id: a failing case at the right place, and a fixed case that passes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import (
    DELETE,
    PM_ID,
    VALID_BODY,
    VALID_FRONT_MATTER,
    CheckArchive,
    WritePostmortem,
    only,
    postmortem_text,
    rules_of,
    run_check,
    run_index,
    write_postmortem,
)
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.rules import RULES
from postmortem_kb.model.settings import Settings

FM = VALID_FRONT_MATTER
TEXT = postmortem_text(front_matter=FM)
PM_FILE = f"postmortems/{PM_ID}.md"
OTHER_ID = "2026-03-14-checkout-db-failover-again"

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

    def run(self, root: Path) -> list[Finding]:
        """Check (and index) the archive."""
        return run_index(root, self.settings) if self.index else run_check(root, self.settings)


NO_TIMELINE_TAIL = (
    "- 09:40 UTC — Writes are paused and the replica catches up.\n"
    "- 10:15 UTC — The incident is resolved.\n"
)
PADDING = "\n<!-- " + "x" * 1500 + " -->\n"
DUPLICATE_AI = (
    "tags: [database]",
    "  - id: ai-1\n    title: Second\n    owner: team-db\n    due: 2026-04-01\ntags: [database]",
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
        (PM_FILE, 1, 1),
    ),
    Case("invalid-value", fm("status: published", "status: done"), (PM_FILE, 4, 9)),
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
    Case("no-review-meeting", fm("review_meeting: 2026-03-17\n", ""), (PM_FILE, 4, 1)),
    Case(
        "late-review",
        fm("review_meeting: 2026-03-17", "review_meeting: 2026-03-20"),
        (PM_FILE, 15, 17),
        fm("review_meeting: 2026-03-17", "review_meeting: 2026-03-19"),
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
    Case("missing-section", body("## Summary", "## Overview"), (PM_FILE, 27, 1)),
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
    Case("placeholder-text", body("About 2,000", "TODO: about 2,000"), (PM_FILE, 34, 1)),
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


def test_rule_table_is_consistent() -> None:
    """Rule ids are stable kebab-case, defaults are error or warning, docs are filled in."""
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule_id == rule_id.lower() and " " not in rule_id
        assert rule.level in (Level.ERROR, Level.WARNING)
        assert rule.summary and rule.fix and rule.group


# --- front matter -------------------------------------------------------------------------


def check_fm(tmp_path: Path, front_matter: str, settings: Settings | None = None) -> list[Finding]:
    """Write the valid body under ``front_matter`` and check it."""
    write_postmortem(tmp_path, front_matter=front_matter)
    return run_check(tmp_path, settings)


def test_unknown_key_suggests_the_closest_field(tmp_path: Path) -> None:
    findings = check_fm(tmp_path, FM.replace("services:", "servics:"))
    [unknown] = only(findings, "unknown-key")
    assert (unknown.line, unknown.column) == (6, 1)
    assert unknown.message == "unknown key 'servics'"
    assert unknown.suggestion == "did you mean 'services'?"
    # the real field is then missing
    assert sorted(rules_of(findings)) == ["missing-field", "unknown-key"]


def test_unknown_key_without_close_match_lists_known_keys(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM + "zzzzzz: 1\n")
    assert finding.rule == "unknown-key"
    assert finding.suggestion is not None
    assert finding.suggestion.startswith("known keys: title, date, status")


@pytest.mark.parametrize(
    ("old", "new", "where", "suggestion"),
    [
        ("  resolved:", "  resolvd:", (14, 3), "did you mean 'resolved'?"),
        ("    type: prevent", "    tpye: prevent", (23, 5), "did you mean 'type'?"),
    ],
)
def test_unknown_nested_keys(
    tmp_path: Path, old: str, new: str, where: tuple[int, int], suggestion: str
) -> None:
    [finding] = check_fm(tmp_path, FM.replace(old, new))
    assert finding.rule == "unknown-key"
    assert (finding.line, finding.column) == where
    assert finding.suggestion == suggestion


def test_quoted_yes_key_is_just_unknown(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM + '"yes": 1\n')
    assert finding.rule == "unknown-key"


@pytest.mark.parametrize("key", ["yes", "no", "on", "off", "true", "1", "~", "2026-03-14"])
def test_keys_yaml_reads_as_non_strings(tmp_path: Path, key: str) -> None:
    [finding] = check_fm(tmp_path, FM + f"{key}: x\n")
    assert (finding.rule, finding.line, finding.column) == ("non-string-key", 26, 1)
    assert f"key '{key}'" in finding.message


def test_non_string_key_in_nested_mapping(tmp_path: Path) -> None:
    [finding] = check_fm(
        tmp_path, FM.replace("    owner: team-db", "    owner: team-db\n    on: x")
    )
    assert (finding.rule, finding.line, finding.column) == ("non-string-key", 21, 5)


def test_duplicate_key_names_the_first_line(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM + "severity: SEV1\n")
    assert finding.rule == "duplicate-key"
    assert "first on line 5" in finding.message


def test_duplicate_key_in_action_item(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM.replace("    owner: team-db", "    owner: a\n    owner: b"))
    assert (finding.rule, finding.line, finding.column) == ("duplicate-key", 21, 5)


def test_yaml_syntax_error_position(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM.replace("title: Checkout errors", "title: Checkout: errors"))
    assert (finding.rule, finding.line, finding.column) == ("yaml-syntax", 2, 16)
    assert finding.message.startswith("YAML syntax error:")
    assert finding.suggestion


def test_yaml_tab_indentation_is_a_syntax_error(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM.replace("  started:", "\tstarted:"))
    assert (finding.rule, finding.line) == ("yaml-syntax", 11)


def test_yaml_tab_indentation_hint(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM.replace("  started:", "\tstarted:"))
    assert finding.suggestion is not None and "tab" in finding.suggestion


@pytest.mark.parametrize(
    "front_matter",
    [
        FM.replace("authors: [alice]", "authors: &a [alice]\nparticipants: *a").replace(
            "participants: [bob, carol]\n", ""
        ),
        FM + "extra: &x {a: 1}\nmore: *x\n",
        FM + "<<: {severity: SEV1}\n",
    ],
    ids=["alias", "mapping-alias", "merge-key"],
)
def test_aliases_and_merge_keys_are_refused(tmp_path: Path, front_matter: str) -> None:
    [finding] = check_fm(tmp_path, front_matter)
    assert finding.rule in {"yaml-alias", "non-string-key"}
    assert finding.level is Level.ERROR


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    findings = check_fm(tmp_path, "\n".join(lines) + "\n")
    assert [(f.rule, f.line, f.column) for f in findings] == [("yaml-alias", 2, 5)]


@pytest.mark.parametrize("depth", [9, 50, 5000])
def test_deep_nesting(tmp_path: Path, depth: int) -> None:
    findings = check_fm(tmp_path, FM + "x: " + "[" * depth + "]" * depth + "\n")
    assert rules_of(findings)[0] in {"yaml-too-deep", "yaml-syntax"}
    assert findings[0].line == 26


def test_nesting_at_the_limit_is_fine(tmp_path: Path) -> None:
    findings = check_fm(tmp_path, FM + "x: " + "[" * 8 + "]" * 8 + "\n")
    assert rules_of(findings) == ["unknown-key"]


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("- a\n- b\n", "front matter is a list, not a mapping of fields"),
        ("just text\n", "front matter is a single value, not a mapping of fields"),
        ("", "front matter is empty"),
        ("# only a comment\n", "front matter is empty"),
    ],
)
def test_front_matter_not_mapping(tmp_path: Path, front_matter: str, message: str) -> None:
    findings = check_fm(tmp_path, front_matter)
    assert rules_of(findings) == ["front-matter-not-mapping"]
    assert findings[0].message == message


def test_empty_file(tmp_path: Path) -> None:
    write_postmortem(tmp_path, data=b"")
    findings = run_check(tmp_path)
    assert [(f.rule, f.line, f.column) for f in findings] == [("no-front-matter", 1, 1)]


def test_front_matter_closed_with_dots(tmp_path: Path) -> None:
    write_postmortem(tmp_path, text="---\n" + FM + "...\n" + VALID_BODY)
    assert run_check(tmp_path) == []


def test_file_too_large_stops_checking(tmp_path: Path) -> None:
    write_postmortem(tmp_path, data=b"\xff\x00" * 3000)
    findings = run_check(tmp_path, Settings.from_options({"max_file_kb": 1}))
    assert [(f.rule, f.message) for f in findings] == [
        ("file-too-large", "file is 6,000 bytes, over the limit of 1 KB")
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("title: Checkout errors after a database failover", "title: 42", (2, 8)),
        ("title: Checkout errors after a database failover", "title: '  '", (2, 8)),
        ("date: 2026-03-14", "date: 20260314", (3, 7)),
        ("status: published", "status: Published", (4, 9)),
        ("services: [checkout, payments-api]", "services: checkout", (6, 11)),
        ("services: [checkout, payments-api]", "services: []", (6, 11)),
        ("authors: [alice]", "authors: [alice, '']", (8, 18)),
        ("started: 2026-03-14T09:00:00Z", "started: yesterday", (11, 12)),
        ("started: 2026-03-14T09:00:00Z", "started: 1773478800", (11, 12)),
        ("review_meeting: 2026-03-17", "review_meeting: soon", (15, 17)),
        ("    status: open", "    status: closed", (22, 13)),
        ("    type: prevent", "    type: blame", (23, 11)),
    ],
)
def test_invalid_values_point_at_the_value(
    tmp_path: Path, old: str, new: str, expected: tuple[int, int]
) -> None:
    findings = check_fm(tmp_path, FM.replace(old, new))
    invalid = only(findings, "invalid-value")
    assert len(invalid) == 1, findings
    assert (invalid[0].line, invalid[0].column) == expected


def test_missing_nested_field_points_at_its_parent(tmp_path: Path) -> None:
    findings = check_fm(tmp_path, FM.replace("    owner: team-db\n", ""))
    assert [(f.rule, f.line, f.column) for f in findings] == [("missing-field", 18, 5)]
    assert findings[0].message == "required field 'owner' is missing in action_items[0]"


@pytest.mark.parametrize("status", ["draft", "in-review", "published"])
def test_causes_required_unless_draft(tmp_path: Path, status: str) -> None:
    front_matter = FM.replace("status: published", f"status: {status}")
    findings = check_fm(tmp_path, front_matter.replace("causes: [config-change]", "causes: []"))
    assert ("causes-required" in rules_of(findings)) is (status != "draft")


def test_review_rules_only_for_published(tmp_path: Path) -> None:
    front_matter = FM.replace("status: published", "status: in-review")
    front_matter = front_matter.replace("participants: [bob, carol]", "participants: []")
    front_matter = front_matter.replace("review_meeting: 2026-03-17\n", "")
    assert check_fm(tmp_path, front_matter) == []


def test_required_fields_option(tmp_path: Path) -> None:
    front_matter = FM.replace("participants: [bob, carol]\n", "").replace("published", "draft")
    settings = Settings.from_options({"required_fields": ["participants"]})
    findings = check_fm(tmp_path, front_matter, settings)
    assert [(f.rule, f.line, f.column) for f in findings] == [("missing-field", 1, 1)]
    assert "participants" in findings[0].message


def test_date_mismatch_with_incident_start(tmp_path: Path) -> None:
    findings = check_fm(tmp_path, FM.replace("started: 2026-03-14T09", "started: 2026-03-13T23"))
    assert [(f.rule, f.line, f.column) for f in findings] == [("date-mismatch", 3, 7)]
    assert "incident.started" in findings[0].message


def test_late_review_respects_review_within_days(tmp_path: Path) -> None:
    front_matter = FM.replace("review_meeting: 2026-03-17", "review_meeting: 2026-03-30")
    assert rules_of(check_fm(tmp_path, front_matter)) == ["late-review"]
    relaxed = Settings.from_options({"review_within_days": 16})
    assert check_fm(tmp_path, front_matter, relaxed) == []


def test_closed_action_items_need_no_due_date(tmp_path: Path) -> None:
    front_matter = FM.replace("    due: 2026-04-01\n", "")
    for status in ("done", "wont-do"):
        assert check_fm(tmp_path, front_matter.replace("status: open", f"status: {status}")) == []
    for status in ("open", "in-progress"):
        findings = check_fm(tmp_path, front_matter.replace("status: open", f"status: {status}"))
        assert rules_of(findings) == ["action-item-missing-due"]


def test_unknown_severity_suggestion_and_configured_levels(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM.replace("SEV2", "SEV5"))
    assert finding.message == "severity 'SEV5' is not one of SEV1, SEV2, SEV3, SEV4"
    settings = Settings.from_options({"severities": ["P1", "P2"]})
    assert rules_of(check_fm(tmp_path, FM, settings)) == ["unknown-severity"]
    assert check_fm(tmp_path, FM.replace("SEV2", "P2"), settings) == []


# --- time zones ---------------------------------------------------------------------------

NAIVE = FM.replace(":00Z", ":00")


def test_timestamps_without_offset_each_reported(tmp_path: Path) -> None:
    findings = check_fm(tmp_path, NAIVE)
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("timestamp-without-offset", line, 12 + len(name) - len("started"))
        for line, name in zip(
            range(11, 15), ("started", "detected", "mitigated", "resolved"), strict=True
        )
    ]


def test_timezone_option_localizes_naive_timestamps(tmp_path: Path) -> None:
    assert check_fm(tmp_path, NAIVE, Settings.from_options({"timezone": "Europe/Berlin"})) == []


def test_timezone_option_is_used_for_the_order(tmp_path: Path) -> None:
    """09:30 in Berlin (08:30Z) is before 09:00Z: the configured zone is applied."""
    front_matter = FM.replace("detected: 2026-03-14T09:05:00Z", "detected: 2026-03-14T09:30:00")
    settings = Settings.from_options({"timezone": "Europe/Berlin"})
    findings = check_fm(tmp_path, front_matter, settings)
    assert [(f.rule, f.line) for f in findings] == [("timestamps-out-of-order", 12)]
    # without the option the naive time is reported, and read as UTC (so in order)
    assert rules_of(check_fm(tmp_path, front_matter)) == ["timestamp-without-offset"]


def test_explicit_offsets_are_compared_as_instants(tmp_path: Path) -> None:
    front_matter = FM.replace(
        "detected: 2026-03-14T09:05:00Z", "detected: 2026-03-14T10:05:00+01:00"
    )
    assert check_fm(tmp_path, front_matter) == []


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


# --- placeholders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "level"),
    [("draft", Level.INFO), ("in-review", Level.ERROR), ("published", Level.ERROR)],
)
def test_placeholder_level_depends_on_status(tmp_path: Path, status: str, level: Level) -> None:
    write_postmortem(
        tmp_path,
        front_matter=FM.replace("status: published", f"status: {status}"),
        body=VALID_BODY.replace("About 2,000", "About TBD and FIXME 2,000"),
    )
    findings = run_check(tmp_path)
    assert [(f.rule, f.line, f.column, f.level) for f in findings] == [
        ("placeholder-text", 34, 7, level),
        ("placeholder-text", 34, 15, level),
    ]


def test_placeholder_in_front_matter(tmp_path: Path) -> None:
    findings = check_fm(
        tmp_path, FM.replace("title: Checkout errors", "title: TODO Checkout errors")
    )
    assert [(f.rule, f.line, f.column) for f in findings] == [("placeholder-text", 2, 8)]


@pytest.mark.parametrize(
    "text",
    [
        "```\nTODO in a fence\n```\n",
        "~~~\nTODO\n~~~\n",
        "    TODO in an indented code block\n",
        "<!-- TODO: an HTML comment -->\n",
        "TODOS and todo and TBDs are words, not placeholders\n",
    ],
)
def test_placeholders_ignored(tmp_path: Path, text: str) -> None:
    write_postmortem(
        tmp_path, front_matter=FM, body=VALID_BODY.replace("## Impact\n", "## Impact\n\n" + text)
    )
    assert run_check(tmp_path) == []


def test_custom_placeholders(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM, body=VALID_BODY.replace("About", "XXX TODO About"))
    findings = run_check(tmp_path, Settings.from_options({"placeholders": ["XXX"]}))
    assert [(f.rule, f.column) for f in findings] == [("placeholder-text", 1)]
    assert run_check(tmp_path, Settings.from_options({"placeholders": []})) == []


def test_configured_placeholder_level_wins(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM, body=VALID_BODY.replace("About", "TODO About"))
    settings = Settings.from_options({"rules": {"placeholder-text": "warning"}})
    assert [f.level for f in run_check(tmp_path, settings)] == [Level.WARNING]


def test_placeholders_in_invalid_draft_stay_info(tmp_path: Path) -> None:
    front_matter = FM.replace("status: published", "status: draft")
    front_matter = front_matter.replace("services: [checkout, payments-api]", "services: []")
    write_postmortem(tmp_path, front_matter=front_matter, body=VALID_BODY.replace("About", "TODO"))
    [placeholder] = only(run_check(tmp_path), "placeholder-text")
    assert placeholder.level is Level.INFO


# --- sections -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("## Contributing Factors", "## Root Causes"),
        ("## Contributing Factors", "## Root Cause"),
        ("## Contributing Factors", "## causes"),
        ("## Contributing Factors", "## CONTRIBUTING FACTORS"),
        ("## Resolution", "## Mitigation"),
        ("## Resolution", "## Recovery"),
        ("### What went wrong", "### What went poorly"),
        ("### What went well", "### what went well"),
        ("## Summary\n", "## Summary ##\n"),
        ("## Summary\n", "Summary\n-------\n"),
    ],
)
def test_section_aliases(tmp_path: Path, old: str, new: str) -> None:
    write_postmortem(tmp_path, front_matter=FM, body=VALID_BODY.replace(old, new))
    assert run_check(tmp_path) == []


@pytest.mark.parametrize(
    "fence",
    [("```", "```"), ("~~~markdown", "~~~"), ("````", "````")],
)
def test_headings_in_fenced_code_do_not_count(tmp_path: Path, fence: tuple[str, str]) -> None:
    opening, closing = fence
    body_text = VALID_BODY.replace("## Resolution\n", f"{opening}\n## Resolution\n{closing}\n")
    write_postmortem(tmp_path, front_matter=FM, body=body_text)
    findings = run_check(tmp_path)
    assert [(f.rule, f.line) for f in findings] == [("missing-section", 27)]
    assert "'## Resolution'" in findings[0].message
    assert findings[0].suggestion == "add '## Resolution' (also accepted: Mitigation, Recovery)"


def test_subsection_in_code_does_not_count(tmp_path: Path) -> None:
    body_text = VALID_BODY.replace("### What went well", "```\n### What went well\n```")
    write_postmortem(tmp_path, front_matter=FM, body=body_text)
    assert rules_of(run_check(tmp_path)) == ["missing-subsection"]


def test_subsection_must_be_inside_its_section(tmp_path: Path) -> None:
    body_text = VALID_BODY.replace("### Where we got lucky", "## Where we got lucky")
    write_postmortem(tmp_path, front_matter=FM, body=body_text)
    assert rules_of(run_check(tmp_path)) == ["missing-subsection"]


def test_all_sections_missing(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM, body="\nNothing here.\n")
    findings = run_check(tmp_path)
    assert rules_of(findings) == ["missing-section"] * 6
    assert {f.line for f in findings} == {27}


def test_custom_sections(tmp_path: Path) -> None:
    settings = Settings.from_options(
        {"sections": ["Summary", {"name": "Follow-up", "aliases": ["Next steps"]}]}
    )
    write_postmortem(tmp_path, front_matter=FM, body=VALID_BODY)
    [missing] = run_check(tmp_path, settings)
    assert missing.message == "required section '## Follow-up' is missing"
    write_postmortem(tmp_path, front_matter=FM, body=VALID_BODY + "\n## Next steps\n\nMore.\n")
    assert run_check(tmp_path, settings) == []


# --- timeline -----------------------------------------------------------------------------


def timeline_findings(
    tmp_path: Path, entries: str, settings: Settings | None = None
) -> list[Finding]:
    """Replace the timeline entries and check."""
    start = VALID_BODY.index("- 09:00")
    end = VALID_BODY.index("## Contributing")
    write_postmortem(
        tmp_path, front_matter=FM, body=VALID_BODY[:start] + entries + "\n" + VALID_BODY[end:]
    )
    return run_check(tmp_path, settings)


def test_timeline_crossing_midnight_needs_dates(tmp_path: Path) -> None:
    entries = "- 23:40 UTC — a\n- 23:55 UTC — b\n- 00:10 UTC — c\n- 00:20 UTC — d\n"
    findings = timeline_findings(tmp_path, entries)
    assert [(f.rule, f.line, f.column) for f in findings] == [("timeline-out-of-order", 40, 3)]
    assert "00:10" in findings[0].message and "23:55" in findings[0].message
    dated = "- 23:40 UTC — a\n- 23:55 UTC — b\n- 2026-03-15 00:10 UTC — c\n- 00:20 UTC — d\n"
    assert timeline_findings(tmp_path, dated) == []


def test_timeline_all_dated(tmp_path: Path) -> None:
    entries = (
        "- 2026-03-14 23:40 UTC — a\n- 2026-03-15 00:10 UTC — b\n"
        "- 2026-03-15T01:00 UTC — c\n- 2026-03-14 23:59 UTC — d\n"
    )
    findings = timeline_findings(tmp_path, entries)
    assert [(f.rule, f.line) for f in findings] == [("timeline-out-of-order", 41)]


@pytest.mark.parametrize(
    "entries",
    [
        "- **09:00 UTC** — a\n- *09:05* — b\n- `09:40` — c\n",
        "1. 09:00 a\n2. 09:05 b\n3. 09:40:30 c\n",
        "| Time | Event |\n| --- | --- |\n| 09:00 | a |\n| 09:05 | b |\n| 09:40 | c |\n",
        "- 09:00 UTC — a\n  - 01:00 nested entries do not count\n- 09:05 b\n- 09:05 c\n",
    ],
    ids=["emphasis", "ordered-seconds", "table", "nested"],
)
def test_timeline_forms(tmp_path: Path, entries: str) -> None:
    assert timeline_findings(tmp_path, entries) == []


def test_timeline_table_out_of_order(tmp_path: Path) -> None:
    entries = "| Time | Event |\n| --- | --- |\n| 09:00 | a |\n| 09:05 | b |\n| 08:40 | c |\n"
    findings = timeline_findings(tmp_path, entries)
    assert [(f.rule, f.line) for f in findings] == [("timeline-out-of-order", 42)]


def test_timeline_counts_only_timestamped_entries(tmp_path: Path) -> None:
    entries = "- 09:00 a\n- later: b\n- 25:99 c\n- 9.40 d\n```\n- 09:10 in code\n- 09:11\n```\n"
    findings = timeline_findings(tmp_path, entries)
    assert [(f.rule, f.line) for f in findings] == [("timeline-too-short", 36)]
    assert findings[0].message.startswith("timeline has 1 timestamped entries; at least 3")


def test_timeline_min_entries_option(tmp_path: Path) -> None:
    entries = "- 09:00 a\n"
    assert (
        timeline_findings(tmp_path, entries, Settings.from_options({"timeline_min_entries": 1}))
        == []
    )
    assert timeline_findings(tmp_path, "", Settings.from_options({"timeline_min_entries": 0})) == []


# --- cross-file rules ---------------------------------------------------------------------


def test_without_catalogs_any_service_or_cause_passes(tmp_path: Path) -> None:
    front_matter = FM.replace("[checkout, payments-api]", "[anything-goes]").replace(
        "[config-change]", "[whatever]"
    )
    assert check_fm(tmp_path, front_matter) == []


def test_catalogs_check_services_and_causes(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    write_postmortem(tmp_path, front_matter=FM)
    (folder / "services.yml").write_text("- id: checkout\n  name: Checkout\n- id: payments\n")
    (folder / "causes.yml").write_text("- id: config-change\n  owner: team-sre\n")
    findings = run_check(tmp_path)
    assert [(f.rule, f.line, f.column) for f in findings] == [("unknown-service", 6, 22)]
    assert findings[0].message == "'payments-api' is not in the catalog postmortems/services.yml"
    assert findings[0].suggestion == "did you mean 'payments'?"


def test_unknown_cause_suggestion_lists_catalog(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    (tmp_path / "postmortems" / "causes.yml").write_text("- id: zeta\n- id: alpha\n")
    [finding] = run_check(tmp_path)
    assert finding.rule == "unknown-cause"
    assert finding.suggestion == "add it to postmortems/causes.yml or use one of: alpha, zeta"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("checkout: Checkout\n", (1, 1)),
        ("- id: checkout\n- id: checkout\n- id: payments-api\n", (2, 3)),
        ("- id: checkout\n  colour: blue\n- id: payments-api\n", (1, 3)),
        ("- id: [unclosed\n", (2, 1)),
    ],
    ids=["not-a-list", "duplicate", "extra-key", "yaml-error"],
)
def test_invalid_services_catalog(tmp_path: Path, content: str, where: tuple[int, int]) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    (tmp_path / "postmortems" / "services.yml").write_text(content)
    findings = [f for f in run_check(tmp_path) if f.path == "postmortems/services.yml"]
    assert len(findings) == 1
    assert findings[0].rule in {"catalog-invalid", "yaml-syntax"}
    assert (findings[0].line, findings[0].column) == where


def test_related_ids(tmp_path: Path) -> None:
    related = f"related: [{OTHER_ID}, {OTHER_ID}x, {PM_ID}]"
    write_postmortem(tmp_path, front_matter=FM.replace("related: []", related))
    write_postmortem(tmp_path, front_matter=FM, pm_id=OTHER_ID, folder="postmortems/2026")
    findings = run_check(tmp_path)
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("unknown-related", 16, 50),
        ("self-related", 16, 90),
    ]
    assert findings[0].suggestion == f"did you mean '{OTHER_ID}'?"


def test_duplicate_ids_across_folders_and_case(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM, folder="postmortems/a")
    write_postmortem(tmp_path, front_matter=FM, folder="postmortems/b")
    upper = "2026-03-14-Checkout-DB-Failover"
    write_postmortem(tmp_path, front_matter=FM, folder="postmortems/c", pm_id=upper)
    findings = run_check(tmp_path)
    assert [(f.path, f.rule) for f in findings] == [
        (f"postmortems/b/{PM_ID}.md", "duplicate-id"),
        (f"postmortems/c/{upper}.md", "duplicate-id"),
        (f"postmortems/c/{upper}.md", "invalid-id"),
    ]
    assert findings[0].message.endswith(f"postmortems/a/{PM_ID}.md")


def test_readme_index_and_hidden_files_are_not_postmortems(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    folder = tmp_path / "postmortems"
    for name in ("README.md", "index.md", ".draft.md", "_template.md", "notes.txt"):
        (folder / name).write_text("not a postmortem")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "x.md").write_text("not a postmortem")
    archive_findings = run_check(tmp_path)
    assert archive_findings == []


# --- encodings and bytes ------------------------------------------------------------------


def test_not_utf8_points_at_the_bad_byte(tmp_path: Path) -> None:
    data = TEXT.encode().replace(b"- 09:05 UTC", b"- 09:05 \xc3\x28UTC")
    write_postmortem(tmp_path, data=data)
    [finding] = run_check(tmp_path)
    assert (finding.rule, finding.line, finding.column) == ("not-utf8", 39, 9)
    assert "0xc3" in finding.message


def test_not_utf8_with_crlf(tmp_path: Path) -> None:
    data = TEXT.encode().replace(b"About 2,000", b"About \xff2,000").replace(b"\n", b"\r\n")
    write_postmortem(tmp_path, data=data)
    [finding] = run_check(tmp_path)
    assert (finding.rule, finding.line, finding.column) == ("not-utf8", 34, 7)


def test_not_utf8_after_bom(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + TEXT.encode().replace(b"About 2,000", b"About \xff2,000")
    write_postmortem(tmp_path, data=data)
    [finding] = run_check(tmp_path)
    assert (finding.rule, finding.line, finding.column) == ("not-utf8", 34, 7)
    assert "0xff" in finding.message


def test_not_utf8_column_counts_characters(tmp_path: Path) -> None:
    data = TEXT.encode().replace("- 09:05 UTC — The".encode(), "- 09:05 UTC — ".encode() + b"\xff")
    write_postmortem(tmp_path, data=data)
    [finding] = run_check(tmp_path)
    assert (finding.line, finding.column) == (39, len("- 09:05 UTC — ") + 1)


def test_nul_byte(tmp_path: Path) -> None:
    write_postmortem(tmp_path, data=TEXT.replace("Checkout returned", "Check\x00out").encode())
    [finding] = run_check(tmp_path)
    assert (finding.rule, finding.line, finding.column) == ("nul-byte", 30, 6)


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + TEXT.encode(),
        TEXT.replace("\n", "\r\n").encode(),
        b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode(),
        TEXT.replace("\n", "\r").encode(),
    ],
    ids=["bom", "crlf", "bom-crlf", "cr"],
)
def test_bom_and_line_endings_are_fine(tmp_path: Path, data: bytes) -> None:
    write_postmortem(tmp_path, data=data)
    assert run_check(tmp_path) == []


def test_bom_crlf_positions_unchanged(tmp_path: Path) -> None:
    text = TEXT.replace("SEV2", "SEV9").replace("- 09:40", "- 08:40")
    write_postmortem(tmp_path, data=b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    findings = run_check(tmp_path)
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("unknown-severity", 5, 11),
        ("timeline-out-of-order", 40, 3),
    ]


# --- bugs in positions --------------------------------------------------------------------


def test_impossible_date_points_at_the_value(tmp_path: Path) -> None:
    [finding] = check_fm(tmp_path, FM.replace("date: 2026-03-14", "date: 2026-02-30"))
    assert (finding.line, finding.column) == (3, 7)


def test_unicode_line_separator_keeps_lines(tmp_path: Path) -> None:
    front_matter = FM.replace("title: Checkout errors", "title: 'Checkout\u2028errors").replace(
        "database failover", "database failover'"
    )
    [finding] = check_fm(tmp_path, front_matter.replace("SEV2", "SEV9"))
    assert (finding.rule, finding.line) == ("unknown-severity", 5)


def test_many_nodes_are_not_called_aliases(tmp_path: Path) -> None:
    front_matter = FM.replace("tags: [database]", "tags: [" + ", ".join(["db"] * 20_001) + "]")
    assert rules_of(check_fm(tmp_path, front_matter)) == ["yaml-too-large"]


def test_dict_built_front_matter_helpers(write_pm: WritePostmortem, check: CheckArchive) -> None:
    """``write_pm`` overrides or deletes fields of the valid front matter."""
    write_pm(severity="SEV9", tags=DELETE)
    assert rules_of(check()) == ["unknown-severity"]
    write_pm(title=DELETE)
    assert [(f.rule, f.line) for f in check()] == [("missing-field", 1)]
