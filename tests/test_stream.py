"""The background process that loads postmortems and renders the site (``stream``).

Core tests start a real worker process over a plan of a few hundred postmortems and compare
what it sends with what ``load_archive`` gives in this process, also after the worker is
killed. Build tests run real MkDocs builds: a large site built with a worker and pinned to
one core (no worker) must be byte-identical, leave no temporary file and no marker behind;
small sites check heading ids, the garbage collector's freeze and the search index.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

import pytest
from mkdocs.exceptions import Abort

from conftest import postmortem_text, valid_meta
from postmortem_kb.archive.archive import (
    PARALLEL_THRESHOLD,
    ArchivePlan,
    load_archive,
    plan_archive,
)
from postmortem_kb.archive.exports import write_exports
from postmortem_kb.archive.index import build_index
from postmortem_kb.check.postmortem import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.html import Markers
from postmortem_kb.site.renderer import SiteRenderer
from postmortem_kb.site.stream import CHUNK, ArchiveStream, FileSite, SiteJob, usable_cores
from test_reproducible import tree
from test_site import build_site

EPOCH = "1780272000"  # 2026-06-01 00:00 UTC
TODAY = dt.date(2026, 6, 1)
COUNT = PARALLEL_THRESHOLD + 50
CHUNKS = (COUNT + CHUNK - 1) // CHUNK
SERVICES = {
    "billing": "Billing",  # one postmortem only: no related postmortems
    "checkout": "Checkout web flow",
    "payments-api": "Payments API",
    "search": "Product search",
    "identity": "Identity provider",
    "edge": "Edge CDN",
}
CAUSES = {
    "config-change": "Configuration change",
    "capacity": "Capacity exhaustion",
    "dependency": "Third-party dependency",
}
EXPORTS = ("postmortems.json", "action-items.json", "action-items.csv", "postmortems/archive.json")
PAGES_FILE = "postmortem-kb-*.site"
MARKER = b"pmkb-"
DASHBOARD_HOME = "# Home\n\n<!-- postmortems:dashboard -->\n"

# A real MkDocs hook: it records what the plugin did during a build (which site renderer it
# used, where the worker's file was, how many objects were frozen) and, when asked, fails
# the build while a page is written, after the plugin has frozen the archive.
PROBE = """\
import gc
import json
import os


def on_env(env, config, files):
    path = os.environ.get("PMKB_PROBE")
    if path:
        plugin = config.plugins["postmortems"]
        stream = plugin.stream
        record = {
            "site": type(plugin.site).__name__,
            "worker": stream is not None and stream.process is not None,
            "pages_file": None if stream is None or stream.pages_file is None
            else str(stream.pages_file),
        }
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
    return env


def on_post_page(output, page, config):
    path = os.environ.get("PMKB_FROZEN")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{gc.get_freeze_count()}\\n")
    if page.file.src_uri == os.environ.get("PMKB_FAIL_ON"):
        raise RuntimeError("the probe fails this build on purpose")
    return output
