"""Hostile and broken input (issue 7), through ``postmortem check`` and in-process.

Every case of the issue is a folder of files below ``postmortems/<case>/``. The checker must
exit 0, 1 or 2 without a traceback, report every problem as a finding with a file and a
line inside the file, and stay within bounded time and memory. The same cases are built
with MkDocs in ``e2e/test_robustness_build.py``; the cases live in ``helpers.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    BY_NAME,
    CASES,
    DAY,
    FM,
    REPO,
    SECRET,
    TEXT,
    Case,
    Content,
    Expect,
    Folder,
    body,
    case_paths,
    fm,
    q,
    run_check,
    write_repository,
)
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.check.language.rules import language_rules
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.rules import RULES
from postmortem_kb.model.settings import Settings
from postmortem_kb.source.files import Boundary, discover, is_postmortem_name

MEMORY_LIMIT = 1 << 30  # 1 GB of address space for the checker process
TIME_LIMIT = 2.0  # seconds for one hostile file, including interpreter start-up
ENV = {
    "SOURCE_DATE_EPOCH": "1795737600",  # 2026-11-27
    "NO_MKDOCS_2_WARNING": "1",
    "PYTHONIOENCODING": "utf-8",
}
CLI_TODAY = dt.date(2026, 11, 27)  # the day of ENV's SOURCE_DATE_EPOCH


# --- running the checker ------------------------------------------------------------------


def limit_memory() -> None:
    """Run in the child: at most 1 GB of address space, so a blow-up fails fast."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(
    cwd: Path, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m postmortem_kb.cli ARGS`` under the memory limit."""
    return subprocess.run(
        [sys.executable, "-m", "postmortem_kb.cli", *args],
        cwd=cwd,
        env={**os.environ, **ENV, **(env or {})},
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
        preexec_fn=limit_memory,
    )


def assert_clean_exit(result: subprocess.CompletedProcess[str]) -> None:
    """Exit status 0, 1 or 2, and no traceback anywhere."""
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-2000:]
    assert "MemoryError" not in result.stderr


def known_rules() -> set[str]:
    """Every rule id a finding may carry: the rule table and the language rules."""
    return set(RULES) | set(language_rules().ids())


def line_count(path: Path) -> int:
    """Lines of a file as editors count them (a final newline opens one more line)."""
    try:
        data = path.read_bytes()
    except OSError:
        return 1
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return text.count("\n") + 1


def assert_well_formed(finding: dict[str, Any], site: Path) -> None:
    """A finding names a file, a line inside it and a column, and a known rule."""
    assert finding["rule"] in known_rules(), finding
    assert finding["path"], finding
    assert finding["line"] >= 1 and finding["column"] >= 1, finding
    path = site / finding["path"]
    if path.is_file() and not path.is_symlink():
        assert finding["line"] <= line_count(path), finding
    assert finding["level"] in ("error", "warning", "info"), finding


def matches(expect: Expect, case: Case, finding: dict[str, Any]) -> bool:
    """Tell whether ``finding`` is the expected one."""
    return (
        finding["path"] == f"postmortems/{case.name}/{expect.file}"
        and finding["rule"] in expect.rule.split("|")
        and finding["line"] == expect.line
    )


def assert_case(case: Case, findings: list[dict[str, Any]]) -> None:
    """The case's expected findings are there; a case without expectations is clean."""
    prefix = f"postmortems/{case.name}/"
    mine = [f for f in findings if f["path"].startswith(prefix) or f["path"] == prefix[:-1]]
    for expect in case.expect:
        assert any(matches(expect, case, f) for f in mine), (expect, mine)
    if not case.expect:
        assert [f for f in mine if f["level"] != "info"] == [], mine


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository holding every case, and a folder outside it that links point at."""
    base = tmp_path_factory.mktemp("robustness")
    root = base / "kb"
    write_repository(root, base / "outside")
    return root


@pytest.fixture(scope="module")
def archive_run(site: Path) -> subprocess.CompletedProcess[str]:
    """``postmortem check --format json`` over the whole archive, once."""
    return cli(site, "check", "--format", "json", timeout=120)


@pytest.fixture(scope="module")
def archive_findings(archive_run: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The findings of the whole-archive run."""
    findings: list[dict[str, Any]] = json.loads(archive_run.stdout)["findings"]
    return findings


