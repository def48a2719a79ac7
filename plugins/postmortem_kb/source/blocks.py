"""A fast, line-accurate scanner for the block structure of Markdown that checks need.

It recognises what the checks read: headings, fenced and indented code, HTML blocks,
blockquotes, lists (with nesting depth), pipe tables and paragraphs, each with the exact
line and column of its text. It follows the block rules of Python-Markdown, which renders
the site (with MkDocs' ``fenced_code`` and our ``tables``, ``admonition`` and
``md_in_html``), not CommonMark, so the checker sees what readers see. The differences that
matter most:

- blocks are runs of non-blank lines; a list, a table or a setext heading starts only at the
  first line of a block, so a list right after a paragraph line is part of the paragraph;
- an ATX heading (``#`` at the very start of a line, no space needed), a rule and a
  blockquote start on any line of a block and split it;
- list items nest only when indented by 4 spaces; ``1)`` is not a list marker;
- a table needs a header row and a delimiter row with the same number of cells; every
  following line of the block is a row;
- a fence starts at column 0 and needs its closing fence (same marker, same length);
  indented fences are not fences. Fences, comments and block-level HTML tags at the start
  of a line are cut out first, so they end the paragraph or list around them;
- headings inside list items and admonitions are not sections (they become paragraphs).

The scanner mirrors Python-Markdown's block processors on line ranges instead of strings
and does not parse inline markup: a full Markdown parse costs several times more than
reading the front matter, and ``postmortem check`` must stay fast (see ``make bench``).
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

HEADING, PARAGRAPH, ITEM, ROW, CODE, HTML, QUOTE = (
    "heading",
    "paragraph",
    "item",
    "row",
    "code",
    "html",
    "quote",
)

# Python-Markdown's own patterns, applied to one (dedented) line at a time.
_FENCE = re.compile(
    r"(?P<fence>~{3,}|`{3,})[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*"
    r"(?:hl_lines=(?P<quot>\"|')(?:.*?)(?P=quot)[ ]*)?)$"
)
_ATX = re.compile(r"(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*$")
_SETEXT = re.compile(r"(?:=+|-+)[ ]*$")
_HR = re.compile(
    r"[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
    r"(?P=atomicgroup)[ ]*$"
)
_OL = re.compile(r"[ ]{0,3}\d+\.[ ]+")
_UL = re.compile(r"[ ]{0,3}[*+-][ ]+")
_CHILD = re.compile(r"[ ]{0,3}(?:\d+\.|[*+-])[ ]+")
_INDENTED_ITEM = re.compile(r"[ ]{4,7}(?:\d+\.|[*+-])[ ]+")
_QUOTE = re.compile(r"[ ]{0,3}>")
_ADMONITION = re.compile(r'!!! ?[\w\-]+(?: +[\w\-]+)*(?: +"(.*?)")? *$')
_HTML_START = re.compile(r"[ ]{0,3}<(?:(!--)|([A-Za-z][A-Za-z0-9]*)(?=[\s/>]|$))")
_COMMENT_CLOSE = re.compile(r"--!?>")
_CODE_PIPES = re.compile(r"(?:(\\\\)|(\\`+)|(`+)|(\\\|)|(\|))")
_END_BORDER = re.compile(r"(?<!\\)(?:\\\\)*\|$")
_INDENT = "    "

# Python-Markdown's block-level tags: at the start of a line they open a raw HTML block.
_BLOCK_TAG_NAMES = (
    "address article aside blockquote body canvas center colgroup dd details div dl dt "
    "fieldset figcaption figure footer form group h1 h2 h3 h4 h5 h6 header hgroup hr html "
    "iframe legend li main map math menu nav noscript object ol option output p pre progress "
    "script section style summary table tbody td textarea tfoot th thead tr ul video"
)
BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())


class Block(NamedTuple):
    """A block of the body: its kind, lines (0-based, end exclusive) and text positions.

    ``text`` holds the block's inline content (heading title, paragraph, list-item first
    paragraph, table cell) with one line per source line; ``starts`` gives the (line, column)
    of each of those lines, both 0-based. ``group`` is shared by the items (and the
    paragraphs inside them) of one list and by the rows of one table; ``depth`` is a list
    item's nesting (1 for top level), and for a table cell the nesting of the list item
    holding the table (0 for a table outside lists). A named tuple: the scanner makes many,
    and tuples are quick to make.
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


