"""Property-based fuzzing (Hypothesis) of the loader, the checks and the language engine.

Whatever the input, nothing raises, and every finding names a known rule, a line inside the
file and a column >= 1. Each test is bounded (examples and deadline) so that the whole file
runs in well under 20 seconds; nothing is written to a Hypothesis database.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import render_pages
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.exports import action_items_csv, action_items_json, postmortems_json
from postmortem_kb.archive.index import build_index
from postmortem_kb.check.language.check import People, Text, check_language, front_matter_text
from postmortem_kb.check.language.prose import Suppressions, prose
from postmortem_kb.check.language.rules import language_rules
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.front_matter import ACTION_ITEM_KEYS, INCIDENT_KEYS, TOP_LEVEL_KEYS
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.report import Report
from postmortem_kb.model.rules import RULES
from postmortem_kb.model.settings import Settings
from postmortem_kb.source.body import parse_body
from postmortem_kb.source.front_matter import Source, read_source, split_source

KNOWN_RULES = set(RULES) | set(language_rules().ids())
SETTINGS = Settings()
MAX_BYTES = 64 * 1024


def bounded(examples: int, deadline_ms: int = 1000) -> settings:
    """Settings of one fuzz test: a fixed number of examples, each with a deadline."""
    return settings(
        max_examples=examples,
        deadline=dt.timedelta(milliseconds=deadline_ms),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def normalized(text: str) -> str:
    """Line endings as read_source leaves them (split_source expects decoded, LF text)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def assert_findings(findings: list[Finding], text: str, *, columns: bool = False) -> None:
    """Known rule, 1 <= line <= lines of ``text``, column >= 1 (and inside the line)."""
    lines = text.split("\n")
    for finding in findings:
        assert finding.rule in KNOWN_RULES, finding
        assert 1 <= finding.line <= len(lines), (finding, len(lines))
        assert finding.column >= 1, finding
        if columns:
            assert finding.column <= len(lines[finding.line - 1]) + 1, (
                finding,
                lines[finding.line - 1],
            )


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """A scratch folder reused by every example (Hypothesis forbids function fixtures)."""
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


# --- the loader ---------------------------------------------------------------------------

YAML_BITS = [
    "---",
    "...",
    "title: x",
    "date: 2026-03-14",
    "status: NO",
    "on: yes",
    "- a",
    "  - b",
    "\tc: d",
    "key: [1, {a: b}]",
    "&a [x]",
    "*a",
    "<<: *a",
    "!!python/name:os.system",
    "!!binary AAAA",
    "? [a]",
    ": b",
    "'",
    '"\\ud800"',
    '"\\e[31m"',
    "{",
    "}]",
    "%YAML 1.1",
    "%TAG ! tag:x,2000:",
    "#",
    "|",
    ">-",
    "\ufeff",
    "\u2028",
    "\x85",
    "x: 2026-02-30T25:61:00",
    "x: 1e99999",
    "x: .inf",
    "x: 0o17",
    "x: 0x_",
    "",
]
yaml_like = st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=12), max_size=30).map(
    lambda parts: "---\n" + "\n".join(parts)
)
any_text = st.text(max_size=400) | yaml_like | yaml_like.map(lambda t: t + "\n---\nbody\n")


@bounded(300)
@given(text=any_text)
def test_split_source_never_raises(text: str) -> None:
    text = normalized(text)
    report = Report("pm.md", {})
    source = split_source(text, "pm.md", report)
    assert isinstance(source, Source)
    assert source.front_matter is None or isinstance(source.front_matter, dict)
    assert source.body_line >= 1
    assert_findings(report.findings, text)


any_bytes = (
    st.binary(max_size=400)
    | any_text.map(lambda t: t.encode("utf-8", errors="surrogatepass"))
    | st.tuples(
        st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]), any_text, st.binary(max_size=4)
    ).map(lambda parts: parts[0] + parts[1].encode("utf-8", "surrogatepass") + parts[2])
    | any_text.map(lambda t: t.replace("\n", "\r\n").encode("utf-8", "surrogatepass"))
)


