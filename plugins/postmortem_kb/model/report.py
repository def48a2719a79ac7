"""Collect findings for one file, applying the configured rule levels."""

from __future__ import annotations

from collections.abc import Mapping

from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.rules import RULES


def printable(text: str) -> str:
    """Escape control, format (bidi) and line-separator characters quoted from a file.

    Messages quote values from front matter; a newline or an escape sequence in one must
    not forge a second finding line in the terminal or the build log.
    """
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


class Report:
    """Findings for one file; rules turned off in the settings are dropped here."""

    def __init__(self, path: str, rule_levels: Mapping[str, Level | None]) -> None:
        self.path = path
        self.rule_levels = rule_levels
        self.findings: list[Finding] = []

    def add(
        self,
        rule: str,
        line: int,
        column: int,
        message: str,
        suggestion: str | None = None,
        *,
        level: Level | None = None,
    ) -> bool:
        """Record a finding; ``level`` overrides the rule's default (e.g. info for drafts).

        Returns False when the rule is turned off in the settings.
        """
        if rule in self.rule_levels:
            configured = self.rule_levels[rule]
            if configured is None:
                return False
            level = configured
        elif level is None:
            level = RULES[rule].level
        self.findings.append(
            Finding(
                self.path,
                max(line, 1),
                max(column, 1),
                rule,
                level,
                printable(message),
                printable(suggestion) if suggestion is not None else None,
            )
        )
        return True
