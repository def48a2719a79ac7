"""Body checks: placeholders, required sections and the timeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import (
    FM,
    TEXT,
    VALID_BODY,
    check_fm,
    line_of,
    only,
    rules_of,
    run_check,
    write_postmortem,
)
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.settings import Settings

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
    assert [(f.rule, f.line) for f in findings] == [("missing-section", 43)]
    assert "'## Resolution'" in findings[0].message
    assert findings[0].suggestion == (
        "add '## Resolution' after this section (also accepted: Mitigation, Recovery)"
    )


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
    assert {f.line for f in findings} == {28}  # the end of the file


def test_missing_section_is_reported_where_it_belongs(tmp_path: Path) -> None:
    """At the previous required section present, in the configured order."""
    impact = VALID_BODY.index("## Impact")
    contributing = VALID_BODY.index("## Contributing Factors")
    resolution = VALID_BODY.index("## Resolution")
    lessons = VALID_BODY.index("## Lessons Learned")
    body_text = (
        VALID_BODY[:impact] + VALID_BODY[contributing:resolution] + VALID_BODY[lessons:] + "\n\n"
    )
    text = write_postmortem(tmp_path, front_matter=FM, body=body_text).read_text()
    findings = run_check(tmp_path)
    summary, factors = line_of(text, "## Summary"), line_of(text, "## Contributing")
    assert [(f.message, f.line) for f in findings] == [
        ("required section '## Impact' is missing", summary),
        ("required section '## Timeline' is missing", summary),
        ("required section '## Resolution' is missing", factors),
    ]
    assert findings[0].suggestion == "add '## Impact' after this section"


def test_missing_first_section_is_reported_at_the_end(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM, body=VALID_BODY.replace("## Summary", "## Gist"))
    [finding] = run_check(tmp_path)
    assert (finding.rule, finding.line) == ("missing-section", TEXT.rstrip().count("\n") + 1)
    assert finding.suggestion == "add '## Summary'"


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
        "- 09:00 UTC — a\n    - 01:00 nested entries do not count\n- 09:05 b\n- 09:05 c\n",
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
    assert [(f.rule, f.line) for f in findings] == [
        ("timeline-too-short", 36),
        ("timeline-entry-without-time", 39),
        ("timeline-entry-without-time", 40),
        ("timeline-entry-without-time", 41),
    ]
    assert findings[0].message.startswith("timeline has 1 timestamped entries; at least 3")


def test_timeline_min_entries_option(tmp_path: Path) -> None:
    entries = "- 09:00 a\n"
    assert (
        timeline_findings(tmp_path, entries, Settings.from_options({"timeline_min_entries": 1}))
        == []
    )
    assert timeline_findings(tmp_path, "", Settings.from_options({"timeline_min_entries": 0})) == []


TIMED = "- 09:00 UTC — a\n- 09:05 UTC — b\n- 09:40 UTC — c\n"


@pytest.mark.parametrize(
    ("entries", "where"),
    [
        (TIMED + "- The database recovers.\n", [(41, 3)]),
        ("1. 09:00 a\n2. about then, b\n3. 09:05 c\n4. 09:40 d\n", [(39, 4)]),
        (TIMED + "    - a detail of the last entry\n", []),
        (TIMED + "  - 2 spaces do not nest on the site\n", [(41, 5)]),
        ("Some words first.\n\n" + TIMED, []),
        (
            "| Time | Event |\n| --- | --- |\n| 09:00 | a |\n| later | b |\n"
            "| — | c |\n| 09:05 | d |\n| 09:40 | e |\n",
            [(41, 3), (42, 3)],
        ),
        ("| Who | What |\n| --- | --- |\n| ops | a |\n\n" + TIMED, []),
        ("| Time | Event |\n| --- | --- |\n| soon | a |\n\n" + TIMED, []),
    ],
    ids=[
        "list",
        "ordered",
        "nested",
        "nested-2-spaces",
        "paragraph",
        "table",
        "table-without-times",
        "no-times",
    ],
)
def test_timeline_entry_without_time(
    tmp_path: Path, entries: str, where: list[tuple[int, int]]
) -> None:
    findings = timeline_findings(tmp_path, entries)
    assert [(f.line, f.column) for f in findings] == where
    assert {f.rule for f in findings} <= {"timeline-entry-without-time"}
    assert all(f.level is Level.WARNING for f in findings)


def test_timeline_entry_without_time_level_is_configurable(tmp_path: Path) -> None:
    entries = TIMED + "- The database recovers.\n"
    settings = Settings.from_options({"rules": {"timeline-entry-without-time": "error"}})
    assert [f.level for f in timeline_findings(tmp_path, entries, settings)] == [Level.ERROR]
    settings = Settings.from_options({"rules": {"timeline-entry-without-time": "off"}})
    assert timeline_findings(tmp_path, entries, settings) == []


# --- a title in the body --------------------------------------------------------------------


def test_an_h1_in_the_body_is_reported_as_a_second_title(tmp_path: Path) -> None:
    path = write_postmortem(tmp_path, body="\n# Checkout database failover\n" + VALID_BODY)
    text = path.read_text(encoding="utf-8")
    findings = only(run_check(tmp_path), "body-title")
    assert [(f.line, f.column, f.level) for f in findings] == [
        (line_of(text, "# Checkout database failover"), 1, Level.WARNING)
    ]
    assert "two <h1>" in findings[0].message


def test_a_heading_in_a_code_block_is_no_title(tmp_path: Path) -> None:
    body = VALID_BODY.replace("## Impact", "```sh\n# a comment\n```\n\n## Impact", 1)
    write_postmortem(tmp_path, body=body)
    assert only(run_check(tmp_path), "body-title") == []


# --- action items written in the body -------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "items"),
    [
        ("## Action items", "- [ ] Add an alert on replication lag\n- [x] Fix the runbook"),
        ("## Follow-ups", "| Action | Owner |\n| --- | --- |\n| Add an alert | team-db |"),
        ("### Next steps", "1. Add an alert on replication lag"),
    ],
)
def test_action_items_in_the_body_are_reported(tmp_path: Path, heading: str, items: str) -> None:
    body = VALID_BODY.replace("## Impact", f"{heading}\n\n{items}\n\n## Impact", 1)
    path = write_postmortem(tmp_path, body=body)
    (finding,) = only(run_check(tmp_path), "action-items-in-body")
    assert finding.line == line_of(path.read_text(encoding="utf-8"), items.split("\n")[0])
    assert finding.level is Level.WARNING
    assert "not tracked" in finding.message


def test_a_sentence_or_code_under_action_items_is_not_reported(tmp_path: Path) -> None:
    text = "## Action items\n\nSee the front matter.\n\n```text\n- not an item\n```\n\n"
    write_postmortem(tmp_path, body=VALID_BODY.replace("## Impact", text + "## Impact", 1))
    assert only(run_check(tmp_path), "action-items-in-body") == []
