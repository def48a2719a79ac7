"""Load an archive's postmortems on a second core while MkDocs renders pages on the first.

MkDocs builds on one core. Checking a postmortem (YAML, schema, structure, language) costs
about a third of what MkDocs spends on its page, so with a second core the checks run
ahead of the pages in a background process. Files are loaded in chunks, in page order; the
caller asks for one file at a time and:

- takes the chunk if the background process has sent it;
- waits for it if the process is working on it;
- loads it itself if nobody has claimed it yet (at start-up, before the process has
  imported anything), or if the process died.

A claim table shared between the two processes keeps a chunk from being loaded twice. Once
every chunk is sent, the background process indexes the archive, renders everything that
needs the whole of it (``prepared.SiteRenderer``) into a file, and writes the exports: the
calling process reads what each page needs from that file and never holds the archive.
Without a second core, or for small archives, everything happens in the calling process.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any, BinaryIO

from postmortem_kb.archive.archive import PARALLEL_THRESHOLD, Archive, ArchivePlan, archive_of, load_planned
from postmortem_kb.archive.exports import write_exports
from postmortem_kb.model.findings import Finding
from postmortem_kb.site.html import Markers
from postmortem_kb.archive.index import build_index
from postmortem_kb.check.postmortem import Postmortem
from postmortem_kb.site.postmortem_page import PostmortemHtml
from postmortem_kb.site.renderer import PageSpec, PreparedPage, SiteRenderer
from postmortem_kb.model.settings import Settings

CHUNK = 32
TAKEN = 1  # in the claim table; a new table is all 0: every chunk free
POLL_SECONDS = 0.05
CHUNK_MESSAGE, SITE_MESSAGE, PAGES_MESSAGE, POSTMORTEMS_MESSAGE, EXPORTS_MESSAGE = (
    "chunk",
    "site",
    "pages",
    "postmortems",
    "exports",
)


@dataclass(frozen=True)
class SiteJob:
    """What the background process prepares once the archive is read."""

    site_dir: Path  # where the exports go
    directory_urls: bool
    today: dt.date
    markers: Markers
    dashboards: tuple[str, ...] = ()  # URLs of the docs pages that show the dashboard
    pages_file: Path | None = None  # where the rendered pieces go (set by the stream)


class FileSite:
    """A site the background process renders into a file: read piece by piece.

    The pieces arrive in the order MkDocs needs them: the generated pages' Markdown (MkDocs
    reads the listing pages right after the postmortems), then their HTML and the
    dashboards, then the postmortem pages' HTML.
    """

    def __init__(
        self,
        path: Path,
        markdown: dict[str, str],
        specs: list[PageSpec],
        findings: list[Finding],
        wait: Callable[[str], Any],
    ) -> None:
        self.path = path
        self._markdown = markdown  # by URI of a generated page
        self.specs = specs
        self.findings = findings
        self._wait = wait  # the offsets sent in a message of this kind, once they are
        self._chunk: tuple[int, list[PostmortemHtml]] = (-1, [])  # the chunk read last

    def postmortem_at(self, position: int) -> PostmortemHtml:
        """The HTML around the body of the postmortem at ``position`` in the plan."""
        chunk = position // CHUNK
        if self._chunk[0] != chunk:
            self._chunk = (chunk, self._read(self._wait(POSTMORTEMS_MESSAGE)[chunk]))
        return self._chunk[1][position % CHUNK]

    def markdown(self, uri: str) -> str:
        """The Markdown of a generated page."""
        return self._markdown[uri]

    def page(self, uri: str) -> PreparedPage:
        """A generated page."""
        found: PreparedPage = self._read(self._wait(PAGES_MESSAGE)[0][uri])
        return found

    def dashboard(self, url: str) -> str | None:
        """The dashboard for the docs page at ``url``, if it was asked for."""
        offset = self._wait(PAGES_MESSAGE)[1].get(url)
        return None if offset is None else str(self._read(offset))

    def _read(self, offset: int) -> Any:
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return pickle.load(handle)  # written by our own background process


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context() -> ForkContext | SpawnContext:
    """``fork`` from a single-threaded process (``mkdocs build``): it starts at once and never
    imports the host's main script again; ``spawn`` where threads make forking unsafe
    (``mkdocs serve``)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class ArchiveStream:
    """The postmortems of a plan, loaded ahead of the caller when a second core is free."""

    def __init__(self, plan: ArchivePlan, settings: Settings, job: SiteJob | None = None) -> None:
        self.plan = plan
        self.settings = settings
        self.loaded: list[Postmortem | None] = [None] * len(plan.files)
        self.received: set[int] = set()  # chunks sent by the background process
        self.mine: set[int] = set()  # chunks this process claimed and loads itself
        self.exports_error: str | None = None  # why the background process could not
        self.exports_done: bool | None = None  # None: no answer from the process yet
        self.pages_file: Path | None = None
        self.site: FileSite | None = None  # once the background process has rendered it
        self.offsets: dict[str, Any] = {}  # by message kind: where the pieces are
        self.process: BaseProcess | None = None
        self.claims: SynchronizedArray[Any] | None = None
        self.connection: Connection | None = None
        if len(plan.files) >= PARALLEL_THRESHOLD and usable_cores() > 1:
            self._start(job)

    @property
    def preparing(self) -> bool:
        """True while the background process is expected to render the site."""
        return self.pages_file is not None and self.connection is not None

    def _start(self, job: SiteJob | None) -> None:
        context = _context()
        chunks = (len(self.plan.files) + CHUNK - 1) // CHUNK
        claims = context.Array("b", chunks)
        if job is not None:
            handle, name = tempfile.mkstemp(prefix="postmortem-kb-", suffix=".site")
            os.close(handle)
            self.pages_file = Path(name)
            # Removed at exit too: an interrupted build (Ctrl-C) never reaches close().
            weakref.finalize(self, self.pages_file.unlink, missing_ok=True)
            job = replace(job, pages_file=self.pages_file)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_work, args=(self.plan, self.settings, claims, sender, job), daemon=True
        )
        try:
            process.start()
        except OSError:
            receiver.close()
            self.close()
            return  # no second process here: everything is loaded in this one
        finally:
            sender.close()
        self.process, self.claims, self.connection = process, claims, receiver

    def get(self, position: int) -> Postmortem:
        """The postmortem at ``position`` in the plan, loaded by whichever process is free.

        While the background process prepares the site, the postmortem is not kept here.
        """
        found = self.loaded[position]
        if found is None:
            found = self._fetch(position)
        if self.preparing:
            self.loaded[position] = None
        return found

    def _fetch(self, position: int) -> Postmortem:
        chunk = position // CHUNK
        if chunk not in self.mine and self.claims is not None and not self._claim(chunk):
            while chunk not in self.received and self._receive():
                pass
            found = self.loaded[position]
            if found is not None:
                return found
        found = load_planned(self.plan.files[position], self.settings, self.plan.context)
        self.loaded[position] = found
        return found

    def archive(self) -> Archive:
        """Every postmortem, in plan order (read again if it was not kept)."""
        postmortems = [self.get(position) for position in range(len(self.loaded))]
        return archive_of(self.plan, postmortems)

    def prepared_site(self) -> FileSite | None:
        """Wait for the site the background process renders; None if it does not."""
        while self.site is None and self.preparing and self._receive():
            pass
        return self.site

    def _offsets(self, kind: str) -> Any:
        while kind not in self.offsets and self._receive():
            pass
        if kind not in self.offsets:
            raise OSError("the background process stopped before rendering every page")
        return self.offsets[kind]

    def exports_written(self) -> bool:
        """Wait for the background process to write the exports; False if it did not."""
        while self.exports_done is None and self._receive():
            pass
        return bool(self.exports_done)

    def close(self, *, keep_site: bool = False) -> None:
        """Stop the background process (it may still be working when a build fails) and
        remove the site file, unless ``keep_site`` and the site was rendered."""
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.claims = None
        if self.pages_file is not None and not (keep_site and self.site is not None):
            self.pages_file.unlink(missing_ok=True)
            self.pages_file = self.site = None

    def _claim(self, chunk: int) -> bool:
        """Take a chunk for this process; False when the background process has it."""
        assert self.claims is not None
        with self.claims.get_lock():
            if self.claims[chunk] == TAKEN:
                return False
            self.claims[chunk] = TAKEN
        self.mine.add(chunk)
        return True

    def _receive(self) -> bool:
        """Take one message from the background process; False once it is gone."""
        if self.connection is None or self.process is None:
            return False
        try:
            if not self.connection.poll(POLL_SECONDS):
                if self.process.is_alive():
                    return True
                self._lost()
                return False
            message = self.connection.recv()
        except (EOFError, OSError):
            self._lost()
            return False
        kind = message[0]
        if kind == EXPORTS_MESSAGE:
            self.exports_error = message[1]
            self.exports_done = message[1] is None
        elif kind == SITE_MESSAGE:
            assert self.pages_file is not None
            _, markdown, specs, findings = message
            self.site = FileSite(self.pages_file, markdown, specs, findings, self._offsets)
        elif kind in (PAGES_MESSAGE, POSTMORTEMS_MESSAGE):
            self.offsets[kind] = message[1]
        else:
            _, number, postmortems = message
            start = number * CHUNK
            self.loaded[start : start + len(postmortems)] = postmortems
            self.received.add(number)
        return True

    def _lost(self) -> None:
        """The background process died: this process does what is left (what was already
        rendered stays readable)."""
        self.close(keep_site=True)


