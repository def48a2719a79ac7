"""The ``postmortem`` command, run as a real subprocess in a temporary site."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import PM_ID, VALID_BODY, VALID_FRONT_MATTER, write_postmortem
from postmortem_kb.model.rules import RULES

FM = VALID_FRONT_MATTER
PM_FILE = f"postmortems/{PM_ID}.md"
EPOCH_2026_03_14 = "1773489600"  # 2026-03-14 12:00 UTC


def run(
    cwd: Path, *args: str, python: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m postmortem_kb.cli ARGS`` in ``cwd``."""
    environment = {
        **os.environ,
        "SOURCE_DATE_EPOCH": EPOCH_2026_03_14,
        "NO_MKDOCS_2_WARNING": "1",
        "PYTHONIOENCODING": "utf-8",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, *python, "-m", "postmortem_kb.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def summary(checked: int, errors: int, warnings: int, notes: int) -> re.Pattern[str]:
    """The closing line of the text format (singular or plural nouns)."""
    files = "file" if checked == 1 else "files"
    return re.compile(
        rf"checked {checked} {files}: {errors} errors?, {warnings} warnings?, {notes} notes?\n\Z"
    )


def write_config(site: Path, options: str = "") -> Path:
    """Write a Material-style mkdocs.yml with the plugin and these option lines."""
    text = (
        "site_name: Test\n"
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n"
        "  - search\n"
        "  - postmortems:\n" + "".join(f"      {line}\n" for line in options.splitlines())
    )
    path = site / "mkdocs.yml"
    path.write_text(text, encoding="utf-8")
    return path


# --- check --------------------------------------------------------------------------------


def test_check_clean(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert summary(1, 0, 0, 0).fullmatch(result.stdout)
    assert result.stderr == ""


def test_check_empty_archive(tmp_path: Path) -> None:
    result = run(tmp_path, "check")
    assert result.returncode == 0
    assert summary(0, 0, 0, 0).fullmatch(result.stdout)


def test_check_error_text_format(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("SEV2", "SEV9"))
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        f"{PM_FILE}:5:11: error unknown-severity: "
        "severity 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4",
        "    hint: did you mean one of 'SEV1', 'SEV2', 'SEV3', 'SEV4'?",
    ]
    assert summary(1, 1, 0, 0).search(result.stdout)
    assert len(result.stdout.splitlines()) == 3


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("tags:", "tgs:"))
    relaxed = run(tmp_path, "check")
    assert relaxed.returncode == 0
    assert f"{PM_FILE}:25:1: warning unknown-key: unknown key 'tgs'" in relaxed.stdout
    assert summary(1, 0, 1, 0).search(relaxed.stdout)
    assert run(tmp_path, "check", "--strict").returncode == 1


def test_notes_never_fail(tmp_path: Path) -> None:
    draft = FM.replace("status: published", "status: draft")
    write_postmortem(tmp_path, front_matter=draft, body=VALID_BODY.replace("About", "TODO About"))
    result = run(tmp_path, "check", "--strict")
    assert result.returncode == 0
    assert f"{PM_FILE}:34:1: note placeholder-text:" in result.stdout
    assert summary(1, 0, 0, 1).search(result.stdout)


def test_json_format(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("SEV2", "SEV9").replace("tags:", "tgs:"))
    write_postmortem(tmp_path, front_matter=FM, pm_id="2026-03-14-another")
    result = run(tmp_path, "check", "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "checked": 2,
        "findings": [
            {
                "path": PM_FILE,
                "line": 5,
                "column": 11,
                "rule": "unknown-severity",
                "level": "error",
                "message": "severity 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4",
                "suggestion": "did you mean one of 'SEV1', 'SEV2', 'SEV3', 'SEV4'?",
            },
            {
                "path": PM_FILE,
                "line": 25,
                "column": 1,
                "rule": "unknown-key",
                "level": "warning",
                "message": "unknown key 'tgs'",
                "suggestion": "did you mean 'tags'?",
            },
        ],
    }


