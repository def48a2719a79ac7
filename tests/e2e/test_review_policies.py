"""Issue 15's "done when", on a copy of the sample archive, with the real ``postmortem``
command and real MkDocs builds.

The sample postmortem ``2026-08-20-identity-login-dns-ttl`` (SEV2, resolved on Thursday
2026-08-20) loses its review meeting and the identity team from its participants. Ten days
after the resolution the SEV2 policy (a meeting within 5 business days: by 2026-08-27) is
overdue, and the team owning the identity service is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from helpers import REPO, THEME, generator_command

BIN = Path(sys.executable).parent
PM_ID = "2026-08-20-identity-login-dns-ttl"
TODAY = "2026-08-30"  # ten days after the resolution
EPOCH = "1788048000"  # 2026-08-30 00:00 UTC
RELAXED = "      policies:\n        SEV2: {review_within: 14, require_stakeholders: false}\n"


def sample_copy(root: Path, plugin_options: str = "") -> Path:
    """Copy the sample site into ``root``, break the review of ``PM_ID``, add options."""
    for folder in ("postmortems", "docs"):
        shutil.copytree(REPO / folder, root / folder)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    anchor = "      dir: postmortems\n"
    assert anchor in config
    (root / "mkdocs.yml").write_text(config.replace(anchor, anchor + plugin_options), "utf-8")
    path = root / "postmortems" / f"{PM_ID}.md"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("review_meeting: 2026-08-25\n", "").replace(
        "participants: [sofia, dmitri, ines, hana, identity-oncall, edge-oncall]",
        "participants: [dmitri, ines, hana, edge-oncall]",
    )
    assert broken.count("\n") == text.count("\n") - 1, "the sample changed: update this test"
    path.write_text(broken, encoding="utf-8")
    return root


def postmortem(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``postmortem`` command in ``root``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run(
        [str(BIN / "postmortem"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def mkdocs_build(root: Path, *args: str, epoch: str = EPOCH) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build`` in ``root`` on the day ``epoch`` fixes."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": epoch}
    return subprocess.run(
        generator_command("build", *args),
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def rules_in(output: str, path: str) -> list[str]:
    """The rule ids reported for ``path`` in the text format."""
    return [
        line.split(": ", 2)[1].split()[-1]
        for line in output.splitlines()
        if line.startswith(path + ":")
    ]


# --- postmortem check --------------------------------------------------------------------------


def test_an_overdue_review_and_a_missing_team_fail_a_strict_check(tmp_path: Path) -> None:
    root = sample_copy(tmp_path)
    result = postmortem(root, "check", "--strict", "--today", TODAY)
    assert result.returncode == 1, result.stdout + result.stderr
    path = f"postmortems/{PM_ID}.md"
    assert rules_in(result.stdout, path) == ["review-overdue", "missing-stakeholder"]
    assert (
        f"{path}:4:1: warning review-overdue: no review meeting recorded: the SEV2 policy asks "
        "for one within 5 business days of resolution (2026-08-20), by 2026-08-27; 3 days "
        "overdue on 2026-08-30"
    ) in result.stdout
    assert (
        f"{path}:9:1: warning missing-stakeholder: the team team-identity, which owns identity "
        "(postmortems/services.yml), is not among the participants"
    ) in result.stdout
    # The only findings that fail: the rest of the sample keeps to its policies.
    failing = [line for line in result.stdout.splitlines() if ": warning " in line]
    assert len(failing) == 2, result.stdout
    # Without --strict warnings do not fail; on the day of the deadline nothing is overdue.
    assert postmortem(root, "check", "--today", TODAY).returncode == 0
    on_time = postmortem(root, "check", "--today", "2026-08-27")
    assert rules_in(on_time.stdout, path) == ["missing-stakeholder"]


def test_a_policy_override_in_mkdocs_yml_changes_both(tmp_path: Path) -> None:
    root = sample_copy(tmp_path, RELAXED)
    result = postmortem(root, "check", "--strict", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert rules_in(result.stdout, f"postmortems/{PM_ID}.md") == []
    # 14 business days after 2026-08-20 is 2026-09-09: the new deadline, not no deadline.
    later = postmortem(root, "check", "--strict", "--today", "2026-09-10")
    assert later.returncode == 1
    assert "within 14 business days of resolution (2026-08-20), by 2026-09-09" in later.stdout
    assert "missing-stakeholder" not in later.stdout


def test_a_site_still_setting_review_within_days_is_told_the_replacement(tmp_path: Path) -> None:
    root = sample_copy(tmp_path, "      review_within_days: 5\n")
    result = postmortem(root, "check")
    assert result.returncode == 2
    assert "option 'review_within_days' was replaced" in result.stderr
    assert "policies: {SEV2: {review_within: 5}}" in result.stderr
    build = mkdocs_build(root)
    assert build.returncode != 0
    assert "option 'review_within_days' was replaced" in build.stderr


def test_today_must_be_a_date(tmp_path: Path) -> None:
    result = postmortem(sample_copy(tmp_path), "check", "--today", "30/08/2026")
    assert result.returncode == 2
    assert "use the form YYYY-MM-DD" in result.stderr


# --- the site --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The broken sample copy built (not strictly) on 2026-08-30; returns the site folder."""
    root = sample_copy(tmp_path_factory.mktemp("reviews"))
    result = mkdocs_build(root, "--site-dir", "site")
    assert result.returncode == 0, result.stderr
    return root / "site"


