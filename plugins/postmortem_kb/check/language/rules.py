"""Load the blameless-language rules from ``rules.yml`` (rules are data, not code)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from postmortem_kb.model.findings import Level
from postmortem_kb.model.rules import language_rule_data

SUBJECTS = ("none", "person-before", "person-after", "person-subject", "possessor")
HINT_FIELDS = ("match", "who", "rest")
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
    case_sensitive: bool
    keywords: tuple[str, ...]  # a match always contains one of these (lowercase)
    subject: str
    exception_patterns: tuple[str, ...]
    sections: frozenset[str] | None
    action_items: bool
    message: str
    suggestion: str
    source: str
    flag: tuple[str, ...]
    passing: tuple[str, ...]
    hint: str = ""  # the suggestion with the matched words: {match}, {who}, {rest}
    also_people: frozenset[str] = frozenset()  # more subject words for this rule ("they")
    not_people: frozenset[str] = frozenset()  # person words this rule ignores ("we")

    @property
    def is_people(self) -> bool:
        """True for the rule whose pattern is the postmortem's people, built per postmortem."""
        return self.pattern == PEOPLE_PLACEHOLDER

    @cached_property
    def compiled(self) -> re.Pattern[str] | None:
        """The pattern, compiled the first time a text holds one of the keywords (most
        postmortems need few of the rules, and start-up time matters); None for people."""
        if self.is_people:
            return None
        return compile_pattern(self.pattern, case_sensitive=self.case_sensitive)

    @cached_property
    def exceptions(self) -> tuple[re.Pattern[str], ...]:
        """The exception patterns, compiled on first use."""
        return tuple(compile_pattern(p) for p in self.exception_patterns)


@dataclass(frozen=True)
class TechnicalTerm:
    """A technical term that contains a judgmental word ("sloppy quorum"): never reported."""

    pattern: str
    keywords: tuple[str, ...]  # lowercase; text holding none of them has no such term
    source: str
    examples: tuple[str, ...]

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        """The term as whole words, compiled on first use."""
        return compile_pattern(_bounded(self.pattern))


@dataclass(frozen=True)
class LanguageRules:
    """All language rules with the vocabulary used to recognise people."""

    rules: tuple[LanguageRule, ...]
    person_words: frozenset[str]
    skip_words: frozenset[str]
    given_names: frozenset[str] = frozenset()  # lowercase; a person when capitalised
    possessed_acts: frozenset[str] = frozenset()  # "Greg's typo": an act of a person
    common_word_names: frozenset[str] = frozenset()  # "will": never a name from git
    technical_terms: tuple[TechnicalTerm, ...] = ()
    term_keywords: tuple[str, ...] = ()

    def ids(self) -> frozenset[str]:
        """Every language rule id."""
        return frozenset(rule.id for rule in self.rules)

    @cached_property
    def terms(self) -> re.Pattern[str] | None:
        """Every technical term as one pattern, compiled on first use."""
        if not self.technical_terms:
            return None
        return compile_pattern(_bounded("|".join(f"(?:{t.pattern})" for t in self.technical_terms)))

    def check(self) -> None:
        """Compile every pattern and try every technical-term example (for the test suite;
        loading compiles nothing, so a bad pattern would surface only when a text needs it)."""
        for rule in self.rules:
            try:
                _ = rule.compiled, rule.exceptions
            except re.error as error:
                raise LanguageRuleError(f"language rule {rule.id!r}: {error}") from error
        for term in self.technical_terms:
            try:
                compiled = term.compiled
            except re.error as error:
                raise LanguageRuleError(f"technical term {term.pattern!r}: {error}") from error
            for example in term.examples:
                if not compiled.search(example):
                    raise LanguageRuleError(f"example does not contain the term: {example!r}")
        _ = self.terms


