"""``postmortem actions``: the site's action-item view in the terminal."""

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
from postmortem_kb.cli import actions
from postmortem_kb.model.settings import SettingsError
from postmortem_kb.source.mkdocs_yml import read_site_config

EPOCH = "1773489600"  # 2026-03-14 12:00 UTC
P1, P2, P3 = "2026-01-10-checkout-cart", "2026-02-20-payments-retry", "2026-03-01-search-lag"


def item(item_id: str, owner: str, due: str | None, status: str = "open", **extra: Any) -> dict:
    data = {"id": item_id, "title": f"{item_id} of {owner}", "owner": owner, "status": status}
    if due:
        data["due"] = due
    return {**data, **extra}


ARCHIVE: dict[str, tuple[list[str], list[dict[str, Any]]]] = {
    P1: (
        ["checkout"],
        [
            item("AI-1", "team-db", "2026-02-01", type="prevent"),
            item("AI-2", "team-sre", "2026-01-20", "done"),
        ],
    ),
    P2: (
        ["payments-api", "checkout"],
        [
            item("AI-1", "team-payments", "2026-04-30", "in-progress"),
            item("AI-2", "team-db", "2026-03-01"),
            item("AI-3", "alice", None, "wont-do"),
        ],
    ),
    P3: (["search"], [item("AI-1", "team-search", "2026-03-20", link="https://t.example/S-1")]),
}


def archive_files() -> dict[str, str]:
    """File name -> text of the fixture archive."""
    files = {}
    for pm_id, (services, items) in ARCHIVE.items():
        meta = valid_meta()
        meta.update(date=pm_id[:10], services=services, action_items=items, review_meeting=None)
        files[f"{pm_id}.md"] = postmortem_text(meta)
    return files


def write_archive(root: Path) -> None:
    folder = root / "postmortems"
    folder.mkdir(parents=True)
    for name, text in archive_files().items():
        (folder / name).write_text(text, encoding="utf-8")


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
    """Cut the table at the header's column offsets: this also proves the alignment."""
    lines = output.splitlines()
    header = lines[0]
    names = header.split()
    starts = [header.index(name) for name in names]
    spans = list(zip(starts, [*starts[1:], None], strict=True))
    rows = []
    for line in lines[1:]:
        if not line:
            break
        for start in starts[1:]:
            assert line[start - 2 : start] in ("  ", " " * len(line[start - 2 : start])), line
        rows.append({name: line[a:b].strip() for name, (a, b) in zip(names, spans, strict=True)})
    return rows


def keys(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(row["POSTMORTEM"], row["ITEM"]) for row in rows]


# --- table --------------------------------------------------------------------------------


