"""Rule raw-html: what the site would remove is reported at its line, and nothing else."""

from __future__ import annotations

import pytest

from helpers import VALID_BODY, postmortem_text
from postmortem_kb.check.postmortem import check_content
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings, SettingsError


def raw_html(extra: str, settings: Settings | None = None) -> list[Finding]:
    """The raw-html findings of a valid postmortem with ``extra`` after its body."""
    text = postmortem_text(body=VALID_BODY + "\n" + extra + "\n")
    report = Report("pm.md", (settings or Settings()).rule_levels)
    checked = check_content("2026-01-01-x.md", text.encode(), report, settings or Settings())
    return [f for f in checked.findings if f.rule == "raw-html"]


def first_line_of() -> int:
    """The line of the first line after the valid body."""
    text = postmortem_text(body=VALID_BODY + "\n")
    return text.count("\n") + 1


# What Markdown, our extensions and careful authors write: never reported.
CLEAN = [
    "A paragraph with `<script>` in a code span and ``<img onerror=x>`` in a double one.",
    "```html\n<script>alert(1)</script>\n<iframe src=x></iframe>\n```",
    "## Code\n\n    <script>indented code</script>",
    "An autolink <https://status.example.com/incidents/42> and <ops@example.com>.",
    "Latency went from 120 ms to < 5 ms, and 3 <4 too.",
    "[runbook](https://runbooks.example.com/db), [next](../2026-01-02-y/), [mail](mailto:a@b.c)",
    "![graph](images/latency.png) and ![remote](https://img.example.com/a.png)",
    "[ref][r]\n\n[r]: https://example.com/ref",
    "<details><summary>Raw logs</summary>\n\nThe logs.\n\n</details>",
    '<div markdown="1" class="grid">\n\n**Bold**\n\n</div>',
    "A paragraph with attributes.\n{: .lead #intro }",
    "## Heading with attributes {: #custom-id .note }",
    '!!! note "Admonition"\n    Inside the admonition.',
    "| Left | Right |\n|:-----|------:|\n| a    | b     |",
    "<!-- a comment with <script> inside is not published -->",
    'Press <kbd>Ctrl</kbd>+<kbd>C</kbd>; H<sub>2</sub>O; <abbr title="Domain Name System">DNS'
    "</abbr>.",
    '<img src="images/a.png" alt="A" width="300">',
    '<a href="https://example.com" title="t">link</a>',
    '<p style="text-align: center">centred</p>'.replace("<p ", "<td ").replace("</p>", "</td>"),
    'A JSON sample {"a": 1} and a set {x, y} in prose.',
]


@pytest.mark.parametrize("markdown", CLEAN)
def test_what_markdown_writes_is_not_reported(markdown: str) -> None:
    assert raw_html(markdown) == []


# (Markdown, what the finding says), each on one line after the valid body.
REMOVED = [
    ("<script>alert(1)</script>", "the <script> element"),
    ('<img src=x onerror="alert(2)">', "the onerror attribute of <img>"),
    ("[runbook](javascript:alert(3))", "a javascript: URL"),
    ('<iframe src="https://evil.example/"></iframe>', "the <iframe> element"),
    ('<svg onload="alert(4)"><circle r="4"/></svg>', "the <svg> element"),
    ('<div markdown="1" onmouseover="alert(5)">text</div>', "the onmouseover attribute of <div>"),
    ('Paragraph{: onclick="alert(6)" }', "the onclick attribute"),
    ("[x](&#106;avascript:alert(7))", "a javascript: URL"),
    ("[x](java&#x09;script:alert(8))", "a javascript: URL"),
    ("[r]: vbscript:msgbox(9)", "a vbscript: URL"),
    ("![i](data:image/svg+xml;base64,PHN2Zz4=)", "a data: URL"),
    ('<a href="JaVaScRiPt:alert(10)">x</a>', "a javascript: URL"),
    ('<p style="background: url(https://evil.example/t.png)">x</p>', "the style attribute of <p>"),
    ('<!--<img src="--><img src=x onerror=alert(11)//">', "the onerror attribute of <img>"),
    ("<ScRiPt>alert(12)</sCrIpT>", "the <script> element"),
    ("<!DOCTYPE html>", "markup declarations"),
    ("A <user> placeholder", "the <user> element"),
]


@pytest.mark.parametrize(("markdown", "what"), REMOVED)
def test_what_the_site_removes_is_reported_at_its_line(markdown: str, what: str) -> None:
    found = raw_html(markdown)
    assert len(found) == 1, found
    assert what in found[0].message
    assert found[0].line == first_line_of()
    assert found[0].message.startswith("the site removes ")
    assert "allow_html" in (found[0].suggestion or "")


def test_one_finding_per_line_names_everything_it_loses() -> None:
    [found] = raw_html("<img src=x onerror=a onload=b><script>c</script>")
    assert found.message == (
        "the site removes the onerror attribute of <img>, the onload attribute of <img> "
        "and the <script> element"
    )
    assert found.column == 1


def test_columns_point_at_the_html() -> None:
    [found] = raw_html("Some text, then <iframe src=x></iframe>")
    assert found.column == len("Some text, then ") + 1


def test_a_tag_spread_over_lines_in_an_html_block_is_reported() -> None:
    found = raw_html("<div>\n<img src=x\n  onerror=alert(1)\n</div>")
    assert [f.message for f in found] == ["the site removes the onerror attribute of <img>"]


def test_allow_html_lets_a_harmless_tag_through() -> None:
    assert raw_html("<samp>ok</samp>") != []
    assert raw_html("<samp>ok</samp>", Settings(allow_html=("samp",))) == []
    # allowed tags keep only the common attributes
    [found] = raw_html('<samp onclick="x">ok</samp>', Settings(allow_html=("samp",)))
    assert "onclick" in found.message


@pytest.mark.parametrize("tag", ["script", "iframe", "svg", "form", "style", "SCRIPT"])
def test_allow_html_refuses_what_runs_loads_or_submits(tag: str) -> None:
    with pytest.raises(SettingsError, match="stays removed"):
        Settings.from_options({"allow_html": [tag]})


def test_allow_html_wants_element_names() -> None:
    with pytest.raises(SettingsError, match="not an HTML element name"):
        Settings.from_options({"allow_html": ["my tag"]})


def test_the_rule_level_can_be_changed() -> None:
    settings = Settings.from_options({"rules": {"raw-html": "warning"}})
    [found] = raw_html("<script>x</script>", settings)
    assert found.level.value == "warning"
