"""Relevance (archive/relevance.py): related postmortems and earlier open items ranked by the
documented score, generic causes weighing less, the caps with "n more" linking to the
filtered archive, and their place after the author's text (issue 17, item 3)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from helpers import build_site, index_of, item, make_site, pm_text
from postmortem_kb.archive.relevance import Match
from postmortem_kb.model.settings import Settings

d = dt.date
CAUSES = """\
- id: expired-certificate
  name: Expired certificate
- id: monitoring-gap
  name: Monitoring gap
  generic: true
- id: config-change
  name: Configuration change
"""
SERVICES = """\
- id: notifications
- id: edge
- id: billing
"""
NOW = "2026-11-20-notifications-cert"
# The case: a notifications postmortem whose relevant earlier item (a certificate)
# used to be 7th behind items that share only the generic cause monitoring-gap.
FILES = {
    "causes.yml": CAUSES,
    "services.yml": SERVICES,
    f"{NOW}.md": pm_text(
        "Push notifications stopped: certificate expired",
        d(2026, 11, 20),
        "SEV2",
        ["notifications"],
        ["expired-certificate", "monitoring-gap"],
    ),
    "2025-06-01-edge-cert.md": pm_text(
        "Edge TLS certificate expired",
        d(2025, 6, 1),
        "SEV1",
        ["edge"],
        ["expired-certificate"],
        items=[item("AI-1", "Alert 30 days before a certificate expires", "team-edge")],
    ),
    **{
        f"2026-1{n}-01-billing-gap-{n}.md": pm_text(
            f"Billing gap {n}",
            d(2026, 10 + n, 1),
            "SEV3",
            ["billing"],
            ["monitoring-gap"],
            items=[item("AI-1", f"Add a billing alert {n}", "team-billing")],
        )
        for n in (0, 1)
    },
    "2026-09-01-notifications-config.md": pm_text(
        "Notification config typo",
        d(2026, 9, 1),
        "SEV3",
        ["notifications"],
        ["config-change"],
        items=[item("AI-1", "Validate notification config", "team-notify")],
    ),
}


def test_a_generic_cause_alone_relates_nothing_and_a_specific_one_comes_first(
    tmp_path: Path,
) -> None:
    index = index_of(tmp_path, FILES, Settings())
    # Related needs a specific cause: the certificate postmortem, a year and a half away,
    # not the billing ones that share only monitoring-gap.
    assert [pm.id for pm in index.related[NOW]] == ["2025-06-01-edge-cert"]
    # Earlier open items: the certificate item first (a specific cause, 4 points, 538 days),
    # then the same service (2 points, 80 days); monitoring-gap alone is not enough.
    assert [ref.postmortem.id for ref in index.earlier_open[NOW]] == [
        "2025-06-01-edge-cert",
        "2026-09-01-notifications-config",
    ]
    edge = index.relevance.earlier[NOW].matches["2025-06-01-edge-cert"]
    assert edge == Match(round(4 / (1 + 537 / 730), 3), causes=("expired-certificate",))


def test_without_the_generic_mark_the_shared_cause_counts_fully(tmp_path: Path) -> None:
    files = {**FILES, "causes.yml": CAUSES.replace("  generic: true\n", "")}
    index = index_of(tmp_path, files, Settings())
    related = [pm.id for pm in index.related[NOW]]
    # Now monitoring-gap is specific: the nearer billing postmortems outrank the old one.
    assert related == [
        "2026-11-01-billing-gap-1",
        "2026-10-01-billing-gap-0",
        "2025-06-01-edge-cert",
    ]


def test_recent_weighs_more(tmp_path: Path) -> None:
    def one(day: dt.date, name: str) -> str:
        return pm_text(name, day, "SEV3", ["edge"], ["expired-certificate"])

    files = {
        "causes.yml": CAUSES,
        "2026-06-01-now.md": one(d(2026, 6, 1), "Now"),
        "2020-01-01-old.md": one(d(2020, 1, 1), "Old"),
        "2026-05-01-recent.md": one(d(2026, 5, 1), "Recent"),
        "2026-07-01-after.md": one(d(2026, 7, 1), "After"),
    }
    index = index_of(tmp_path, files, Settings())
    assert [pm.id for pm in index.related["2026-06-01-now"]] == [
        "2026-07-01-after",  # 30 days away, equal to "recent" (31 days) but nearer
        "2026-05-01-recent",
        "2020-01-01-old",
    ]


def _section(text: str, ident: str) -> str:
    start = text.index(f'<h2 id="{ident}"')
    end = text.find("<h2", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("limit", [1])
def test_pages_cap_the_lists_and_link_the_rest_in_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795737600")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    config = make_site(tmp_path / "kb", {})
    for name, text in FILES.items():
        (tmp_path / "kb" / "postmortems" / name).write_text(text, encoding="utf-8")
    yml = config.read_text().replace(
        "  - postmortems\n",
        f"  - postmortems:\n      related_limit: {limit}\n      earlier_open_limit: {limit}\n",
    )
    config.write_text(yml)
    build_site(config, tmp_path / "site", strict=False)
    text = (tmp_path / "site" / "postmortems" / NOW / "index.html").read_text(encoding="utf-8")
    earlier = _section(text, "still-open-from-earlier-incidents")
    assert "2 open action items from earlier postmortems" in earlier
    assert earlier.count("<tr>") == 2  # header and one item
    assert '<span class="pm-more">1 more</span>' in earlier
    after = earlier.split("pm-more", 1)[1]
    links = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', after)]
    assert links == ["../?cause=expired-certificate", "../?service=notifications"]
    # The author's Summary comes before what the archive adds.
    assert text.index('id="summary"') < text.index('id="still-open-from-earlier-incidents"')
    assert text.index('class="pm-card') < text.index('id="summary"')


def test_only_the_nearest_are_read_and_the_count_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each postmortem reads the SCAN nearest of each list: past them, counts are a floor."""
    from postmortem_kb.archive import relevance

    monkeypatch.setattr(relevance, "SCAN", 2)
    files = {
        f"2026-0{n}-01-cert-{n}.md": pm_text(
            f"Cert {n}", d(2026, n, 1), "SEV3", ["edge"], ["expired-certificate"]
        )
        for n in range(1, 8)
    }
    index = index_of(tmp_path, {"causes.yml": CAUSES, **files}, Settings())
    middle = index.relevance.related["2026-04-01-cert-4"]
    assert [pm.id for pm in middle.order] == ["2026-05-01-cert-5", "2026-03-01-cert-3"]
    assert not middle.complete
    monkeypatch.setattr(relevance, "SCAN", 40)
    whole = index_of(tmp_path / "again", {"causes.yml": CAUSES, **files}, Settings())
    assert len(whole.relevance.related["2026-04-01-cert-4"].order) == 6
    assert whole.relevance.related["2026-04-01-cert-4"].complete
