"""Everything the tests share: valid postmortems, checker runs, fixture sites and archives.

Test modules import shared things from here (``from helpers import ...``), never from one
another; pytest fixtures live in ``conftest.py``. ``tests/`` is on ``sys.path`` through
``pythonpath`` in ``pyproject.toml``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import datetime as dt
import functools
import http.server
import json
import logging
import os
import socket
import sys
import textwrap
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

if os.environ.get("PM_GENERATOR") == "properdocs":  # see GENERATOR below
    # As `properdocs build` does first: every later `mkdocs.*` import (the plugin's,
    # Material's, the tests') loads `properdocs.*`. conftest.py imports this module before
    # any test module, so no real `mkdocs` module is loaded before this line.
    import properdocs.replacement  # noqa: F401

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from postmortem_kb.archive.archive import Archive, load_archive
from postmortem_kb.archive.index import Index, build_index
from postmortem_kb.archive.urls import postmortem_uri
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.html import Markers
from postmortem_kb.site.renderer import SiteRenderer

REPO = Path(__file__).resolve().parent.parent
"""The repository root (``tests/`` is one level below it)."""


# --- the generator matrix (issue 19): PM_GENERATOR and PM_THEME are read here only ---------------

GENERATOR = os.environ.get("PM_GENERATOR", "mkdocs")
"""What builds the tests' sites: ``mkdocs`` (default) or ``properdocs``."""
THEME = os.environ.get("PM_THEME", "material")
"""The theme of the tests' Material sites: ``material`` (default) or ``materialx``."""
assert GENERATOR in {"mkdocs", "properdocs"}, f"PM_GENERATOR={GENERATOR!r}: mkdocs or properdocs"
assert THEME in {"material", "materialx"}, f"PM_THEME={THEME!r}: material or materialx"
if GENERATOR == "properdocs":  # the `mkdocs` logger tree counts for --strict, as in its CLI
    logging.getLogger("mkdocs").parent = logging.getLogger("properdocs")
SEARCH_INDEX = "search/search_index.json" if THEME == "material" else "search/pagefind-entry.json"
"""The search index the theme writes: Material's (lunr), or MaterialX's Pagefind index."""
material_search = pytest.mark.skipif(
    THEME != "material", reason="Material's own search (lunr); MaterialX searches with Pagefind"
)
"""Marks a test of Material's search index or search box."""
TECHDOCS = os.environ.get("PM_TECHDOCS") == "1"
"""Set by `make test-techdocs` (a venv with mkdocs-techdocs-core): its tests must run, not skip."""


# --- a valid postmortem and in-process checks ----------------------------------------------------


PM_ID = "2026-03-14-checkout-db-failover"
OTHER_ID = "2026-03-14-checkout-db-failover-again"
"""A second id, close to ``PM_ID`` (for suggestions and duplicates)."""

GIT_ISOLATION: dict[str, str] = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "PYTHONIOENCODING": "utf-8",
}
"""git without the user's configuration, with a fixed identity (for tests that commit)."""

VALID_META: dict[str, Any] = {
    "title": "Checkout errors after a database failover",
    "date": dt.date(2026, 3, 14),
    "status": "published",
    "severity": "SEV2",
    "services": ["checkout", "payments-api"],
    "causes": ["config-change"],
    "authors": ["alice"],
    "participants": ["bob", "carol"],
    "incident": {
        "started": "2026-03-14T09:00:00Z",
        "detected": "2026-03-14T09:05:00Z",
        "mitigated": "2026-03-14T09:40:00Z",
        "resolved": "2026-03-14T10:15:00Z",
    },
    "review_meeting": dt.date(2026, 3, 17),
    "related": [],
    "action_items": [
        {
            "id": "AI-1",
            "title": "Block failover while replica lag exceeds 30 s",
            "owner": "team-db",
            "due": dt.date(2026, 4, 1),
            "status": "open",
            "type": "prevent",
            "link": "https://tracker.example.com/DB-123",
        }
    ],
    "tags": ["database"],
}

VALID_FRONT_MATTER = """\
title: Checkout errors after a database failover
date: 2026-03-14
status: published
severity: SEV2
services: [checkout, payments-api]
causes: [config-change]
authors: [alice]
participants: [bob, carol]
incident:
  started: 2026-03-14T09:00:00Z
  detected: 2026-03-14T09:05:00Z
  mitigated: 2026-03-14T09:40:00Z
  resolved: 2026-03-14T10:15:00Z
review_meeting: 2026-03-17
related: []
action_items:
  - id: AI-1
    title: Block failover while replica lag exceeds 30 s
    owner: team-db
    due: 2026-04-01
    status: open
    type: prevent
    link: https://tracker.example.com/DB-123
tags: [database]
"""
"""The valid front matter as literal YAML (line 1 of it is line 2 of the file)."""

VALID_BODY = """
## Summary

Checkout returned errors for 75 minutes after the primary database failed over.

## Impact

About 2,000 orders failed; customers saw an error page.

## Timeline

- 09:00 UTC — The primary database loses its disk and fails over to a lagging replica.
- 09:05 UTC — The checkout error-rate alert pages the on-call engineer.
- 09:40 UTC — Writes are paused and the replica catches up.
- 10:15 UTC — The incident is resolved.

## Contributing Factors

The failover automation did not check replica lag before promoting a replica.

## Resolution

The replica was allowed to catch up before writes resumed.

## Lessons Learned

### What went well

- The alert fired within five minutes.

### What went wrong

- The runbook did not mention replica lag.

### Where we got lucky

- The incident happened outside peak hours.
"""


DELETE: Any = object()
"""Pass as a field value to ``write_pm`` to remove that field from the valid front matter."""


