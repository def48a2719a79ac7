"""``postmortem import``: bring existing postmortems (wiki exports, other tools' Markdown) in.

Reading and converting live in ``source.importer``; this module finds the files, writes
each new postmortem once (never overwriting, never touching a source), checks what it wrote
and tells the author what is still missing.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import yaml

from postmortem_kb.archive.archive import load_archive
from postmortem_kb.check.imported import as_imported
from postmortem_kb.check.postmortem import check_content
from postmortem_kb.cli.output import text_line
from postmortem_kb.model.findings import Finding, sort_key
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings, SettingsError
from postmortem_kb.source.catalog import CAUSES_FILE, SERVICES_FILE, load_catalog
from postmortem_kb.source.importer import (
    ImportSourceError,
    convert,
    last_commit_date,
    read_foreign,
    sha256_of,
)
from postmortem_kb.source.mkdocs_yml import read_site_config

SUFFIXES = (".md", ".markdown")


@dataclass
class Outcome:
    """What happened to one source."""

    source: str
    state: str  # imported, would-import, already-imported, exists, error
    target: str | None = None
    message: str | None = None
    todo: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "state": self.state,
            "target": self.target,
            "message": self.message,
            "done": self.done,
            "todo": self.todo,
            "findings": [f.as_dict() for f in self.findings],
        }


@click.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--into",
    "into",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The archive folder to write the new postmortems to.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="Rename a front-matter key, a value (service, cause, severity...) or a heading "
    "(repeatable).",
)
@click.option(
    "--config",
    "-f",
    "config",
    metavar="FILE",
    help="mkdocs.yml whose 'postmortems' plugin options apply [default: mkdocs.yml if present]",
)
def import_command(
    sources: tuple[Path, ...],
    into: Path,
    dry_run: bool,
    fmt: str,
    maps: tuple[str, ...],
    config: str | None,
) -> None:
    """Import existing postmortems (Markdown with YAML, TOML, JSON or no front matter).

    Writes one postmortem per source as INTO/<date>-<slug>.md (never overwriting, never
    changing a source), records where it came from (imported_from: path and sha256) so a
    second run writes nothing, checks what it wrote and lists what is still missing.
    Exit status: 0 done, 1 a source could not be read or written, 2 a usage problem.
    """
    mapping = _mapping(maps)
    try:
        site = read_site_config(Path(config or "mkdocs.yml"), required=config is not None)
    except SettingsError as error:
        raise click.UsageError(f"configuration: {error}") from error
    settings = site.settings
    files = _sources(sources)
    known = _imported(into)
    services = _catalog(into / SERVICES_FILE)
    causes = _catalog(into / CAUSES_FILE)
    sections = {name: spec.name for spec in settings.sections for name in spec.names()}
    outcomes: list[Outcome] = []
    for path in files:
        outcomes.append(
            _import_one(path, into, dry_run, settings, sections, services, causes, mapping, known)
        )
    written = [Path(o.target) for o in outcomes if o.state == "imported" and o.target]
    if written:
        archive = load_archive(into, Path.cwd(), settings, written)
        by_path = {pm.file.resolve(): pm.findings for pm in archive.postmortems}
        for outcome in outcomes:
            if outcome.state == "imported" and outcome.target:
                found = by_path.get(Path(outcome.target).resolve(), ())
                outcome.findings = sorted(found, key=sort_key)
    if fmt == "json":
        click.echo(json.dumps(_json(outcomes, dry_run), indent=2))
    else:
        click.echo(_text(outcomes, dry_run))
    sys.exit(1 if any(o.state in ("error", "exists") for o in outcomes) else 0)


def _mapping(maps: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for entry in maps:
        old, equals, new = entry.partition("=")
        if not equals or not old.strip() or not new.strip():
            raise click.BadParameter(f"'{entry}' is not OLD=NEW", param_hint="--map")
        mapping[old.strip()] = new.strip()
    return mapping


def _sources(sources: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in sources:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise click.UsageError(f"'{path}' does not exist")
    return files


def _imported(into: Path) -> dict[str, Path]:
    """The sources already imported into ``into``: their sha256 -> the postmortem."""
    import frontmatter

    found: dict[str, Path] = {}
    if not into.is_dir():
        return found
    for path in sorted(into.glob("*.md")):
        try:
            meta = frontmatter.loads(path.read_text(encoding="utf-8")).metadata
        except (OSError, ValueError, yaml.YAMLError):  # broken: the checker's business
            continue
        origin = meta.get("imported_from") if isinstance(meta, dict) else None
        if isinstance(origin, dict) and isinstance(origin.get("sha256"), str):
            found[origin["sha256"]] = path
    return found


def _catalog(path: Path) -> set[str] | None:
    if not path.is_file():
        return None
    catalog = load_catalog(path, str(path), Report(str(path), {}))
    return set(catalog.entries) if catalog is not None else None


def _import_one(
    path: Path,
    into: Path,
    dry_run: bool,
    settings: Settings,
    sections: dict[str, str],
    services: set[str] | None,
    causes: set[str] | None,
    mapping: dict[str, str],
    known: dict[str, Path],
) -> Outcome:
    display = os.path.relpath(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except OSError as error:
        return Outcome(display, "error", message=f"{display}: {error.strerror or error}")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Outcome(display, "error", message=f"{display}:{line}: not UTF-8 text")
    digest = sha256_of(data)
    if digest in known:
        earlier = os.path.relpath(known[digest])
        return Outcome(display, "already-imported", earlier, f"already imported as {earlier}")
    try:
        foreign = read_foreign(text, display)
    except ImportSourceError as error:
        return Outcome(display, "error", message=str(error))
    converted = convert(
        foreign,
        source_name=path.name,
        source_path=display,
        digest=digest,
        commit_date=last_commit_date(path.resolve()),
        severities=settings.severities,
        sections=sections,
        services=services,
        causes=causes,
        mapping=mapping,
    )
    target = into / converted.file_name
    shown = os.path.relpath(target)
    outcome = Outcome(display, "would-import", shown, todo=converted.todo, done=converted.done)
    if target.exists():
        outcome.state = "exists"
        outcome.message = f"{shown} already exists; nothing was written (rename one of them)"
        return outcome
    if dry_run:
        report = Report(shown, settings.rule_levels)
        check_content(target.name, converted.content.encode(), report, settings)
        # as the archive will see it: imported, its gaps notes (cross-file rules run later)
        outcome.findings = sorted(as_imported(report.findings), key=sort_key)
        return outcome
    from postmortem_kb.cli.scaffold import ScaffoldError, write_new_file

    try:
        into.mkdir(parents=True, exist_ok=True)
        write_new_file(target, converted.content)
    except (ScaffoldError, OSError) as error:
        outcome.state = "exists" if isinstance(error, ScaffoldError) else "error"
        outcome.message = str(error)
        return outcome
    known[digest] = target
    outcome.state = "imported"
    return outcome


def _text(outcomes: list[Outcome], dry_run: bool) -> str:
    lines: list[str] = []
    for o in outcomes:
        if o.state in ("imported", "would-import"):
            verb = "would import" if dry_run else "imported"
            lines.append(f"{verb} {o.source} -> {o.target}")
            lines.extend(f"  {what}" for what in o.done)
            lines.extend(f"  to do: {what}" for what in o.todo)
            lines.extend(f"  {text_line(f)}" for f in o.findings)
        elif o.state == "already-imported":
            lines.append(f"{o.source}: {o.message}")
        else:
            lines.append(f"error: {o.message}")
    counts = _counts(outcomes)
    lines.append(
        ("dry run, nothing written: " if dry_run else "")
        + ", ".join(f"{n} {state.replace('-', ' ')}" for state, n in counts.items())
    )
    return "\n".join(lines)


def _counts(outcomes: list[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        state = "failed" if o.state in ("error", "exists") else o.state
        counts[state] = counts.get(state, 0) + 1
    return counts or {"imported": 0}


def _json(outcomes: list[Outcome], dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "files": [o.as_dict() for o in outcomes],
        "summary": _counts(outcomes),
    }
