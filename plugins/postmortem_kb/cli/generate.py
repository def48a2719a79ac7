"""``postmortem generate``: write the site the plugin adds as plain files (site/generate.py)."""

from __future__ import annotations

from pathlib import Path

import click

from postmortem_kb.cli.output import text_lines
from postmortem_kb.model.clock import today
from postmortem_kb.model.findings import Level, sort_key
from postmortem_kb.model.settings import SettingsError
from postmortem_kb.model.text import plural
from postmortem_kb.source.mkdocs_yml import read_site_config


@click.command()
@click.option(
    "--into",
    "into",
    required=True,
    metavar="DIR",
    type=click.Path(path_type=Path, file_okay=False),
    help="The docs folder to write into (created when missing); your own pages may be there.",
)
@click.option(
    "--config",
    "-f",
    "config",
    metavar="FILE",
    help="mkdocs.yml whose 'postmortems' plugin options apply [default: mkdocs.yml if present]",
)
@click.option(
    "--links",
    type=click.Choice(["source", "page"]),
    default="source",
    show_default=True,
    help="source: links between pages name the Markdown files, relative to each file "
    "(Zensical turns them into page URLs); page: relative to each page's URL, as MkDocs "
    "builds it (MkDocs or ProperDocs without the plugin).",
)
def generate(into: Path, config: str | None, links: str) -> None:
    """Write every page, export and asset the plugin adds into DIR, as Markdown files with
    HTML blocks, so a generator without MkDocs plugins (Zensical) builds the same site.

    Prints the configuration to paste (nav, extra_css, extra_javascript). Writes a file only
    where there is none or where the last run wrote one (listed in DIR/.postmortem-generate),
    and deletes the files of the last run that are no longer generated.
    Exit status: 0 when written, 2 on a usage or configuration problem or a file in the way.
    """
    # MkDocs (and Markdown) only for this command: `check` starts without them.
    from postmortem_kb.site.generate import DASHBOARD, GenerateError
    from postmortem_kb.site.generate import generate as write_site

    try:
        site = read_site_config(Path(config or "mkdocs.yml"), required=config is not None)
    except SettingsError as error:
        raise click.UsageError(f"configuration: {error}") from error
    try:
        result = write_site(site, into, today(), links)
    except (GenerateError, OSError) as error:
        raise click.UsageError(str(error)) from error
    problems = [f for f in result.findings if f.level is not Level.INFO]  # as the plugin logs
    for line in text_lines(sorted(problems, key=sort_key)):  # the pages show them too
        click.echo(line, err=True)
    removed = f", removed {plural(len(result.removed), 'file')}" if result.removed else ""
    click.echo(
        f"postmortem generate: wrote {plural(len(result.files), 'file')} into {into}{removed}",
        err=True,
    )
    for page in result.asking_for_dashboard:
        click.echo(
            f"postmortem generate: {into / page} shows the dashboard only with the plugin; "
            f"link to {DASHBOARD} (the dashboard as a page) instead",
            err=True,
        )
    click.echo(result.config, nl=False)
