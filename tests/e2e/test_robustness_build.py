"""Hostile and broken input (issue 7) through real MkDocs + Material builds.

A non-strict build renders every postmortem, lists the broken ones on the needs-attention
page and logs each problem with file:line; a strict build aborts. Nothing from front matter
or file names runs as script in any page or export, and nothing is written outside
``site/``. The cases (``CASES`` in ``helpers.py``) are those of ``check/test_robustness.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from mkdocs.exceptions import Abort

from helpers import (
    BY_NAME,
    CASES,
    DAY,
    GENERATOR,
    HOSTILE,
    PAGE,
    SECRET,
    VALID,
    Case,
    Folder,
    Link,
    build_site,
    case_paths,
    make_site,
    page,
    wait_for,
    write_repository,
)

TODAY = "1795737600"  # 2026-11-27
BUILT = [case for case in CASES if case.name != "html-name"]  # that one: see below
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "srcset",
    "background",
    "cite",
    "content",
}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "frame", "frameset", "applet", "base"}
BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data|file):", re.IGNORECASE)


# --- building -----------------------------------------------------------------------------


class Records(logging.Handler):
    """Collect the build's log records (the `mkdocs` logger tree, as --strict counts)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, level: int = logging.WARNING) -> list[str]:
        """Messages at ``level`` or above."""
        return [r.getMessage() for r in self.records if r.levelno >= level]


@dataclass
class Built:
    """A built fixture site: its root, site folder, log, and the tree around it before."""

    root: Path
    site: Path
    log: Records
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    aborted: bool = False


def snapshot(base: Path, *skip: Path) -> dict[str, str]:
    """Every entry below ``base`` except those in ``skip``: kind and content hash or link
    target."""
    tree: dict[str, str] = {}
    for path in sorted(base.rglob("*")):
        if set(skip) & {path, *path.parents}:
            continue
        key = path.relative_to(base).as_posix()
        if path.is_symlink():
            tree[key] = "link:" + str(path.readlink())
        elif path.is_dir():
            tree[key] = "dir"
        else:
            tree[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return tree


def build_cases(base: Path, cases: list[Case], *, strict: bool) -> Built:
    """Write a site holding ``cases`` below ``base/kb`` and build it."""
    root = base / "kb"
    config = make_site(root, {})
    write_repository(root, base / "outside", cases)
    site = root / "site"
    built = Built(root, site, Records(), before=snapshot(base, site, root / ".cache"))
    logger = logging.getLogger(GENERATOR)
    logger.addHandler(built.log)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SOURCE_DATE_EPOCH", TODAY)
            patch.setenv("NO_MKDOCS_2_WARNING", "1")
            try:
                build_site(config, site, strict=strict)
            except Abort:
                built.aborted = True
    finally:
        logger.removeHandler(built.log)
    built.after = snapshot(base, site, root / ".cache")  # the site and the check cache
    return built


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every case of test_robustness (but html-name), built once, not strict."""
    return build_cases(tmp_path_factory.mktemp("robust-build"), BUILT, strict=False)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A benign site with the same configuration: the scripts Material itself puts in pages."""
    root = tmp_path_factory.mktemp("baseline")
    config = make_site(root, {f"{DAY}-failover.md": VALID.format(title="Failover", status="draft")})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "site", strict=False)
    return root / "site"


@pytest.fixture(scope="module")
def exports(built: Built) -> dict[str, Any]:
    """The machine exports of the build (a 1 MB title makes a 1 MB CSV cell)."""
    csv.field_size_limit(sys.maxsize)
    return {
        "postmortems": json.loads((built.site / "postmortems.json").read_text("utf-8")),
        "items": json.loads((built.site / "action-items.json").read_text("utf-8")),
        "csv": list(csv.reader(io.StringIO((built.site / "action-items.csv").read_text("utf-8")))),
    }


def record_of(exports: dict[str, Any], source: str) -> dict[str, Any]:
    """The postmortems.json record of a source file."""
    for record in exports["postmortems"]["postmortems"]:
        if record["source"] == source:
            result: dict[str, Any] = record
            return result
    raise AssertionError(f"{source} is not in postmortems.json")


def postmortem_files(case: Case) -> list[str]:
    """The case's postmortems (files, links to files), relative to the site root."""
    files = []
    for relative in case_paths(case):
        content = _content(case, relative)
        if isinstance(content, Folder) or (
            isinstance(content, Link) and not content.target.endswith(".md")
        ):
            continue
        files.append(f"postmortems/{relative}")
    return files


