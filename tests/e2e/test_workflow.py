"""The pull-request workflow: GitHub Actions, CODEOWNERS, the PR template, the editor schema.

The workflow's ``run:`` commands are run for real, as the runner would, in a git copy of
this repository with a pull-request branch.
"""

from __future__ import annotations

import importlib.metadata
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

from helpers import GIT_ISOLATION, REPO
from postmortem_kb import cli

WORKFLOW = REPO / ".github" / "workflows" / "postmortems.yml"
BIN = Path(sys.executable).parent
EPOCH = "1795737600"  # 2026-11-27 00:00 UTC
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def load_workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(job: str) -> list[dict[str, Any]]:
    return list(load_workflow()["jobs"][job]["steps"])


def step_using(job: str, action: str) -> dict[str, Any]:
    found = [s for s in steps(job) if str(s.get("uses", "")).startswith(f"{action}@")]
    assert len(found) == 1, f"{job} uses {action} {len(found)} times"
    return found[0]


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in load_workflow()["jobs"].items() for step in job["steps"]]


# --- shape ----------------------------------------------------------------------------------


def test_triggers() -> None:
    triggers = load_workflow()["on"]
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]


def test_jobs_run_on_the_right_events() -> None:
    jobs = load_workflow()["jobs"]
    assert jobs["pull-request"]["if"] == "github.event_name == 'pull_request'"
    assert "refs/heads/main" in jobs["publish"]["if"]
    assert "!= 'pull_request'" in jobs["publish"]["if"]


def test_every_action_is_pinned() -> None:
    uses = [step["uses"] for _, step in all_steps() if "uses" in step]
    assert len(uses) >= 8
    for action in uses:
        assert PINNED.match(action), f"{action} is not pinned to a release tag or commit"


