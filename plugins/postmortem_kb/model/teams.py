"""People and teams: the optional catalog ``postmortems/teams.yml`` as an immutable record.

An action item's ``owner`` names a team (its id or one of its aliases, such as a former
name) or a person (a member of a team); authors and participants name people (participants
may also name a team, such as an on-call rotation). :class:`Teams` answers every lookup the
checker, the archive index and the command line need, so they all resolve a name the same
way: a team id first, then an alias, then a member.

The loader (``source.teams``) reports and drops everything ambiguous (an alias that is also
a team id or another team's alias, a member named like a team), so for a loaded catalog
each name resolves to exactly one thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Team:
    """One team of ``teams.yml``."""

    id: str
    name: str | None = None
    members: tuple[str, ...] = ()  # people, in file order, each once
    aliases: tuple[str, ...] = ()  # other names of the team (former names, rotations)
    channel: str | None = None  # where to reach the team, e.g. "#payments"
    description: str | None = None

    @property
    def label(self) -> str:
        """The display name, falling back to the id."""
        return self.name or self.id


@dataclass(frozen=True)
class Resolved:
    """What a name resolves to: a team (``person`` is None), or a person and their teams."""

    teams: tuple[Team, ...]  # the team named, or every team the person is a member of
    person: str | None = None

    @property
    def is_team(self) -> bool:
        """True when the name is a team id or alias."""
        return self.person is None


@dataclass(frozen=True)
class Teams:
    """The teams of ``teams.yml`` by id (file order), with lookups by any name.

    ``path`` is the catalog as shown in findings (``postmortems/teams.yml``).
    """

    path: str
    teams: Mapping[str, Team] = field(default_factory=dict)

    @cached_property
    def _by_name(self) -> dict[str, Team]:
        """Each team id and alias -> its team (ids win over aliases, first alias wins)."""
        found: dict[str, Team] = {}
        for team in self.teams.values():
            for alias in team.aliases:
                found.setdefault(alias, team)
        found.update(self.teams)
        return found

    @cached_property
    def _by_person(self) -> dict[str, tuple[Team, ...]]:
        """Each member -> the teams they are a member of, in file order."""
        found: dict[str, list[Team]] = {}
        for team in self.teams.values():
            for person in dict.fromkeys(team.members):
                found.setdefault(person, []).append(team)
        return {person: tuple(teams) for person, teams in found.items()}

    def team(self, name: str) -> Team | None:
        """The team whose id or alias is ``name``; None otherwise."""
        return self._by_name.get(name)

    def teams_of(self, person: str) -> tuple[Team, ...]:
        """The teams ``person`` is a member of, in file order (empty when none)."""
        return self._by_person.get(person, ())

    def is_person(self, name: str) -> bool:
        """True when ``name`` is a member of some team (and not a team id or alias)."""
        return name in self._by_person and name not in self._by_name

    def resolve(self, name: str) -> Resolved | None:
        """What an owner ``name`` stands for: its team (a team id or alias), or the person
        and their teams (a member); None when it is neither."""
        team = self.team(name)
        if team is not None:
            return Resolved((team,))
        if name in self._by_person:
            return Resolved(self._by_person[name], name)
        return None

    @cached_property
    def people(self) -> tuple[str, ...]:
        """Every member of any team, sorted."""
        return tuple(sorted(person for person in self._by_person if person not in self._by_name))

    @cached_property
    def team_names(self) -> tuple[str, ...]:
        """Every team id and alias, sorted (choices for "did you mean" of a team)."""
        return tuple(sorted(self._by_name))

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every team id, alias and member, sorted (choices for "did you mean" of an owner)."""
        return tuple(sorted({*self._by_name, *self._by_person}))
