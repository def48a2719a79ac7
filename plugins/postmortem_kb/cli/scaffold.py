"""Write a new postmortem from the template, never overwriting an existing file.

The draft proposes, as comments the author confirms, a review meeting within the severity's
review policy and the stakeholders to invite: the teams owning the given services.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from postmortem_kb.check.cross_file import ArchiveContext
from postmortem_kb.check.policies import add_days, days_in_words, stakeholders
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import did_you_mean, slugify
from postmortem_kb.source.atomic import write_temporary


class ScaffoldError(Exception):
    """The postmortem cannot be created; the message says why."""


@dataclass(frozen=True)
class Proposals:
    """What ``postmortem new`` proposes, as comments the author confirms: a review meeting
    within the severity's policy (``why`` says which), and the stakeholders (the teams
    owning the services, with the services each owns)."""

    review_meeting: dt.date | None = None
    why: str = ""
    stakeholders: tuple[tuple[str, tuple[str, ...]], ...] = ()


def proposals(
    context: ArchiveContext,
    settings: Settings,
    severity: str,
    services: Sequence[str],
    day: dt.date,
    today: dt.date,
) -> Proposals:
    """A review meeting on the last day the severity's policy allows, counted from ``day``
    (the incident's resolution is not known yet; never before ``today``), and the teams
    owning ``services`` in ``services.yml``."""
    owners = tuple(
        (stakeholder.owner, stakeholder.services)
        for stakeholder in stakeholders(services, context.services, context.teams)
    )
    policy = settings.policy(severity)
    if policy is None or policy.review_within is None:
        return Proposals(stakeholders=owners)
    due = add_days(day, policy.review_within, policy.business_days)
    allowed = days_in_words(policy, policy.review_within)
    why = f"the {severity} policy asks for the review within {allowed} of resolution"
    if due < today:
        why += f" (by {due} if it was resolved on {day}: as soon as possible)"
    return Proposals(max(due, today), why, owners)


def render_new(
    title: str,
    day: dt.date,
    severity: str,
    services: list[str],
    author: str,
    causes: Sequence[str] = (),
    proposed: Proposals = Proposals(),
) -> str:
    """Render the Markdown of a new draft postmortem."""
    env = Environment(
        loader=PackageLoader("postmortem_kb.cli", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # renders Markdown and YAML, not HTML
    )
    env.filters["yaml_str"] = _yaml_str
    env.filters["comment"] = _comment
    return env.get_template("new_postmortem.md.j2").render(
        title=title,
        date=day,
        severity=severity,
        services=services,
        causes=causes,
        author=author,
        proposed=proposed,
    )


def _comment(value: str) -> str:
    """Text for a YAML comment: on one line."""
    return " ".join(str(value).split())


def _yaml_str(value: str) -> str:
    """Quote a value for YAML: a JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(value, ensure_ascii=False)


def unknown_values(
    context: ArchiveContext,
    services: Sequence[str],
    causes: Sequence[str],
    authors: Sequence[str] = (),
) -> list[str]:
    """Say which services and causes are missing from their catalogs, and which authors are
    not members of a team in ``teams.yml`` (none without the catalog)."""
    problems: list[str] = []
    for option, values, catalog in (
        ("--service", services, context.services),
        ("--cause", causes, context.causes),
    ):
        if catalog is None:
            continue
        for value in values:
            if value not in catalog.entries:
                hint = did_you_mean(value, catalog.entries) or (
                    f"use one of: {', '.join(sorted(catalog.entries))}"
                    if catalog.entries
                    else f"{catalog.path} lists none"
                )
                problems.append(f"{option} '{value}' is not in {catalog.path}; {hint}")
    teams = context.teams
    for author in authors if teams is not None else ():
        assert teams is not None
        if not teams.is_person(author):
            hint = did_you_mean(author, teams.people) or "add them to the members of their team"
            problems.append(
                f"--author '{author}' is not a member of any team in {teams.path}; {hint}"
            )
    return problems


def create_postmortem(
    folder: Path,
    title: str,
    day: dt.date,
    severity: str,
    services: list[str],
    author: str,
    causes: Sequence[str] = (),
    proposed: Proposals = Proposals(),
) -> Path:
    """Create ``<folder>/<date>-<slug>.md`` atomically; refuse to replace an existing file."""
    slug = slugify(title)
    if not slug:
        raise ScaffoldError("the title has no letters or digits to build a file name from")
    path = folder / f"{day.isoformat()}-{slug}.md"
    if path.exists():
        raise ScaffoldError(f"{path} already exists; choose another title or edit that file")
    content = render_new(title, day, severity, services, author, causes, proposed)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_new_file(path, content)
    except OSError as error:
        raise ScaffoldError(f"cannot write {path}: {error.strerror or error}") from error
    return path


def write_new_file(path: Path, content: str) -> None:
    """Write ``content`` to a new file atomically: a complete file appears, or nothing."""
    temp = write_temporary(path, content)
    try:
        try:
            os.link(temp, path)  # fails if the path exists: no overwrite, even in a race
        except FileExistsError as error:
            raise ScaffoldError(f"{path} already exists; nothing was written") from error
        except OSError as error:
            if error.errno not in _NO_HARD_LINKS:
                raise
            _write_exclusively(path, content)  # a file system without hard links
    finally:
        temp.unlink(missing_ok=True)


_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}


def _write_exclusively(path: Path, content: str) -> None:
    """Create ``path`` only if it does not exist; remove it again if writing fails."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError as error:
        raise ScaffoldError(f"{path} already exists; nothing was written") from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        path.unlink(missing_ok=True)
        raise
