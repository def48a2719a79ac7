"""Blameless-language checks: run the rules of ``rules.yml`` over a postmortem's prose.

Precision matters more than recall: phrases such as "failed to" count only when a person is
their subject, and quotations, code and blockquotes are never checked.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from postmortem_kb.check.language.prose import ProseBlock, Suppressions, mask
from postmortem_kb.check.language.rules import (
    LanguageRule,
    LanguageRules,
    language_rules,
    normalised,
)
from postmortem_kb.model.report import Report

_CLAUSE_END = re.compile(r"[.;:!?,()\[\]—–]|\s-\s|\x00")
_WORD = re.compile(r"@?[\w][\w.'’-]*")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\x00")
_SEPARATOR = "\n\x00\n"
_NOT_NEWLINE = re.compile(r"[^\n]")
_DETERMINERS = frozenset({"the", "a", "an", "our", "this", "that", "their", "his", "her", "my"})
# Words that may open a clause before its subject ("and then the engineer ...").
_LEADING = _DETERMINERS | {"and", "but", "so", "or", "when", "after", "before", "while", "once"}
_PREPOSITIONS = frozenset(
    {"to", "by", "with", "for", "from", "of", "about", "than", "like", "without", "against"}
)
# Words that open a clause inside a clause: its subject is the one after them.
_SUBORDINATORS = frozenset(
    {
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "because",
        "since",
        "where",
        "whether",
        "if",
        "although",
        "though",
        "until",
        "unless",
        "so",
    }
)
# Handles that name a group or a rota rather than one person.
_GROUP_HANDLE = re.compile(r"(?:^team-|-team$|oncall|on-call|^sre-|-sre$|rota|squad)", re.I)


@dataclass(frozen=True)
class People:
    """Who a postmortem names: individuals (for the naming rule) and every handle."""

    individuals: frozenset[str]
    handles: frozenset[str]

    @classmethod
    def of(cls, handles: Iterable[str]) -> People:
        """Split handles into individuals and groups (team-*, *-oncall, ...)."""
        cleaned = {h.strip().lstrip("@") for h in handles if h and h.strip()}
        individuals = {h for h in cleaned if not _GROUP_HANDLE.search(h)}
        return cls(frozenset(individuals), frozenset(h.casefold() for h in cleaned))


@dataclass(frozen=True)
class Text:
    """Checkable text: prose blocks of the body, or one front-matter value."""

    blocks: list[ProseBlock]
    sections: dict[str, str]  # heading (lowercase) -> canonical section name (lowercase)
    action_item: bool = False


class _TermMask:
    """The text with technical terms blanked out, computed only when a rule first matches
    (most postmortems have no match at all): a term is never judgmental ("sloppy quorum"),
    and a person word inside one is no person ("the Kubernetes operator")."""

    def __init__(self, text: str, lowered: str, rules: LanguageRules) -> None:
        self._text = text
        self._lowered = lowered
        self._rules = rules
        self._masked: str | None = None

    def text(self) -> str:
        if self._masked is None:
            masked = self._text
            for term in self._rules.technical_terms:
                if any(map(self._lowered.__contains__, term.keywords)):
                    masked = term.compiled.sub(_blank, masked)
            self._masked = masked
        return self._masked


class _Joined:
    """All blocks as one string, so each rule runs once per file, with offsets back."""

    def __init__(self, blocks: list[ProseBlock]) -> None:
        self.blocks = blocks
        self.starts: list[int] = []
        parts: list[str] = []
        position = 0
        for block in blocks:
            self.starts.append(position)
            parts.append(block.text)
            position += len(block.text) + len(_SEPARATOR)
        self.text = _SEPARATOR.join(parts)

    def locate(self, offset: int) -> tuple[ProseBlock, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.blocks[index], offset - self.starts[index]


def check_language(
    text: Text,
    people: People,
    suppressions: Suppressions,
    allowed: frozenset[str],
    report: Report,
) -> None:
    """Report every blaming phrase in ``text`` that is not suppressed or allowed."""
    rules = language_rules()
    joined = _Joined(text.blocks)
    if not joined.text.strip():
        return
    lowered = normalised(joined.text)  # keywords may hold spaces: one space per run
    masked = _TermMask(joined.text, lowered, rules)
    for rule in rules.rules:
        if rule.id in allowed or (text.action_item and not rule.action_items):
            continue
        keywords = _people_keywords(people) if rule.is_people else rule.keywords
        if not any(map(lowered.__contains__, keywords)):
            continue
        pattern = rule.compiled or _people_pattern(people)
        for match in pattern.finditer(joined.text):
            block, offset = joined.locate(match.start())
            if not _applies(rule, block, text):
                continue
            if rule.is_people and _GROUP_HANDLE.search(match.group().lstrip("@")):
                continue  # @team-db, @payments-oncall: a group, not an individual
            checked = masked.text()
            if checked[match.start() : match.end()] != match.group():
                continue  # the match is (part of) a technical term ("sloppy quorum")
            who = _confirmed(rule, match, checked, rules, people)
            if who is None:
                continue
            line, column = block.position(offset + _leading_space(match))
            if not suppressions.allows(rule.id, line):
                continue
            report.add(
                rule.id,
                line,
                column,
                f"{rule.message}: '{_snippet(match.group())}'",
                _hint(rule, match, checked, who),
                level=rule.level,
            )


def _hint(rule: LanguageRule, match: re.Match[str], text: str, who: str) -> str:
    """The rule's suggestion, with the matched words when the rule has a hint for them."""
    if not rule.hint:
        return rule.suggestion
    end = _CLAUSE_END.search(text, match.end(), match.end() + 120)
    rest = " ".join(_WORD.findall(text[match.end() : end.start() if end else match.end() + 60]))
    fields = {
        "match": " ".join(match.group().split()),
        "who": who,
        "rest": " ".join(rest.split()[:8]),
    }
    if any(f"{{{name}}}" in rule.hint and not value for name, value in fields.items()):
        return rule.suggestion
    return rule.hint.format(**fields)


