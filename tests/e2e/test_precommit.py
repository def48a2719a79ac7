"""The pre-commit hook, proven with real ``pre-commit`` runs on temporary git repositories.

Offline: the repository's own ``.pre-commit-config.yaml`` (a local hook) runs as it is; the
hook this repository offers to others (``.pre-commit-hooks.yaml``, ``language: python``)
runs with its entry, file patterns and options as a local ``system`` hook, since installing
it the way pre-commit does for a remote repository needs the package index. That full
install is tested too when ``POSTMORTEM_KB_NETWORK_TESTS=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import GIT_ISOLATION, REPO, VALID_BODY, VALID_FRONT_MATTER, write_postmortem

BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN))
MANIFEST = REPO / ".pre-commit-hooks.yaml"
CONFIG = REPO / ".pre-commit-config.yaml"
CLEAN = "2026-03-14-clean"
BLAMING = "2026-03-14-blaming"

pytestmark = pytest.mark.skipif(  # in CI a missing pre-commit fails the tests instead
    PRE_COMMIT is None and not os.environ.get("CI"),
    reason="pre-commit is not installed (pip install -e '.[dev]')",
)

BLAMING_BODY = VALID_BODY.replace(
    "The failover automation did not check replica lag before promoting a replica.",
    "Human error: the on-call engineer failed to check the replica lag.",
)


def env(home: Path, *, with_venv_on_path: bool = True) -> dict[str, str]:
    path = os.environ.get("PATH", "")
    if with_venv_on_path:
        path = f"{BIN}{os.pathsep}{path}"
    else:
        path = os.pathsep.join(p for p in path.split(os.pathsep) if Path(p) != BIN)
    return {
        **os.environ,
        "PATH": path,
        "PRE_COMMIT_HOME": str(home / "pre-commit-home"),
        **GIT_ISOLATION,
        "NO_MKDOCS_2_WARNING": "1",
        "SOURCE_DATE_EPOCH": "1773489600",
        "VIRTUAL_ENV": "",
    }


def sh(repo: Path, *args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=repo,
        env=kwargs.pop("env", None) or env(repo.parent),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def git(repo: Path, *args: str) -> str:
    result = sh(repo, "git", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def pre_commit(repo: Path, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    return sh(repo, PRE_COMMIT, *args, **kwargs)


def make_repo(root: Path, config: str) -> Path:
    """A knowledge base with a clean postmortem, the given pre-commit config, one commit."""
    repo = root / "kb"
    write_postmortem(repo, front_matter=VALID_FRONT_MATTER, pm_id=CLEAN)
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "base")
    return repo


def manifest_hook() -> dict[str, Any]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and len(hooks) == 1
    return dict(hooks[0])


def manifest_as_local_config() -> str:
    """The offered hook, unchanged except that it runs the installed package."""
    hook = {**manifest_hook(), "language": "system"}
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, sort_keys=False)


@pytest.fixture(params=["own-config", "offered-hook"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A repository using this repository's config, or the hook it offers to others."""
    if request.param == "own-config":
        return make_repo(tmp_path, CONFIG.read_text(encoding="utf-8"))
    return make_repo(tmp_path, manifest_as_local_config())


# --- the files ----------------------------------------------------------------------------------


def test_manifest_and_config_are_valid() -> None:
    assert pre_commit(REPO, "validate-manifest", str(MANIFEST)).returncode == 0
    assert pre_commit(REPO, "validate-config", str(CONFIG)).returncode == 0


def test_manifest_offers_postmortem_check() -> None:
    hook = manifest_hook()
    assert hook["id"] == "postmortem-check"
    assert hook["entry"] == "postmortem check"
    assert hook["language"] == "python"
    assert hook["files"] == r"^postmortems/.*\.md$"
    assert hook["pass_filenames"] is True
    assert hook["args"] == ["--strict"]  # warnings fail too, as in CI


def test_own_config_uses_the_offered_hook() -> None:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    [local] = config["repos"]
    assert local["repo"] == "local"
    [hook] = local["hooks"]
    offered = manifest_hook()
    for key in ("id", "name", "files", "exclude", "args", "pass_filenames", "require_serial"):
        assert hook[key] == offered[key], key
    assert "postmortem check" in hook["entry"]


# --- real runs ------------------------------------------------------------------------------------


