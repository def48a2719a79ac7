"""Shared helpers: a fully valid published postmortem and an in-process checker run."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml

from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.index import Index
from postmortem_kb.archive.urls import postmortem_uri
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.settings import Settings
from postmortem_kb.site.html import Markers
from postmortem_kb.site.renderer import SiteRenderer

PM_ID = "2026-03-14-checkout-db-failover"

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
    """Signature of the ``write_pm`` fixture."""

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


@pytest.fixture
def write_pm(tmp_path: Path) -> WritePostmortem:
    """Write a postmortem into ``tmp_path/postmortems`` (valid and published by default)."""

    def write(*args: Any, **kwargs: Any) -> Path:
        return write_postmortem(tmp_path, *args, **kwargs)

    return write  # type: ignore[return-value]


def run_check(
    root: Path,
    settings: Settings | None = None,
    *,
    files: Iterable[Path] | None = None,
    folder: str = "postmortems",
) -> list[Finding]:
    """Check ``root/<folder>`` in-process and return every finding (paths relative to root)."""
    archive = load_archive(root / folder, root, settings or Settings(), files)
    return archive.findings()


def rules_of(findings: Iterable[Finding]) -> list[str]:
    """Return the rule ids of ``findings``, in order."""
    return [finding.rule for finding in findings]


def only(findings: Iterable[Finding], rule: str) -> list[Finding]:
    """Return the findings of one rule."""
    return [finding for finding in findings if finding.rule == rule]


CheckArchive = Callable[..., list[Finding]]
"""Signature of the ``check`` fixture."""


@pytest.fixture
def check(tmp_path: Path) -> CheckArchive:
    """Check ``tmp_path/postmortems`` in-process: ``check(settings=None, files=None)``."""

    def run(settings: Settings | None = None, **kwargs: Any) -> list[Finding]:
        return run_check(tmp_path, settings, **kwargs)

    return run


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
    from postmortem_kb.archive.index import build_index

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
