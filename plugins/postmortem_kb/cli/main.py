"""The ``postmortem`` command: ``new``, ``check``, ``actions``, ``schema``, ``rules``, ``import``
and ``generate``.

Thin glue over the core; ``check`` and ``actions`` never import MkDocs (start-up time matters
for pre-commit and pull-request checks).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

import click

from postmortem_kb import __version__
from postmortem_kb.archive.archive import Archive, load_archive, load_context
from postmortem_kb.archive.cache import CheckCache, cache_folder
from postmortem_kb.cli.formats import ACTION_FORMATS, FINDING_FORMATS
from postmortem_kb.cli.generate import generate
from postmortem_kb.cli.importer import import_command
from postmortem_kb.cli.output import format_findings
from postmortem_kb.model.clock import today
from postmortem_kb.model.findings import Finding, fails, sort_key
from postmortem_kb.model.front_matter import json_schema
from postmortem_kb.model.settings import SettingsError
from postmortem_kb.model.text import plural
from postmortem_kb.source.catalog import CAUSES_FILE, SERVICES_FILE
from postmortem_kb.source.changes import GitError, Selection, changes_since, select_files
from postmortem_kb.source.files import discover
from postmortem_kb.source.mkdocs_yml import SiteConfig, read_site_config
from postmortem_kb.source.teams import TEAMS_FILE

USAGE_ERROR = 2
DIGEST_DAYS = 14  # the digest's default --due-within, as the team pages' "due soon"


def _site(config: str | None) -> SiteConfig:
    try:
        return read_site_config(Path(config or "mkdocs.yml"), required=config is not None)
    except SettingsError as error:
        raise click.UsageError(f"configuration: {error}") from error


config_option = click.option(
    "--config",
    "-f",
    "config",
    metavar="FILE",
    help="mkdocs.yml whose 'postmortems' plugin options apply [default: mkdocs.yml if present]",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="postmortem")
def main() -> None:
    """Write and check blameless incident postmortems."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(FINDING_FORMATS), default="text", show_default=True
)
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option(
    "--changed-since",
    "changed_since",
    metavar="REF",
    help="Check only the postmortems added, changed or renamed since the git REF (its merge "
    "base with HEAD, plus uncommitted and untracked files), and those whose 'related' names "
    "an added, renamed or deleted one.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep checking PATHS: each time one is saved, print the new and the fixed findings "
    "(text format); Ctrl-C stops.",
)
@click.option(
    "--today",
    "day",
    metavar="YYYY-MM-DD",
    help="The day the review policies are checked on (review-overdue, publish-overdue) "
    "[default: today, or SOURCE_DATE_EPOCH's day].",
)
@config_option
def check(
    paths: tuple[Path, ...],
    fmt: str,
    strict: bool,
    changed_since: str | None,
    watch: bool,
    day: str | None,
    config: str | None,
) -> None:
    """Check postmortems: the given files or folders, or the whole archive.

    Exit status: 0 when nothing fails, 1 when findings fail, 2 on a usage or configuration
    problem (including a git problem with --changed-since). --watch ends with 0.
    """
    on = _today(day)  # one "today" for the whole run
    if paths and changed_since is not None:
        raise click.UsageError("give either PATHS or --changed-since, not both")
    if watch and (not paths or fmt != "text"):
        raise click.UsageError("--watch needs the files to watch, and the text format")
    site = _site(config)
    files: list[Path] | None = _files_to_check(paths, site) if paths else None
    if watch and files is not None:
        _watch(files, site, config, on)
        return
    if changed_since is not None:
        selection = _changed(changed_since, site, config)
        if selection.files == []:
            _no_changes(selection.describe(), fmt)
            return
        click.echo(f"postmortem check: {selection.describe()}", err=True)
        files = selection.files
    archive = _load(site, config, files, on)
    findings = sorted(archive.findings(), key=sort_key)
    output = format_findings(findings, len(archive.postmortems), fmt)
    if output:
        click.echo(output)
    sys.exit(1 if any(fails(f, strict=strict) for f in findings) else 0)


def _today(day: str | None) -> dt.date:
    """The day of ``--today``, else today (or the day ``SOURCE_DATE_EPOCH`` fixes)."""
    try:
        return dt.date.fromisoformat(day) if day else today()
    except ValueError as error:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--today") from error


def _watch(files: list[Path], site: SiteConfig, config: str | None, on: dt.date) -> None:
    """Check ``files`` again each time one of them, or a catalog, is saved."""
    from postmortem_kb.cli.watch import HeldCache, watch

    folder = _cache_folder(site, config)
    cache = None if folder is None else HeldCache(folder, site.settings)

    def check_files() -> tuple[list[Finding], int]:
        archive = load_archive(site.archive_dir, Path.cwd(), site.settings, files, cache, on)
        return sorted(archive.findings(), key=sort_key), len(archive.postmortems)

    catalogs = [site.archive_dir / name for name in (SERVICES_FILE, CAUSES_FILE, TEAMS_FILE)]
    click.echo(f"watching {plural(len(files), 'file')}; Ctrl-C stops", err=True)
    watch([*files, *catalogs], check_files, click.echo)
    if cache is not None:
        cache.write()