def test_open_items_overdue_first_then_by_due(site: Path) -> None:
    result = run(site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [*actions.COLUMNS]
    rows = table_rows(result.stdout)
    assert keys(rows) == [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-1"), (P2, "AI-1")]
    assert rows[0] == {
        "DUE": "2026-02-01",
        "STATUS": "open",
        "OVERDUE": "41 d",
        "OWNER": "team-db",
        "SERVICES": "checkout",
        "POSTMORTEM": P1,
        "ITEM": "AI-1",
        "TITLE": "AI-1 of team-db",
    }
    assert rows[1]["OVERDUE"] == "13 d"
    assert rows[3]["STATUS"] == "in-progress"
    assert rows[3]["SERVICES"] == "payments-api, checkout"
    assert [row["OVERDUE"] for row in rows[2:]] == ["", ""]
    assert lines[-2:] == ["", "4 open action items, 2 overdue on 2026-03-14"]


def test_today_comes_from_source_date_epoch(site: Path) -> None:
    rows = table_rows(run(site, epoch="1767225600").stdout)  # 2026-01-01: nothing overdue
    assert [row["OVERDUE"] for row in rows] == ["", "", "", ""]
    assert keys(rows) == [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-1"), (P2, "AI-1")]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--owner", "team-db"), [(P1, "AI-1"), (P2, "AI-2")]),
        (
            ("--owner", "team-db", "--owner", "team-search"),
            [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-1")],
        ),
        (("--service", "checkout"), [(P1, "AI-1"), (P2, "AI-2"), (P2, "AI-1")]),
        (("-s", "payments-api"), [(P2, "AI-2"), (P2, "AI-1")]),
        (("--overdue",), [(P1, "AI-1"), (P2, "AI-2")]),
        (("--overdue", "--service", "payments-api"), [(P2, "AI-2")]),
        (("--owner", "team-payments", "--service", "checkout"), [(P2, "AI-1")]),
        # closed items, newest postmortem first, as the site's closed page
        (("--closed",), [(P2, "AI-3"), (P1, "AI-2")]),
        (("--closed", "--owner", "alice"), [(P2, "AI-3")]),
        (
            ("--all",),
            [(P1, "AI-1"), (P2, "AI-2"), (P3, "AI-1"), (P2, "AI-1"), (P2, "AI-3"), (P1, "AI-2")],
        ),
    ],
)
def test_filters(site: Path, args: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    result = run(site, *args)
    assert result.returncode == 0, result.stderr
    assert keys(table_rows(result.stdout)) == expected


def test_closed_and_all_summaries(site: Path) -> None:
    closed = run(site, "--closed").stdout.splitlines()
    assert closed[-1] == "2 closed action items on 2026-03-14"
    assert table_rows(run(site, "--closed").stdout)[1]["DUE"] == "2026-01-20"
    assert table_rows(run(site, "--closed").stdout)[0]["DUE"] == "-"
    every = run(site, "--all").stdout.splitlines()
    assert every[-1] == "4 open action items, 2 overdue and 2 closed action items on 2026-03-14"


def test_nothing_to_list(site: Path) -> None:
    assert run(site, "--owner", "alice").stdout == "No open action items.\n"
    assert run(site, "--closed", "--owner", "team-search").stdout == "No closed action items.\n"
    assert run(site, "--owner", "alice", "--format", "json").returncode == 0


def test_empty_archive(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert (result.returncode, result.stdout) == (0, "No open action items.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--owner", "tema-db"), "no owner 'tema-db' in the archive; did you mean 'team-db'?"),
        (("--service", "chekout"), "no service 'chekout' in the archive; did you mean 'checkout'?"),
        (("--owner", "zzz"), "no owner 'zzz' in the archive"),
        (("--overdue", "--closed"), "--overdue lists open items"),
        (("--format", "xml"), "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(site: Path, args: tuple[str, ...], message: str) -> None:
    result = run(site, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


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
        item("AI-1", "チーム", "2026-04-01"),
        item("AI-2", "team-db", "2026-04-02"),
    ]
    write_postmortem(tmp_path, meta)
    lines = run(tmp_path).stdout.splitlines()
    column = lines[0].index("SERVICES")
    assert actions._width(lines[1][: lines[1].index("checkout")]) == column
    assert actions._width(lines[2][: lines[2].index("checkout")]) == column


def test_unreadable_postmortems_are_mentioned(site: Path) -> None:
    (site / "postmortems" / "2026-03-02-broken.md").write_text("---\ntitle: [\n---\n", "utf-8")
    result = run(site)
    assert result.returncode == 0
    assert "1 postmortem(s) could not be read" in result.stderr
    assert len(table_rows(result.stdout)) == 4


# --- JSON and CSV are the site's exports ----------------------------------------------------


def site_exports(root: Path, *, directory_urls: bool) -> tuple[str, str]:
    """Build the fixture archive with MkDocs; return its action-items.json and .csv."""
    config = make_site(root, archive_files())
    if not directory_urls:
        config.write_text(config.read_text() + "use_directory_urls: false\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "site", strict=False)
    return (
        (root / "site" / "action-items.json").read_text(encoding="utf-8"),
        (root / "site" / "action-items.csv").read_text(encoding="utf-8"),
    )


@pytest.mark.parametrize("directory_urls", [True, False])
def test_all_items_are_the_site_exports_byte_for_byte(tmp_path: Path, directory_urls: bool) -> None:
    site_json, site_csv = site_exports(tmp_path, directory_urls=directory_urls)
    assert run(tmp_path, "--all", "--format", "json").stdout == site_json
    assert run(tmp_path, "--all", "--format", "csv").stdout == site_csv
    urls = [row["url"] for row in json.loads(site_json)["items"]]
    assert len(urls) == 6
    assert urls[0] == (
        f"postmortems/{P1}/#ai-1" if directory_urls else f"postmortems/{P1}.html#ai-1"
    )


def test_open_items_are_the_site_rows_of_open_items(tmp_path: Path) -> None:
    site_json, _ = site_exports(tmp_path, directory_urls=True)
    site_items = json.loads(site_json)["items"]
    ours = json.loads(run(tmp_path, "--format", "json").stdout)["items"]
    assert ours == [row for row in site_items if row["status"] not in ("done", "wont-do")]


def test_filtered_rows_are_the_site_rows(site: Path) -> None:
    everything = json.loads(run(site, "--all", "--format", "json").stdout)
    by_key = {(row["postmortem"], row["id"]): row for row in everything["items"]}
    result = json.loads(run(site, "--service", "checkout", "--format", "json").stdout)
    assert result["version"] == everything["version"] == 1
    assert result["generated"] == "2026-03-14"
    assert result["items"] == [by_key[(P1, "AI-1")], by_key[(P2, "AI-2")], by_key[(P2, "AI-1")]]
    rows = list(csv.DictReader(io.StringIO(run(site, "--overdue", "--format", "csv").stdout)))
    assert [(row["postmortem"], row["id"], row["days_overdue"]) for row in rows] == [
        (P1, "AI-1", "41"),
        (P2, "AI-2", "13"),
    ]
    assert rows[0]["overdue"] == "true"


def test_directory_urls_follow_inherit(tmp_path: Path) -> None:
    def directory_urls(name: str) -> bool:
        return read_site_config(tmp_path / name, required=False).directory_urls

    (tmp_path / "base.yml").write_text("site_name: T\nuse_directory_urls: false\n")
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\nsite_name: T\n")
    assert directory_urls("mkdocs.yml") is False
    assert directory_urls("missing.yml") is True
    (tmp_path / "tagged.yml").write_text("x: !!python/name:a.b\nuse_directory_urls: false\n")
    assert directory_urls("tagged.yml") is False
    (tmp_path / "mkdocs.yml").write_text("INHERIT: mkdocs.yml\n")
    with pytest.raises(SettingsError, match="INHERIT loop"):
        directory_urls("mkdocs.yml")


# --- glue -----------------------------------------------------------------------------------


def test_actions_does_not_import_mkdocs(site: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "postmortem_kb.cli", "actions"],
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