def valid_meta() -> dict[str, Any]:
    """Return a deep copy of the valid front matter, safe to modify."""
    return copy.deepcopy(VALID_META)


def dump_front_matter(meta: Mapping[str, Any]) -> str:
    """Dump a front-matter dict as YAML text (keys in the given order)."""
    return yaml.safe_dump(dict(meta), sort_keys=False, allow_unicode=True, width=1000)


def postmortem_text(
    meta: Mapping[str, Any] | None = None,
    *,
    front_matter: str | None = None,
    body: str = VALID_BODY,
) -> str:
    """Return the full text of a postmortem: front matter (dict or literal YAML) and body."""
    if front_matter is None:
        front_matter = dump_front_matter(VALID_META if meta is None else meta)
    if not front_matter.endswith("\n"):
        front_matter += "\n"
    return f"---\n{front_matter}---\n{body}"


class WritePostmortem(Protocol):
    """Signature of the ``write_pm`` fixture (in conftest.py)."""

    def __call__(
        self,
        meta: Mapping[str, Any] | None = None,
        *,
        front_matter: str | None = None,
        body: str = VALID_BODY,
        pm_id: str = PM_ID,
        folder: str = "postmortems",
        text: str | None = None,
        data: bytes | None = None,
        **changes: Any,
    ) -> Path: ...


def write_postmortem(
    root: Path,
    meta: Mapping[str, Any] | None = None,
    *,
    front_matter: str | None = None,
    body: str = VALID_BODY,
    pm_id: str = PM_ID,
    folder: str = "postmortems",
    text: str | None = None,
    data: bytes | None = None,
    **changes: Any,
) -> Path:
    """Write ``root/<folder>/<pm_id>.md``.

    ``changes`` update (or, with the value ``DELETE``, remove) top-level fields of the valid
    front matter; ``front_matter`` is literal YAML; ``text`` / ``data`` replace the whole file.
    """
    base = valid_meta() if meta is None else dict(meta)
    for key, value in changes.items():
        if value is DELETE:
            base.pop(key, None)
        else:
            base[key] = value
    path = root / folder / f"{pm_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is not None:
        path.write_bytes(data)
    else:
        content = (
            text
            if text is not None
            else postmortem_text(base, front_matter=front_matter, body=body)
        )
        path.write_bytes(content.encode("utf-8"))
    return path


def run_check(
    root: Path,
    settings: Settings | None = None,
    *,
    files: Iterable[Path] | None = None,
    folder: str = "postmortems",
    today: dt.date | None = None,
) -> list[Finding]:
    """Check ``root/<folder>`` in-process and return every finding (paths relative to root);
    the review policies are checked on ``today`` (default: ``CHECK_DAY``)."""
    archive = load_archive(
        root / folder, root, settings or Settings(), files, today=today or CHECK_DAY
    )
    return archive.findings()


CHECK_DAY = dt.date(2026, 3, 17)
"""The day in-process checks run on unless a test says otherwise: the valid postmortem's
review meeting, before any deadline of the review policies for an incident of 2026-03-14."""


def rules_of(findings: Iterable[Finding]) -> list[str]:
    """Return the rule ids of ``findings``, in order."""
    return [finding.rule for finding in findings]


def only(findings: Iterable[Finding], rule: str) -> list[Finding]:
    """Return the findings of one rule."""
    return [finding for finding in findings if finding.rule == rule]


CheckArchive = Callable[..., list[Finding]]
"""Signature of the ``check`` fixture (in conftest.py)."""


def line_of(text: str, needle: str, start: int = 1) -> int:
    """Return the 1-based number of the first line (from ``start``) of ``text`` with ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in text")


def run_index(
    root: Path, settings: Settings | None = None, *, today: dt.date = dt.date(2026, 4, 1)
) -> list[Finding]:
    """Check the archive and build its index; return the checker's and the index's findings."""
    settings = settings or Settings()
    archive = load_archive(root / "postmortems", root, settings)
    return archive.findings() + build_index(archive, settings, today).findings


def render_pages(index: Index, settings: Settings) -> dict[str, tuple[str, str]]:
    """Every generated page of an index as (title, HTML with Markdown skeleton), by URI.

    The core renders without MkDocs (as the plugin's ``SiteRenderer`` does): postmortem
    pages as the HTML around their body, other pages as their Markdown skeleton with every
    named part filled in.
    """
    markers = Markers("0" * 16)
    site = SiteRenderer(index, settings, True, markers)
    pages: dict[str, tuple[str, str]] = {}
    for pm in index.postmortems:
        built = site.postmortem(pm, set())
        html = markers.fill(built.before + pm.body + built.after, built.later, final=True)
        pages[postmortem_uri(pm.slug)] = (pm.title, html)
    for spec in site.generated.values():
        prepared = site.page(spec.uri)
        parts = {**prepared.parts, **prepared.later}
        pages[spec.uri] = (spec.title, markers.fill(prepared.markdown, parts, final=True))
    return pages


def check_fm(tmp_path: Path, front_matter: str, settings: Settings | None = None) -> list[Finding]:
    """Write the valid body under ``front_matter`` and check it."""
    write_postmortem(tmp_path, front_matter=front_matter)
    return run_check(tmp_path, settings)


FM = VALID_FRONT_MATTER
TEXT = postmortem_text(front_matter=FM)
"""The valid postmortem as one text (front matter as literal YAML)."""


# --- fixture sites built with MkDocs + Material --------------------------------------------------


SAMPLE_TODAY = "1795737600"  # 2026-11-27 00:00 UTC

VALID = """\
---
title: {title}
date: 2026-03-14
status: {status}
severity: SEV2
services: [checkout]
causes: [config-change]
authors: [alice]
participants: [bob]
incident:
  started: 2026-03-14T09:12:00Z
  detected: 2026-03-14T09:20:00Z
  mitigated: 2026-03-14T10:02:00Z
  resolved: 2026-03-14T11:30:00Z
review_meeting: 2026-03-16
action_items:
  - id: AI-1
    title: Block failover while replica lag exceeds 30 s
    owner: team-db
    due: 2026-04-01
    status: open
    type: prevent
    link: https://tracker.example.com/DB-123
  - id: AI-2
    title: Document the failover runbook
    owner: team-sre
    status: done
---

## Summary

The checkout database failed over twice in a loop.

## Impact

Checkout returned errors for 50 minutes.

## Timeline

- 09:12 UTC — The replica lag starts to grow.
- 09:20 UTC — The lag alert pages the on-call engineer.
- 10:02 UTC — Failover is paused and errors stop.

## Contributing Factors

The failover automation did not consider replica lag.

## Resolution

Automatic failover was paused.

## Lessons Learned

### What went well

- The alert fired within eight minutes.

### What went wrong

- The runbook described an old procedure.

### Where we got lucky

- The incident happened outside peak hours.
"""


def make_site(root: Path, postmortems: dict[str, str], *, repo_url: bool = True) -> Path:
    """Write a minimal Material site with the plugin and the given postmortem files."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n\nSee [postmortems](postmortems/index.md).\n")
    folder = root / "postmortems"
    folder.mkdir()
    for name, text in postmortems.items():
        (folder / name).write_text(text, encoding="utf-8")
    config = textwrap.dedent(
        f"""\
        site_name: Test
        {"repo_url: https://git.example.com/team/kb" if repo_url else ""}
        {"edit_uri: edit/main/docs/" if repo_url else ""}
        theme:
          name: {THEME}
          features: [content.action.edit]
        plugins:
          - search
          - postmortems
        nav:
          - Home: index.md
          - Postmortems: postmortems/index.md
        """
    )
    (root / "mkdocs.yml").write_text(config)
    return root / "mkdocs.yml"


