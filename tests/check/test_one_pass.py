"""Every finding in one pass: no problem hides another (issue 13).

Each defect is one line changed in the valid postmortem. For every pair of defects, the
findings of the pair contain the findings of each defect alone (as rule and line): an
author who fixes one problem meets no new one behind it.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import PM_ID, TEXT, rules_of, run_check, write_postmortem

SERVICES = "- id: checkout\n- id: payments-api\n"

DEFECTS = {
    "invalid-enum": ("status: published", "status: Published"),
    "impossible-date": ("review_meeting: 2026-03-17", "review_meeting: 2026-02-30"),
    "date-format": ("date: 2026-03-14", "date: 14 March 2026"),
    "timestamps-order": ("mitigated: 2026-03-14T09:40:00Z", "mitigated: 2026-03-14T08:40:00Z"),
    "no-offset": ("detected: 2026-03-14T09:05:00Z", "detected: 2026-03-14T09:05:00"),
    "unknown-key": ("tags: [database]", "tgs: [database]"),
    "wrong-type": ("severity: SEV2", "severity: [SEV2]"),
    "yaml-syntax": ("title: Checkout errors after", "title: Checkout: errors after"),
    "item-status": ("    status: open", "    status: todo"),
    "item-type": ("    type: prevent", "    type: fix"),
    "missing-due": ("    due: 2026-04-01", "    due:"),
    "link-scheme": ("link: https://", "link: ftp://"),
    "related-typo": ("related: []", "related: [2026-03-14-checkout-db-failovr]"),
    "unknown-service": ("services: [checkout, payments-api]", "services: [checkout, paymnts]"),
    "blame-on-participant": (
        "The replica was allowed to catch up",
        "Bob forgot to let the replica catch up",
    ),
    "missing-section": ("## Contributing Factors", "## Factors"),
    "timeline-order": ("- 09:40 UTC", "- 08:40 UTC"),
    "placeholder": ("About 2,000", "TODO about 2,000"),
}


def findings_of(root: Path, *defects: str) -> set[tuple[str, int]]:
    """Check the valid postmortem with ``defects`` applied; (rule, line) of each finding."""
    text = TEXT
    for name in defects:
        old, new = DEFECTS[name]
        assert text.count(old) == 1, (name, old)
        text = text.replace(old, new)
    write_postmortem(root, text=text)
    (root / "postmortems" / "services.yml").write_text(SERVICES, encoding="utf-8")
    return {(finding.rule, finding.line) for finding in run_check(root)}


def test_the_valid_postmortem_is_clean(tmp_path: Path) -> None:
    assert findings_of(tmp_path) == set()


@pytest.mark.parametrize("name", list(DEFECTS))
def test_each_defect_is_found(tmp_path: Path, name: str) -> None:
    """Every defect alone gives a finding that is not a note."""
    findings = findings_of(tmp_path, name)
    assert {rule for rule, _ in findings} - {"skipped-check"}, name


PAIRS = list(combinations(DEFECTS, 2))


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a}+{b}" for a, b in PAIRS])
def test_no_defect_hides_another(tmp_path: Path, first: str, second: str) -> None:
    alone = findings_of(tmp_path / "first", first) | findings_of(tmp_path / "second", second)
    together = findings_of(tmp_path / "both", first, second)
    assert alone <= together, sorted(alone - together)


@cache
def alone(name: str) -> frozenset[tuple[str, int]]:
    """The findings of one defect alone (checked once per test run)."""
    with TemporaryDirectory() as folder:
        return frozenset(findings_of(Path(folder), name))


@settings(max_examples=40, deadline=None, database=None)
@given(st.sets(st.sampled_from(list(DEFECTS)), min_size=3, max_size=6))
def test_no_defect_hides_another_among_many(defects: set[str]) -> None:
    """The same with three to six defects at once."""
    with TemporaryDirectory() as folder:
        together = findings_of(Path(folder), *sorted(defects))
    for name in defects:
        assert alone(name) <= together, (name, sorted(alone(name) - together))


def test_a_file_with_many_problems_is_reported_in_one_run(tmp_path: Path) -> None:
    """The issue's example: an action item ``status: todo`` no longer hides the rest."""
    findings = findings_of(
        tmp_path, "item-status", "no-offset", "related-typo", "unknown-service", "missing-due"
    )
    rules = {rule for rule, _ in findings}
    assert {
        "invalid-value",
        "timestamp-without-offset",
        "unknown-related",
        "unknown-service",
        "action-item-missing-due",
    } <= rules


def test_an_unreadable_value_says_which_check_did_not_run(tmp_path: Path) -> None:
    text = TEXT.replace("resolved: 2026-03-14T10:15:00Z", "resolved: soon")
    write_postmortem(tmp_path, text=text, pm_id=PM_ID)
    findings = run_check(tmp_path)
    assert rules_of(findings) == ["invalid-value", "skipped-check", "skipped-check"]
    assert [f.message for f in findings[1:]] == [
        "'timestamps-out-of-order' not checked: incident.resolved is invalid",
        "'review-late' not checked: incident.resolved is invalid",
    ]
