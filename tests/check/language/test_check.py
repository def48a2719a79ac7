"""Blameless-language rules: every example of the rule file, positions, skips, suppression."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import (
    REPO,
    VALID_BODY,
    VALID_FRONT_MATTER,
    line_of,
    only,
    postmortem_text,
    rules_of,
    run_check,
    write_postmortem,
)
from postmortem_kb.check.language.rules import compile_pattern, language_rules
from postmortem_kb.model.findings import Level
from postmortem_kb.model.settings import Settings, SettingsError

ANALYSIS = "The failover automation did not check replica lag before promoting a replica."
PEOPLE_FM = VALID_FRONT_MATTER.replace("participants: [bob, carol]", "participants: [bob, alice]")

EXAMPLES = [
    pytest.param(rule.id, text, flagged, id=f"{rule.id}-{'flag' if flagged else 'pass'}-{n}")
    for rule in language_rules().rules
    for flagged, examples in ((True, rule.flag), (False, rule.passing))
    for n, text in enumerate(examples)
]


def with_analysis(text: str) -> str:
    """The valid body with ``text`` as the Contributing Factors paragraph."""
    return VALID_BODY.replace(ANALYSIS, text)


def check_body(root: Path, body: str, front_matter: str = PEOPLE_FM, **kwargs: object) -> list:
    write_postmortem(root, front_matter=front_matter, body=body)
    return run_check(root, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("rule_id", "text", "flagged"), EXAMPLES)
def test_rule_examples(tmp_path: Path, rule_id: str, text: str, flagged: bool) -> None:
    """Each `flag` example is reported at its line; each `pass` example is not."""
    findings = only(check_body(tmp_path, with_analysis(text)), rule_id)
    if flagged:
        assert findings, f"{rule_id} missed: {text}"
        full = postmortem_text(front_matter=PEOPLE_FM, body=with_analysis(text))
        assert findings[0].line == line_of(full, text[:20])
    else:
        assert findings == [], f"{rule_id} flagged: {text}"


def test_every_rule_has_examples_both_ways() -> None:
    for rule in language_rules().rules:
        assert rule.flag and rule.passing, rule.id
        assert rule.source and rule.suggestion and rule.message, rule.id


def test_rule_ids_do_not_clash_with_structure_rules() -> None:
    from postmortem_kb.model.rules import RULES

    assert not language_rules().ids() & set(RULES)


def test_sample_archive_is_clean() -> None:
    """No language finding in the sample archive (other checks have their own tests)."""
    ids = language_rules().ids()
    findings = [finding for finding in run_check(REPO) if finding.rule in ids]
    assert findings == []


def test_exact_line_and_column_across_wrapped_lines(tmp_path: Path) -> None:
    text = "After the page arrived, the on-call engineer\n  failed to escalate."
    body = with_analysis("- " + text)
    [finding] = only(check_body(tmp_path, body), "failed-to")
    full = postmortem_text(front_matter=PEOPLE_FM, body=body)
    assert finding.line == line_of(full, "  failed to escalate")
    assert finding.column == 3


def test_column_in_a_table_cell(tmp_path: Path) -> None:
    table = "| Factor | Note |\n| --- | --- |\n| Review | It was a careless change. |"
    [finding] = only(check_body(tmp_path, with_analysis(table)), "judgmental")
    full = postmortem_text(front_matter=PEOPLE_FM, body=with_analysis(table))
    row = full.split("\n")[finding.line - 1]
    assert row[finding.column - 1 :].startswith("careless")


@pytest.mark.parametrize(
    "text",
    [
        "```\nThe root cause was human error.\n```",
        "The log said `human error` in its last line.",
        "<!-- The root cause was human error. -->",
        'The old runbook called it "human error" and stopped there.',
        "> Bob: honestly this was human error on my side",
        "The page [human error](https://example.com/human-error) describes the term.",
    ],
    ids=["fence", "inline-code", "comment", "quoted", "blockquote", "link-target-and-text"],
)
def test_quotations_code_and_comments_are_skipped(tmp_path: Path, text: str) -> None:
    findings = check_body(tmp_path, with_analysis(text))
    if "[human error]" in text:  # link text is prose: reported; the URL is not
        assert len(only(findings, "human-error")) == 1
    else:
        assert only(findings, "human-error") == []


def test_names_are_fine_in_the_timeline_but_not_in_the_analysis(tmp_path: Path) -> None:
    body = VALID_BODY.replace(
        "- 09:05 UTC — The checkout", "- 09:05 UTC — Bob acknowledges the page. The checkout"
    )
    assert only(check_body(tmp_path, body), "naming-individuals") == []
    body = with_analysis("Bob restarted the primary before the replica caught up.")
    assert len(only(check_body(tmp_path, body), "naming-individuals")) == 1


def test_team_handles_are_not_individuals(tmp_path: Path) -> None:
    body = with_analysis("team-db owns the failover automation; db-oncall runs it.")
    front_matter = PEOPLE_FM.replace("participants: [bob, alice]", "participants: [db-oncall]")
    assert only(check_body(tmp_path, body, front_matter), "naming-individuals") == []


def test_roster_names_count_as_people(tmp_path: Path) -> None:
    body = with_analysis("Kestrel failed to rotate the key.")
    assert only(check_body(tmp_path, body), "failed-to") == []  # unknown name: not a person
    settings = Settings.from_options({"roster": ["kestrel"]})
    assert len(only(check_body(tmp_path, body, settings=settings), "failed-to")) == 1


def test_action_item_titles_are_checked_at_their_position(tmp_path: Path) -> None:
    front_matter = PEOPLE_FM.replace(
        "title: Block failover while replica lag exceeds 30 s",
        "title: 'Remind engineers to check replica lag'",
    )
    [finding] = only(check_body(tmp_path, VALID_BODY, front_matter), "fix-people")
    full = postmortem_text(front_matter=front_matter, body=VALID_BODY)
    line = full.split("\n")[finding.line - 1]
    assert line[finding.column - 1 :].startswith("Remind engineers")


def test_ignore_comment_suppresses_the_next_paragraph_only(tmp_path: Path) -> None:
    body = with_analysis(
        "<!-- blameless-ignore human-error: quoting the vendor's report -->\n"
        "The vendor's report says human error.\n\n"
        "Our own notes said human error too."
    )
    findings = only(check_body(tmp_path, body), "human-error")
    assert len(findings) == 1
    full = postmortem_text(front_matter=PEOPLE_FM, body=body)
    assert findings[0].line == line_of(full, "Our own notes")


def test_ignore_comment_for_another_rule_does_not_suppress(tmp_path: Path) -> None:
    body = with_analysis("<!-- blameless-ignore judgmental -->\nThe root cause was human error.")
    assert len(only(check_body(tmp_path, body), "human-error")) == 1


def test_disable_enable_range(tmp_path: Path) -> None:
    body = with_analysis(
        "<!-- blameless-disable human-error -->\n\n"
        "Human error, said the first report.\n\n"
        "Human error, said the second.\n\n"
        "<!-- blameless-enable human-error -->\n\n"
        "Human error, said the third."
    )
    findings = only(check_body(tmp_path, body), "human-error")
    full = postmortem_text(front_matter=PEOPLE_FM, body=body)
    assert [f.line for f in findings] == [line_of(full, "said the third")]


def test_front_matter_allow_list(tmp_path: Path) -> None:
    body = with_analysis("The root cause was human error.")
    front_matter = PEOPLE_FM + "blameless_allow: [human-error]\n"
    assert only(check_body(tmp_path, body, front_matter), "human-error") == []
    front_matter = PEOPLE_FM + "blameless_allow: [human-eror]\n"
    [finding] = only(check_body(tmp_path, body, front_matter), "invalid-value")
    assert "human-eror" in finding.message and finding.suggestion == "did you mean 'human-error'?"


def test_rule_levels_from_settings(tmp_path: Path) -> None:
    body = with_analysis("The root cause was human error.")
    settings = Settings.from_options({"rules": {"human-error": "error"}})
    [finding] = only(check_body(tmp_path, body, settings=settings), "human-error")
    assert finding.level is Level.ERROR
    settings = Settings.from_options({"rules": {"human-error": "off"}})
    assert only(check_body(tmp_path, body, settings=settings), "human-error") == []


def test_unknown_language_rule_in_settings_is_an_error() -> None:
    with pytest.raises(SettingsError, match="unknown rule id 'human-eror'"):
        Settings.from_options({"rules": {"human-eror": "off"}})


def test_findings_carry_message_and_suggestion(tmp_path: Path) -> None:
    [finding] = only(check_body(tmp_path, with_analysis("Bob forgot to renew it.")), "forgot")
    assert finding.level is Level.WARNING
    assert "forgot to" in finding.message
    assert finding.suggestion and "remind or automate" in finding.suggestion


def test_a_space_in_a_pattern_matches_a_line_break() -> None:
    assert compile_pattern(r"\bfailed to\b").search("it failed\n  to start")


def test_generated_language_reference_is_current() -> None:
    from postmortem_kb.cli.reference import render_language_reference

    path = REPO / "docs" / "reference" / "language.md"
    assert path.read_text(encoding="utf-8") == render_language_reference(), (
        "run: postmortem rules --language > docs/reference/language.md"
    )


def test_rules_are_documented_by_category() -> None:
    from postmortem_kb.cli.reference import render_language_reference

    page = render_language_reference()
    for rule in language_rules().rules:
        assert f"`{rule.id}`" in page
        assert rule.flag[0].replace("|", "\\|") in page


def test_guide_shows_blaming_sentences_that_the_checker_flags(tmp_path: Path) -> None:
    """The guide's 'Blaming' column is flagged and its 'Blameless' column is clean."""
    guide = REPO / "docs/guide/blameless-postmortems.md"
    section = guide.read_text(encoding="utf-8").split("## Blaming vs. blameless")[1]
    rows = [
        line.strip("| ").split(" | ")
        for line in section.split("\n## ")[0].split("\n")
        if line.startswith("| ") and not line.startswith(("| Blaming", "| ---"))
    ]
    assert len(rows) >= 5
    for blaming, blameless in rows:
        assert check_body(tmp_path, with_analysis(blaming)) != [], blaming
        assert rules_of(check_body(tmp_path, with_analysis(blameless))) == [], blameless


