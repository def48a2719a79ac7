"""``postmortem actions``: the site's action-item view in the terminal, and the weekly digest."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import build_site, make_site, postmortem_text, valid_meta, write_postmortem
from postmortem_kb import cli
from postmortem_kb.archive.exports import EXPORT_VERSION, ITEM_COLUMNS
from postmortem_kb.cli import actions
from postmortem_kb.model.settings import SettingsError
from postmortem_kb.source.mkdocs_yml import read_site_config

EPOCH = "1773489600"  # 2026-03-14 12:00 UTC
P1, P2, P3 = "2026-01-10-checkout-cart", "2026-02-20-payments-retry", "2026-03-01-search-lag"
GITHUB_ISSUE = "https://github.com/larkspur/kb/issues/12"


def item(item_id: str, owner: str, due: str | None, status: str = "open", **extra: Any) -> dict:
    data = {"id": item_id, "title": f"{item_id} of {owner}", "owner": owner, "status": status}
    if due:
        data["due"] = due
    return {**data, **extra}


# postmortem id -> (title, severity, services, action items)
ARCHIVE: dict[str, tuple[str, str, list[str], list[dict[str, Any]]]] = {
    P1: (
        "Cart lost its items",
        "SEV2",
        ["checkout"],
        [
            item("AI-1", "team-db", "2026-02-01", type="prevent", priority="P1", link=GITHUB_ISSUE),
            item("AI-2", "team-sre", "2026-01-20", "done"),
            item("AI-3", "team-dba", None),  # an alias of team-db; no due date
        ],
    ),
    P2: (
        "Payment retries doubled charges",
        "SEV1",
        ["payments-api", "checkout"],
        [
            item("AI-1", "team-payments", "2026-04-30", "in-progress"),
            item("AI-2", "team-db", "2026-03-01"),
            item("AI-3", "alice", None, "wont-do"),
        ],
    ),
    P3: (
        "Search results lagged behind the catalog",
        "SEV3",
        ["search"],
        [
            item("AI-1", "team-search", "2026-03-20", link="https://t.example/S-1"),
            item("AI-2", "dana", "2026-03-18", priority="P2"),  # a member of team-db
        ],
    ),
}

TEAMS_YML = """\
teams:
  team-db:
    name: Databases
    members: [dana]
    aliases: [team-dba]
    channel: "#databases"
  team-payments:
    name: Payments
    members: [alice, rafael]
  team-search:
    name: Search
"""
# team-sre is no team: its items are under "Other owners" in the digest.

OPEN_ORDER = [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-2"), (P3, "AI-1"), (P2, "AI-1"), (P1, "AI-3")]


def archive_files() -> dict[str, str]:
    """File name -> text of the fixture archive."""
    files = {}
    for pm_id, (title, severity, services, items) in ARCHIVE.items():
        meta = valid_meta()
        meta.update(
            title=title,
            date=pm_id[:10],
            severity=severity,
            services=services,
            action_items=items,
            review_meeting=None,
        )
        files[f"{pm_id}.md"] = postmortem_text(meta)
    return files


def write_archive(root: Path, *, teams: bool = True) -> None:
    folder = root / "postmortems"
    folder.mkdir(parents=True)
    for name, text in archive_files().items():
        (folder / name).write_text(text, encoding="utf-8")
    if teams:
        (folder / "teams.yml").write_text(TEAMS_YML, encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write_archive(tmp_path)
    return tmp_path


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(cwd: Path, *args: str, epoch: str = EPOCH) -> Result:
    """Run ``postmortem actions ARGS`` in-process (fast), in ``cwd``."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(
            cli.main, ["actions", *args], env={"SOURCE_DATE_EPOCH": epoch}, catch_exceptions=False
        )
    finally:
        os.chdir(here)
    return Result(result.exit_code, result.stdout, result.stderr)


