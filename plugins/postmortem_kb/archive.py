"""All postmortems of a site: discover the files, load them once, index them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .archive_checks import ArchiveContext
from .catalog import CAUSES_FILE, SERVICES_FILE, Catalog, load_catalog
from .findings import Finding
from .postmortem import Postmortem, load_postmortem
from .report import Report
from .settings import Settings

SKIPPED_NAMES = frozenset({"readme.md", "index.md"})


def discover(root: Path) -> list[Path]:
    """Return every postmortem file below ``root`` (sorted; hidden entries skipped)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found.extend(
            Path(folder, name)
            for name in files
            if name.endswith(".md")
            and not name.startswith((".", "_"))
            and name.lower() not in SKIPPED_NAMES
        )
    return sorted(found)


def display_path(file: Path, base: Path) -> str:
    """Show ``file`` relative to ``base`` when it is below it."""
    try:
        return file.relative_to(base).as_posix()
    except ValueError:
        return file.as_posix()


@dataclass
class Archive:
    """The postmortems of one build, in file order, with catalogs and their findings."""

    root: Path
    postmortems: list[Postmortem]
    services: Catalog | None = None
    causes: Catalog | None = None
    catalog_findings: list[Finding] = field(default_factory=list)

    def findings(self) -> list[Finding]:
        """Every finding of the archive: catalogs first, then postmortems in file order."""
        result = list(self.catalog_findings)
        for postmortem in self.postmortems:
            result.extend(postmortem.findings)
        return result


def load_context(
    root: Path, base: Path, settings: Settings
) -> tuple[ArchiveContext, list[Finding]]:
    """Read what cross-file rules need: the ids in the archive and the catalogs."""
    findings: list[Finding] = []
    catalogs: list[Catalog | None] = []
    for name in (SERVICES_FILE, CAUSES_FILE):
        file = root / name
        report = Report(display_path(file, base), settings.rule_levels)
        catalogs.append(load_catalog(file, report.path, report))
        findings.extend(report.findings)
    ids = frozenset(path.stem for path in discover(root))
    return ArchiveContext(ids, catalogs[0], catalogs[1]), findings


def load_archive(
    root: Path, base: Path, settings: Settings, files: Iterable[Path] | None = None
) -> Archive:
    """Load and check the archive at ``root`` (or only ``files``), with cross-file rules."""
    context, catalog_findings = load_context(root, base, settings)
    paths = discover(root) if files is None else list(files)
    postmortems = [
        load_postmortem(path, display_path(path, base), settings, context) for path in paths
    ]
    _report_duplicate_ids(postmortems, settings)
    return Archive(root, postmortems, context.services, context.causes, catalog_findings)


def _report_duplicate_ids(postmortems: list[Postmortem], settings: Settings) -> None:
    """Report ids (and page slugs) used twice, and give each page a unique slug."""
    first: dict[str, Postmortem] = {}
    for postmortem in postmortems:
        key = postmortem.slug.casefold()
        if key not in first:
            first[key] = postmortem
            continue
        report = Report(postmortem.path, settings.rule_levels)
        report.add(
            "duplicate-id",
            1,
            1,
            f"id '{postmortem.id}' gives the same page as {first[key].path}",
            "rename one of the files; page URLs come from the id",
        )
        postmortem.findings.extend(report.findings)
        number = 2
        while f"{key}-{number}" in first:
            number += 1
        postmortem.slug = f"{postmortem.slug}-{number}"
        first[postmortem.slug.casefold()] = postmortem
