"""Reading files: positions of keys and values, the body's first line, and garbage input."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import VALID_BODY, VALID_FRONT_MATTER, line_of, postmortem_text
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.report import Report
from postmortem_kb.source.front_matter import (
    Positions,
    Source,
    YamlPath,
    parse_front_matter,
    parse_yaml,
    read_source,
    split_source,
)

TEXT = postmortem_text(front_matter=VALID_FRONT_MATTER)


def split(text: str) -> tuple[Source, list[Finding]]:
    """Split ``text`` and return the source and its findings."""
    report = Report("pm.md", {})
    return split_source(text, "pm.md", report), report.findings


@pytest.fixture(scope="module")
def positions() -> Positions:
    """Positions of the valid front matter."""
    source, findings = split(TEXT)
    assert findings == []
    return source.positions


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        (("title",), (2, 1), (2, 8)),
        (("date",), (3, 1), (3, 7)),
        (("severity",), (5, 1), (5, 11)),
        (("services",), (6, 1), (6, 11)),
        (("services", 0), (6, 12), (6, 12)),
        (("services", 1), (6, 22), (6, 22)),
        (("incident",), (10, 1), (11, 3)),
        (("incident", "started"), (11, 3), (11, 12)),
        (("incident", "resolved"), (14, 3), (14, 13)),
        (("related",), (16, 1), (16, 10)),
        (("action_items",), (17, 1), (18, 3)),
        (("action_items", 0), (18, 5), (18, 5)),
        (("action_items", 0, "id"), (18, 5), (18, 9)),
        (("action_items", 0, "link"), (24, 5), (24, 11)),
        (("tags", 0), (25, 8), (25, 8)),
    ],
)
def test_positions_of_keys_and_values(
    positions: Positions, path: YamlPath, key: tuple[int, int], value: tuple[int, int]
) -> None:
    assert positions.of_key(path) == key
    assert positions.of_value(path) == value


def test_positions_match_the_text(positions: Positions) -> None:
    """Every recorded key position points at that key's name in the file."""
    lines = TEXT.split("\n")
    for path, (line, column) in positions.keys.items():
        name = str(path[-1])
        assert lines[line - 1][column - 1 :].startswith(name), path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("nope",), (1, 1)),
        (("incident", "nope"), (10, 1)),
        (("action_items", 3, "owner"), (17, 1)),
        (("action_items", 0, "nope"), (18, 5)),
        ((), (1, 1)),
    ],
)
def test_of_key_falls_back_to_the_nearest_ancestor(
    positions: Positions, path: YamlPath, expected: tuple[int, int]
) -> None:
    assert positions.of_key(path) == expected


def test_of_value_falls_back_to_the_key(positions: Positions) -> None:
    assert positions.of_value(("incident", "nope")) == (10, 1)
    assert positions.of_value(()) == (2, 1)  # the mapping itself
    assert Positions().of_value(("x",)) == (1, 1)


def test_nested_mapping_value_on_the_same_line() -> None:
    source, findings = split("---\nincident: {started: 2026-03-14T09:00:00Z}\n---\n")
    assert findings == []
    assert source.positions.of_value(("incident", "started")) == (2, 21)
    assert source.positions.of_key(("incident", "started")) == (2, 12)


@pytest.mark.parametrize(
    ("text", "body_line", "first_body_text"),
    [
        (TEXT, 27, ""),
        ("---\ntitle: x\n---\n# Hello\n", 4, "# Hello"),
        ("---\ntitle: x\n...\nbody\n", 4, "body"),
        ("---\n---\nbody", 3, "body"),
        ("--- \ntitle: x\n---   \nbody\n", 4, "body"),
    ],
)
def test_body_line(text: str, body_line: int, first_body_text: str) -> None:
    source, _ = split(text)
    assert source.body_line == body_line
    assert source.body.split("\n")[0] == first_body_text
    assert text.split("\n")[body_line - 1] == first_body_text


def test_body_line_counts_from_the_file() -> None:
    """A heading's absolute line is body_line plus its line within the body."""
    source, _ = split(TEXT)
    offset = source.body.split("\n").index("## Timeline")
    assert source.body_line + offset == line_of(TEXT, "## Timeline") == 36


def test_parse_front_matter_offsets_lines() -> None:
    report = Report("x", {})
    data, positions = parse_front_matter("a: 1\nb: [x, y]\n", report, first_line=10)
    assert data == {"a": 1, "b": ["x", "y"]}
    assert positions.of_value(("b", 1)) == (11, 8)
    assert positions.start == (9, 1)
    assert report.findings == []


def test_parse_yaml_accepts_lists_for_catalogs() -> None:
    report = Report("x", {})
    data, positions, ok = parse_yaml("- id: a\n- id: b\n", report, first_line=1)
    assert ok and data == [{"id": "a"}, {"id": "b"}]
    assert positions.of_value((1,)) == (2, 3)


def test_read_source_crlf_and_bom(tmp_path: Path) -> None:
    file = tmp_path / "pm.md"
    file.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode())
    report = Report("pm.md", {})
    source = read_source(file, "pm.md", report, 1 << 20)
    assert report.findings == []
    assert source.front_matter is not None
    assert source.front_matter["title"] == "Checkout errors after a database failover"
    assert "\r" not in source.body
    assert source.body_line == 27