def _content(case: Case, relative: str) -> Any:
    content: Any = Folder(dict(case.files))
    for part in relative.split("/")[1:]:
        content = content.files[part]
    return content


# --- scanning HTML ------------------------------------------------------------------------


class Scanner(HTMLParser):
    """Collect scripts, event-handler attributes, URLs with bad schemes and forbidden tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.problems: list[str] = []
        self.links: list[str] = []
        self._script: list[str] | None = None
        self._script_src: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value:
                plain = re.sub(r"[\s\x00-\x1f]", "", value)
                if BAD_SCHEME.match(plain) and not (tag == "meta" and name == "content"):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if tag == "a" and name == "href" and value:
                self.links.append(value)
        if tag in FORBIDDEN_TAGS or (tag == "meta" and ("http-equiv", "refresh") in attrs):
            self.problems.append(f"<{tag} {attrs!r}>")
        if tag == "script":
            self._script = []
            self._script_src = dict(attrs).get("src")

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            source = self._script_src
            self.scripts.append(
                f"src={normalize(source)}" if source else normalize("".join(self._script))
            )
            self._script = None


def normalize(script: str) -> str:
    """Drop what differs from page to page in Material's own scripts: relative paths."""
    return re.sub(r"(?:\.\./)+|\.\.(?=[\"/])|\"\.\"", "REL/", script)


def scan(site: Path) -> dict[Path, Scanner]:
    """Scan every HTML file of a site."""
    scanned = {}
    for file in sorted(site.rglob("*.html")):
        scanner = Scanner()
        scanner.feed(file.read_text(encoding="utf-8"))
        scanned[file] = scanner
    return scanned


def allowed_scripts(baseline: Path) -> set[str]:
    """The scripts of the benign site."""
    return {script for scanner in scan(baseline).values() for script in scanner.scripts}


def assert_nothing_runs(site: Path, baseline: Path) -> None:
    """No script, handler or script URL in any page that the benign site does not have."""
    allowed = allowed_scripts(baseline)
    assert allowed, "the baseline has Material's scripts"
    problems = []
    for file, scanner in scan(site).items():
        where = file.relative_to(site).as_posix()
        problems += [f"{where}: {problem}" for problem in scanner.problems]
        problems += [f"{where}: script {s[:120]!r}" for s in scanner.scripts if s not in allowed]
    assert problems == []


# --- the non-strict build -----------------------------------------------------------------


def test_build_completes_and_writes_nothing_outside_site(built: Built) -> None:
    assert not built.aborted
    assert built.before == built.after  # sources untouched, nothing new outside site/
    assert (built.site / "index.html").is_file()


def test_nothing_outside_the_repository_reaches_the_site(built: Built) -> None:
    for file in built.site.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file


@pytest.mark.parametrize("case", BUILT, ids=[c.name for c in BUILT])
def test_every_postmortem_has_a_page(built: Built, exports: dict[str, Any], case: Case) -> None:
    for source in postmortem_files(case):
        record = record_of(exports, source)
        assert (built.site / record["url"] / "index.html").is_file(), record["url"]


@pytest.mark.parametrize("case", BUILT, ids=[c.name for c in BUILT])
def test_broken_postmortems_are_listed_on_needs_attention(
    built: Built, exports: dict[str, Any], case: Case
) -> None:
    attention = page(built.site, "needs-attention")
    broken = {f"postmortems/{case.name}/{e.file}" for e in case.expect}
    for source in postmortem_files(case):
        link = f'href="../{record_of(exports, source)["url"]}"'
        listed = link in attention
        assert listed == (source in broken), (source, listed)


@pytest.mark.parametrize(
    "case", [c for c in BUILT if c.expect], ids=[c.name for c in BUILT if c.expect]
)
def test_build_log_has_file_and_line_of_each_problem(built: Built, case: Case) -> None:
    log = built.log.lines(logging.WARNING)
    for expect in case.expect:
        location = f"postmortems/{case.name}/{expect.file}:{expect.line}:"
        rules = expect.rule.split("|")
        assert any(location in line and any(r in line for r in rules) for line in log), (
            location,
            rules,
        )


def test_broken_page_shows_its_problems_and_its_body(built: Built, exports: dict[str, Any]) -> None:
    record = record_of(exports, f"postmortems/yaml-syntax/{DAY}-yaml-syntax.md")
    html = page(built.site, record["url"])
    assert "yaml-syntax" in html
    assert "The alert fired within five minutes." in html  # the body is still published