"""


def require_two_cores() -> None:
    """Skip where this process may use one core only (no worker then); CI must have two."""
    if usable_cores() > 1:
        return
    if os.environ.get("CI"):  # CI must run these tests: a missing part is a failure there
        pytest.fail("CI must run the background-process tests, but only one core is usable")
    pytest.skip("only one usable core: the build never starts a background process here")


# --- the archive ---------------------------------------------------------------------------


def write_archive(folder: Path, count: int) -> None:
    """``count`` valid postmortems on consecutive days, with catalogs and a few findings."""
    folder.mkdir(parents=True)
    (folder / "services.yml").write_text(
        "".join(f"- id: {key}\n  name: {label}\n" for key, label in SERVICES.items())
    )
    (folder / "causes.yml").write_text(
        "".join(f"- id: {key}\n  name: {label}\n" for key, label in CAUSES.items())
    )
    services, causes = list(SERVICES)[1:], list(CAUSES)
    first = dt.date(2024, 1, 1)
    for number in range(count):
        day = first + dt.timedelta(days=number)
        meta = valid_meta()
        meta["title"] = f"Incident number {number}"
        meta["date"] = day
        meta["services"] = [services[number % len(services)]]
        meta["causes"] = [causes[number % len(causes)]]
        meta["incident"] = {
            key: value.replace("2026-03-14", day.isoformat())
            for key, value in meta["incident"].items()
        }
        meta["review_meeting"] = day + dt.timedelta(days=3)
        item = meta["action_items"][0]
        item["title"] = f"Follow-up task {number}"
        item["owner"] = f"team-{number % 7}"
        item["due"] = day + dt.timedelta(days=20)
        if number % 4 == 0:
            item["status"] = "done"
        if number % 60 == 7:
            meta["related"] = ["2020-01-01-missing"]  # unknown-related
        if number % 90 == 11:
            meta["related"] = [f"{first + dt.timedelta(days=number - 1)}-incident-{number - 1:04d}"]
        if number == 5:
            meta["services"] = ["billing"]
        text = postmortem_text(meta)
        if number % 50 == 3:
            text = text.replace("## Impact", "## Effects")  # missing-section
        if number == 9:
            text = text.replace("title: Incident", "title: [Incident")  # no usable front matter
        name = f"{day.isoformat()}-incident-{number:04d}.md"
        if number == 13:
            name = f"{day.isoformat()} Incident {number}.md"  # invalid-id; slugified page name
        (folder / name).write_text(text)


def write_config(root: Path, *, extra: str = "") -> Path:
    """A Material site with search, the plugin and the probe hook; ``docs/`` must exist."""
    (root / "probe.py").write_text(PROBE)
    config = textwrap.dedent(
        """\
        site_name: Test
        theme:
          name: material
        plugins:
          - search
          - postmortems
        hooks:
          - probe.py
        nav:
          - Home: index.md
          - Postmortems: postmortems/index.md
        """
    )
    (root / "mkdocs.yml").write_text(config + extra)
    return root / "mkdocs.yml"


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of ``COUNT`` postmortems with catalogs and a dashboard; sources only."""
    root = tmp_path_factory.mktemp("big")
    write_archive(root / "postmortems", COUNT)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text(DASHBOARD_HOME)
    write_config(root)
    return root


@pytest.fixture(scope="module")
def big_plan(big_site: Path) -> ArchivePlan:
    return plan_archive(big_site / "postmortems", big_site, Settings())


@pytest.fixture(scope="module")
def expected(big_site: Path) -> list[tuple[Any, ...]]:
    """The archive as ``load_archive`` gives it in this process."""
    archive = load_archive(big_site / "postmortems", big_site, Settings())
    rules = {finding.rule for finding in archive.findings()}
    assert {"missing-section", "unknown-related", "yaml-syntax", "invalid-id"} <= rules
    assert sum(pm.meta is None for pm in archive.postmortems) == 1
    return summary(archive.postmortems)


def summary(postmortems: list[Postmortem]) -> list[tuple[Any, ...]]:
    """What a postmortem is made of, comparable between processes."""
    return [
        (
            pm.id,
            pm.slug,
            pm.path,
            [(finding.rule, finding.line) for finding in pm.findings],
            pm.findings,
            None if pm.meta is None else pm.meta.model_dump(),
            pm.body,
            pm.body_line,
        )
        for pm in postmortems
    ]


StartStream = Callable[..., ArchiveStream]


@pytest.fixture
def stream_of() -> Iterator[StartStream]:
    """Start streams over a plan; every stream is closed at the end of the test."""
    streams: list[ArchiveStream] = []

    def start(plan: ArchivePlan, job: SiteJob | None = None) -> ArchiveStream:
        stream = ArchiveStream(plan, Settings(), job)
        streams.append(stream)
        return stream

    yield start
    for stream in streams:
        stream.close()


# --- core: the stream against load_archive --------------------------------------------------


def test_stream_gives_the_same_postmortems_as_load_archive(
    big_plan: ArchivePlan, expected: list[tuple[Any, ...]], stream_of: StartStream
) -> None:
    """Chunks loaded here and by the worker come back in plan order, each loaded once."""
    require_two_cores()
    assert len(big_plan.files) == COUNT
    stream = stream_of(big_plan)
    assert stream.process is not None, "no background process was started"
    archive = stream.archive()
    assert summary(archive.postmortems) == expected
    assert stream.received.isdisjoint(stream.mine)
    assert stream.received | stream.mine == set(range(CHUNKS))