def _load(
    site: SiteConfig,
    config: str | None,
    files: list[Path] | None = None,
    on: dt.date | None = None,
) -> Archive:
    """Load the archive (or ``files``), through the site's cache when it has a ``mkdocs.yml``;
    the review policies are checked on ``on`` (default: today)."""
    folder = _cache_folder(site, config)
    cache = None if folder is None else CheckCache(folder, site.settings)
    return load_archive(site.archive_dir, Path.cwd(), site.settings, files, cache, on)


def _cache_folder(site: SiteConfig, config: str | None) -> Path | None:
    """The check cache's folder, when caching is on and the site has a ``mkdocs.yml``."""
    return (
        cache_folder(site.base, site.settings) if Path(config or "mkdocs.yml").is_file() else None
    )


def _changed(ref: str, site: SiteConfig, config: str | None) -> Selection:
    """The files ``--changed-since REF`` checks; git problems exit with status 2."""
    try:
        changes = changes_since(ref, site.archive_dir, Path(config or "mkdocs.yml"))
    except GitError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(USAGE_ERROR)
    return select_files(changes, site.archive_dir, site.settings)


def _no_changes(message: str, fmt: str) -> None:
    """Nothing to check: say so in the chosen format, and pass."""
    if fmt == "text":
        click.echo(message)
        return
    click.echo(f"postmortem check: {message}", err=True)
    if fmt == "json":
        click.echo(format_findings([], 0, fmt))
    else:  # an annotation without a file shows in the run's summary
        escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        click.echo(f"::notice title=postmortem check::{escaped}")


def _files_to_check(paths: tuple[Path, ...], site: SiteConfig) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(discover(path))
        elif path.is_file():
            files.append(path)
        else:
            raise click.UsageError(f"'{path}' does not exist")
    return files


@main.command()
@click.argument("title")
@click.option("--service", "-s", "services", multiple=True, help="Affected service (repeatable).")
@click.option("--cause", "causes", multiple=True, help="Contributing cause (repeatable).")
@click.option("--severity", default=None, help="Severity level [default: the last configured].")
@click.option(
    "--date",
    "day",
    default=None,
    metavar="YYYY-MM-DD",
    help="Day the incident started [default: today].",
)
@click.option("--author", default=None, help="Author handle [default: from git or $USER].")
@click.option(
    "--force",
    is_flag=True,
    help="Accept services, causes and an author missing from the catalogs.",
)
@config_option
def new(
    title: str,
    services: tuple[str, ...],
    causes: tuple[str, ...],
    severity: str | None,
    day: str | None,
    author: str | None,
    force: bool,
    config: str | None,
) -> None:
    """Create a draft postmortem from the template (never overwrites a file).

    Services and causes must be in the catalogs (services.yml, causes.yml) and --author a
    member of a team (teams.yml) when there are catalogs; an unknown one exits with status 2
    and writes nothing, unless --force.
    """
    from postmortem_kb.cli.scaffold import (
        ScaffoldError,
        create_postmortem,
        proposals,
        unknown_values,
    )

    site = _site(config)
    levels = site.settings.severities
    severity = severity or levels[-1]
    if severity not in levels:
        raise click.BadParameter(
            f"'{severity}' is not one of {', '.join(levels)}", param_hint="--severity"
        )
    try:
        incident_day = dt.date.fromisoformat(day) if day else today()
    except ValueError as error:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--date") from error
    context, catalog_findings = load_context(site.archive_dir, Path.cwd(), site.settings)
    for finding in catalog_findings:
        click.echo(f"warning: {finding.location()}: {finding.message}", err=True)
    problems = unknown_values(context, services, causes, [author] if author else [])
    for problem in problems:
        click.echo(f"{'warning' if force else 'error'}: {problem}", err=True)
    if problems and not force:
        click.echo("nothing was written; fix the values, or use --force to keep them", err=True)
        sys.exit(USAGE_ERROR)
    if not author:
        author = _default_author()
        if context.teams is not None and not context.teams.is_person(author):
            click.echo(
                f"warning: the author '{author}' (from git or $USER) is not a member of any "
                f"team in {context.teams.path}; pass --author HANDLE or edit 'authors'",
                err=True,
            )
    proposed = proposals(context, site.settings, severity, services, incident_day, today())
    try:
        path = create_postmortem(
            site.archive_dir,
            title,
            incident_day,
            severity,
            list(services),
            author,
            causes,
            proposed,
        )
    except ScaffoldError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"created {os.path.relpath(path)}")
    if proposed.review_meeting or proposed.stakeholders:
        click.echo(
            "proposed in comments: "
            + " and ".join(
                what
                for what, shown in (
                    (f"a review meeting on {proposed.review_meeting}", proposed.review_meeting),
                    ("the teams to invite", proposed.stakeholders),
                )
                if shown
            )
            + "; confirm them in the front matter"
        )
    click.echo("next: fill in each section, then run `postmortem check`")


