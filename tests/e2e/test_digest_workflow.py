"""The weekly digest workflow: its shape, and its scripts run as the runner would.

GitHub is not called: ``gh`` is a stand-in on PATH that records its arguments and the body
it was given, so the test checks the command's output and what would be sent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from helpers import REPO
from postmortem_kb import cli

WORKFLOW = REPO / ".github" / "workflows" / "action-items-digest.yml"
COMMAND = "postmortem actions --format markdown"
LABEL, TITLE = "action-items-digest", "Action items digest"
EPOCH = "1795996800"  # 2026-11-30 00:00 UTC
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?(,\d+(-\d+)?)*)(/\d+)?$")


def load_workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps() -> list[dict[str, Any]]:
    (job,) = load_workflow()["jobs"].values()
    return list(job["steps"])


def step_running(text: str) -> dict[str, Any]:
    """The one step whose script starts with ``text``, or else mentions it."""
    runs = [step for step in steps() if "run" in step]
    found = [step for step in runs if step["run"].startswith(text)]
    (step,) = found or [step for step in runs if text in step["run"]]
    return step


# --- shape ----------------------------------------------------------------------------------


def test_runs_every_week_and_on_demand() -> None:
    triggers = load_workflow()["on"]
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (schedule,) = triggers["schedule"]
    fields = schedule["cron"].split()
    assert len(fields) == 5 and all(CRON_FIELD.match(field) for field in fields)
    assert fields[2:4] == ["*", "*"] and fields[4] != "*"  # one day of each week


def test_least_privilege() -> None:
    workflow = load_workflow()
    assert workflow["permissions"] == {"contents": "read", "issues": "write"}
    assert all("permissions" not in job for job in workflow["jobs"].values())


def test_every_action_is_pinned_and_scripts_take_no_expressions() -> None:
    uses = [step["uses"] for step in steps() if "uses" in step]
    assert [action.split("@")[0] for action in uses] == [
        "actions/checkout",
        "actions/setup-python",
    ]
    assert all(PINNED.match(action) for action in uses)
    for step in steps():
        assert "${{" not in step.get("run", ""), step["run"]  # values come through env


def test_installs_the_package_then_runs_the_documented_command() -> None:
    runs = [step["run"] for step in steps() if "run" in step]
    assert runs[0] == "pip install -e ."
    digest = step_running(COMMAND)["run"]
    assert digest.startswith(COMMAND + " ")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    guide = (REPO / "docs" / "guide" / "action-items.md").read_text(encoding="utf-8")
    assert COMMAND in readme
    assert COMMAND in guide
    assert "action-items-digest.yml" in readme and "action-items-digest.yml" in guide
    issue = step_running("gh issue")
    assert issue["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert issue["env"]["LABEL"] == LABEL
    assert issue["env"]["TITLE"] == TITLE
    assert f"{LABEL}" in guide


# --- the scripts, for real, with a stand-in gh -----------------------------------------------

FAKE_GH = """\
#!{python}
import json, os, shutil, sys
log = os.environ["GH_LOG"]
args = sys.argv[1:]
with open(log, "a", encoding="utf-8") as file:
    file.write(json.dumps(args) + "\\n")
if "--body-file" in args:
    shutil.copy(args[args.index("--body-file") + 1], log + ".body")
if args[:2] == ["issue", "list"]:
    print(os.environ.get("FAKE_ISSUE", ""))
"""


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, Path]:
    """The sample site (mkdocs.yml, postmortems/) in a folder of its own, a stand-in gh on
    PATH, and RUNNER_TEMP."""
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy2(REPO / "mkdocs.yml", work / "mkdocs.yml")
    shutil.copytree(REPO / "postmortems", work / "postmortems")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable), encoding="utf-8")
    gh.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return {"work": work, "bin": bin_dir, "temp": temp, "log": tmp_path / "gh.log"}


def run_step(step: dict[str, Any], where: dict[str, Path], **extra: str) -> str:
    """Run a step's script as the runner does (bash -eo pipefail), with its env."""
    variables = {**load_workflow().get("env", {}), **step.get("env", {})}
    resolved = {
        name: str(value)
        .replace("${{ github.token }}", "token")
        .replace("${{ github.repository }}", "larkspur/postmortems")
        for name, value in variables.items()
    }
    python_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{where['bin']}{os.pathsep}{python_bin}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(where["temp"]),
        "GH_LOG": str(where["log"]),
        "SOURCE_DATE_EPOCH": EPOCH,
        "NO_MKDOCS_2_WARNING": "1",
        **resolved,
        **extra,
    }
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=where["work"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def gh_calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def expected_digest(work: Path) -> str:
    here = Path.cwd()
    os.chdir(work)
    try:
        result = CliRunner().invoke(
            cli.main, COMMAND.split()[1:], env={"SOURCE_DATE_EPOCH": EPOCH}, catch_exceptions=False
        )
    finally:
        os.chdir(here)
    assert result.exit_code == 0
    return result.stdout


def test_the_digest_step_writes_the_command_output(runner: dict[str, Path]) -> None:
    run_step(step_running(COMMAND), runner)
    digest = (runner["temp"] / "digest.md").read_text(encoding="utf-8")
    assert digest == expected_digest(runner["work"])
    assert digest.startswith("Open action items on 2026-11-30: **")
    assert "## Edge and CDN (`team-edge`)" in digest
    assert "https://postmortems.larkspur.example/postmortems/" in digest  # site_url is set
    assert "Links are relative" not in digest


def test_without_an_open_digest_issue_one_is_created(runner: dict[str, Path]) -> None:
    run_step(step_running(COMMAND), runner)
    run_step(step_running("gh issue"), runner, FAKE_ISSUE="")
    calls = gh_calls(runner["log"])
    assert calls[0][:2] == ["issue", "list"]
    assert calls[0][calls[0].index("--label") + 1] == LABEL
    assert calls[0][calls[0].index("--state") + 1] == "open"
    assert calls[1][:3] == ["label", "create", LABEL]
    create = calls[2]
    assert create[:2] == ["issue", "create"]
    assert create[create.index("--title") + 1] == TITLE
    assert create[create.index("--label") + 1] == LABEL
    assert len(calls) == 3
    body = Path(str(runner["log"]) + ".body").read_text(encoding="utf-8")
    assert body == (runner["temp"] / "digest.md").read_text(encoding="utf-8")


def test_an_open_digest_issue_is_updated_in_place(runner: dict[str, Path]) -> None:
    run_step(step_running(COMMAND), runner)
    output = run_step(step_running("gh issue"), runner, FAKE_ISSUE="42")
    calls = gh_calls(runner["log"])
    assert [call[:3] for call in calls] == [["issue", "list", "--label"], ["issue", "edit", "42"]]
    assert "--body-file" in calls[1]
    assert "updated issue #42" in output
    body = Path(str(runner["log"]) + ".body").read_text(encoding="utf-8")
    assert body == expected_digest(runner["work"])


def test_a_digest_too_long_for_an_issue_is_cut_at_a_line(runner: dict[str, Path]) -> None:
    line = "| **1 day overdue** | [" + "x" * 90 + "](https://kb.example/) | é |\n"
    (runner["temp"] / "digest.md").write_text(line * 1000, encoding="utf-8")
    run_step(step_running("gh issue"), runner, FAKE_ISSUE="7")
    body = Path(str(runner["log"]) + ".body").read_text(encoding="utf-8")  # valid UTF-8
    assert len(body.encode()) < 61000
    kept, note = body.rsplit("\n\n", 1)
    assert all(part == line.rstrip("\n") for part in kept.split("\n"))
    assert COMMAND in note
