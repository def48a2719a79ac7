"""Machine-readable exports of the archive: postmortems.json, action-items.json and .csv.

The shapes are versioned (``"version": 2``) and documented in docs/reference/exports.md.
URLs are relative to the site root, or absolute under ``site_url`` when the site sets one
(the archive page's own ``archive.json`` stays relative to that page).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from postmortem_kb.archive.index import Index, ItemRef
from postmortem_kb.archive.terms import STOP_WORDS, postmortem_words, term_index
from postmortem_kb.archive.urls import absolute_url, page_url, postmortem_uri
from postmortem_kb.model.findings import Level
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.text import anchor
from postmortem_kb.source.atomic import write_atomically

EXPORT_VERSION = 2
"""2: action items gain ``team`` and ``age_days``; URLs are absolute when ``site_url`` is set."""
ITEM_COLUMNS = (
    "postmortem",
    "postmortem_title",
    "id",
    "title",
    "owner",
    "due",
    "status",
    "overdue",
    "days_overdue",
    "type",
    "priority",
    "link",
    "severity",
    "services",
    "causes",
    "team",
    "age_days",
    "url",
)


EXPORT_FILES = (
    "postmortems.json",
    "action-items.json",
    "action-items.csv",
    "postmortems/archive.json",
)


def write_exports(
    index: Index,
    site_dir: Path,
    severities: tuple[str, ...],
    directory_urls: bool,
    site_url: str | None = None,
) -> None:
    """Write every export of a build into ``site_dir``, each file atomically."""
    for name, parts in export_parts(index, severities, directory_urls, site_url):
        write_atomically(site_dir / name, parts())  # written piece by piece: little memory


def export_parts(
    index: Index,
    severities: tuple[str, ...],
    directory_urls: bool,
    site_url: str | None = None,
) -> list[tuple[str, Callable[[], Iterable[str]]]]:
    """Each export's file name (``EXPORT_FILES``) and what gives its text, in pieces."""
    pieces: tuple[Callable[[], Iterable[str]], ...] = (  # in the order of EXPORT_FILES
        lambda: _postmortems_parts(index, directory_urls, site_url),
        lambda: _items_parts(index, directory_urls, site_url),
        lambda: _csv_parts(index, directory_urls, site_url),
        lambda: [archive_filter_json(index, severities, directory_urls)],
    )
    return list(zip(EXPORT_FILES, pieces, strict=True))


def postmortems_json(index: Index, directory_urls: bool, site_url: str | None = None) -> str:
    """All postmortems with derived durations, URLs, cross-links and action items."""
    return "".join(_postmortems_parts(index, directory_urls, site_url))


def action_items_json(index: Index, directory_urls: bool, site_url: str | None = None) -> str:
    """Every action item, open ones first (overdue first, then by due date)."""
    return "".join(_items_parts(index, directory_urls, site_url))


def action_items_csv(index: Index, directory_urls: bool, site_url: str | None = None) -> str:
    """The same items as CSV; lists are joined with ``;`` and formulas are neutralised."""
    return "".join(_csv_parts(index, directory_urls, site_url))


def _postmortems_parts(index: Index, directory_urls: bool, site_url: str | None) -> Iterator[str]:
    records = (_postmortem(pm, index, directory_urls, site_url) for pm in index.postmortems)
    return _record_per_line(index, "postmortems", records)


def _items_parts(index: Index, directory_urls: bool, site_url: str | None) -> Iterator[str]:
    refs = (*index.open_items, *index.closed_items)
    records = (_item(ref, index, directory_urls, site_url) for ref in refs)
    return _record_per_line(index, "items", records)


