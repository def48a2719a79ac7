"""Imported postmortems: their gaps are notes, the rest keeps its level; new ones keep it all."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from helpers import (
    DELETE,
    VALID_BODY,
    CheckArchive,
    WritePostmortem,
    only,
    rules_of,
)
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.check.imported import GAP_NOTE, as_imported, gap_rules
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.rules import IMPORT_GAPS, RULES
from postmortem_kb.model.settings import Settings

IMPORTED = {"imported": True, "imported_from": {"path": "old/x.md", "sha256": "ab" * 32}}
GAPS_BODY = VALID_BODY.replace("## Resolution", "## Fix").replace(
    "The failover automation did not check",
    "The on-call engineer should have checked the lag; the automation did not check",
)
"""A body with a section missing and historical blaming words."""
WITH_GAPS: dict[str, Any] = {
    "body": GAPS_BODY,
    "severity": DELETE,
    "causes": [],
    "authors": DELETE,
    "review_meeting": DELETE,
    "participants": [],
}
"""What an old postmortem typically lacks, as ``write_pm`` arguments."""
LATE = dt.date(2027, 1, 1)
"""A day when every review deadline of a 2026-03-14 incident has passed."""


def test_gaps_of_an_imported_postmortem_are_notes(
    write_pm: WritePostmortem, check: CheckArchive
) -> None:
    write_pm(**WITH_GAPS, **IMPORTED)
    findings = check(today=LATE)
    assert [f for f in findings if f.level is not Level.INFO] == []
    gaps = {f.rule for f in findings if f.message.endswith(GAP_NOTE)}
    assert {"missing-field", "causes-required", "missing-section", "no-participants"} <= gaps
    assert "counterfactual" in gaps  # a language rule: the wording of its time
    missing = {f.message for f in only(findings, "missing-field")}
    assert {m.removesuffix(GAP_NOTE) for m in missing} == {
        "required field 'severity' is missing",
        "required field 'authors' is missing",
    }


def test_the_same_file_not_imported_keeps_every_rule(
    write_pm: WritePostmortem, check: CheckArchive
) -> None:
    write_pm(**WITH_GAPS)
    findings = check(today=LATE)
    errors = {f.rule for f in findings if f.level is Level.ERROR}
    assert {"missing-field", "causes-required", "missing-section"} <= errors
    assert not [f for f in findings if f.message.endswith(GAP_NOTE)]


def test_the_review_process_does_not_apply_to_an_imported_postmortem(
    write_pm: WritePostmortem, check: CheckArchive
) -> None:
    write_pm(review_meeting=DELETE, **IMPORTED)
    assert "review-overdue" not in rules_of(check(today=LATE))
    write_pm(review_meeting=DELETE)  # the same postmortem, written under this process
    assert "review-overdue" in rules_of(check(today=LATE))


def test_an_imported_postmortem_without_severity_still_has_its_record(
    tmp_path: Path, write_pm: WritePostmortem
) -> None:
    write_pm(severity=DELETE, authors=DELETE, **IMPORTED)
    archive = load_archive(tmp_path / "postmortems", tmp_path, Settings(), today=LATE)
    meta = archive.postmortems[0].meta
    assert meta is not None  # the page gets its card, indexes and exports
    assert meta.severity is None and meta.authors == [] and meta.imported


def test_problems_that_are_not_gaps_keep_their_level(
    write_pm: WritePostmortem, check: CheckArchive
) -> None:
    write_pm(
        body=VALID_BODY + '\n<img src="x" onerror="alert(1)">\n',
        severity="SEV9",
        **IMPORTED,
    )
    findings = check(today=LATE)
    for rule in ("raw-html", "unknown-severity"):
        assert [f.level for f in only(findings, rule)] == [Level.ERROR], rule


def test_every_gap_rule_is_a_rule_and_language_rules_are_gaps() -> None:
    assert RULES.keys() >= IMPORT_GAPS
    assert "counterfactual" in gap_rules()
    assert not {"raw-html", "yaml-syntax", "invalid-value", "unknown-service"} & gap_rules()


def test_as_imported_keeps_notes_and_other_levels() -> None:
    finding = Finding("p.md", 3, 1, "missing-section", Level.ERROR, "required section")
    other = dataclasses.replace(finding, rule="invalid-value")
    note = dataclasses.replace(finding, rule="missing-tracker-link", level=Level.INFO)
    gap, kept, unchanged = as_imported([finding, other, note])
    assert (gap.level, gap.message) == (Level.INFO, "required section" + GAP_NOTE)
    assert kept == other and unchanged == note
