"""The insights page (site/insights.py, archive/insights.py): build-time SVG charts, each an
image with a title followed by a data table with links to the postmortems behind it;
durations as distributions (median, 90th percentile), never a mean (issue 17, item 4)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from helpers import (
    ARCHIVE,
    EPOCH,
    P1,
    P4,
    P7,
    REPO,
    build_site,
    index_of,
    make_site,
    write_archive,
)
from postmortem_kb.archive.insights import build_insights, percentile
from postmortem_kb.model.settings import Settings


@pytest.fixture(scope="module")
def insights(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("insights")
    config = make_site(root, {})
    write_archive(root / "postmortems", ARCHIVE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # 2026-06-01
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, root / "site", strict=False)  # the fixture has policy findings
    text = (root / "site" / "insights" / "index.html").read_text(encoding="utf-8")
    return text[text.index("<article") : text.index("</article>")]


def _cells(fragment: str) -> list[list[str]]:
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def _section(text: str, title: str) -> str:
    start = text.index(f">{title}<")
    end = text.find("<h2", start)
    return text[start : end if end != -1 else len(text)]


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile([1, 2, 3, 4], 0.9) == 4
    assert percentile([7], 0.9) == 7
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_every_chart_is_an_image_with_a_title_and_a_table_after_it(insights: str) -> None:
    charts = re.findall(r"<svg [^>]*>", insights)
    assert len(charts) == 7  # detect, mitigate, resolve, months, coverage, ages, causes
    for svg in re.finditer(r'<svg [^>]*role="img" aria-labelledby="([^"]+)"', insights):
        ident = svg.group(1)
        after = insights[svg.end() + 1 :]  # past the tag's ">"
        assert after.lstrip().startswith(f'<title id="{ident}">')
        assert "<table>" in after.split("<svg", 1)[0]  # the chart's data table follows it
    assert "<script" not in insights
    assert not re.search(r"\b(mean|average) (time|duration)", insights, re.I)


def test_durations_by_severity_as_median_and_90th_percentile(insights: str) -> None:
    resolve = insights[insights.index("<h3>Time to resolve</h3>") :]
    rows = _cells(resolve.split("<h2", 1)[0])
    # SEV1: 60 and 240 minutes; SEV2: 120 (P3) and 45 (P4); SEV3: 30 and 90.
    assert [r[:4] for r in rows] == [
        ["SEV1", "2", "1 h", "4 h"],
        ["SEV2", "2", "45 min", "2 h"],
        ["SEV3", "2", "30 min", "1 h 30 min"],
    ]
    assert f"../postmortems/{P7}/" in resolve  # the longest, linked
    assert resolve.count("<circle") >= 6  # one dot per incident, each a link


def test_review_coverage_and_what_cannot_be_measured(insights: str) -> None:
    part = _section(insights, "Review coverage")
    assert "records no publication date" in part
    rows = _cells(part)
    assert rows[0][:4] == ["SEV1", "2", "2", "100%"]
    assert rows[1][:4] == ["SEV2", "2", "1", "50%"]
    # Reviews two days after the incident day (the fixture's review_meeting).
    assert rows[1][4].startswith("median 2, 90th percentile 2 (")
    assert f"../postmortems/{P4}/" in part and "(90 days)" in part  # in review since 03-03


def test_follow_through_by_age_and_past_due_closed(insights: str) -> None:
    part = _section(insights, "Follow-through on action items")
    assert "Items record no closing date" in part
    rows = _cells(part)
    ages = {r[0]: r[1] for r in rows[:5]}
    assert sum(int(v) for v in ages.values()) == 6  # the open items of the fixture
    everyone = next(r for r in rows if r[0] == "Everyone")
    assert everyone[1] == "6"


def test_months_and_causes_link_to_postmortems(insights: str) -> None:
    months = _section(insights, "Incidents per month")
    assert ["2025-02", "1", "0", "0", "0", "Checkout config push broke the cart"] in _cells(months)
    assert f"../postmortems/{P1}/" in months
    causes = _section(insights, "Contributing causes over time")
    rows = {r[0]: r for r in _cells(causes)}
    assert rows["Configuration change"][1:] == ["1", "2", "3", ""]
    assert 'href="../causes/config-change/"' in causes


def test_insights_figures_directly(tmp_path: Path) -> None:
    index = index_of(tmp_path, ARCHIVE, Settings())
    figures = build_insights(index, Settings().severities)
    assert [c.severity for c in figures.coverage] == ["SEV1", "SEV2"]
    assert figures.durations[("resolve", "SEV1")].values == [60, 240]
    assert len(figures.months) == 24


def test_the_sample_nav_lists_insights() -> None:
    assert "Insights: insights/index.md" in (REPO / "mkdocs.yml").read_text()
