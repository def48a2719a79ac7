"""``site/generate.py``: where files go, what is never overwritten, and what the pages hold."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest

from helpers import PM_ID, VALID_BODY, write_postmortem
from postmortem_kb.site.generate import (
    MANIFEST,
    PAGE,
    GenerateError,
    generate,
    page_file,
    target_path,
)
from postmortem_kb.source.mkdocs_yml import SiteConfig, read_site_config

DAY = dt.date(2026, 4, 1)
PM_PAGE = f"postmortems/{PM_ID}.md"


def site(root: Path) -> SiteConfig:
    """A site with the valid postmortem, configured by ``root/mkdocs.yml``."""
    (root / "mkdocs.yml").write_text("site_name: KB\nplugins:\n  - postmortems\n")
    if not (root / "postmortems").is_dir():
        write_postmortem(root)
    return read_site_config(root / "mkdocs.yml", required=True)


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def rendered(text: str) -> str:
    """A generated file as a generator renders it: Python-Markdown, the usual extensions."""
    md = markdown.Markdown(extensions=["toc", "tables", "attr_list", "md_in_html", "admonition"])
    return md.convert(text.split("---\n", 2)[2])


# --- paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["../x.md", "a/../../x.md", "/etc/passwd", "a/./b.md", "a//b.md", "a\\..\\b.md", "", "."],
)
def test_a_path_that_is_not_plainly_inside_the_folder_is_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(GenerateError, match="refusing to write"):
        target_path(tmp_path, path)


def test_a_path_through_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "docs", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "services").symlink_to(outside)
    with pytest.raises(GenerateError, match="leads outside"):
        target_path(root.resolve(), "services/index.md")
    assert target_path(root.resolve(), "causes/index.md") == root.resolve() / "causes/index.md"


def test_a_symlinked_folder_in_the_way_stops_the_run_before_anything_is_written(
    tmp_path: Path,
) -> None:
    docs, outside = tmp_path / "docs", tmp_path / "outside"
    docs.mkdir()
    outside.mkdir()
    (docs / "postmortems").symlink_to(outside)
    with pytest.raises(GenerateError, match="leads outside"):
        generate(site(tmp_path), docs, DAY)
    assert list(outside.iterdir()) == []
    assert files_in(docs) == set()


# --- never overwriting ----------------------------------------------------------------------


def test_a_file_in_the_way_is_never_overwritten_and_nothing_is_written(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "services").mkdir(parents=True)
    (docs / "services" / "index.md").write_text("# Our services\n")
    with pytest.raises(GenerateError) as error:
        generate(site(tmp_path), docs, DAY)
    assert str(docs / "services" / "index.md") in str(error.value)
    assert "was not written by 'postmortem generate'" in str(error.value)
    assert "Move or remove it" in str(error.value)
    assert files_in(docs) == {"services/index.md"}
    assert (docs / "services" / "index.md").read_text() == "# Our services\n"


def test_own_pages_stay_and_a_second_run_replaces_only_its_own_files(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n")
    first = generate(site(tmp_path), docs, DAY)
    assert PM_PAGE in first.files and "services/index.md" in first.files
    assert "assets/postmortem-kb/postmortem-kb.css" in first.files
    assert {"archive.json", "action-items.json", "feed.xml"} <= {Path(p).name for p in first.files}
    assert "<title>KB: postmortems</title>" in (docs / "feed.xml").read_text()  # site_name
    manifest = (docs / MANIFEST).read_text()
    assert "index.md\n" not in manifest.splitlines(keepends=True)
    assert files_in(docs) == {"index.md", MANIFEST, *first.files}
    (docs / PM_PAGE).write_text("stale")
    second = generate(site(tmp_path), docs, DAY)
    assert second.files == first.files and second.removed == []
    assert (docs / PM_PAGE).read_text() != "stale"
    assert (docs / "index.md").read_text() == "# Home\n"


def test_pages_no_longer_generated_are_removed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    other = "2026-03-20-checkout-db-failover-again"
    write_postmortem(tmp_path)
    write_postmortem(tmp_path, pm_id=other)
    generate(site(tmp_path), docs, DAY)
    assert (docs / f"postmortems/{other}.md").is_file()
    (tmp_path / "postmortems" / f"{other}.md").unlink()
    result = generate(site(tmp_path), docs, DAY)
    assert result.removed == [f"postmortems/{other}.md"]
    assert not (docs / f"postmortems/{other}.md").exists()
    assert (docs / PM_PAGE).is_file()


def test_a_manifest_naming_a_file_outside_the_folder_deletes_nothing(tmp_path: Path) -> None:
    docs, precious = tmp_path / "docs", tmp_path / "precious.md"
    docs.mkdir()
    precious.write_text("keep me")
    (docs / MANIFEST).write_text("# list\n../precious.md\n")
    with pytest.raises(GenerateError, match=re.escape("refusing to write '../precious.md'")):
        generate(site(tmp_path), docs, DAY)
    assert precious.read_text() == "keep me"


def test_a_file_given_as_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").write_text("not a folder")
    with pytest.raises(GenerateError, match="is not a folder"):
        generate(site(tmp_path), tmp_path / "docs", DAY)


# --- what the pages hold ----------------------------------------------------------------------


HOSTILE_BODY = (
    VALID_BODY
    + """