# --- the whole archive at once ------------------------------------------------------------


def test_whole_archive_exits_1_without_traceback(
    archive_run: subprocess.CompletedProcess[str],
) -> None:
    assert_clean_exit(archive_run)
    assert archive_run.returncode == 1
    assert archive_run.stderr == ""


def test_every_finding_has_a_file_a_line_and_a_known_rule(
    site: Path, archive_findings: list[dict[str, Any]]
) -> None:
    assert archive_findings
    for finding in archive_findings:
        assert_well_formed(finding, site)


def test_every_case_file_is_checked_or_reported(
    site: Path, archive_findings: list[dict[str, Any]]
) -> None:
    """Nothing is dropped silently: each file is loaded (it has a page) or has a finding."""
    loaded = {p.relative_to(site).as_posix() for p in discover(site / "postmortems")}
    reported = {f["path"] for f in archive_findings}
    for case in CASES:
        for relative in case_paths(case):
            path = f"postmortems/{relative}"
            if isinstance(_content(case, relative), Folder) and path not in reported:
                continue  # an ordinary folder (id-case/a): its files are the postmortems
            assert path in loaded or path in reported, path


def _content(case: Case, relative: str) -> Content:
    parts = relative.split("/")[1:]
    content: Content = Folder(dict(case.files))
    for part in parts:
        assert isinstance(content, Folder)
        content = content.files[part]
    return content


def test_in_process_check_gives_the_same_findings(
    site: Path, archive_findings: list[dict[str, Any]]
) -> None:
    in_process = [f.as_dict() for f in _sorted(run_check(site, today=CLI_TODAY))]
    assert in_process == archive_findings


def _sorted(findings: list[Finding]) -> list[Finding]:
    from postmortem_kb.model.findings import sort_key

    return sorted(findings, key=sort_key)


def test_text_format_has_one_location_per_finding(site: Path) -> None:
    result = cli(site, "check", timeout=120)
    assert_clean_exit(result)
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"checked \d+ files: \d+ errors?, \d+ warnings?, \d+ notes?", lines[-1])
    location = re.compile(r"^postmortems/.+:\d+:\d+: (error|warning|note|info) [a-z0-9-]+: ")
    for line in lines[:-1]:
        if line.startswith("    hint: "):
            continue
        assert location.match(line), line


def test_nothing_outside_the_repository_is_read(
    site: Path, archive_run: subprocess.CompletedProcess[str]
) -> None:
    assert SECRET not in archive_run.stdout
    assert SECRET not in archive_run.stderr


# --- each case on its own, through the CLI ------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_through_the_cli(site: Path, case: Case) -> None:
    started = time.monotonic()
    result = cli(site, "check", "--format", "json", f"postmortems/{case.name}")
    elapsed = time.monotonic() - started
    assert_clean_exit(result)
    findings = json.loads(result.stdout)["findings"]
    for finding in findings:
        assert_well_formed(finding, site)
    assert_case(case, findings)
    errors = [f for f in findings if f["level"] == "error"]
    assert result.returncode == (1 if errors else 0), findings
    limit = 10 * TIME_LIMIT if case.slow else TIME_LIMIT
    assert elapsed < limit, f"{case.name} took {elapsed:.1f} s"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_in_process(site: Path, case: Case) -> None:
    archive = load_archive(site / "postmortems", site, Settings(), discover(case.folder(site)))
    findings = [f.as_dict() for f in archive.findings()]
    for finding in findings:
        assert_well_formed(finding, site)
    assert_case(case, findings)


# --- bounded time and memory --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "billion-laughs",
        "very-deep-nesting",
        "very-deep-mapping",
        "too-many-values",
        "huge-file",
        "link-device",
    ],
)
def test_hostile_file_is_rejected_quickly_in_bounded_memory(site: Path, name: str) -> None:
    case = BY_NAME[name]
    started = time.monotonic()
    result = cli(site, "check", "--format", "json", f"postmortems/{name}", timeout=30)
    elapsed = time.monotonic() - started
    assert_clean_exit(result)
    assert result.returncode == 1
    assert elapsed < TIME_LIMIT, f"{name} took {elapsed:.2f} s"
    [expect] = case.expect
    findings = json.loads(result.stdout)["findings"]
    assert any(f["rule"] in expect.rule.split("|") for f in findings), findings
    assert all(f["message"] for f in findings)


