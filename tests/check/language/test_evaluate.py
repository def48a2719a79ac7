"""The evaluation corpus (issue 18): its size, its labels and the targets the rules meet."""

from __future__ import annotations

import io

from helpers import REPO
from postmortem_kb.check.language.evaluate import (
    BLAMELESS,
    BLAMING,
    TARGET_FALSE_POSITIVE_RATE,
    TARGET_RECALL,
    evaluate,
    evaluate_prose,
    load_corpus,
    main,
)

CORPUS = REPO / "tests" / "data" / "language-eval"


def test_corpus_has_both_halves_and_at_least_300_sentences() -> None:
    halves = {path.stem: load_corpus(path) for path in sorted(CORPUS.glob("*.yml"))}
    assert {"dev", "heldout"} <= set(halves)
    assert sum(len(samples) for samples in halves.values()) >= 300
    for name, samples in halves.items():
        labels = {sample.label for sample in samples}
        assert labels == {BLAMING, BLAMELESS}, name
        texts = [sample.text for sample in samples]
        assert len(texts) == len(set(texts)), f"duplicate sentence in {name}"
    every = [s.text.casefold() for samples in halves.values() for s in samples]
    assert len(every) == len(set(every)), "a sentence is in two files"


def test_held_out_half_meets_the_targets() -> None:
    result = evaluate("heldout", load_corpus(CORPUS / "heldout.yml"))
    assert result.recall >= TARGET_RECALL
    assert result.false_positive_rate <= TARGET_FALSE_POSITIVE_RATE


def test_development_half_has_no_false_alarm() -> None:
    result = evaluate("dev", load_corpus(CORPUS / "dev.yml"))
    assert result.false_alarms == []
    assert result.recall >= TARGET_RECALL


def test_sample_archive_prose_has_no_finding() -> None:
    result = evaluate_prose([REPO / "postmortems"])
    assert result.words > 5_000
    assert result.findings == []


def test_main_prints_every_half_and_kind(capsys: object) -> None:
    out = io.StringIO()
    import sys

    saved = sys.stdout
    sys.stdout = out
    try:
        status = main([str(CORPUS), "--show", "dev.yml"])
    finally:
        sys.stdout = saved
    text = out.getvalue()
    assert status == 0
    for name in ("dev:", "heldout:", "heldout-1:"):
        assert name in text
    assert "recall           counterfactual" in text
    assert "false positives  technical-term" in text


# Every finding on the public postmortems of tests/data/language-eval/real-prose, each judged
# to be blame (real-prose/README.md): a rule change that adds one must judge it here.
JUDGED_REAL_PROSE = {
    ("PM2020-009.md", 9, "failed-to"),  # "we failed to verify that KIAM was running"
    ("PM2020-009.md", 33, "fix-people"),  # "Be more careful to test the service end-to-end"
    ("PM2025-002.md", 51, "fix-people"),  # "We should be more careful when making ... changes"
    ("2019-02-08.md", 63, "fix-people"),  # "We need to be more careful when deploying ..."
}


def test_real_prose_findings_are_the_judged_ones() -> None:
    result = evaluate_prose([CORPUS / "real-prose"])
    assert result.words > 10_000
    found = {(path.name, finding.line, finding.rule) for path, finding, _ in result.findings}
    assert found == JUDGED_REAL_PROSE