def test_postmortems_loaded_by_the_worker_alone_are_complete(
    big_plan: ArchivePlan, expected: list[tuple[Any, ...]], stream_of: StartStream
) -> None:
    """Without a site job, waiting for the worker lets it load (and send) every chunk."""
    require_two_cores()
    stream = stream_of(big_plan)
    assert stream.process is not None, "no background process was started"
    assert stream.exports_written() is False  # no job: nothing written; waits for the end
    assert stream.process is None  # it finished
    assert stream.received == set(range(CHUNKS))
    assert stream.mine == set()
    assert summary(stream.archive().postmortems) == expected


@pytest.mark.parametrize("read_first", [0, 5 * CHUNK + 3])
def test_killed_worker_leaves_every_postmortem_to_this_process(
    big_plan: ArchivePlan, expected: list[tuple[Any, ...]], stream_of: StartStream, read_first: int
) -> None:
    """Killed right after start, or after a few chunks were read: nothing is missing."""
    require_two_cores()
    stream = stream_of(big_plan)
    process = stream.process
    assert process is not None, "no background process was started"
    first = [stream.get(position) for position in range(read_first)]
    process.kill()
    archive = stream.archive()
    assert summary(archive.postmortems) == expected
    assert summary(first) == expected[:read_first]
    assert not process.is_alive()