def test_memory_limit_is_effective(tmp_path: Path) -> None:
    """The 1 GB limit used above really stops a process that tries to use more."""
    result = subprocess.run(
        [sys.executable, "-c", "x = bytearray(2 << 30)"],
        capture_output=True,
        text=True,
        preexec_fn=limit_memory,
        check=False,
        timeout=30,
    )
    assert result.returncode != 0
    assert "MemoryError" in result.stderr


# --- archive discovery --------------------------------------------------------------------


def test_discovery_lists_odd_names_and_reported_entries(site: Path) -> None:
    found = {p.relative_to(site / "postmortems").as_posix() for p in discover(site / "postmortems")}
    assert "bad-name/Bad Name.md" in found
    assert f"folder-named-md/{DAY}-folder.md" in found  # reported, not read
    assert f"folder-named-md/{DAY}-folder.md/{DAY}-inside-folder.md" in found  # still checked
    assert "link-folder-outside/linked" in found  # reported, not followed
    assert not any(p.startswith("link-folder-outside/linked/") for p in found)
    assert f"link-outside/{DAY}-link-outside.md" in found


def test_uppercase_suffix_is_a_postmortem(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / "notes.MD").write_text(TEXT)
    (folder / "README.MD").write_text("# Read me\n")
    assert [p.name for p in discover(folder)] == ["notes.MD"]
    assert is_postmortem_name("x.Md") and not is_postmortem_name("INDEX.MD")


def test_uppercase_suffix_is_an_invalid_id(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / "notes.MD").write_text(TEXT)
    assert [(f.path, f.rule) for f in run_check(tmp_path)] == [
        ("postmortems/notes.MD", "invalid-id")
    ]


def test_links_inside_the_archive_are_followed_once(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    (folder / "2026").mkdir(parents=True)
    (folder / "2026" / f"{DAY}-real.md").write_text(TEXT)
    (folder / "again").symlink_to("2026")  # the same folder twice
    (folder / "self").symlink_to(".")  # a loop
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / f"{DAY}-linked.md").write_text(TEXT)
    (folder / "linked").symlink_to("../elsewhere")  # inside the repository (tmp_path)
    found = [p.relative_to(folder).as_posix() for p in discover(folder)]
    assert found == [f"2026/{DAY}-real.md", f"linked/{DAY}-linked.md"]
    assert run_check(tmp_path) == []


