"""``postmortem import``: five realistic old postmortems of different shapes, real files and
real git in tmp_path, through the real CLI."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from postmortem_kb.cli.main import main

SERVICES = "- id: checkout\n- id: payments-api\n- id: search\n- id: dns\n"
CAUSES = "- id: config-change\n- id: capacity\n- id: data-corruption\n"

WIKI = """\
# Checkout outage after cache deploy

Exported from Confluence. The outage began on March 4, 2025, during the morning peak.

## What happened

A cache deploy evicted every session and checkout returned errors for 41 minutes.

## Customer impact

About 3,100 orders failed.

## Timeline

- 09:12 UTC deploy of cache config started
- 09:15 UTC alert fired for checkout 5xx
- 09:40 UTC rolled back the cache config
- 09:53 UTC incident resolved

## Root cause

The new eviction policy applied to the session keyspace.

## How we fixed it

Rolled back and warmed the cache.

## Learnings

Keyspaces need separate policies.

## Action items

- [ ] Split the session keyspace @dana due 2025-03-30
- [x] Add a canary for cache config owner: lee
- Review eviction defaults
  with the platform team

Ask Priya about the budget for this.
"""

TOML = """\
+++
title = "Payments API latency spike"
date = 2024-11-02
sev = "2"
component = "pay-svc"
author = "mika"
categories = ["capacity"]
jira = "OPS-991"
+++

## Summary

Latency rose to 4 s for payment authorisations.

## Impact

Card payments were slow for 20 minutes.

## Timeline

| time | event |
| --- | --- |
| 14:02 UTC | latency alert fired |
| 14:10 UTC | on-call joined |
| 14:22 UTC | scaled out the pool |

## Contributing factors

Connection pool too small.

## Resolution

Scaled the pool.

## Lessons learned

Load tests must cover peaks.
"""

JSON = """\
{
  "title": "Search index corruption",
  "date": "2024-06-18",
  "severity": "SEV3",
  "services": ["search"],
  "authors": ["ana"],
  "status": "final"
}

## Overview

The search index was rebuilt from a corrupt snapshot.

## Follow-ups

| Action | Owner | Due | Status |
| --- | --- | --- | --- |
| Verify snapshots before restore | ana | 2024-07-01 | done |
| Alert on index size drop | @ops | 2024-07-15 | open |
"""

OWN_HEADINGS = """\
---
title: DNS resolver timeouts
tags: [dns, config-change, network]
priority: P1
owner: sam
---

# DNS resolver timeouts

## TL;DR

Resolvers timed out for internal names.

## Sequence of events

1. 10:00 first errors in the resolver logs
2. 10:05 paged the network on-call
3. 10:30 recovered after reverting the forwarder

## Why it happened

A bad forwarder config.
"""

NO_DATE = """\
Runbook gap during the queue backlog
====================================

The queue backed up; nobody had the runbook.

## Next steps

| Task | Who | Deadline |
| --- | --- | --- |
| Write the queue runbook | team-ops | 2026-01-15 |
"""

SOURCES = {
    "wiki-export-checkout.md": WIKI,
    "payments.md": TOML,
    "search.md": JSON,
    "2023-09-09-dns.md": OWN_HEADINGS,
    "queue.md": NO_DATE,
}


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with the five old postmortems committed in ``old/`` and an archive
    with catalogs in ``postmortems/``; the working folder."""
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "old"
    old.mkdir()
    for name, text in SOURCES.items():
        (old / name).write_text(text, encoding="utf-8")
    archive = tmp_path / "postmortems"
    archive.mkdir()
    (archive / "services.yml").write_text(SERVICES, encoding="utf-8")
    (archive / "causes.yml").write_text(CAUSES, encoding="utf-8")
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["git", "add", "old"], check=True)
    env = {"GIT_COMMITTER_DATE": "2025-10-01T12:00:00+00:00", "PATH": _path()}
    subprocess.run([*git, "commit", "-q", "-m", "old"], check=True, env=env)
    return tmp_path


