"""The people-and-teams record: how a name resolves to a team or a person."""

from __future__ import annotations

from postmortem_kb.model.teams import Resolved, Team, Teams

DB = Team("team-db", "Databases", ("alice", "bob"), ("db-oncall", "team-dba"))
SRE = Team("team-sre", None, ("carol", "bob"), ("sre-oncall",), "#sre")
TEAMS = Teams("postmortems/teams.yml", {"team-db": DB, "team-sre": SRE})


def test_a_team_id_or_alias_resolves_to_the_team() -> None:
    assert TEAMS.resolve("team-db") == Resolved((DB,))
    assert TEAMS.resolve("team-dba") == Resolved((DB,))
    assert TEAMS.resolve("sre-oncall") == Resolved((SRE,))
    assert TEAMS.team("db-oncall") is DB
    resolved = TEAMS.resolve("db-oncall")
    assert resolved is not None
    assert resolved.is_team


def test_a_member_resolves_to_the_person_and_every_team_of_theirs() -> None:
    assert TEAMS.resolve("bob") == Resolved((DB, SRE), "bob")
    assert TEAMS.resolve("carol") == Resolved((SRE,), "carol")
    assert TEAMS.teams_of("bob") == (DB, SRE)
    assert TEAMS.teams_of("nobody") == ()
    assert TEAMS.is_person("alice")
    assert not TEAMS.is_person("team-db")
    assert not TEAMS.is_person("db-oncall")


def test_unknown_names_resolve_to_nothing() -> None:
    assert TEAMS.resolve("team-dbb") is None
    assert TEAMS.resolve("Alice") is None  # names are exact; "did you mean" finds the case
    assert TEAMS.team("alice") is None


def test_names_for_suggestions() -> None:
    assert TEAMS.people == ("alice", "bob", "carol")
    assert TEAMS.team_names == ("db-oncall", "sre-oncall", "team-db", "team-dba", "team-sre")
    assert set(TEAMS.names) == {*TEAMS.people, *TEAMS.team_names}


def test_labels_fall_back_to_the_id() -> None:
    assert DB.label == "Databases"
    assert SRE.label == "team-sre"


def test_a_team_id_wins_over_an_alias_and_a_member() -> None:
    """The loader drops such names; a record built by hand still resolves one way."""
    odd = Teams(
        "teams.yml",
        {
            "a": Team("a", aliases=("b", "x")),
            "b": Team("b", members=("a",)),
            "c": Team("c", aliases=("x",)),
        },
    )
    assert odd.team("b") is odd.teams["b"]
    assert odd.team("x") is odd.teams["a"]  # the first alias wins
    assert odd.resolve("a") == Resolved((odd.teams["a"],))
    assert not odd.is_person("a")
    assert odd.people == ()


def test_an_empty_catalog_knows_no_one() -> None:
    empty = Teams("teams.yml")
    assert empty.resolve("alice") is None
    assert empty.names == ()
