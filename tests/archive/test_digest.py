"""The weekly digest: ``postmortem actions --format markdown`` on a real archive with teams.yml.

The output is compared as text: it is what the scheduled workflow puts in the digest issue.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import postmortem_text, valid_meta
from postmortem_kb import cli

TODAY = "2026-03-14"
P1, P2, P3 = "2026-01-10-checkout-cart", "2026-02-20-payments-retry", "2026-03-01-search-lag"
HOSTILE = "Retry with a key <script>alert(1)</script> | [docs](javascript:x) *now*"


def item(item_id: str, owner: str, due: str | None, status: str = "open", **extra: Any) -> dict:
    data = {"id": item_id, "title": f"{item_id} of {owner}", "owner": owner, "status": status}
    if due:
        data["due"] = due
    return {**data, **extra}


ARCHIVE: dict[str, tuple[str, str, list[dict[str, Any]]]] = {
    P1: (
        "Cart lost its items",
        "SEV2",
        [
            item("AI-1", "team-db", "2026-02-01", link="https://github.com/larkspur/kb/issues/12"),
            item("AI-2", "team-sre", "2026-03-10"),  # no team: "Other owners"
            item("AI-3", "team-dba", None),  # no due date: never in the digest
        ],
    ),
    P2: (
        "Payment retries | doubled *charges*",
        "SEV1",
        [
            item("AI-1", "alice", "2026-03-20", title=HOSTILE, link="PAY-7"),
            item("AI-2", "sam", TODAY),  # a member of two teams: under both
            item("AI-3", "team-payments", "2026-05-30"),  # due later than the window
            item("AI-4", "team-db", "2026-03-01", "done"),
        ],
    ),
    P3: ("Search results lagged", "SEV3", [item("AI-1", "kim", "2026-03-28")]),  # in 14 days
}

TEAMS_YML = """\
teams:
  team-db:
    name: Databases
    members: [dana, sam]
    aliases: [team-dba]
    channel: "#databases"
  team-payments:
    name: Payments
    members: [alice, sam]
  team-search:
    name: Search
"""

MKDOCS_YML = """\
site_name: KB
{site_url}
plugins:
  - search
  - postmortems:
      jira_url: https://jira.example.com
"""


def write_site(root: Path, *, site_url: str | None, teams: bool = True) -> Path:
    folder = root / "postmortems"
    folder.mkdir(parents=True)
    for pm_id, (title, severity, items) in ARCHIVE.items():
        meta = valid_meta()
        meta.update(
            title=title, date=pm_id[:10], severity=severity, action_items=items, review_meeting=None
        )
        (folder / f"{pm_id}.md").write_text(postmortem_text(meta), encoding="utf-8")
    if teams:
        (folder / "teams.yml").write_text(TEAMS_YML, encoding="utf-8")
    url = f"site_url: {site_url}" if site_url else ""
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(site_url=url), encoding="utf-8")
    return root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path, site_url="https://kb.example/")


def digest(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``postmortem actions --format markdown ARGS`` in ``root``; return its output."""
    here = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(
            cli.main,
            ["actions", "--format", "markdown", *args],
            env=env or {"SOURCE_DATE_EPOCH": None},
            catch_exceptions=False,
        )
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.stderr
    return result.stdout


SITE = "https://kb.example/postmortems"
ROW = "| When | Action item | Owner | Due | Tracker | Postmortem |\n" + "| --- " * 6 + "|"
ESCAPED = r"Retry with a key \<script\>alert(1)\</script\> \| \[docs\](javascript:x) \*now\*"
CART = f"[Cart lost its items]({SITE}/{P1}/) (SEV2)"
PAYMENTS = rf"[Payment retries \| doubled \*charges\*]({SITE}/{P2}/) (SEV1)"
SEARCH = f"[Search results lagged]({SITE}/{P3}/) (SEV3)"
GITHUB = "[larkspur/kb#12](https://github.com/larkspur/kb/issues/12)"
JIRA = "[PAY-7](https://jira.example.com/browse/PAY-7)"


def on_site(title: str, pm_id: str, item_id: str) -> str:
    """An item's title linked to its place on the site, and its id."""
    return f"[{title}]({SITE}/{pm_id}/#{item_id.lower()}) ({item_id})"


DB1 = on_site("AI-1 of team-db", P1, "AI-1")
SAM = on_site("AI-2 of sam", P2, "AI-2")
ALICE = on_site(ESCAPED, P2, "AI-1")
SRE = on_site("AI-2 of team-sre", P1, "AI-2")
KIM = on_site("AI-1 of kim", P3, "AI-1")

EXPECTED = f"""\
Open action items on 2026-03-14: **2 overdue**, **3 due within 14 days**, 7 open in all.

## Databases (`team-db`)

1 overdue · 1 due soon · [team page](https://kb.example/teams/team-db/) · #databases

{ROW}
| **41 days overdue** | {DB1} | team-db | 2026-02-01 | {GITHUB} | {CART} |
| due today | {SAM} | sam | 2026-03-14 |  | {PAYMENTS} |

## Payments (`team-payments`)

0 overdue · 2 due soon · [team page](https://kb.example/teams/team-payments/)

{ROW}
| due today | {SAM} | sam | 2026-03-14 |  | {PAYMENTS} |
| in 6 days | {ALICE} | alice | 2026-03-20 | {JIRA} | {PAYMENTS} |

## Other owners

1 overdue · 1 due soon

{ROW}
| **4 days overdue** | {SRE} | team-sre | 2026-03-10 |  | {CART} |
| in 14 days | {KIM} | kim | 2026-03-28 |  | {SEARCH} |

Nothing overdue or due within 14 days: Search (`team-search`).

---

Open action items that are overdue or due within 14 days, by the team of their owner; \
[all open action items](https://kb.example/action-items/). \
Written by `postmortem actions --format markdown`.
"""