def build_site(config_file: Path, site_dir: Path, *, strict: bool) -> None:
    """Build with the generator's own API, as `mkdocs build` (or `properdocs build`) does;
    a Material site is built with ``THEME``, its theme options kept."""
    config = load_config(
        str(config_file), site_dir=str(site_dir), strict=strict, **theme_override(config_file)
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        build(config)
        return
    # Playwright's sync API runs an event loop in this thread, and MaterialX's search plugin
    # (Pagefind) starts one of its own: build in a thread of its own (its errors propagate).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(build, config).result()


def theme_override(config_file: Path) -> dict[str, Any]:
    """``{"theme": ...}``: the theme of ``config_file`` renamed to ``THEME`` when it is
    Material and THEME is another; else nothing to override."""
    if THEME == "material":
        return {}
    theme = yaml.safe_load(config_file.read_text(encoding="utf-8")).get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    if name != "material":
        return {}
    return {"theme": {**theme, "name": THEME} if isinstance(theme, dict) else THEME}


def generator_command(*args: str, generator: str = GENERATOR) -> list[str]:
    """The command line of ``generator`` (``mkdocs build ...``, ``properdocs serve ...``) in
    this Python; a build or serve uses ``THEME`` instead of Material (the theme's other
    options are then dropped: the CLI's ``--theme`` replaces the whole theme)."""
    command = [sys.executable, "-m", generator, *args]
    if THEME != "material" and args and args[0] in {"build", "serve"}:
        command += ["--theme", THEME]
    return command


def site_files(site_dir: Path) -> dict[str, bytes]:
    """Every file of a built site by path, for byte-for-byte comparisons. MaterialX's search
    files (Pagefind's) count by name only: their bytes differed now and then between two
    builds of the same site (a Pagefind matter, not the plugin's)."""
    files: dict[str, bytes] = {}
    for path in sorted(site_dir.rglob("*")):
        if path.is_file():
            name = path.relative_to(site_dir).as_posix()
            pagefind = THEME == "materialx" and name.startswith("search/")
            files[name] = b"" if pagefind else path.read_bytes()
    return files


def page(site_dir: Path, uri: str) -> str:
    """Read a built page."""
    return (site_dir / uri / "index.html").read_text(encoding="utf-8")


# --- `mkdocs serve` ------------------------------------------------------------------------------


PAGE = "postmortems/2026-03-14-failover/"


def free_port() -> int:
    """Ask the OS for a free port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str | None:
    """Return the body of ``url``, or None while the server is not answering."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, text: str, seconds: float = 30) -> str:
    """Poll ``url`` until its body contains ``text``."""
    deadline = time.monotonic() + seconds
    body = None
    while time.monotonic() < deadline:
        body = fetch(url)
        if body is not None and text in body:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{url} never contained {text!r}; last body: {(body or '')[:300]}")


# --- the fixture archive of the index, exports and cross-link tests ------------------------------


TODAY = dt.date(2026, 6, 1)
EPOCH = "1780272000"  # 2026-06-01 00:00:00 UTC, for SOURCE_DATE_EPOCH

# The fixture archive, oldest first. Ids are also the file names.
P1 = "2025-02-10-checkout-config-push"
P2 = "2025-09-05-payments-pool-exhausted"
P3 = "2026-01-20-checkout-payments-flag"
P4 = "2026-03-03-checkout-config-reload"
P7 = "2026-04-10-payments-provider-timeout"
P5 = "2026-05-25-search-provider-outage"
P6 = "2026-05-28-checkout-cache-capacity"
NEWEST_FIRST = [P6, P5, P7, P4, P3, P2, P1]

FORMULA_TITLE = "=HYPERLINK(1) raise the pool size"
TRICKY_TITLE = 'Add a "reload guard", then\nre-test; it, twice'

BODY = """
## Summary

{summary}

## Impact

Some requests failed while the incident lasted.

## Timeline

- 09:00 UTC — The first errors appear on the dashboards.
- 09:05 UTC — An alert pages the on-call engineer.
- 09:30 UTC — The change is rolled back and errors stop.

## Contributing Factors

The system accepted a change that it could not serve.

## Resolution

The previous version was restored.

## Lessons Learned

### What went well

- The alert fired quickly.

### What went wrong

- The dashboards were slow to load.

### Where we got lucky

- Traffic was low at the time.
"""


def item(
    ident: str, title: str, owner: str, status: str = "open", due: dt.date | None = None
) -> dict[str, Any]:
    """An action item as written in front matter."""
    data: dict[str, Any] = {"id": ident, "title": title, "owner": owner}
    if due is not None:
        data["due"] = due
    data["status"] = status
    data["type"] = "prevent"
    return data


def pm_text(
    title: str,
    day: dt.date,
    severity: str,
    services: Sequence[str],
    causes: Sequence[str],
    *,
    status: str = "published",
    resolve: int | None = None,
    items: Sequence[Mapping[str, Any]] = (),
    related: Sequence[str] = (),
    summary: str = "A short incident with a clear cause.",
    tags: Sequence[str] = (),
    participants: Sequence[str] = ("bob",),
    review_meeting: dt.date | None = None,
) -> str:
    """A valid postmortem; ``resolve`` is the minutes from start to resolution. A published
    one was reviewed two days after ``day`` unless ``review_meeting`` says when."""
    meta: dict[str, Any] = {
        "title": title,
        "date": day,
        "status": status,
        "severity": severity,
        "services": list(services),
        "causes": list(causes),
        "authors": ["alice"],
        "participants": list(participants),
    }
    if resolve is not None:
        start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.timezone.utc)
        moments = (start, start + dt.timedelta(minutes=5))
        moments += (
            start + dt.timedelta(minutes=resolve // 2),
            start + dt.timedelta(minutes=resolve),
        )
        meta["incident"] = {
            name: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            for name, moment in zip(
                ("started", "detected", "mitigated", "resolved"), moments, strict=True
            )
        }
    if review_meeting is not None:
        meta["review_meeting"] = review_meeting
    elif status == "published":
        meta["review_meeting"] = day + dt.timedelta(days=2)
    meta["related"] = list(related)
    meta["action_items"] = [dict(i) for i in items]
    meta["tags"] = list(tags)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{BODY.format(summary=summary)}"


SERVICES_YML = """\
- id: checkout
  name: Checkout
  description: Cart and order placement.
  owner: team-checkout
- id: ledger
  name: Ledger
  description: Bookkeeping of every payment.
  owner: team-ledger
- id: payments
  name: Payments API
  owner: team-payments
- id: search
  name: Search
"""

CAUSES_YML = """\
- id: capacity
  name: Capacity
- id: config-change
  name: Configuration change
- id: dependency
  name: Third-party dependency
- id: hardware
  name: Hardware failure
"""

d = dt.date
ARCHIVE: dict[str, str] = {
    "services.yml": SERVICES_YML,
    "causes.yml": CAUSES_YML,
    f"{P1}.md": pm_text(
        "Checkout config push broke the cart",
        d(2025, 2, 10),
        "SEV1",
        ["checkout"],
        ["config-change"],
        resolve=60,
        items=[
            item("AI-1", "Validate config before push", "team-a", due=d(2025, 3, 1)),
            item("AI-2", "Write the rollback runbook", "team-b", "done"),
        ],
        summary="The cart rejected every order for an hour.",
        participants=["bob", "team-checkout"],  # the owning team: the review policy
    ),
    f"{P2}.md": pm_text(
        "Payments connection pool exhausted",
        d(2025, 9, 5),
        "SEV3",
        ["payments"],
        ["capacity"],
        resolve=30,
        items=[item("AI-1", FORMULA_TITLE, "team-b", due=d(2026, 7, 1))],
    ),
    f"{P3}.md": pm_text(
        "Feature flag broke checkout and payments",
        d(2026, 1, 20),
        "SEV2",
        ["checkout", "payments"],
        ["config-change", "dependency"],
        resolve=120,
        related=[P2],
        items=[
            item("AI-1", "Stage flag rollouts", "team-a", "in-progress", d(2026, 5, 1)),
            item("AI-2", "Replace the flag vendor", "team-c", "wont-do"),
        ],
        summary="A quokkaflag rollout reached every region at once.",
        tags=["flags"],
        participants=["bob", "team-checkout", "team-payments"],
    ),
    f"{P4}.md": pm_text(
        "Checkout config reload dropped sessions",
        d(2026, 3, 3),
        "SEV2",
        ["checkout"],
        ["config-change"],
        status="in-review",
        resolve=45,
        related=[P1],
        items=[item("AI-1", TRICKY_TITLE, "team-c", due=d(2026, 6, 15))],
        participants=["bob", "team-checkout"],
        review_meeting=d(2026, 3, 5),  # reviewed, not published yet
    ),
    f"{P7}.md": pm_text(
        "Payments provider timed out",
        d(2026, 4, 10),
        "SEV1",
        ["payments"],
        ["dependency"],
        resolve=240,
        related=[P3],
        items=[item("AI-1", "Add a provider circuit breaker", "team-a", due=d(2026, 4, 30))],
        participants=["bob", "team-payments"],
    ),
    f"{P5}.md": pm_text(
        "Search provider outage",
        d(2026, 5, 25),
        "SEV4",
        ["search"],
        ["dependency"],
        status="draft",
        items=[item("AI-1", "Cache search results", "team-b", due=d(2026, 5, 30))],
    ),
    f"{P6}.md": pm_text(
        "Checkout cache ran out of capacity",
        d(2026, 5, 28),
        "SEV3",
        ["checkout"],
        ["capacity"],
        resolve=90,
        related=[P2],
        items=[item("AI-1", "Size the cache for peak", "team-a", "done")],
    ),
}
del d


def write_archive(folder: Path, files: Mapping[str, str]) -> None:
    """Write postmortems and catalogs into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def load(root: Path, files: Mapping[str, str], settings: Settings | None = None) -> Archive:
    """Write ``files`` to ``root/postmortems`` and load them (the policies on ``TODAY``)."""
    write_archive(root / "postmortems", files)
    return load_archive(root / "postmortems", root, settings or Settings(), today=TODAY)


def index_of(
    root: Path,
    files: Mapping[str, str],
    settings: Settings | None = None,
    today: dt.date = TODAY,
) -> Index:
    """Write, load and index an archive."""
    settings = settings or Settings()
    return build_index(load(root, files, settings), settings, today)


UNPARSABLE = "---\ntitle: [unclosed\n---\n\n## Summary\n\nStill here.\n"


# --- hostile and broken input (issue 7): the robustness cases ------------------------------------


DAY = "2026-03-14"
BODY_LINE = 27  # the body of TEXT starts on this line (see VALID_BODY's layout)


def fm(old: str, new: str) -> str:
    """The valid postmortem with one replacement in its front matter."""
    assert old in FM, old
    return postmortem_text(front_matter=FM.replace(old, new, 1))


def body(extra: str) -> str:
    """The valid postmortem with ``extra`` appended to its body."""
    return TEXT + "\n" + extra


def q(value: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Link:
    """A symbolic link; ``{outside}`` in the target is a folder outside the repository."""

    target: str


@dataclass(frozen=True)
class Folder:
    """A folder, with files inside it."""

    files: dict[str, Content] = field(default_factory=dict)


Content = str | bytes | Link | Folder


@dataclass(frozen=True)
class Expect:
    """A finding that must be reported: file (in the case folder), rule, line."""

    file: str
    rule: str  # "a|b": either rule
    line: int


@dataclass(frozen=True)
class Case:
    """Files of one case; ``expect`` empty means: no errors or warnings at all."""

    name: str
    files: dict[str, Content]
    expect: tuple[Expect, ...] = ()
    slow: bool = False  # a big file: keep it out of builds that run many times

    def folder(self, site: Path) -> Path:
        """Where the case's files live."""
        return site / "postmortems" / self.name


def one(name: str, content: Content, *expect: tuple[str, int]) -> Case:
    """A case of one file ``2026-03-14-<name>.md`` and the (rule, line) findings it must get."""
    file = f"{DAY}-{name}.md"
    return Case(name, {file: content}, tuple(Expect(file, rule, line) for rule, line in expect))


# Values that try to escape Markdown or HTML, or to become a link or a path.
HOSTILE = [
    "<script>alert('title')</script>",
    '"><img src=x onerror=alert(1)>',
    "[click](javascript:alert(1))",
    '{: onclick="alert(1)" }',
    "<a href='javascript:alert(1)'>x</a>",
    "javascript:alert(1)",
    "`code` *em* __u__ ![i](x.png) <!-- c --> ]]> &amp; &lt;",
    "../../../etc/passwd",
    "a\\b/c",
    "Line one\nline two: \"double\" 'single'",
    '=HYPERLINK("https://evil.example")',
]
BAD_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox(1)",
    "//evil.example/x",
]
GOOD_LINKS = [
    'https://x.example/a")](javascript:alert(1))',
    'http://x.example/" onmouseover="alert(1)',
    "https://x.example/<script>alert(1)</script>",
    "https://x.example/{: onclick=alert(1) }",
    "https://x.example/ok",
]


