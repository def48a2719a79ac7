"""The block scanner sees what the site renders: it agrees with Python-Markdown.

Hypothesis writes small Markdown documents from the blocks postmortems are made of; the
scanner's level-1 to 3 headings, the top-level list items under each (count and first line)
and the table rows must be what ``markdown.Markdown`` with the site's extensions renders
(ours, plus MkDocs' built-in ``fenced_code``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from postmortem_kb.source.blocks import HEADING, ITEM, ROW, Block, scan
from postmortem_kb.source.body import parse_body, timeline_entries

EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "toc", "fenced_code"]
"""What the plugin adds (site/plugin.py), plus ``fenced_code``, which MkDocs always adds."""

Section = tuple[int, str, list[str], list[list[str]]]
"""(heading level, title, first lines of the top-level list items, cells of table rows)."""


# --- what the site renders ----------------------------------------------------------------


@dataclass
class _Element:
    tag: str
    children: list[_Element | str] = field(default_factory=list)

    def elements(self) -> list[_Element]:
        return [child for child in self.children if isinstance(child, _Element)]

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)


class _Tree(HTMLParser):
    """The rendered HTML as a tree of elements and text (comments dropped)."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag)
        self.stack[-1].children.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if any(element.tag == tag for element in self.stack[1:]):
            while self.stack.pop().tag != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _item_text(item: _Element) -> str:
    """First line of a list item's text: its own text, or its first paragraph or heading."""
    for child in item.children:
        if isinstance(child, str):
            if child.strip():
                return child.strip().split("\n")[0].strip()
        elif child.tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6"):
            return child.text().strip().split("\n")[0].strip()
        else:
            return ""  # a nested list, code, a quote, a table or a rule comes first
    return ""


def rendered(text: str) -> list[Section]:
    """Sections, top-level list items and table rows of the page Python-Markdown renders."""
    tree = _Tree()
    tree.feed(markdown.Markdown(extensions=EXTENSIONS).convert(text))
    tree.close()
    sections: list[Section] = [(0, "", [], [])]
    for element in tree.root.elements():
        if element.tag in ("h1", "h2", "h3"):
            sections.append((int(element.tag[1]), element.text().strip(), [], []))
        elif element.tag in ("ul", "ol"):
            sections[-1][2].extend(_item_text(li) for li in element.elements())
        elif element.tag == "table":
            for part in element.elements():
                for row in part.elements():
                    cells = [cell.text().strip() for cell in row.elements()]
                    if any(cells):  # the scanner has no blocks for an empty row
                        sections[-1][3].append([cell for cell in cells if cell])
    return sections


def scanned(text: str) -> list[Section]:
    """The same, as the scanner sees it."""
    sections: list[Section] = [(0, "", [], [])]
    row_line = -1
    for block in scan(text.split("\n")):
        if block.kind == HEADING and block.level <= 3:
            sections.append((block.level, " ".join(block.text.split()), [], []))
        elif block.kind == ITEM and block.depth == 1:
            sections[-1][2].append(block.text.split("\n")[0].strip())
        elif block.kind == ROW and block.depth == 0:
            if block.start != row_line:
                sections[-1][3].append([])
                row_line = block.start
            sections[-1][3][-1].append(block.text)
    return sections


# --- documents made of the blocks of a postmortem ----------------------------------------------

WORDS = st.sampled_from(["09:12", "db", "failover", "alerts", "paged", "10:05", "on-call"])
TEXT = st.lists(WORDS, min_size=1, max_size=3).map(" ".join)
MARKERS = st.sampled_from(["-", "*", "1."])
NESTING = st.sampled_from(["  ", "    "])


@st.composite
def _list(draw: st.DrawFn) -> str:
    marker = draw(MARKERS)
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        lines.append(f"{marker} {draw(TEXT)}")
        if draw(st.booleans()):
            indent = draw(NESTING)
            lines.append(f"{indent}{draw(MARKERS)} {draw(TEXT)}")
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(TEXT))  # a lazy continuation line
        if draw(st.integers(0, 5)) == 0:
            lines.append(f"\n    {draw(TEXT)}")  # a second paragraph of the item
    separator = "\n\n" if draw(st.integers(0, 4)) == 0 else "\n"  # loose or tight
    return separator.join(lines)


@st.composite
def _table(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 3))
    border = draw(st.booleans()) or width == 1

    def row(cells: list[str]) -> str:
        inner = " | ".join(cells)
        return f"| {inner} |" if border else inner

    rows = [row([draw(TEXT) for _ in range(width)])]
    if draw(st.integers(0, 5)):
        rows.append(row(["---"] * width))
    rows.extend(row([draw(TEXT) for _ in range(width)]) for _ in range(draw(st.integers(0, 3))))
    return "\n".join(rows)