def test_worker_renders_the_site_as_this_process_would(
    big_plan: ArchivePlan, stream_of: StartStream, tmp_path: Path
) -> None:
    """Every piece read from the worker's file equals a local SiteRenderer's; same exports."""
    require_two_cores()
    markers = Markers("0123456789abcdef")
    job = SiteJob(tmp_path / "site", True, TODAY, markers, ("", "guide/"))
    stream = stream_of(big_plan, job)
    assert stream.process is not None, "no background process was started"
    pages_file = stream.pages_file
    assert pages_file is not None and pages_file.is_file()
    assert pages_file.parent == Path(tempfile.gettempdir())
    archive = stream.archive()
    site = stream.prepared_site()
    assert isinstance(site, FileSite)
    settings = Settings()
    index = build_index(archive, settings, TODAY)
    findings = [*archive.findings(), *index.findings]
    local = SiteRenderer(index, settings, True, markers, findings, archive.postmortems)
    assert site.findings == local.findings
    assert site.specs == local.specs
    assert any(spec.uri.startswith("services/") for spec in site.specs)
    for position in range(COUNT):
        assert site.postmortem_at(position) == local.postmortem_at(position), position
    for spec in site.specs:
        assert site.markdown(spec.uri) == local.markdown(spec.uri), spec.uri
        assert site.page(spec.uri) == local.page(spec.uri), spec.uri
    for url in ("", "guide/"):
        assert site.dashboard(url) == local.dashboard(url)
    assert site.dashboard("not-asked/") is None
    assert stream.exports_written() is True and stream.exports_error is None
    write_exports(index, tmp_path / "local", settings.severities, True)
    for name in EXPORTS:
        assert (tmp_path / "site" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    stream.close()
    assert not pages_file.exists()


def test_killed_worker_removes_its_file_and_renders_nothing(
    big_plan: ArchivePlan, expected: list[tuple[Any, ...]], stream_of: StartStream, tmp_path: Path
) -> None:
    """The plugin renders locally when ``prepared_site`` gives None: no file is left behind."""
    require_two_cores()
    job = SiteJob(tmp_path / "site", True, TODAY, Markers("0123456789abcdef"))
    stream = stream_of(big_plan, job)
    process, pages_file = stream.process, stream.pages_file
    assert process is not None and pages_file is not None
    process.kill()
    assert summary(stream.archive().postmortems) == expected
    assert stream.prepared_site() is None
    assert stream.exports_written() is False and stream.exports_error is None
    assert not pages_file.exists()
    assert not (tmp_path / "site").exists()  # no export was written


def test_spawned_worker_when_threads_run_gives_the_same_archive_and_site(
    big_plan: ArchivePlan, expected: list[tuple[Any, ...]], stream_of: StartStream, tmp_path: Path
) -> None:
    """With another thread running (``mkdocs serve``) the worker is spawned, not forked."""
    require_two_cores()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        job = SiteJob(tmp_path / "site", True, TODAY, Markers("0123456789abcdef"))
        stream = stream_of(big_plan, job)
    finally:
        stop.set()
        thread.join()
    assert isinstance(stream.process, SpawnProcess), stream.process
    assert summary(stream.archive().postmortems) == expected
    site = stream.prepared_site()
    assert isinstance(site, FileSite)
    assert len(site.specs) > 10
    assert site.postmortem_at(COUNT - 1).headings_before[0] == ("action-items", "Action items")
    assert stream.exports_written() is True
    exported = json.loads((tmp_path / "site" / "postmortems.json").read_text(encoding="utf-8"))
    assert len(exported["postmortems"]) == COUNT


# --- real builds ---------------------------------------------------------------------------

PINNED = (
    "import os, sys; "
    "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
    "from mkdocs.__main__ import cli; "
    "sys.argv[0] = 'mkdocs'; "
    "cli()"
)


def mkdocs_build(config: Path, site: Path, temp: Path, *, pinned: bool) -> dict[str, Any]:
    """``mkdocs build`` in a new process (on one core if ``pinned``); what the probe saw."""
    temp.mkdir()
    probe = temp.parent / f"{temp.name}.json"
    start = ["-c", PINNED] if pinned else ["-m", "mkdocs"]
    result = subprocess.run(
        [sys.executable, *start, "build", "-q", "-f", str(config), "-d", str(site)],
        cwd=config.parent,
        env={
            **os.environ,
            "SOURCE_DATE_EPOCH": EPOCH,
            "NO_MKDOCS_2_WARNING": "1",
            "TMPDIR": str(temp),  # where the worker's file goes: checked afterwards
            "PMKB_PROBE": str(probe),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    seen: dict[str, Any] = json.loads(probe.read_text(encoding="utf-8"))
    return seen


def test_worker_and_single_core_builds_are_byte_identical(big_site: Path, tmp_path: Path) -> None:
    require_two_cores()
    config = big_site / "mkdocs.yml"
    system_temp = set(Path(tempfile.gettempdir()).glob(PAGES_FILE))
    parallel = mkdocs_build(config, tmp_path / "site-1", tmp_path / "tmp-1", pinned=False)
    single = mkdocs_build(config, tmp_path / "site-2", tmp_path / "tmp-2", pinned=True)
    # The first build rendered in a worker, through its file; the second in its own process.
    assert parallel["site"] == "FileSite" and parallel["worker"] is True
    assert Path(parallel["pages_file"]).parent == tmp_path / "tmp-1"
    assert single == {"site": "SiteRenderer", "worker": False, "pages_file": None}
    for temp in ("tmp-1", "tmp-2"):
        assert list((tmp_path / temp).iterdir()) == [], f"left in {temp}"
    assert set(Path(tempfile.gettempdir()).glob(PAGES_FILE)) <= system_temp

    first, second = tree(tmp_path / "site-1"), tree(tmp_path / "site-2")
    for name, built in (("with a worker", first), ("on one core", second)):
        assert b"pm-dashboard" in built["index.html"], f"no dashboard on the home page {name}"
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    for name in (*EXPORTS, "search/search_index.json", "index.html"):
        assert name in first, name
    assert [name for name, data in first.items() if MARKER in data] == []
    exported = json.loads(first["postmortems.json"])
    assert len(exported["postmortems"]) == COUNT
    home = first["index.html"].decode()
    assert f"Incident number {COUNT - 1}" in home  # the dashboard lists the latest postmortem
    last = dt.date(2024, 1, 1) + dt.timedelta(days=COUNT - 1)
    pm_page = first[f"postmortems/{last}-incident-{COUNT - 1:04d}/index.html"].decode()
    assert f"Follow-up task {COUNT - 1}" in pm_page  # its action items went in after search


# --- small in-process builds ---------------------------------------------------------------


def small_text(
    day: str, title: str, item: dict[str, Any], body_extra: str = "", **changes: Any
) -> str:
    """A valid postmortem of ``day`` with one action item; ``changes`` replace fields."""
    meta = valid_meta()
    meta.update(title=title, date=dt.date.fromisoformat(day), **changes)
    meta["incident"] = {
        key: value.replace("2026-03-14", day) for key, value in meta["incident"].items()
    }
    meta["review_meeting"] = dt.date.fromisoformat(day) + dt.timedelta(days=3)
    meta["action_items"] = [
        {"id": "AI-1", "due": dt.date(2026, 9, 1), "status": "open", "type": "prevent", **item}
    ]
    return postmortem_text(meta) + body_extra


def small_site(root: Path, files: dict[str, str]) -> Path:
    """A site with catalogs and the given postmortems (by file name)."""
    folder = root / "postmortems"
    folder.mkdir(parents=True)
    (folder / "services.yml").write_text(
        "".join(f"- id: {key}\n  name: {label}\n" for key, label in SERVICES.items())
    )
    (folder / "causes.yml").write_text(
        "".join(f"- id: {key}\n  name: {label}\n" for key, label in CAUSES.items())
    )
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text(DASHBOARD_HOME)
    return write_config(root)


@pytest.fixture
def build_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")


EARLIER_ID = "2026-03-01-edge-certificates"
LATER_ID = "2026-03-14-checkout-failover"
EARLIER_ITEM = "Rotate the edge proxy certificates every quarter"
EARLIER = small_text(
    "2026-03-01",
    "Expired certificates on the edge proxies",
    {"title": EARLIER_ITEM, "owner": "team-edge"},
    services=["checkout", "edge"],
    causes=["capacity"],
)


def later_text(body_extra: str = "") -> str:
    """Shares checkout with EARLIER (its open item is "still open") and names it related."""
    return small_text(
        "2026-03-14",
        "Checkout errors during a failover",
        {"title": "Page the database team on replica lag", "owner": "team-db-oncall"},
        body_extra,
        services=["checkout"],
        causes=["config-change"],
        related=[EARLIER_ID],
    )


def ids_in(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def article(html: str) -> str:
    return html[html.index("<article") : html.index("</article>")]


def toc_links(html: str) -> list[str]:
    """The fragments the page's table of contents (Material's secondary nav) links to."""
    start = html.index('<nav class="md-nav md-nav--secondary"')
    depth = 0
    for tag in re.finditer(r"<(/?)nav\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:  # the end of the outer nav; nested ones hold the subheadings
            return re.findall(r'href="#([^"]+)"', html[start : start + tag.start()])
    raise AssertionError("the table of contents is not closed")


def test_card_headings_do_not_take_the_ids_of_the_authors_headings(
    tmp_path: Path, build_env: None
) -> None:
    own = textwrap.dedent(
        """
        ## Action items

        Our own notes on follow-ups.

        ## Action items

        A second section with the same name (its id is action-items_1).

        ## Still open from earlier incidents

        Our own list.

        ## Related postmortems

        Our own links.
        """
    )
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER, f"{LATER_ID}.md": later_text(own)})
    build_site(config, tmp_path / "site", strict=False)
    html = (tmp_path / "site" / "postmortems" / LATER_ID / "index.html").read_text()
    body = article(html)
    ids = ids_in(body)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    added = {
        "action-items_2": "Action items",
        "still-open-from-earlier-incidents_1": "Still open from earlier incidents",
        "related-postmortems_1": "Related postmortems",
    }
    for ident, title in added.items():
        assert re.search(rf'<h2 id="{ident}">{title}', body), ident
    assert EARLIER_ITEM in body  # the still-open table is there, under the renamed heading
    assert body.index('id="still-open-from-earlier-incidents_1"') < body.index(EARLIER_ITEM)
    links = toc_links(html)
    for ident in (
        "action-items",
        "action-items_1",
        "action-items_2",
        "still-open-from-earlier-incidents",
        "still-open-from-earlier-incidents_1",
        "related-postmortems",
        "related-postmortems_1",
    ):
        assert links.count(ident) == 1, (ident, links)
    assert set(links) <= set(ids)  # every entry of the table of contents leads somewhere
    # The card's headings come before the body's, the related table after it.
    assert links.index("action-items_2") < links.index("action-items")
    assert links.index("related-postmortems") < links.index("related-postmortems_1")


def test_plain_page_keeps_the_plain_heading_ids(tmp_path: Path, build_env: None) -> None:
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER, f"{LATER_ID}.md": later_text()})
    build_site(config, tmp_path / "site", strict=True)
    html = (tmp_path / "site" / "postmortems" / LATER_ID / "index.html").read_text()
    links = toc_links(html)
    for ident in ("action-items", "still-open-from-earlier-incidents", "related-postmortems"):
        assert ident in links and f'<h2 id="{ident}">' in html
    assert not any(link.endswith("_1") for link in links), links
    files = tree(tmp_path / "site")
    assert [name for name, data in files.items() if MARKER in data] == []


def test_card_headings_avoid_ids_outside_the_table_of_contents(
    tmp_path: Path, build_env: None
) -> None:
    own = "### Action items\n\nA level-3 heading.\n\nA note.\n{: #related-postmortems }\n"
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER, f"{LATER_ID}.md": later_text(own)})
    build_site(config, tmp_path / "site", strict=False)
    html = (tmp_path / "site" / "postmortems" / LATER_ID / "index.html").read_text()
    ids = ids_in(article(html))
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"action-items", "action-items_1", "related-postmortems_1"} <= set(ids)


