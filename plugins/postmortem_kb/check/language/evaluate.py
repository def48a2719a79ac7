"""Measure the language rules: recall and false alarms on a labelled corpus and on real prose.

``make lint-eval`` runs this module over ``tests/data/language-eval/`` (a development half
and a held-out half, issue 18) and the sample archive::

    python -m postmortem_kb.check.language.evaluate tests/data/language-eval \
        [--show dev.yml] [--prose postmortems] [--prose DIR ...]

Each labelled sentence is checked exactly as ``postmortem check`` checks a postmortem: as the
Contributing Factors paragraph of a file whose people are alice, bob, carol and team-db.
A blaming sentence counts as found when any language rule reports it; a blameless sentence
counts as a false alarm when any does. Real prose (``--prose``) is every ``*.md`` file under
a folder, checked whole; its findings are listed so that a person can judge each one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import yaml

from postmortem_kb.model.findings import Finding

BLAMING, BLAMELESS = "blaming", "blameless"
TARGET_RECALL, TARGET_FALSE_POSITIVE_RATE = 0.90, 0.03
WORDS_PER_FALSE_ALARM = 5_000

TEMPLATE = """---
title: Checkout errors after a database failover
date: 2026-03-14
status: published
severity: SEV2
services: [checkout]
causes: [config-change]
authors: [alice]
participants: [bob, carol]
incident:
  started: 2026-03-14T09:00:00Z
  detected: 2026-03-14T09:05:00Z
  mitigated: 2026-03-14T09:40:00Z
  resolved: 2026-03-14T10:15:00Z
review_meeting: 2026-03-17
action_items:
  - id: AI-1
    title: Block failover while replica lag exceeds 30 s
    owner: team-db
    due: 2026-04-01
    status: open
---

## Summary

The checkout service returned errors for 35 minutes after a database failover.

## Impact

About 4% of checkout requests failed between 09:00 and 09:35 UTC.

## Timeline

- 09:00 UTC — The primary database stops responding.
- 09:40 UTC — Errors stop after the failover completes.

## Contributing Factors

{sentence}

## Resolution

The failover completed and the checkout service reconnected.

## Lessons Learned

Replica lag is now part of the failover checks.
"""


@dataclass(frozen=True)
class Sample:
    """One labelled sentence."""

    text: str
    label: str  # blaming | blameless
    kind: str


@dataclass
class Tally:
    """Flagged sentences out of all sentences of one label (and kind)."""

    flagged: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.flagged / self.total if self.total else 0.0


@dataclass
class Result:
    """Recall and false alarms of one corpus file, overall and per kind."""

    name: str
    by_label: dict[str, Tally] = field(default_factory=dict)
    by_kind: dict[tuple[str, str], Tally] = field(default_factory=dict)
    misses: list[Sample] = field(default_factory=list)
    false_alarms: list[tuple[Sample, list[Finding]]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.by_label.get(BLAMING, Tally()).rate

    @property
    def false_positive_rate(self) -> float:
        return self.by_label.get(BLAMELESS, Tally()).rate


def load_corpus(path: Path) -> list[Sample]:
    """The sentences of one corpus file: ``{blaming: {kind: [...]}, blameless: {...}}``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    samples: list[Sample] = []
    for label in (BLAMING, BLAMELESS):
        for kind, sentences in (data.get(label) or {}).items():
            samples.extend(Sample(" ".join(str(s).split()), label, kind) for s in sentences)
    return samples


def language_findings(name: str, text: str) -> list[Finding]:
    """The language findings ``postmortem check`` reports for one file's text."""
    from postmortem_kb.check.language.rules import language_rules
    from postmortem_kb.check.postmortem import check_content
    from postmortem_kb.model.report import Report
    from postmortem_kb.model.settings import Settings

    report = Report(name, {})
    check_content(name, text.encode("utf-8"), report, Settings())
    ids = language_rules().ids()
    return [finding for finding in report.findings if finding.rule in ids]


def findings_for(sentence: str) -> list[Finding]:
    """The language findings for ``sentence`` in the Contributing Factors section."""
    return language_findings("2026-03-14-eval.md", TEMPLATE.format(sentence=sentence))


def evaluate(name: str, samples: Iterable[Sample]) -> Result:
    """Check every sample and tally the results."""
    result = Result(name)
    for sample in samples:
        findings = findings_for(sample.text)
        flagged = bool(findings)
        for tally in (
            result.by_label.setdefault(sample.label, Tally()),
            result.by_kind.setdefault((sample.label, sample.kind), Tally()),
        ):
            tally.total += 1
            tally.flagged += flagged
        if sample.label == BLAMING and not flagged:
            result.misses.append(sample)
        elif sample.label == BLAMELESS and flagged:
            result.false_alarms.append((sample, findings))
    return result