def hostile_postmortem() -> tuple[str, list[tuple[str, int]]]:
    """A postmortem whose every free-text value is hostile, and the findings it must get."""
    lines = [
        "---",
        f"title: {q(' '.join(HOSTILE[:5]) + ' ' + HOSTILE[9])}",
        f"date: {DAY}",
        "status: published",
        "severity: SEV2",
        "services: ["
        + ", ".join(
            q(v)
            for v in [
                *HOSTILE,
                "checkout",
                "Checkout",
                "checkоut",  # Cyrillic о: looks like "checkout"
                "check out",
                "check-out",
                "..",
                ".",
                "a/b",
                "a\\b",
                "index",
                "сервис",  # nothing left for a slug
            ]
        )
        + "]",
        f"causes: [{', '.join(q(v) for v in HOSTILE)}]",
        f"authors: [{', '.join(q(v) for v in HOSTILE[:4])}]",
        f"participants: [{', '.join(q(v) for v in HOSTILE[4:])}]",
        "incident:",
        "  started: 2026-03-14T09:00:00Z",
        "  resolved: 2026-03-14T10:15:00Z",
        "review_meeting: 2026-03-16",
        f"related: [{q('../../etc/passwd')}, {q('<script>alert(1)</script>')}]",
    ]
    expect = [("unknown-related", len(lines))]
    lines += [f"tags: [{', '.join(q(v) for v in HOSTILE)}]", "action_items:"]
    for index, (value, link) in enumerate(zip(HOSTILE, [*BAD_LINKS, *GOOD_LINKS], strict=False)):
        lines += [
            f"  - id: {q(f'AI-{index} {value}')}",
            f"    title: {q(value)}",
            f"    owner: {q(value)}",
            "    due: 2026-04-01",
            f"    priority: {q(value)}",
            "    type: prevent",
            f"    link: {q(link)}",
        ]
        if link in BAD_LINKS:
            expect.append(("action-item-link-scheme", len(lines)))
    lines.append("---")
    return "\n".join(lines) + "\n" + VALID_BODY, expect