@bounded(200)
@given(data=any_bytes)
def test_read_source_never_raises(folder: Path, data: bytes) -> None:
    file = folder / "pm.md"
    file.write_bytes(data)
    report = Report("pm.md", {})
    source = read_source(file, "pm.md", report, MAX_BYTES)
    assert isinstance(source, Source)
    text = normalized(data.decode("utf-8", errors="replace"))
    assert_findings(report.findings, text)


# --- the checks ---------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "NO",
            "no",
            "off",
            "yes",
            "SEV1",
            "SEV2",
            "draft",
            "published",
            "in-review",
            "open",
            "done",
            "prevent",
            "AI-1",
            "ai-1",
            "https://t.example/1",
            "javascript:alert(1)",
            "<script>x</script>",
            "TODO",
            "team-db",
            "alice",
            "2026-03-14",
            "2026-03-14T09:00:00Z",
            "checkout",
            "config-change",
            "2026-03-14-pm",
        ]
    )
    | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    | st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30))
    | st.datetimes(
        dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30), timezones=st.just(dt.timezone.utc)
    )
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
action_items = st.lists(
    st.dictionaries(st.sampled_from([*ACTION_ITEM_KEYS, "extra"]), scalars, max_size=9), max_size=4
)
incident = st.dictionaries(st.sampled_from([*INCIDENT_KEYS, "ended"]), scalars, max_size=5)
front_matter = st.dictionaries(
    st.sampled_from([*TOP_LEVEL_KEYS, "titel", "owner"]), values, max_size=14
).flatmap(
    lambda meta: (
        st.fixed_dictionaries(
            {
                **{k: st.just(v) for k, v in meta.items()},
                "action_items": action_items,
                "incident": incident,
            }
        )
        if meta.get("status") is not None or len(meta) % 2
        else st.just(meta)
    )
)

SECTIONS = [
    "Summary",
    "Impact",
    "Timeline",
    "Contributing Factors",
    "Root Causes",
    "Resolution",
    "Lessons Learned",
    "What went well",
    "What went wrong",
    "Where we got lucky",
    "Other",
]
WORDS = [
    "the",
    "engineer",
    "alice",
    "@bob",
    "failed",
    "to",
    "should",
    "have",
    "known",
    "human",
    "error",
    "fault",
    "blame",
    "forgot",
    "ignored",
    "why",
    "did",
    "you",
    "obviously",
    "just",
    "careless",
    "TODO",
    "TBD",
    "09:12",
    "UTC",
    "—",
    ".",
    ",",
    "!",
    "?",
    '"',
    "“",
    "”",
    "`",
    "*",
    "_",
    "[",
    "](",
    ")",
    "<!--",
    "-->",
    "<b>",
    "</b>",
    "é",
    "🚒",
    "\u202e",
    "\t",
    "  ",
]
sentence = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=14).map(" ".join)
block = st.one_of(
    st.tuples(st.integers(1, 4), st.sampled_from(SECTIONS) | st.text(max_size=15)).map(
        lambda h: "#" * h[0] + " " + h[1]
    ),
    st.tuples(st.integers(0, 23), st.integers(0, 59), sentence).map(
        lambda t: f"- {t[0]:02d}:{t[1]:02d} UTC — {t[2]}"
    ),
    sentence.map(lambda s: "- " + s),
    sentence.map(lambda s: "  - " + s),
    sentence,
    sentence.map(lambda s: "> " + s),
    sentence.map(lambda s: f"| {s} | x |\n| --- | --- |\n| {s} | y |"),
    sentence.map(lambda s: f"```\n{s}\n```"),
    st.sampled_from(
        [
            "<!-- blameless-ignore -->",
            "<!-- blameless-disable failed-to -->",
            "<!-- blameless-enable failed-to -->",
            "<!-- blameless-ignore fault: quoted -->",
            "<div>",
            "</div>",
            "---",
            "***",
            "",
        ]
    ),
)
bodies = st.lists(block, max_size=25).map("\n\n".join)


def dump(meta: dict[str, Any]) -> str:
    """YAML of the generated front matter."""
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=80)


def assert_postmortem(pm: Postmortem, text: str) -> None:
    """A checked postmortem: sane findings and a safe page name."""
    assert_findings(pm.findings, text)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", pm.slug), pm.slug
    assert pm.title


