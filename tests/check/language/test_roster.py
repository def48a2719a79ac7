"""roster_from_git: the given names of the repository's commit authors count as people."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import GIT_ISOLATION, VALID_BODY, only, run_check, write_postmortem
from postmortem_kb.check.language import roster
from postmortem_kb.check.language.roster import git_roster, given
from postmortem_kb.model.settings import Settings

ANALYSIS = "The failover automation did not check replica lag before promoting a replica."


def commit_as(repo: Path, author: str) -> None:
    env = {**os.environ, **GIT_ISOLATION, "GIT_AUTHOR_NAME": author}
    (repo / "log.txt").write_text(author + "\n", encoding="utf-8")
    subprocess.run(["git", "add", "log.txt"], cwd=repo, env=env, check=True)
    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", author], cwd=repo, env=env, check=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    env = {**os.environ, **GIT_ISOLATION}
    subprocess.run(["git", "init", "-q", str(tmp_path)], env=env, check=True)
    for author in ("Zephyrine Okonkwo", "dependabot[bot]", "Will Smith", "GitHub Actions"):
        commit_as(tmp_path, author)
    git_roster.cache_clear()
    return tmp_path


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("Zephyrine Okonkwo", "Zephyrine"),
        ("ada lovelace", "Ada"),
        ("dependabot[bot]", ""),
        ("Renovate Bot", ""),
        ("Will Smith", ""),  # a common word as a name would make "will" a person
        ("J. Doe", ""),
        ("", ""),
    ],
)
def test_given_name_of_an_author(author: str, name: str) -> None:
    assert given(author) == name


def test_git_roster_reads_the_authors_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = subprocess.run

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(roster.subprocess, "run", counting)
    assert git_roster(str(repo)) == ("Zephyrine",)
    assert git_roster(str(repo)) == ("Zephyrine",)
    assert len(calls) == 1


def test_outside_a_repository_the_roster_is_empty(tmp_path: Path) -> None:
    git_roster.cache_clear()
    assert git_roster(str(tmp_path / "nowhere")) == ()


def test_roster_from_git_makes_an_author_a_person(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path_factory.mktemp("site")
    write_postmortem(site, body=VALID_BODY.replace(ANALYSIS, "Zephyrine failed to rotate the key."))
    monkeypatch.chdir(repo)
    assert only(run_check(site), "failed-to") == []
    settings = Settings.from_options({"roster_from_git": True, "cache": False})
    [finding] = only(run_check(site, settings), "failed-to")
    assert "Zephyrine" in (finding.suggestion or "")
    assert len(only(run_check(site, settings), "naming-individuals")) == 1