def test_json_format_clean(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    result = run(tmp_path, "check", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"checked": 1, "findings": []}


def test_github_format(tmp_path: Path) -> None:
    draft = FM.replace("status: published", "status: draft").replace("tags:", "tgs:")
    body = VALID_BODY.replace("About", "TODO About").replace("- 09:40", "- 08:40")
    write_postmortem(tmp_path, front_matter=draft, body=body)
    result = run(tmp_path, "check", "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"::warning file={PM_FILE},line=25,col=1,title=unknown-key::"
        "unknown key 'tgs' (did you mean 'tags'?)",
        f"::notice file={PM_FILE},line=34,col=1,title=placeholder-text::"
        "placeholder 'TODO' left in the text (replace it with the real content before review)",
        f"::error file={PM_FILE},line=40,col=3,title=timeline-out-of-order::"
        "entry at 08:40 is earlier than the entry before it (09:05) (order the entries; when "
        "the incident crosses midnight, start entries with the date (2026-03-15 00:10 UTC))",
    ]


def test_github_format_escapes(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("SEV2", "100%"), pm_id="a,b")
    result = run(tmp_path, "check", "--format", "github")
    lines = result.stdout.splitlines()
    assert all(line.startswith("::error file=postmortems/a%2Cb.md,line=") for line in lines)
    assert any("severity '100%25' is not one of" in line for line in lines)


def test_check_one_file_still_knows_the_archive(tmp_path: Path) -> None:
    related = "related: [2026-03-14-other, 2026-03-14-othr]"
    write_postmortem(tmp_path, front_matter=FM.replace("related: []", related))
    write_postmortem(tmp_path, front_matter=FM.replace("SEV2", "SEV9"), pm_id="2026-03-14-other")
    result = run(tmp_path, "check", "--format", "json", PM_FILE)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["checked"] == 1
    assert [(f["path"], f["rule"], f["line"], f["column"]) for f in report["findings"]] == [
        (PM_FILE, "unknown-related", 16, 29)
    ]
    assert report["findings"][0]["suggestion"] == "did you mean '2026-03-14-other'?"


def test_check_folder(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("SEV2", "SEV9"))
    write_postmortem(tmp_path, front_matter=FM, pm_id="2026-03-14-other", folder="postmortems/ok")
    result = run(tmp_path, "check", "postmortems/ok")
    assert result.returncode == 0
    assert summary(1, 0, 0, 0).fullmatch(result.stdout)


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (("check", "nope.md"), None, "'nope.md' does not exist"),
        (("check", "--config", "missing.yml"), None, "config file 'missing.yml' does not exist"),
        (("check",), "bogus: 1", "configuration: unknown option(s): bogus"),
        (("check",), "rules: {unknown-key: loud}", "configuration: option 'rules'"),
        (("check",), "timezone: Nowhere/City", "configuration: option 'timezone'"),
        (("check", "--format", "xml"), None, "Invalid value for '--format'"),
        (("schema",), "severities: []", "option 'severities' must list at least one value"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, args: tuple[str, ...], config: str | None, message: str
) -> None:
    if config is not None:
        write_config(tmp_path, config)
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_timezone_folder_exits_2(tmp_path: Path) -> None:
    write_config(tmp_path, "timezone: Europe")
    result = run(tmp_path, "check")
    assert (result.returncode, "Traceback" in result.stderr) == (2, False)


def test_config_option_points_at_another_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    write_config(site, "dir: incidents\nseverities: [P1, P2]")
    write_postmortem(site, front_matter=FM.replace("SEV2", "P2"), folder="incidents")
    result = run(tmp_path, "check", "--config", "site/mkdocs.yml")
    assert result.returncode == 0, result.stdout
    assert summary(1, 0, 0, 0).fullmatch(result.stdout)


def test_mkdocs_yml_options_apply(tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  unknown-key: error")
    write_postmortem(tmp_path, front_matter=FM.replace("tags:", "tgs:"))
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert "error unknown-key" in result.stdout


# --- new ----------------------------------------------------------------------------------

NEW_FILE = "postmortems/2026-03-14-db-failover-take-2.md"


def new(
    tmp_path: Path, *extra: str, title: str = "DB failover: take #2!"
) -> subprocess.CompletedProcess[str]:
    """Run ``postmortem new`` with a fixed date and author."""
    return run(tmp_path, "new", title, "--date", "2026-03-14", "--author", "alice", *extra)


def test_new_creates_a_draft_that_passes(tmp_path: Path) -> None:
    result = new(tmp_path, "-s", "checkout", "--service", "payments-api")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"created {NEW_FILE}"
    text = (tmp_path / NEW_FILE).read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["title"] == "DB failover: take #2!"
    assert meta["status"] == "draft"
    assert meta["severity"] == "SEV4"
    assert meta["services"] == ["checkout", "payments-api"]
    assert meta["authors"] == ["alice"]
    assert str(meta["date"]) == "2026-03-14"
    checked = run(tmp_path, "check", "--strict", "--format", "json")
    assert checked.returncode == 0, checked.stdout
    findings = json.loads(checked.stdout)["findings"]
    assert findings, "the template's placeholders are reported as notes"
    assert {(f["rule"], f["level"]) for f in findings} == {("placeholder-text", "info")}


def test_new_never_overwrites(tmp_path: Path) -> None:
    assert new(tmp_path, "-s", "checkout").returncode == 0
    path = tmp_path / NEW_FILE
    edited = path.read_bytes().replace(b"TODO: summary.", b"We wrote the summary.")
    path.write_bytes(edited)
    again = new(tmp_path, "-s", "other")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert path.read_bytes() == edited
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_new_uses_configured_severities(tmp_path: Path) -> None:
    write_config(tmp_path, "severities: [P1, P2, P3]")
    assert new(tmp_path, "-s", "checkout").returncode == 0
    meta = yaml.safe_load((tmp_path / NEW_FILE).read_text().split("---\n")[1])
    assert meta["severity"] == "P3"
    assert run(tmp_path, "check").returncode == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--severity", "SEV9"), "'SEV9' is not one of SEV1, SEV2, SEV3, SEV4"),
        (("--date", "2026-02-30"), "use the form YYYY-MM-DD"),
        (("--date", "yesterday"), "use the form YYYY-MM-DD"),
    ],
)
def test_new_bad_options_exit_2(tmp_path: Path, extra: tuple[str, ...], message: str) -> None:
    result = new(tmp_path, *extra)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "postmortems").exists()