BLOCKS = st.one_of(
    st.builds(lambda level, text: f"{'#' * level} {text}", st.integers(1, 3), TEXT),
    st.lists(TEXT, min_size=1, max_size=2).map("\n".join),  # a paragraph
    _list(),
    _table(),
    st.lists(st.sampled_from(["## inside", "- 09:00 inside", "code"]), max_size=2).map(
        lambda lines: "\n".join(["```", *lines, "```"])
    ),
    TEXT.map(lambda text: f"> {text}"),
    TEXT.map(lambda text: f"    {text}"),  # indented code, or more of a list item
    st.builds(lambda text, line: f"{text}\n{line}", TEXT, st.sampled_from(["---", "==="])),
    TEXT.map(lambda text: f"<!-- {text} -->"),
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Blocks joined by one newline (no blank line) or a blank line."""
    blocks = draw(st.lists(BLOCKS, min_size=1, max_size=6))
    text = blocks[0]
    for block in blocks[1:]:
        text += draw(st.sampled_from(["\n", "\n\n", "\n\n\n"])) + block
    return text + "\n"


@given(documents())
@example("## Timeline\nWhat happened:\n- 09:00 paged\n- 09:05 failover\n")  # no blank line
@example("## Timeline\n\n- 09:00 paged\n  - 09:01 nested by 2 spaces\n- 09:05 failover\n")
@example("- 09:00 a\n    - 09:01 nested by 4 spaces\n\n    more of 09:00\n- 09:05 b\n")
@example("## Timeline\n\n| time | event |\n| 09:00 | paged |\n")  # no delimiter row
@example("| time | event |\n|---|---|\n| 09:00 | paged |\nwithout pipes\n")
@example("```\n## Not a section\n- 09:00 not an entry\n```\n## Section\n")
@example("    ```\n    ## indented fence: code\n    ```\n")
@example("Paragraph\n## Heading splits it\n- 09:00 an item\n")
@example("#Heading without a space\n- item\n---\n")
@example("Text\n---\n- 09:00 item\n===\n")  # setext headings
@example("1) not a list\n2) in Python-Markdown\n")
@example("- a\n<!-- comment -->\n- b\n> quote\n")
@example("- 09:12\n\n\n    more\ntext\n---\n# in the item\n")  # found by Hypothesis
@example("- 09:12\n- #\n| a | b |\n|---|---|\n")  # a table inside an item
@example('!!! note "Aside"\n    - 09:00 in the note\n\n- 09:01 top\n')
@settings(
    max_examples=300,
    deadline=dt.timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_scanner_agrees_with_python_markdown(text: str) -> None:
    assert scanned(text) == rendered(text)


# --- the known differences from CommonMark, one by one -------------------------------------


def blocks_of(text: str) -> list[Block]:
    return scan(text.split("\n"))


def test_list_after_a_paragraph_line_is_paragraph_text() -> None:
    body = parse_body("## Timeline\nEvents:\n- 09:00 paged\n- 09:05 failover\n", 10)
    assert timeline_entries(body, body.headings[0]) == []
    assert [b.kind for b in body.blocks] == ["heading", "paragraph"]
    assert body.blocks[1].starts == ((1, 0), (2, 0), (3, 0))


def test_two_space_nesting_makes_siblings() -> None:
    items = [b for b in blocks_of("- a\n  - b\n    - c\n") if b.kind == ITEM]
    assert [(b.text, b.depth, b.start, b.starts) for b in items] == [
        ("a", 1, 0, ((0, 2),)),
        ("b", 1, 1, ((1, 4),)),
        ("c", 2, 2, ((2, 6),)),
    ]


def test_table_needs_a_delimiter_row() -> None:
    assert [b.kind for b in blocks_of("| a | b |\n| 1 | 2 |\n")] == ["paragraph"]
    rows = [b for b in blocks_of("| a | b |\n|:--|--:|\n| 1 | `x|y` |\n") if b.kind == ROW]
    assert [(b.text, b.starts) for b in rows] == [
        ("a", ((0, 2),)),
        ("b", ((0, 6),)),
        ("1", ((2, 2),)),
        ("`x|y`", ((2, 6),)),
    ]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("```\n## a\n```\n", ["code"]),
        ("```\n## a\n", ["paragraph", "heading"]),  # never closed: not a fence
        ("````\n## a\n```\n````\n", ["code"]),  # closed by the same fence only
        ("  ```\n  ## a\n  ```\n", ["paragraph"]),  # indented: no fence, and no heading
        ("```python title='x'\n## a\n```\n", ["paragraph", "heading", "paragraph"]),
    ],
)
def test_fences(text: str, kinds: list[str]) -> None:
    assert [b.kind for b in blocks_of(text)] == kinds


def test_headings_keep_their_positions() -> None:
    blocks = blocks_of("text\n##  Impact ##\nTitle\n-----\n")
    assert [(b.kind, b.text, b.start, b.starts, b.level) for b in blocks] == [
        ("paragraph", "text", 0, ((0, 0),), 0),
        ("heading", "Impact", 1, ((1, 4),), 2),
        ("heading", "Title", 2, ((2, 0),), 2),
    ]


def test_heading_inside_a_list_item_is_not_a_section() -> None:
    kinds = [(b.kind, b.depth) for b in blocks_of("- 09:00 a\n## b\n")]
    assert kinds == [("item", 1), ("heading", 0)]  # a heading line ends the list
    blocks = blocks_of("- 09:00 a\n\n    ## b\n")
    assert [(b.kind, b.text, b.group) for b in blocks] == [
        ("item", "09:00 a", 1),
        ("paragraph", "b", 1),
    ]


def test_admonition_content_is_not_top_level() -> None:
    blocks = blocks_of('!!! note "Aside"\n    ## inside\n    - 09:00 nested\n\n- 09:01 top\n')
    assert [(b.kind, b.depth, b.text) for b in blocks] == [
        ("paragraph", 0, "inside"),
        ("item", 2, "09:00 nested"),
        ("item", 1, "09:01 top"),
    ]


def test_tabs_indent_like_4_spaces_and_positions_stay_in_the_line() -> None:
    blocks = blocks_of("-\t09:00 a\n\t-\t09:01 nested\n\n\tmore\tof 09:00\n\n## T\tx ##\n")
    assert [(b.kind, b.depth, b.text, b.starts) for b in blocks] == [
        ("item", 1, "09:00 a", ((0, 2),)),
        ("item", 2, "09:01 nested", ((1, 3),)),
        ("paragraph", 0, "more\tof 09:00", ((3, 1),)),
        ("heading", 0, "T    x", ((5, 3),)),
    ]
