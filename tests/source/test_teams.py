"""Reading ``teams.yml``: every problem is a finding at its line, and never a traceback.

A mistake costs only the value it is in: the team keeps its other fields and the other
teams stay, so one typo never turns every owner of the archive into an unknown one.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from postmortem_kb.model.findings import Finding
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.teams import Team, Teams
from postmortem_kb.source.teams import load_teams, parse_teams

PATH = "postmortems/teams.yml"
GOOD = """\
teams:
  team-db:
    name: Databases
    members: [alice, bob]
    aliases: [db-oncall]
    channel: "#databases"
  team-sre:
    members: [carol, bob]
"""


def read(text: str) -> tuple[Teams | None, list[Finding]]:
    """Parse ``text`` as teams.yml; the teams and the findings."""
    report = Report(PATH, Settings().rule_levels)
    teams = parse_teams(textwrap.dedent(text), PATH, report)
    return teams, report.findings


def places(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in findings]


def test_a_valid_catalog() -> None:
    teams, findings = read(GOOD)
    assert findings == []
    assert teams is not None
    assert teams.path == PATH
    assert list(teams.teams) == ["team-db", "team-sre"]
    assert teams.teams["team-db"] == Team(
        "team-db", "Databases", ("alice", "bob"), ("db-oncall",), "#databases"
    )
    assert teams.teams["team-sre"] == Team("team-sre", members=("carol", "bob"))


def test_a_team_with_no_fields_is_a_team() -> None:
    teams, findings = read("teams:\n  team-db:\n  team-sre: {}\n")
    assert findings == []
    assert teams is not None
    assert list(teams.teams) == ["team-db", "team-sre"]


def test_an_empty_teams_key_is_an_empty_catalog() -> None:
    teams, findings = read("teams:\n")
    assert (teams, findings) == (Teams(PATH, {}), [])


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("", (1, 1), "teams.yml is a mapping of teams by id"),
        ("- team-db\n", (1, 1), "teams.yml is a mapping of teams by id"),
        ("team-db:\n  members: [alice]\n", (1, 1), "teams.yml has no 'teams:' key"),
        ("teams:\n  - team-db\n", (2, 3), "teams.yml is a mapping of teams by id"),
        ("teams: team-db\n", (1, 8), "teams.yml is a mapping of teams by id"),
    ],
    ids=["empty", "a-list", "no-teams-key", "teams-is-a-list", "teams-is-text"],
)
def test_a_file_of_the_wrong_shape_is_one_finding(
    text: str, where: tuple[int, int], message: str
) -> None:
    teams, findings = read(text)
    assert teams is None  # like a missing file: no flood of unknown owners
    assert places(findings) == [("catalog-invalid", *where)]
    assert findings[0].message == message
    assert findings[0].suggestion is not None
    assert "teams:" in findings[0].suggestion


@pytest.mark.parametrize(
    ("text", "rule", "where"),
    [
        ("teams:\n  team-db: [unclosed\n", "yaml-syntax", (3, 1)),
        ("teams:\n  team-db:\n\tmembers: [a]\n", "yaml-syntax", (3, 1)),
        ("teams:\n  a: &x {members: [alice]}\n  b: *x\n", "yaml-alias", (2, 6)),
        ("teams:\n  123: {}\n", "non-string-key", (2, 3)),
    ],
    ids=["unclosed", "tab", "alias", "number-as-id"],
)
def test_yaml_problems_keep_their_rules_and_places(
    text: str, rule: str, where: tuple[int, int]
) -> None:
    teams, findings = read(text)
    assert teams is None
    assert places(findings) == [(rule, *where)]


CASES = [
    # (name, teams.yml, expected (line, column, message), the teams kept as (id, members, aliases))
    (
        "unknown-key",
        "teams:\n  team-db:\n    colour: blue\n    members: [alice]\n",
        (3, 5, "team 'team-db': unknown key 'colour'"),
        [("team-db", ("alice",), ())],
    ),
    (
        "member-not-text",
        "teams:\n  team-db:\n    members: [alice, 5, bob]\n",
        (3, 22, "team 'team-db': members[1]: Input should be a valid string"),
        [("team-db", ("alice", "bob"), ())],
    ),
    (
        "members-not-a-list",
        "teams:\n  team-db:\n    members: alice\n    aliases: [db-oncall]\n",
        (3, 14, "team 'team-db': members: Input should be a valid list"),
        [("team-db", (), ("db-oncall",))],
    ),
    (
        "team-not-a-mapping",
        "teams:\n  team-db: [alice]\n  team-sre: {members: [carol]}\n",
        (2, 12, "team 'team-db' is not a mapping of fields"),
        [("team-db", (), ()), ("team-sre", ("carol",), ())],
    ),
    (
        "duplicate-team-id",
        "teams:\n  team-db:\n    members: [alice]\n  team-db:\n    members: [bob]\n",
        (4, 3, "team id 'team-db' is listed twice (first on line 2)"),
        [("team-db", ("bob",), ())],
    ),
    (
        "duplicate-key-in-a-team",
        "teams:\n  team-db:\n    members: [alice]\n    members: [bob]\n",
        (4, 5, "key 'members' of team 'team-db' is listed twice (first on line 3)"),
        [("team-db", ("bob",), ())],
    ),
    (
        "member-twice",
        "teams:\n  team-db:\n    members: [alice, bob, alice]\n",
        (3, 27, "team 'team-db' lists member 'alice' twice"),
        [("team-db", ("alice", "bob"), ())],
    ),
    (
        "alias-is-another-team-id",
        "teams:\n  team-db:\n    aliases: [team-sre, db-oncall]\n  team-sre: {}\n",
        (3, 15, "alias 'team-sre' of team 'team-db' is the id of team 'team-sre'"),
        [("team-db", (), ("db-oncall",)), ("team-sre", (), ())],
    ),
    (
        "alias-is-its-own-id",
        "teams:\n  team-db:\n    aliases: [team-db]\n",
        (3, 15, "alias 'team-db' of team 'team-db' is its own id"),
        [("team-db", (), ())],
    ),
    (
        "alias-of-two-teams",
        "teams:\n  team-db:\n    aliases: [oncall]\n  team-sre:\n    aliases: [oncall]\n",
        (5, 15, "alias 'oncall' is listed also by team 'team-db'"),
        [("team-db", (), ("oncall",)), ("team-sre", (), ())],
    ),
    (
        "member-named-like-a-team",
        "teams:\n  team-db:\n    members: [alice, team-sre]\n  team-sre: {}\n",
        (3, 22, "member 'team-sre' of team 'team-db' is also a team id"),
        [("team-db", ("alice",), ()), ("team-sre", (), ())],
    ),
    (
        "member-named-like-an-alias",
        "teams:\n  team-db:\n    members: [db-oncall]\n    aliases: [db-oncall]\n",
        (3, 15, "member 'db-oncall' of team 'team-db' is also an alias of team 'team-db'"),
        [("team-db", (), ("db-oncall",))],
    ),
    (
        "id-with-spaces",
        "teams:\n  ' team-db':\n    members: [alice]\n  team-sre: {}\n",
        (2, 3, "team id ' team-db' is empty or has spaces around it"),
        [("team-sre", (), ())],
    ),
    (
        "unknown-top-level-key",
        "teams:\n  team-db: {}\nowners: [alice]\n",
        (3, 1, "unknown key 'owners'"),
        [("team-db", (), ())],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected", "kept"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_mistake_is_one_located_finding_and_costs_only_its_value(
    text: str,
    expected: tuple[int, int, str],
    kept: list[tuple[str, tuple[str, ...], tuple[str, ...]]],
) -> None:
    teams, findings = read(text)
    assert [(f.rule, f.line, f.column, f.message) for f in findings] == [
        ("catalog-invalid", *expected)
    ]
    assert teams is not None
    assert [(t.id, t.members, t.aliases) for t in teams.teams.values()] == kept


def test_a_misspelt_key_gets_a_suggestion() -> None:
    _, findings = read("teams:\n  team-db:\n    member: [alice]\n")
    assert [f.suggestion for f in findings] == ["did you mean 'members'?"]
    _, findings = read("teams:\n  team-db:\n    lead: alice\n")
    assert findings[0].suggestion == (
        "the keys of a team: name, description, members, aliases, channel"
    )


def test_every_mistake_of_one_team_is_reported() -> None:
    text = "teams:\n  team-db:\n    name: 7\n    members: [1, alice, 2]\n    colour: red\n"
    teams, findings = read(text)
    assert places(findings) == [
        ("catalog-invalid", 3, 11),
        ("catalog-invalid", 4, 15),
        ("catalog-invalid", 4, 25),
        ("catalog-invalid", 5, 5),
    ]
    assert teams is not None
    assert teams.teams["team-db"] == Team("team-db", members=("alice",))


def test_a_file_that_is_not_there_is_no_catalog(tmp_path: Path) -> None:
    report = Report(PATH, Settings().rule_levels)
    assert load_teams(tmp_path / "teams.yml", PATH, report) is None
    assert report.findings == []


def test_a_file_that_is_not_utf8_is_one_finding(tmp_path: Path) -> None:
    file = tmp_path / "teams.yml"
    file.write_bytes(b"teams:\n  team-db:\n    name: \xff\n")
    report = Report(PATH, Settings().rule_levels)
    assert load_teams(file, PATH, report) is None
    assert places(report.findings) == [("catalog-invalid", 1, 1)]
    assert report.findings[0].message.startswith("cannot read teams.yml:")


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    file = tmp_path / "teams.yml"
    file.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    report = Report(PATH, Settings().rule_levels)
    teams = load_teams(file, PATH, report)
    assert report.findings == []
    assert teams is not None
    assert list(teams.teams) == ["team-db", "team-sre"]


def test_the_rule_can_be_turned_off() -> None:
    report = Report(PATH, Settings.from_options({"rules": {"catalog-invalid": "off"}}).rule_levels)
    teams = parse_teams("teams:\n  team-db:\n    colour: blue\n", PATH, report)
    assert report.findings == []
    assert teams is not None
    assert list(teams.teams) == ["team-db"]