def compile_pattern(pattern: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    """Compile a rule pattern: a space matches any white space, including line breaks."""
    flags = re.MULTILINE if case_sensitive else re.MULTILINE | re.IGNORECASE
    return re.compile(pattern.replace(" ", r"\s+"), flags)


def normalised(text: str) -> str:
    """Text as keywords see it: lowercase, every run of white space one space."""
    return " ".join(text.casefold().split())


@cache
def language_rules() -> LanguageRules:
    """The packaged rules, loaded and validated once per process."""
    data = language_rule_data()
    rules = tuple(_rule(entry) for entry in data["rules"])
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise LanguageRuleError("duplicate rule id in rules.yml")
    terms = tuple(_term(entry) for entry in data.get("technical_terms", []))
    return LanguageRules(
        rules,
        frozenset(word.casefold() for word in data["person_words"]),
        frozenset(word.casefold() for word in data["skip_words"]),
        frozenset(str(name).casefold() for name in data.get("given_names", [])),
        frozenset(str(noun).casefold() for noun in data.get("possessed_acts", [])),
        frozenset(str(word).casefold() for word in data.get("common_word_names", [])),
        terms,
        tuple(sorted({keyword for term in terms for keyword in term.keywords})),
    )


def _term(entry: dict[str, Any]) -> TechnicalTerm:
    try:
        term = TechnicalTerm(
            str(entry["term"]),
            tuple(str(k).casefold() for k in entry["keywords"]),
            str(entry["source"]),
            tuple(entry["examples"]),
        )
        for example in term.examples:
            if not any(keyword in normalised(example) for keyword in term.keywords):
                raise LanguageRuleError(f"example holds none of the keywords: {example!r}")
    except KeyError as error:
        raise LanguageRuleError(f"technical term {entry.get('term')!r}: {error}") from error
    return term


def _bounded(pattern: str) -> str:
    """A term matches whole words only ("lazy loading", not "lazy loadings")."""
    return rf"(?<![\w-])(?:{pattern})(?![\w-])"


def _rule(entry: dict[str, Any]) -> LanguageRule:
    rule_id = entry.get("id", "?")
    try:
        subject = entry.get("subject", "none")
        if subject not in SUBJECTS:
            raise LanguageRuleError(f"subject must be one of {SUBJECTS}")
        pattern = str(entry["pattern"])
        sections = entry.get("sections")
        keywords = tuple(str(k).casefold() for k in entry.get("keywords", []))
        if pattern != PEOPLE_PLACEHOLDER and not keywords:
            raise LanguageRuleError("keywords are required")
        if any(keyword != " ".join(keyword.split(" ")) or "  " in keyword for keyword in keywords):
            raise LanguageRuleError("keywords are separated by single spaces")
        for example in entry.get("flag", []) if keywords else []:
            if not any(keyword in normalised(example) for keyword in keywords):
                raise LanguageRuleError(f"flag example holds none of the keywords: {example!r}")
        hint = str(entry.get("hint", ""))
        fields = {name for _, name, _, _ in string.Formatter().parse(hint) if name is not None}
        if fields - set(HINT_FIELDS):
            raise LanguageRuleError(f"hint fields must be among {HINT_FIELDS}")
        return LanguageRule(
            id=rule_id,
            category=entry["category"],
            level=Level(entry["level"]),
            pattern=pattern,
            case_sensitive=bool(entry.get("case_sensitive")),
            keywords=keywords,
            subject=subject,
            exception_patterns=tuple(str(p) for p in entry.get("exceptions", [])),
            sections=frozenset(s.casefold() for s in sections) if sections else None,
            action_items=bool(entry.get("action_items", True)),
            message=entry["message"],
            suggestion=entry["suggestion"],
            source=entry["source"],
            flag=tuple(entry.get("flag", [])),
            passing=tuple(entry.get("pass", [])),
            hint=hint,
            also_people=frozenset(str(w).casefold() for w in entry.get("also_people", [])),
            not_people=frozenset(str(w).casefold() for w in entry.get("not_people", [])),
        )
    except (KeyError, ValueError) as error:
        raise LanguageRuleError(f"language rule {rule_id!r}: {error}") from error
