"""Finding the files of an archive without dropping any silently or reading outside the repository.

- a file named ``*.md`` (in any case) is a postmortem, even when its name is not a valid id
  (the check reports ``invalid-id``);
- a folder named like a postmortem (``x.md/``) is reported and searched like any folder;
- a symbolic link is followed only when it stays inside the repository that holds the
  archive folder (the nearest parent with ``.git``, else the archive folder's parent) or
  inside the archive folder itself, and does not lead into a hidden path such as ``.git``;
  any other link is reported and not read;
- devices, pipes and sockets named like a postmortem are reported and not read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

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
