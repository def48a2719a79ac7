"""Imported postmortems are first-class but honest: their gaps are notes, not errors.

An archive brought in with ``postmortem import`` was written before this process: no
severity, no causes, other sections, wording of its time. Those findings stay listed (the
needs-attention page shows them), as notes, so the archive passes a strict build while a
team fills them in. The review-process rules do not apply at all: ``imported`` counts as
``legacy`` (see ``ReviewFacts``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import cache

from postmortem_kb.model.findings import Finding, Level
from postmortem_kb.model.rules import IMPORT_GAPS, RULES, rule_ids

GAP_NOTE = " (imported: a gap to fill)"


@cache
def gap_rules() -> frozenset[str]:
    """The rules that report what an import cannot fill, every language rule included."""
    return IMPORT_GAPS | (rule_ids() - RULES.keys())


def gaps(findings: Iterable[Finding]) -> list[Finding]:
    """What an imported postmortem still lacks: its findings of the gap rules."""
    return [f for f in findings if f.rule in gap_rules()]


def as_imported(findings: Iterable[Finding]) -> list[Finding]:
    """The findings of an imported postmortem: gaps become notes that say so."""
    return [
        dataclasses.replace(f, level=Level.INFO, message=f.message + GAP_NOTE)
        if f.rule in gap_rules() and f.level is not Level.INFO
        else f
        for f in findings
    ]