def table_rows(output: str) -> list[dict[str, str]]:
    """Cut each row's first line at the header's column offsets (which also proves the
    alignment); the indented lines below it are its ITEM column: the title, then the
    reference ``postmortem#item``."""
    lines = output.splitlines()
    header = lines[0]
    names = header.split()
    assert lines[1] == " " * actions.ITEM_INDENT + "ITEM"
    starts = [header.index(name) for name in names]
    spans = list(zip(starts, [*starts[1:], None], strict=True))
    rows: list[dict[str, Any]] = []
    for line in lines[2:]:
        if not line:
            break
        if line.startswith(" "):
            assert line.startswith(" " * actions.ITEM_INDENT), line
            rows[-1]["ITEM"].append(line.strip())
            continue
        for start in starts[1:]:
            assert line[start - 2 : start] in ("  ", " " * len(line[start - 2 : start])), line
        row: dict[str, Any] = {
            name: line[a:b].strip() for name, (a, b) in zip(names, spans, strict=True)
        }
        rows.append({**row, "ITEM": []})
    for row in rows:
        *title, row["REF"] = row.pop("ITEM")
        row["TITLE"] = " ".join(title)
    return rows


def keys(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [tuple(row["REF"].split("#")) for row in rows]  # type: ignore[misc]


def width(line: str) -> int:
    return actions._width(line)


# --- table --------------------------------------------------------------------------------


def test_open_items_overdue_first_then_by_due(site: Path) -> None:
    result = run(site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [*actions.COLUMNS]
    rows = table_rows(result.stdout)
    assert keys(rows) == OPEN_ORDER
    assert rows[0] == {
        "DUE": "2026-02-01",
        "OVERDUE": "41 d",
        "STATUS": "open",
        "SEV": "SEV2",
        "PRI": "P1",
        "OWNER": "team-db",
        "LINK": "larkspur/kb#12",
        "TITLE": "AI-1 of team-db",
        "REF": f"{P1}#AI-1",
    }
    assert rows[1]["OVERDUE"] == "13 d"
    assert rows[2]["PRI"] == "P2"
    assert rows[3]["LINK"] == "t.example/S-1"
    assert rows[4]["STATUS"] == "in-progress"
    assert rows[4]["SEV"] == "SEV1"
    assert rows[5]["DUE"] == "-"
    assert [row["OVERDUE"] for row in rows[2:]] == ["", "", "", ""]
    assert lines[-2:] == ["", "6 open action items, 2 overdue on 2026-03-14"]


def test_today_comes_from_source_date_epoch(site: Path) -> None:
    rows = table_rows(run(site, epoch="1767225600").stdout)  # 2026-01-01: nothing overdue
    assert [row["OVERDUE"] for row in rows] == [""] * 6
    assert keys(rows) == OPEN_ORDER


def test_today_option_wins_over_source_date_epoch(site: Path) -> None:
    result = run(site, "--today", "2026-01-01")
    assert result.stdout.splitlines()[-1] == "6 open action items, 0 overdue on 2026-01-01"
    assert (
        run(site, "--today", "2026-02-02")
        .stdout.splitlines()[-1]
        .endswith("1 overdue on 2026-02-02")
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--owner", "team-db"), [(P1, "AI-1"), (P2, "AI-2")]),
        (
            ("--owner", "team-db", "--owner", "team-search"),
            [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-1")],
        ),
        (("--service", "checkout"), [(P1, "AI-1"), (P2, "AI-2"), (P2, "AI-1"), (P1, "AI-3")]),
        (("-s", "payments-api"), [(P2, "AI-2"), (P2, "AI-1")]),
        (("--overdue",), [(P1, "AI-1"), (P2, "AI-2")]),
        (("--overdue", "--service", "payments-api"), [(P2, "AI-2")]),
        (("--owner", "team-payments", "--service", "checkout"), [(P2, "AI-1")]),
        # a team: its own items, its alias's (team-dba) and its members' (dana)
        (("--team", "team-db"), [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-2"), (P1, "AI-3")]),
        (("-t", "team-dba"), [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-2"), (P1, "AI-3")]),
        (("--team", "team-db", "--overdue"), [(P1, "AI-1"), (P2, "AI-2")]),
        (("--team", "team-db", "--service", "search"), [(P3, "AI-2")]),
        (("--team", "team-db", "--team", "team-search", "--service", "search"), OPEN_ORDER[2:4]),
        (("--team", "team-payments"), [(P2, "AI-1")]),  # alice's item is closed
        (("--team", "team-payments", "--all"), [(P2, "AI-1"), (P2, "AI-3")]),
        # due within DAYS of 2026-03-14, overdue included, never an item without a due date
        (("--due-within", "4"), [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-2")]),
        (("--due-within", "6"), OPEN_ORDER[:4]),
        (("--due-within", "0"), [(P1, "AI-1"), (P2, "AI-2")]),
        (("--due-within", "6", "--team", "team-search"), [(P3, "AI-1")]),
        (("--due-within", "6", "--overdue"), [(P1, "AI-1"), (P2, "AI-2")]),
        (("--due-within", "6", "--all"), OPEN_ORDER[:4]),
        # closed items, newest postmortem first, as the site's closed page
        (("--closed",), [(P2, "AI-3"), (P1, "AI-2")]),
        (("--closed", "--owner", "alice"), [(P2, "AI-3")]),
        (("--all",), [*OPEN_ORDER, (P2, "AI-3"), (P1, "AI-2")]),
    ],
)
def test_filters(site: Path, args: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    result = run(site, *args)
    assert result.returncode == 0, result.stderr
    assert keys(table_rows(result.stdout)) == expected


def test_due_within_counts_today_as_day_zero(site: Path) -> None:
    rows = table_rows(run(site, "--due-within", "0", "--today", "2026-03-18").stdout)
    assert keys(rows) == [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-2")]  # dana's is due today


def test_closed_and_all_summaries(site: Path) -> None:
    closed = run(site, "--closed").stdout.splitlines()
    assert closed[-1] == "2 closed action items on 2026-03-14"
    assert table_rows(run(site, "--closed").stdout)[1]["DUE"] == "2026-01-20"
    assert table_rows(run(site, "--closed").stdout)[0]["DUE"] == "-"
    every = run(site, "--all").stdout.splitlines()
    assert every[-1] == "6 open action items, 2 overdue and 2 closed action items on 2026-03-14"


# --- nothing to list: which filter matched nothing, and what exists ---------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--team", "team-db", "--overdue", "--today", "2026-01-15"),
            "team-db has 4 open action items, none overdue; the next is due on 2026-02-01.",
        ),
        (
            ("--owner", "team-search", "--due-within", "3"),
            "team-search has 1 open action item, none overdue or due within 3 days; "
            "the next is due on 2026-03-20.",
        ),
        (
            ("--overdue", "--today", "2026-01-15"),
            "The archive has 6 open action items, none overdue; the next is due on 2026-02-01.",
        ),
        (
            ("--team", "team-dba", "--due-within", "1", "--today", "2026-01-15"),
            "team-dba has 4 open action items, none overdue or due within 1 day; "
            "the next is due on 2026-02-01.",
        ),
        (("--owner", "alice"), "alice has no open action items (1 closed)."),
        (("--owner", "rafael"), "rafael has no open action items."),  # in teams.yml only
        (
            ("--closed", "--owner", "team-search"),
            "team-search has no closed action items (1 open).",
        ),
        (
            ("--owner", "team-search", "--service", "checkout"),
            "team-search on service checkout has no open action items.",
        ),
        (("--owner", "team-sre"), "team-sre has no open action items (1 closed)."),
    ],
)
def test_nothing_to_list_says_what_exists(site: Path, args: tuple[str, ...], message: str) -> None:
    result = run(site, *args)
    assert (result.returncode, result.stdout) == (0, message + "\n")


def test_nothing_to_list_in_json_keeps_the_output_valid(site: Path) -> None:
    result = run(site, "--owner", "alice", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["items"] == []
    assert "note: alice has no open action items (1 closed)." in result.stderr


def test_empty_archive(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert (result.returncode, result.stdout) == (0, "No open action items.\n")


def test_only_closed_items(tmp_path: Path) -> None:
    meta = valid_meta()
    meta["action_items"][0]["status"] = "done"
    write_postmortem(tmp_path, meta)
    assert run(tmp_path).stdout == "No open action items (1 closed).\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--owner", "tema-db"),
            "no owner 'tema-db' in the archive; did you mean one of 'team-db', 'team-dba'?",
        ),
        (("--owner", "Alice"), "no owner 'Alice' in the archive; did you mean 'alice'?"),
        (("--service", "chekout"), "no service 'chekout' in the archive; did you mean 'checkout'?"),
        (("--owner", "zzz"), "no owner 'zzz' in the archive"),
        (
            ("--team", "tema-db"),
            "no team 'tema-db' in postmortems/teams.yml; "
            "did you mean one of 'team-db', 'team-dba'?",
        ),
        (("--team", "zzz"), "no team 'zzz' in postmortems/teams.yml"),
        (("--team", "alice"), "'alice' is a person (of team-payments), not a team; use --owner"),
        (("--team", "team-sre"), "no team 'team-sre' in postmortems/teams.yml"),
        (("--overdue", "--closed"), "--overdue lists open items"),
        (("--due-within", "3", "--closed"), "--due-within lists open items"),
        (("--due-within", "-1"), "Invalid value for '--due-within'"),
        (("--due-within", "soon"), "Invalid value for '--due-within'"),
        (("--today", "2026-13-01"), "Invalid value for --today: use the form YYYY-MM-DD"),
        (("--format", "markdown", "--closed"), "the markdown digest lists open items"),
        (("--format", "xml"), "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(site: Path, args: tuple[str, ...], message: str) -> None:
    result = run(site, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_team_needs_teams_yml(tmp_path: Path) -> None:
    write_archive(tmp_path, teams=False)
    result = run(tmp_path, "--team", "team-db")
    assert result.returncode == 2
    assert "--team needs teams.yml in the postmortem folder" in result.stderr
    assert "use --owner" in result.stderr


# --- the table fits 100 columns -----------------------------------------------------------------

LONG_TITLE = (
    "Replace the hand-written failover runbook with an automated, fenced and rehearsed "
    "promotion of the standby replica, including a pre-flight that refuses to promote a "
    "replica lagging more than thirty seconds behind the primary"
)


def test_long_values_wrap_within_100_columns(tmp_path: Path) -> None:
    meta = valid_meta()
    meta["action_items"] = [
        item("AI-1", "team-database-reliability-engineering", "2026-04-01", title=LONG_TITLE),
        item(
            "AI-2",
            "team-db",
            "2026-04-02",
            title="x" * 150,  # one word longer than a line
            priority="highest-priority-of-the-quarter",
            link="https://tracker.example.com/a/very/long/path/to/ENGINEERING-123456789",
        ),
        item("AI-3", "team-db", "2026-04-03", title="短い題名" * 30),  # wide characters
    ]
    pm_id = "2026-03-14-" + "very-long-postmortem-name-" * 5 + "end"
    write_postmortem(tmp_path, meta, pm_id=pm_id)
    output = run(tmp_path).stdout
    lines = output.splitlines()
    assert max(width(line) for line in lines) <= actions.TABLE_WIDTH
    assert len(lines) > 12  # wrapped, not cut
    text = " ".join(line.strip() for line in lines)
    assert " ".join(LONG_TITLE.split()) in text
    assert "x" * 80 in text.replace(" ", "")
    for part in ("team-database", "engineering", "ENGINEERING-123456789"):
        assert part in text.replace(" ", "") or part in text
    owner_lines = [line for line in lines if "team-database" in line]
    assert len(owner_lines) == 1 and owner_lines[0].startswith("2026-04-01")  # a row starts
    assert "…/ENGINEERING-123456789" in output
    titles = [line.strip() for line in lines if line.startswith(" " * actions.ITEM_INDENT + "短")]
    assert "".join(titles) == "短い題名" * 30
    full = actions.TABLE_WIDTH - actions.ITEM_INDENT
    assert [width(line) for line in titles] == [full, full, 32 * 2]  # 44 + 44 + 32 characters


def test_sample_archive_table_fits(tmp_path: Path) -> None:
    """The real sample archive, with its long titles and postmortem ids."""
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "postmortem_kb.cli", "actions", "--all", "--today", "2026-11-30"],
        cwd=repo,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(width(line) for line in lines) <= actions.TABLE_WIDTH
    rows = table_rows(result.stdout)
    assert len(rows) > 20
    assert all(row["SEV"].startswith("SEV") for row in rows)


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    meta = valid_meta()
    meta["action_items"][0]["title"] = "Alert \x1b[2J on lag\u200b"
    meta["action_items"][0]["owner"] = "team\x07db"
    write_postmortem(tmp_path, meta)
    result = run(tmp_path, "--all")
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
    assert "Alert ?[2J on lag?" in result.stdout
    assert "team?db" in result.stdout


def test_wide_characters_keep_columns_aligned(tmp_path: Path) -> None:
    meta = valid_meta()
    meta["action_items"] = [
        item("AI-1", "チーム", "2026-04-01", link="https://t.example/A-1"),
        item("AI-2", "team-db", "2026-04-02", link="https://t.example/A-2"),
    ]
    write_postmortem(tmp_path, meta)
    lines = run(tmp_path).stdout.splitlines()
    column = lines[0].index("LINK")
    assert width(lines[2][: lines[2].index("t.example")]) == column
    assert width(lines[5][: lines[5].index("t.example")]) == column


def test_unreadable_postmortems_are_mentioned(site: Path) -> None:
    (site / "postmortems" / "2026-03-02-broken.md").write_text("---\ntitle: [\n---\n", "utf-8")
    result = run(site)
    assert result.returncode == 0
    assert "1 postmortem(s) could not be read" in result.stderr
    assert len(table_rows(result.stdout)) == 6


# --- JSON and CSV are the site's exports ----------------------------------------------------


def site_exports(root: Path, *, directory_urls: bool, site_url: str | None) -> tuple[str, str]:
    """Build the fixture archive with MkDocs; return its action-items.json and .csv."""
    config = make_site(root, archive_files())
    (root / "postmortems" / "teams.yml").write_text(TEAMS_YML, encoding="utf-8")
    extra = "" if directory_urls else "use_directory_urls: false\n"
    if site_url:
        extra += f"site_url: {site_url}\n"
    config.write_text(config.read_text() + extra)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "site", strict=False)
    return (
        (root / "site" / "action-items.json").read_text(encoding="utf-8"),
        (root / "site" / "action-items.csv").read_text(encoding="utf-8"),
    )


@pytest.mark.parametrize(
    ("directory_urls", "site_url", "first_url"),
    [
        (True, None, f"postmortems/{P1}/#ai-1"),
        (False, None, f"postmortems/{P1}.html#ai-1"),
        (True, "https://kb.example/pm", f"https://kb.example/pm/postmortems/{P1}/#ai-1"),
        (False, "https://kb.example/", f"https://kb.example/postmortems/{P1}.html#ai-1"),
    ],
)
def test_all_items_are_the_site_exports_byte_for_byte(
    tmp_path: Path, directory_urls: bool, site_url: str | None, first_url: str
) -> None:
    site_json, site_csv = site_exports(tmp_path, directory_urls=directory_urls, site_url=site_url)
    assert run(tmp_path, "--all", "--format", "json").stdout == site_json
    assert run(tmp_path, "--all", "--format", "csv").stdout == site_csv
    urls = [row["url"] for row in json.loads(site_json)["items"]]
    assert len(urls) == 8
    assert urls[0] == first_url


def test_open_items_are_the_site_rows_of_open_items(tmp_path: Path) -> None:
    site_json, _ = site_exports(tmp_path, directory_urls=True, site_url=None)
    site_items = json.loads(site_json)["items"]
    ours = json.loads(run(tmp_path, "--format", "json").stdout)["items"]
    assert ours == [row for row in site_items if row["status"] not in ("done", "wont-do")]


def test_filtered_rows_are_the_site_rows_with_every_field(site: Path) -> None:
    everything = json.loads(run(site, "--all", "--format", "json").stdout)
    by_key = {(row["postmortem"], row["id"]): row for row in everything["items"]}
    result = json.loads(run(site, "--service", "checkout", "--format", "json").stdout)
    assert result["version"] == everything["version"] == EXPORT_VERSION == 2
    assert result["generated"] == "2026-03-14"
    assert result["items"] == [by_key[key] for key in [(P1, "AI-1"), (P2, "AI-2"), *OPEN_ORDER[4:]]]
    assert all(list(row) == list(ITEM_COLUMNS) for row in everything["items"])
    first = by_key[(P1, "AI-1")]
    assert (first["team"], first["age_days"], first["priority"]) == (["team-db"], 63, "P1")
    assert by_key[(P3, "AI-2")]["team"] == ["team-db"]  # dana, a member
    assert by_key[(P1, "AI-2")]["team"] == []  # team-sre is no team
    assert by_key[(P1, "AI-2")]["age_days"] is None  # closed
    rows = list(csv.DictReader(io.StringIO(run(site, "--overdue", "--format", "csv").stdout)))
    assert [(row["postmortem"], row["id"], row["days_overdue"]) for row in rows] == [
        (P1, "AI-1", "41"),
        (P2, "AI-2", "13"),
    ]
    assert rows[0]["overdue"] == "true"
    assert rows[0]["team"] == "team-db"
    team_rows = run(site, "--team", "team-db", "--due-within", "4", "--format", "csv").stdout
    assert [row["id"] for row in csv.DictReader(io.StringIO(team_rows))] == ["AI-1", "AI-2", "AI-2"]


def test_directory_urls_and_site_url_follow_inherit(tmp_path: Path) -> None:
    def config(name: str) -> tuple[bool, str | None]:
        site = read_site_config(tmp_path / name, required=False)
        return site.directory_urls, site.site_url

    (tmp_path / "base.yml").write_text(
        "site_name: T\nuse_directory_urls: false\nsite_url: https://kb.example/docs\n"
    )
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\nsite_name: T\n")
    assert config("mkdocs.yml") == (False, "https://kb.example/docs/")
    assert config("missing.yml") == (True, None)
    (tmp_path / "tagged.yml").write_text(
        "x: !!python/name:a.b\nuse_directory_urls: false\nsite_url: ''\n"
    )
    assert config("tagged.yml") == (False, None)
    (tmp_path / "env.yml").write_text("site_url: !ENV [KB_URL, 'https://fallback.example/']\n")
    assert config("env.yml") == (True, "https://fallback.example/")
    (tmp_path / "mkdocs.yml").write_text("INHERIT: mkdocs.yml\n")
    with pytest.raises(SettingsError, match="INHERIT loop"):
        config("mkdocs.yml")


# --- glue -----------------------------------------------------------------------------------


COMMAND = ("-t", "team-db", "--format")


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_actions_does_not_import_mkdocs(site: Path, fmt: str) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "postmortem_kb.cli", "actions", *COMMAND, fmt],
        cwd=site,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "postmortem_kb" in imported
    assert not imported & {"mkdocs", "material"}
