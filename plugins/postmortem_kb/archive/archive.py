"""All postmortems of a site: discover the files, load them once, index them.

Discovery never drops anything silently and never reads outside the repository:

- a file named ``*.md`` (in any case) is a postmortem, even when its name is not a valid id
  (``load_postmortem`` reports ``invalid-id``);
- a folder named like a postmortem (``x.md/``) is reported and searched like any folder;
- a symbolic link is followed only when it stays inside the repository that holds the
  archive folder (the nearest parent with ``.git``, else the archive folder's parent) or
  inside the archive folder itself, and does not lead into a hidden path such as ``.git``;
  any other link is reported and not read;
- devices, pipes and sockets named like a postmortem are reported and not read.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from postmortem_kb.check.cross_file import ArchiveContext
from postmortem_kb.check.postmortem import ID_PATTERN, Postmortem, load_postmortem
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import slugify
from postmortem_kb.source.catalog import CAUSES_FILE, SERVICES_FILE, Catalog, load_catalog

SKIPPED_NAMES = frozenset({"readme.md", "index.md"})
SUFFIX = ".md"


def is_postmortem_name(name: str) -> bool:
    """Tell whether a file name is a postmortem's: ``*.md`` in any case, not hidden, no README."""
    lower = name.lower()
    return lower.endswith(SUFFIX) and not name.startswith((".", "_")) and lower not in SKIPPED_NAMES


@dataclass(frozen=True)
class Boundary:
    """Where the files of an archive may live once symbolic links are followed."""

    repository: Path  # absolute, as written (not resolved)
    areas: tuple[Path, ...]  # resolved: the repository and the archive folder
    folders: dict[Path, Path] = field(default_factory=dict, compare=False)  # resolved, cached

    def _real_path(self, absolute: Path) -> Path:
        """Resolve a path; a plain file only needs its folder resolved (once per folder)."""
        if not stat.S_ISREG(os.lstat(absolute).st_mode):
            return absolute.resolve()
        folder = absolute.parent
        if folder not in self.folders:
            self.folders[folder] = folder.resolve()
        return self.folders[folder] / absolute.name

    @classmethod
    def of(cls, root: Path) -> Boundary:
        """The boundary of the archive folder ``root``."""
        repository = repository_root(root)
        areas = (_resolve(repository), _resolve(_absolute(root)))
        return cls(repository, tuple(dict.fromkeys(areas)))

    def refusal(self, path: Path) -> str | None:
        """Why ``path`` must not be read because of a symbolic link, or None when it is fine.

        Paths outside the repository (named explicitly, e.g. on the command line) are
        taken as given: only links inside the repository can smuggle files in.
        """
        absolute = _absolute(path)
        written = _parts_below(absolute, self.repository)
        if written is None:
            return None
        try:
            real = self._real_path(absolute)
        except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
            return "is a symbolic link that cannot be resolved (a loop of links?); it is not read"
        if _parts_below(real, self.areas[0]) == written:
            return None  # no link below the repository changes where the path leads
        target = _link_text(path)
        for area in self.areas:
            parts = _parts_below(real, area)
            if parts is None:
                continue
            if any(part.startswith(".") for part in parts):
                return f"is a symbolic link{target} into a hidden path; it is not read"
            return None
        return f"is a symbolic link{target} to a path outside the repository; it is not read"


def repository_root(folder: Path) -> Path:
    """The nearest folder holding ``folder`` with a ``.git`` entry, else its parent."""
    start = _absolute(folder)
    for candidate in (start, *start.parents):
        try:
            if (candidate / ".git").exists():
                return candidate
        except OSError:
            continue
    return start.parent