@dataclass
class ProseResult:
    """Findings on real prose, per file, and the number of words the rules read."""

    words: int = 0
    files: int = 0
    findings: list[tuple[Path, Finding, str]] = field(default_factory=list)


def evaluate_prose(folders: Sequence[Path]) -> ProseResult:
    """Check every ``*.md`` file under ``folders`` (whole files, as ``postmortem check`` does)."""
    from postmortem_kb.check.language.prose import prose
    from postmortem_kb.model.report import Report
    from postmortem_kb.source.body import parse_body
    from postmortem_kb.source.front_matter import source_of

    result = ProseResult()
    for folder in folders:
        paths = sorted(folder.rglob("*.md")) if folder.is_dir() else [folder]
        for path in (p for p in paths if p.name.casefold() != "readme.md"):
            data = path.read_bytes()
            text = data.decode("utf-8", errors="replace")
            source = source_of(data, path.name, Report(path.name, {}))
            blocks, _ = prose(parse_body(source.body, source.body_line))
            result.words += sum(len(block.text.split()) for block in blocks)
            result.files += 1
            lines = text.split("\n")
            for finding in language_findings(path.name, text):
                line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
                result.findings.append((path, finding, line.strip()))
    return result


def report(results: Sequence[Result], out: TextIO) -> None:
    """Print recall and false-positive rate per half, overall and per kind."""
    write = out.write
    for result in results:
        blaming = result.by_label.get(BLAMING, Tally())
        blameless = result.by_label.get(BLAMELESS, Tally())
        write(
            f"{result.name}: recall {result.recall:.3f} ({blaming.flagged}/{blaming.total}), "
            f"false-positive rate {result.false_positive_rate:.3f} "
            f"({blameless.flagged}/{blameless.total})\n"
        )
        for label, title in ((BLAMING, "recall"), (BLAMELESS, "false positives")):
            for (kind_label, kind), tally in sorted(result.by_kind.items()):
                if kind_label == label:
                    write(
                        f"  {title:16} {kind:22} {tally.rate:.3f} ({tally.flagged}/{tally.total})\n"
                    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; exit 1 when the held-out half misses the targets of issue 18."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "corpus", type=Path, nargs="+", help="corpus files, or folders of *.yml corpus files"
    )
    parser.add_argument(
        "--show",
        action="append",
        default=[],
        metavar="FILE",
        help="list the misses and false alarms of this corpus file (dev.yml)",
    )
    parser.add_argument(
        "--prose",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="real prose: every *.md file under DIR; findings are listed",
    )
    args = parser.parse_args(argv)
    out = sys.stdout
    paths = [p for c in args.corpus for p in (sorted(c.glob("*.yml")) if c.is_dir() else [c])]
    results = [evaluate(path.stem, load_corpus(path)) for path in paths]
    report(results, out)
    for result in results:
        if result.name + ".yml" not in args.show:
            continue
        for sample in result.misses:
            out.write(f"  missed [{sample.kind}] {sample.text}\n")
        for sample, findings in result.false_alarms:
            rules = ", ".join(sorted({f.rule for f in findings}))
            out.write(f"  false alarm [{sample.kind}] ({rules}) {sample.text}\n")
    if args.prose:
        prose_result = evaluate_prose(args.prose)
        per = prose_result.words / max(len(prose_result.findings), 1)
        out.write(
            f"real prose: {len(prose_result.findings)} findings in {prose_result.words:,} words "
            f"of {prose_result.files} files (one per {per:,.0f} words); judge each below: a "
            f"false alarm is a finding that is not blame, and the target is at most one per "
            f"{WORDS_PER_FALSE_ALARM:,} words\n"
        )
        for path, finding, line in prose_result.findings:
            out.write(f"  {path}:{finding.line}:{finding.column} {finding.rule}: {line[:160]}\n")
    held_out = [r for r in results if r.name == "heldout"]
    failed = [
        r.name
        for r in held_out
        if r.recall < TARGET_RECALL or r.false_positive_rate > TARGET_FALSE_POSITIVE_RATE
    ]
    if failed:
        out.write(
            f"held-out targets missed: recall >= {TARGET_RECALL}, "
            f"false-positive rate <= {TARGET_FALSE_POSITIVE_RATE}\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