def test_repository_root_is_the_git_work_tree_or_the_parent(tmp_path: Path) -> None:
    (tmp_path / "repo" / "site" / "postmortems").mkdir(parents=True)
    assert Boundary.of(tmp_path / "repo" / "site" / "postmortems").repository == (
        tmp_path / "repo" / "site"
    )
    (tmp_path / "repo" / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git file
    assert Boundary.of(tmp_path / "repo" / "site" / "postmortems").repository == tmp_path / "repo"


def test_archive_folder_that_is_a_link_is_read(tmp_path: Path) -> None:
    """The configured folder itself may be a link; only links below it are checked."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / f"{DAY}-shared.md").write_text(TEXT)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / ".git").mkdir()
    (tmp_path / "site" / "postmortems").symlink_to(tmp_path / "shared")
    archive = load_archive(tmp_path / "site" / "postmortems", tmp_path / "site", Settings())
    assert [pm.id for pm in archive.postmortems] == [f"{DAY}-shared"]
    assert archive.findings() == []


def test_explicit_file_outside_the_repository_is_read(tmp_path: Path) -> None:
    (tmp_path / "site" / "postmortems").mkdir(parents=True)
    (tmp_path / "site" / ".git").mkdir()
    draft = tmp_path / f"{DAY}-draft.md"
    draft.write_text(TEXT)
    result = cli(tmp_path / "site", "check", str(draft))
    assert_clean_exit(result)
    assert result.returncode == 0, result.stdout


def test_explicit_link_outside_the_repository_is_refused(site: Path) -> None:
    result = cli(site, "check", f"postmortems/link-outside/{DAY}-link-outside.md")
    assert_clean_exit(result)
    assert result.returncode == 1
    assert "unreadable-file" in result.stdout and SECRET not in result.stdout


def test_unlistable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "postmortems"
    (folder / "locked").mkdir(parents=True)
    (folder / f"{DAY}-fine.md").write_text(TEXT)
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    findings = run_check(tmp_path)
    assert [(f.path, f.rule) for f in findings] == [("postmortems/locked", "unreadable-file")]
    assert "Permission denied" in findings[0].message


def test_archive_path_that_is_not_a_folder_holds_no_postmortems(tmp_path: Path) -> None:
    (tmp_path / "postmortems").write_text(TEXT)
    assert discover(tmp_path / "postmortems") == []
    assert discover(tmp_path / "missing") == []
    result = cli(tmp_path, "check")
    assert_clean_exit(result)
    assert result.stdout.startswith("checked 0 files")


def test_catalog_link_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (tmp_path / ".git").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "services.yml").write_text(f"- id: {SECRET}\n")
    (folder / "services.yml").symlink_to(outside / "services.yml")
    (folder / "causes.yml").mkdir()
    (folder / f"{DAY}-fine.md").write_text(TEXT)
    findings = run_check(tmp_path)
    catalog = [(f.path, f.rule) for f in findings if f.path.endswith(".yml")]
    assert catalog == [
        ("postmortems/services.yml", "catalog-invalid"),
        ("postmortems/causes.yml", "catalog-invalid"),
    ]
    assert all(SECRET not in f.message for f in findings)


# --- guarantees of the messages -----------------------------------------------------------


def test_messages_never_break_the_line(tmp_path: Path) -> None:
    forged = "x\npostmortems/forged.md:1:1: error forged: \x1b]8;;https://evil.example\x07y"
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / f"{DAY}-forge.md").write_text(fm("related: []", f"related: [{q(forged)}]"))
    result = cli(tmp_path, "check")
    assert_clean_exit(result)
    assert "forged.md" not in "\n".join(
        line for line in result.stdout.splitlines() if not line.startswith("postmortems/2026")
    )
    assert "\x1b" not in result.stdout
    for finding in run_check(tmp_path):
        assert not any(ord(c) < 32 for c in finding.message), finding


def test_findings_of_a_file_without_body_stay_inside_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    file = folder / f"{DAY}-no-body.md"
    file.write_text("---\n" + FM + "---")  # 26 lines, no final newline
    findings = run_check(tmp_path)
    assert findings
    assert all(f.line <= 26 for f in findings), [(f.rule, f.line) for f in findings]


# --- bounded time on adversarial prose (all within the default 1 MB limit) -----------------

ADVERSARIAL = {
    "word": (
        "a" * 200_000 + " was not anyone's fault",
        "rules.yml rule 'fault': (?P<who>[\\w@.-]+)'s fault has no left boundary, so "
        "every start inside a long word rescans it: quadratic (100 KB word: ~56 s)",
    ),
    "comments": (
        "x <!--\n" * 20_000,
        "prose._MASKS: '<!--.*?-->' with DOTALL rescans to the end of the block from every "
        "unclosed '<!--': quadratic (140 KB: ~18 s); same for '</?[A-Za-z][^>\\n]*>', "
        "'\\]\\([^)\\n]*\\)' and the curly quotes on one long line",
    ),
    "tags": (
        "<a" * 100_000,
        "prose._MASKS: '</?[A-Za-z][^>\\n]*>' rescans the line from every unclosed '<a': "
        "quadratic (80 KB: ~4 s)",
    ),
    "directives": (
        "<!-- blameless-ignore:" * 8_000,
        "prose._DIRECTIVE ('(?::(?P<reason>.*?))?\\s*-->' with DOTALL) rescans to the end of "
        "an unclosed HTML comment from every directive: quadratic (177 KB: ~24 s)",
    ),
    "blame": (
        "the engineer failed to " * 10_000,
        "language.check._clause_start and _sentence start at offset 0 when no clause or sentence "
        "end is near, and search forward without bound: each match rescans the block, "
        "quadratic (230 KB: ~54 s)",
    ),
    "headings": (
        "## Heading\n" * 50_000,
        "body.parse_body slices raw[position + 1:] for every heading to find where its "
        "section ends: quadratic in headings (50,000 headings: ~15 s)",
    ),
}


PROSE_TIME_LIMIT = 3.0  # each input was quadratic once (the reasons above); now linear


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_prose_is_checked_in_bounded_time(tmp_path: Path, name: str) -> None:
    extra = ADVERSARIAL[name][0]
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / f"{DAY}-prose.md").write_text(body(extra))
    assert (folder / f"{DAY}-prose.md").stat().st_size < 1024 * 1024  # under max_file_kb
    result = cli(tmp_path, "check", timeout=PROSE_TIME_LIMIT)  # TimeoutExpired fails the test
    assert_clean_exit(result)


def test_long_prose_is_checked_in_bounded_time(tmp_path: Path) -> None:
    """Big but ordinary prose: linear, well within the limit."""
    prose = (
        "The cache kept serving stale pages; the on-call engineer restarted it. " * 6_000
        + "\n\n"
        + "- 09:00 UTC — The deploy starts. <!-- note --> `code` [a](https://x.example)\n" * 4_000
    )
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / f"{DAY}-prose.md").write_text(body(prose))
    assert (folder / f"{DAY}-prose.md").stat().st_size < 1024 * 1024
    started = time.monotonic()
    result = cli(tmp_path, "check", timeout=30)
    assert_clean_exit(result)
    assert time.monotonic() - started < PROSE_TIME_LIMIT


# --- the rule reference -------------------------------------------------------------------


def test_every_rule_seen_here_is_in_the_error_reference(
    archive_findings: list[dict[str, Any]],
) -> None:
    reference = (REPO / "docs" / "reference" / "rules.md").read_text(encoding="utf-8")
    language = (REPO / "docs" / "reference" / "language.md").read_text(encoding="utf-8")
    seen = {f["rule"] for f in archive_findings} | {
        rule for case in CASES for e in case.expect for rule in e.rule.split("|")
    }
    for rule in sorted(seen):
        page = reference if rule in RULES else language
        assert f"`{rule}`" in page, rule
    assert {"unreadable-file", "yaml-alias", "file-too-large", "invalid-id"} <= seen


def test_multiline_action_item_title_is_checked(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    title = "title: Block failover while replica lag exceeds 30 s"
    multiline = 'title: "Fix it\\nthe engineer failed to check the lag"'
    (folder / f"{DAY}-multiline.md").write_text(fm(title, multiline))
    result = cli(tmp_path, "check", "--format", "json")
    assert_clean_exit(result)
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert "failed-to" in rules


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("services: [checkout, payments-api]", "services: [checkout, no]"),
        ("severity: SEV2", "severity: NO"),
        ("- id: AI-1", "- id: 1"),
    ],
)
def test_values_yaml_reads_as_non_strings_get_a_clear_hint(
    tmp_path: Path, old: str, new: str
) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / f"{DAY}-norway.md").write_text(fm(old, new))
    [finding] = run_check(tmp_path)
    assert finding.rule == "invalid-value"
    assert "quote" in f"{finding.message} {finding.suggestion}".lower(), finding


# --- postmortem new: never overwrites, writes atomically -----------------------------------

NEW_ARGS = ("new", "Disk full", "--date", DAY, "--author", "alice", "-s", "search")
NEW_FILE = f"{DAY}-disk-full.md"
# Run `postmortem new` with one function of the scaffold replaced (argv[1] names the hook).
HOOKED_CLI = """
import errno, os, sys
from pathlib import Path
from postmortem_kb import cli
from postmortem_kb.cli import scaffold

hook = sys.argv.pop(1)
name = sys.argv.pop()
render = scaffold.render_new

def appearing(*args, **kwargs):  # another process creates the file after the exists() check
    Path("postmortems", name).write_text("theirs")
    return render(*args, **kwargs)

def no_space(fd):
    raise OSError(errno.ENOSPC, "No space left on device")

def no_links(source, target):
    raise OSError(errno.EPERM, "Operation not permitted")

if hook == "race":
    scaffold.render_new = appearing
elif hook == "full":
    os.fsync = no_space
elif hook == "nolink":
    os.link = no_links
sys.argv = ["postmortem", *sys.argv[1:]]
cli.main()
"""


def hooked_new(cwd: Path, hook: str) -> subprocess.CompletedProcess[str]:
    """Run ``postmortem new`` with ``hook`` applied inside the process."""
    return subprocess.run(
        [sys.executable, "-c", HOOKED_CLI, hook, *NEW_ARGS, NEW_FILE],
        cwd=cwd,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_new_works_on_a_file_system_without_hard_links(tmp_path: Path) -> None:
    (tmp_path / "postmortems").mkdir()
    result = hooked_new(tmp_path, "nolink")
    assert_clean_exit(result)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "postmortems"
    assert [p.name for p in folder.iterdir()] == [NEW_FILE]  # no temporary file left
    assert (folder / NEW_FILE).read_text().startswith("---\ntitle:")


def test_new_never_overwrites_a_file_that_appears_during_the_write(tmp_path: Path) -> None:
    (tmp_path / "postmortems").mkdir()
    result = hooked_new(tmp_path, "race")
    assert_clean_exit(result)
    assert result.returncode == 1
    assert "already exists" in result.stderr
    folder = tmp_path / "postmortems"
    assert (folder / NEW_FILE).read_text() == "theirs"
    assert [p.name for p in folder.iterdir()] == [NEW_FILE]  # no temporary file left


def test_new_race_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from postmortem_kb.cli import scaffold

    render = scaffold.render_new
    target = tmp_path / NEW_FILE

    def appearing(*args: Any, **kwargs: Any) -> str:
        target.write_text("theirs")
        return render(*args, **kwargs)

    monkeypatch.setattr(scaffold, "render_new", appearing)
    with pytest.raises(scaffold.ScaffoldError, match="already exists"):
        scaffold.create_postmortem(tmp_path, "Disk full", dt.date(2026, 3, 14), "SEV4", [], "a")
    assert target.read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == [NEW_FILE]


def test_new_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt
    import errno

    from postmortem_kb.cli import scaffold

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(scaffold.ScaffoldError, match="No space"):
        scaffold.create_postmortem(tmp_path, "Disk full", dt.date(2026, 3, 14), "SEV4", [], "a")
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary file


def test_new_writes_a_complete_file(tmp_path: Path) -> None:
    result = cli(tmp_path, *NEW_ARGS)
    assert_clean_exit(result)
    assert result.returncode == 0
    folder = tmp_path / "postmortems"
    assert [p.name for p in folder.iterdir()] == [NEW_FILE]
    assert (folder / NEW_FILE).read_text().endswith("\n")
    again = cli(tmp_path, *NEW_ARGS)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert [p.name for p in folder.iterdir()] == [NEW_FILE]


@pytest.mark.parametrize("hook", ["full", "folder-is-a-file"])
def test_new_reports_write_failures_without_traceback(tmp_path: Path, hook: str) -> None:
    if hook == "folder-is-a-file":
        (tmp_path / "postmortems").write_text("not a folder")
        result = cli(tmp_path, *NEW_ARGS)
    else:
        (tmp_path / "postmortems").mkdir()
        result = hooked_new(tmp_path, hook)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert result.stderr.startswith("error: ")
    if (tmp_path / "postmortems").is_dir():
        assert list((tmp_path / "postmortems").iterdir()) == []


# --- --changed-since reads the files it selects from ---------------------------------------


def test_changed_since_does_not_read_links_outside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "postmortems").mkdir(parents=True)
    env = {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(tmp_path),
    }

    def git(*args: str) -> None:
        subprocess.run(
            ["git", *args], cwd=repo, env={**os.environ, **env}, check=True, capture_output=True
        )

    git("init", "-q", "-b", "main")
    (repo / "postmortems" / f"{DAY}-zero.md").symlink_to("/dev/zero")
    git("add", "-A")
    git("commit", "-q", "-m", "init")
    (repo / "postmortems" / f"{DAY}-added.md").write_text(TEXT)
    result = cli(repo, "check", "--changed-since", "main", timeout=5, env=env)
    assert_clean_exit(result)