def test_a_strict_build_fails_on_the_overdue_review(tmp_path: Path) -> None:
    result = mkdocs_build(sample_copy(tmp_path), "--strict", "--site-dir", "site")
    assert result.returncode == 1
    assert f"postmortems/{PM_ID}.md:4:1: review-overdue: no review meeting" in result.stderr


def test_reviews_ics_parses_back(built: Path) -> None:
    raw = (built / "reviews.ics").read_bytes()
    calendar = Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids))
    host = "postmortems.larkspur.example"
    by_uid = {str(event["UID"]): event for event in events}
    reminder = by_uid[f"{PM_ID}/review-overdue@{host}"]
    assert str(reminder["SUMMARY"]).startswith("Review overdue: Login failover took over")
    assert reminder.decoded("DTSTART").isoformat() == TODAY
    assert "3 days overdue" in str(reminder["DESCRIPTION"])
    assert "Identity (team-identity), #identity (not among the participants yet)" in str(
        reminder["DESCRIPTION"]
    )
    assert str(reminder["URL"]) == f"https://{host}/postmortems/{PM_ID}/"
    # One event per recorded review meeting: every other sample postmortem has one.
    meetings = [event for event in events if str(event["UID"]).endswith(f"/review@{host}")]
    samples = sorted(p.stem for p in (REPO / "postmortems").glob("*.md"))
    assert sorted(str(e["UID"]).split("/")[0] for e in meetings) == [
        pm_id for pm_id in samples if pm_id != PM_ID
    ]
    for event in events:
        assert event.decoded("DTSTAMP").isoformat() == "2026-08-30T00:00:00+00:00"
        assert event.decoded("DTEND") == event.decoded("DTSTART") + dt.timedelta(days=1)
    first = by_uid[f"2025-01-22-payments-api-certificate-expiry/review@{host}"]
    assert first.decoded("DTSTART").isoformat() == "2025-01-24"


def test_reviews_ics_is_reproducible(built: Path, tmp_path: Path) -> None:
    root = sample_copy(tmp_path)
    assert mkdocs_build(root, "--site-dir", "site").returncode == 0
    assert (root / "site" / "reviews.ics").read_bytes() == (built / "reviews.ics").read_bytes()


def test_the_review_queue_lists_the_overdue_review_with_the_teams_to_invite(built: Path) -> None:
    html = (built / "review-queue" / "index.html").read_text(encoding="utf-8")
    assert "<h1" in html and "Review queue" in html
    row = html[html.index(f'href="../postmortems/{PM_ID}/"') :].split("</tr>")[0]
    assert '2026-08-27 <span class="pm-badge pm-overdue">overdue by 3 days</span>' in html
    assert "review meeting" in row and "not recorded" in row
    assert "Identity</a> (not among the participants)" in row
    assert "Edge and CDN</a> (not" not in row  # edge-oncall took part
    assert "reviews.ics" in html
    if THEME != "material":  # the rest reads Material's search index (MaterialX: Pagefind)
        return
    search = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
    [indexed] = [doc for doc in search["docs"] if doc["location"] == "review-queue/"]
    assert indexed["text"].startswith("<p>4 postmortems waiting for the review meeting")
    assert "not among the participants" not in indexed["text"]  # tables go in after indexing


def test_the_dashboard_and_needs_attention_show_compliance(built: Path) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    assert "SEV1/SEV2 reviewed within policy: 7 of 8</a>" in home
    assert "4 postmortems waiting for a review meeting or publication, 1 overdue." in home
    attention = (built / "needs-attention" / "index.html").read_text(encoding="utf-8")
    assert "SEV1/SEV2 reviewed within policy: 7 of 8; median 3 days from resolution" in attention
    assert "1 postmortem past the deadline for the review meeting or for publication:" in attention
    assert f'href="../postmortems/{PM_ID}/"' in attention
