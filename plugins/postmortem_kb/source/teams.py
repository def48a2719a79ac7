"""Read the optional catalog of people and teams, ``postmortems/teams.yml``.

```yaml
teams:
  team-payments:
    name: Payments
    members: [alice, rafael]
    aliases: [payments-team]      # optional, e.g. former names
    channel: "#payments"          # optional
```

Every problem is a ``catalog-invalid`` finding at the line of the value (YAML errors keep
their own rules), and nothing raises. A team with an invalid field keeps its other fields,
and an ambiguous name is dropped where it is ambiguous, so one mistake never turns every
owner of the archive into an unknown one. A file that cannot be read as a whole gives
None, like a missing one: its finding fails the check, without one more per owner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from postmortem_kb.model.front_matter import Text
from postmortem_kb.model.record import Positions, YamlPath
from postmortem_kb.model.report import Report
from postmortem_kb.model.teams import Team, Teams
from postmortem_kb.model.text import did_you_mean
from postmortem_kb.source.front_matter import parse_yaml

TEAMS_FILE = "teams.yml"
RULE = "catalog-invalid"
SHAPE_HINT = (
    "write 'teams:' and under it one entry per team id, e.g. "
    "'team-payments: {name: Payments, members: [alice, rafael]}'"
)


class TeamEntry(BaseModel):
    """A team as written under its id in ``teams.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text | None = None
    description: Text | None = None
    members: list[Text] = []
    aliases: list[Text] = []
    channel: Text | None = None


TEAM_KEYS = tuple(TeamEntry.model_fields)


def load_teams(file: Path, display: str, report: Report) -> Teams | None:
    """Load ``teams.yml``; None when it does not exist or cannot be read as a whole."""
    if not file.is_file():
        return None
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        report.add(RULE, 1, 1, f"cannot read {TEAMS_FILE}: {error}")
        return None
    return parse_teams(text, display, report)


def parse_teams(text: str, display: str, report: Report) -> Teams | None:
    """The teams of a ``teams.yml`` holding ``text``, reporting every problem to ``report``."""
    _report_duplicate_keys(text, report)
    # Duplicates are reported above as catalog problems; reading goes on (the last one wins).
    inner = Report(report.path, {**report.rule_levels, "duplicate-key": None})
    data, positions, ok = parse_yaml(text, inner, first_line=1)
    report.findings.extend(inner.findings)
    if not ok:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("teams"), dict | None):
        line, column = positions.of_value(("teams",) if isinstance(data, dict) else ())
        report.add(RULE, line, column, f"{TEAMS_FILE} is a mapping of teams by id", SHAPE_HINT)
        return None
    if "teams" not in data:
        report.add(RULE, 1, 1, f"{TEAMS_FILE} has no 'teams:' key", SHAPE_HINT)
        return None
    for key in data:
        if key != "teams":
            line, column = positions.of_key((key,))
            report.add(RULE, line, column, f"unknown key '{key}'", "the file has one key: 'teams'")
    return Teams(display, _teams(data.get("teams") or {}, positions, report))


def _teams(data: dict[Any, Any], positions: Positions, report: Report) -> dict[str, Team]:
    """Validate each team, then drop what is ambiguous across teams."""
    entries: dict[str, TeamEntry] = {}
    for team_id, value in data.items():
        where: YamlPath = ("teams", team_id)
        if not team_id.strip() or team_id != team_id.strip():
            line, column = positions.of_key(where)
            report.add(RULE, line, column, f"team id '{team_id}' is empty or has spaces around it")
            continue
        entries[team_id] = _entry(team_id, value, where, positions, report)
    aliases: dict[str, str] = {}  # alias -> the team that has it
    teams: dict[str, Team] = {}
    for team_id, entry in entries.items():
        where = ("teams", team_id)
        kept_aliases: list[str] = []
        for index, alias in enumerate(entry.aliases):
            line, column = positions.of_value((*where, "aliases", index))
            if alias in entries:
                other = "its own id" if alias == team_id else f"the id of team '{alias}'"
                report.add(
                    RULE,
                    line,
                    column,
                    f"alias '{alias}' of team '{team_id}' is {other}",
                    "an alias is another name of one team: remove it",
                )
            elif alias in aliases:
                owner = aliases[alias]
                other = "twice" if owner == team_id else f"also by team '{owner}'"
                report.add(
                    RULE,
                    line,
                    column,
                    f"alias '{alias}' is listed {other}",
                    "an alias names one team: keep it once",
                )
            else:
                aliases[alias] = team_id
                kept_aliases.append(alias)
        teams[team_id] = Team(
            team_id,
            entry.name,
            (),
            tuple(kept_aliases),
            entry.channel,
            entry.description,
        )
    for team_id, entry in entries.items():
        where = ("teams", team_id)
        members: list[str] = []
        for index, person in enumerate(entry.members):
            line, column = positions.of_value((*where, "members", index))
            if person in members:
                report.add(
                    RULE,
                    line,
                    column,
                    f"team '{team_id}' lists member '{person}' twice",
                    "keep one of them",
                )
            elif person in entries or person in aliases:
                kind = "a team id" if person in entries else f"an alias of team '{aliases[person]}'"
                report.add(
                    RULE,
                    line,
                    column,
                    f"member '{person}' of team '{team_id}' is also {kind}",
                    "owners name a team or a person: give them different names",
                )
            else:
                members.append(person)
        team = teams[team_id]
        teams[team_id] = Team(
            team.id, team.name, tuple(members), team.aliases, team.channel, team.description
        )
    return teams


