"""Read what can be read of front matter that YAML cannot read as a whole.

One syntax error, alias or bad date stops YAML at the first problem, and would hide every
other field. Each top-level field (a line starting in column 1 and the indented lines after
it) is parsed again on its own: fields that parse are checked as usual, fields that do not
are unreadable (``UNREADABLE``) rather than missing. Problems found in one field alone are
reported unless YAML already reported them; syntax errors and the document's shape are
not (a field cut out of its document may read differently).
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from postmortem_kb.check.front_matter import UNREADABLE
from postmortem_kb.model.front_matter import TOP_LEVEL_KEYS
from postmortem_kb.model.record import Positions
from postmortem_kb.model.report import Report
from postmortem_kb.source.front_matter import MAX_NODES, parse_front_matter

_FIELD_START = re.compile(r"[^\s#-]|-\S")  # a line that starts a top-level field
_KEY = re.compile(r"""^["']?([\w-]+)["']?\s*:""")
_WHOLE_DOCUMENT = {"yaml-syntax", "front-matter-not-mapping"}  # a field alone reads otherwise


def recover_fields(
    lines: list[str], closing: int, positions: Positions, report: Report
) -> tuple[dict[str, Any], Positions] | None:
    """The top-level fields between line 1 and the closing line ``closing`` (1-based) that
    parse on their own, with their positions; None when not one known field is there (the
    front matter is something else than postmortem fields)."""
    starts = [n for n in range(2, closing) if _FIELD_START.match(lines[n - 1])]
    reported = {(finding.rule, finding.line) for finding in report.findings}
    data: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    found = Positions(start=positions.start)
    for start, stop in pairwise([*starts, closing]):
        scratch = Report(report.path, report.rule_levels)
        fields, where = parse_front_matter("\n".join(lines[start - 1 : stop - 1]), scratch, start)
        match = _KEY.match(lines[start - 1])
        key = match.group(1) if match else ""
        if key and key in first_line:
            scratch.add(
                "duplicate-key",
                start,
                1,
                f"key '{key}' appears twice (first on line {first_line[key]})",
                "keep one of them; YAML would silently use only the last",
            )
        for finding in scratch.findings:
            if finding.rule not in _WHOLE_DOCUMENT and (finding.rule, finding.line) not in reported:
                report.findings.append(finding)
        if key in first_line:  # the first one is checked
            continue
        first_line[key] = start
        if fields is None:
            if key in TOP_LEVEL_KEYS:
                data[key] = UNREADABLE  # not missing: its problem is reported
                found.keys[(key,)] = (start, 1)
            continue
        data.update(fields)
        found.keys.update(where.keys)
        found.values.update(where.values)
        if len(found.values) > MAX_NODES:  # too large as a whole: not read field by field
            return None
    return (data, found) if any(key in data for key in TOP_LEVEL_KEYS) else None