def test_pull_request_job() -> None:
    checkout = step_using("pull-request", "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0  # --changed-since needs the merge base
    step_using("pull-request", "actions/setup-python")
    runs = [s["run"] for s in steps("pull-request") if "run" in s]
    assert runs[0] == "pip install -e ."
    check = next(r for r in runs if r.startswith("postmortem check"))
    assert '--changed-since "origin/$BASE_REF"' in check
    assert "--format github" in check
    assert "--strict" in check
    check_step = next(s for s in steps("pull-request") if s.get("run") == check)
    assert check_step["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert "mkdocs build --strict" in runs
    assert runs.index("mkdocs build --strict") > runs.index(check)
    upload = step_using("pull-request", "actions/upload-artifact")
    assert upload["with"]["name"] == "site"
    assert upload["with"]["path"].rstrip("/") == "site"


def test_publish_job_deploys_to_pages() -> None:
    job = load_workflow()["jobs"]["publish"]
    assert job["permissions"]["pages"] == "write"
    assert job["permissions"]["id-token"] == "write"
    assert job["environment"]["name"] == "github-pages"
    uses = [str(s.get("uses", "")).split("@")[0] for s in job["steps"]]
    order = ["actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert [u for u in uses if u in order] == order
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert uses.index("actions/configure-pages") > len(runs)  # after the build
    assert "mkdocs build --strict" in runs
    assert step_using("publish", "actions/upload-pages-artifact")["with"]["path"].rstrip("/") == (
        "site"
    )
    deploy = step_using("publish", "actions/deploy-pages")
    assert job["environment"]["url"] == f"${{{{ steps.{deploy['id']}.outputs.page_url }}}}"


def test_least_privilege() -> None:
    workflow = load_workflow()
    assert workflow["permissions"] == {"contents": "read"}
    assert "permissions" not in workflow["jobs"]["pull-request"]


def test_run_scripts_take_no_expressions() -> None:
    """``${{ }}`` in a script is pasted in before bash runs: pass values through env."""
    for job, step in all_steps():
        assert "${{" not in step.get("run", ""), f"{job}: {step['run']}"


def test_dependabot_updates_the_actions() -> None:
    config = yaml.safe_load((REPO / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions"}


# --- the commands, for real -------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, env=env(), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **GIT_ISOLATION,
        "SOURCE_DATE_EPOCH": EPOCH,
        **extra,
    }


NEW_OPTIONS = ("-s", "checkout", "--date", "2026-11-27", "--author", "priya", "--severity", "SEV2")


@pytest.fixture(scope="module")
def pr_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree as a repository whose branch ``pm`` is a postmortem pull request.

    ``origin/main`` is the tree as it is; the branch adds a draft made by ``postmortem new``
    and edits a sample postmortem.
    """
    clone = tmp_path_factory.mktemp("workflow") / "repo"
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    git(clone, "init", "-q", "-b", "main")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "main")
    git(clone, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(clone, "switch", "-q", "-c", "pm")
    created = subprocess.run(
        [BIN / "postmortem", "new", "Checkout payment timeouts", *NEW_OPTIONS],
        cwd=clone,
        env=env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    sample = clone / "postmortems" / "2026-11-24-checkout-session-store-eviction.md"
    sample.write_text(
        sample.read_text(encoding="utf-8") + "- The session store kept its snapshots.\n", "utf-8"
    )
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "Postmortem: checkout payment timeouts")
    return clone


def run_step(
    clone: Path, step: dict[str, Any], job: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    """Run a step's script as the runner does (bash -eo pipefail), with its env."""
    variables = {**load_workflow().get("env", {}), **job.get("env", {}), **step.get("env", {})}
    resolved = {
        name: str(value).replace("${{ github.base_ref }}", "main")
        for name, value in variables.items()
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=clone,
        env=env(**resolved),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_run_command_passes_on_the_sample_archive(pr_clone: Path) -> None:
    done: set[str] = set()
    for job_name, job in load_workflow()["jobs"].items():
        for step in job["steps"]:
            script = step.get("run")
            if script is None or script in done:
                continue
            done.add(script)
            if script == "pip install -e .":
                # Installing again would need the network; the test runs in that install.
                assert (pr_clone / "pyproject.toml").is_file()
                dist = importlib.metadata.distribution("postmortem-kb")
                scripts = {e.name for e in dist.entry_points if e.group == "console_scripts"}
                assert "postmortem" in scripts
                continue
            result = run_step(pr_clone, step, job)
            assert result.returncode == 0, f"{job_name}: {script}\n{result.stdout}{result.stderr}"
            assert "Traceback" not in result.stderr
            if "--changed-since" in script:
                assert "2 postmortems added or changed since origin/main" in result.stderr
                assert "::error" not in result.stdout
                assert "::warning" not in result.stdout
    assert len(done) >= 4
    site = pr_clone / "site"
    assert (site / "index.html").is_file()
    assert (site / "postmortems" / "2026-11-27-checkout-payment-timeouts" / "index.html").is_file()
    assert (site / "guide" / "pull-requests" / "index.html").is_file()
    assert json.loads((site / "action-items.json").read_text(encoding="utf-8"))["items"]


def test_the_pull_request_check_annotates_a_blaming_change(pr_clone: Path) -> None:
    job = load_workflow()["jobs"]["pull-request"]
    step = next(s for s in job["steps"] if "--changed-since" in s.get("run", ""))
    draft = pr_clone / "postmortems" / "2026-11-27-checkout-payment-timeouts.md"
    original = draft.read_text(encoding="utf-8")
    try:
        draft.write_text(
            original.replace("TODO: contributing factors.", "Human error during the deploy."),
            encoding="utf-8",
        )
        result = run_step(pr_clone, step, job)
    finally:
        draft.write_text(original, encoding="utf-8")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("::warning file=postmortems/2026-11-27-checkout-payment-timeouts.md,line=")
        and "title=human-error::" in line
        for line in lines
    ), result.stdout
    assert all(line.startswith("::") for line in lines)


# --- CODEOWNERS -------------------------------------------------------------------------------

CODEOWNERS = REPO / ".github" / "CODEOWNERS"


def codeowners_rules() -> list[tuple[str, list[str]]]:
    rules = []
    for line in CODEOWNERS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        # gitignore syntax that GitHub does not support in CODEOWNERS
        assert not pattern.startswith(("!", "\\")), pattern
        assert "[" not in pattern, pattern
        assert owners and all(o.startswith("@") for o in owners), line
        rules.append((pattern, owners))
    return rules


def codeowners_match(pattern: str, path: str) -> bool:
    """GitHub's matching for the patterns used here (``*`` and ``?`` stop at ``/``)."""
    assert "**" not in pattern, "not modelled here"
    body = pattern.strip("/")
    regex = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in body)
    anywhere = not pattern.startswith("/") and "/" not in body  # `*.md` matches at any depth
    prefix = "(?:.*/)?" if anywhere else ""
    suffix = "/.*" if pattern.endswith("/") else "(?:/.*)?"  # a folder owns what it holds
    return re.fullmatch(prefix + regex + suffix, path) is not None


def owners_of(path: str) -> list[str]:
    owners: list[str] = []
    for pattern, rule_owners in codeowners_rules():
        if codeowners_match(pattern, path):
            owners = rule_owners  # the last matching line wins
    return owners


def catalog() -> dict[str, str]:
    entries = yaml.safe_load((REPO / "postmortems" / "services.yml").read_text(encoding="utf-8"))
    return {entry["id"]: entry["owner"] for entry in entries}


def test_codeowners_has_a_line_per_catalog_service() -> None:
    lines = dict(codeowners_rules())
    for service, owner in catalog().items():
        pattern = f"/postmortems/????-??-??-{service}-*"
        assert lines.get(pattern) == [f"@larkspur/{owner}"], service


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (REPO / "postmortems").glob("*.md")), ids=lambda n: n[:24]
)
def test_codeowners_routes_each_sample_to_a_team_of_its_services(name: str) -> None:
    text = (REPO / "postmortems" / name).read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    teams = {f"@larkspur/{catalog()[service]}" for service in meta["services"]}
    assert set(owners_of(f"postmortems/{name}")) & teams, (name, owners_of(f"postmortems/{name}"))


def test_codeowners_examples() -> None:
    assert owners_of("postmortems/2026-11-27-checkout-payment-timeouts.md") == [
        "@larkspur/team-checkout"
    ]
    assert owners_of("postmortems/2026-11-27-payments-db-lag.md") == ["@larkspur/team-db"]
    assert owners_of("postmortems/2026-11-27-payments-api-5xx.md") == ["@larkspur/team-payments"]
    assert owners_of("postmortems/2026-11-27-office-wifi.md") == ["@larkspur/incident-review"]
    assert owners_of("postmortems/services.yml") == ["@larkspur/incident-review"]
    assert owners_of("postmortems/x/2026-11-27-checkout-a.md") == ["@larkspur/incident-review"]
    assert owners_of("plugins/postmortem_kb/cli.py") == ["@larkspur/sre"]


# --- pull-request template ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "needle",
    [
        "Blameless language",
        "Timeline",
        "Action items",
        "owner",
        "due date",
        "Stakeholders invited",
        "Review meeting",
    ],
)
def test_pull_request_template_has_the_guide_checklist(needle: str) -> None:
    template = (REPO / ".github" / "PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
    items = [line for line in template.splitlines() if line.startswith("- [ ] ")]
    assert len(items) >= 6
    assert any(needle in item or needle in template for item in items)
    assert needle in template


# --- editor schema ----------------------------------------------------------------------------

SCHEMA = REPO / "schema" / "postmortem-front-matter.schema.json"


def test_committed_schema_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli.main, ["schema"])
    assert result.exit_code == 0
    assert SCHEMA.read_text(encoding="utf-8") == result.stdout, (
        "regenerate it: postmortem schema > schema/postmortem-front-matter.schema.json"
    )


def test_schema_knows_every_field_the_samples_use() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    item_fields = set(schema["$defs"]["ActionItem"]["properties"])
    for path in sorted((REPO / "postmortems").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        assert set(meta) <= set(schema["properties"]), path.name
        assert set(schema["required"]) <= set(meta), path.name
        assert meta["severity"] in schema["properties"]["severity"]["enum"]
        for action_item in meta.get("action_items", []):
            assert set(action_item) <= item_fields, path.name
