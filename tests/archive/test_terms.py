"""The words of each postmortem for the archive's text filter, and their compact index."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ARCHIVE, P3, REPO, index_of
from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.exports import archive_filter_json
from postmortem_kb.archive.index import build_index
from postmortem_kb.archive.terms import (
    STOP_WORDS,
    decode,
    postmortem_words,
    term_index,
    without_prefixes,
    words,
)
from postmortem_kb.model.settings import Settings


def test_words_are_lowercased_distinct_and_without_stop_words() -> None:
    assert words("The certificate EXPIRED; the Certificate was renewed.") == {
        "certificate",
        "expired",
        "renewed",
    }


def test_words_leave_out_addresses_markup_and_timeline_numbers() -> None:
    text = (
        "See [the runbook](https://wiki.example.com/secret-path) and https://grafana.example/d/x."
        ' <span class="hidden">kept</span> 06:40 UTC: 502 errors for 25 minutes in 2023. a b'
    )
    assert words(text) == {"see", "runbook", "kept", "utc", "502", "errors", "minutes", "2023"}


def test_words_split_like_the_script_and_fold_compatibility_forms() -> None:
    # Letters and digits of any script; an underscore or a hyphen splits (as \p{L}\p{N}).
    assert words("max_connections pay-db-1 Ｆｕｌｌｗｉｄｔｈ Hauptstraße café") == {
        "max",
        "connections",
        "pay",
        "db",
        "fullwidth",
        "hauptstraße",
        "café",
    }
    assert words("x" * 41 + " " + "y" * 40) == {"y" * 40}


def test_a_word_that_begins_another_is_dropped() -> None:
    assert without_prefixes({"expire", "expired", "expiry", "exp", "db", "dba"}) == [
        "dba",
        "expired",
        "expiry",
    ]


def test_the_index_decodes_to_the_postmortems_of_each_word() -> None:
    sets = [{"disk", "full"}, {"disk", "certificate"}, {"disk"}, {"certificate", "full"}]
    index = term_index(sets)
    assert index["terms"] == "certificate disk full"
    # "disk": three of four have it, stored as the one that lacks it.
    assert index["postings"] == "1.1 !3 0.2"
    assert decode(index, 4) == {"certificate": {1, 3}, "disk": {0, 1, 2}, "full": {0, 3}}
    assert term_index([{"disk"}, {"disk"}])["postings"] == "!"  # every one
    assert term_index([]) == {"terms": "", "postings": ""}


def test_terms_are_sorted_as_javascript_compares_strings() -> None:
    # U+FF21 sorts after U+1F600 by code point, before it by UTF-16 code unit (JavaScript).
    index = term_index([{"\U0001d400bc", "\uff21bc"}])
    assert index["terms"].split(" ") == ["\U0001d400bc", "\uff21bc"]


def matching(sets: list[set[str]], prefix: str) -> set[int]:
    return {n for n, found in enumerate(sets) if any(w.startswith(prefix) for w in found)}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sets(st.text("abcé1", min_size=1, max_size=5), max_size=8), max_size=12),
    st.text("abcé1", min_size=1, max_size=3),
)
def test_prefix_search_over_the_index_finds_what_the_words_hold(
    sets: list[set[str]], prefix: str
) -> None:
    decoded = decode(term_index(sets), len(sets))
    found: set[int] = set()
    for term, holders in decoded.items():
        if term.startswith(prefix):
            found |= holders
    assert found == matching(sets, prefix)


def test_postmortem_words_cover_title_metadata_action_items_and_body(tmp_path: Path) -> None:
    index = index_of(tmp_path, ARCHIVE)
    (pm,) = [pm for pm in index.postmortems if pm.id == P3]
    found = postmortem_words(pm, index)
    assert {"feature", "flag", "broke"} <= found  # title
    assert {"payments", "api", "checkout", "sev2", "published", "flags"} <= found  # metadata
    assert {"third", "party", "dependency", "configuration"} <= found  # cause labels
    assert {"stage", "rollouts", "vendor", "team", "alice", "bob"} <= found  # items, people
    assert "quokkaflag" in found  # the body


def test_archive_data_holds_facets_and_words_of_readable_postmortems(tmp_path: Path) -> None:
    index = index_of(tmp_path, ARCHIVE)
    data = json.loads(archive_filter_json(index, ("SEV1", "SEV2", "SEV3", "SEV4"), True))
    records = data["postmortems"]
    assert [r["url"] for r in records] == [f"{pm.slug}/" for pm in index.postmortems]
    assert records[0].keys() == {"url", "year", "severity", "status", "services", "causes"}
    assert set(data["stop_words"].split(" ")) == STOP_WORDS
    decoded = decode(data["words"], len(records))
    position = [pm.id for pm in index.postmortems].index(P3)
    assert [term for term, holders in decoded.items() if term.startswith("quokka")] == [
        "quokkaflag"
    ]
    assert decoded["quokkaflag"] == {position}


def test_the_sample_archive_words_stay_small() -> None:
    """The measured size: about 1.2 KB per postmortem of the sample (4.3 KB of Markdown each,
    a vocabulary that is not yet shared); a guard against a regression, not a target."""
    root = REPO / "postmortems"
    archive = load_archive(root, REPO, Settings())
    index = build_index(archive, Settings(), dt.date(2026, 11, 27))
    data = json.loads(archive_filter_json(index, Settings().severities, True))
    size = len(json.dumps(data["words"], ensure_ascii=False).encode())
    count = len(data["postmortems"])
    body = sum(len(pm.body.encode()) for pm in index.postmortems)
    assert size < 1600 * count
    assert size < body / 3
