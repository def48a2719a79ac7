"""The plugin in real MkDocs + Material builds of small fixture sites."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from helpers import SAMPLE_TODAY, VALID, build_site, make_site, page


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix "today" so that overdue flags do not depend on the day the tests run."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")


def test_action_items_have_anchors_and_overdue_flags(tmp_path: Path) -> None:
    config = make_site(
        tmp_path, {"2026-03-14-failover.md": VALID.format(title="Failover", status="published")}
    )
    build_site(config, tmp_path / "site", strict=True)
    html = page(tmp_path / "site", "postmortems/2026-03-14-failover")
    assert '<span id="ai-1"></span>AI-1' in html
    row = html[html.index('id="ai-1"') : html.index('id="ai-2"')]
    assert "pm-overdue" in row  # due 2026-04-01, open, today 2026-11-27
    done_row = html[html.index('id="ai-2"') :]
    done_row = done_row[: done_row.index("</tr>")]
    assert "pm-overdue" not in done_row
    assert (
        '<a class="pm-tracker" href="https://tracker.example.com/DB-123" '
        'rel="noopener noreferrer">tracker.example.com/DB-123</a>'
    ) in html
    assert "1 open of 2, open items first." in html
    assert "(+8 min)" in html and "(+2 h 18 min)" in html


def test_front_matter_html_is_escaped(tmp_path: Path) -> None:
    hostile = VALID.format(
        title='"<script>alert(1)</script> [x](javascript:alert(2))"', status="published"
    )
    hostile = hostile.replace(
        "title: Block failover while replica lag exceeds 30 s",
        'title: "<img src=x onerror=alert(3)>"',
    ).replace("link: https://tracker.example.com/DB-123", 'link: "javascript:alert(4)"')
    config = make_site(tmp_path, {"2026-03-14-hostile.md": hostile})
    build_site(config, tmp_path / "site", strict=False)
    html = page(tmp_path / "site", "postmortems/2026-03-14-hostile")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html
    listing = page(tmp_path / "site", "postmortems")
    assert "<script>alert(1)" not in listing


def test_broken_postmortem_aborts_strict_build_with_file_and_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = VALID.format(title="Broken", status="published").replace(
        "severity: SEV2", "severity: SEV2\nservices: [again]"
    )
    config = make_site(tmp_path, {"2026-03-14-broken.md": broken})
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=True)
    assert "postmortems/2026-03-14-broken.md:7:1: duplicate-key" in caplog.text


def test_non_strict_build_still_renders_broken_postmortems(tmp_path: Path) -> None:
    unparsable = "---\ntitle: [unclosed\n---\n\n## Summary\n\nStill here.\n"
    missing_sections = VALID.format(title="Half done", status="published").split("## Impact")[0]
    config = make_site(
        tmp_path,
        {
            "2026-03-14-unparsable.md": unparsable,
            "2026-03-15-half-done.md": missing_sections.replace("2026-03-14", "2026-03-15"),
        },
    )
    build_site(config, tmp_path / "site", strict=False)
    html = page(tmp_path / "site", "postmortems/2026-03-14-unparsable")
    assert "Still here." in html
    assert "This postmortem has 11 problems" in html  # the YAML error, 5 missing fields, 5 sections
    assert "yaml-syntax" in html
    half = page(tmp_path / "site", "postmortems/2026-03-15-half-done")
    assert "missing-section" in half
    listing = page(tmp_path / "site", "postmortems")
    assert "2026-03-14-unparsable/" in listing and "2026-03-15-half-done/" in listing


def test_pages_without_repo_url_have_no_edit_link(tmp_path: Path) -> None:
    config = make_site(
        tmp_path,
        {"2026-03-14-failover.md": VALID.format(title="Failover", status="draft")},
        repo_url=False,
    )
    build_site(config, tmp_path / "site", strict=True)
    html = page(tmp_path / "site", "postmortems/2026-03-14-failover")
    assert 'rel="edit"' not in html
    assert 'admonition-title">Draft<' in html


def test_docs_file_colliding_with_a_postmortem_is_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_site(
        tmp_path, {"2026-03-14-failover.md": VALID.format(title="Failover", status="published")}
    )
    (tmp_path / "docs" / "postmortems").mkdir()
    (tmp_path / "docs" / "postmortems" / "2026-03-14-failover.md").write_text("# Other\n")
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=False)
    assert (
        "docs/postmortems/2026-03-14-failover.md exists and would hide the page of "
        "postmortems/2026-03-14-failover.md; remove it from docs/" in caplog.text
    )


def test_rebuild_with_the_same_plugin_instance_forgets_removed_postmortems(tmp_path: Path) -> None:
    """`mkdocs serve` may reuse the plugin between builds: state is reset in on_config."""
    config_file = make_site(
        tmp_path,
        {
            "2026-03-14-failover.md": VALID.format(title="Failover", status="published"),
            "2026-03-15-second.md": VALID.format(title="Second", status="published").replace(
                "2026-03-14", "2026-03-15"
            ),
        },
    )
    config = load_config(str(config_file), site_dir=str(tmp_path / "out"))
    build(config)
    assert (tmp_path / "out" / "postmortems" / "2026-03-15-second").is_dir()
    (tmp_path / "postmortems" / "2026-03-15-second.md").unlink()
    build(config)
    assert not (tmp_path / "out" / "postmortems" / "2026-03-15-second").exists()
    assert "2026-03-15-second" not in page(tmp_path / "out", "postmortems")
