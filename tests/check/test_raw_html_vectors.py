"""Issue 20: ``postmortem check`` reports rule raw-html at the line of every XSS vector.

Each vector of ``tests/data/xss-vectors.yml`` goes into the valid postmortem, as its own
blocks before ``## Impact``; the check must report raw-html (an error) on the vector's lines
and nowhere else. Ordinary Markdown (tables, admonitions, links, code holding HTML) is never
reported. The real command line exits 1 on the six vectors of the issue.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import PM_ID, TEXT, XssVector, with_block, write_postmortem, xss_vectors
from postmortem_kb.check.postmortem import check_content
from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings

VECTORS = xss_vectors()
SETTINGS = Settings()


def findings_of(text: str, settings: Settings = SETTINGS) -> list[Finding]:
    """Every finding of the single-file check of ``text``."""
    report = Report(f"postmortems/{PM_ID}.md", settings.rule_levels)
    check_content(f"{PM_ID}.md", text.encode("utf-8"), report, settings)
    return report.findings


def raw_html(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.rule == "raw-html"]


def first_line_of_block(text: str, block: str) -> int:
    """The line where ``block`` (inserted by ``with_block``) starts in ``text``."""
    at = text.index(f"\n{block}\n\n## Impact\n") + 1
    return text.count("\n", 0, at) + 1


def test_the_vectors_are_many_and_distinct() -> None:
    assert len(VECTORS) >= 60
    assert len({vector.id for vector in VECTORS}) == len(VECTORS)
    assert len({vector.markdown for vector in VECTORS}) == len(VECTORS)
    for vector in VECTORS:  # each marks the page if it runs, and loads nothing remote
        assert "__xss" in vector.markdown or ";base64," in vector.markdown, vector.id
        assert "alert(" not in vector.markdown, vector.id
        assert not re.search(r"https?:|[=(\s\"']//\w", vector.markdown, re.I), vector.id


def test_the_valid_postmortem_has_no_raw_html() -> None:
    assert raw_html(findings_of(TEXT)) == []


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_vector_is_reported_at_its_line(vector: XssVector) -> None:
    text = with_block(TEXT, vector.markdown)
    first = first_line_of_block(text, vector.markdown)
    found = raw_html(findings_of(text))
    lines = {finding.line for finding in found}
    expected = {first + number - 1 for number in vector.lines}
    assert expected <= lines, [f"{f.line}: {f.message}" for f in found]
    span = range(first, first + vector.markdown.count("\n") + 1)
    assert [f.line for f in found if f.line not in span] == [], "reported outside the vector"
    assert all(finding.level is Level.ERROR for finding in found)
    assert all(finding.message.startswith("the site removes ") for finding in found)


ORDINARY = """\
A paragraph with a [link](https://example.com/runbook "Runbook"), an
[e-mail](mailto:oncall@example.com), an [anchor](#impact), a ![diagram](diagram.png),
`<script>alert(1)</script>` in code and <kbd>Ctrl</kbd>+<kbd>C</kbd>, <em>emphasis</em>
and <abbr title="Site reliability">SRE</abbr>.

| Step | Owner |
| :--- | ---: |
| Pause failover | team-db |

!!! note "Follow-up"
    The runbook is being rewritten: see [the draft](https://example.com/draft).

<details><summary>Raw log</summary>
The log is attached to the ticket.
</details>

```html
<script>alert(1)</script>
<img src=x onerror="alert(2)">
<a href="javascript:alert(3)">x</a>
```

    <iframe src="https://evil.example/"></iframe>

## Heading with attributes {: #custom-id .special }

A paragraph with a class.
{: .lead }

<!-- a comment: <script>alert(4)</script> -->
"""
"""Ordinary Markdown, with HTML only where the site keeps it or shows it as code."""


def test_ordinary_markdown_and_html_in_code_are_not_reported() -> None:
    text = with_block(TEXT, ORDINARY)
    assert raw_html(findings_of(text)) == []


def test_allow_html_keeps_a_tag_and_only_that_tag() -> None:
    text = with_block(TEXT, "Press <samp>Enter</samp> then <marquee>go</marquee>.")
    assert len(raw_html(findings_of(text))) == 1
    allowing = Settings(allow_html=("samp",))
    found = raw_html(findings_of(text, allowing))
    assert len(found) == 1
    assert "<marquee>" in found[0].message and "samp" not in found[0].message


# --- the real command line, on the six vectors of the issue ----------------------------------

ISSUE_VECTORS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[runbook](javascript:alert(3))",
    '<iframe src="https://evil.example/"></iframe>',
    '<svg onload="alert(4)"><circle r="4"/></svg>',
    '<div markdown="1" onmouseover="alert(5)">text</div>',
]


def test_postmortem_check_fails_on_the_six_vectors_of_the_issue(tmp_path: Path) -> None:
    body = with_block(TEXT, "\n\n".join(ISSUE_VECTORS)).split("---\n", 2)[2]
    path = write_postmortem(tmp_path, body=body)
    text = path.read_text(encoding="utf-8")
    lines = [text.split("\n").index(vector) + 1 for vector in ISSUE_VECTORS]
    result = subprocess.run(
        [sys.executable, "-m", "postmortem_kb.cli", "check", "--format", "json"],
        cwd=tmp_path,
        env={
            **os.environ,
            "SOURCE_DATE_EPOCH": "1773489600",  # 2026-03-14 12:00 UTC
            "NO_MKDOCS_2_WARNING": "1",
            "PYTHONIOENCODING": "utf-8",
        },
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = [f for f in report["findings"] if f["rule"] == "raw-html"]
    assert [(f["path"], f["line"], f["level"]) for f in found] == [
        (f"postmortems/{PM_ID}.md", line, "error") for line in lines
    ]
    messages = [f["message"] for f in found]
    assert "<script>" in messages[0]
    assert "onerror" in messages[1]
    assert "javascript:" in messages[2]
    assert "<iframe>" in messages[3]
    assert "<svg>" in messages[4]
    assert "onmouseover" in messages[5]
    assert [f for f in report["findings"] if f["level"] == "error"] == found
