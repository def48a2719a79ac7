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
every chunk is sent, the background process also writes the exports, which need the whole
archive but nothing from MkDocs. Without a second core, or for small archives, everything
happens in the calling process, in the same order.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any

from .archive import PARALLEL_THRESHOLD, Archive, ArchivePlan, archive_of, load_planned
from .exports import write_exports
from .html_parts import Links, Markers
from .indexes import Index, build_index
from .postmortem import Postmortem
from .postmortem_html import PostmortemHtml, postmortem_html
from .settings import Settings
from .urls import page_url, postmortem_uri

CHUNK = 32
FREE, TAKEN = 0, 1
POLL_SECONDS = 0.05
CHUNK_MESSAGE, EXPORTS_MESSAGE, HTML_MESSAGE = "chunk", "exports", "html"


@dataclass(frozen=True)
class SiteJob:
    """What the background process prepares once the archive is read: the exports, and the
    HTML of every postmortem page (for page URLs of this kind, with these markers)."""

    site_dir: Path
    directory_urls: bool
    today: dt.date
    markers: Markers


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
        self.exports_done: bool | None = None  # None: no answer from the process yet
        self.html: dict[int, list[PostmortemHtml]] = {}  # prepared pages, by chunk
        self.process: BaseProcess | None = None
        self.claims: SynchronizedArray[Any] | None = None
        self.connection: Connection | None = None
        if len(plan.files) >= PARALLEL_THRESHOLD and usable_cores() > 1:
            self._start(job)

    def _start(self, job: SiteJob | None) -> None:
        context = _context()
        chunks = (len(self.plan.files) + CHUNK - 1) // CHUNK
        claims = context.Array("b", chunks)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_work, args=(self.plan, self.settings, claims, sender, job), daemon=True
        )
        try:
            process.start()
        except OSError:
            receiver.close()
            return  # no second process here: everything is loaded in this one
        finally:
            sender.close()
        self.process, self.claims, self.connection = process, claims, receiver

    def get(self, position: int) -> Postmortem:
        """The postmortem at ``position`` in the plan, loaded by whichever process is free."""
        found = self.loaded[position]
        if found is not None:
            return found
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
        """Every postmortem, in plan order."""
        postmortems = [self.get(position) for position in range(len(self.loaded))]
        return archive_of(self.plan, postmortems)

    def prepared_html(self, position: int) -> PostmortemHtml | None:
        """The page HTML the background process prepared, if it has arrived (never waits)."""
        chunk = position // CHUNK
        while chunk not in self.html and self._receive(wait=False):
            pass
        prepared = self.html.get(chunk)
        if prepared is None:
            return None
        if position % CHUNK == len(prepared) - 1 or position == len(self.loaded) - 1:
            del self.html[chunk]  # the chunk's last page: free the rest
        return prepared[position % CHUNK]

    def exports_written(self) -> bool:
        """Wait for the background process to write the exports; False if it did not."""
        while self.exports_done is None and self._receive():
            pass
        return bool(self.exports_done)

    def close(self) -> None:
        """Stop the background process (it may still be working when a build fails)."""
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.claims = None

    def _claim(self, chunk: int) -> bool:
        """Take a chunk for this process; False when the background process has it."""
        assert self.claims is not None
        with self.claims.get_lock():
            if self.claims[chunk] == TAKEN:
                return False
            self.claims[chunk] = TAKEN
        self.mine.add(chunk)
        return True

    def _receive(self, *, wait: bool = True) -> bool:
        """Take one message from the background process; False once it is gone (or, when
        not waiting, when nothing has arrived)."""
        if self.connection is None or self.process is None:
            return False
        try:
            if not self.connection.poll(POLL_SECONDS if wait else 0):
                if not wait:
                    return False
                if self.process.is_alive():
                    return True
                self.close()  # died: this process loads what is left
                return False
            message = self.connection.recv()
        except (EOFError, OSError):
            self.close()
            return False
        if message[0] == EXPORTS_MESSAGE:
            self.exports_done = message[1]
            return True
        if message[0] == HTML_MESSAGE:
            self.html[message[1]] = message[2]
            return True
        _, number, postmortems = message
        start = number * CHUNK
        self.loaded[start : start + len(postmortems)] = postmortems
        self.received.add(number)
        return True


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
        loaded[start : start + len(postmortems)] = postmortems
        connection.send((CHUNK_MESSAGE, chunk, postmortems))
    if job is not None:
        # The chunks the caller loaded itself are loaded again here: a few, at start-up.
        every = [
            pm or load_planned(p, settings, context) for pm, p in zip(loaded, files, strict=True)
        ]
        index = build_index(archive_of(plan, every), settings, job.today)
        try:
            write_exports(index, job.site_dir, settings.severities, job.directory_urls)
        except OSError:
            connection.send((EXPORTS_MESSAGE, False))  # the caller writes them and reports
        else:
            connection.send((EXPORTS_MESSAGE, True))
        _prepare_pages(every, index, settings, job, connection)
    connection.close()


def _prepare_pages(
    postmortems: list[Postmortem],
    index: Index,
    settings: Settings,
    job: SiteJob,
    connection: Connection,
) -> None:
    """Render the HTML of every postmortem page, in page order, for the caller to take.

    Heading ids are chosen as if the body had none of its own; the caller renders a page
    again in the rare case its body uses one of them.
    """
    cache: dict[object, str] = {}  # postmortem pages are siblings: they share links and rows
    for start in range(0, len(postmortems), CHUNK):
        prepared = []
        for pm in postmortems[start : start + CHUNK]:
            url = page_url(postmortem_uri(pm.slug), job.directory_urls)
            links = Links(index, url, job.directory_urls, cache)
            prepared.append(postmortem_html(pm, index, settings, links, job.markers, set()))
        connection.send((HTML_MESSAGE, start // CHUNK, prepared))
