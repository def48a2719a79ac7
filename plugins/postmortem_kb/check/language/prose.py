"""The prose of a postmortem body, as the language rules see it, with exact file positions.

Code blocks, inline code, HTML, link targets, quoted strings and blockquotes are masked out
(quoted chat and log lines are not the author's words). Suppression comments are read here.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

from postmortem_kb.source.blocks import HEADING, HTML, ITEM, PARAGRAPH, ROW, Block
from postmortem_kb.source.body import Body

# Every alternative is bounded in length, so masking stays linear on hostile input.
_MASKS = re.compile(
    r"`{1,8}[^`\n]{0,500}?`{1,8}"  # inline code
    r"|<!--[^\n]{0,500}?-->|</?[A-Za-z][^<>\n]{0,300}>"  # HTML comments and tags
    r"|\]\([^()\n]{0,500}\)"  # link targets
    r'|"[^"\n]{0,300}"|“[^”\n]{0,300}”|‘[^’\n]{0,300}’|«[^»\n]{0,300}»'  # quoted strings
    r"|https?://[^\s<>]{1,500}",  # bare URLs
)
_DIRECTIVE = re.compile(
    r"<!--\s{0,20}blameless-(?P<verb>ignore|disable|enable)\b(?P<rules>[^:>\n]{0,300}?)"
    r"(?::(?P<reason>[^\n]{0,500}?))?\s{0,20}-->"
)
_NOT_NEWLINE = re.compile(r"[^\n]")
_NEWLINE = re.compile(r"\n")
ALL_RULES = "*"


@dataclass(frozen=True)
class ProseBlock:
    """A paragraph, list item, table cell or heading: masked text and where each line starts."""

    text: str
    starts: tuple[tuple[int, int], ...]  # (file line, column) of each line of ``text``
    section: str  # the enclosing level-2 heading, lowercase ("" before the first)
    subsection: str  # the enclosing level-3 heading, lowercase

    @cached_property
    def _line_offsets(self) -> list[int]:
        offsets = [0]
        offsets.extend(match.end() for match in _NEWLINE.finditer(self.text))
        return offsets

    def position(self, offset: int) -> tuple[int, int]:
        """File line and column of ``offset`` in ``text``."""
        number = bisect.bisect_right(self._line_offsets, offset) - 1
        line, column = self.starts[min(number, len(self.starts) - 1)]
        return line, column + offset - self._line_offsets[number]


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


def prose(body: Body) -> tuple[list[ProseBlock], Suppressions]:
    """Return the checkable blocks of a body and the suppressions its comments set."""
    offset = body.first_line
    result: list[ProseBlock] = []
    suppressions = Suppressions()
    disabled: dict[str, int] = {}
    pending: frozenset[str] | None = None  # rules of an ignore-next comment
    section = subsection = ""
    blocks = body.blocks
    for index, block in enumerate(blocks):
        if block.kind == HTML:
            rules = _directives(block.text, block.start + offset, disabled, suppressions)
            pending = rules or pending
            continue
        if pending is not None:
            last = _last_of_group(blocks, index)
            suppressions.ranges.append((block.start + offset, last + offset - 1, pending))
            pending = None
        if block.kind == HEADING:
            title = " ".join(block.text.split()).casefold()
            if block.level == 2:
                section, subsection = title, ""
            elif block.level == 3:
                subsection = title
        if block.kind in (HEADING, PARAGRAPH, ITEM, ROW):
            starts = tuple((line + offset, column + 1) for line, column in block.starts)
            result.append(ProseBlock(mask(block.text), starts, section, subsection))
    last_line = offset + max((b.end for b in blocks), default=0)
    for rule, start in disabled.items():
        suppressions.ranges.append((start, last_line, frozenset({rule})))
    return result, suppressions


def _last_of_group(blocks: list[Block], index: int) -> int:
    """End line of the block at ``index``, or of its whole list or table."""
    block = blocks[index]
    end = block.end
    if block.kind in (ITEM, ROW):
        for later in blocks[index + 1 :]:
            if later.group != block.group or later.kind not in (ITEM, ROW, PARAGRAPH):
                break
            end = max(end, later.end)
    return end


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