def test_technical_terms_are_never_reported(tmp_path: Path) -> None:
    """Every example of every technical term passes, and each term names its source."""
    rules = language_rules()
    assert rules.technical_terms
    for term in rules.technical_terms:
        assert term.source and term.examples, term.pattern
        for example in term.examples:
            assert rules_of(check_body(tmp_path, with_analysis(example))) == [], example


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Priya forgot to renew the certificate.", True),
        ("priya forgot to renew the certificate.", False),  # a name is capitalised
        ("Will forgot to renew the certificate.", False),  # a common word, not in the list
        ("Kubernetes failed to schedule the pods.", False),  # a product, not a name
        ("Greg's typo took the whole region down.", True),  # a person's act
        ("The service's typo filter took the region down.", False),
    ],
)
def test_capitalised_given_names_are_people(tmp_path: Path, text: str, flagged: bool) -> None:
    findings = check_body(tmp_path, with_analysis(text))
    assert bool(findings) is flagged, findings


def test_hint_quotes_the_matched_words(tmp_path: Path) -> None:
    body = with_analysis("Bob forgot to renew the certificate.")
    [finding] = only(check_body(tmp_path, body), "forgot")
    assert finding.suggestion and "renew the certificate" in finding.suggestion
    body = with_analysis("The on-call engineer should have checked the replica lag first.")
    [finding] = only(check_body(tmp_path, body), "counterfactual")
    assert finding.suggestion and "should have checked" in finding.suggestion
    assert "on-call engineer" in finding.suggestion