def billion_laughs() -> str:
    """Nine levels of ten aliases each: a billion strings if the aliases were expanded."""
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"lol{level}: &a{level} [{refs}]")
    return "---\n" + "\n".join(lines) + "\n---\n" + VALID_BODY


def _cases() -> list[Case]:
    hostile, hostile_expect = hostile_postmortem()
    naive = "detected: 2026-03-14T09:05:00Z"
    too_many = "tags: [" + ", ".join(["db"] * 20_001) + "]"
    link_items = "".join(
        f"  - id: AI-{n}\n    title: Item {n}\n    owner: team-db\n    due: 2026-04-01\n"
        f"    link: {q(link)}\n"
        for n, link in enumerate(BAD_LINKS[:4], start=2)
    )
    links = FM.replace("tags: [database]", link_items.rstrip("\n") + "\ntags: [database]")
    return [
        # --- YAML -----------------------------------------------------------------------
        one(
            "yaml-syntax",
            fm("title: Checkout errors after", "title: Checkout: errors after"),
            ("yaml-syntax", 2),
        ),
        one("yaml-tab", fm("  started:", "\tstarted:"), ("yaml-syntax", 11)),
        Case(
            "yaml-tab-value",
            {f"{DAY}-yaml-tab-value.md": fm("title: Checkout", "title:\tCheckout\t")},
        ),
        one(
            "duplicate-key",
            fm("tags: [database]", "tags: [database]\ntitle: Again"),
            ("duplicate-key", 26),
        ),
        one("unclosed", "---\n" + FM + VALID_BODY, ("unclosed-front-matter", 1)),
        one(
            "front-matter-list",
            "---\n- a\n- b\n---\n" + VALID_BODY,
            ("front-matter-not-mapping", 2),
        ),
        one(
            "front-matter-scalar",
            "---\njust words\n---\n" + VALID_BODY,
            ("front-matter-not-mapping", 2),
        ),
        one("front-matter-empty", "---\n---\n" + VALID_BODY, ("front-matter-not-mapping", 1)),
        one("empty-file", "", ("no-front-matter", 1)),
        one("only-front-matter", "---\n" + FM + "---\n", ("missing-section", BODY_LINE)),
        one("norway-severity", fm("severity: SEV2", "severity: NO"), ("invalid-value", 5)),
        one("norway-status", fm("status: published", "status: no"), ("invalid-value", 4)),
        one(
            "norway-service",
            fm("services: [checkout, payments-api]", "services: [no, off]"),
            ("invalid-value", 6),
        ),
        Case(
            "norway-quoted",
            {
                f"{DAY}-norway-quoted.md": fm(
                    "services: [checkout, payments-api]", 'services: ["no", "off"]'
                )
            },
        ),
        Case("date-as-string", {f"{DAY}-date-as-string.md": fm(f"date: {DAY}", f"date: '{DAY}'")}),
        one("date-as-number", fm(f"date: {DAY}", "date: 20260314"), ("invalid-value", 3)),
        one(
            "timestamp-as-number",
            fm("started: 2026-03-14T09:00:00Z", "started: 1773478800"),
            ("invalid-value", 11),
        ),
        one(
            "timestamp-as-string",
            fm("started: 2026-03-14T09:00:00Z", "started: 'yesterday morning'"),
            ("invalid-value", 11),
        ),
        one(
            "timestamp-impossible",
            fm("started: 2026-03-14T09:00:00Z", "started: 2026-02-30T09:00:00Z"),
            ("invalid-value", 11),
        ),
        one(
            "timestamp-without-offset",
            fm(naive, naive.rstrip("Z")),
            ("timestamp-without-offset", 12),
        ),
        one("on-key", fm("tags: [database]", "tags: [database]\non: push"), ("non-string-key", 26)),
        one(
            "yes-key", fm("tags: [database]", "tags: [database]\nyes: true"), ("non-string-key", 26)
        ),
        one("action-item-id-number", fm("- id: AI-1", "- id: 1"), ("invalid-value", 18)),
        one(
            "services-numbers",
            fm("services: [checkout, payments-api]", "services: [1, 2]"),
            ("invalid-value", 6),
        ),
        one(
            "title-number",
            fm("title: Checkout errors after a database failover", "title: 404"),
            ("invalid-value", 2),
        ),
        one(
            "python-tag",
            fm("tags: [database]", "tags: !!python/object/apply:os.system [echo]"),
            ("yaml-syntax|invalid-value", 25),
        ),
        # --- alias bombs and nesting ---------------------------------------------------
        one("billion-laughs", billion_laughs(), ("yaml-alias", 2)),
        one(
            "alias",
            fm("participants: [bob, carol]", "participants: &p [bob]\nwatchers: *p"),
            ("yaml-alias", 9),
        ),
        one(
            "deep-nesting",
            fm("tags: [database]", "tags: " + "[" * 12 + "x" + "]" * 12),
            ("yaml-too-deep", 25),
        ),
        one(
            "very-deep-nesting",
            fm("tags: [database]", "tags: " + "[" * 100_000 + "]" * 100_000),
            ("yaml-too-deep|yaml-syntax", 25),
        ),
        one(
            "very-deep-mapping",
            fm("tags: [database]", "tags: " + "{a: " * 50_000 + "b" + "}" * 50_000),
            ("yaml-too-deep|yaml-syntax", 25),
        ),
        one("too-many-values", fm("tags: [database]", too_many), ("yaml-too-large", 25)),
        # --- encodings -----------------------------------------------------------------
        Case("bom", {f"{DAY}-bom.md": b"\xef\xbb\xbf" + TEXT.encode()}),
        Case("crlf", {f"{DAY}-crlf.md": TEXT.replace("\n", "\r\n").encode()}),
        Case(
            "bom-crlf",
            {f"{DAY}-bom-crlf.md": b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode()},
        ),
        Case("cr", {f"{DAY}-cr.md": TEXT.replace("\n", "\r").encode()}),
        one(
            "not-utf8", TEXT.encode().replace(b"About 2,000", b"About \xe92,000"), ("not-utf8", 34)
        ),
        one("utf16", TEXT.encode("utf-16"), ("not-utf8", 1)),
        one("nul-byte", TEXT.replace("About 2,000", "About \x002,000").encode(), ("nul-byte", 34)),
        one(
            "nul-in-front-matter",
            fm("title: Checkout", "title: Check\x00out").encode(),
            ("nul-byte", 2),
        ),
        Case(
            "long-line",
            {
                f"{DAY}-long-line.md": body(
                    "The cache " + "kept serving stale pages " * 40_000 + "\n"
                )
            },
            slow=True,
        ),
        Case(
            "long-line-front-matter",
            {
                f"{DAY}-long-line-front-matter.md": fm(
                    "title: Checkout errors", "title: " + "x" * 1_000_000
                )
            },
            slow=True,
        ),
        one("huge-file", body("x" * 20_000_000), ("file-too-large", 1)),
        # --- values --------------------------------------------------------------------
        Case(
            "hostile-values",
            {f"{DAY}-hostile-values.md": hostile},
            tuple(Expect(f"{DAY}-hostile-values.md", r, n) for r, n in hostile_expect),
        ),
        # --- links ---------------------------------------------------------------------
        one(
            "related-missing",
            fm("related: []", "related: [2026-03-14-nowhere]"),
            ("unknown-related", 16),
        ),
        one(
            "related-self",
            fm("related: []", "related: [2026-03-14-related-self]"),
            ("self-related", 16),
        ),
        Case(
            "related-cycle",
            {
                f"{DAY}-cycle-a.md": fm("related: []", "related: [2026-03-14-cycle-b]"),
                f"{DAY}-cycle-b.md": fm("related: []", "related: [2026-03-14-cycle-a]"),
            },
        ),
        one(
            "link-schemes",
            postmortem_text(front_matter=links),
            *(("action-item-link-scheme", 24 + 5 * n) for n in range(1, 5)),
        ),
        # --- files ---------------------------------------------------------------------
        Case("bad-name", {"Bad Name.md": TEXT}, (Expect("Bad Name.md", "invalid-id", 1),)),
        Case(
            "dots", {"2026.03.14.dots.md": TEXT}, (Expect("2026.03.14.dots.md", "invalid-id", 1),)
        ),
        Case(
            "backslash",
            {f"{DAY}-back\\slash.md": TEXT},
            (Expect(f"{DAY}-back\\slash.md", "invalid-id", 1),),
        ),
        Case(
            "look-alike",
            {f"{DAY}-checkоut.md": TEXT},  # Cyrillic о
            (Expect(f"{DAY}-checkоut.md", "invalid-id", 1),),
        ),
        Case(
            "html-name",
            {
                f'{DAY}-x" onmouseover="alert(1)" y=".md': TEXT,
                "<img src=x onerror=alert(2)>.md": TEXT,
            },
            (
                Expect(f'{DAY}-x" onmouseover="alert(1)" y=".md', "invalid-id", 1),
                Expect("<img src=x onerror=alert(2)>.md", "invalid-id", 1),
            ),
        ),
        Case(
            "same-slug",
            {
                unicodedata.normalize("NFC", f"{DAY}-café.md"): TEXT,
                unicodedata.normalize("NFD", f"{DAY}-café.md"): TEXT,
            },
            (  # both are invalid ids; NFD sorts first, so NFC is the duplicate
                Expect(unicodedata.normalize("NFD", f"{DAY}-café.md"), "invalid-id", 1),
                Expect(unicodedata.normalize("NFC", f"{DAY}-café.md"), "invalid-id", 1),
                Expect(unicodedata.normalize("NFC", f"{DAY}-café.md"), "duplicate-id", 1),
            ),
        ),
        Case(
            "id-case",
            {
                "a": Folder({f"{DAY}-same-id.md": TEXT}),
                "b": Folder({f"{DAY}-Same-ID.md": TEXT}),
            },
            (
                Expect(f"b/{DAY}-Same-ID.md", "invalid-id", 1),
                Expect(f"b/{DAY}-Same-ID.md", "duplicate-id", 1),
            ),
        ),
        Case(
            "folder-named-md",
            {f"{DAY}-folder.md": Folder({f"{DAY}-inside-folder.md": TEXT})},
            (Expect(f"{DAY}-folder.md", "unreadable-file", 1),),
        ),
        one("link-outside", Link("{outside}/secret.md"), ("unreadable-file", 1)),
        one("link-outside-absolute", Link("/etc/passwd"), ("unreadable-file", 1)),
        one("link-device", Link("/dev/zero"), ("unreadable-file", 1)),
        one("link-git", Link("../../.git/config"), ("unreadable-file", 1)),
        one("link-dangling", Link("missing.md"), ("unreadable-file", 1)),
        one("link-loop", Link(f"{DAY}-link-loop.md"), ("unreadable-file", 1)),
        Case(
            "link-folder-outside",
            {"linked": Link("{outside}")},
            (Expect("linked", "unreadable-file", 1),),
        ),
        Case(
            "link-inside",  # a link that stays in the repository is followed
            {f"{DAY}-link-inside.md": Link("../../docs/shared-postmortem.md")},
        ),
    ]