# A chunk is a run of (line, column) pairs: the text of each line from that column on, as
# Python-Markdown sees it after removing list and admonition indentation.
Chunk = list[tuple[int, int]]


class _Lines:
    """A chunk, the text of each of its lines, and the lines that any-line processors match."""

    __slots__ = ("atx", "chunk", "marked", "note", "quote", "rule", "texts")

    def __init__(self, chunk: Chunk, texts: list[str]) -> None:
        self.chunk = chunk
        self.texts = texts
        self.marked = False  # whether mark() has set the four lists of line numbers

    def mark(self) -> None:
        """Find the lines that any-line processors match (once, and only when needed)."""
        self.marked = True
        self.atx: list[int] = []
        self.note: list[int] = []
        self.quote: list[int] = []
        self.rule: list[int] = []
        for number, text in enumerate(self.texts):
            head = text[:4]
            if head[:1] == "#":
                if _ATX.match(text):
                    self.atx.append(number)
            elif head[:3] == "!!!":
                if _ADMONITION.match(text):
                    self.note.append(number)
            elif ">" in head:
                if _QUOTE.match(text):
                    self.quote.append(number)
            elif ("-" in head or "*" in head or "_" in head) and _HR.match(text):
                self.rule.append(number)


_Part = tuple[_Lines, int, int]  # lines lo..hi-1 of a chunk


class _Node:
    """The little of Python-Markdown's element tree that its block processors look at.

    Only containers (the root, lists, list items, admonitions) are nodes; of the other
    elements a container just remembers whether its last child is one (``last_tag``).
    """

    __slots__ = ("depth", "group", "item", "last", "last_tag", "tag")

    def __init__(self, tag: str, depth: int, group: int) -> None:
        self.tag = tag
        self.depth = depth  # lists: nesting of their items; others: of the enclosing list
        self.group = group
        self.item = False  # a list item whose ITEM block has been emitted
        self.last: _Node | None = None  # the last child, when it is a container
        self.last_tag = ""

    def add(self, tag: str, depth: int | None = None, group: int | None = None) -> _Node:
        child = _Node(
            tag, self.depth if depth is None else depth, self.group if group is None else group
        )
        self.last = child
        self.last_tag = tag
        return child

    def leaf(self, tag: str) -> None:
        self.last = None
        self.last_tag = tag


