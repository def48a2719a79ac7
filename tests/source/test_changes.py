"""``postmortem check --changed-since REF`` on real git repositories in ``tmp_path``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import GIT_ISOLATION, VALID_FRONT_MATTER, write_postmortem
from postmortem_kb import cli
from postmortem_kb.source.changes import _parse_name_status, is_postmortem_path

FM = VALID_FRONT_MATTER
A, B, C = "2026-03-14-alpha", "2026-03-14-beta", "2026-03-14-gamma"
BROKEN = FM.replace("SEV2", "SEV9")  # one error: unknown-severity


def git_env(home: Path) -> dict[str, str]:
    """An environment where git ignores the user's configuration."""
    return {
        **os.environ,
        "HOME": str(home),
        **GIT_ISOLATION,
        "NO_MKDOCS_2_WARNING": "1",
        "SOURCE_DATE_EPOCH": "1773489600",
    }


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; fail the test when git fails."""
    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        env=git_env(repo.parent),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(cwd: Path, *args: str) -> Result:
    """Run ``postmortem ARGS`` in-process in ``cwd`` (git still runs as a subprocess)."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(
            cli.main, list(args), env=git_env(cwd.parent), catch_exceptions=False
        )
    finally:
        os.chdir(here)
    return Result(result.exit_code, result.stdout, result.stderr)


def changed(cwd: Path, *extra: str, ref: str = "main") -> Result:
    return run(cwd, "check", "--changed-since", ref, *extra)