CASES = _cases()
BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"
SECRET = "TOP-SECRET-OUTSIDE-THE-REPOSITORY"


def write_files(folder: Path, files: dict[str, Content], outside: Path) -> None:
    """Write ``files`` below ``folder`` (links and folders included)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, Link):
            path.symlink_to(content.target.replace("{outside}", str(outside)))
        elif isinstance(content, Folder):
            path.mkdir()
            write_files(path, dict(content.files), outside)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            path.write_bytes(data)


def write_outside(outside: Path) -> None:
    """A folder outside the repository with a file that must never be read."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.md").write_text(f"---\ntitle: {SECRET}\n---\n{SECRET}\n")
    (outside / f"{DAY}-outside.md").write_text(TEXT.replace("Checkout errors", SECRET))


def write_repository(site: Path, outside: Path, cases: list[Case] = CASES) -> None:
    """A repository (marked by ``.git``) with one folder of ``postmortems/`` per case."""
    (site / ".git").mkdir(parents=True, exist_ok=True)
    (site / ".git" / "config").write_text(f"[remote]\n\ttoken = {SECRET}\n")
    (site / "docs").mkdir(exist_ok=True)
    (site / "docs" / "shared-postmortem.md").write_text(TEXT)
    write_outside(outside)
    for case in cases:
        write_files(case.folder(site), case.files, outside)