def _work(
    plan: ArchivePlan,
    settings: Settings,
    claims: SynchronizedArray[Any],
    connection: Connection,
    job: SiteJob | None,
) -> None:
    """In the background process: load unclaimed chunks in order, then prepare the site."""
    files, context = plan.files, plan.context
    loaded: list[Postmortem | None] = [None] * len(files)
    for chunk in range(len(claims)):
        with claims.get_lock():
            if claims[chunk] == TAKEN:
                continue
            claims[chunk] = TAKEN
        start = chunk * CHUNK
        postmortems = [load_planned(p, settings, context) for p in files[start : start + CHUNK]]
        connection.send((CHUNK_MESSAGE, chunk, postmortems))
        for pm in postmortems:
            pm.body = ""  # sent; not needed here any more
        loaded[start : start + len(postmortems)] = postmortems
    if job is not None:
        # The chunks the caller loaded itself are loaded again here: a few, at start-up.
        every = [
            pm or load_planned(planned, settings, context)
            for pm, planned in zip(loaded, files, strict=True)
        ]
        del loaded
        archive = archive_of(plan, every)
        index = build_index(archive, settings, job.today)
        findings = [*archive.findings(), *index.findings]
        renderer = SiteRenderer(index, settings, job.directory_urls, job.markers, findings)
        assert job.pages_file is not None
        markdown = {spec.uri: renderer.markdown(spec.uri) for spec in renderer.specs}
        connection.send((SITE_MESSAGE, markdown, renderer.specs, findings))
        with job.pages_file.open("wb") as handle:
            pages = {spec.uri: _write(handle, renderer.page(spec.uri)) for spec in renderer.specs}
            dashboards = {url: _write(handle, renderer.dashboard(url)) for url in job.dashboards}
            handle.flush()
            connection.send((PAGES_MESSAGE, (pages, dashboards)))
            offsets = [
                _write(handle, [renderer.postmortem(pm) for pm in every[start : start + CHUNK]])
                for start in range(0, len(every), CHUNK)
            ]
        connection.send((POSTMORTEMS_MESSAGE, offsets))
        try:
            write_exports(index, job.site_dir, settings.severities, job.directory_urls)
        except OSError as error:
            connection.send((EXPORTS_MESSAGE, str(error)))
        else:
            connection.send((EXPORTS_MESSAGE, None))
    connection.close()


def _write(handle: BinaryIO, piece: object) -> int:
    """Append a pickled piece to the site file; return where it starts."""
    start = handle.tell()
    pickle.dump(piece, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return start