def _blank(match: re.Match[str]) -> str:
    return _NOT_NEWLINE.sub(" ", match.group())


def _leading_space(match: re.Match[str]) -> int:
    return len(match.group()) - len(match.group().lstrip())


def _snippet(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= 60 else words[:57] + "..."


def _applies(rule: LanguageRule, block: ProseBlock, text: Text) -> bool:
    if text.action_item:
        return rule.action_items
    if rule.sections is None:
        return True
    return text.sections.get(block.section, block.section) in rule.sections


def _confirmed(
    rule: LanguageRule, match: re.Match[str], text: str, rules: LanguageRules, people: People
) -> str | None:
    """None when the match does not count; else the person it is about ("" when unknown)."""
    sentence = _sentence(text, match.start(), match.end())
    if any(exception.search(sentence) for exception in rule.exceptions):
        return None
    named = [value for key, value in match.groupdict().items() if key.startswith("who") and value]
    if named:
        words = [w for w in _WORD.findall(named[0]) if w.casefold() not in _DETERMINERS]
        return _person(words, rules, people, rule)
    if rule.subject == "none":
        return ""
    if rule.subject == "possessor":  # "the engineer's failure to": the engineer must be a person
        before = _WORD.findall(text[max(0, match.start() - 60) : match.start()])
        owner = before[-1] if before else ""
        if (
            not owner.casefold().endswith(("'s", "’s"))
            or text[match.start() - 1 : match.start()] != " "
        ):
            return ""
        return _person([owner], rules, people, rule)
    if rule.subject == "person-before":
        start = _clause_start(text, match.start())
        words = _WORD.findall(text[start : match.start()])
        while words and words[-1].casefold() in rules.skip_words:
            words.pop()
        if _governed(words):
            return None  # "Appointing an incident manager could have helped"
        found = _person(words[-2:], rules, people, rule, last=True)
        if found is None and "who" in (lowered := [w.casefold() for w in words]):
            index = lowered.index("who")  # "the developer who wrote the loop is to blame"
            found = _person(words[max(0, index - 2) : index], rules, people, rule, last=True)
        return found
    if rule.subject == "person-subject":
        start = _clause_start(text, match.start())
        words = _WORD.findall(text[start : match.start()])
        inner = [n for n, word in enumerate(words) if word.casefold() in _SUBORDINATORS]
        words = words[inner[-1] + 1 :] if inner else words  # "X determines that the job ..."
        while words and (
            words[0].casefold() in _LEADING or words[0].casefold() in rules.skip_words
        ):
            words.pop(0)
        return _person(words[:2], rules, people, rule) if words[:2] else None
    following = match.group("after") if "after" in match.groupdict() else None
    after = _WORD.findall(following or text[match.end() : match.end() + 80])
    after = [w for w in after if w.casefold() not in _DETERMINERS][:3]
    for word in after:
        if (found := _person([word], rules, people, rule)) is not None:
            return found
    return _person(after[:2], rules, people, rule)


def _governed(words: list[str]) -> bool:
    """True when the noun phrase that ends ``words`` is the object of a gerund or a
    preposition ("paging the on-call engineer", "sent to the on-call engineer"): then it is
    not the subject of what follows."""
    for index in range(len(words) - 2, max(-1, len(words) - 5), -1):
        word = words[index].casefold()
        if word in _PREPOSITIONS or (len(word) > 4 and word.endswith("ing")):
            return True
        if word in _DETERMINERS:
            before = words[index - 1].casefold() if index > 0 else ""
            return before in _PREPOSITIONS or (len(before) > 4 and before.endswith("ing"))
    return False


def _clause_start(text: str, end: int) -> int:
    """Start of the clause that ends at ``end``, looking back at most 200 characters."""
    start = max(0, end - 200)
    for found in _CLAUSE_END.finditer(text, start, end):
        start = found.end()
    return start


def _sentence(text: str, start: int, end: int) -> str:
    before = max(0, start - 300)
    for found in _SENTENCE_END.finditer(text, before, start):
        before = found.end()
    limit = min(len(text), end + 300)
    after = _SENTENCE_END.search(text, end, limit)
    return text[before : after.end() if after else limit]


def _person(
    words: list[str],
    rules: LanguageRules,
    people: People,
    rule: LanguageRule,
    *,
    last: bool = False,
) -> str | None:
    """The words that name a person (see :func:`_is_person`), or None."""
    if not _is_person(words, rules, people, rule, last=last):
        return None
    named = [w for w in (words[-2:] if last else words) if w.casefold() not in _DETERMINERS]
    return " ".join(named)


def _is_person(
    words: list[str],
    rules: LanguageRules,
    people: People,
    rule: LanguageRule,
    *,
    last: bool = False,
) -> bool:
    """True when the words name a person: a person word, a known handle, an @mention, a
    capitalised given name, or a person's act ("Greg's typo")."""
    if not words:
        return False
    candidates = [words[-1]] if last else list(words)
    if len(words) >= 2:
        candidates.append(" ".join(words[-2:]))
    for word in candidates:
        plain = _plain(word)
        if plain in rule.not_people:
            continue
        if (
            word.startswith("@")
            or plain in rules.person_words
            or plain in rule.also_people
            or plain in people.handles
            or _GROUP_HANDLE.search(plain)
            or (word[:1].isupper() and plain in rules.given_names)
        ):
            return True
    if last and len(words) >= 2 and _plain(words[-1]) in rules.possessed_acts:
        owner = words[-2]
        if owner.casefold().endswith(("'s", "’s")) and _is_person([owner], rules, people, rule):
            return True
    return False


def _plain(word: str) -> str:
    return word.casefold().removesuffix("'s").removesuffix("’s").rstrip(".")


def _people_keywords(people: People) -> tuple[str, ...]:
    return ("@", *(name.casefold() for name in people.individuals))


def _people_pattern(people: People) -> re.Pattern[str]:
    """Known individuals as written or capitalised, and any @mention."""
    forms = sorted(
        {form for name in people.individuals for form in (name, name[:1].upper() + name[1:])},
        key=len,
        reverse=True,
    )
    names = "|".join(re.escape(form) for form in forms)
    mention = r"@[A-Za-z][\w.-]*"
    body = f"{mention}|(?:{names})" if names else mention
    return re.compile(rf"(?<![\w@.-])(?:{body})(?![\w-])")


def front_matter_text(value: str, line: int, column: int) -> Text:
    """A front-matter value (an action-item title) as checkable text."""
    block = ProseBlock(mask(" ".join(value.split("\n"))), ((line, column),), "", "")
    return Text([block], {}, action_item=True)
