"""Turn a foreign postmortem (a wiki export, another tool's Markdown) into one of ours.

Pure functions over text: :func:`convert` takes the source's text and what is known about
it, and returns the new file's content and a to-do list of what it could not determine.
Foreign front matter (YAML ``---``, TOML ``+++``, JSON ``{``) is read with
``python-frontmatter``; the written file is checked with our own line-accurate reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from postmortem_kb.model.text import slugify
from postmortem_kb.source.foreign_body import (
    BULLET,
    HEADING,
    action_items,
    code_lines,
    find_date,
    heading_key,
    heading_level,
    incident_times,
    labelled_date,
)

# Built-in heading aliases (casefolded), on top of the configured section aliases.
HEADING_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        (
            "what happened",
            "overview",
            "incident summary",
            "executive summary",
            "tl;dr",
            "tldr",
            "description",
            "background",
        ),
        "Summary",
    ),
    **dict.fromkeys(
        ("customer impact", "user impact", "business impact", "effect", "who was affected"),
        "Impact",
    ),
    **dict.fromkeys(
        ("timeline of events", "chronology", "sequence of events", "events", "time line"),
        "Timeline",
    ),
    **dict.fromkeys(
        (
            "root cause",
            "root causes",
            "root cause(s)",
            "root cause analysis",
            "causes",
            "cause",
            "why it happened",
            "analysis",
            "contributing causes",
        ),
        "Contributing Factors",
    ),
    **dict.fromkeys(
        (
            "fix",
            "the fix",
            "remediation",
            "mitigation",
            "recovery",
            "how we fixed it",
            "resolution and recovery",
            "response",
        ),
        "Resolution",
    ),
    **dict.fromkeys(
        ("learnings", "lessons", "takeaways", "what we learned", "lessons learnt", "retrospective"),
        "Lessons Learned",
    ),
}
SERVICE_KEYS = (
    "services",
    "service",
    "product",
    "products",
    "component",
    "components",
    "system",
    "systems",
)
CAUSE_KEYS = ("causes", "cause", "root_cause", "root_causes", "categories", "category")
TAG_KEYS = ("tags", "keywords", "labels")
SEVERITY_KEYS = ("severity", "sev", "priority", "impact_level")
AUTHOR_KEYS = ("authors", "author", "written_by", "by", "owner", "owners")
PARTICIPANT_KEYS = ("participants", "attendees", "responders")
DATE_KEYS = ("date", "incident_date", "started", "created", "start")
STATUS_KEYS = ("status", "state")
PUBLISHED = {"published", "final", "complete", "completed", "done", "closed", "reviewed"}
DRAFT = {"draft", "wip", "in progress", "in-progress"}

_SETEXT = re.compile(r"^ {0,3}=+[ \t]*$")


class ImportSourceError(Exception):
    """A source that cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class Foreign:
    """A source file split into its foreign front matter and its body."""

    metadata: dict[str, Any]
    body: str
    body_line: int  # the source line the body starts on


@dataclass
class Converted:
    """The new postmortem: its file name, content and what it could not determine."""

    file_name: str
    content: str
    todo: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


def sha256_of(data: bytes) -> str:
    """The content hash recorded in ``imported_from``."""
    return hashlib.sha256(data).hexdigest()