def _absolute(path: Path) -> Path:
    """The absolute path as written: ``..`` removed, links not followed."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - Path.resolve() would follow links


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def _parts_below(path: Path, folder: Path) -> tuple[str, ...] | None:
    try:
        return path.relative_to(folder).parts
    except ValueError:
        return None


def _link_text(path: Path) -> str:
    """`` ('target')`` for a link, as written in the repository (never a resolved path)."""
    try:
        return f" ('{path.readlink()}')"
    except (OSError, ValueError):
        return ""


def discover(root: Path) -> list[Path]:
    """Return every entry below ``root`` that looks like a postmortem (sorted).

    Hidden entries (``.x``, ``_x``), ``README.md`` and ``index.md`` are skipped. Besides
    postmortem files, the list holds what :func:`load_archive` reports instead of reading:
    folders named like postmortems, symbolic links that lead outside the repository, and
    folders that cannot be listed. Links to folders inside the repository are followed.
    """
    boundary = Boundary.of(root)
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()
    pending = [root]  # folders reached without a link: listed first, so real paths win
    linked: list[Path] = []  # folders reached through a link inside the repository
    while pending or linked:
        folder = pending.pop() if pending else linked.pop(0)
        try:
            info = folder.stat()
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            if folder != root or root.is_dir():
                found.append(folder)  # reported by load_archive: it cannot be listed
            continue
        if (info.st_dev, info.st_ino) in visited:
            continue  # reached again through a link: its files are already listed
        visited.add((info.st_dev, info.st_ino))
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            path = folder / entry.name
            if _is_dir(entry):
                if entry.is_symlink() and boundary.refusal(path):
                    found.append(path)
                    continue
                if is_postmortem_name(entry.name):
                    found.append(path)
                (linked if entry.is_symlink() else pending).append(path)
            elif is_postmortem_name(entry.name):
                found.append(path)
    return sorted(found)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


FOLDER, REFUSED, SKIP = "folder", "refused", "skip"


def classify(path: Path, boundary: Boundary) -> tuple[str, str] | None:
    """What to do with a discovered path that must not be read as a postmortem.

    Returns None for a file to load, or ``(kind, reason)``: ``folder`` (report it for the
    archive), ``refused`` (report it as a postmortem that cannot be read) or ``skip``.
    """
    reason = boundary.refusal(path)
    if reason is not None:
        return (FOLDER if _is_folder(path) else REFUSED), reason
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # missing or unreadable: read_source reports why
    if stat.S_ISDIR(mode):
        if is_postmortem_name(path.name):
            return FOLDER, "is a folder named like a postmortem; files inside it are checked"
        try:
            with os.scandir(path):
                pass
        except OSError as error:
            return FOLDER, f"is a folder that cannot be read: {error.strerror or error}"
        return SKIP, ""
    if not stat.S_ISREG(mode):
        return REFUSED, "is not a regular file (a device, pipe or socket); it is not read"
    return None


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


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
    file_findings: list[Finding] = field(default_factory=list)  # folders, not postmortems

    def findings(self) -> list[Finding]:
        """Every finding: catalogs, then folders, then postmortems in file order."""
        result = [*self.catalog_findings, *self.file_findings]
        for postmortem in self.postmortems:
            result.extend(postmortem.findings)
        return result


def load_context(
    root: Path, base: Path, settings: Settings
) -> tuple[ArchiveContext, list[Finding]]:
    """Read what cross-file rules need: the ids in the archive and the catalogs."""
    boundary = Boundary.of(root)
    findings: list[Finding] = []
    catalogs: list[Catalog | None] = []
    for name in (SERVICES_FILE, CAUSES_FILE):
        file = root / name
        report = Report(display_path(file, base), settings.rule_levels)
        catalogs.append(_load_catalog(file, boundary, report))
        findings.extend(report.findings)
    # Only names are needed here: files that cannot be read are reported when loaded.
    ids = frozenset(path.stem for path in discover(root))
    return ArchiveContext(ids, catalogs[0], catalogs[1]), findings


def _load_catalog(file: Path, boundary: Boundary, report: Report) -> Catalog | None:
    """Load a catalog unless it is a link leading outside the repository, or a folder."""
    reason = boundary.refusal(file) if file.is_symlink() else None
    if reason is None and file.is_dir():
        reason = "is a folder, not a YAML file"
    if reason is not None:
        report.add("catalog-invalid", 1, 1, f"{file.name} {reason}")
        return Catalog(report.path, {})
    return load_catalog(file, report.path, report)


# Below this many files a worker pool costs more than it saves.
PARALLEL_THRESHOLD = 400


@dataclass(frozen=True)
class Planned:
    """A discovered file and its page slug, known from names before anything is read."""

    path: Path
    display: str
    slug: str
    unread: Postmortem | None = None  # refused before reading: a page that says why
    duplicate: tuple[Finding, ...] = ()  # the id gives the same page as an earlier file


@dataclass(frozen=True)
class ArchivePlan:
    """What an archive holds, from file names only: loading comes after."""

    root: Path
    context: ArchiveContext
    catalog_findings: list[Finding]
    file_findings: list[Finding]
    files: list[Planned]


def plan_archive(
    root: Path, base: Path, settings: Settings, files: Iterable[Path] | None = None
) -> ArchivePlan:
    """Discover the archive at ``root`` (or take ``files``), read its catalogs, name its pages."""
    context, catalog_findings = load_context(root, base, settings)
    boundary = Boundary.of(root)
    paths = discover(root) if files is None else list(files)
    planned: list[Planned] = []
    file_findings: list[Finding] = []
    for path in paths:
        display = display_path(path, base)
        slug = _slug_of(path)
        verdict = classify(path, boundary)
        if verdict is None:
            planned.append(Planned(path, display, slug))
            continue
        kind, reason = verdict
        if kind == SKIP:
            continue
        report = Report(display, settings.rule_levels)
        report.add(
            "unreadable-file",
            1,
            1,
            f"'{path.name}' {reason}",
            "make it a regular file inside the repository, or move it out of the archive",
        )
        if kind == FOLDER:
            file_findings.extend(report.findings)
        else:
            unread = Postmortem(path.stem, display, path, None, "", 1, report.findings, slug)
            planned.append(Planned(path, display, slug, unread))
    return ArchivePlan(
        root, context, catalog_findings, file_findings, _unique_slugs(planned, settings)
    )


def load_planned(planned: Planned, settings: Settings, context: ArchiveContext) -> Postmortem:
    """Load and check one planned file (or return its refusal), with its page slug."""
    if planned.unread is not None:
        postmortem = replace(planned.unread, findings=list(planned.unread.findings))
    else:
        postmortem = load_postmortem(planned.path, planned.display, settings, context)
    postmortem.slug = planned.slug
    postmortem.findings.extend(planned.duplicate)
    return postmortem


def load_archive(
    root: Path,
    base: Path,
    settings: Settings,
    files: Iterable[Path] | None = None,
    *,
    workers: int = 1,
) -> Archive:
    """Load and check the archive at ``root`` (or only ``files``), with cross-file rules.

    ``workers`` > 1 checks files in that many processes (forked, so only from a
    single-threaded program such as the CLI) and keeps only what a check reports: the
    records come back without front matter and body (sending those between processes costs
    more than checking them), with the same findings in the same order.
    """
    plan = plan_archive(root, base, settings, files)
    return archive_of(plan, _load_all(plan, settings, workers))


def archive_of(plan: ArchivePlan, postmortems: list[Postmortem]) -> Archive:
    """The archive of a plan once its files are loaded (in plan order)."""
    context = plan.context
    return Archive(
        plan.root,
        postmortems,
        context.services,
        context.causes,
        plan.catalog_findings,
        plan.file_findings,
    )


def _load_all(plan: ArchivePlan, settings: Settings, workers: int) -> list[Postmortem]:
    """Load postmortems in order, in a pool of forked processes when that pays off."""
    forking = "fork" in multiprocessing.get_all_start_methods()
    jobs = plan.files
    if workers <= 1 or len(jobs) < PARALLEL_THRESHOLD or not forking:
        return [load_planned(job, settings, plan.context) for job in jobs]
    chunk = max(1, len(jobs) // (workers * 4))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        loader = partial(_check_one, settings=settings, context=plan.context)
        return list(pool.map(loader, jobs, chunksize=chunk))


def _check_one(job: Planned, settings: Settings, context: ArchiveContext) -> Postmortem:
    """Check one file in a worker; return its findings without the heavy record."""
    postmortem = load_planned(job, settings, context)
    return replace(postmortem, meta=None, body="")


def _slug_of(path: Path) -> str:
    pm_id = path.stem
    return pm_id if ID_PATTERN.match(pm_id) else (slugify(pm_id) or "postmortem")


def _unique_slugs(planned: list[Planned], settings: Settings) -> list[Planned]:
    """Report ids (and page slugs) used twice, and give each page a unique slug."""
    first: dict[str, Planned] = {}
    result = []
    for entry in planned:
        key = entry.slug.casefold()
        if key not in first:
            first[key] = entry
            result.append(entry)
            continue
        report = Report(entry.display, settings.rule_levels)
        report.add(
            "duplicate-id",
            1,
            1,
            f"id '{entry.path.stem}' gives the same page as {first[key].display}",
            "rename one of the files; page URLs come from the id",
        )
        number = 2
        while f"{key}-{number}" in first:
            number += 1
        unique = replace(entry, slug=f"{entry.slug}-{number}", duplicate=tuple(report.findings))
        first[unique.slug.casefold()] = unique
        result.append(unique)
    return result
