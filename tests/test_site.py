"""Real MkDocs + Material builds: the sample archive and small fixture sites."""

from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

REPO = Path(__file__).resolve().parent.parent
SAMPLE_TODAY = "1795737600"  # 2026-11-27 00:00 UTC

VALID = """\
---
title: {title}
date: 2026-03-14
status: {status}
severity: SEV2
services: [checkout]
causes: [config-change]
authors: [alice]
participants: [bob]
incident:
  started: 2026-03-14T09:12:00Z
  detected: 2026-03-14T09:20:00Z
  mitigated: 2026-03-14T10:02:00Z
  resolved: 2026-03-14T11:30:00Z
review_meeting: 2026-03-16
action_items:
  - id: AI-1
    title: Block failover while replica lag exceeds 30 s
    owner: team-db
    due: 2026-04-01
    status: open
    type: prevent
    link: https://tracker.example.com/DB-123
  - id: AI-2
    title: Document the failover runbook
    owner: team-sre
    status: done
---

## Summary

The checkout database failed over twice in a loop.

## Impact

Checkout returned errors for 50 minutes.

## Timeline

- 09:12 UTC — The replica lag starts to grow.
- 09:20 UTC — The lag alert pages the on-call engineer.
- 10:02 UTC — Failover is paused and errors stop.

## Contributing Factors

The failover automation did not consider replica lag.

## Resolution

Automatic failover was paused.

## Lessons Learned

### What went well

- The alert fired within eight minutes.

### What went wrong

- The runbook described an old procedure.

### Where we got lucky

- The incident happened outside peak hours.
"""


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix "today" so that overdue flags do not depend on the day the tests run."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")


def make_site(root: Path, postmortems: dict[str, str], *, repo_url: bool = True) -> Path:
    """Write a minimal Material site with the plugin and the given postmortem files."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n\nSee [postmortems](postmortems/index.md).\n")
    folder = root / "postmortems"
    folder.mkdir()
    for name, text in postmortems.items():
        (folder / name).write_text(text, encoding="utf-8")
    config = textwrap.dedent(
        f"""\
        site_name: Test
        {"repo_url: https://git.example.com/team/kb" if repo_url else ""}
        {"edit_uri: edit/main/docs/" if repo_url else ""}
        theme:
          name: material
          features: [content.action.edit]
        plugins:
          - search
          - postmortems
        nav:
          - Home: index.md
          - Postmortems: postmortems/index.md
        """
    )
    (root / "mkdocs.yml").write_text(config)
    return root / "mkdocs.yml"


def build_site(config_file: Path, site_dir: Path, *, strict: bool) -> None:
    """Build with MkDocs' own API, as `mkdocs build` does."""
    config = load_config(str(config_file), site_dir=str(site_dir), strict=strict)
    build(config)


def page(site_dir: Path, uri: str) -> str:
    """Read a built page."""
    return (site_dir / uri / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the repository's sample archive once, in strict mode."""
    site_dir = tmp_path_factory.mktemp("sample") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(REPO / "mkdocs.yml", site_dir, strict=True)
    return site_dir


def sample_ids() -> list[str]:
    return sorted(p.stem for p in (REPO / "postmortems").glob("*.md"))


def test_sample_builds_strict_with_a_page_per_postmortem(sample_site: Path) -> None:
    ids = sample_ids()
    assert len(ids) >= 12
    for pm_id in ids:
        assert (sample_site / "postmortems" / pm_id / "index.html").is_file()
    listing = page(sample_site, "postmortems")
    for pm_id in ids:
        assert f'href="../postmortems/{pm_id}/"' in listing or f'href="{pm_id}/"' in listing


def test_sample_pages_show_card_services_and_action_items(sample_site: Path) -> None:
    for pm_id in sample_ids():
        html = page(sample_site, f"postmortems/{pm_id}")
        assert 'class="pm-card"' in html
        assert "pm-severity" in html
        assert 'id="action-items"' in html
        text = (REPO / "postmortems" / f"{pm_id}.md").read_text()
        first_service = re.search(r"^services: \[([^,\]]+)", text, re.M)
        assert first_service, pm_id
        assert first_service.group(1).strip() in html


def test_sample_edit_links_point_at_the_real_files(sample_site: Path) -> None:
    pm_id = sample_ids()[0]
    html = page(sample_site, f"postmortems/{pm_id}")
    assert f"https://github.com/larkspur/postmortems/edit/main/postmortems/{pm_id}.md" in html


def test_sample_has_banners_for_draft_and_in_review(sample_site: Path) -> None:
    statuses = {
        pm_id: re.search(
            r"^status: (\S+)", (REPO / "postmortems" / f"{pm_id}.md").read_text(), re.M
        ).group(1)  # type: ignore[union-attr]
        for pm_id in sample_ids()
    }
    assert {"draft", "in-review", "published"} <= set(statuses.values())
    for pm_id, status in statuses.items():
        html = page(sample_site, f"postmortems/{pm_id}")
        assert ('admonition-title">Draft<' in html) == (status == "draft"), pm_id
        assert ('admonition-title">In review<' in html) == (status == "in-review"), pm_id


def test_sample_nav_lists_no_individual_postmortem(sample_site: Path) -> None:
    home = page(sample_site, "")
    nav = home[home.index('<nav class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index("</nav>")]
    for pm_id in sample_ids():
        assert pm_id not in nav


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
    assert '<a href="https://tracker.example.com/DB-123">DB-123</a>' in html
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
    assert "This postmortem has 6 problems" in html  # the YAML error and 5 missing sections
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


def test_generated_rule_reference_is_current() -> None:
    from postmortem_kb.cli.reference import render_rules_reference

    committed = (REPO / "docs" / "reference" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules_reference(), "run: postmortem rules > docs/reference/rules.md"


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
