"""Cross-file checks: catalogs of services and causes, related ids, duplicate ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FM, OTHER_ID, PM_ID, check_fm, run_check, write_postmortem
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.settings import Settings

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


# --- people and teams (teams.yml) -----------------------------------------------------------

TEAMS_YML = """\
teams:
  team-db:
    name: Databases
    members: [alice, bob]
    aliases: [db-oncall, team-dba]
  team-sre:
    members: [carol, bob]
  team-payments: {}
"""
OWNER_LINE, OWNER_COLUMN = 20, 12  # action_items[0].owner in FM (file line = FM line + 1)


CATALOG_ONLY = Settings.from_options({"rules": {"missing-stakeholder": "off"}})
"""For the tests of catalog owners: the review policy's stakeholder rule is tested elsewhere."""


def people_check(
    tmp_path: Path, front_matter: str, teams: str = TEAMS_YML, settings: Settings | None = None
) -> list[Finding]:
    """Check FM-based ``front_matter`` with ``teams`` as teams.yml."""
    write_postmortem(tmp_path, front_matter=front_matter)
    (tmp_path / "postmortems" / "teams.yml").write_text(teams)
    return run_check(tmp_path, settings)


def test_without_teams_any_owner_author_or_participant_passes(tmp_path: Path) -> None:
    front_matter = FM.replace("owner: team-db", "owner: whoever").replace("[alice]", "[x]")
    assert check_fm(tmp_path, front_matter) == []


def test_the_valid_postmortem_passes_with_teams(tmp_path: Path) -> None:
    assert people_check(tmp_path, FM) == []


@pytest.mark.parametrize("owner", ["team-db", "team-dba", "db-oncall", "alice", "carol"])
def test_a_team_an_alias_or_a_member_owns(tmp_path: Path, owner: str) -> None:
    assert people_check(tmp_path, FM.replace("owner: team-db", f"owner: {owner}")) == []


def test_a_typo_in_an_owner_is_reported_at_the_owner_with_a_suggestion(tmp_path: Path) -> None:
    findings = people_check(tmp_path, FM.replace("owner: team-db", "owner: team-dbb"))
    assert [(f.rule, f.line, f.column, f.level.value) for f in findings] == [
        ("unknown-owner", OWNER_LINE, OWNER_COLUMN, "error")
    ]
    assert findings[0].message == (
        "owner 'team-dbb' is not a team, an alias of one or a member of one in "
        "postmortems/teams.yml"
    )
    assert findings[0].suggestion == "did you mean one of 'team-db', 'team-dba'?"


def test_an_owner_suggestion_covers_members_and_aliases(tmp_path: Path) -> None:
    [member] = people_check(tmp_path, FM.replace("owner: team-db", "owner: carl"))
    assert member.suggestion == "did you mean 'carol'?"
    [alias] = people_check(tmp_path, FM.replace("owner: team-db", "owner: db-oncal"))
    assert alias.suggestion == "did you mean 'db-oncall'?"
    [case] = people_check(tmp_path, FM.replace("owner: team-db", "owner: Alice"))
    assert case.suggestion == "did you mean 'alice'?"


def test_an_owner_with_nothing_close_says_how_to_add_it(tmp_path: Path) -> None:
    [finding] = people_check(tmp_path, FM.replace("owner: team-db", "owner: zebra-squad"))
    assert finding.suggestion == (
        "add it to postmortems/teams.yml: as a team id, under a team's 'aliases', or under "
        "a team's 'members'"
    )


def test_each_item_owner_is_reported_at_its_own_line(tmp_path: Path) -> None:
    second = (
        "  - id: AI-2\n    title: Alert on replica lag\n    owner: nobody\n    due: 2026-04-02\n"
        "    link: https://tracker.example.com/DB-124\n"
    )
    front_matter = FM.replace("tags: [database]", second + "tags: [database]")
    findings = people_check(tmp_path, front_matter)
    assert [(f.rule, f.line, f.column) for f in findings] == [("unknown-owner", 27, 12)]


def test_authors_must_be_members(tmp_path: Path) -> None:
    front_matter = FM.replace("authors: [alice]", "authors: [alice, alcie, team-db, zed]")
    findings = people_check(tmp_path, front_matter)
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("unknown-person", 8, 18),
        ("unknown-person", 8, 25),
        ("unknown-person", 8, 34),
    ]
    typo, team, unknown = findings
    assert typo.message == "author 'alcie' is not a member of any team in postmortems/teams.yml"
    assert typo.suggestion == "did you mean 'alice'?"
    assert team.message == "author 'team-db' is a team in postmortems/teams.yml, not a person"
    assert team.suggestion == "name the people who wrote it (members of team-db: alice, bob)"
    assert unknown.suggestion == "add them to the 'members' of their team in postmortems/teams.yml"


