"""A fast, line-accurate scanner for the block structure of Markdown that checks need.

It recognises what the checks read: ATX and setext headings, fenced and indented code,
HTML blocks, blockquotes, lists (with nesting depth), pipe tables and paragraphs, each with
the exact line and column of its text. It follows CommonMark closely for these blocks and
does not parse inline markup; a full Markdown parser costs several times more than reading
the front matter, and ``postmortem check`` must stay fast (see ``make bench``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING, PARAGRAPH, ITEM, ROW, CODE, HTML, QUOTE = (
    "heading",
    "paragraph",
    "item",
    "row",
    "code",
    "html",
    "quote",
)

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_HTML = re.compile(r"^ {0,3}<(?:!--|[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|/[A-Za-z])")
_QUOTE = re.compile(r"^ {0,3}>")
_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])([ \t]+|$)")
_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


@dataclass(frozen=True)
class Block:
    """A block of the body: its kind, lines (0-based, end exclusive) and text positions.

    ``text`` holds the block's inline content (heading title, paragraph, list-item first
    paragraph, table cell) with one line per source line; ``starts`` gives the (line, column)
    of each of those lines, both 0-based. ``group`` is shared by the items of one list and
    the rows of one table; ``depth`` is a list item's nesting (1 for top level).
    """

    kind: str
    start: int
    end: int
    text: str = ""
    starts: tuple[tuple[int, int], ...] = ()
    level: int = 0
    depth: int = 0
    group: int = 0


def scan(lines: list[str]) -> list[Block]:
    """Scan body lines into blocks, in order."""
    return _Scanner(lines).run()


class _Scanner:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.blocks: list[Block] = []
        self.group = 0
        self.list_indents: list[int] = []  # content columns of the open list items
        self.in_list = False

    def run(self) -> list[Block]:
        index = 0
        while index < len(self.lines):
            index = self._block_at(index)
        return self.blocks

    def _add(self, block: Block) -> None:
        self.blocks.append(block)

    def _new_group(self) -> int:
        self.group += 1
        return self.group

    def _block_at(self, index: int) -> int:
        line = self.lines[index]
        if not line.strip():
            return index + 1
        indent = len(line) - len(line.lstrip(" "))
        if self.in_list and not _ITEM.match(line) and indent < self._content_indent():
            self._close_list()
        if indent >= 4 + self._content_indent() and not self._continues_paragraph(index):
            return self._indented_code(index)
        if _FENCE.match(line):
            return self._fence(index)
        if _ATX.match(line):
            return self._atx(index)
        if _HTML.match(line):
            return self._html(index)
        if _QUOTE.match(line):
            return self._quote(index)
        if _HR.match(line):
            return index + 1
        item = _ITEM.match(line)
        if item and (item.group(3) or index + 1 < len(self.lines)):
            return self._item(index, item)
        if "|" in line and index + 1 < len(self.lines) and _DELIMITER.match(self.lines[index + 1]):
            return self._table(index)
        return self._paragraph(index, self._new_group(), PARAGRAPH, depth=0)

    def _content_indent(self) -> int:
        return self.list_indents[-1] if self.list_indents else 0

    def _close_list(self) -> None:
        self.list_indents.clear()
        self.in_list = False

    def _continues_paragraph(self, index: int) -> bool:
        return (
            index > 0
            and bool(self.lines[index - 1].strip())
            and bool(self.blocks)
            and (self.blocks[-1].kind in (PARAGRAPH, ITEM) and self.blocks[-1].end == index)
        )

    def _starts_block(self, line: str) -> bool:
        return bool(
            _FENCE.match(line)
            or _ATX.match(line)
            or _HTML.match(line)
            or _QUOTE.match(line)
            or _HR.match(line)
            or _ITEM.match(line)
        )

    def _indented_code(self, index: int) -> int:
        end = index
        while end < len(self.lines) and (
            not self.lines[end].strip() or self.lines[end].startswith("    ")
        ):
            end += 1
        while end > index and not self.lines[end - 1].strip():
            end -= 1
        self._add(Block(CODE, index, end))
        return end

    def _fence(self, index: int) -> int:
        match = _FENCE.match(self.lines[index])
        assert match is not None
        marker = match.group(2)
        closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
        end = index + 1
        while end < len(self.lines) and not closing.match(self.lines[end]):
            end += 1
        end = min(end + 1, len(self.lines))
        self._add(Block(CODE, index, end))
        return end

    def _atx(self, index: int) -> int:
        line = self.lines[index]
        match = _ATX.match(line)
        assert match is not None
        title = match.group(2)
        column = line.find(title) if title else len(line)
        self._close_list()
        self._add(Block(HEADING, index, index + 1, title, ((index, column),), len(match.group(1))))
        return index + 1

    def _html(self, index: int) -> int:
        end = index
        if self.lines[index].lstrip().startswith("<!--"):
            while end < len(self.lines) and "-->" not in self.lines[end]:
                end += 1
            end = min(end + 1, len(self.lines))
        else:
            while end < len(self.lines) and self.lines[end].strip():
                end += 1
        self._add(Block(HTML, index, end, "\n".join(self.lines[index:end])))
        return end

    def _quote(self, index: int) -> int:
        end = index + 1
        while end < len(self.lines) and self.lines[end].strip():
            end += 1
        self._add(Block(QUOTE, index, end))
        return end

    def _table(self, index: int) -> int:
        group = self._new_group()
        end = index
        while end < len(self.lines) and "|" in self.lines[end] and self.lines[end].strip():
            if end != index + 1:  # skip the delimiter row
                self._row(end, group)
            end += 1
        return end

    def _row(self, index: int, group: int) -> None:
        line = self.lines[index]
        position = 0
        cells = re.split(r"(?<!\\)\|", line)
        for number, cell in enumerate(cells):
            start = position
            position += len(cell) + 1
            edge = number in (0, len(cells) - 1)
            if edge and not cell.strip():
                continue
            text = cell.strip()
            column = start + (len(cell) - len(cell.lstrip()))
            self._add(Block(ROW, index, index + 1, text, ((index, column),), group=group))

    def _item(self, index: int, match: re.Match[str]) -> int:
        marker_indent = len(match.group(1))
        content = match.end() if match.group(3) else len(self.lines[index])
        if len(match.group(3)) > 4:  # "-     code": content starts one space after the marker
            content = match.end(2) + 1
        while self.list_indents and marker_indent < self.list_indents[-1]:
            self.list_indents.pop()
        if not self.in_list:
            self.group = self.group + 1
        self.in_list = True
        self.list_indents.append(content)
        depth = len(self.list_indents)
        return self._paragraph(index, self.group, ITEM, depth=depth, first_column=content)

    def _paragraph(
        self, index: int, group: int, kind: str, *, depth: int, first_column: int | None = None
    ) -> int:
        texts: list[str] = []
        starts: list[tuple[int, int]] = []
        end = index
        while end < len(self.lines):
            line = self.lines[end]
            if not line.strip():
                break
            if end > index:
                if _SETEXT.match(line) and kind == PARAGRAPH and not _ITEM.match(line):
                    level = 1 if line.strip().startswith("=") else 2
                    text = "\n".join(texts)
                    self._add(Block(HEADING, index, end + 1, text, tuple(starts), level))
                    return end + 1
                if self._starts_block(line):
                    break
            column = (
                first_column
                if end == index and first_column is not None
                else (len(line) - len(line.lstrip()))
            )
            column = min(column, len(line))
            texts.append(line[column:].rstrip())
            starts.append((end, column))
            end += 1
        if kind == PARAGRAPH and not self.in_list:
            self.list_indents.clear()
        self._add(
            Block(kind, index, end, "\n".join(texts), tuple(starts), depth=depth, group=group)
        )
        return end
