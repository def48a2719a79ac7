"""Rules that look beyond one file: related ids, the service and cause catalogs, and the
people and teams of ``teams.yml`` (owners, authors, participants, and catalog owners)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from postmortem_kb.model.record import Positions, References
from postmortem_kb.model.report import Report
from postmortem_kb.model.teams import Teams
from postmortem_kb.model.text import did_you_mean
from postmortem_kb.source.catalog import Catalog


@dataclass(frozen=True)
class ArchiveContext:
    """What a single postmortem is checked against: the archive's ids and the catalogs
    (each None when its file does not exist: any value is then accepted)."""

    list_ids: Callable[[], Iterable[str]] = tuple  # called once, if a rule needs the ids
    services: Catalog | None = None
    causes: Catalog | None = None
    teams: Teams | None = None

    @cached_property
    def ids(self) -> frozenset[str]:
        """Every postmortem id of the archive."""
        return frozenset(self.list_ids())


def check_cross_file(
    pm_id: str,
    references: References,
    positions: Positions,
    context: ArchiveContext,
    report: Report,
) -> None:
    """Report unknown related ids, services or causes missing from the catalogs, and
    owners, authors and participants missing from ``teams.yml``."""
    for index, related in enumerate(references.related):
        if related == pm_id:
            line, column = positions.of_value(("related", index))
            report.add("self-related", line, column, "a postmortem cannot be related to itself")
        elif related not in context.ids:
            line, column = positions.of_value(("related", index))
            report.add(
                "unknown-related",
                line,
                column,
                f"related postmortem '{related}' does not exist",
                did_you_mean(related, context.ids),
            )
    _check_catalog(
        "services", "unknown-service", references.services, context.services, positions, report
    )
    _check_catalog("causes", "unknown-cause", references.causes, context.causes, positions, report)
    if context.teams is not None:
        _check_people(references, positions, context.teams, report)


def _check_catalog(
    key: str,
    rule: str,
    values: tuple[str, ...],
    catalog: Catalog | None,
    positions: Positions,
    report: Report,
) -> None:
    if catalog is None:
        return
    for index, value in enumerate(values):
        if value in catalog.entries:
            continue
        line, column = positions.of_value((key, index))
        report.add(
            rule,
            line,
            column,
            f"'{value}' is not in the catalog {catalog.path}",
            did_you_mean(value, catalog.entries)
            or f"add it to {catalog.path} or use one of: {', '.join(sorted(catalog.entries))}",
        )


def _check_people(
    references: References, positions: Positions, teams: Teams, report: Report
) -> None:
    """Owners must be a team, an alias or a member; authors must be members; participants
    members, or a team (an on-call rotation, a stakeholder team)."""
    for index, owner in references.owners:
        if teams.resolve(owner) is not None:
            continue
        line, column = positions.of_value(("action_items", index, "owner"))
        report.add(
            "unknown-owner",
            line,
            column,
            f"owner '{owner}' is not a team, an alias of one or a member of one in {teams.path}",
            did_you_mean(owner, teams.names)
            or f"add it to {teams.path}: as a team id, under a team's 'aliases', or under "
            "a team's 'members'",
        )
    for key, names in (("authors", references.authors), ("participants", references.participants)):
        for index, name in enumerate(names):
            if teams.is_person(name):
                continue
            team = teams.team(name)
            if team is not None and key == "participants":
                continue
            line, column = positions.of_value((key, index))
            if team is not None:
                members = ", ".join(team.members)
                report.add(
                    "unknown-person",
                    line,
                    column,
                    f"author '{name}' is a team in {teams.path}, not a person",
                    f"name the people who wrote it (members of {team.id}: {members})"
                    if members
                    else "name the people who wrote it",
                )
                continue
            choices = teams.people if key == "authors" else teams.names
            what = "not a member of any team" if key == "authors" else "neither a member nor a team"
            report.add(
                "unknown-person",
                line,
                column,
                f"{key[:-1]} '{name}' is {what} in {teams.path}",
                did_you_mean(name, choices)
                or f"add them to the 'members' of their team in {teams.path}",
            )


def check_catalog_owners(catalog: Catalog, teams: Teams, report: Report) -> None:
    """Report entries of a catalog (``services.yml``) whose ``owner`` is not a team of
    ``teams.yml`` (its id or an alias), at the line of the owner."""
    for entry_id, entry in catalog.entries.items():
        owner = entry.owner
        if owner is None or teams.team(owner) is not None:
            continue
        line, column = catalog.position(entry_id, "owner")
        their = [team.id for team in teams.teams_of(owner)]
        if their:
            message = f"owner '{owner}' of '{entry_id}' is a person; an owner here is a team"
            hint = f"use {'their team' if len(their) == 1 else 'one of their teams'}: " + (
                ", ".join(their)
            )
        else:
            message = f"owner '{owner}' of '{entry_id}' is not a team in {teams.path}"
            hint = did_you_mean(owner, teams.team_names) or (
                f"add the team to {teams.path}"
                + (f", or use one of: {', '.join(sorted(teams.teams))}" if teams.teams else "")
            )
        report.add("unknown-owner", line, column, message, hint)