def _path() -> str:
    import os

    return os.environ.get("PATH", "")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["import", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def front(path: Path) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    return data


def words(text: str, *, keys: bool = True) -> set[str]:
    """The words of ``text``; without its front-matter key names unless ``keys``."""
    if not keys:
        text = re.sub(r'^\s*"?[A-Za-z_]+"?\s*[:=]', "", text, flags=re.M)
    return {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", text)}


def test_imports_five_shapes_and_keeps_every_word(repo: Path) -> None:
    before = snapshot(repo / "old")
    result = run("old", "--into", "postmortems")
    assert result.exit_code == 0, result.output
    assert snapshot(repo / "old") == before  # sources untouched
    written = sorted(p.name for p in (repo / "postmortems").glob("*.md"))
    assert written == [
        "2023-09-09-dns-resolver-timeouts.md",
        "2024-06-18-search-index-corruption.md",
        "2024-11-02-payments-api-latency-spike.md",
        "2025-03-04-checkout-outage-after-cache-deploy.md",
        "2025-10-01-runbook-gap-during-the-queue-backlog.md",  # the last commit's date
    ]
    for source, text in SOURCES.items():
        (target,) = [
            p
            for p in (repo / "postmortems").glob("*.md")
            if front(p)["imported_from"]["path"] == f"old/{source}"  # type: ignore[index]
        ]
        assert words(text, keys=False) <= words(target.read_text(encoding="utf-8")), source
    assert "imported old/search.md -> postmortems/2024-06-18-search-index-corruption.md" in (
        result.output
    )
    assert "5 imported" in result.output


def test_wiki_export_title_times_and_action_items(repo: Path) -> None:
    run("old/wiki-export-checkout.md", "--into", "postmortems")
    path = repo / "postmortems/2025-03-04-checkout-outage-after-cache-deploy.md"
    meta = front(path)
    body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert meta["title"] == "Checkout outage after cache deploy"
    assert not re.search(r"^# ", body, re.M)  # the H1 left the body: one <h1> on the page
    assert meta["imported"] is True
    assert "legacy" not in meta  # `imported` exempts it from the review-process rules
    assert meta["incident"] == {
        "started": __import__("datetime").datetime.fromisoformat("2025-03-04T09:12:00+00:00"),
        "detected": __import__("datetime").datetime.fromisoformat("2025-03-04T09:15:00+00:00"),
        "mitigated": __import__("datetime").datetime.fromisoformat("2025-03-04T09:40:00+00:00"),
        "resolved": __import__("datetime").datetime.fromisoformat("2025-03-04T09:53:00+00:00"),
    }
    items = meta["action_items"]
    assert items == [
        {
            "id": "AI-1",
            "title": "Split the session keyspace",
            "owner": "dana",
            "due": __import__("datetime").date(2025, 3, 30),
            "status": "open",
        },
        {"id": "AI-2", "title": "Add a canary for cache config", "owner": "lee", "status": "done"},
        {
            "id": "AI-3",
            "title": "Review eviction defaults with the platform team",
            "status": "open",
        },
    ]
    assert "## Summary" in body and "imported heading: What happened" in body
    assert "Ask Priya about the budget for this." in body  # not understood: kept and reported
    assert (
        "kept in the body: 'Ask Priya about the budget for this.'"
        in run("old/wiki-export-checkout.md", "--into", "elsewhere", "--dry-run").output
    )


def test_toml_json_and_own_headings(repo: Path) -> None:
    result = run("old", "--into", "postmortems", "--map", "pay-svc=payments-api")
    assert result.exit_code == 0, result.output
    toml = front(repo / "postmortems/2024-11-02-payments-api-latency-spike.md")
    assert toml["severity"] == "SEV2"
    assert toml["services"] == ["payments-api"]
    assert toml["causes"] == ["capacity"]
    assert toml["authors"] == ["mika"]
    text = (repo / "postmortems/2024-11-02-payments-api-latency-spike.md").read_text("utf-8")
    assert "jira: OPS-991" in text  # a foreign key with no place, kept
    search = front(repo / "postmortems/2024-06-18-search-index-corruption.md")
    assert [(i["owner"], i["status"]) for i in search["action_items"]] == [  # type: ignore[union-attr]
        ("ana", "done"),
        ("ops", "open"),
    ]
    dns = front(repo / "postmortems/2023-09-09-dns-resolver-timeouts.md")
    assert dns["services"] == ["dns"] and dns["causes"] == ["config-change"]
    assert dns["tags"] == ["network"] and dns["severity"] == "SEV1"


def test_second_run_says_already_imported_and_writes_nothing(repo: Path) -> None:
    assert run("old", "--into", "postmortems").exit_code == 0
    before = snapshot(repo / "postmortems")
    again = run("old", "--into", "postmortems")
    assert again.exit_code == 0, again.output
    assert again.output.count("already imported as") == 5
    assert snapshot(repo / "postmortems") == before


def test_dry_run_writes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    result = run("old", "--into", "postmortems", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import old/payments.md" in result.output
    assert "dry run, nothing written" in result.output
    assert snapshot(repo) == before


def test_never_overwrites(repo: Path) -> None:
    taken = repo / "postmortems/2024-11-02-payments-api-latency-spike.md"
    taken.write_text("mine\n", encoding="utf-8")
    result = run("old/payments.md", "--into", "postmortems")
    assert result.exit_code == 1
    assert "already exists; nothing was written" in result.output
    assert taken.read_text(encoding="utf-8") == "mine\n"


def test_bad_input_names_file_and_line(repo: Path) -> None:
    (repo / "old/broken.md").write_text("---\ntitle: x\ndate: [2024-01-01\n---\nbody\n", "utf-8")
    (repo / "old/broken.toml.md").write_text('+++\ntitle = "x"\ndate = \n+++\n', "utf-8")
    result = run("old/broken.md", "old/broken.toml.md", "old/search.md", "--into", "out")
    assert result.exit_code == 1
    assert re.search(r"error: old/broken\.md:\d+: YAML front matter", result.output)
    assert "error: old/broken.toml.md:3: TOML front matter" in result.output
    assert "imported old/search.md" in result.output  # one bad file stops no other


def test_reports_the_checker_findings_per_file_as_json(repo: Path) -> None:
    result = run("old/search.md", "old/queue.md", "--into", "postmortems", "--format", "json")
    data = json.loads(result.output)
    assert data["summary"] == {"imported": 2}
    search, queue = data["files"]
    assert search["state"] == "imported"
    rules = {f["rule"] for f in search["findings"]}
    assert "missing-section" in rules  # what the author still has to fill in
    assert "no 'Impact' section" in search["todo"]
    assert any("last commit date" in line for line in queue["todo"])
    assert "no authors" in queue["todo"]
    assert queue["findings"]


def test_bad_map_is_a_usage_error(repo: Path) -> None:
    result = run("old", "--into", "postmortems", "--map", "nothing")
    assert result.exit_code == 2
    assert "OLD=NEW" in result.output