def report(result: Result) -> tuple[int, list[tuple[str, str]]]:
    """(files checked, [(file name, rule)]) of a JSON-format run."""
    data = json.loads(result.stdout)
    return data["checked"], [(Path(f["path"]).name, f["rule"]) for f in data["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: alpha, beta (related: alpha) and gamma (with a warning); HEAD is branch 'pm'."""
    root = tmp_path / "repo"
    write_postmortem(root, front_matter=FM, pm_id=A)
    write_postmortem(root, front_matter=FM.replace("related: []", f"related: [{A}]"), pm_id=B)
    write_postmortem(root, front_matter=FM.replace("tags:", "tgs:"), pm_id=C)
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    git(root, "switch", "-q", "-c", "pm")
    return root


# --- what counts as changed ---------------------------------------------------------------


def test_nothing_changed(repo: Path) -> None:
    result = changed(repo)
    assert (result.returncode, result.stdout) == (0, "no postmortems changed since main\n")
    assert "Traceback" not in result.stderr


def test_nothing_changed_json_and_github(repo: Path) -> None:
    as_json = changed(repo, "--format", "json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout) == {"checked": 0, "findings": []}
    assert "no postmortems changed since main" in as_json.stderr
    as_github = changed(repo, "--format", "github", "--strict")
    assert as_github.returncode == 0
    assert (
        as_github.stdout == "::notice title=postmortem check::no postmortems changed since main\n"
    )


def test_added_file_is_checked_and_others_are_not(repo: Path) -> None:
    new = "2026-03-14-delta"
    write_postmortem(repo, front_matter=BROKEN, pm_id=new)
    commit(repo)
    result = changed(repo, "--format", "json", "--strict")
    assert result.returncode == 1
    # gamma's unknown-key warning on main is not this branch's business
    assert report(result) == (1, [(f"{new}.md", "unknown-severity")])
    assert "postmortem check: 1 postmortem added or changed since main\n" in result.stderr


def test_text_format_names_the_file(repo: Path) -> None:
    write_postmortem(repo, front_matter=BROKEN, pm_id="2026-03-14-delta")
    commit(repo)
    result = changed(repo)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "postmortems/2026-03-14-delta.md:5:11: error unknown-severity: severity 'SEV9'"
    )
    assert result.stdout.endswith("checked 1 file: 1 error, 0 warnings, 0 notes\n")


def test_github_format_annotates_the_changed_file(repo: Path) -> None:
    write_postmortem(repo, front_matter=FM.replace("tags:", "tgs:"), pm_id=A)
    commit(repo)
    result = changed(repo, "--format", "github", "--strict")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"::warning file=postmortems/{A}.md,line=25,col=1,title=unknown-key::"
        "unknown key 'tgs' (did you mean 'tags'?)"
    ]


@pytest.mark.parametrize("stage", ["committed", "staged", "unstaged", "untracked"])
def test_every_state_of_work_counts(repo: Path, stage: str) -> None:
    if stage == "untracked":
        write_postmortem(repo, front_matter=BROKEN, pm_id="2026-03-14-delta")
        expected = "2026-03-14-delta.md"
    else:
        write_postmortem(repo, front_matter=BROKEN, pm_id=A)
        expected = f"{A}.md"
        if stage == "committed":
            commit(repo)
        elif stage == "staged":
            git(repo, "add", "-A")
    result = changed(repo, "--format", "json")
    assert result.returncode == 1, result.stderr
    assert report(result) == (1, [(expected, "unknown-severity")])


def test_modified_file_does_not_recheck_files_that_name_it(repo: Path) -> None:
    path = repo / "postmortems" / f"{A}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
    result = changed(repo, "--format", "json")
    assert result.returncode == 0
    assert report(result) == (1, [])  # beta names alpha, but alpha's id did not change


def test_deleted_file_rechecks_files_that_name_it(repo: Path) -> None:
    git(repo, "rm", "-q", f"postmortems/{A}.md")
    commit(repo)
    result = changed(repo, "--format", "json")
    assert result.returncode == 1
    assert report(result) == (1, [(f"{B}.md", "unknown-related")])
    assert (
        "0 postmortems added or changed, 1 removed or renamed since main; "
        "also checking 1 that names them in 'related'"
    ) in result.stderr


def test_deleted_file_nobody_names(repo: Path) -> None:
    git(repo, "rm", "-q", f"postmortems/{C}.md")
    result = changed(repo)
    assert result.returncode == 0
    assert result.stdout == (
        "1 postmortem removed since main and none named in 'related': nothing to check\n"
    )


def test_renamed_file_is_checked_with_files_that_name_the_old_id(repo: Path) -> None:
    renamed = "2026-03-14-alpha-renamed"
    git(repo, "mv", f"postmortems/{A}.md", f"postmortems/{renamed}.md")
    commit(repo)
    result = changed(repo, "--format", "json")
    assert result.returncode == 1
    checked, findings = report(result)
    assert checked == 2
    assert findings == [(f"{B}.md", "unknown-related")]
    assert (
        "1 postmortem added or changed, 1 removed or renamed since main; "
        "also checking 1 that names them in 'related'"
    ) in result.stderr


def test_added_file_fixes_files_that_named_it_early(repo: Path) -> None:
    """A file may name a postmortem that arrives later: adding it re-checks the first one."""
    future = "2026-03-14-epsilon"
    write_postmortem(repo, front_matter=FM.replace("related: []", f"related: [{future}]"), pm_id=C)
    commit(repo, "names a postmortem that does not exist yet")
    git(repo, "branch", "-f", "main")
    write_postmortem(repo, front_matter=FM, pm_id=future)
    result = changed(repo, "--format", "json")
    assert result.returncode == 0
    assert report(result) == (2, [])


def test_changes_on_the_base_branch_are_not_the_branch_s(repo: Path) -> None:
    """``REF...HEAD``: only what happened on this branch since it left ``main``."""
    git(repo, "switch", "-q", "main")
    write_postmortem(repo, front_matter=BROKEN, pm_id=C)
    commit(repo, "main moves on")
    git(repo, "switch", "-q", "pm")
    result = changed(repo)
    assert (result.returncode, result.stdout) == (0, "no postmortems changed since main\n")


def test_other_refs_work(repo: Path) -> None:
    write_postmortem(repo, front_matter=BROKEN, pm_id=A)
    commit(repo)
    assert changed(repo, ref="HEAD").stdout == "no postmortems changed since HEAD\n"
    assert changed(repo, ref="HEAD~1").returncode == 1
    sha = git(repo, "rev-parse", "main").strip()
    assert changed(repo, ref=sha).returncode == 1


@pytest.mark.parametrize("name", ["README.md", "index.md", "_draft.md", ".hidden.md", "notes.txt"])
def test_files_that_are_not_postmortems_are_ignored(repo: Path, name: str) -> None:
    (repo / "postmortems" / name).write_text("not a postmortem\n", encoding="utf-8")
    (repo / "postmortems" / "_drafts").mkdir()
    (repo / "postmortems" / "_drafts" / "2026-03-14-x.md").write_text("draft\n", "utf-8")
    result = changed(repo)
    assert (result.returncode, result.stdout) == (0, "no postmortems changed since main\n")


def test_files_outside_the_archive_are_ignored(repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "2026-03-14-alpha.md").write_text("# not in the archive\n", "utf-8")
    (repo / "README.md").write_text("# readme\n", encoding="utf-8")
    commit(repo)
    assert changed(repo).stdout == "no postmortems changed since main\n"


def test_sub_folders_and_duplicate_ids(repo: Path) -> None:
    write_postmortem(repo, front_matter=FM, pm_id=A, folder="postmortems/payments")
    result = changed(repo, "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    # the new file, the existing file with the same id, and beta that names that id
    assert data["checked"] == 3
    assert [(f["path"], f["rule"]) for f in data["findings"]] == [
        (f"postmortems/payments/{A}.md", "duplicate-id")
    ]
    assert "also checking 1 that names them in 'related' and 1 file with the same id" in (
        result.stderr
    )


def test_unusual_file_names(repo: Path) -> None:
    """Spaces and non-ASCII names survive git's output (``-z``, no quoting)."""
    name = "2026-03-14 zürich café"
    write_postmortem(repo, front_matter=FM, pm_id=name)
    commit(repo)
    result = changed(repo, "--format", "json")
    assert result.returncode == 1
    assert report(result) == (1, [(f"{name}.md", "invalid-id")])


@pytest.mark.parametrize("catalog", ["services.yml", "causes.yml"])
def test_changed_catalog_checks_the_whole_archive(repo: Path, catalog: str) -> None:
    (repo / "postmortems" / catalog).write_text(
        "- id: checkout\n- id: payments-api\n- id: config-change\n", encoding="utf-8"
    )
    result = changed(repo, "--format", "json")
    assert result.returncode == 0
    checked, findings = report(result)
    assert checked == 3
    assert (f"{C}.md", "unknown-key") in findings
    assert f"postmortems/{catalog} changed since main: checking the whole archive" in result.stderr


def test_changed_teams_catalog_checks_the_whole_archive(repo: Path) -> None:
    """A new teams.yml can make any owner, author or participant unknown."""
    (repo / "postmortems" / "teams.yml").write_text(
        "teams:\n  team-db:\n    members: [alice, bob, carol]\n", encoding="utf-8"
    )
    result = changed(repo, "--format", "json")
    assert result.returncode == 0
    assert report(result) == (3, [(f"{C}.md", "unknown-key")])
    assert "postmortems/teams.yml changed since main: checking the whole archive" in result.stderr


def test_changed_catalog_finds_entries_still_in_use(repo: Path) -> None:
    (repo / "postmortems" / "services.yml").write_text("- id: checkout\n", encoding="utf-8")
    result = changed(repo, "--format", "json", "--strict")
    assert result.returncode == 1
    _, findings = report(result)
    assert sorted(set(findings)) == [
        (f"{A}.md", "unknown-service"),
        (f"{B}.md", "unknown-service"),
        (f"{C}.md", "unknown-key"),
        (f"{C}.md", "unknown-service"),
    ]


def test_changed_config_checks_the_whole_archive(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text(
        "site_name: T\nplugins:\n  - postmortems:\n      severities: [P1, P2]\n", "utf-8"
    )
    result = changed(repo, "--format", "json")
    assert result.returncode == 1
    checked, findings = report(result)
    assert checked == 3
    assert {rule for _, rule in findings} >= {"unknown-severity"}
    assert "mkdocs.yml changed since main: checking the whole archive" in result.stderr


def test_site_in_a_sub_folder_with_config(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    site = root / "kb"
    site.mkdir(parents=True)
    (site / "mkdocs.yml").write_text(
        "site_name: T\nplugins:\n  - postmortems:\n      dir: incidents\n", encoding="utf-8"
    )
    write_postmortem(site, front_matter=FM, pm_id=A, folder="incidents")
    git(root, "init", "-q", "-b", "main")
    commit(root)
    write_postmortem(site, front_matter=BROKEN, pm_id=B, folder="incidents")
    write_postmortem(root, front_matter=BROKEN, pm_id=C)  # root/postmortems: not the archive
    result = run(root, "check", "--changed-since", "main", "--config", "kb/mkdocs.yml")
    assert result.returncode == 1
    assert result.stdout.startswith(f"kb/incidents/{B}.md:5:11: error unknown-severity")
    assert "checked 1 file" in result.stdout


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nope", "error: unknown git ref 'nope'"),
        ("main~5", "error: unknown git ref 'main~5'"),
        ("--output=x", "error: '--output=x' is not a git ref"),
    ],
)
def test_unknown_ref_exits_2(repo: Path, ref: str, message: str) -> None:
    result = run(repo, "check", f"--changed-since={ref}")
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (repo / "x").exists()


def test_unknown_ref_exit_status_of_the_real_command(repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "postmortem_kb.cli", "check", "--changed-since", "nope"],
        cwd=repo,
        env=git_env(repo.parent),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: unknown git ref 'nope'")


def test_not_a_repository_exits_2(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_postmortem(site, front_matter=FM)
    result = changed(site)
    assert result.returncode == 2
    assert "is not in a git repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_repository_without_commits_exits_2(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_postmortem(root, front_matter=FM)
    git(root, "init", "-q", "-b", "main")
    result = changed(root)
    assert result.returncode == 2
    assert "no commits yet" in result.stderr


def test_unrelated_history_exits_2(repo: Path) -> None:
    git(repo, "switch", "-q", "--orphan", "other")
    write_postmortem(repo, front_matter=FM, pm_id=A)
    commit(repo, "unrelated")
    result = changed(repo)
    assert result.returncode == 2
    assert "no common history" in result.stderr


def test_paths_and_changed_since_exclude_each_other(repo: Path) -> None:
    result = run(repo, "check", "--changed-since", "main", f"postmortems/{A}.md")
    assert result.returncode == 2
    assert "either PATHS or --changed-since" in result.stderr


CHECK_CHANGED = ("check", "--changed-since", "main")


def test_changed_since_does_not_import_mkdocs(repo: Path) -> None:
    write_postmortem(repo, front_matter=FM, pm_id="2026-03-14-delta")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "postmortem_kb.cli", *CHECK_CHANGED],
        cwd=repo,
        env=git_env(repo.parent),
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
    assert not imported & {"mkdocs", "material", "jinja2"}


# --- units --------------------------------------------------------------------------------


def test_parse_name_status() -> None:
    output = "M\0a.md\0R087\0old.md\0new.md\0D\0gone.md\0A\0b c.md\0T\0t.md\0"
    assert _parse_name_status(output) == [
        ("M", "a.md"),
        ("D", "old.md"),
        ("A", "new.md"),
        ("D", "gone.md"),
        ("A", "b c.md"),
        ("T", "t.md"),
    ]
    assert _parse_name_status("") == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("2026-03-14-a.md", True),
        ("payments/2026-03-14-a.md", True),
        ("README.md", False),
        ("sub/Index.md", False),
        ("_draft.md", False),
        ("_drafts/2026-03-14-a.md", False),
        (".github/2026-03-14-a.md", False),
        ("services.yml", False),
        ("2026-03-14-a.markdown", False),
    ],
)
def test_is_postmortem_path(path: str, expected: bool) -> None:
    assert is_postmortem_path(path) is expected
