"""The repository's sample archive built with real MkDocs + Material, and its committed docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import REPO, SAMPLE_TODAY, build_site, page


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


def test_sample_every_team_has_a_calendar(sample_site: Path) -> None:
    """Issue 14: each team of teams.yml has a calendar beside its page; the site's holds every
    open item with a due date (as action-items.json lists them), each a VTODO and a VEVENT."""
    import json

    import yaml
    from icalendar import Calendar

    from postmortem_kb.model.text import slugify

    teams = yaml.safe_load((REPO / "postmortems" / "teams.yml").read_text(encoding="utf-8"))
    assert teams["teams"]
    for team in teams["teams"]:
        calendar = Calendar.from_ical((sample_site / "teams" / f"{slugify(team)}.ics").read_bytes())
        assert len(calendar.walk("VTODO")) == len(calendar.walk("VEVENT"))
    items = json.loads((sample_site / "action-items.json").read_text(encoding="utf-8"))["items"]
    dated = [i for i in items if i["status"] in ("open", "in-progress") and i["due"]]
    site = Calendar.from_ical((sample_site / "action-items.ics").read_bytes())
    assert len(site.walk("VTODO")) == len(site.walk("VEVENT")) == len(dated) > 0
    for todo in site.walk("VTODO"):
        assert str(todo["URL"]).startswith("https://postmortems.larkspur.example/postmortems/")


def test_generated_rule_reference_is_current() -> None:
    from postmortem_kb.cli.reference import render_rules_reference

    committed = (REPO / "docs" / "reference" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules_reference(), "run: postmortem rules > docs/reference/rules.md"