def test_the_digest_as_text(site: Path) -> None:
    assert digest(site, "--today", TODAY) == EXPECTED


def test_the_digest_is_deterministic_and_takes_one_today(site: Path) -> None:
    first = digest(site, "--today", TODAY)
    assert digest(site, "--today", TODAY) == first
    assert digest(site, env={"SOURCE_DATE_EPOCH": "1773489600"}) == first  # 2026-03-14 12:00


def test_author_text_cannot_format_link_or_embed(site: Path) -> None:
    text = digest(site, "--today", TODAY)
    assert "<script>" not in text
    assert not re.search(r"(?<!\\)\]\(javascript:", text)  # only an escaped bracket
    assert ESCAPED in text
    assert all(line.count(" | ") == 5 for line in text.splitlines() if line.startswith("| "))


def test_without_site_url_links_are_relative_and_the_digest_says_so(tmp_path: Path) -> None:
    text = digest(write_site(tmp_path, site_url=None), "--today", TODAY)
    assert "https://kb.example" not in text
    assert f"[AI-1 of team-db](postmortems/{P1}/#ai-1)" in text
    assert "[team page](teams/team-db/)" in text
    assert text.endswith(
        "\n\nLinks are relative to the site root: set `site_url` in `mkdocs.yml` to make them "
        "absolute.\n"
    )


def test_site_url_with_a_path_and_without_directory_urls(tmp_path: Path) -> None:
    root = write_site(tmp_path, site_url="https://example.org/kb")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "use_directory_urls: false\n")
    text = digest(root, "--today", TODAY)
    assert f"(https://example.org/kb/postmortems/{P1}.html#ai-1)" in text
    assert "[team page](https://example.org/kb/teams/team-db.html)" in text


def test_one_team(site: Path) -> None:
    text = digest(site, "--today", TODAY, "--team", "team-payments")
    assert text.startswith(
        "Open action items on 2026-03-14 (team-payments): **0 overdue**, "
        "**2 due within 14 days**, 3 open in all.\n"
    )
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Payments (`team-payments`)"
    ]
    assert "Nothing overdue" not in text  # the other teams are not asked about


def test_an_alias_names_its_team(site: Path) -> None:
    text = digest(site, "--today", TODAY, "--team", "team-dba")
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Databases (`team-db`)"
    ]
    assert "(team-dba): **1 overdue**, **1 due within 14 days**, 3 open in all." in text


def test_overdue_only(site: Path) -> None:
    text = digest(site, "--today", TODAY, "--overdue")
    assert text.startswith("Open action items on 2026-03-14: **2 overdue**, 7 open in all.\n")
    assert "due soon" not in text and "due today" not in text
    assert "\n1 overdue · [team page](https://kb.example/teams/team-db/) · #databases\n" in text
    assert "Nothing overdue: Payments (`team-payments`), Search (`team-search`).\n" in text


def test_due_within(site: Path) -> None:
    text = digest(site, "--today", TODAY, "--due-within", "3")
    assert "**2 overdue**, **1 due within 3 days**, 7 open in all." in text
    assert "AI-2 of sam" in text and "in 6 days" not in text and "AI-1 of kim" not in text
    assert "that are overdue or due within 3 days, by the team" in text


def test_an_owner_and_a_service(site: Path) -> None:
    text = digest(site, "--today", TODAY, "--owner", "kim", "-s", "checkout")
    assert text.startswith("Open action items on 2026-03-14 (kim on service checkout):")


def test_nothing_due(site: Path) -> None:
    text = digest(site, "--today", "2025-12-01")
    assert text.startswith(
        "Open action items on 2025-12-01: **0 overdue**, **0 due within 14 days**, 7 open in "
        "all.\n\nNothing is overdue or due within 14 days.\n\nNothing overdue or due within 14 "
        "days: Databases (`team-db`), Payments (`team-payments`), Search (`team-search`).\n"
    )
    assert "## " not in text


def test_without_teams_yml_every_item_is_in_one_list(tmp_path: Path) -> None:
    text = digest(
        write_site(tmp_path, site_url="https://kb.example/", teams=False), "--today", TODAY
    )
    assert [line for line in text.splitlines() if line.startswith("## ")] == ["## Action items"]
    assert text.count("AI-2 of sam") == 1
    assert "Add `teams.yml` to the postmortem folder to group items by team." in text


def test_expected_digest_is_valid_table_markdown() -> None:
    """Every table row of the expected text has the header's six cells."""
    rows = [line for line in EXPECTED.splitlines() if line.startswith("| ")]
    assert len(rows) == 3 * 2 + 6
    assert textwrap.dedent(EXPECTED) == EXPECTED
