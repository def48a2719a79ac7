"""Tracker links: the short label people say aloud, and where a Jira key points."""

from __future__ import annotations

import pytest

from postmortem_kb.model.settings import Settings, SettingsError
from postmortem_kb.model.tracker import TrackerLink, tracker_link

JIRA = "https://jira.example.com/"


@pytest.mark.parametrize(
    ("link", "label"),
    [
        ("https://github.com/larkspur/payments/issues/42", "larkspur/payments#42"),
        ("https://github.com/larkspur/payments/pull/7/", "larkspur/payments#7"),
        ("https://gitlab.com/group/sub/project/-/issues/3", "group/sub/project#3"),
        ("https://gitlab.example.com/ops/db/-/merge_requests/12", "ops/db!12"),
        ("https://larkspur.atlassian.net/browse/PAY-12", "PAY-12"),
        ("https://linear.app/acme/issue/ENG-12/fix-the-thing", "linear.app/…/fix-the-thing"),
        ("https://tracker.example.com/5", "tracker.example.com/5"),
        ("https://tracker.example.com/", "tracker.example.com"),
    ],
)
def test_urls_get_a_short_label(link: str, label: str) -> None:
    assert tracker_link(link) == TrackerLink(link, label)


def test_a_jira_key_points_into_jira_when_the_site_says_where() -> None:
    assert tracker_link("PAY-12", JIRA) == TrackerLink(
        "https://jira.example.com/browse/PAY-12", "PAY-12"
    )
    assert tracker_link("PAY-12") == TrackerLink(None, "PAY-12")


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://x.example.com/a", "not a url", "https://"]
)
def test_anything_else_links_nowhere(link: str) -> None:
    assert tracker_link(link, JIRA).url is None


def test_jira_url_must_be_a_web_url() -> None:
    assert Settings.from_options({"jira_url": JIRA}).jira_url == JIRA
    with pytest.raises(SettingsError, match="not an http"):
        Settings.from_options({"jira_url": "jira.example.com"})
