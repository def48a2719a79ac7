"""Migrating an existing archive, end to end (issue 16's "done when").

A folder of foreign postmortems (``tests/data/foreign-archive``: a wiki export, YAML front
matter from Notion, TOML from Hugo, JSON from Jekyll, a Google Docs export; no heading in
common with ours, tables and checklists) goes through the real ``postmortem import``, then
``postmortem check --strict`` and a strict MkDocs build. Every word is kept, the action items
written in the bodies reach the exports, and a second import changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import REPO, build_site, make_site, page

FOREIGN = REPO / "tests" / "data" / "foreign-archive"
SERVICES = """\
- id: checkout
  owner: team-payments
- id: payments-api
  owner: team-payments
- id: search
  owner: search-team
- id: dns
  owner: team-network
"""
CAUSES = "- id: capacity\n- id: config-change\n- id: data-corruption\n"
TEAMS = """\
teams:
  team-payments:
    members: [li.wei]
  team-network:
    members: [priya]
  search-team:
    members: [ana]
  sre-platform:
    members: [sam]
"""
BODY_ITEMS = 11
"""Action items the five bodies list: 3 checklist items (wiki), 3 table rows (Notion), 3
bullets (Hugo), 2 checklist items (Jekyll), none in the Google Docs export."""


def postmortem(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, in ``root``."""
    return subprocess.run(
        [sys.executable, "-m", "postmortem_kb.cli", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def words(text: str, *, keys: bool = True) -> set[str]:
    """The words of a file; without the names of front-matter keys (which import renames)
    unless ``keys``."""
    if not keys:
        text = re.sub(r'^\s*"?[A-Za-z_]+"?\s*[:=]', "", text, flags=re.M)
    return {w.casefold() for w in re.findall(r"[A-Za-z]{3,}", text)}


def front(path: Path) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    return data


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site whose archive was brought in from the foreign folder, built strict into site/."""
    root = tmp_path_factory.mktemp("migration")
    config = make_site(root, {"services.yml": SERVICES, "causes.yml": CAUSES, "teams.yml": TEAMS})
    shutil.copytree(FOREIGN, root / "old")
    result = postmortem(root, "import", "old", "--into", "postmortems")
    assert result.returncode == 0, result.stdout + result.stderr
    (root / "import-report.txt").write_text(result.stdout, encoding="utf-8")
    build_site(config, root / "site", strict=True)
    return root


def imported_files(root: Path) -> list[Path]:
    return sorted((root / "postmortems").glob("*.md"))


def test_every_source_becomes_an_imported_postmortem(migrated: Path) -> None:
    files = imported_files(migrated)
    sources = {str(front(p)["imported_from"]["path"]) for p in files}  # type: ignore[index]
    assert sources == {f"old/{p.relative_to(FOREIGN)}" for p in FOREIGN.rglob("*.md")}
    assert all(front(p)["imported"] is True for p in files)
    assert "5 imported" in (migrated / "import-report.txt").read_text(encoding="utf-8")


def test_the_archive_passes_a_strict_check_listing_its_gaps(migrated: Path) -> None:
    result = postmortem(migrated, "check", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"checked 5 files: 0 errors, 0 warnings, \d+ notes", summary), summary
    assert "note missing-field: required field 'severity' is missing (imported" in result.stdout
    assert "note counterfactual:" in result.stdout  # historical wording, listed to rewrite


def test_a_new_postmortem_with_the_same_gaps_fails(migrated: Path, tmp_path: Path) -> None:
    """Only imported postmortems get notes: the same file written today fails the check."""
    copy = tmp_path / "kb"
    shutil.copytree(migrated / "postmortems", copy / "postmortems")
    (path,) = [p for p in imported_files(copy) if "checkout-latency" in p.name]
    text = path.read_text(encoding="utf-8").replace("imported: true\n", "")
    path.write_text(text, encoding="utf-8")
    result = postmortem(copy, "check", "--strict", "postmortems")
    assert result.returncode == 1
    assert "error missing-field: required field 'severity' is missing" in result.stdout


def test_every_word_is_kept(migrated: Path) -> None:
    for source in FOREIGN.rglob("*.md"):
        relative = f"old/{source.relative_to(FOREIGN)}"
        (target,) = [
            p
            for p in imported_files(migrated)
            if front(p)["imported_from"]["path"] == relative  # type: ignore[index]
        ]
        kept = words(target.read_text(encoding="utf-8"))
        lost = words(source.read_text(encoding="utf-8"), keys=False) - kept
        assert lost == set(), f"{relative}: {sorted(lost)}"


def test_body_action_items_reach_the_exports(migrated: Path) -> None:
    exported = json.loads((migrated / "site" / "action-items.json").read_text(encoding="utf-8"))
    assert len(exported["items"]) == BODY_ITEMS
    titles = {item["title"] for item in exported["items"]}
    assert "Rate-limit queries per client on the resolvers" in titles  # a table row
    assert "Alert on zero-result search rate above 10%" in titles  # a plain bullet
    unowned = [item for item in exported["items"] if item["owner"] is None]
    assert len(unowned) == 1  # kept, with its gap listed, never dropped


def test_the_site_marks_imported_postmortems_and_lists_their_gaps(migrated: Path) -> None:
    site = migrated / "site"
    for path in imported_files(migrated):
        html = page(site, f"postmortems/{path.stem}")
        assert '<span class="pm-badge pm-imported">imported</span>' in html, path.name
        assert "by <code>postmortem import</code>" in html
    dns = page(site, "postmortems/2024-11-02-internal-dns-resolver-outage")
    assert "Fields kept from the original" in dns and "7f3c2a91-postmortems" in dns
    attention = page(site, "needs-attention")
    section = attention[attention.index('id="imported-postmortems"') :]
    assert "5 postmortems brought in with <code>postmortem import</code>, 5 with gaps" in section
    for path in imported_files(migrated):
        assert f"{path.stem}/" in section, path.name
    assert "required field &#x27;severity&#x27; is missing" in section


def test_a_second_import_changes_nothing(migrated: Path) -> None:
    before = snapshot(migrated / "postmortems")
    result = postmortem(migrated, "import", "old", "--into", "postmortems")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "5 already imported"
    assert snapshot(migrated / "postmortems") == before


def test_what_import_reads_from_each_shape(migrated: Path) -> None:
    by_source = {
        str(front(p)["imported_from"]["path"]): (p.name, front(p))  # type: ignore[index]
        for p in imported_files(migrated)
    }
    name, wiki = by_source["old/wiki/checkout-latency.md"]
    # "Incident date: March 4, 2025" beats the export's earlier "April 2, 2025"
    assert name == "2025-03-04-checkout-latency-after-the-cache-cluster-resize.md"
    started = wiki["incident"]["started"]  # type: ignore[index]
    assert started.isoformat() == "2025-03-04T09:12:00+00:00"  # the table header says UTC
    _, notion = by_source["old/notion/2024-11-02-dns-resolver.md"]
    assert (notion["severity"], notion["services"], notion["authors"]) == (
        "SEV1",
        ["dns"],
        ["priya"],
    )
    assert notion["imported_fields"] == {
        "Status": "Reviewed",
        "Notion-ID": "7f3c2a91-postmortems",
        "Last edited by": "marco",
    }
    _, jekyll = by_source["old/jekyll/payments-double-charge.md"]
    assert (jekyll["severity"], jekyll["services"]) == ("SEV2", ["payments-api"])
    assert jekyll["imported_fields"]["services"] == ["ledger"]  # type: ignore[index]
    first = jekyll["action_items"][0]  # type: ignore[index]
    assert first == {  # "- [x] Send ... request (li.wei, due 2025-01-24)"
        "id": "AI-1",
        "title": "Send an idempotency key with every charge request",
        "owner": "li.wei",
        "due": dt.date(2025, 1, 24),
        "status": "done",
    }
    _, hugo = by_source["old/hugo/search-index-rebuild.md"]
    assert (hugo["services"], hugo["causes"]) == (["search"], ["data-corruption"])
    assert hugo["imported_fields"] == {"draft": False, "weight": 40}