def case_paths(case: Case) -> list[str]:
    """Every path of the case, relative to ``postmortems/``, folders' contents included."""

    def walk(prefix: str, files: dict[str, Content]) -> Iterator[str]:
        for name, content in files.items():
            yield f"{prefix}/{name}"
            if isinstance(content, Folder):
                yield from walk(f"{prefix}/{name}", dict(content.files))

    return list(walk(case.name, case.files))


# --- XSS vectors ---------------------------------------------------------------------------------
# Issue 20: author HTML in a postmortem body must never run on the published site.


XSS_VECTORS_FILE = REPO / "tests" / "data" / "xss-vectors.yml"
"""Known XSS vectors, as Markdown an author could write (see the file's header)."""

XSS_ELEMENTS = frozenset(
    {
        *("script", "iframe", "frame", "frameset", "object", "embed", "applet", "style"),
        *("form", "input", "button", "textarea", "select", "meta", "base", "link"),
        *("svg", "math", "template"),
    }
)
"""Elements that must never reach a published postmortem body."""

XSS_URL_ATTRIBUTES = frozenset(
    {
        *("href", "src", "action", "formaction", "xlink:href", "data", "poster"),
        *("background", "lowsrc", "dynsrc", "codebase"),
    }
)
"""Attributes whose value a browser loads or follows as a URL."""


