"""Load the blameless-language rules from ``rules.yml`` (rules are data, not code)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from postmortem_kb.model.findings import Level
from postmortem_kb.model.rules import language_rule_data

SUBJECTS = ("none", "person-before", "person-after")
PEOPLE_PLACEHOLDER = "{people}"


class LanguageRuleError(ValueError):
    """The rule file is invalid (a packaging bug, reported with the rule id)."""


@dataclass(frozen=True)
class LanguageRule:
    """One language rule and its documentation."""

    id: str
    category: str
    level: Level
    pattern: str
    compiled: re.Pattern[str] | None  # None for the {people} rule, built per postmortem
    keywords: tuple[str, ...]  # a match always contains one of these (lowercase)
    subject: str
    exceptions: tuple[re.Pattern[str], ...]
    sections: frozenset[str] | None
    action_items: bool
    message: str
    suggestion: str
    source: str
    flag: tuple[str, ...]
    passing: tuple[str, ...]


@dataclass(frozen=True)
class LanguageRules:
    """All language rules with the vocabulary used to recognise people."""

    rules: tuple[LanguageRule, ...]
    person_words: frozenset[str]
    skip_words: frozenset[str]

    def ids(self) -> frozenset[str]:
        """Every language rule id."""
        return frozenset(rule.id for rule in self.rules)


def compile_pattern(pattern: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    """Compile a rule pattern: a space matches any white space, including line breaks."""
    flags = re.MULTILINE if case_sensitive else re.MULTILINE | re.IGNORECASE
    return re.compile(pattern.replace(" ", r"\s+"), flags)


@cache
def language_rules() -> LanguageRules:
    """The packaged rules, loaded and validated once per process."""
    data = language_rule_data()
    rules = tuple(_rule(entry) for entry in data["rules"])
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise LanguageRuleError("duplicate rule id in rules.yml")
    return LanguageRules(
        rules,
        frozenset(word.casefold() for word in data["person_words"]),
        frozenset(word.casefold() for word in data["skip_words"]),
    )


def _rule(entry: dict[str, Any]) -> LanguageRule:
    rule_id = entry.get("id", "?")
    try:
        subject = entry.get("subject", "none")
        if subject not in SUBJECTS:
            raise LanguageRuleError(f"subject must be one of {SUBJECTS}")
        pattern = str(entry["pattern"])
        compiled = (
            None
            if pattern == PEOPLE_PLACEHOLDER
            else compile_pattern(pattern, case_sensitive=bool(entry.get("case_sensitive")))
        )
        sections = entry.get("sections")
        keywords = tuple(str(k).casefold() for k in entry.get("keywords", []))
        if compiled is not None and not keywords:
            raise LanguageRuleError("keywords are required")
        for example in entry.get("flag", []) if keywords else []:
            if not any(keyword in example.casefold() for keyword in keywords):
                raise LanguageRuleError(f"flag example holds none of the keywords: {example!r}")
        return LanguageRule(
            id=rule_id,
            category=entry["category"],
            level=Level(entry["level"]),
            pattern=pattern,
            compiled=compiled,
            keywords=keywords,
            subject=subject,
            exceptions=tuple(compile_pattern(p) for p in entry.get("exceptions", [])),
            sections=frozenset(s.casefold() for s in sections) if sections else None,
            action_items=bool(entry.get("action_items", True)),
            message=entry["message"],
            suggestion=entry["suggestion"],
            source=entry["source"],
            flag=tuple(entry.get("flag", [])),
            passing=tuple(entry.get("pass", [])),
        )
    except (KeyError, ValueError, re.error) as error:
        raise LanguageRuleError(f"language rule {rule_id!r}: {error}") from error
