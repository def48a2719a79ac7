"""All postmortems of a build: find the files, check each once (through the cache), then
run the cross-file rules and the review policies (which depend on today) on every build.

Files come in sorted order; every file becomes a record, readable or not, so nothing is
dropped: a file that cannot be read gets a page saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from postmortem_kb.archive.cache import CheckCache
from postmortem_kb.check.cross_file import ArchiveContext, check_catalog_owners, check_cross_file
from postmortem_kb.check.imported import as_imported
from postmortem_kb.check.policies import Subject, check_policies
from postmortem_kb.check.postmortem import check_content
from postmortem_kb.model import clock
from postmortem_kb.model.findings import Finding, sort_key
from postmortem_kb.model.record import FileCheck, Positions, Postmortem
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.teams import Teams
from postmortem_kb.model.text import page_slug, unique
from postmortem_kb.source.catalog import CAUSES_FILE, SERVICES_FILE, Catalog, load_catalog
from postmortem_kb.source.files import FOLDER, SKIP, Boundary, classify, discover, display_path
from postmortem_kb.source.front_matter import read_bytes
from postmortem_kb.source.teams import TEAMS_FILE, load_teams


@dataclass(frozen=True)
class Archive:
    """The postmortems of one build, in file order, with catalogs and their findings.

    A catalog is None when its file does not exist (``teams`` also when it cannot be read
    as a whole: its finding says why).
    """

    root: Path
    postmortems: list[Postmortem]
    services: Catalog | None = None
    causes: Catalog | None = None
    catalog_findings: list[Finding] = field(default_factory=list)
    file_findings: list[Finding] = field(default_factory=list)  # folders, not postmortems
    teams: Teams | None = None

    def findings(self) -> list[Finding]:
        """Every finding: catalogs, then folders, then postmortems in file order."""
        result = [*self.catalog_findings, *self.file_findings]
        for postmortem in self.postmortems:
            result.extend(postmortem.findings)
        return result


def load_archive(
    root: Path,
    base: Path,
    settings: Settings,
    files: Iterable[Path] | None = None,
    cache: CheckCache | None = None,
    today: dt.date | None = None,
) -> Archive:
    """Load and check the archive at ``root`` (or only ``files``), with cross-file rules and
    review policies.

    Paths in findings are shown relative to ``base``. Single-file results come from
    ``cache`` when it holds them; cross-file rules and the review policies always run, the
    policies on ``today`` (default: the clock's, ``SOURCE_DATE_EPOCH`` for builds). Checking
    only ``files``, the note on earlier open action items sees only those files.
    """
    today = today or clock.today()
    paths = discover(root) if files is None else list(files)
    # Checking only some files, the ids of the others are listed if a `related` needs them.
    every = paths if files is None else None
    context, catalog_findings = load_context(root, base, settings, every)
    boundary = Boundary.of(root)
    loaded: list[tuple[Path, str, str, FileCheck, Report]] = []
    file_findings: list[Finding] = []
    first_of: dict[str, str] = {}  # casefolded page slug -> the file that has it
    for path in paths:
        display = display_path(path, base)
        report = Report(display, settings.rule_levels)
        verdict = classify(path, boundary)
        if verdict is None:
            checked = check_file(path, report, settings, cache)
        else:
            kind, reason = verdict
            if kind == SKIP:
                continue
            report.add(
                "unreadable-file",
                1,
                1,
                f"'{path.name}' {reason}",
                "make it a regular file inside the repository, or move it out of the archive",
            )
            if kind == FOLDER:
                file_findings.extend(report.findings)
                continue
            checked = _unread(report)
        archive_report = Report(display, settings.rule_levels)  # this build's own rules
        slug = page_slug(path.stem)
        key = slug.casefold()
        if key in first_of:
            _duplicate(archive_report, path, first_of[key])
            slug += unique(key, first_of)[len(key) :]
            key = slug.casefold()
        first_of[key] = display
        check_cross_file(path.stem, checked.references, checked.positions, context, archive_report)
        loaded.append((path, display, slug, checked, archive_report))
    subjects = [
        Subject(path.stem, checked.references, checked.positions, report)
        for path, _, _, checked, report in loaded
    ]
    check_policies(subjects, context, settings, today)
    postmortems = [
        Postmortem(
            path.stem,
            display,
            path,
            slug,
            checked.meta,
            checked.body,
            checked.body_line,
            tuple(sorted(_findings(checked, report), key=sort_key)),
        )
        for path, display, slug, checked, report in loaded
    ]
    if cache is not None:
        cache.save(prune=files is None)
    return Archive(
        root,
        postmortems,
        context.services,
        context.causes,
        catalog_findings,
        file_findings,
        context.teams,
    )


def _findings(checked: FileCheck, report: Report) -> list[Finding]:
    """A file's findings: its own and this build's; an imported file's gaps as notes."""
    findings = [*checked.findings, *report.findings]
    return as_imported(findings) if checked.references.review.imported else findings


def check_file(
    path: Path, report: Report, settings: Settings, cache: CheckCache | None
) -> FileCheck:
    """Every single-file rule on one file, from the cache when it has the answer."""
    data = read_bytes(path, report, settings.max_file_kb * 1024)
    if data is None:
        return _unread(report)
    if cache is None:
        return check_content(path.name, data, report, settings)
    key = cache.key(path.name, data)
    checked = cache.get(key, report.path, data)
    if checked is None:
        checked = check_content(path.name, data, report, settings)
        cache.put(key, checked)
    return checked


def _unread(report: Report) -> FileCheck:
    return FileCheck(None, "", 1, Positions(), tuple(report.findings))


def _duplicate(report: Report, path: Path, first: str) -> None:
    report.add(
        "duplicate-id",
        1,
        1,
        f"id '{path.stem}' gives the same page as {first}",
        "rename one of the files; page URLs come from the id",
    )


def load_context(
    root: Path, base: Path, settings: Settings, paths: list[Path] | None = None
) -> tuple[ArchiveContext, list[Finding]]:
    """Read what cross-file rules need: the catalogs (services, causes, teams), and the ids
    of the archive (from ``paths`` when they are every file of it, else listed when first
    needed). With a teams catalog, a service's owner must be one of its teams."""
    boundary = Boundary.of(root)
    findings: list[Finding] = []
    catalogs: list[Catalog | None] = []
    for name in (SERVICES_FILE, CAUSES_FILE):
        file = root / name
        report = Report(display_path(file, base), settings.rule_levels)
        catalogs.append(_load_catalog(file, boundary, report))
        findings.extend(report.findings)
    file = root / TEAMS_FILE
    report = Report(display_path(file, base), settings.rule_levels)
    teams = None if _refused(file, boundary, report) else load_teams(file, report.path, report)
    findings.extend(report.findings)
    if teams is not None:
        for catalog in catalogs:
            if catalog is not None:
                report = Report(catalog.path, settings.rule_levels)
                check_catalog_owners(catalog, teams, report)
                findings.extend(report.findings)

    def list_ids() -> Iterable[str]:
        # Only names: files that cannot be read are reported when they are loaded.
        return (path.stem for path in (discover(root) if paths is None else paths))

    return ArchiveContext(list_ids, catalogs[0], catalogs[1], teams), findings


def _load_catalog(file: Path, boundary: Boundary, report: Report) -> Catalog | None:
    """Load a catalog unless it is a link leading outside the repository, or a folder."""
    if _refused(file, boundary, report):
        return Catalog(report.path, {})
    return load_catalog(file, report.path, report)


def _refused(file: Path, boundary: Boundary, report: Report) -> bool:
    """Report a catalog that is a link leading outside the repository, or a folder."""
    reason = boundary.refusal(file) if file.is_symlink() else None
    if reason is None and file.is_dir():
        reason = "is a folder, not a YAML file"
    if reason is not None:
        report.add("catalog-invalid", 1, 1, f"{file.name} {reason}")
    return reason is not None
