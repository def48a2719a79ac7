"""The check cache: it never changes a result, never trusts an entry, and is shared.

Builds run as `mkdocs build` in fresh processes; checks run the real `check_file` over
real files. Entries are damaged on disk the ways a crash, a concurrent writer or a
hostile commit would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import (
    CHECK_DAY,
    PM_ID,
    REPO,
    VALID_FRONT_MATTER,
    build_site,
    generator_command,
    postmortem_text,
    run_check,
    site_files,
    write_postmortem,
)
from postmortem_kb import cli
from postmortem_kb.archive import archive as archive_module
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.cache import PACK, PACKAGE, CheckCache, code_digest
from postmortem_kb.check.language.roster import git_roster
from postmortem_kb.model.settings import Settings

EPOCH = "1795737600"  # 2026-11-27
CACHE = Path(".cache/plugin/postmortems")


def entries(root: Path) -> dict[str, bytes]:
    """The cache entries below ``root``, by key."""
    pack = root / CACHE / PACK
    lines = pack.read_bytes().split(b"\n") if pack.exists() else []
    return {
        key.decode(): entry for key, _, entry in (line.partition(b" ") for line in lines) if key
    }


def store(root: Path, key: str, entry: bytes) -> None:
    """Replace the entry of ``key`` in the pack (as a crash or a hostile commit would)."""
    stored = {**entries(root), key: entry}
    (root / CACHE / PACK).write_bytes(
        b"".join(k.encode() + b" " + v + b"\n" for k, v in stored.items())
    )


def mkdocs_build(config: Path, site: Path) -> str:
    """`mkdocs build --strict` in a fresh process; returns its log."""
    result = subprocess.run(
        generator_command("build", "-q", "-f", str(config), "-d", str(site)),
        cwd=config.parent,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def sample_copy(tmp_path: Path, options: str = "") -> Path:
    """The repository's sample archive and configuration, copied; plugin options added."""
    root = tmp_path / "kb"
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "postmortems", root / "postmortems")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    if options:
        config = config.replace("  - postmortems:\n", f"  - postmortems:\n{options}", 1)
        assert options in config
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    # Timestamps without an offset, read in the configured zone: their zone goes through the
    # cache as an offset.
    naive = postmortem_text().replace("T09:00:00Z", "T09:00:00")
    # ... written by people of the sample's teams.yml.
    naive = naive.replace("participants:\n- bob\n- carol\n", "participants:\n- priya\n")
    assert "- priya" in naive
    (root / "postmortems" / "2026-03-14-naive-times.md").write_text(naive, encoding="utf-8")
    return root


def test_builds_are_byte_identical_without_cache_cold_and_warm(tmp_path: Path) -> None:
    root = sample_copy(tmp_path, "      timezone: Europe/Berlin\n")
    config = root / "mkdocs.yml"
    mkdocs_build(config, tmp_path / "cold")
    written = entries(root)
    assert len(written) == len(list((root / "postmortems").glob("*.md")))
    mkdocs_build(config, tmp_path / "warm")
    assert entries(root) == written  # nothing rewritten: every file came from the cache
    off = config.read_text().replace("      timezone:", "      cache: false\n      timezone:")
    config.write_text(off)
    shutil.rmtree(root / ".cache")
    mkdocs_build(config, tmp_path / "off")
    assert not (root / ".cache").exists()
    cold, warm, uncached = (site_files(tmp_path / name) for name in ("cold", "warm", "off"))
    assert sorted(cold) == sorted(warm) == sorted(uncached)
    assert [name for name in cold if not cold[name] == warm[name] == uncached[name]] == []


@pytest.fixture
def cached(tmp_path: Path) -> tuple[Path, Path]:
    """A checked archive of one postmortem with blame, its cache folder filled."""
    text = postmortem_text().replace("## Impact\n", "## Impact\n\nBob forgot to renew it.\n")
    path = write_postmortem(tmp_path, text=text)
    settings = Settings()
    load_archive(tmp_path / "postmortems", tmp_path, settings, cache=cache_of(tmp_path))
    return tmp_path, path