def test_folder_named_like_a_postmortem_is_logged(built: Built, exports: dict[str, Any]) -> None:
    folder = f"postmortems/folder-named-md/{DAY}-folder.md"
    assert any(folder + ":1:1: unreadable-file" in line for line in built.log.lines())
    inside = record_of(exports, f"{folder}/{DAY}-inside-folder.md")
    assert (built.site / inside["url"] / "index.html").is_file()


def test_related_cycle_pages_link_each_other(built: Built, exports: dict[str, Any]) -> None:
    a = record_of(exports, f"postmortems/related-cycle/{DAY}-cycle-a.md")
    b = record_of(exports, f"postmortems/related-cycle/{DAY}-cycle-b.md")
    assert f'href="../{DAY}-cycle-b/"' in page(built.site, a["url"])
    assert f'href="../{DAY}-cycle-a/"' in page(built.site, b["url"])
    assert a["related"][0] == f"{DAY}-cycle-b" and b["related"][0] == f"{DAY}-cycle-a"
    assert a["referenced_by"] == [f"{DAY}-cycle-b"] and b["referenced_by"] == [f"{DAY}-cycle-a"]


def test_internal_links_resolve(built: Built) -> None:
    """Slugs made from hostile values, look-alikes and colliding names all lead to pages."""
    broken = []
    for file, scanner in scan(built.site).items():
        for href in scanner.links:
            target = href.split("#")[0].split("?")[0]  # filters: ?cause=... on a page
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:|^/", target, re.I):  # 404.html
                continue
            resolved = (file.parent / target).resolve()
            if not (resolved.is_file() or (resolved / "index.html").is_file()):
                broken.append(f"{file.relative_to(built.site)} -> {href}")
    assert broken == [], "\n".join(broken)


def test_values_that_slug_the_same_get_their_own_pages(built: Built) -> None:
    html = page(built.site, "services")
    hrefs = set(re.findall(r'href="(?:\.\./services/)?([^"#]+)/"', html))
    for slug in ("checkout", "checkout-2", "check-out", "check-out-2", "a-b", "a-b-2", "index-2"):
        assert slug in hrefs, slug
    assert any(line.endswith(")") and "slug-collision" in line for line in built.log.lines())


# --- nothing runs -------------------------------------------------------------------------


def test_no_script_from_content_in_any_page(built: Built, baseline: Path) -> None:
    assert_nothing_runs(built.site, baseline)


def test_hostile_values_are_shown_as_text(built: Built, exports: dict[str, Any]) -> None:
    record = record_of(exports, f"postmortems/hostile-values/{DAY}-hostile-values.md")
    html = page(built.site, record["url"])
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html
    assert "[click](javascript:alert(1))" in html  # shown, not a link
    assert "<title>&lt;script&gt;" in html  # the theme's <title> is escaped once, not twice
    assert "&amp;lt;script" not in html.split("<body", 1)[0]


def test_non_http_links_never_become_hrefs(built: Built, exports: dict[str, Any]) -> None:
    for name in ("link-schemes", "hostile-values"):
        case = BY_NAME[name]
        record = record_of(exports, f"postmortems/{name}/{next(iter(case.files))}")
        html = page(built.site, record["url"])
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert not [h for h in hrefs if BAD_SCHEME.match(h) or h.startswith("//evil")]
        assert "javascript:alert(1)" in html  # shown as text


def test_exports_keep_values_verbatim_and_csv_cells_inert(exports: dict[str, Any]) -> None:
    record = record_of(exports, f"postmortems/hostile-values/{DAY}-hostile-values.md")
    assert record["services"][: len(HOSTILE)] == HOSTILE
    items = [i for i in exports["items"]["items"] if i["postmortem"] == record["id"]]
    assert sorted(i["title"] for i in items) == sorted(HOSTILE)
    header, *rows = exports["csv"]
    assert header[0] == "postmortem"
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
    assert any(cell == "'" + HOSTILE[-1] for row in rows for cell in row)


# --- strict builds ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every case at once, strict."""
    quick = [case for case in BUILT if not case.slow]
    return build_cases(tmp_path_factory.mktemp("robust-strict"), quick, strict=True)


def test_strict_build_aborts_with_every_problem_in_the_log(strict: Built) -> None:
    assert strict.aborted
    log = strict.log.lines(logging.WARNING)
    for case in BUILT:
        for expect in case.expect:
            location = f"postmortems/{case.name}/{expect.file}:{expect.line}:"
            assert any(location in line for line in log), location
    assert strict.before == strict.after