NASTY_TEXTS = [
    "",
    "\n",
    "---",
    "---\n",
    "---\n---",
    "---\n...\n",
    "...\n---\n",
    "---\n: :\n---\n",
    "---\n- - - -\n---\n",
    "---\n!!python/object/apply:os.system ['echo hi']\n---\n",
    "---\nx: !!python/name:os.system\n---\n",
    "---\nkey: !!binary AAAA\n---\n",
    "---\nx: !!int abc\n---\n",
    "---\nx: !!timestamp 2026-99-99\n---\n",
    "---\nx: !!float nan\n---\n",
    "---\nx: 1e99999\n---\n",
    "---\n%YAML 1.1\n---\n",
    "---\n%TAG ! tag:evil,2000:\n---\n",
    "---\nx: 1\n---\ny: 2\n---\n",
    "---\n" + "[" * 20_000 + "\n---\n",
    "---\n" + "{a: " * 2_000 + "\n---\n",
    "---\n" + "- " * 2_000 + "x\n---\n",
    "---\na: &a [*a]\n---\n",
    "---\na: &a\n  b: *a\n---\n",
    "---\n<<: *nope\n---\n",
    "---\n? [a, b]\n: c\n---\n",
    "---\n? {a: 1}\n: c\n---\n",
    "---\nx: '\n---\n",
    '---\nx: "\\ud800"\n---\n',
    '---\nx: "\\uffff\\U0010ffff"\n---\n',
    "---\n\ufeffx: 1\n---\n",
    "---\n\x85\u2028\u2029x: 1\n---\n",
    "---\nx: \x1b[31m\n---\n",
    "---\n\tx: 1\n---\n",
    "---\nx:\n\t- 1\n---\n",
    "---\ntitle: TODO\n---\n" + "\n".join(f"{'#' * (i % 7)} h{i}" for i in range(200)),
    "---\ntitle: x\n---\n```\nunclosed fence\n",
    "---\ntitle: x\n---\n<div>\n## not a heading\n",
    "---\ntitle: x\n---\n## Timeline\n- 99:99 x\n- 2026-13-45 10:00 y\n- 2026-02-30 10:00 z\n",
    "---\ntitle: x\n---\n" + "> " * 500 + "deep quote\n",
    "---\ntitle: x\n---\n" + "  " * 500 + "- deep list\n",
    "\x00",
    "---\n" + "x: y\n" * 5_000 + "---\n",
]


@pytest.mark.parametrize("text", NASTY_TEXTS, ids=range(len(NASTY_TEXTS)))
def test_split_source_never_raises(text: str) -> None:
    source, findings = split(text)
    assert isinstance(source, Source)
    assert source.front_matter is None or isinstance(source.front_matter, dict)
    for finding in findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.line <= text.count("\n") + 2


NASTY_BYTES = [
    b"",
    b"\xff\xfe---\n",
    b"\xef\xbb\xbf",
    b"\xef\xbb\xbf\xef\xbb\xbf---\n---\n",
    b"---\ntitle: \xc0\xaf\n---\n",
    b"---\ntitle: \xed\xa0\x80\n---\n",
    b"---\ntitle: caf\xe9\n---\n",
    b"\x00\x00\x00",
    b"---\r\ntitle: x\r\n---\r\n\x00",
    b"\r\r\r---\r",
    "---\ntitle: ✓ 🚒\n---\n".encode(),
    "---\ntitle: x\n---\n".encode("utf-16"),
]


@pytest.mark.parametrize("data", NASTY_BYTES, ids=range(len(NASTY_BYTES)))
def test_read_source_never_raises(tmp_path: Path, data: bytes) -> None:
    file = tmp_path / "pm.md"
    file.write_bytes(data)
    report = Report("pm.md", {})
    source = read_source(file, "pm.md", report, 1 << 20)
    assert isinstance(source, Source)
    assert all(f.line >= 1 and f.column >= 1 for f in report.findings)


def test_read_source_missing_file(tmp_path: Path) -> None:
    report = Report("pm.md", {})
    source = read_source(tmp_path / "missing.md", "pm.md", report, 1 << 20)
    assert source.front_matter is None
    assert [f.rule for f in report.findings] == ["unreadable-file"]


def test_read_source_directory(tmp_path: Path) -> None:
    report = Report("pm.md", {})
    read_source(tmp_path, "pm.md", report, 1 << 20)
    assert [f.rule for f in report.findings] == ["unreadable-file"]


def test_full_check_never_raises_on_nasty_files(tmp_path: Path) -> None:
    """The whole pipeline (front matter, body, archive) survives every nasty input at once."""
    from postmortem_kb.archive.archive import load_archive
    from postmortem_kb.model.settings import Settings

    folder = tmp_path / "postmortems"
    folder.mkdir()
    for index, text in enumerate(NASTY_TEXTS):
        (folder / f"text-{index}.md").write_text(text, encoding="utf-8", errors="surrogatepass")
    for index, data in enumerate(NASTY_BYTES):
        (folder / f"bytes-{index}.md").write_bytes(data)
    (folder / "valid.md").write_text(TEXT.replace("## Summary", "## Summary\n" + VALID_BODY))
    archive = load_archive(folder, tmp_path, Settings())
    assert len(archive.postmortems) == len(NASTY_TEXTS) + len(NASTY_BYTES) + 1
    assert archive.findings()