def cache_of(root: Path) -> CheckCache:
    return CheckCache(root / CACHE, Settings())


def findings_of(root: Path) -> list[tuple[str, int, int, str, str]]:
    settings = Settings()
    archive = load_archive(
        root / "postmortems", root, settings, cache=cache_of(root), today=CHECK_DAY
    )
    return [(f.path, f.line, f.column, f.rule, f.message) for f in archive.findings()]


def damage(entry: bytes, how: str, other: bytes) -> bytes:
    data = json.loads(entry)
    if how == "truncated":
        return entry[: len(entry) // 2]
    if how == "garbage":
        return b"\x80\x04\x95 not json, perhaps a pickle"
    if how == "empty":
        return b""
    if how == "foreign":  # a valid entry, of another file
        return other
    if how == "old-format":
        data["format"] = 0
    elif how == "wrong-type":
        data["findings"][0][0] = "1"
    elif how == "bad-meta":
        data["meta"]["status"] = "closed"
    elif how == "bad-level":
        data["findings"][0][3] = "fatal"
    elif how == "not-a-mapping":
        return b"[1, 2, 3]"
    elif how == "bad-owners":  # an item index that is not a number
        data["owners"] = [["0", "team-db"]]
    elif how == "no-people":  # an entry of the format before owners, authors, participants
        for key in ("owners", "authors", "participants"):
            del data[key]
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "how",
    [
        "truncated",
        "garbage",
        "empty",
        "foreign",
        "old-format",
        "wrong-type",
        "bad-meta",
        "bad-level",
        "not-a-mapping",
        "bad-owners",
        "no-people",
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(cached: tuple[Path, Path], how: str) -> None:
    root, path = cached
    expected = findings_of(root)
    assert expected  # the blaming sentence
    other = write_postmortem(root, pm_id="2026-03-15-other")
    findings_of(root)  # caches the other file too
    name = name_of(root, path)
    entry, other_entry = entries(root)[name], entries(root)[name_of(root, other)]
    store(root, name, damage(entry, how, other_entry))
    assert [f for f in findings_of(root) if PM_ID in f[0]] == expected
    assert entries(root)[name] == entry  # rewritten as it was


def name_of(root: Path, path: Path) -> str:
    """The cache key of a postmortem file."""
    return cache_of(root).key(path.name, path.read_bytes())


def test_entries_are_keyed_by_content_name_and_settings(cached: tuple[Path, Path]) -> None:
    root, path = cached
    before = set(entries(root))
    assert before == {name_of(root, path)}
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    findings_of(root)
    assert set(entries(root)) == {name_of(root, path)} != before  # the old entry is dropped
    other = write_postmortem(root, pm_id="2026-03-15-other")
    settings = Settings()
    load_archive(root / "postmortems", root, settings, [other], cache=cache_of(root))
    assert set(entries(root)) == {name_of(root, path), name_of(root, other)}  # none dropped
    stricter = Settings.from_options({"rules": {"unknown-key": "error"}})
    assert CheckCache(root / CACHE, stricter).key(path.name, b"x") != cache_of(root).key(
        path.name, b"x"
    )
    assert cache_of(root).key("a.md", b"x") != cache_of(root).key("b.md", b"x")


def test_cross_file_rules_never_come_from_the_cache(tmp_path: Path) -> None:
    """A catalog or a related id changes findings of a file whose entry is cached."""
    text = postmortem_text(front_matter=VALID_FRONT_MATTER.replace("related: []", "related: [x]"))
    write_postmortem(tmp_path, text=text)
    assert [f[3] for f in findings_of(tmp_path)] == ["unknown-related"]
    cached_entries = entries(tmp_path)
    write_postmortem(tmp_path, pm_id="x")
    (tmp_path / "postmortems" / "services.yml").write_text("- id: checkout\n")
    found = [f for f in findings_of(tmp_path) if PM_ID in f[0]]
    assert [f[3] for f in found] == ["unknown-service"]  # payments-api is not in the catalog
    assert set(cached_entries) <= set(entries(tmp_path))  # the file itself came from the cache
    uncached = [(f.path, f.line, f.column, f.rule, f.message) for f in run_check(tmp_path)]
    assert [f for f in uncached if PM_ID in f[0]] == found  # positions read back exactly


def test_cross_file_rules_of_a_partly_invalid_file_come_through_the_cache(
    tmp_path: Path,
) -> None:
    """A file with an invalid field has no model (meta is None) but its related ids,
    services and causes are kept in its entry, so cross-file rules still run when cached."""
    front_matter = VALID_FRONT_MATTER.replace("status: published", "status: done")
    text = postmortem_text(front_matter=front_matter.replace("related: []", "related: [x]"))
    write_postmortem(tmp_path, text=text)
    (tmp_path / "postmortems" / "causes.yml").write_text("- id: deploy\n")
    cold = findings_of(tmp_path)
    assert [f[3] for f in cold] == ["invalid-value", "unknown-cause", "unknown-related"]
    assert findings_of(tmp_path) == cold  # warm: from the cache
    uncached = [(f.path, f.line, f.column, f.rule, f.message) for f in run_check(tmp_path)]
    assert uncached == cold


def test_people_of_a_file_round_trip_through_the_cache(tmp_path: Path) -> None:
    """Owners (with their item index), authors and participants are kept in the entry, so
    the people rules give the same findings cold, warm and uncached, at the same places,
    also for a file with an invalid field (no model)."""
    second = "  - id: AI-2\n    title: Page on lag\n    owner: carl\n    due: 2026-04-02\n"
    front_matter = (
        VALID_FRONT_MATTER.replace("status: published", "status: done")
        .replace("authors: [alice]", "authors: [alcie]")
        .replace("participants: [bob, carol]", "participants: [bob, db-oncall, crol]")
        .replace("tags: [database]", second + "tags: [database]")
    )
    path = write_postmortem(tmp_path, text=postmortem_text(front_matter=front_matter))
    (tmp_path / "postmortems" / "teams.yml").write_text(
        "teams:\n  team-db:\n    members: [alice, bob, carol]\n    aliases: [db-oncall]\n"
    )
    cold = findings_of(tmp_path)
    assert [f[1:4] for f in cold if f[3].startswith("unknown-")] == [
        (8, 11, "unknown-person"),
        (9, 32, "unknown-person"),
        (27, 12, "unknown-owner"),
    ]
    stored = json.loads(entries(tmp_path)[name_of(tmp_path, path)])
    assert stored["format"] == 4
    assert stored["meta"] is None  # the invalid status: the people come from References
    assert (stored["owners"], stored["authors"], stored["participants"]) == (
        [[0, "team-db"], [1, "carl"]],
        ["alcie"],
        ["bob", "db-oncall", "crol"],
    )
    assert findings_of(tmp_path) == cold  # warm: from the cache
    uncached = [(f.path, f.line, f.column, f.rule, f.message) for f in run_check(tmp_path)]
    assert uncached == cold


def test_forged_positions_cost_only_positions(cached: tuple[Path, Path]) -> None:
    """An entry whose positions are not positions (only a forger writes one) breaks nothing:
    a cross-file finding is put at the start of the front matter."""
    root, path = cached
    name = name_of(root, path)
    data = json.loads(entries(root)[name])
    data["positions"] = '{"keys": "forged"}'
    store(root, name, json.dumps(data).encode())
    (root / "postmortems" / "services.yml").write_text("- id: checkout\n")
    found = [f[1:4] for f in findings_of(root) if f[3] == "unknown-service"]
    assert found == [(1, 1, "unknown-service")]


def test_check_and_build_share_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make build` checks every file once: the build reads what `postmortem check` wrote."""
    root = sample_copy(tmp_path, "      timezone: Europe/Berlin\n")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli.main, ["check"])
    assert result.exit_code == 0, result.output
    written = entries(root)
    assert len(written) == len(list((root / "postmortems").glob("*.md")))
    calls: list[str] = []
    real = archive_module.check_content

    def counted(name: str, *args: object, **kwargs: object) -> object:
        calls.append(name)
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(archive_module, "check_content", counted)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    build_site(root / "mkdocs.yml", tmp_path / "site", strict=False)
    assert calls == []
    assert entries(root) == written


def test_cache_off_and_unwritable_cache(tmp_path: Path) -> None:
    write_postmortem(tmp_path)
    expected = run_check(tmp_path)
    (tmp_path / ".cache").write_text("a file where the cache folder would go")
    assert [(f.path, f.rule) for f in run_check(tmp_path)] == [(f.path, f.rule) for f in expected]
    archive = load_archive(tmp_path / "postmortems", tmp_path, Settings(), cache=cache_of(tmp_path))
    assert archive.findings() == expected  # the cache cannot be written: only slower


def test_a_forged_entry_never_puts_other_text_on_the_page(
    cached: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Someone who can write the cache folder forges an entry with the right key: another
    body and no findings. It is not used; the file is checked again."""
    root, path = cached
    expected = findings_of(root)
    name = name_of(root, path)
    forged = json.loads(entries(root)[name])
    forged["body"] = "\n<script>window.__xss = 1</script>\n"
    forged["findings"] = []
    store(root, name, json.dumps(forged).encode())
    with caplog.at_level("DEBUG", logger="mkdocs.plugins.postmortem_kb.cache"):
        archive = load_archive(root / "postmortems", root, Settings(), cache=cache_of(root))
    assert "<script>" not in archive.postmortems[0].body
    assert [(f.path, f.line, f.column, f.rule, f.message) for f in archive.findings()] == expected
    assert "does not describe this file" in caplog.text


def test_a_corrupt_entry_is_logged_at_debug_level(
    cached: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    root, path = cached
    store(root, name_of(root, path), b'{"format": 3}')
    with caplog.at_level("DEBUG", logger="mkdocs.plugins.postmortem_kb.cache"):
        findings_of(root)
    [record] = [r for r in caplog.records if "cache entry" in r.getMessage()]
    assert record.levelname == "DEBUG"
    assert f"cache entry for postmortems/{PM_ID}.md ignored" in record.getMessage()


def test_entries_of_other_code_never_answer(tmp_path: Path) -> None:
    """The key holds a digest of the package's code and rules: a branch that changes a rule
    (or any other checkout) writes entries this code never reads."""
    same, changed = tmp_path / "same" / "postmortem_kb", tmp_path / "changed" / "postmortem_kb"
    for copy in (same, changed):
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    rules = changed / "check" / "language" / "rules.yml"
    rules.write_text(rules.read_text() + "\n# one more line\n")
    assert code_digest(same) == code_digest(PACKAGE) != code_digest(changed)
    assert code_digest(PACKAGE) in CheckCache(tmp_path, Settings()).salt.decode()


def test_two_builds_at_once_on_one_cache_both_succeed_alike(tmp_path: Path) -> None:
    root = sample_copy(tmp_path)
    config = root / "mkdocs.yml"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    for _round in range(2):  # cold cache, then both reading and writing a warm one
        sites = [tmp_path / f"site-{_round}-{n}" for n in range(2)]
        builds = [
            subprocess.Popen(
                generator_command("build", "-q", "-f", str(config), "-d", str(s)),
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for s in sites
        ]
        for build in builds:
            _out, err = build.communicate(timeout=300)
            assert build.returncode == 0, err[-3000:]
        first, second = (site_files(s) for s in sites)
        assert sorted(first) == sorted(second)
        assert [name for name in first if first[name] != second[name]] == []
    assert entries(root)  # one of them wrote the pack, whole
    assert [p.name for p in (root / CACHE).iterdir() if p.name.endswith(".tmp")] == []


def test_names_read_from_git_are_part_of_the_key(tmp_path: Path) -> None:
    """With roster_from_git, someone's first commit changes results: entries written before
    never answer for the new roster."""
    on = Settings.from_options({"roster_from_git": True})
    names = ",".join(git_roster(str(Path.cwd())))
    assert names  # the tests run in this repository, which has authors
    assert names in CheckCache(tmp_path, on).salt.decode()
    assert names not in CheckCache(tmp_path, Settings()).salt.decode()