## Notes <b>bold</b> *stars* {#evil} C#

<script>alert(1)</script>
<img src="x.png" onerror="alert(2)">
<a href="javascript:alert(3)">click</a>

--8<-- "mkdocs.yml"
"""
)


def test_author_html_is_sanitised_and_headings_stay_text(tmp_path: Path) -> None:
    write_postmortem(tmp_path, body=HOSTILE_BODY, title='Fail <b>over</b> & "more"')
    docs = tmp_path / "docs"
    generate(site(tmp_path), docs, DAY)
    text = (docs / PM_PAGE).read_text()
    assert "title: Fail &lt;b&gt;over&lt;/b&gt; &amp; &quot;more&quot;" in text
    html = rendered(text)
    for bad in ("<script", " onerror=", 'href="javascript:', "<b>"):
        assert bad not in html
    assert "alert(1)" not in html  # a script goes with its content
    # The heading's text, without its markup (bold, emphasis); the id the body had.
    assert '<h2 id="notes-bold-stars-evil-c">Notes bold stars {#evil} C</h2>' in html
    assert ">Fail &lt;b&gt;over&lt;/b&gt; &amp; &quot;more&quot;</h1>" in html
    assert "--8<--" not in text  # no line a snippets extension would read as an include
    assert 'id="action-items"' in html and 'id="ai-1"' in html


def test_html_blocks_pass_through_python_markdown_unchanged() -> None:
    html = (
        '<h1 id="t">T</h1>\n<p>a *b* <span>_c_</span></p>\n\n<pre><code>x\n\n    y *z*\n'
        "</code></pre>\n<h2>Next</h2>\ntext\n"
    )
    text = page_file("T", html, searchable=False)
    assert "search:\n  exclude: true" in text
    assert rendered(text) == (
        '<h1 id="t">T</h1>\n<div>\n<p>a *b* <span>_c_</span></p>\n\n<pre><code>x\n\n'
        '    y *z*\n</code></pre>\n</div>\n\n<h2 id="next">Next</h2>\n<div>\ntext\n</div>'
    )


def test_source_links_name_markdown_files_and_page_links_name_urls(tmp_path: Path) -> None:
    source, page = tmp_path / "source", tmp_path / "page"
    generate(site(tmp_path), source, DAY)
    generate(site(tmp_path), page, DAY, PAGE)
    by_source, by_page = (folder.joinpath(PM_PAGE).read_text() for folder in (source, page))
    assert 'href="../services/checkout.md"' in by_source
    assert 'href="../../services/checkout/"' in by_page
    listing = (source / "services" / "index.md").read_text()
    assert 'href="../services/checkout.md"' in listing
    assert (
        f'href="../postmortems/{PM_ID}.md#ai-1"' in (source / "action-items/index.md").read_text()
    )


def test_generate_runs_without_mkdocs() -> None:
    """The files are written without MkDocs: a site may have moved to another generator."""
    code = (
        "import sys, postmortem_kb.site.generate\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_a_run_that_stops_half_way_leaves_every_written_file_listed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    generate(site(tmp_path), docs, DAY)
    other = "2026-03-20-checkout-db-failover-again"
    write_postmortem(tmp_path, pm_id=other)
    (docs / "services" / "checkout.md").unlink()
    (docs / "services" / "checkout.md").mkdir()  # writing this page fails half-way
    with pytest.raises(IsADirectoryError):
        generate(site(tmp_path), docs, DAY)
    assert (docs / f"postmortems/{other}.md").is_file()  # written before the failure
    (docs / "services" / "checkout.md").rmdir()
    result = generate(site(tmp_path), docs, DAY)  # no "not written by" for the new page
    assert f"postmortems/{other}.md" in result.files


def test_only_headings_outside_other_elements_become_markdown() -> None:
    html = (
        '<!-- <h2>not</h2> --><div title="a <h2> b"><h2 id="inner">Inner</h2><br></div>\n'
        '<h3 id="x">A <code>&lt;b&gt;</code> &amp; C<a class="headerlink" href="#x">&para;</a></h3>'
        "<svg><rect/><style>h2 > b {}</style></svg>"
    )
    text = page_file("T", html, searchable=True)
    body = text.split("---\n", 2)[2]
    assert body.count("\n#") == 1
    assert "### A &lt;b&gt; &amp; C {#x}" in body
    assert '<h2 id="inner">Inner</h2>' in body
