"""Read what can be read of front matter that YAML cannot read as a whole.

One syntax error, alias or bad date stops YAML at the first problem, and would hide every
other field. Each top-level field (a line starting in column 1 and the indented lines after
it) is parsed again on its own: fields that parse are checked as usual, fields that do not
are unreadable (``UNREADABLE``) rather than missing. Problems found in one field alone are
reported unless YAML already reported them (syntax errors are: a field cut out of its
document may read differently).
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from postmortem_kb.check.front_matter import UNREADABLE
from postmortem_kb.model.front_matter import TOP_LEVEL_KEYS
from postmortem_kb.model.record import Positions
from postmortem_kb.model.report import Report
from postmortem_kb.source.front_matter import parse_front_matter

_FIELD_START = re.compile(r"[^\s#-]|-\S")  # a line that starts a top-level field
_KEY = re.compile(r"""^["']?([\w-]+)["']?\s*:""")


def recover_fields(
    lines: list[str], closing: int, positions: Positions, report: Report
) -> tuple[dict[str, Any], Positions] | None:
    """The top-level fields between line 1 and the closing line ``closing`` (1-based) that
    parse on their own, with their positions; None when not one known field is there (the
    front matter is something else than postmortem fields)."""
    starts = [n for n in range(2, closing) if _FIELD_START.match(lines[n - 1])]
    reported = {(finding.rule, finding.line) for finding in report.findings}
    data: dict[str, Any] = {}
    found = Positions(start=positions.start)
    for start, stop in pairwise([*starts, closing]):
        scratch = Report(report.path, report.rule_levels)
        fields, where = parse_front_matter("\n".join(lines[start - 1 : stop - 1]), scratch, start)
        for finding in scratch.findings:
            if finding.rule != "yaml-syntax" and (finding.rule, finding.line) not in reported:
                report.findings.append(finding)
        key = _KEY.match(lines[start - 1])
        if fields is None or key is None or key.group(1) in data:
            if key and key.group(1) in TOP_LEVEL_KEYS:
                data[key.group(1)] = UNREADABLE  # not missing: its problem is reported
                found.keys[(key.group(1),)] = (start, 1)
            continue
        data.update(fields)
        found.keys.update(where.keys)
        found.values.update(where.values)
    return (data, found) if any(key in data for key in TOP_LEVEL_KEYS) else None
