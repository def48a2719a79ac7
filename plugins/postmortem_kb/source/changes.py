"""Which postmortems a pull request touches: the files to check for ``--changed-since REF``.

"Changed since REF" means what ``git diff REF...`` shows plus the work not committed yet:
the working tree (staged or not) compared with the merge base of REF and ``HEAD``, plus
untracked files that git does not ignore. A PR check sees exactly the branch's changes, and
a local run before committing sees the edits in progress too.

Cross-file rules decide what else is checked:

- the ``related`` ids and the catalogs of a changed file are checked against the whole
  archive anyway (``load_archive`` reads every id and both catalogs);
- a postmortem whose ``related`` names an added, renamed or deleted postmortem is checked
  again, since that id appeared or disappeared (a modified postmortem keeps its id, so it
  changes nothing for the files that name it);
- files with the same id as a changed file are checked with it, so duplicates are found;
- a changed ``services.yml``, ``causes.yml``, ``teams.yml`` or ``mkdocs.yml`` (severities,
  rule levels, sections) can change the result of any file: the whole archive is checked.

Git runs as a subprocess; nothing here imports MkDocs.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import page_slug, plural
from postmortem_kb.source.catalog import CAUSES_FILE, SERVICES_FILE
from postmortem_kb.source.files import discover, is_postmortem_name
from postmortem_kb.source.front_matter import FileTooLargeError, read_limited, source_of
from postmortem_kb.source.teams import TEAMS_FILE

GIT_TIMEOUT = 60


class GitError(Exception):
    """git is missing, the folder is not in a repository, or the ref is unknown."""


@dataclass(frozen=True)
class Changes:
    """What changed in the archive since a ref, as paths relative to the archive folder."""

    ref: str
    base: str  # the merge base of the ref and HEAD
    modified: frozenset[str] = frozenset()  # postmortem files that exist and changed
    added: frozenset[str] = frozenset()  # new postmortem files, including rename targets
    removed: frozenset[str] = frozenset()  # deleted postmortem files and rename sources
    settings_files: tuple[str, ...] = ()  # changed catalogs or config, repository paths


@dataclass(frozen=True)
class Selection:
    """The files to check and why; ``files`` is None when the whole archive must be checked."""

    changes: Changes
    files: list[Path] | None
    changed: list[Path] = field(default_factory=list)
    referencing: list[Path] = field(default_factory=list)  # name a changed id in `related`
    same_id: list[Path] = field(default_factory=list)  # share an id with a changed file

    def describe(self) -> str:
        """One line saying what is checked and why."""
        since = f"since {self.changes.ref}"
        if self.files is None:
            names = ", ".join(self.changes.settings_files)
            return f"{names} changed {since}: checking the whole archive"
        removed = len(self.changes.removed)
        if not self.files:
            if removed:
                return (
                    f"{plural(removed, 'postmortem')} removed {since} and none named in "
                    "'related': nothing to check"
                )
            return f"no postmortems changed {since}"
        text = f"{plural(len(self.changed), 'postmortem')} added or changed"
        if removed:
            text += f", {removed} removed or renamed"
        text += f" {since}"
        also = []
        if self.referencing:
            verb = "names" if len(self.referencing) == 1 else "name"
            also.append(f"{len(self.referencing)} that {verb} them in 'related'")
        if self.same_id:
            also.append(f"{plural(len(self.same_id), 'file')} with the same id")
        return text + (f"; also checking {' and '.join(also)}" if also else "")


def is_postmortem_path(relative: str) -> bool:
    """Tell whether a path relative to the archive folder is a postmortem (as ``discover``)."""
    parts = PurePosixPath(relative).parts
    if not parts:
        return False
    *folders, name = parts
    return is_postmortem_name(name) and not any(f.startswith((".", "_")) for f in folders)


def changes_since(ref: str, archive_dir: Path, config_file: Path | None = None) -> Changes:
    """Ask git what changed below ``archive_dir`` (and in ``config_file``) since ``ref``."""
    if not ref or ref.startswith("-"):
        raise GitError(f"'{ref}' is not a git ref")
    archive = archive_dir.resolve()
    start = next((p for p in (archive, *archive.parents) if p.is_dir()), Path.cwd())
    top = _top_level(start)
    try:
        archive_rel = archive.relative_to(top).as_posix()
    except ValueError as error:
        raise GitError(
            f"the postmortem folder '{archive_dir}' is not in the git repository at '{top}'"
        ) from error
    archive_rel = "" if archive_rel == "." else archive_rel
    if _git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False) is None:
        raise GitError("the git repository has no commits yet")
    if _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False) is None:
        raise GitError(
            f"unknown git ref '{ref}' (in CI, fetch it first: actions/checkout with "
            "fetch-depth: 0, or `git fetch origin <branch>`)"
        )
    base = _git(top, "merge-base", ref, "HEAD", check=False)
    if base is None:
        raise GitError(
            f"'{ref}' and HEAD have no common history (in a shallow clone, fetch more "
            "history: actions/checkout with fetch-depth: 0)"
        )
    base = base.strip()
    specs = [archive_rel or "."]
    config_rel = None
    if config_file is not None:
        try:
            config_rel = config_file.resolve().relative_to(top).as_posix()
            specs.append(config_rel)
        except ValueError:
            pass
    diff = _git(top, "diff", "--name-status", "-z", "-M", "--no-ext-diff", base, "--", *specs)
    untracked = _git(top, "ls-files", "-z", "--others", "--exclude-standard", "--", *specs)
    entries = _parse_name_status(diff or "")
    entries.extend(("A", path) for path in (untracked or "").split("\0") if path)
    return _classify(ref, base, entries, archive_rel, config_rel)


def _classify(
    ref: str,
    base: str,
    entries: Iterable[tuple[str, str]],
    archive_rel: str,
    config_rel: str | None,
) -> Changes:
    modified: set[str] = set()
    added: set[str] = set()
    removed: set[str] = set()
    settings_files: list[str] = []
    prefix = f"{archive_rel}/" if archive_rel else ""
    catalogs = {f"{prefix}{name}" for name in (SERVICES_FILE, CAUSES_FILE, TEAMS_FILE)}
    for status, path in entries:
        if path == config_rel or path in catalogs:
            settings_files.append(path)
            continue
        if not path.startswith(prefix):
            continue
        relative = path[len(prefix) :]
        if not is_postmortem_path(relative):
            continue
        if status == "D":
            removed.add(relative)
        elif status == "A":
            added.add(relative)
        else:
            modified.add(relative)
    return Changes(
        ref,
        base,
        frozenset(modified),
        frozenset(added),
        frozenset(removed),
        tuple(sorted(set(settings_files))),
    )


def _parse_name_status(output: str) -> list[tuple[str, str]]:
    """Read ``git diff --name-status -z``: renames become a deletion and an addition."""
    fields = output.split("\0")
    entries: list[tuple[str, str]] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            old, new = fields[index + 1], fields[index + 2]
            if status == "R":
                entries.append(("D", old))
            entries.append(("A", new))
            index += 3
        else:
            entries.append((status, fields[index + 1]))
            index += 2
    return entries


def select_files(changes: Changes, archive_dir: Path, settings: Settings) -> Selection:
    """Turn the changes into the files to check (see the module docstring for the rules)."""
    if changes.settings_files:
        return Selection(changes, None)
    discovered = discover(archive_dir)
    relative = {path: path.relative_to(archive_dir).as_posix() for path in discovered}
    touched = changes.modified | changes.added
    changed = [path for path in discovered if relative[path] in touched]
    ids_in_play = {PurePosixPath(rel).stem for rel in changes.added | changes.removed}
    changed_keys = {_slug_key(path.stem) for path in changed}
    chosen = set(changed)
    same_id = [p for p in discovered if p not in chosen and _slug_key(p.stem) in changed_keys]
    chosen.update(same_id)
    referencing = [
        path
        for path in discovered
        if path not in chosen and _names_in_related(path, ids_in_play, settings)
    ]
    chosen.update(referencing)
    files = [path for path in discovered if path in chosen]  # the order of a full check
    return Selection(changes, files, changed, referencing, same_id)


def _slug_key(pm_id: str) -> str:
    """What makes two files give the same page (as the archive's duplicate-id rule)."""
    return page_slug(pm_id).casefold()


def _names_in_related(path: Path, ids: set[str], settings: Settings) -> bool:
    """Tell whether the front matter's ``related`` names one of ``ids``."""
    if not ids:
        return False
    try:
        data = read_limited(path, settings.max_file_kb * 1024)
    except (OSError, FileTooLargeError):
        return False
    if not any(pm_id.encode() in data for pm_id in ids):  # cheap filter before YAML
        return False
    source = source_of(data, path.as_posix(), Report(path.as_posix(), {}))
    related = source.front_matter.get("related") if source.front_matter else None
    return isinstance(related, list) and any(value in ids for value in related)


def _top_level(folder: Path) -> Path:
    output = _git(folder, "rev-parse", "--show-toplevel", check=False)
    if output is None:
        raise GitError(f"'{folder}' is not in a git repository (--changed-since needs git)")
    return Path(output.strip()).resolve()


def _git(cwd: Path, *args: str, check: bool = True) -> str | None:
    """Run git; return its output, or None when it fails and ``check`` is False."""
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    command: Sequence[str] = ["git", "--literal-pathspecs", "-c", "core.quotePath=false", *args]
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed (--changed-since needs it)") from error
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"cannot run git: {error}") from error
    if result.returncode != 0:
        if check:
            message = result.stderr.strip().splitlines()
            raise GitError(f"git {args[0]} failed: {message[-1] if message else 'error'}")
        return None
    return result.stdout
