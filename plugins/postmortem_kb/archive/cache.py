"""A content-addressed cache of single-file checks, in ``.cache/plugin/postmortems/``.

An entry's key is a hash of the file's bytes and name, the settings that affect checking
and the package version, so an entry answers exactly the input it was computed from and
nothing needs invalidating. ``mkdocs build``, ``mkdocs serve`` and ``postmortem check`` share
it. Entries are JSON, never pickle (anyone may put a file in the folder), and are validated
as they are read (``Entry``): an entry that is corrupt, truncated or foreign is ignored and
rewritten.
Cross-file rules and anything that depends on today never come from here.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from postmortem_kb import __version__
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.front_matter import FrontMatter
from postmortem_kb.model.record import FileCheck, Positions
from postmortem_kb.model.settings import Settings

FORMAT: Final = 1  # the shape of an entry (Entry.format)
IGNORE_ALL = "*\n"  # the folder's own .gitignore: a cache is never committed


class Entry(BaseModel):
    """A cache entry as stored: one file's check, validated field by field when read."""

    model_config = ConfigDict(strict=True, frozen=True)

    format: Literal[1]  # FORMAT: raise both when the shape changes
    key: str
    meta: FrontMatter | None
    body: str
    body_line: int
    keys: list[tuple[tuple[str | int, ...], int, int]]  # positions: YAML path, line, column
    values: list[tuple[tuple[str | int, ...], int, int]]
    start: tuple[int, int]
    findings: list[tuple[int, int, str, Level, str, str | None]]  # line, column, rule, ...

    @classmethod
    def of(cls, checked: FileCheck, key: str) -> Entry:
        """The entry of a check."""
        positions = checked.positions
        return cls(
            format=FORMAT,
            key=key,
            meta=checked.meta,
            body=checked.body,
            body_line=checked.body_line,
            keys=[(path, *at) for path, at in positions.keys.items()],
            values=[(path, *at) for path, at in positions.values.items()],
            start=positions.start,
            findings=[
                (f.line, f.column, f.rule, f.level, f.message, f.suggestion)
                for f in checked.findings
            ],
        )

    def check(self, display: str) -> FileCheck:
        """The check this entry holds, its findings shown at ``display``."""
        positions = Positions(
            {path: (line, column) for path, line, column in self.keys},
            {path: (line, column) for path, line, column in self.values},
            self.start,
        )
        findings = tuple(Finding(display, *finding) for finding in self.findings)
        return FileCheck(self.meta, self.body, self.body_line, positions, findings)


class CheckCache:
    """Single-file checks by content, in one folder."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder
        self.salt = f"{__version__}\0{FORMAT}\0{settings.fingerprint()}\0".encode()
        self.ready = False  # the folder exists

    def key(self, name: str, data: bytes) -> str:
        """The key of a file called ``name`` holding ``data``."""
        digest = hashlib.sha256(self.salt)
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get(self, key: str, display: str) -> FileCheck | None:
        """The entry for ``key``, its findings shown at ``display``; None when there is no
        usable entry."""
        try:
            entry = Entry.model_validate_json((self.folder / f"{key}.json").read_bytes())
        except (OSError, ValidationError):
            return None  # missing, unreadable, corrupt or of another version: checked again
        return entry.check(display) if entry.key == key else None  # a foreign entry

    def put(self, key: str, checked: FileCheck) -> None:
        """Store an entry; a cache that cannot be written only costs time."""
        try:
            if not self.ready:
                self.folder.mkdir(parents=True, exist_ok=True)
                ignore = self.folder / ".gitignore"
                if not ignore.exists():
                    ignore.write_text(IGNORE_ALL, encoding="utf-8")
                self.ready = True
            # A reader sees the old entry or the new one, never a part (an interrupted write
            # leaves a stray .tmp file, never a broken entry).
            temp = self.folder / f"{key}.{os.getpid()}.tmp"
            temp.write_bytes(Entry.of(checked, key).model_dump_json().encode())
            temp.replace(self.folder / f"{key}.json")
        except OSError:
            pass