class _Scanner:
    def __init__(self, lines: list[str]) -> None:
        self.raw = lines
        self.lines = [line.expandtabs(4) if "\t" in line else line for line in lines]
        self.blocks: list[Block] = []
        self.group = 0
        self.states: list[str] = []
        self.unclosed: set[str] = set()  # fences and comments never closed after some line

    # --- the document -----------------------------------------------------------------

    def run(self) -> list[Block]:
        root = _Node("root", 0, 0)
        lines = self.lines
        start = -1  # first line of the chunk being read
        index = 0
        while index < len(lines):
            line = lines[index]
            if not line.strip(" "):
                if start >= 0:
                    self._chunk(root, start, index)
                    start = -1
                index += 1
                continue
            end = self._raw_end(index) if line[0] in "`~" or "<" in line[:4] else 0
            if end:
                if start >= 0:
                    self._chunk(root, start, index)
                    start = -1
                kind = CODE if line[:1] in "`~" else HTML
                text = "\n".join(self.raw[index:end]) if kind == HTML else ""
                self.blocks.append(Block(kind, index, end, text))
                root.leaf(kind)
                index = end
                continue
            if start < 0:
                start = index
            index += 1
        if start >= 0:
            self._chunk(root, start, index)
        if any("\t" in line for line in self.raw):
            self._untab()
        return self.blocks

    def _untab(self) -> None:
        """Positions (and texts) in the lines as written, where tabs were expanded."""
        raw, lines = self.raw, self.lines
        for number, block in enumerate(self.blocks):
            if not any("\t" in raw[line] for line, _column in block.starts):
                continue
            starts: list[tuple[int, int]] = []
            texts = block.text.split("\n")
            for index, (line, column) in enumerate(block.starts):
                at = _raw_column(raw[line], column)
                starts.append((line, at))
                if texts[index] == lines[line][column:].strip():  # the rest of the line
                    texts[index] = raw[line][at:].strip()
            self.blocks[number] = block._replace(text="\n".join(texts), starts=tuple(starts))

    def _chunk(self, root: _Node, start: int, end: int) -> None:
        """Parse lines ``start`` to ``end - 1``, a chunk of the document."""
        texts = self.lines[start:end]
        if end - start == 1:  # the common cases: one line of text, a heading
            text = texts[0]
            if text[:1].isalnum() and not _OL.match(text):
                self.group += 1
                self.blocks.append(
                    Block(PARAGRAPH, start, end, text.rstrip(), ((start, 0),), group=self.group)
                )
                root.leaf("p")
                return
            match = _ATX.match(text) if text[:1] == "#" else None
            if match:
                self._atx_heading(root, start, 0, text, match)
                return
        chunk = [(line, 0) for line in range(start, end)]
        self._parse(root, [(_Lines(chunk, texts), 0, end - start)])

    def _raw_end(self, index: int) -> int:
        """End of the fenced code or raw HTML block starting at ``index``, or 0."""
        line = self.lines[index]
        first = line[:1]
        if first in "`~":
            match = _FENCE.match(line)
            if match and match["fence"] not in self.unclosed:
                fence = match["fence"]
                for end in range(index + 1, len(self.lines)):
                    later = self.lines[end]
                    if later.startswith(fence) and not later[len(fence) :].strip(" "):
                        return end + 1
                self.unclosed.add(fence)  # so no later one of them is closed either
            return 0
        if "<" not in line[:4]:
            return 0
        html = _HTML_START.match(line)
        if not html:
            return 0
        if html[1]:  # a comment: to the line that closes it
            start = html.end()
            if "<!--" not in self.unclosed:
                for end in range(index, len(self.lines)):
                    if _COMMENT_CLOSE.search(self.lines[end], start if end == index else 0):
                        return end + 1
                self.unclosed.add("<!--")
            return 0
        tag = html[2].lower()
        if tag not in BLOCK_TAGS:
            return 0
        if tag == "hr":
            return index + 1
        opening = re.compile(rf"<{tag}(?=[\s/>]|$)|</{tag}\s*>", re.IGNORECASE)
        open_tags = 0
        for end in range(index, len(self.lines)):
            for match in opening.finditer(self.lines[end]):
                open_tags += -1 if match.group().startswith("</") else 1
                if open_tags <= 0:
                    return end + 1
        return len(self.lines)

    # --- Python-Markdown's block parser -----------------------------------------------

    def _lines(self, chunk: Chunk) -> _Lines:
        lines = self.lines
        return _Lines(
            chunk, [lines[line][column:] if column else lines[line] for line, column in chunk]
        )

    def _parse(self, parent: _Node, queue: list[_Part]) -> None:
        """``BlockParser.parseBlocks``: run the processors, in priority order, on each part.

        A part is lines ``lo`` to ``hi`` of a chunk. Processors that match any line of a
        part (admonition, ATX heading, rule, quote) split it there: the lines before are
        parsed first, the lines after go back to the queue (as a part of the same chunk, so
        that a long chunk is read once).
        """
        while queue:
            part = queue.pop(0)
            found, lo, hi = part
            texts = found.texts
            first = texts[lo]
            if hi - lo == 1:  # the common cases: one line of text, a heading
                if first[:1].isalnum() and not _OL.match(first):
                    self._paragraph(parent, part)
                    continue
                if first[:1] == "#" and _ATX.match(first):
                    self._atx(parent, queue, part)
                    continue
            if not found.marked:
                found.mark()
            note = _first(found.note, lo, hi)
            if note >= 0 or (first.startswith(_INDENT) and parent.last_tag == "div"):
                self._admonition(parent, queue, part, note)
            elif first.startswith(_INDENT):
                if self.states[-1:] != ["detabbed"] and (
                    parent.tag == "li" or parent.last_tag == "list"
                ):
                    self._list_indent(parent, part)
                else:
                    self._indented_code(parent, queue, part)
            elif hi - lo > 1 and "|" in first and self._table(parent, part):
                pass
            elif (atx := _first(found.atx, lo, hi)) >= 0:
                self._split(parent, part, atx)
                self._atx(parent, queue, (found, atx, hi))
            elif hi - lo > 1 and _SETEXT.match(texts[lo + 1]):
                self._setext(parent, queue, part)
            elif (rule := _first(found.rule, lo, hi)) >= 0:
                self._split(parent, part, rule)
                self._item(parent, found.chunk[rule])
                parent.leaf("hr")
                if rule + 1 < hi:
                    queue.insert(0, (found, rule + 1, hi))
            elif _OL.match(first) or _UL.match(first):
                self._list(parent, part)
            elif (quote := _first(found.quote, lo, hi)) >= 0:
                self._split(parent, part, quote)
                self._quote(parent, (found, quote, hi))
            else:
                self._paragraph(parent, part)

    def _split(self, parent: _Node, part: _Part, at: int) -> None:
        """Parse the lines of ``part`` before line ``at`` first."""
        found, lo, _hi = part
        if at > lo:
            self._parse(parent, [(found, lo, at)])

    def _item(self, parent: _Node, at: tuple[int, int]) -> None:
        """Emit the (empty) ITEM of a list item whose content does not start with text."""
        if parent.tag == "li" and not parent.item:
            parent.item = True
            line = at[0]
            self.blocks.append(
                Block(ITEM, line, line + 1, "", (at,), depth=parent.depth, group=parent.group)
            )

    def _admonition(self, parent: _Node, queue: list[_Part], part: _Part, at: int) -> None:
        """``AdmonitionProcessor``: a ``!!!`` line, and the lines indented under it."""
        found, lo, hi = part
        if at < 0:  # more of the admonition above
            div = parent.last
            assert div is not None
        else:
            self._split(parent, part, at)
            self._item(parent, found.chunk[at])
            div = parent.add("div", depth=parent.depth + 1)
            lo = at + 1
        rest = self._indented_end(found, lo, hi)
        if rest < hi:
            queue.insert(0, (found, rest, hi))
        if rest > lo:
            self._parse(div, [self._part(_dedent(found.chunk[lo:rest]))])

    def _part(self, chunk: Chunk) -> _Part:
        return (self._lines(chunk), 0, len(chunk))

    def _indented_end(self, found: _Lines, lo: int, hi: int) -> int:
        """End of the lines from ``lo`` on that are indented by 4 spaces."""
        for number in range(lo, hi):
            if not found.texts[number].startswith(_INDENT):
                return number
        return hi

    def _indented_code(self, parent: _Node, queue: list[_Part], part: _Part) -> None:
        found, lo, hi = part
        rest = self._indented_end(found, lo, hi)
        if rest < hi:
            queue.insert(0, (found, rest, hi))
        self._item(parent, found.chunk[lo])
        self.blocks.append(Block(CODE, found.chunk[lo][0], found.chunk[rest - 1][0] + 1))
        parent.leaf("pre")

    def _loose_detab(self, chunk: Chunk, level: int) -> Chunk:
        prefix = _INDENT * level
        return [
            (line, column + 4 * level)
            if self.lines[line].startswith(prefix, column)
            else (line, column)
            for line, column in chunk
        ]

    def _list_indent(self, parent: _Node, part: _Part) -> None:
        """``ListIndentProcessor``: an indented chunk continues the list above it."""
        found, lo, hi = part
        text = found.texts[lo]
        indent_level = (len(text) - len(text.lstrip(" "))) // 4
        level = 1 if self.states[-1:] == ["list"] else 0
        sibling = parent
        while indent_level > level:
            child = sibling.last
            if child is None or child.tag not in ("list", "li"):
                break
            if child.tag == "list":
                level += 1
            sibling = child
        detabbed = [self._part(self._loose_detab(found.chunk[lo:hi], level))]
        self.states.append("detabbed")
        if parent.tag == "li":
            last = parent.last
            self._parse(last if last is not None and last.tag == "list" else parent, detabbed)
        elif sibling.tag == "li":
            self._parse(sibling, detabbed)
        elif sibling.last_tag == "li":
            assert sibling.last is not None
            self._parse(sibling.last, detabbed)
        else:
            self._parse(sibling.add("li"), detabbed)
        self.states.pop()

    def _table(self, parent: _Node, part: _Part) -> bool:
        """``TableProcessor``: a header row and a delimiter row start a table."""
        found, lo, hi = part
        texts = found.texts[lo:hi]
        rows = [text.strip(" ") for text in texts]
        header = rows[0]
        border = header.startswith("|") or _END_BORDER.search(header) is not None
        width = len(_cells(header, border))
        is_table = width > 1
        if not is_table and width == 1 and border:
            is_table = all(
                row.startswith("|") or _END_BORDER.search(row) is not None for row in rows[1:]
            )
        if is_table:
            separator = _cells(rows[1], border)
            is_table = len(separator) == width and all(
                not cell.strip("|:- ") for _start, cell in separator
            )
        if not is_table:
            return False
        chunk = found.chunk[lo:hi]
        self._item(parent, chunk[0])
        self.group += 1
        group = self.group
        depth = parent.depth  # 0 unless the table is inside a list item
        for number, (line, column) in enumerate(chunk):
            if number == 1:
                continue
            text = texts[number]
            offset = column + len(text) - len(text.lstrip(" "))
            for start, cell in _cells(rows[number], border)[:width]:  # the site drops the rest
                stripped = cell.strip()
                if stripped:
                    at = offset + start + len(cell) - len(cell.lstrip())
                    self.blocks.append(
                        Block(ROW, line, line + 1, stripped, ((line, at),), 0, depth, group)
                    )
        parent.leaf("table")
        return True

    def _atx(self, parent: _Node, queue: list[_Part], part: _Part) -> None:
        found, lo, hi = part
        line, column = found.chunk[lo]
        text = found.texts[lo]
        match = _ATX.match(text)
        assert match is not None
        self._atx_heading(parent, line, column, text, match)
        if lo + 1 < hi:
            if self.states[-1:] == ["looselist"]:
                queue.insert(0, self._part(self._loose_detab(found.chunk[lo + 1 : hi], 1)))
            else:
                queue.insert(0, (found, lo + 1, hi))

    def _atx_heading(
        self, parent: _Node, line: int, column: int, text: str, match: re.Match[str]
    ) -> None:
        title = match["header"].strip()
        at = column + (match.start("header") + match["header"].find(title) if title else len(text))
        self._heading(parent, line, line + 1, title, at, len(match[1]))

    def _setext(self, parent: _Node, queue: list[_Part], part: _Part) -> None:
        found, lo, hi = part
        line, column = found.chunk[lo]
        text = found.texts[lo]
        title = text.strip()
        at = column + (text.find(title) if title else len(text))
        level = 1 if found.texts[lo + 1].startswith("=") else 2
        self._heading(parent, line, line + 2, title, at, level)
        if lo + 2 < hi:
            queue.insert(0, (found, lo + 2, hi))

    def _heading(
        self, parent: _Node, start: int, end: int, title: str, column: int, level: int
    ) -> None:
        starts = ((start, column),)
        if parent.tag == "root":
            self.blocks.append(Block(HEADING, start, end, title, starts, level))
        else:  # inside a list item or an admonition: not a section
            self._text_block(parent, start, end, title, starts)
        parent.leaf("h")

    def _quote(self, parent: _Node, part: _Part) -> None:
        found, lo, hi = part
        self._item(parent, found.chunk[lo])
        self.blocks.append(Block(QUOTE, found.chunk[lo][0], found.chunk[hi - 1][0] + 1))
        parent.leaf("quote")

    def _list(self, parent: _Node, part: _Part) -> None:
        """``OListProcessor``/``UListProcessor``: the items of one chunk."""
        items = self._items(part)
        if parent.last_tag == "list":  # after a blank line: more of the same list
            lst = parent.last
            assert lst is not None
            self.states.append("looselist")
            self._parse(lst.add("li"), [self._part(items.pop(0))])
            self.states.pop()
        elif parent.tag == "list":
            lst = parent
        else:
            self._item(parent, items[0][0])
            if parent.depth:
                group = parent.group
            else:
                self.group += 1
                group = self.group
            lst = parent.add("list", depth=parent.depth + 1, group=group)
        self.states.append("list")
        lines = self.lines
        for item in items:
            line, column = item[0]
            if lines[line].startswith(_INDENT, column):
                assert lst.last is not None
                self._parse(lst.last, [self._part(item)])
                continue
            li = lst.add("li")
            text = lines[line][column:]
            if len(item) == 1 and text[:1].isalnum() and not _OL.match(text):
                li.item = True  # the common case: one line of text, the item's ITEM
                at = ((line, column),)
                self.blocks.append(
                    Block(ITEM, line, line + 1, text.rstrip(), at, depth=li.depth, group=li.group)
                )
            else:
                self._parse(li, [self._part(item)])
        self.states.pop()

    def _items(self, part: _Part) -> list[Chunk]:
        found, lo, hi = part
        items: list[Chunk] = []
        lines = self.lines
        for (line, column), text in zip(found.chunk[lo:hi], found.texts[lo:hi], strict=True):
            match = _CHILD.match(text)
            if match:
                items.append([(line, column + match.end())])
            elif _INDENTED_ITEM.match(text) and not lines[items[-1][0][0]].startswith(
                _INDENT, items[-1][0][1]
            ):
                items.append([(line, column)])
            else:
                items[-1].append((line, column))
        return items

    def _paragraph(self, parent: _Node, part: _Part) -> None:
        found, lo, hi = part
        chunk = found.chunk
        if hi - lo == 1:
            text = found.texts[lo]
            content = text.strip()
            line, column = chunk[lo]
            if content:
                column += len(text) - len(text.lstrip())
            self._text_block(parent, line, line + 1, content, ((line, column),))
        else:
            starts: list[tuple[int, int]] = []
            stripped: list[str] = []
            for number in range(lo, hi):
                text = found.texts[number]
                line, column = chunk[number]
                content = text.strip()
                stripped.append(content)
                starts.append(
                    (line, column + len(text) - len(text.lstrip()) if content else column)
                )
            self._text_block(
                parent, chunk[lo][0], chunk[hi - 1][0] + 1, "\n".join(stripped), starts
            )
        if self.states[-1:] != ["list"]:
            parent.leaf("p")

    def _text_block(
        self,
        parent: _Node,
        start: int,
        end: int,
        text: str,
        starts: tuple[tuple[int, int], ...] | list[tuple[int, int]],
    ) -> None:
        """A paragraph; the first text of a list item is its ITEM."""
        if parent.tag == "li" and not parent.item:
            parent.item = True
            kind, depth = ITEM, parent.depth
        else:
            kind, depth = PARAGRAPH, 0
        if not parent.depth:
            self.group += 1
        group = parent.group if parent.depth else self.group
        self.blocks.append(Block(kind, start, end, text, tuple(starts), depth=depth, group=group))