@dataclass(frozen=True)
class XssVector:
    """One vector: ``lines`` are the lines of ``markdown`` (1-based) that raw-html reports;
    ``swallows``: it leaves an element open, and the rest of the body is raw HTML or gone."""

    id: str
    category: str
    markdown: str
    lines: tuple[int, ...] = (1,)
    swallows: bool = False


def xss_vectors() -> list[XssVector]:
    """Every vector of ``tests/data/xss-vectors.yml``, in file order."""
    entries = yaml.safe_load(XSS_VECTORS_FILE.read_text(encoding="utf-8"))
    return [
        XssVector(
            e["id"],
            e["category"],
            e["markdown"],
            tuple(e.get("lines", (1,))),
            bool(e.get("swallows", False)),
        )
        for e in entries
    ]


def with_block(text: str, block: str, *, before: str = "\n## Impact\n") -> str:
    """``text`` (a postmortem or a body) with ``block`` as its own blocks before ``before``."""
    assert text.count(before) == 1, before
    return text.replace(before, f"\n{block}\n{before}")


def dangerous_url(value: str, *, data_images: bool = False) -> bool:
    """A javascript:, vbscript: or data: URL, once whitespace and control characters (which
    browsers skip) are gone; ``value`` is already unescaped (as html.parser gives it)."""
    url = "".join(ch for ch in value if ord(ch) > 0x20 and ord(ch) != 0x7F).lower()
    if data_images and url.startswith("data:image/") and not url.startswith("data:image/svg"):
        return False
    return url.startswith(("javascript:", "vbscript:", "data:"))


def unsafe_html(text: str, *, data_images: bool = False, elements: bool = True) -> list[str]:
    """What in ``text`` could run: forbidden elements (unless ``elements`` is False: a whole
    page has the theme's own), ``on*`` and ``srcdoc`` attributes, dangerous URLs, scripted
    styles. Empty when the HTML is safe."""
    from html.parser import HTMLParser

    problems: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if elements and tag in XSS_ELEMENTS:
                problems.append(f"<{tag}>")
            for name, value in attrs:
                value = value or ""
                handler = name.startswith("on") or name == "srcdoc"
                url = name in XSS_URL_ATTRIBUTES and dangerous_url(value, data_images=data_images)
                style = name == "style" and any(
                    word in value.lower() for word in ("expression", "javascript:", "url(")
                )
                if handler or url or style:
                    problems.append(f"<{tag} {name}={value!r}>")

        handle_startendtag = handle_starttag

    parser = Parser(convert_charrefs=True)
    parser.feed(text)
    parser.close()
    return problems


# --- browser tests -------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; .ci/run installs it
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def browser_api() -> Any:
    """Playwright's sync API for a browser test module. Without Playwright or Debian's
    Chromium the module is skipped on a developer machine and fails in CI (CI=true)."""
    import os

    import pytest

    if os.environ.get("CI"):  # CI must run these tests: a missing part is a failure there
        import playwright.sync_api as api

        assert CHROMIUM.exists(), "CI must run the browser tests: install Debian's chromium"
        return api
    api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)
    return api


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@contextlib.contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """Serve ``site_dir`` on a free loopback port; yields the site's URL."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def build_sample(site_dir: Path) -> None:
    """Build the sample archive strictly, on SAMPLE_TODAY (as the browser tests see it)."""
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(REPO / "mkdocs.yml", site_dir, strict=True)
