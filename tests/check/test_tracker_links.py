"""Tracker links of action items: URLs, Jira keys when the site says where Jira is, and a
note for open items of published postmortems that have none."""

from __future__ import annotations

from pathlib import Path

from helpers import FM, only, run_check, write_postmortem
from postmortem_kb.model.findings import Level
from postmortem_kb.model.settings import Settings

LINK = "link: https://tracker.example.com/DB-123"
JIRA = Settings.from_options({"jira_url": "https://jira.example.com"})


def findings(root: Path, front_matter: str, settings: Settings | None = None) -> list[str]:
    write_postmortem(root, front_matter=front_matter)
    return [
        f"{f.rule} {f.line}:{f.column} {f.message} ({f.suggestion})"
        for f in run_check(root, settings)
    ]


def test_a_jira_key_is_a_link_when_the_site_sets_jira_url(tmp_path: Path) -> None:
    assert findings(tmp_path, FM.replace(LINK, "link: DB-123"), JIRA) == []


def test_a_jira_key_without_jira_url_says_what_to_set(tmp_path: Path) -> None:
    [found] = findings(tmp_path, FM.replace(LINK, "link: DB-123"))
    assert found == (
        "action-item-link-scheme 24:11 link of action item 'AI-1' is a Jira key, but the site "
        "sets no jira_url (set the plugin option jira_url (e.g. https://jira.example.com), or "
        "use a URL)"
    )


def test_other_links_are_refused_with_the_accepted_forms(tmp_path: Path) -> None:
    [found] = findings(tmp_path, FM.replace(LINK, "link: tracker/DB-123"), JIRA)
    assert found.startswith("action-item-link-scheme 24:11 link of action item 'AI-1' is not")
    assert found.endswith("(use the tracker's https:// URL, or a Jira key such as PAY-12)")


def test_open_items_of_published_postmortems_want_a_link(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace(LINK + "\n", ""))
    [note] = only(run_check(tmp_path), "missing-tracker-link")
    assert note.level is Level.INFO
    assert (note.line, note.column) == (18, 5)
    assert note.message == "open action item 'AI-1' has no tracker link"


def test_drafts_and_closed_items_need_no_link(tmp_path: Path) -> None:
    draft = FM.replace(LINK + "\n", "").replace("status: published", "status: draft")
    assert "missing-tracker-link" not in " ".join(findings(tmp_path / "a", draft))
    done = FM.replace(LINK + "\n", "").replace("    status: open", "    status: done")
    assert "missing-tracker-link" not in " ".join(findings(tmp_path / "b", done))