def _first(positions: list[int], lo: int, hi: int) -> int:
    """The first of the sorted ``positions`` in ``lo``..``hi - 1``, or -1."""
    if not positions or positions[-1] < lo:
        return -1
    found = positions[bisect.bisect_left(positions, lo)]
    return found if found < hi else -1


def _raw_column(line: str, column: int) -> int:
    """Where ``column`` of ``line`` with its tabs expanded is in ``line``."""
    width = 0
    for index, char in enumerate(line):
        if width >= column:
            return index
        width = width + 4 - width % 4 if char == "\t" else width + 1
    return len(line)


def _dedent(chunk: Chunk) -> Chunk:
    return [(line, column + 4) for line, column in chunk]


def _cells(row: str, border: bool) -> list[tuple[int, str]]:
    """``TableProcessor._split_row``: the cells of a row and where each starts in ``row``."""
    offset = 0
    if border:
        if row.startswith("|"):
            row = row[1:]
            offset = 1
        row = _END_BORDER.sub("", row)
    pipes: list[int] = []
    tics: list[int] = []
    tic_points: list[tuple[int, int, int]] = []
    for match in _CODE_PIPES.finditer(row):
        if match.group(2):
            tics.append(len(match.group(2)) - 1)
            tic_points.append((match.start(2), match.end(2) - 1, 1))
        elif match.group(3):
            tics.append(len(match.group(3)))
            tic_points.append((match.start(3), match.end(3) - 1, 0))
        elif match.group(5):
            pipes.append(match.start(5))
    regions: list[tuple[int, int]] = []
    position = 0
    while position < len(tics):
        size = tics[position] - tic_points[position][2]
        later = tics[position + 1 :]
        if size and size in later:
            index = later.index(size) + 1
            regions.append((tic_points[position][0], tic_points[position + index][1]))
            position += index + 1
        else:
            position += 1
    cells: list[tuple[int, str]] = []
    start = 0
    for pipe in pipes:
        if any(low <= pipe <= high for low, high in regions):
            continue
        cells.append((offset + start, row[start:pipe]))
        start = pipe + 1
    cells.append((offset + start, row[start:]))
    return cells