def test_docs_file_named_like_an_export_is_an_error(tmp_path: Path, build_env: None) -> None:
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER})
    (tmp_path / "docs" / "action-items.csv").write_text("mine\n")
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=False)
    assert (tmp_path / "docs" / "action-items.csv").read_text() == "mine\n"


def frozen_counts(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()]


def test_build_unfreezes_the_garbage_collector(
    tmp_path: Path, build_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.unfreeze()  # measure this build only
    frozen = tmp_path / "frozen.txt"
    monkeypatch.setenv("PMKB_FROZEN", str(frozen))
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER, f"{LATER_ID}.md": later_text()})
    build_site(config, tmp_path / "site", strict=True)
    assert max(frozen_counts(frozen)) > 0  # the build froze objects while pages were written
    assert gc.get_freeze_count() == 0


def test_strict_build_that_aborts_unfreezes_the_garbage_collector(
    tmp_path: Path, build_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.unfreeze()  # measure this build only
    frozen = tmp_path / "frozen.txt"
    monkeypatch.setenv("PMKB_FROZEN", str(frozen))
    broken = later_text().replace("severity: SEV2", "severity: SEV2\nseverity: SEV1")
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER, f"{LATER_ID}.md": broken})
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=True)
    assert max(frozen_counts(frozen)) > 0
    assert gc.get_freeze_count() == 0