def test_group_mentions_are_not_individuals(tmp_path: Path) -> None:
    body = with_analysis("@payments-oncall paged @team-db, and @bob joined the call.")
    findings = only(check_body(tmp_path, body), "naming-individuals")
    assert [f.message.rsplit("'", 2)[-2] for f in findings] == ["@bob"]


def test_technical_terms_mask_only_when_a_rule_matches(tmp_path: Path) -> None:
    body = with_analysis("Dynamo-style stores use a sloppy quorum, and the review was sloppy.")
    [finding] = only(check_body(tmp_path, body), "judgmental")
    full = postmortem_text(front_matter=PEOPLE_FM, body=body)
    row = full.split("\n")[finding.line - 1]
    assert row[finding.column - 1 :].startswith("sloppy.")


def test_rule_file_rejects_keywords_with_double_spaces() -> None:
    from postmortem_kb.check.language.rules import LanguageRuleError, _rule

    entry = {
        "id": "x",
        "category": "c",
        "level": "warning",
        "keywords": ["two  spaces"],
        "pattern": "two spaces",
        "message": "m",
        "suggestion": "s",
        "source": "src",
    }
    with pytest.raises(LanguageRuleError, match="single spaces"):
        _rule(entry)
    with pytest.raises(LanguageRuleError, match="hint fields"):
        _rule({**entry, "keywords": ["two"], "hint": "{nope}"})


def test_every_pattern_compiles() -> None:
    """Loading compiles nothing (start-up time); every pattern must still be valid."""
    language_rules().check()
