"""The prose of a postmortem body, as the language rules see it, with exact file positions.

Code blocks, inline code, HTML, link targets, quoted strings and blockquotes are masked out
(quoted chat and log lines are not the author's words). Suppression comments are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from .body import Body

_MASKS = re.compile(
    r"`+[^`\n]*`+"  # inline code
    r"|<!--.*?-->|</?[A-Za-z][^>\n]*>"  # HTML comments and tags
    r"|\]\([^)\n]*\)"  # link targets
    r'|"[^"\n]*"|“[^”\n]*”|‘[^’\n]*’|«[^»\n]*»'  # quoted strings
    r"|https?://\S+",  # bare URLs
    re.DOTALL,
)
_DIRECTIVE = re.compile(
    r"<!--\s*blameless-(?P<verb>ignore|disable|enable)\b(?P<rules>[^:>]*?)(?::(?P<reason>.*?))?\s*-->",
    re.DOTALL,
)
_NOT_NEWLINE = re.compile(r"[^\n]")
ALL_RULES = "*"


@dataclass(frozen=True)
class ProseBlock:
    """A paragraph, list item, table cell or heading: masked text and where each line starts."""

    text: str
    starts: tuple[tuple[int, int], ...]  # (file line, column) of each line of ``text``
    section: str  # the enclosing level-2 heading, lowercase ("" before the first)
    subsection: str  # the enclosing level-3 heading, lowercase

    def position(self, offset: int) -> tuple[int, int]:
        """File line and column of ``offset`` in ``text``."""
        number = self.text.count("\n", 0, offset)
        line_start = self.text.rfind("\n", 0, offset) + 1
        line, column = self.starts[number]
        return line, column + offset - line_start


@dataclass
class Suppressions:
    """Rules switched off for line ranges by comments in the body."""

    ranges: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)

    def allows(self, rule: str, line: int) -> bool:
        """False when ``rule`` is suppressed on ``line``."""
        return not any(
            start <= line <= end and (rule in rules or ALL_RULES in rules)
            for start, end, rules in self.ranges
        )


def mask(text: str) -> str:
    """Blank out code, HTML, link targets, URLs and quotations, keeping every offset."""
    return _MASKS.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group()), text)


def prose(source_lines: list[str], body: Body) -> tuple[list[ProseBlock], Suppressions]:
    """Return the checkable lines of a body and the suppressions its comments set."""
    offset = body.first_line
    blocks: list[ProseBlock] = []
    suppressions = Suppressions()
    disabled: dict[str, int] = {}
    pending: tuple[frozenset[str], int] | None = None  # ignore-next rules, block level
    section = subsection = ""
    quote_depth = 0
    cursor: dict[int, int] = {}  # where the next search starts on a line (table cells)
    tokens = body.tokens
    for index, token in enumerate(tokens):
        if token.type == "html_block" and token.map:
            rules = _directives(token.content, token.map[0] + offset, disabled, suppressions)
            if rules:
                pending = (rules, token.level)
            continue
        if pending and token.map and token.level == pending[1] and token.nesting >= 0:
            start, end = token.map[0] + offset, token.map[1] + offset - 1
            suppressions.ranges.append((start, end, pending[0]))
            pending = None
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "heading_open":
            title = tokens[index + 1].content.strip().casefold()
            if token.tag == "h2":
                section, subsection = title, ""
            elif token.tag == "h3":
                subsection = title
        elif token.type == "inline" and token.map and not quote_depth:
            blocks.append(_block(token, source_lines, offset, cursor, section, subsection))
    last = offset + len(source_lines)
    for rule, start in disabled.items():
        suppressions.ranges.append((start, last, frozenset({rule})))
    return blocks, suppressions


def _directives(
    html: str, line: int, disabled: dict[str, int], suppressions: Suppressions
) -> frozenset[str] | None:
    """Apply disable/enable comments; return the rules of an ignore-next comment, if any."""
    ignore: frozenset[str] | None = None
    for match in _DIRECTIVE.finditer(html):
        named = {name for name in re.split(r"[\s,]+", match["rules"].strip()) if name}
        rules = frozenset(named or {ALL_RULES})
        if match["verb"] == "ignore":
            ignore = rules
        elif match["verb"] == "disable":
            for rule in rules:
                disabled.setdefault(rule, line)
        else:
            for rule in rules:
                if rule in disabled:
                    suppressions.ranges.append((disabled.pop(rule), line, frozenset({rule})))
    return ignore


def _block(
    token: Token,
    source_lines: list[str],
    offset: int,
    cursor: dict[int, int],
    section: str,
    subsection: str,
) -> ProseBlock:
    assert token.map is not None
    starts = []
    for number, text in enumerate(token.content.split("\n")):
        index = token.map[0] + number
        source = source_lines[index] if index < len(source_lines) else ""
        column = source.find(text, cursor.get(index, 0)) if text else -1
        if column < 0:
            column = len(source) - len(source.lstrip())
        cursor[index] = column + len(text)
        starts.append((index + offset, column + 1))
    return ProseBlock(mask(token.content), tuple(starts), section, subsection)