def test_build_failing_while_writing_pages_unfreezes_the_garbage_collector(
    tmp_path: Path, build_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that stops after the plugin froze the archive (here: a hook fails)."""
    gc.unfreeze()  # measure this build only
    frozen = tmp_path / "frozen.txt"
    monkeypatch.setenv("PMKB_FROZEN", str(frozen))
    monkeypatch.setenv("PMKB_FAIL_ON", f"postmortems/{LATER_ID}.md")
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER, f"{LATER_ID}.md": later_text()})
    with pytest.raises(RuntimeError, match="on purpose"):
        build_site(config, tmp_path / "site", strict=False)
    assert max(frozen_counts(frozen)) > 0
    assert gc.get_freeze_count() == 0


def test_search_indexes_the_card_but_not_the_cross_links(tmp_path: Path, build_env: None) -> None:
    config = small_site(tmp_path, {f"{EARLIER_ID}.md": EARLIER, f"{LATER_ID}.md": later_text()})
    build_site(config, tmp_path / "site", strict=True)
    site = tmp_path / "site"
    html = (site / "postmortems" / LATER_ID / "index.html").read_text()
    earlier_title = "Expired certificates on the edge proxies"
    # The page shows both cross-links: the test below would pass without them.
    assert EARLIER_ITEM in html and earlier_title in html
    assert "Checkout web flow" in html

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    location = f"postmortems/{LATER_ID}/"
    entries = [doc for doc in index["docs"] if doc["location"].startswith(location)]
    assert entries and entries[0]["location"] == location
    first = entries[0]["text"]
    for fact in ("team-db-oncall", "Checkout web flow", "Configuration change", "SEV2"):
        assert fact in first, (fact, first)
    assert "The failover automation did not check replica lag" in " ".join(
        entry["text"] for entry in entries
    )  # the body is indexed
    for entry in entries:
        assert EARLIER_ITEM not in entry["text"], entry  # the still-open table
        assert earlier_title not in entry["text"], entry  # the related table
    assert "pmkb-" not in json.dumps(index)
