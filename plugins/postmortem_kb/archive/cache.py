"""A content-addressed cache of single-file checks, in ``.cache/plugin/postmortems/``.

An entry's key is a hash of the file's bytes and name, the settings that affect checking
and the package version, so an entry answers exactly the input it was computed from and
nothing needs invalidating. ``mkdocs build``, ``mkdocs serve`` and ``postmortem check`` share
it. Entries are JSON, never pickle (anyone may put a file in the folder), and are validated
as they are read: an entry that is corrupt, truncated or foreign is ignored and rewritten.
Cross-file rules and anything that depends on today never come from here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from postmortem_kb import __version__
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.front_matter import FrontMatter
from postmortem_kb.model.record import FileCheck, Positions, YamlPath
from postmortem_kb.model.settings import Settings
from postmortem_kb.source.atomic import write_atomically

FORMAT = 1  # raise when the shape of an entry changes
IGNORE_ALL = "*\n"  # the folder's own .gitignore: a cache is never committed


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
            text = (self.folder / f"{key}.json").read_text(encoding="utf-8")
            return _decode(json.loads(text), key, display)
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None  # missing, unreadable, corrupt or foreign: checked again

    def put(self, key: str, checked: FileCheck) -> None:
        """Store an entry; a cache that cannot be written only costs time."""
        try:
            if not self.ready:
                self.folder.mkdir(parents=True, exist_ok=True)
                ignore = self.folder / ".gitignore"
                if not ignore.exists():
                    ignore.write_text(IGNORE_ALL, encoding="utf-8")
                self.ready = True
            write_atomically(self.folder / f"{key}.json", json.dumps(_encode(checked, key)))
        except OSError:
            pass


def _encode(checked: FileCheck, key: str) -> dict[str, Any]:
    positions = checked.positions
    return {
        "format": FORMAT,
        "key": key,
        "meta": checked.meta.model_dump(mode="json") if checked.meta else None,
        "body": checked.body,
        "body_line": checked.body_line,
        "keys": [[list(path), *at] for path, at in positions.keys.items()],
        "values": [[list(path), *at] for path, at in positions.values.items()],
        "start": list(positions.start),
        "findings": [
            [f.line, f.column, f.rule, f.level.value, f.message, f.suggestion]
            for f in checked.findings
        ],
    }


def _decode(entry: dict[str, Any], key: str, display: str) -> FileCheck:
    """Rebuild a check from an entry, trusting nothing in it (raises ValueError & co.)."""
    if entry["format"] != FORMAT or entry["key"] != key:
        raise ValueError("an entry of another version or key")
    try:
        meta = None if entry["meta"] is None else FrontMatter.model_validate(entry["meta"])
    except ValidationError as error:
        raise ValueError("front matter does not validate") from error
    positions = Positions(
        {_path(path): (_int(line), _int(column)) for path, line, column in entry["keys"]},
        {_path(path): (_int(line), _int(column)) for path, line, column in entry["values"]},
        (_int(entry["start"][0]), _int(entry["start"][1])),
    )
    findings = tuple(
        Finding(
            display,
            _int(line),
            _int(column),
            _str(rule),
            Level(level),
            _str(message),
            None if hint is None else _str(hint),
        )
        for line, column, rule, level, message, hint in entry["findings"]
    )
    return FileCheck(meta, _str(entry["body"]), _int(entry["body_line"]), positions, findings)


def _path(parts: list[Any]) -> YamlPath:
    return tuple(
        part if isinstance(part, int) and not isinstance(part, bool) else _str(part)
        for part in parts
    )


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not a number")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value
