"""Cross-file checks: catalogs of services and causes, related ids, duplicate ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FM, OTHER_ID, PM_ID, check_fm, run_check, write_postmortem

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


def test_equally_close_catalog_entries_are_all_suggested(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("payments-api]", "paymnts]"))
    catalog = "- id: checkout\n- id: payments-db\n- id: payments-api\n"
    (tmp_path / "postmortems" / "services.yml").write_text(catalog)
    [finding] = run_check(tmp_path)
    assert finding.suggestion == "did you mean one of 'payments-api', 'payments-db'?"


def test_cross_file_rules_run_when_other_fields_are_invalid(tmp_path: Path) -> None:
    """Related ids and catalogs are checked from whatever fields could be read."""
    front_matter = (
        FM.replace("status: published", "status: done")
        .replace("title: Checkout errors", "title: Checkout: errors")
        .replace("related: []", f"related: [{PM_ID}x]")
    )
    write_postmortem(tmp_path, front_matter=front_matter)
    (tmp_path / "postmortems" / "causes.yml").write_text("- id: deploy\n")
    rules = {f.rule for f in run_check(tmp_path)}
    assert {"unknown-related", "unknown-cause"} <= rules


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
