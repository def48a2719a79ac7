"""Author HTML is sanitised on postmortem pages (and in search), never on the owner's docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from helpers import REPO, VALID_BODY, build_site, make_site, material_search, page, postmortem_text
from postmortem_kb.model.html_policy import ALLOWED_TAGS, NEVER_ALLOWED_TAGS, URL_SCHEMES
from postmortem_kb.site.sanitise import Sanitiser

HOSTILE = """
<script>window.__xss = 1</script>
<img src="x.png" onerror="window.__xss = 2" alt="chart">
[runbook](javascript:window.__xss=3) and [the other incident](2026-01-02-other.md)
<iframe src="https://evil.example/"></iframe>
Visit [the status page](https://status.example.com/) for <samp>more</samp>.
<div markdown="1" onmouseover="window.__xss = 5" class="note">**Kept text**</div>

Paragraph kept
{: onclick="window.__xss = 6" .lead }

| Step | Result |
|:-----|-------:|
| one  | two    |
"""


def build(tmp_path: Path, extra_config: str = "", docs_html: str = "") -> Path:
    config = make_site(
        tmp_path,
        {
            "2026-01-01-hostile.md": postmortem_text(body=VALID_BODY + HOSTILE),
            "2026-01-02-other.md": postmortem_text(body=VALID_BODY),
        },
    )
    if extra_config:
        config.write_text(
            config.read_text().replace("  - postmortems\n", f"  - postmortems:\n{extra_config}")
        )
    if docs_html:
        (tmp_path / "docs" / "owner.md").write_text(docs_html)
    site = tmp_path / "site"
    build_site(config, site, strict=False)
    return site


def author_part(html: str) -> str:
    """What the author wrote, as published: from the first section of the body on (the
    page's list of problems above it quotes the findings)."""
    return html.split('id="summary"')[1]


def test_postmortem_pages_lose_what_runs_and_keep_their_content(tmp_path: Path) -> None:
    site = build(tmp_path)
    body = author_part(page(site, "postmortems/2026-01-01-hostile"))
    for gone in ("<script>window", "onerror", "javascript:", "<iframe", "onmouseover", "onclick"):
        assert gone not in body, gone
    assert '<img src="x.png" alt="chart">' in body
    assert "<strong>Kept text</strong>" in body
    assert '<p class="lead">Paragraph kept</p>' in body
    assert '<th style="text-align:left">Step</th>' in body
    assert '<a href="../2026-01-02-other/" rel="noopener noreferrer">the other incident</a>' in body
    assert 'href="https://status.example.com/" rel="noopener noreferrer"' in body
    assert "<samp>" not in body  # not allowed unless the site says so
    assert (site / "postmortems" / "2026-01-02-other" / "index.html").is_file()


@material_search
def test_the_search_index_gets_the_sanitised_text(tmp_path: Path) -> None:
    site = build(tmp_path)
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    docs = json.loads(index)["docs"]
    hostile = [d for d in docs if d["location"].startswith("postmortems/2026-01-01-hostile/")]
    assert hostile
    text = json.dumps(hostile)
    for gone in ("__xss", "onerror", "javascript:", "iframe"):
        assert gone not in text, gone
    assert "Kept text" in text


def test_the_site_owners_docs_pages_are_not_touched(tmp_path: Path) -> None:
    owner_html = '# Owner\n\n<iframe src="https://dashboards.example.com/embed"></iframe>\n'
    site = build(tmp_path, docs_html=owner_html)
    assert '<iframe src="https://dashboards.example.com/embed"></iframe>' in page(site, "owner")


def test_allow_html_keeps_the_sites_extra_tags(tmp_path: Path) -> None:
    site = build(tmp_path, extra_config="      allow_html: [samp]\n")
    body = author_part(page(site, "postmortems/2026-01-01-hostile"))
    assert "<samp>more</samp>" in body
    assert "<script>window" not in body


def test_a_strict_build_fails_on_raw_html(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = make_site(
        tmp_path, {"2026-01-01-hostile.md": postmortem_text(body=VALID_BODY + HOSTILE)}
    )
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=True)
    assert "raw-html: the site removes the <script> element" in caplog.text


def test_the_sanitiser_keeps_markdown_output() -> None:
    kept = (
        '<div class="admonition note"><p class="admonition-title">Note</p><p>x</p></div>'
        '<h2 id="a">A<a class="headerlink" href="#a" title="P" rel="noopener noreferrer">¶</a>'
        "</h2>"
        "<details open><summary>S</summary><p>t</p></details>"
        '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1" rel="noopener noreferrer">1</a>'
        "</sup>"
        '<div class="highlight"><pre><span></span><code><span class="k">if</span></code></pre>'
        "</div>"
        '<ol start="3"><li>c</li></ol><dl><dt>t</dt><dd>d</dd></dl>'
        '<p><del>x</del> <ins>y</ins> <mark>z</mark> <kbd>K</kbd> <abbr title="T">A</abbr></p>'
    )
    assert Sanitiser().clean(kept) == kept.replace("<details open>", '<details open="">')


def test_the_reference_lists_the_policy() -> None:
    docs = (REPO / "docs" / "reference" / "html.md").read_text(encoding="utf-8")
    kept = docs.split("## What is kept")[1].split("Attributes:")[0]
    assert " ".join(sorted(ALLOWED_TAGS)) in " ".join(kept.replace("`", "").split())
    for scheme in URL_SCHEMES:
        assert f"`{scheme}`" in docs
    assert {"script", "iframe", "svg", "form"} <= NEVER_ALLOWED_TAGS