def last_commit_date(path: Path) -> dt.date | None:
    """The day of the last git commit that touched ``path``, if it is in a repository."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        return dt.date.fromisoformat(out) if out else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def read_foreign(text: str, display: str) -> Foreign:
    """Split ``text`` into front matter (YAML, TOML or JSON, or none) and body."""
    import frontmatter  # python-frontmatter; only the import command needs it
    from frontmatter.default_handlers import JSONHandler, YAMLHandler

    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    first = text.split("\n", 1)[0].strip()
    handler: Any
    if first == "---":
        handler = YAMLHandler()
    elif first == "+++":
        handler = _TomlHandler()
    elif first == "{":
        handler = JSONHandler()
    else:
        return Foreign({}, text, 1)
    try:
        post = frontmatter.loads(text, handler=handler)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ImportSourceError(f"{display}:{line}: YAML front matter: {_first(error)}") from error
    except json.JSONDecodeError as error:
        raise ImportSourceError(
            f"{display}:{error.lineno}: JSON front matter: {error.msg}"
        ) from error
    except ValueError as error:  # tomllib.TOMLDecodeError: "... (at line 3, column 7)"
        found = re.search(r"line (\d+)", str(error))
        line = int(found.group(1)) if found else 1  # the text after '+++' counts its line
        raise ImportSourceError(f"{display}:{line}: TOML front matter: {error}") from error
    if not isinstance(post.metadata, dict):
        raise ImportSourceError(f"{display}:1: the front matter is not a mapping of keys to values")
    body = post.content
    body_line = text.count("\n", 0, max(text.find(body), 0)) + 1 if body else 1
    return Foreign(dict(post.metadata), body + "\n" if body else "", body_line)


def _first(error: Exception) -> str:
    return str(error).split("\n", 1)[0]


class _TomlHandler:
    """TOML front matter between ``+++`` lines, read with the standard library."""

    FM_BOUNDARY = re.compile(r"^\+{3}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def detect(self, text: str) -> bool:
        return bool(self.FM_BOUNDARY.match(text))

    def split(self, text: str) -> tuple[str, str]:
        _, fm, content = self.FM_BOUNDARY.split(text, 2)
        return fm, content

    def load(self, fm: str) -> dict[str, Any]:
        toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
        data: dict[str, Any] = toml.loads(fm)
        return data

    def export(self, metadata: dict[str, Any], **kwargs: Any) -> str:
        raise NotImplementedError

    def format(self, post: Any, **kwargs: Any) -> str:
        raise NotImplementedError


def convert(
    foreign: Foreign,
    *,
    source_name: str,
    source_path: str,
    digest: str,
    commit_date: dt.date | None,
    severities: Sequence[str],
    sections: Mapping[str, str],
    services: Iterable[str] | None = None,
    causes: Iterable[str] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Converted:
    """Build our postmortem from ``foreign``.

    ``sections`` maps casefolded heading names (configured names and aliases) to the required
    section's name; ``services``/``causes`` are the catalogs (None: no catalog); ``mapping``
    is ``--map``: it renames front-matter keys, values and headings.
    """
    mapping = dict(mapping or {})
    todo: list[str] = []
    done: list[str] = []
    meta = {mapping.get(k, k): _rename(v, mapping) for k, v in foreign.metadata.items()}
    lower = {str(k).casefold().replace("-", "_"): k for k in meta}
    used: set[str] = set()

    def take(keys: Sequence[str]) -> list[Any]:
        values: list[Any] = []
        for key in keys:
            if key in lower:
                used.add(lower[key])
                value = meta[lower[key]]
                values.extend(value if isinstance(value, list) else [value])
        return [v for v in values if v not in (None, "")]

    lines = foreign.body.split("\n")
    title = take(("title", "name", "subject"))
    h1 = _first_h1(lines)
    title_text = str(title[0]).strip() if title else None
    if h1 is not None:
        index, heading = h1
        if title_text is None:
            title_text = heading
        if title_text is None or heading.casefold() == title_text.casefold():
            del lines[index]
            if index < len(lines) and _SETEXT.match(lines[index]):
                del lines[index]
            if index < len(lines) and not lines[index].strip():
                del lines[index]
            done.append(f"the H1 '{heading}' became the title (one <h1> on the page)")
    if title_text is None:
        title_text = Path(source_name).stem.replace("-", " ").replace("_", " ").strip()
        todo.append(f"no title: named it '{title_text}' after the file")

    lines, items, kept = action_items(lines, mapping)
    day = _date_of(take(DATE_KEYS), source_name, "\n".join(lines), commit_date, todo)
    if items:
        done.append(f"moved {len(items)} action item(s) to the front matter")
    for line in kept:
        todo.append(f"action-item line not understood, kept in the body: {line.strip()!r}")
    for item in items:
        if "owner" not in item:
            todo.append(f"{item['id']} has no owner")
        if "due" not in item and item.get("status") not in ("done", "wont-do"):
            todo.append(f"{item['id']} has no due date")
    lines, renamed = _map_headings(lines, sections, mapping)
    done.extend(f"heading '{old}' -> '{new}'" for old, new in renamed)
    present = {
        sections.get(key, key).casefold()
        for line in lines
        if heading_level(line) == 2 and (key := heading_key(line))
    }
    for name in dict.fromkeys(sections.values()):
        if name.casefold() not in present:
            todo.append(f"no '{name}' section")

    front: dict[str, Any] = {"title": title_text, "date": day, "status": "published"}
    status = [str(s).casefold() for s in take(STATUS_KEYS)]
    if status and status[0] not in ("draft", "in-review", "published"):
        used.difference_update(lower[k] for k in STATUS_KEYS if k in lower)  # kept as written
    if status and status[0] in DRAFT:
        front["status"] = "draft"
    elif not status or status[0] not in PUBLISHED:
        todo.append("status set to 'published' (an imported postmortem); change it if not final")
    severity = _severity(take(SEVERITY_KEYS), severities)
    if severity:
        front["severity"] = severity
    else:
        todo.append("no severity")
    known_services = set(services) if services is not None else None
    known_causes = set(causes) if causes is not None else None
    found_services = _strings(take(SERVICE_KEYS))
    found_causes = _strings(take(CAUSE_KEYS))
    tags: list[str] = []
    for tag in _strings(take(TAG_KEYS)):
        if known_services and tag in known_services:
            found_services.append(tag)
        elif known_causes and tag in known_causes:
            found_causes.append(tag)
        else:
            tags.append(tag)
    not_catalogued: dict[str, list[str]] = {}
    for key, values, known in (
        ("services", found_services, known_services),
        ("causes", found_causes, known_causes),
    ):
        values = list(dict.fromkeys(values))
        unknown = [v for v in values if known is not None and v not in known]
        values = [v for v in values if v not in unknown]
        if values:
            front[key] = values
        else:
            todo.append(f"no {key}")
        if unknown:
            not_catalogued[key] = unknown
            todo.append(
                f"{key} not in the catalog, kept under imported_fields.{key}: "
                f"{', '.join(unknown)} (add them to the catalog, or use --map OLD=NEW)"
            )
    authors = _strings(take(AUTHOR_KEYS))
    if authors:
        front["authors"] = list(dict.fromkeys(authors))
    else:
        todo.append("no authors")
    participants = _strings(take(PARTICIPANT_KEYS))
    if participants:
        front["participants"] = participants
    incident, estimated = incident_times(lines, day, sections)
    if incident:
        front["incident"] = incident
        if any(when.tzinfo is None for when in incident.values()):
            todo.append("incident times without a time zone (add offsets, or set `timezone`)")
    else:
        todo.append("no incident times (no timeline entries with times)")
    if estimated:
        todo.append(
            "incident.started and incident.resolved are estimates: the first and last "
            "timeline entries"
        )
    if items:
        front["action_items"] = items
    if tags:
        front["tags"] = tags
    front["imported"] = True
    front["imported_from"] = {"path": source_path, "sha256": digest}
    rest = {str(k): _plain(v) for k, v in meta.items() if k not in used}
    if rest:
        todo.append(f"foreign keys kept under imported_fields: {', '.join(rest)}")
    rest.update(not_catalogued)
    if rest:
        front["imported_fields"] = rest
    body = "\n".join(lines).strip("\n") + "\n"
    header = yaml.dump(front, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    if estimated:
        header = re.sub(r"^(  (?:started|resolved): .*)$", r"\1  # estimate", header, flags=re.M)
    slug = slugify(title_text) or "postmortem"
    return Converted(f"{day.isoformat()}-{slug}.md", f"---\n{header}---\n\n{body}", todo, done)


class _Dumper(yaml.SafeDumper):
    """Safe YAML without anchors: two equal timestamps are written twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _rename(value: Any, mapping: Mapping[str, str]) -> Any:
    if isinstance(value, list):
        return [_rename(v, mapping) for v in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value


def _strings(values: list[Any]) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.extend(part.strip() for part in value.split(",") if part.strip())
        elif not isinstance(value, dict | list):
            out.append(str(value))
    return out


def _plain(value: Any) -> Any:
    """Values YAML can write safely (TOML dates and times as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def _first_h1(lines: list[str]) -> tuple[int, str] | None:
    code = code_lines(lines)
    for number, line in enumerate(lines):
        if number in code:
            continue
        match = HEADING.match(line)
        if match and len(match.group(1)) == 1:
            return number, match.group(2).strip()
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if line.strip() and _SETEXT.match(following) and not BULLET.match(line):
            return number, line.strip()
    return None


def _date_of(
    values: list[Any],
    source_name: str,
    text: str,
    commit_date: dt.date | None,
    todo: list[str],
) -> dt.date:
    for value in values:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        found = find_date(str(value))
        if found:
            return found
    found = find_date(source_name) or labelled_date(text) or find_date(text)
    if found:
        return found
    if commit_date is not None:
        todo.append(f"date {commit_date} is the source's last commit date; check it")
        return commit_date
    todo.append("no date found: used today's; set the day the incident started")
    return dt.date.today()


def _severity(values: list[Any], levels: Sequence[str]) -> str | None:
    by_key = {re.sub(r"[^a-z0-9]", "", level.casefold()): level for level in levels}
    for value in values:
        key = re.sub(r"[^a-z0-9]", "", str(value).casefold())
        if key in by_key:
            return by_key[key]
        digits = re.sub(r"^(sev|p|priority|severity)", "", key)
        for level_key, level in by_key.items():
            if digits and re.sub(r"^[a-z]+", "", level_key) == digits:
                return level
    return None


def _map_headings(
    lines: list[str], sections: Mapping[str, str], mapping: Mapping[str, str]
) -> tuple[list[str], list[tuple[str, str]]]:
    code = code_lines(lines)
    renamed: list[tuple[str, str]] = []
    out: list[str] = []
    for number, line in enumerate(lines):
        match = HEADING.match(line)
        if match is None or number in code or len(match.group(1)) != 2:
            out.append(line)
            continue
        text = match.group(2).strip()
        text = mapping.get(text, text)
        key = text.casefold()
        target = sections.get(key) or HEADING_ALIASES.get(key)
        if target is None or target == text:
            out.append(f"## {text}")
            continue
        renamed.append((match.group(2).strip(), target))
        if target.casefold() in sections and key in sections:
            out.append(line)  # a configured alias: the checker accepts it as written
        else:
            out.append(f"## {target}")
            out.append(f"<!-- imported heading: {match.group(2).strip()} -->")
    return out, renamed