def _default_author() -> str:
    try:
        email = subprocess.run(
            ["git", "config", "user.email"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        email = ""
    return email.split("@")[0] if email else getpass.getuser()


@main.command()
@click.option(
    "--owner", "owners", multiple=True, metavar="OWNER", help="Owned by OWNER (repeatable)."
)
@click.option(
    "--team",
    "-t",
    "teams",
    multiple=True,
    metavar="TEAM",
    help="Owed by TEAM, a team id or alias of teams.yml: its own items and its members' "
    "(repeatable).",
)
@click.option(
    "--service",
    "-s",
    "services",
    multiple=True,
    metavar="SERVICE",
    help="From postmortems of SERVICE (repeatable).",
)
@click.option("--overdue", is_flag=True, help="Only open items past their due date.")
@click.option(
    "--due-within",
    "due_within",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Only open items due within DAYS of today, overdue ones included "
    f"[default with --format markdown: {DIGEST_DAYS}].",
)
@click.option(
    "--closed", "state", flag_value="closed", help="Closed items (done, wont-do) instead."
)
@click.option("--all", "state", flag_value="all", help="Open and closed items.")
@click.option(
    "--today",
    "day",
    metavar="YYYY-MM-DD",
    help="The day items are overdue or due on [default: today, or SOURCE_DATE_EPOCH's day].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(ACTION_FORMATS),
    default="table",
    show_default=True,
    help="json and csv rows are those of the site's action-items.json and .csv; markdown is "
    "the weekly digest, by team.",
)
@config_option
def actions(
    owners: tuple[str, ...],
    teams: tuple[str, ...],
    services: tuple[str, ...],
    overdue: bool,
    due_within: int | None,
    state: str | None,
    day: str | None,
    fmt: str,
    config: str | None,
) -> None:
    """List action items as the site does: open ones, overdue first, then by due date.

    --format markdown writes the weekly digest: the open items that are overdue or due
    within --due-within days, grouped by the team of their owner, with links to the site
    (absolute when mkdocs.yml sets site_url).
    """
    # Only this command needs them; `check` must start without them.
    from postmortem_kb.archive.digest import digest
    from postmortem_kb.archive.index import build_index
    from postmortem_kb.cli.actions import (
        ItemFilter,
        format_items,
        nothing_matched,
        select,
        subject,
        unknown_values,
    )

    state = state or "open"
    for flag, used in (("--overdue", overdue), ("--due-within", due_within is not None)):
        if used and state == "closed":
            raise click.UsageError(f"{flag} lists open items; it cannot be used with --closed")
    if fmt == "markdown" and state != "open":
        raise click.UsageError("the markdown digest lists open items; drop --closed and --all")
    on = _today(day)  # one "today" for the whole run
    site = _site(config)
    archive = _load(site, config, on=on)
    index = build_index(archive, site.settings, on)
    item_filter = ItemFilter(owners, services, teams, overdue, due_within, state)
    problems = unknown_values(index, item_filter)
    if problems:
        raise click.UsageError("; ".join(problems))
    unreadable = sum(1 for pm in archive.postmortems if pm.meta is None)
    if unreadable:
        click.echo(
            f"note: {unreadable} postmortem(s) could not be read, so their action items are "
            "missing; run `postmortem check`",
            err=True,
        )
    if fmt == "markdown":
        chosen = select(index, item_filter.without_dates())
        text = digest(
            chosen,
            due_within=DIGEST_DAYS if due_within is None else due_within,
            overdue_only=overdue,
            directory_urls=site.directory_urls,
            site_url=site.site_url,
            jira_url=site.settings.jira_url,
            teams=[group.team.id for name in teams if (group := index.team(name))],
            scope=subject(item_filter) if item_filter.narrows_who else None,
        )
        click.echo(text, nl=False)
        return
    chosen = select(index, item_filter)
    if not chosen.open_items and not chosen.closed_items and index.open_items + index.closed_items:
        message = nothing_matched(index, item_filter)
        if fmt == "table":
            click.echo(message)
            return
        click.echo(f"note: {message}", err=True)
    click.echo(
        format_items(
            chosen,
            fmt,
            site.directory_urls,
            state,
            site_url=site.site_url,
            jira_url=site.settings.jira_url,
        ),
        nl=False,
    )


@main.command()
@config_option
def schema(config: str | None) -> None:
    """Print the JSON Schema of the front matter."""
    site = _site(config)
    click.echo(json.dumps(json_schema(site.settings.severities), indent=2))


@main.command()
@click.option("--language", is_flag=True, help="The blameless-language rules, with examples.")
def rules(language: bool) -> None:
    """Print the rule reference (Markdown): every rule id, its level and how to fix it."""
    from postmortem_kb.cli.reference import render_language_reference, render_rules_reference

    click.echo(render_language_reference() if language else render_rules_reference(), nl=False)


main.add_command(import_command)
main.add_command(generate)


if __name__ == "__main__":  # pragma: no cover
    main()