def test_participants_are_members_or_teams(tmp_path: Path) -> None:
    front_matter = FM.replace(
        "participants: [bob, carol]", "participants: [bob, db-oncall, team-sre, crol]"
    )
    findings = people_check(tmp_path, front_matter)
    assert [(f.rule, f.line, f.column) for f in findings] == [("unknown-person", 9, 42)]
    assert findings[0].message == (
        "participant 'crol' is neither a member nor a team in postmortems/teams.yml"
    )
    assert findings[0].suggestion == "did you mean 'carol'?"


def test_people_rules_run_when_other_fields_are_invalid(tmp_path: Path) -> None:
    """Owners, authors and participants are checked from whatever could be read."""
    front_matter = (
        FM.replace("status: open", "status: todo")  # the item has no model, its owner is read
        .replace("severity: SEV2", "severity: [SEV2]")
        .replace("owner: team-db", "owner: team-dbb")
        .replace("authors: [alice]", "authors: [alcie]")
    )
    findings = people_check(tmp_path, front_matter)
    rules = [(f.rule, f.line) for f in findings if f.rule.startswith("unknown-")]
    assert rules == [("unknown-person", 8), ("unknown-owner", OWNER_LINE)]


def test_an_unreadable_owner_is_not_checked_twice(tmp_path: Path) -> None:
    findings = people_check(tmp_path, FM.replace("owner: team-db", "owner: [team-db]"))
    assert [f.rule for f in findings] == ["invalid-value"]


def test_service_owners_must_be_teams(tmp_path: Path) -> None:
    services = (
        "- id: checkout\n  owner: team-dba\n"  # an alias: fine
        "- id: payments-api\n  owner: team-paymnts\n"
        "- id: payments-db\n  owner: bob\n"
        "- id: search\n"  # no owner: fine
    )
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "services.yml").write_text(services)
    findings = people_check(tmp_path, FM, settings=CATALOG_ONLY)
    assert [(f.path, f.rule, f.line, f.column) for f in findings] == [
        ("postmortems/services.yml", "unknown-owner", 4, 10),
        ("postmortems/services.yml", "unknown-owner", 6, 10),
    ]
    typo, person = findings
    assert typo.message == (
        "owner 'team-paymnts' of 'payments-api' is not a team in postmortems/teams.yml"
    )
    assert typo.suggestion == "did you mean 'team-payments'?"
    assert person.message == "owner 'bob' of 'payments-db' is a person; an owner here is a team"
    assert person.suggestion == "use one of their teams: team-db, team-sre"


def test_service_owners_are_free_without_teams(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    services = "- id: checkout\n  owner: anyone\n- id: payments-api\n  owner: x\n"
    (tmp_path / "postmortems" / "services.yml").write_text(services)
    assert run_check(tmp_path, CATALOG_ONLY) == []


def test_an_unreadable_teams_file_is_one_finding_not_one_per_owner(tmp_path: Path) -> None:
    findings = people_check(
        tmp_path, FM.replace("owner: team-db", "owner: nobody"), "teams:\n  - team-db\n"
    )
    assert [(f.path, f.rule, f.line) for f in findings] == [
        ("postmortems/teams.yml", "catalog-invalid", 2)
    ]


def test_a_teams_folder_or_a_link_outside_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    (tmp_path / ".git").mkdir()
    write_postmortem(tmp_path, front_matter=FM.replace("owner: team-db", "owner: nobody"))
    (folder / "teams.yml").mkdir()
    [finding] = run_check(tmp_path)
    assert (finding.path, finding.rule, finding.line, finding.column) == (
        "postmortems/teams.yml",
        "catalog-invalid",
        1,
        1,
    )
    assert finding.message == "teams.yml is a folder, not a YAML file"
    (folder / "teams.yml").rmdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "teams.yml").write_text("teams:\n  SECRET-TEAM: {members: [nobody]}\n")
    (folder / "teams.yml").symlink_to(outside / "teams.yml")
    [finding] = run_check(tmp_path)
    assert (finding.path, finding.rule) == ("postmortems/teams.yml", "catalog-invalid")
    assert "SECRET" not in finding.message


def test_a_teams_link_inside_the_repository_is_read(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "shared-teams.yml").write_text(TEAMS_YML)
    write_postmortem(tmp_path, front_matter=FM.replace("owner: team-db", "owner: team-dbb"))
    (tmp_path / "postmortems" / "teams.yml").symlink_to(tmp_path / "shared-teams.yml")
    assert [f.rule for f in run_check(tmp_path)] == ["unknown-owner"]