def test_new_title_without_letters(tmp_path: Path) -> None:
    result = new(tmp_path, title="!!! ???")
    assert result.returncode == 1
    assert "no letters or digits" in result.stderr


def test_new_title_is_quoted_safely(tmp_path: Path) -> None:
    title = "Zürich: \"quotes\", 'apostrophes' & #hash — [brackets] {braces} *star"
    result = new(tmp_path, "-s", "a: b", title=title)
    assert result.returncode == 0, result.stderr
    created = (
        tmp_path
        / "postmortems"
        / "2026-03-14-zurich-quotes-apostrophes-hash-brackets-braces-star.md"
    )
    meta = yaml.safe_load(created.read_text(encoding="utf-8").split("---\n")[1])
    assert meta["title"] == title
    assert meta["services"] == ["a: b"]


def test_new_default_date_honours_source_date_epoch(tmp_path: Path) -> None:
    epoch = {"SOURCE_DATE_EPOCH": "1000000000"}  # 2001-09-09, never the real today
    result = run(tmp_path, "new", "Default date", "--author", "alice", "-s", "x", env=epoch)
    assert result.returncode == 0
    assert (tmp_path / "postmortems" / "2001-09-09-default-date.md").is_file()


# --- schema, rules, version ---------------------------------------------------------------


def test_schema(tmp_path: Path) -> None:
    result = run(tmp_path, "schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["severity"]["enum"] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"title", "date", "status", "severity", "services"}


def test_schema_honours_configured_severities(tmp_path: Path) -> None:
    write_config(tmp_path, "severities: [P1, P2]")
    schema = json.loads(run(tmp_path, "schema").stdout)
    assert schema["properties"]["severity"]["enum"] == ["P1", "P2"]


def test_rules_command_lists_every_rule(tmp_path: Path) -> None:
    result = run(tmp_path, "rules")
    assert result.returncode == 0
    for rule_id in RULES:
        assert rule_id in result.stdout


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("postmortem, version ")


# --- start-up cost ------------------------------------------------------------------------


def test_check_does_not_import_mkdocs_or_material(tmp_path: Path) -> None:
    write_config(tmp_path)
    write_postmortem(tmp_path, front_matter=FM)
    result = run(tmp_path, "check", python=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    modules = [
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "postmortem_kb.archive.archive" in modules  # the parse is right
    heavy = [name for name in modules if name.split(".")[0] in {"mkdocs", "material"}]
    assert heavy == []


TEAMS_YML = """\
teams:
  team-db:
    members: [alice, bob, carol]
    aliases: [db-oncall]
  team-notifications:
    members: [dana]
"""


def test_check_strict_fails_on_a_typo_in_an_owner_with_a_suggestion(tmp_path: Path) -> None:
    """Issue 14: `owner: team-notifcations` no longer passes `postmortem check --strict`."""
    write_postmortem(tmp_path, front_matter=FM.replace("team-db", "team-notifcations"))
    (tmp_path / "postmortems" / "teams.yml").write_text(TEAMS_YML)
    result = run(tmp_path, "check", "--strict")
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        f"{PM_FILE}:20:12: error unknown-owner: owner 'team-notifcations' is not a team, an alias "
        "of one or a member of one in postmortems/teams.yml",
        "    hint: did you mean 'team-notifications'?",
    ]
    assert summary(1, 1, 0, 0).search(result.stdout)


def test_check_strict_passes_with_teams_aliases_and_members(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM.replace("owner: team-db", "owner: db-oncall"))
    (tmp_path / "postmortems" / "teams.yml").write_text(TEAMS_YML)
    result = run(tmp_path, "check", "--strict")
    assert (result.returncode, result.stderr) == (0, "")
    assert summary(1, 0, 0, 0).search(result.stdout)


def test_check_reports_a_broken_teams_file_in_json(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    (tmp_path / "postmortems" / "teams.yml").write_text(
        "teams:\n  team-db:\n    members: [alice, bob, carol]\n    lead: alice\n"
    )
    result = run(tmp_path, "check", "--format", "json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in findings] == [
        ("postmortems/teams.yml", 4, 5, "catalog-invalid")
    ]
    assert "Traceback" not in result.stderr