@pytest.mark.parametrize(
    "name",
    [
        "yaml-syntax",
        "billion-laughs",
        "not-utf8",
        "huge-file",
        "norway-severity",
        "related-missing",
        "link-outside",
        "folder-named-md",
    ],
)
def test_one_broken_file_aborts_a_strict_build(tmp_path: Path, name: str) -> None:
    case = BY_NAME[name]
    result = build_cases(tmp_path, [case], strict=True)
    assert result.aborted
    [expect, *_] = case.expect
    location = f"postmortems/{name}/{expect.file}:{expect.line}:"
    assert any(location in line for line in result.log.lines()), result.log.lines()


def test_clean_cases_build_strict(tmp_path: Path) -> None:
    clean = [c for c in BUILT if not c.expect and not c.slow]
    assert len(clean) >= 8
    result = build_cases(tmp_path, clean, strict=True)
    assert not result.aborted, result.log.lines()


# --- file names that try to become HTML ---------------------------------------------------


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The html-name case: file names with quotes and tags, in a site with edit links."""
    return build_cases(tmp_path_factory.mktemp("html-names"), [BY_NAME["html-name"]], strict=False)


def test_hostile_file_names_are_rendered(named: Built) -> None:
    exported = json.loads((named.site / "postmortems.json").read_text("utf-8"))
    urls = sorted(r["url"] for r in exported["postmortems"])
    assert urls == [
        f"postmortems/{DAY}-x-onmouseover-alert-1-y/",
        "postmortems/img-src-x-onerror-alert-2/",
    ]
    for url in urls:
        assert (named.site / url / "index.html").is_file()
    attention = page(named.site, "needs-attention")
    assert all(f'href="../{url}"' in attention for url in urls)
    assert named.before == named.after


def test_hostile_file_names_do_not_run_as_script(named: Built, baseline: Path) -> None:
    assert_nothing_runs(named.site, baseline)


def test_multiline_action_item_title_does_not_crash_the_build(tmp_path: Path) -> None:
    multiline = VALID.format(title="Multiline", status="published").replace(
        "title: Block failover while replica lag exceeds 30 s",
        'title: "Fix it\\nthe engineer failed to check"',
    )
    config = make_site(tmp_path, {f"{DAY}-multiline.md": multiline})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY)
        build_site(config, tmp_path / "site", strict=False)
    assert "failed-to" in page(tmp_path / "site", f"postmortems/{DAY}-multiline")


# --- action-item anchors --------------------------------------------------------------------


def test_action_items_whose_ids_slug_the_same_are_reported(tmp_path: Path) -> None:
    """'AI-1' and 'AI 1' would share the anchor #ai-1: a finding, or distinct anchors."""
    text = VALID.format(title="Anchors", status="published").replace("  - id: AI-2", "  - id: AI 1")
    config = make_site(tmp_path, {f"{DAY}-anchors.md": text})
    records = Records()
    logging.getLogger(GENERATOR).addHandler(records)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SOURCE_DATE_EPOCH", TODAY)
            build_site(config, tmp_path / "site", strict=False)
    finally:
        logging.getLogger(GENERATOR).removeHandler(records)
    html = page(tmp_path / "site", f"postmortems/{DAY}-anchors")
    ids = re.findall(r'<span id="([^"]+)"></span>', html)
    reported = any("duplicate-action-item-id" in line for line in records.lines())
    assert reported or len(ids) == len(set(ids)), ids


# --- mkdocs serve and editors' ways of saving ------------------------------------------------


def test_serve_survives_truncated_and_half_written_saves(
    served_site: tuple[str, Path],
) -> None:
    """Editors truncate, write in pieces, or replace the file by a rename: the server lives."""
    base, source = served_site
    wait_for(base + PAGE, "First title")
    original = source.read_bytes()
    source.write_bytes(b"")  # truncated before the new content is written
    wait_for(base + PAGE, "no-front-matter")
    cut = original.index("—".encode()) + 1  # stop inside a multi-byte character
    source.write_bytes(original[:cut])
    wait_for(base + PAGE, "not-utf8")
    replacement = source.with_name(".tmp-save")
    replacement.write_bytes(original.replace(b"First title", b"Saved by rename"))
    replacement.replace(source)  # an atomic save
    wait_for(base + PAGE, "Saved by rename")
