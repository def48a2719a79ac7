"""Read a postmortem file: decode it, split the front matter, parse YAML with positions.

Every problem becomes a finding with a line number; nothing here raises on bad input.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from postmortem_kb.model.record import Positions, YamlPath
from postmortem_kb.model.report import Report

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_BOM = b"\xef\xbb\xbf"
# libyaml also breaks lines at these; the files' own line numbers do not.
_YAML_LINE_BREAKS = str.maketrans({"\u2028": " ", "\u2029": " ", "\x85": " "})
MAX_DEPTH = 8
MAX_NODES = 20_000
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class Source:
    """A postmortem file split into front matter and body."""

    path: str
    front_matter: dict[str, Any] | None
    positions: Positions
    body: str
    body_line: int
    text: str = ""


class FileTooLargeError(Exception):
    """A file is larger than the configured limit."""


def read_limited(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most ``max_bytes``; never follow a device or a pipe.

    Raises OSError for anything that is not a regular file, and FileTooLargeError past the limit
    (the size is checked on the bytes read, not trusted from ``stat``).
    """
    with path.open("rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLargeError
    return data


def read_source(path: Path, display: str, report: Report, max_bytes: int) -> Source:
    """Read ``path`` into a :class:`Source`, reporting every problem to ``report``."""
    data = read_bytes(path, report, max_bytes)
    if data is None:
        return Source(display, None, Positions(), "", 1)
    return source_of(data, display, report)


def read_bytes(path: Path, report: Report, max_bytes: int) -> bytes | None:
    """The bytes of a postmortem file, or None when it is too large or cannot be read."""
    try:
        return read_limited(path, max_bytes)
    except FileTooLargeError:
        size = path.stat().st_size
        report.add(
            "file-too-large",
            1,
            1,
            f"file is {size:,} bytes, over the limit of {max_bytes // 1024:,} KB",
            "move logs and attachments out of the postmortem, or raise the plugin option "
            "max_file_kb",
        )
    except OSError as error:
        report.add("unreadable-file", 1, 1, f"cannot read file: {error.strerror or error}")
    return None


def source_of(data: bytes, display: str, report: Report) -> Source:
    """Decode a file's bytes and split them into front matter and body."""
    text = _decode(data, report)
    if text is None:
        return Source(display, None, Positions(), "", 1)
    return split_source(text, display, report)


def _decode(data: bytes, report: Report) -> str | None:
    bom = len(_BOM) if data.startswith(_BOM) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start + bom
        line_start = data.rfind(b"\n", 0, start) + 1
        line = data.count(b"\n", 0, start) + 1
        column = len(data[max(line_start, bom) : start].decode("utf-8", errors="replace")) + 1
        report.add(
            "not-utf8",
            line,
            column,
            f"byte 0x{data[start]:02x} at offset {start} is not valid UTF-8",
        )
        return None
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        report.add("nul-byte", line, offset - text.rfind("\n", 0, offset), "file contains NUL")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_source(text: str, display: str, report: Report) -> Source:
    """Split decoded text into front matter and body, and parse the front matter."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        report.add(
            "no-front-matter",
            1,
            1,
            "file does not start with a front-matter block ('---' on the first line)",
            "add the fields between two '---' lines at the top; see `postmortem new`",
        )
        return Source(display, None, Positions(), text, 1, text)
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if closing is None:
        report.add(
            "unclosed-front-matter",
            1,
            1,
            "front matter opened with '---' on line 1 is never closed",
            "add a line with only '---' after the last field",
        )
        return Source(display, None, Positions(), "", len(lines), text)
    yaml_text = "\n".join(lines[1:closing]).translate(_YAML_LINE_BREAKS)
    body = "\n".join(lines[closing + 1 :])
    front_matter, positions = parse_front_matter(yaml_text, report, first_line=2)
    body_line = min(closing + 2, len(lines))  # a file ending on '---' has no line after it
    return Source(display, front_matter, positions, body, body_line, text)


def parse_front_matter(
    yaml_text: str, report: Report, first_line: int
) -> tuple[dict[str, Any] | None, Positions]:
    """Parse front matter that starts on ``first_line`` of the file; it must be a mapping."""
    data, positions, ok = parse_yaml(yaml_text, report, first_line)
    if not ok:
        return None, positions
    if data is None:
        report.add("front-matter-not-mapping", first_line - 1, 1, "front matter is empty")
        return None, positions
    if not isinstance(data, dict):
        line, column = positions.of_value(())
        kind = "a list" if isinstance(data, list) else "a single value"
        report.add(
            "front-matter-not-mapping",
            line,
            column,
            f"front matter is {kind}, not a mapping of fields",
            "write the front matter as 'key: value' lines",
        )
        return None, positions
    return data, positions


def parse_yaml(yaml_text: str, report: Report, first_line: int) -> tuple[Any, Positions, bool]:
    """Parse one YAML document with positions; ``ok`` is False when a finding was reported."""
    positions = Positions(start=(max(first_line - 1, 1), 1))
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, positions, True
        walker = _Walker(loader, positions, report, first_line)
        walker.walk(node, (), 0)
        if walker.broken:
            return None, positions, False
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = _mark(mark, first_line) if mark else (first_line, 1)
        problem = error.problem or error.context or "invalid YAML"
        yaml_lines = yaml_text.split("\n")
        bad_line = yaml_lines[line - first_line] if 0 <= line - first_line < len(yaml_lines) else ""
        hint = (
            "indent with spaces, not tabs"
            if "\t" in bad_line[: column + 1]
            else "quote values that contain ': ' or start with a special character"
        )
        report.add("yaml-syntax", line, column, f"YAML syntax error: {problem}", hint)
        return None, positions, False
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        report.add("yaml-syntax", first_line, 1, f"YAML could not be read: {error}")
        return None, positions, False
    finally:
        loader.dispose()
    return data, positions, True


def _mark(mark: Any, first_line: int) -> tuple[int, int]:
    return mark.line + first_line, mark.column + 1


class _Walker:
    """Walk the YAML node tree once: record positions, reject aliases, deep nesting, duplicates."""

    def __init__(self, loader: Any, positions: Positions, report: Report, first_line: int) -> None:
        self.loader = loader
        self.positions = positions
        self.report = report
        self.first_line = first_line
        self.seen: set[int] = set()
        self.broken = False

    def walk(self, node: yaml.Node, path: YamlPath, depth: int) -> None:
        if self.broken:
            return
        line, column = _mark(node.start_mark, self.first_line)
        if id(node) in self.seen:
            self._fail("yaml-alias", line, column, "YAML anchors and aliases are not supported")
            return
        if len(self.seen) >= MAX_NODES:
            self._fail("yaml-too-large", line, column, f"more than {MAX_NODES:,} values")
            return
        if depth > MAX_DEPTH:
            self._fail("yaml-too-deep", line, column, f"nesting deeper than {MAX_DEPTH} levels")
            return
        self.seen.add(id(node))
        self.positions.values[path] = (line, column)
        if isinstance(node, yaml.ScalarNode) and node.tag != _STR_TAG:
            self._construct(node, line, column)
        elif isinstance(node, yaml.MappingNode):
            self._walk_mapping(node, path, depth)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*path, index), depth + 1)

    def _walk_mapping(self, node: yaml.MappingNode, path: YamlPath, depth: int) -> None:
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line, column = _mark(key_node.start_mark, self.first_line)
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail("non-string-key", line, column, "a key must be a plain name")
                return
            key = key_node.value
            if key_node.tag != _STR_TAG and self._fail(
                "non-string-key",
                line,
                column,
                f"key '{key}' is read by YAML as {_kind_of(key_node.tag)}, not a name",
                "use a documented field name, or quote the key",
            ):
                return
            if key in first_seen and self._fail(
                "duplicate-key",
                line,
                column,
                f"key '{key}' appears twice (first on line {first_seen[key]})",
                "keep one of them; YAML would silently use only the last",
            ):
                return
            first_seen[key] = line
            key_path: YamlPath = (*path, key)
            self.positions.keys[key_path] = (line, column)
            self.walk(value_node, key_path, depth + 1)

    def _construct(self, node: yaml.ScalarNode, line: int, column: int) -> None:
        """Build a typed scalar (date, number) now, so a bad one is reported where it is."""
        try:
            self.loader.construct_object(node)
        except (ValueError, OverflowError, TypeError, yaml.YAMLError) as error:
            problem = getattr(error, "problem", None) or str(error)
            self._fail(
                "invalid-value",
                line,
                column,
                f"'{node.value}' cannot be read: {problem}",
                "write dates as YYYY-MM-DD and timestamps as YYYY-MM-DDTHH:MM:SSZ",
            )

    def _fail(
        self, rule: str, line: int, column: int, message: str, hint: str | None = None
    ) -> bool:
        """Report a problem that stops reading; False when the rule is turned off."""
        if self.report.add(rule, line, column, message, hint):
            self.broken = True
        return self.broken


def _kind_of(tag: str) -> str:
    return {
        "tag:yaml.org,2002:bool": "a boolean",
        "tag:yaml.org,2002:int": "a number",
        "tag:yaml.org,2002:float": "a number",
        "tag:yaml.org,2002:null": "null",
    }.get(tag, "a non-string value")
