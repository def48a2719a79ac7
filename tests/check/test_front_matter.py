"""Front-matter checks: keys, YAML, values, time zones, encodings and their positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import (
    DELETE,
    FM,
    TEXT,
    VALID_BODY,
    CheckArchive,
    WritePostmortem,
    check_fm,
    only,
    rules_of,
    run_check,
    write_postmortem,
)
from postmortem_kb.model.findings import Level
from postmortem_kb.model.settings import Settings

# --- front matter -------------------------------------------------------------------------


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
    findings = check_fm(tmp_path, FM.replace("  started:", "\tstarted:"))
    [finding] = only(findings, "yaml-syntax")
    assert finding.line == 11
    # The other fields are still checked; what needs the timestamps says it could not run
    # (their order, and the review policy's rule on the review meeting).
    assert [(f.rule, f.line) for f in findings if f is not finding] == [
        ("skipped-check", 10),
        ("skipped-check", 10),
    ]


def test_yaml_tab_indentation_hint(tmp_path: Path) -> None:
    [finding] = only(check_fm(tmp_path, FM.replace("  started:", "\tstarted:")), "yaml-syntax")
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
    [finding] = [f for f in check_fm(tmp_path, front_matter) if f.rule != "unknown-key"]
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
    # A missing field is reported at the end of the front matter, where it can be added.
    assert [(f.rule, f.line, f.column) for f in findings] == [("missing-field", 25, 1)]
    assert "participants" in findings[0].message


def test_date_mismatch_with_incident_start(tmp_path: Path) -> None:
    findings = check_fm(tmp_path, FM.replace("started: 2026-03-14T09", "started: 2026-03-13T23"))
    assert [(f.rule, f.line, f.column) for f in findings] == [("date-mismatch", 3, 7)]
    assert "incident.started" in findings[0].message


def test_review_late_respects_the_policy(tmp_path: Path) -> None:
    front_matter = FM.replace("review_meeting: 2026-03-17", "review_meeting: 2026-03-30")
    assert rules_of(check_fm(tmp_path, front_matter)) == ["review-late"]
    relaxed = Settings.from_options({"policies": {"SEV2": {"review_within": 12}}})
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
    [note, finding] = check_fm(tmp_path, FM.replace("date: 2026-03-14", "date: 2026-02-30"))
    assert (finding.rule, finding.line, finding.column) == ("invalid-value", 3, 7)
    assert (note.rule, note.line, note.message) == (
        "skipped-check",
        3,
        "'date-mismatch' not checked: date cannot be read",
    )


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
    assert [(f.rule, f.line) for f in check()] == [("missing-field", 32)]


# --- hints for enum values (issue 13) -----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("severity: SEV2", "severity: sev2", "did you mean 'SEV2'?"),
        ("severity: SEV2", "severity: SEV9", "did you mean one of 'SEV1', 'SEV2', 'SEV3', 'SEV4'?"),
        ("status: published", "status: Published", "did you mean 'published'?"),
        ("status: published", "status: done", "use one of: draft, in-review, published"),
        ("    status: open", "    status: todo", "use one of: open, in-progress, done, wont-do"),
        ("    type: prevent", "    type: Prevent", "did you mean 'prevent'?"),
    ],
)
def test_enum_errors_suggest_the_allowed_values(
    tmp_path: Path, old: str, new: str, hint: str
) -> None:
    findings = check_fm(tmp_path, FM.replace(old, new))
    [finding] = [f for f in findings if f.rule in ("invalid-value", "unknown-severity")]
    assert finding.suggestion == hint


def test_missing_field_is_reported_at_the_end_of_the_front_matter(tmp_path: Path) -> None:
    findings = check_fm(tmp_path, FM.replace("severity: SEV2\n", ""))
    assert [(f.rule, f.line, f.column) for f in findings] == [("missing-field", 25, 1)]


def test_invalid_fields_hide_no_other_finding(tmp_path: Path) -> None:
    """An invalid action-item status leaves every other value checked (the issue's case)."""
    front_matter = (
        FM.replace("    status: open", "    status: todo")
        .replace("    due: 2026-04-01", "    due:")
        .replace("detected: 2026-03-14T09:05:00Z", "detected: 2026-03-14T09:05:00")
        .replace("resolved: 2026-03-14T10:15:00Z", "resolved: 2026-03-14T09:30:00Z")
        .replace("causes: [config-change]", "causes: [config-change]\nseverity: SEV2")
    )
    findings = check_fm(tmp_path, front_matter)
    assert sorted(rules_of(findings)) == [
        "action-item-missing-due",
        "duplicate-key",
        "invalid-value",
        "timestamp-without-offset",
        "timestamps-out-of-order",
    ]


def test_a_yaml_error_hides_no_other_field(tmp_path: Path) -> None:
    """YAML stops at its first error; each top-level field is then read on its own."""
    front_matter = (
        FM.replace("title: Checkout errors", "title: Checkout: errors")
        .replace("severity: SEV2", "severity: [SEV2]")
        .replace("review_meeting: 2026-03-17", "review_meeting: 2026-02-30")
        .replace("tags: [database]", "tags: [database]\nseverity: SEV3\noops")
    )
    findings = check_fm(tmp_path, front_matter)
    assert [(f.rule, f.line) for f in findings] == [
        ("yaml-syntax", 2),
        ("invalid-value", 5),  # the first severity is checked
        ("skipped-check", 5),  # the review policy needs the severity
        ("skipped-check", 15),  # review-late needs the review meeting
        ("invalid-value", 15),
        ("duplicate-key", 26),
    ]


def test_review_rules_with_an_unreadable_status(tmp_path: Path) -> None:
    """What the rules for published postmortems would report becomes one note."""
    front_matter = (
        FM.replace("status: published", "status: publish")
        .replace("participants: [bob, carol]", "participants: []")
        .replace("review_meeting: 2026-03-17\n", "")
    )
    findings = check_fm(tmp_path, front_matter)
    assert [(f.rule, f.line, f.message) for f in findings] == [
        (
            "skipped-check",
            4,
            "'no-participants' not checked: status is invalid; they apply to published postmortems",
        ),
        ("invalid-value", 4, "'status': Input should be 'draft', 'in-review' or 'published'"),
    ]
