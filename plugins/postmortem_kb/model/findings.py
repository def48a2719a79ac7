"""A finding: one problem in one file, at one place, with a stable rule id."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Level(str, Enum):
    """How much a finding matters: errors fail a check, warnings fail a strict one."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """A problem found in a postmortem file (line and column are 1-based)."""

    path: str
    line: int
    column: int
    rule: str
    level: Level
    message: str
    suggestion: str | None = None

    def location(self) -> str:
        """Return ``path:line:column``."""
        return f"{self.path}:{self.line}:{self.column}"

    def as_dict(self) -> dict[str, object]:
        """Return the JSON shape of a finding."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "level": self.level.value,
            "message": self.message,
            "suggestion": self.suggestion,
        }


def sort_key(finding: Finding) -> tuple[str, int, int, str]:
    """Order findings by file, then position, then rule."""
    return (finding.path, finding.line, finding.column, finding.rule)


def fails(finding: Finding, *, strict: bool) -> bool:
    """Tell whether a finding fails a check (warnings fail only in strict mode)."""
    if finding.level is Level.ERROR:
        return True
    return strict and finding.level is Level.WARNING