def test_clean_postmortem_passes(repo: Path) -> None:
    result = pre_commit(repo, "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "postmortem check" in result.stdout
    assert "Passed" in result.stdout


def test_blaming_postmortem_fails_with_the_finding(repo: Path) -> None:
    path = write_postmortem(repo, front_matter=VALID_FRONT_MATTER, body=BLAMING_BODY, pm_id=BLAMING)
    git(repo, "add", "-A")
    result = pre_commit(repo, "run", "--files", f"postmortems/{path.name}")
    assert result.returncode == 1, result.stdout
    assert "postmortem check" in result.stdout and "Failed" in result.stdout
    assert f"postmortems/{BLAMING}.md:45:1: warning human-error:" in result.stdout
    assert "warning failed-to:" in result.stdout


def test_broken_postmortem_fails_with_the_finding(repo: Path) -> None:
    write_postmortem(repo, front_matter=VALID_FRONT_MATTER.replace("SEV2", "SEV9"), pm_id=BLAMING)
    git(repo, "add", "-A")
    result = pre_commit(repo, "run", "--all-files")
    assert result.returncode == 1
    assert "postmortem check" in result.stdout and "Failed" in result.stdout
    assert f"postmortems/{BLAMING}.md:5:11: error unknown-severity:" in result.stdout
    assert "checked 2 files: 1 error" in result.stdout  # one run for both files


def test_the_hook_knows_the_whole_archive(repo: Path) -> None:
    """Only the staged file is checked, but its related ids against the whole archive."""
    related = VALID_FRONT_MATTER.replace("related: []", f"related: [{CLEAN}, 2026-03-14-nope]")
    write_postmortem(repo, front_matter=related, pm_id=BLAMING)
    git(repo, "add", "-A")
    result = pre_commit(repo, "run", "--files", f"postmortems/{BLAMING}.md")
    assert result.returncode == 1
    assert "unknown-related: related postmortem '2026-03-14-nope' does not exist" in result.stdout
    assert f"postmortems/{CLEAN}.md" not in result.stdout
    assert "checked 1 file" in result.stdout


def test_other_files_are_skipped(repo: Path) -> None:
    folder = repo / "postmortems"
    for name in ("README.md", "index.md", "_template.md"):
        (folder / name).write_text("# Not a postmortem\n", encoding="utf-8")
    (repo / "docs").mkdir()
    (repo / "docs" / "2026-03-14-x.md").write_text("# Not in the archive\n", encoding="utf-8")
    git(repo, "add", "-A")
    files = ["postmortems/README.md", "postmortems/index.md", "postmortems/_template.md"]
    result = pre_commit(repo, "run", "--files", *files, "docs/2026-03-14-x.md")
    assert result.returncode == 0, result.stdout
    assert "(no files to check)" in result.stdout


def test_git_commit_runs_the_hook(tmp_path: Path) -> None:
    """``pre-commit install``, then real commits: the blaming one is refused."""
    repo = make_repo(tmp_path, CONFIG.read_text(encoding="utf-8"))
    assert pre_commit(repo, "install").returncode == 0
    write_postmortem(repo, front_matter=VALID_FRONT_MATTER, body=BLAMING_BODY, pm_id=BLAMING)
    git(repo, "add", "-A")
    refused = sh(repo, "git", "commit", "-m", "blaming")
    assert refused.returncode != 0
    assert "human-error" in refused.stdout + refused.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    write_postmortem(repo, front_matter=VALID_FRONT_MATTER, pm_id=BLAMING)  # fixed
    git(repo, "add", "-A")
    accepted = sh(repo, "git", "commit", "-m", "blameless")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"


def test_own_hook_finds_the_venv_without_activation(tmp_path: Path) -> None:
    """With ``postmortem`` not on PATH, the hook uses ``.venv/bin/postmortem`` (as `make`)."""
    repo = make_repo(tmp_path, CONFIG.read_text(encoding="utf-8"))
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "postmortem").symlink_to(BIN / "postmortem")
    (repo / ".git" / "info" / "exclude").write_text(".venv/\n")
    write_postmortem(repo, front_matter=VALID_FRONT_MATTER.replace("SEV2", "SEV9"), pm_id=BLAMING)
    git(repo, "add", "-A")
    without_venv = env(tmp_path, with_venv_on_path=False)
    assert shutil.which("postmortem", path=without_venv["PATH"]) is None
    result = pre_commit(repo, "run", "--all-files", env=without_venv)
    assert result.returncode == 1, result.stdout
    assert "error unknown-severity" in result.stdout


@pytest.mark.skipif(
    os.environ.get("POSTMORTEM_KB_NETWORK_TESTS") != "1",
    reason="installs the hook from the package index; set POSTMORTEM_KB_NETWORK_TESTS=1",
)
def test_offered_hook_installs_from_the_repository(tmp_path: Path) -> None:
    """``pre-commit try-repo``: pre-commit builds its own environment from this repository."""
    source = tmp_path / "postmortem-kb"
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    git(source, "init", "-q", "-b", "main")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "snapshot")
    repo = make_repo(tmp_path, "repos: []\n")
    write_postmortem(repo, front_matter=VALID_FRONT_MATTER.replace("SEV2", "SEV9"), pm_id=BLAMING)
    git(repo, "add", "-A")
    result = pre_commit(repo, "try-repo", str(source), "postmortem-check", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error unknown-severity" in result.stdout
