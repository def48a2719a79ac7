"""A content-addressed cache of single-file checks, in ``.cache/plugin/postmortems/``.

An entry's key is a hash of the file's bytes and name, the settings that affect checking
and the package version, so an entry answers exactly the input it was computed from and
nothing needs invalidating. ``mkdocs build``, ``mkdocs serve`` and ``postmortem check`` share
it. The entries live in one pack file, read once and written once per run (thousands of
small files cost more to create than to check). Entries are JSON, never pickle (anyone may
put a file in the folder), and are validated as they are read (``Entry``): an entry that is
corrupt, truncated or foreign is ignored and rewritten. Cross-file rules and anything that
depends on today never come from here.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from postmortem_kb import __version__
from postmortem_kb.check.language.roster import git_roster
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.front_matter import FrontMatter
from postmortem_kb.model.record import FileCheck, Positions, References, ReviewFacts, YamlPath
from postmortem_kb.model.settings import Settings

FORMAT: Final = 4  # the shape of an entry (Entry.format)
PACK = "checks.jsonl"  # one line per entry: the key, a space, the entry as JSON
IGNORE_ALL = "*\n"  # the folder's own .gitignore: a cache is never committed
PACKAGE = Path(__file__).resolve().parents[1]  # the postmortem_kb package

# Under MkDocs' logger, so `mkdocs build --verbose` shows why an entry was not used.
log = logging.getLogger("mkdocs.plugins.postmortem_kb.cache")


class StoredPositions(BaseModel):
    """Where each key and value of the front matter is, as a cache entry keeps them."""

    model_config = ConfigDict(strict=True, frozen=True)

    keys: list[tuple[tuple[str | int, ...], int, int]]  # YAML path, line, column
    values: list[tuple[tuple[str | int, ...], int, int]]
    start: tuple[int, int]


class LazyPositions(Positions):
    """Positions read from the cache only when a rule first asks for one: most files are
    never reported by a cross-file rule, and reading them is most of an entry's cost."""

    def __init__(self, stored: str) -> None:
        super().__init__()
        self.stored = stored

    def of_key(self, path: YamlPath) -> tuple[int, int]:
        """Position of the key at ``path``, else of its nearest ancestor."""
        self._read()
        return super().of_key(path)

    def of_value(self, path: YamlPath) -> tuple[int, int]:
        """Position of the value at ``path``, else of its key or nearest ancestor."""
        self._read()
        return super().of_value(path)

    def _read(self) -> None:
        if not self.stored:
            return
        try:
            data = StoredPositions.model_validate_json(self.stored)
        except ValidationError:
            data = None  # only a forged entry gets here: everything is at the start
        self.stored = ""
        if data is not None:
            self.keys = {path: (line, column) for path, line, column in data.keys}
            self.values = {path: (line, column) for path, line, column in data.values}
            self.start = data.start


class Entry(BaseModel):
    """A cache entry as stored: one file's check, validated field by field when read."""

    model_config = ConfigDict(strict=True, frozen=True)

    format: Literal[4]  # FORMAT: raise both when the shape changes
    key: str
    meta: FrontMatter | None
    body: str
    body_line: int
    positions: str  # StoredPositions as JSON, read when needed
    findings: list[tuple[int, int, str, Level, str, str | None]]  # line, column, rule, ...
    related: list[str]  # References: what the cross-file rules read
    services: list[str]
    causes: list[str]
    owners: list[tuple[int, str]]  # action-item index, owner
    authors: list[str]
    participants: list[str]
    review: ReviewFacts  # what the review policies read

    @classmethod
    def of(cls, checked: FileCheck, key: str) -> Entry:
        """The entry of a check (made from a check, not read: nothing to validate)."""
        positions = checked.positions
        stored = StoredPositions.model_construct(
            keys=[(path, *at) for path, at in positions.keys.items()],
            values=[(path, *at) for path, at in positions.values.items()],
            start=positions.start,
        )
        return cls.model_construct(
            format=FORMAT,
            key=key,
            meta=checked.meta,
            body=checked.body,
            body_line=checked.body_line,
            positions=stored.model_dump_json(),
            findings=[
                (f.line, f.column, f.rule, f.level, f.message, f.suggestion)
                for f in checked.findings
            ],
            related=list(checked.references.related),
            services=list(checked.references.services),
            causes=list(checked.references.causes),
            owners=list(checked.references.owners),
            authors=list(checked.references.authors),
            participants=list(checked.references.participants),
            review=checked.references.review,
        )

    def check(self, display: str) -> FileCheck:
        """The check this entry holds, its findings shown at ``display``."""
        positions = LazyPositions(self.positions)
        findings = tuple(Finding(display, *finding) for finding in self.findings)
        references = References(
            tuple(self.related),
            tuple(self.services),
            tuple(self.causes),
            tuple(self.owners),
            tuple(self.authors),
            tuple(self.participants),
            self.review,
        )
        return FileCheck(self.meta, self.body, self.body_line, positions, findings, references)


