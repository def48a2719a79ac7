"""Issue 20: the sanitiser, fuzzed with documents mixing XSS vectors and ordinary Markdown.

Hypothesis builds bodies from the vectors of ``tests/data/xss-vectors.yml`` and ordinary
blocks (paragraphs, lists, tables, admonitions, fenced code holding HTML, inline code holding
``<script>``), converts them with Python-Markdown and the extensions the site uses, and runs
``Sanitiser().clean``. Whatever the mix: no element or attribute that runs or loads is left
(read back with Python's html.parser), the ordinary blocks' text survives (up to a vector that
leaves an element open, ``swallows`` in the file), and the checker reports raw-html exactly
when a vector is in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import PM_ID, TEXT, XssVector, unsafe_html, with_block, xss_vectors
from postmortem_kb.check.postmortem import check_content
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.sanitise import Sanitiser

VECTORS = xss_vectors()
EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "toc", "fenced_code"]
SANITISER = Sanitiser()
SETTINGS = Settings()
KEEPS_DATA_IMAGES = "data:image" in SANITISER.clean('<img src="data:image/png;base64,AAAA">')
"""data: images are dangerous only if the sanitiser drops them (then none may be left)."""

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Block:
    """A Markdown block and the texts that must survive conversion and sanitising."""

    markdown: str
    texts: tuple[str, ...]


WORDS = st.sampled_from(
    ["replica", "lag", "failover", "checkout", "pager", "database", "rollback", "cache"]
)


@st.composite
def ordinary(draw: st.DrawFn) -> Block:
    """One ordinary block; its texts are unique words, so they are found only where put."""
    n = draw(st.integers(0, 10**6))
    word = draw(WORDS)
    kind = draw(st.sampled_from(["paragraph", "list", "table", "admonition", "fence", "code"]))
    if kind == "paragraph":
        text = f"Paragraph {n} about the {word}."
        return Block(
            f"{text}\nIt continues with *emphasis* and a [link](https://example.com/{n}).", (text,)
        )
    if kind == "list":
        items = [f"Item {n} {word}", f"Item {n + 1} next"]
        return Block("\n".join(f"- {item}" for item in items), tuple(items))
    if kind == "table":
        cells = (f"cell {n} {word}", f"owner {n}")
        return Block(f"| Step | Owner |\n| :--- | ---: |\n| {cells[0]} | {cells[1]} |", cells)
    if kind == "admonition":
        title, body = f"Note {n}", f"Admonition body {n} about the {word}."
        return Block(f'!!! note "{title}"\n    {body}', (title, body))
    if kind == "fence":
        code = f'<script>alert({n})</script>\n<img src=x onerror="alert({n})">'
        return Block(f"```html\n{code}\n```", tuple(code.split("\n")))
    text = f"<script>{word}{n}</script>"
    return Block(f"Inline code `{text}` is shown {n}.", (text, f"is shown {n}."))


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[Block | XssVector], str]:
    """Ordinary blocks and vectors in any order, as one Markdown body."""
    parts: list[Block | XssVector] = draw(
        st.lists(st.one_of(ordinary(), st.sampled_from(VECTORS)), min_size=1, max_size=8)
    )
    source = "\n\n".join(p.markdown for p in parts)
    return parts, source


class Text(HTMLParser):
    """The text of an HTML fragment, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        parser.close()
        return re.sub(r"\s+", " ", "".join(parser.parts))


def convert(source: str) -> str:
    """What the site writes for a body: Python-Markdown, then the sanitiser."""
    return SANITISER.clean(markdown.markdown(source, extensions=EXTENSIONS))


def raw_html_lines(body: str) -> list[int]:
    """The lines the checker reports raw-html on, for a postmortem with ``body``."""
    text = with_block(TEXT, body)
    report = Report(f"postmortems/{PM_ID}.md", SETTINGS.rule_levels)
    check_content(f"{PM_ID}.md", text.encode("utf-8"), report, SETTINGS)
    return [finding.line for finding in report.findings if finding.rule == "raw-html"]


@FUZZ
@given(documents())
def test_sanitised_documents_hold_nothing_that_runs(
    document: tuple[list[Block | XssVector], str],
) -> None:
    parts, source = document
    html = convert(source)
    assert unsafe_html(html, data_images=KEEPS_DATA_IMAGES) == [], html
    assert SANITISER.clean(html) == html, "sanitising twice changes nothing"
    text = Text.of(html)
    for part in parts:
        if isinstance(part, XssVector):
            if part.swallows:
                break  # the rest of the body is inside an element left open
            continue
        for expected in part.texts:
            assert re.sub(r"\s+", " ", expected) in text, (expected, html)


@FUZZ
@given(documents())
def test_the_checker_reports_raw_html_exactly_when_a_vector_is_in_the_body(
    document: tuple[list[Block | XssVector], str],
) -> None:
    parts, source = document
    lines = raw_html_lines(source)
    has_vector = any(isinstance(part, XssVector) for part in parts)
    assert bool(lines) == has_vector, (lines, source)