def _record_per_line(index: Index, key: str, records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """JSON with one record per line: diffs and grep stay readable, and the C encoder runs.

    (``json.dumps`` with ``indent`` falls back to the pure-Python encoder.)
    """
    head = json.dumps({"version": EXPORT_VERSION, "generated": index.today.isoformat()})
    yield f"{head[:-1]}, {json.dumps(key)}: ["
    separator = "\n"
    for record in records:
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "]}\n" if separator == "\n" else "\n]}\n"


def _csv_parts(index: Index, directory_urls: bool, site_url: str | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ITEM_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for ref in (*index.open_items, *index.closed_items):
        row = _item(ref, index, directory_urls, site_url)
        writer.writerow({key: _cell(row[key]) for key in ITEM_COLUMNS})
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def archive_filter_json(index: Index, severities: tuple[str, ...], directory_urls: bool) -> str:
    """The data behind the archive page's filters: each readable postmortem's facets, and
    the words of every postmortem as a compact index (``archive/terms.py``). URLs are
    relative to the archive page; the page's rows are matched to records by them."""
    labels: dict[str, dict[str, str]] = {
        "services": {g.entry.value: g.entry.label for g in index.services},
        "causes": {g.entry.value: g.entry.label for g in index.causes},
    }
    readable = [pm for pm in index.postmortems if pm.meta is not None]
    records = []
    for pm in readable:
        meta = pm.meta
        assert meta is not None
        records.append(
            {
                "url": f"{pm.slug}/" if directory_urls else f"{pm.slug}.html",
                "year": str(meta.date.year),
                "severity": meta.severity,
                "status": meta.status,
                "services": meta.services,
                "causes": meta.causes,
            }
        )
    payload = {
        "version": EXPORT_VERSION,
        "severities": list(severities),
        "labels": labels,
        "postmortems": records,
        "words": term_index([postmortem_words(pm, index) for pm in readable]),
        "stop_words": " ".join(sorted(STOP_WORDS)),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ";".join(value)
    text = str(value)
    # A leading = + - @ makes spreadsheets evaluate the cell: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _minutes(pm: Postmortem) -> dict[str, int | None]:
    durations = pm.durations
    return {
        name: int(durations[name].total_seconds() // 60) if name in durations else None
        for name in ("detect", "mitigate", "resolve")
    }


def _postmortem(
    pm: Postmortem, index: Index, directory_urls: bool, site_url: str | None
) -> dict[str, Any]:
    problems = {
        "errors": sum(1 for f in pm.findings if f.level is Level.ERROR),
        "warnings": sum(1 for f in pm.findings if f.level is Level.WARNING),
    }
    record: dict[str, Any] = {
        "id": pm.id,
        "url": absolute_url(page_url(postmortem_uri(pm.slug), directory_urls), site_url),
        "source": pm.path,
        "readable": pm.meta is not None,
        "title": pm.title,
        "problems": problems,
    }
    meta = pm.meta
    if meta is None:
        return record
    times = meta.incident
    record.update(
        date=meta.date.isoformat(),
        status=meta.status,
        severity=meta.severity,
        services=meta.services,
        causes=meta.causes,
        authors=meta.authors,
        participants=meta.participants,
        tags=meta.tags,
        incident={
            name: value.isoformat() if (value := getattr(times, name)) else None
            for name in ("started", "detected", "mitigated", "resolved")
        },
        minutes_to=_minutes(pm),
        review_meeting=meta.review_meeting.isoformat() if meta.review_meeting else None,
        imported=meta.imported,
        related=[other.id for other in index.related.get(pm.slug, [])],
        referenced_by=[other.id for other in index.referenced_by.get(pm.slug, [])],
        action_items=[
            {
                key: value
                for key, value in _item(ref, index, directory_urls, site_url).items()
                if key not in ("postmortem", "postmortem_title", "severity", "services", "causes")
            }
            for ref in index.items_of(pm)
        ],
    )
    return record


def _item(ref: ItemRef, index: Index, directory_urls: bool, site_url: str | None) -> dict[str, Any]:
    item, pm = ref.item, ref.postmortem
    assert pm.meta is not None
    url = f"{page_url(postmortem_uri(pm.slug), directory_urls)}#{anchor(item.id)}"
    return {
        "postmortem": pm.id,
        "postmortem_title": pm.meta.title,
        "id": item.id,
        "title": item.title,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "status": item.status,
        "overdue": ref.overdue,
        "days_overdue": ref.days_overdue,
        "type": item.type,
        "priority": item.priority,
        "link": item.link,
        "severity": pm.meta.severity,
        "services": pm.meta.services,
        "causes": pm.meta.causes,
        "team": [group.team.id for group in index.teams_of_owner(item.owner)],
        # Items record no closing date, so a closed item has no age.
        "age_days": None if item.is_closed else max(0, (index.today - pm.meta.date).days),
        "url": absolute_url(url, site_url),
    }