class CheckCache:
    """Single-file checks by content: one pack file, read once and written once per run."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder
        code = code_digest()
        # Names read from git are checking input too: someone's first commit changes results.
        names = ",".join(git_roster(str(Path.cwd()))) if settings.roster_from_git else ""
        self.salt = f"{__version__}\0{FORMAT}\0{code}\0{settings.fingerprint()}\0{names}\0".encode()
        self._pack = b""  # the pack as read
        self._stored: dict[str, tuple[int, int]] | None = None  # key -> its entry in the pack
        self._used: set[str] = set()
        self._fresh: dict[str, bytes] = {}

    def key(self, name: str, data: bytes) -> str:
        """The key of a file called ``name`` holding ``data``."""
        digest = hashlib.sha256(self.salt)
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get(self, key: str, display: str, data: bytes) -> FileCheck | None:
        """The check stored for ``key`` of the file holding ``data``, its findings shown at
        ``display``; None when there is no usable entry (missing, corrupt, truncated, of
        another version, or whose body is not the file's)."""
        where = self._entries().get(key)
        if where is None:
            return None
        try:
            entry = Entry.model_validate_json(self._pack[where[0] : where[1]])
        except ValidationError as error:
            log.debug(f"cache entry for {display} ignored: {error.error_count()} invalid fields")
            return None
        if entry.key != key or not _holds_body(data, entry.body):
            log.debug(f"cache entry for {display} ignored: it does not describe this file")
            return None
        self._used.add(key)
        return entry.check(display)

    def put(self, key: str, checked: FileCheck) -> None:
        """Keep a new entry, written by ``save``."""
        self._fresh[key] = Entry.of(checked, key).model_dump_json().encode()

    def save(self, *, prune: bool) -> None:
        """Write the pack if it changed. ``prune`` (after a run over the whole archive)
        keeps only the entries this run used; otherwise the others stay too."""
        stored = self._entries()
        kept = [k for k in stored if k not in self._fresh and (k in self._used or not prune)]
        if not self._fresh and len(kept) == len(stored):
            return
        pack, temp = self.folder / PACK, None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text(IGNORE_ALL, encoding="utf-8")
            fd, name = tempfile.mkstemp(dir=self.folder, prefix=f".{PACK}.", suffix=".tmp")
            temp = Path(name)
            with os.fdopen(fd, "wb") as out:  # readers see the old pack or the new one
                for key in kept:
                    start, end = stored[key]
                    out.write(b"%s %s\n" % (key.encode(), self._pack[start:end]))
                for key, entry in self._fresh.items():
                    out.write(b"%s %s\n" % (key.encode(), entry))
            temp.replace(pack)
        except OSError as error:  # a cache that cannot be written only costs time
            log.debug(f"check cache not written: {error}")
            if temp is not None:
                with suppress(OSError):
                    temp.unlink(missing_ok=True)

    def _entries(self) -> dict[str, tuple[int, int]]:
        """Where each stored entry is in the pack, read once; a damaged line spoils only
        itself. Entries stay bytes of the pack until used."""
        if self._stored is None:
            try:
                self._pack = (self.folder / PACK).read_bytes()
            except OSError:
                self._pack = b""
            self._stored = {}
            start = 0
            while start < len(self._pack):
                end = self._pack.find(b"\n", start)
                end = len(self._pack) if end < 0 else end
                space = self._pack.find(b" ", start, end)
                if space > start:
                    key = self._pack[start:space].decode("ascii", "replace")
                    self._stored[key] = (space + 1, end)
                start = end + 1
        return self._stored


def cache_folder(config_dir: Path, settings: Settings) -> Path | None:
    """Where the check cache of the site whose ``mkdocs.yml`` is in ``config_dir`` lives;
    None when the ``cache`` option turns it off."""
    return config_dir / settings.cache_dir if settings.cache else None


@cache
def code_digest(package: Path = PACKAGE) -> str:
    """A digest of the package's code and rule data: entries written by other code (another
    checkout, a branch that changes a rule) never answer for this one."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yml") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _holds_body(data: bytes, body: str) -> bool:
    """Whether the file's bytes end with ``body`` (as the reader normalises line ends), so a
    forged entry can never put other text on the file's page."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.endswith(body.encode("utf-8", "surrogateescape"))