@bounded(150, deadline_ms=2000)
@given(meta=front_matter, body=bodies, crlf=st.booleans())
def test_load_postmortem_never_raises(
    folder: Path, meta: dict[str, Any], body: str, crlf: bool
) -> None:
    text = f"---\n{dump(meta)}---\n{body}\n"
    file = folder / "2026-03-14-pm.md"
    file.write_bytes(
        (text.replace("\n", "\r\n") if crlf else text).encode("utf-8", "surrogatepass")
    )
    pm = load_archive(folder, folder, SETTINGS, [file]).postmortems[0]
    assert_postmortem(pm, normalized(text))  # a lone CR ends a line too


@bounded(150, deadline_ms=2000)
@given(header=yaml_like, body=bodies)
def test_load_postmortem_on_broken_yaml(folder: Path, header: str, body: str) -> None:
    text = f"{header}\n---\n{body}\n"
    file = folder / "2026-03-14-pm.md"
    file.write_bytes(text.encode("utf-8", "surrogatepass"))
    pm = load_archive(folder, folder, SETTINGS, [file]).postmortems[0]
    assert_postmortem(pm, normalized(text))


@bounded(40, deadline_ms=3000)
@given(metas=st.lists(front_matter, min_size=1, max_size=3), body=bodies)
def test_index_pages_and_exports_never_raise(
    folder: Path, metas: list[dict[str, Any]], body: str
) -> None:
    """What the build does with checked postmortems: index, render, export."""

    files = []
    for number, meta in enumerate(metas):
        file = folder / f"2026-03-1{number}-pm.md"
        file.write_text(f"---\n{dump(meta)}---\n{body}\n", encoding="utf-8", errors="surrogatepass")
        files.append(file)
    index = build_index(
        load_archive(folder, folder, SETTINGS, files), SETTINGS, dt.date(2026, 11, 27)
    )
    for title, html in render_pages(index, SETTINGS).values():
        assert isinstance(title, str) and isinstance(html, str)
    for export in (postmortems_json, action_items_json, action_items_csv):
        assert isinstance(export(index, True), str)


# --- the language engine ------------------------------------------------------------------

prose_text = st.lists(
    st.one_of(sentence, st.text(max_size=40), sentence.map(lambda s: s + ".")), max_size=12
).map(lambda parts: "\n".join(parts))
people = st.lists(
    st.sampled_from(["alice", "bob", "team-db", "Ünal", "o'brien", "x.y", ""]), max_size=4
)


@bounded(200)
@given(
    text=prose_text | bodies,
    handles=people,
    allowed=st.sets(st.sampled_from(sorted(language_rules().ids()))),
)
def test_check_language_never_raises(text: str, handles: list[str], allowed: set[str]) -> None:
    text = normalized(text)
    first_line = 5
    lines = text.split("\n")
    body = parse_body(text, first_line)
    blocks, suppressions = prose(body)
    report = Report("pm.md", {})
    check_language(
        Text(blocks, SETTINGS.canonical_sections()),
        People.of(handles),
        suppressions,
        frozenset(allowed),
        report,
    )
    file_lines = [""] * (first_line - 1) + lines
    assert_findings(report.findings, "\n".join(file_lines), columns=True)


@bounded(200)
@given(title=st.text(max_size=80) | sentence, handles=people)
def test_check_language_on_action_item_titles(title: str, handles: list[str]) -> None:
    report = Report("pm.md", {})
    check_language(
        front_matter_text(title, 3, 12), People.of(handles), Suppressions(), frozenset(), report
    )
    for finding in report.findings:
        assert finding.rule in KNOWN_RULES and finding.line == 3 and finding.column >= 12


@bounded(100)
@example(title="Fix it\nthe engineer failed to check the lag", handles=[])
@given(title=st.lists(sentence, min_size=2, max_size=4).map("\n".join), handles=people)
def test_check_language_on_multiline_action_item_titles(title: str, handles: list[str]) -> None:
    report = Report("pm.md", {})
    check_language(
        front_matter_text(title, 3, 12), People.of(handles), Suppressions(), frozenset(), report
    )
    for finding in report.findings:
        assert finding.rule in KNOWN_RULES and finding.line >= 3 and finding.column >= 1