def _entry(
    team_id: str, value: Any, where: YamlPath, positions: Positions, report: Report
) -> TeamEntry:
    """One team's fields; each invalid field (or list element) is reported and left out."""
    if value is None:
        return TeamEntry()
    if not isinstance(value, dict):
        line, column = positions.of_value(where)
        report.add(
            RULE,
            line,
            column,
            f"team '{team_id}' is not a mapping of fields",
            f"write its fields under the id: {', '.join(TEAM_KEYS)}",
        )
        return TeamEntry()
    data = dict(value)
    try:
        return TeamEntry.model_validate(data)
    except ValidationError as error:
        problems = error.errors(include_url=False)
    dropped: dict[str, set[int] | None] = {}  # field -> list indexes to leave out (None: all)
    for problem in problems:
        loc = tuple(problem["loc"])
        key = str(loc[0]) if loc else ""
        if problem["type"] == "extra_forbidden":
            line, column = positions.of_key((*where, *loc))
            report.add(
                RULE,
                line,
                column,
                f"team '{team_id}': unknown key '{key}'",
                did_you_mean(key, TEAM_KEYS) or f"the keys of a team: {', '.join(TEAM_KEYS)}",
            )
        else:
            line, column = positions.of_value((*where, *loc))
            dotted = key + "".join(f"[{part}]" for part in loc[1:])
            report.add(RULE, line, column, f"team '{team_id}': {dotted}: {problem['msg']}")
        indexes = dropped.setdefault(key, set())
        if len(loc) == 2 and isinstance(loc[1], int) and indexes is not None:
            indexes.add(loc[1])
        else:
            dropped[key] = None
    for key, indexes in dropped.items():
        value = data.pop(key, None)
        if indexes is not None and isinstance(value, list):
            data[key] = [item for index, item in enumerate(value) if index not in indexes]
    try:
        return TeamEntry.model_validate(data)
    except ValidationError:  # pragma: no cover - every invalid value was left out
        return TeamEntry()


def _report_duplicate_keys(text: str, report: Report) -> None:
    """Report a key written twice in the file, in a team or among the team ids (YAML would
    silently keep the last); positions come from the YAML nodes, aliases are not followed."""
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return  # reported when the file is read
    pending: list[tuple[yaml.Node, int, str]] = [(node, 0, "")] if node is not None else []
    seen: set[int] = set()  # an alias is reported when the file is read, not followed here
    while pending:
        current, depth, owner = pending.pop()
        if not isinstance(current, yaml.MappingNode) or depth > 2 or id(current) in seen:
            continue
        seen.add(id(current))
        first: dict[str, int] = {}
        for key_node, value_node in current.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key, line = key_node.value, key_node.start_mark.line + 1
            if key in first:
                what = {0: f"key '{key}'", 1: f"team id '{key}'"}.get(
                    depth, f"key '{key}' of team '{owner}'"
                )
                report.add(
                    RULE,
                    line,
                    key_node.start_mark.column + 1,
                    f"{what} is listed twice (first on line {first[key]})",
                    "keep one of them; the last one is used",
                )
                continue
            first[key] = line
            if depth == 0 and key != "teams":
                continue
            pending.append((value_node, depth + 1, key))
