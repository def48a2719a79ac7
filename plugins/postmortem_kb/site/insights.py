"""The insights page, ``insights/``: what the archive teaches, as build-time SVG charts.

Each chart is an ``<svg role="img">`` with a ``<title>`` (what a screen reader announces)
followed by a data table with the same figures and links to the postmortems behind them.
No JavaScript. The figures come from ``archive/insights.py``, which says what each measures
and what the front matter cannot tell.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

from postmortem_kb.archive.index import CAUSE, Index
from postmortem_kb.archive.insights import (
    AGE_BUCKETS,
    MEASURES,
    Distribution,
    Insights,
    build_insights,
    percentile,
)
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import plural
from postmortem_kb.site.html import Body, Links, Mark, duration, esc, paragraph, table

INSIGHTS = "insights/index.md"
WIDTH = 640
LEFT = 90  # room for row labels
ROW = 28
COLOURS = ("#b71c1c", "#e65100", "#f9a825", "#546e7a", "#8e24aa", "#00897b")
MAX_LINKS = 10  # postmortem links in one table cell
MINUTE_TICKS = ((1, "1 min"), (10, "10 min"), (60, "1 h"), (360, "6 h"), (1440, "1 d"))
MEASURE_TITLES = {
    "detect": "Time to detect",
    "mitigate": "Time to mitigate",
    "resolve": "Time to resolve",
}
SECTIONS = (
    ("durations", "Time to detect, mitigate and resolve"),
    ("months", "Incidents per month"),
    ("coverage", "Review coverage"),
    ("follow-through", "Follow-through on action items"),
    ("causes", "Contributing causes over time"),
)


def insights_page(index: Index, settings: Settings, mark: Mark) -> Body:
    """``insights/index.md``: durations, incidents per month, review coverage, follow-through,
    causes over time and recurring causes."""
    figures = build_insights(index, settings.severities)
    lines = [
        "# Insights",
        "What the archive teaches, drawn when the site is built. Durations are shown as "
        "distributions (every incident, its median and 90th percentile), never as an average, "
        "which one long incident distorts. Each chart has a table with its figures and "
        "the postmortems behind it.",
    ]
    for name, title in SECTIONS:
        lines += [f"## {title}", mark(f"{name}-intro"), mark(name)]
    markdown = "\n\n".join(lines) + "\n"

    def parts(links: Links) -> dict[str, str]:
        return _intros(figures, settings)

    def later(links: Links) -> dict[str, str]:
        return {
            "durations": _durations(figures, links),
            "months": _months(figures, links),
            "coverage": _coverage(figures, links),
            "follow-through": _follow_through(figures, index, links),
            "causes": _causes(figures, links),
        }

    return Body(markdown, parts, later)


def _intros(figures: Insights, settings: Settings) -> dict[str, str]:
    severe = " and ".join(esc(s) for s in settings.severities[:2])
    return {
        "durations-intro": paragraph(
            "Minutes from the start of each incident to its detection, mitigation and "
            "resolution, one dot per incident (on a logarithmic scale), by severity. The "
            "thick mark is the median, the thin one the 90th percentile."
        ),
        "months-intro": paragraph(
            f"Postmortems per month by severity, over the last {len(figures.months)} months."
        ),
        "coverage-intro": paragraph(
            f"Of the {severe} incidents, the share whose postmortem is published, and the days "
            "from resolution to the review meeting. The front matter records no publication "
            "date, so the time to publication cannot be measured: the postmortems not yet "
            "published are listed with the days they have waited since resolution."
        ),
        "follow-through-intro": paragraph(
            "Open action items by age (days since their incident), and of the items whose due "
            "date has passed, the share closed (done or won't do) by now. Items record no "
            "closing date, so whether an item was closed before its due date cannot be known."
        ),
        "causes-intro": paragraph(
            "How many postmortems name each contributing cause, year by year. A cause is "
            f"recurring when {settings.recurrence_count} postmortems name it within "
            f"{settings.recurrence_days} days."
        ),
    }


# --- SVG ---------------------------------------------------------------------------------------


def _svg(ident: str, title: str, height: float, shapes: Iterable[str]) -> str:
    return (
        '<figure class="pm-chart">\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:g}" '
        f'style="width: {WIDTH}px; max-width: 100%; height: auto" '
        f'role="img" aria-labelledby="{ident}">\n'
        f'<title id="{ident}">{esc(title)}</title>\n' + "\n".join(shapes) + "\n</svg>\n</figure>\n"
    )


def _label(x: float, y: float, text: str, anchor: str = "start") -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" class="pm-chart-label">'
        f"{esc(text)}</text>"
    )


def _colour(figures: Insights, severity: str) -> str:
    at = figures.severities.index(severity) if severity in figures.severities else 0
    return COLOURS[at % len(COLOURS)]


def _pm_links(links: Links, pms: Sequence[Postmortem]) -> str:
    shown = ", ".join(links.postmortem(pm) for pm in pms[:MAX_LINKS])
    extra = len(pms) - MAX_LINKS
    return shown + (f" and {extra} more" if extra > 0 else "") if pms else "—"


# --- durations ---------------------------------------------------------------------------------


def _durations(figures: Insights, links: Links) -> str:
    html = ""
    for measure in MEASURES:
        rows = [
            (severity, figures.durations[(measure, severity)])
            for severity in figures.severities
            if (measure, severity) in figures.durations
        ]
        title = MEASURE_TITLES[measure]
        if not rows:
            html += paragraph(f"{title}: no postmortem records these times yet.")
            continue
        html += f"<h3>{title}</h3>\n" + _strip_plot(figures, measure, rows, links)
        html += table(
            ("Severity", "Incidents", "Median", "90th percentile", "Longest"),
            (
                (
                    esc(severity),
                    str(len(dist.points)),
                    _minutes(dist.median),
                    _minutes(dist.p90),
                    f"{_minutes(dist.points[-1][0])}: {links.postmortem(dist.points[-1][1])}",
                )
                for severity, dist in rows
            ),
            caption=f"{title}, by severity",
        )
    return html


def _strip_plot(
    figures: Insights, measure: str, rows: list[tuple[str, Distribution]], links: Links
) -> str:
    top = max(max(d.values) for _, d in rows)
    high = max(10.0, top)
    span = math.log10(high + 1)

    def x(minutes: float) -> float:
        return round(LEFT + (WIDTH - LEFT - 10) * math.log10(minutes + 1) / span, 1)

    height = len(rows) * ROW + 30
    shapes = []
    for tick, text in MINUTE_TICKS:
        if tick <= high:
            shapes.append(
                f'<line x1="{x(tick)}" x2="{x(tick)}" y1="4" y2="{height - 22}" '
                'class="pm-chart-grid"/>'
            )
            shapes.append(_label(x(tick), height - 8, text, "middle"))
    for at, (severity, dist) in enumerate(rows):
        y = 4 + at * ROW + ROW / 2
        shapes.append(_label(LEFT - 8, y + 4, severity, "end"))
        colour = _colour(figures, severity)
        for minutes, pm in dist.points:
            # No link: an image holds no controls (the table below links the postmortems).
            tip = f"{pm.title}: {_minutes(minutes)}"
            shapes.append(
                f'<circle cx="{x(minutes)}" cy="{y:g}" r="4" fill="{colour}" '
                f'fill-opacity="0.6"><title>{esc(tip)}</title></circle>'
            )
        for value, width in ((dist.median, 3), (dist.p90, 1)):
            shapes.append(
                f'<line x1="{x(value)}" x2="{x(value)}" y1="{y - 9:g}" y2="{y + 9:g}" '
                f'stroke="currentColor" stroke-width="{width}"/>'
            )
    title = f"{MEASURE_TITLES[measure]} by severity: " + "; ".join(
        f"{s} median {_minutes(d.median)}, 90th percentile {_minutes(d.p90)}" for s, d in rows
    )
    return _svg(f"pm-insights-{measure}", title, height, shapes)


def _minutes(value: float) -> str:
    return duration(dt.timedelta(minutes=value)) if value >= 1 else "under 1 min"


# --- incidents per month -----------------------------------------------------------------------


def _months(figures: Insights, links: Links) -> str:
    counts = [
        [len(figures.per_month.get((month, s), [])) for s in figures.severities]
        for month in figures.months
    ]
    peak = max([sum(c) for c in counts] + [1])
    plot = 150
    slot = (WIDTH - 40) / len(figures.months)
    shapes = []
    for at, month in enumerate(figures.months):
        y = float(plot + 6)
        for severity, count in zip(figures.severities, counts[at], strict=True):
            if not count:
                continue
            height = count * (plot - 10) / peak
            y -= height
            shapes.append(
                f'<rect x="{40 + at * slot + slot * 0.15:.1f}" y="{y:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}" '
                f'fill="{_colour(figures, severity)}">'
                f"<title>{month:%Y-%m}: {count} {esc(severity)}</title></rect>"
            )
        if at % 3 == 0:
            shapes.append(_label(40 + (at + 0.5) * slot, plot + 22, f"{month:%b %y}", "middle"))
    for value in sorted({0, peak}):
        tick_y = plot + 6 - value * (plot - 10) / peak
        shapes.append(
            f'<line x1="40" x2="{WIDTH}" y1="{tick_y:.1f}" y2="{tick_y:.1f}" '
            'class="pm-chart-grid"/>'
        )
        shapes.append(_label(34, tick_y + 4, str(value), "end"))
    for at, severity in enumerate(figures.severities):
        x = 40 + at * 90
        shapes.append(
            f'<rect x="{x}" y="{plot + 32}" width="10" height="10" '
            f'fill="{_colour(figures, severity)}"/>'
        )
        shapes.append(_label(x + 14, plot + 41, severity))
    total = sum(sum(c) for c in counts)
    first, last = figures.months[0], figures.months[-1]
    title = (
        f"Postmortems per month by severity, {first:%B %Y} to {last:%B %Y}: "
        f"{plural(total, 'postmortem')}"
    )
    chart = _svg("pm-insights-months", title, plot + 48, shapes)
    rows = []
    for at, month in enumerate(figures.months):
        if not sum(counts[at]):
            continue
        pms = [pm for s in figures.severities for pm in figures.per_month.get((month, s), [])]
        rows.append((f"{month:%Y-%m}", *(str(c) for c in counts[at]), _pm_links(links, pms)))
    if not rows:
        return chart + paragraph("No postmortems in these months.")
    headers = ("Month", *map(esc, figures.severities), "Postmortems")
    return chart + table(headers, rows, caption="Incidents per month, by severity")


# --- review coverage ---------------------------------------------------------------------------


def _coverage(figures: Insights, links: Links) -> str:
    shapes = []
    for at, cov in enumerate(figures.coverage):
        y = 4 + at * ROW
        share = len(cov.published) / len(cov.incidents) if cov.incidents else 0.0
        width = (WIDTH - LEFT - 60) * share
        shapes.append(_label(LEFT - 8, y + 16, cov.severity, "end"))
        shapes.append(
            f'<rect x="{LEFT}" y="{y + 4}" width="{WIDTH - LEFT - 60}" height="16" '
            'class="pm-chart-grid" fill="none"/>'
        )
        shapes.append(
            f'<rect x="{LEFT}" y="{y + 4}" width="{width:.1f}" height="16" '
            f'fill="{_colour(figures, cov.severity)}"/>'
        )
        shapes.append(_label(WIDTH - 54, y + 16, f"{share:.0%}"))
    title = "Share of incidents with a published postmortem: " + "; ".join(
        f"{c.severity} {len(c.published)} of {len(c.incidents)}" for c in figures.coverage
    )
    chart = _svg("pm-insights-coverage", title, len(figures.coverage) * ROW + 8, shapes)
    rows = []
    for cov in figures.coverage:
        days = [d for d, _ in cov.days_to_review]
        review = (
            f"median {percentile(days, 0.5)}, 90th percentile {percentile(days, 0.9)} "
            f"({len(days)} reviewed)"
            if days
            else "—"
        )
        waiting = ", ".join(
            f"{links.postmortem(pm)} ({d} days)" for d, pm in cov.waiting[:MAX_LINKS]
        )
        rows.append(
            (
                esc(cov.severity),
                str(len(cov.incidents)),
                str(len(cov.published)),
                f"{len(cov.published) / len(cov.incidents):.0%}" if cov.incidents else "—",
                review,
                waiting or "—",
            )
        )
    headers = (
        "Severity",
        "Incidents",
        "Published",
        "Share",
        "Days from resolution to review",
        "Not yet published (days since resolution)",
    )
    return chart + table(headers, rows, caption="Review coverage, by severity")


# --- follow-through ----------------------------------------------------------------------------


def _bucket(low: int, high: int | None) -> str:
    return f"{low}–{high} days" if high is not None else f"{low}+ days"


def _follow_through(figures: Insights, index: Index, links: Links) -> str:
    everyone = figures.follow_through[0]
    peak = max([len(refs) for refs in everyone.ages] + [1])
    shapes = []
    for at, ((low, high), refs) in enumerate(zip(AGE_BUCKETS, everyone.ages, strict=True)):
        y = 4 + at * ROW
        width = (WIDTH - LEFT - 60) * len(refs) / peak
        shapes.append(_label(LEFT - 8, y + 16, _bucket(low, high), "end"))
        shapes.append(
            f'<rect x="{LEFT}" y="{y + 4}" width="{width:.1f}" height="16" fill="{COLOURS[3]}"/>'
        )
        shapes.append(_label(LEFT + width + 6, y + 16, str(len(refs))))
    title = "Open action items by age: " + "; ".join(
        f"{_bucket(low, high)}: {len(refs)}"
        for (low, high), refs in zip(AGE_BUCKETS, everyone.ages, strict=True)
    )
    chart = _svg("pm-insights-ages", title, len(AGE_BUCKETS) * ROW + 8, shapes)
    rows = []
    for (low, high), refs in zip(AGE_BUCKETS, everyone.ages, strict=True):
        pms = list({ref.postmortem.slug: ref.postmortem for ref in refs}.values())
        rows.append((_bucket(low, high), str(len(refs)), _pm_links(links, pms)))
    headers = ("Age", "Open items", "Their postmortems")
    html = chart + table(headers, rows, caption="Age of the open action items")
    team_rows = []
    for group, follow in zip([None, *index.teams], figures.follow_through, strict=True):
        name = (
            esc(follow.name) if group is None else links.entry(group.entry.kind, group.entry.value)
        )
        closed = (
            f"{follow.past_due_closed} of {follow.past_due} "
            f"({follow.past_due_closed / follow.past_due:.0%})"
            if follow.past_due
            else "—"
        )
        team_rows.append(
            (name, str(follow.open_count), *(str(len(r)) for r in follow.ages), closed)
        )
    team_headers = (
        "Team",
        "Open",
        *(_bucket(low, high) for low, high in AGE_BUCKETS),
        "Past due: closed by now",
    )
    return html + table(team_headers, team_rows, caption="Open action items by team and age")


# --- causes ------------------------------------------------------------------------------------


def _causes(figures: Insights, links: Links) -> str:
    if not figures.causes:
        return paragraph("No postmortem names a cause yet.")
    years = figures.years
    column = (WIDTH - LEFT - 150) / max(1, len(years))
    left = LEFT + 80
    peak = max(len(pms) for pms in figures.causes_by_year.values())
    shapes = []
    for at, year in enumerate(years):
        shapes.append(_label(left + (at + 0.5) * column, 14, str(year), "middle"))
    for row, group in enumerate(figures.causes):
        y = 24 + row * 22 + 11
        shapes.append(_label(left - 8, y + 4, group.entry.label[:28], "end"))
        for at, year in enumerate(years):
            count = len(figures.causes_by_year.get((group.entry.value, year), []))
            if count:
                radius = 2 + 7 * math.sqrt(count / peak)
                shapes.append(
                    f'<circle cx="{left + (at + 0.5) * column:.1f}" cy="{y}" r="{radius:.1f}" '
                    f'fill="{COLOURS[0 if group.recurring else 3]}">'
                    f"<title>{esc(group.entry.label)}, {year}: {count}</title></circle>"
                )
    height = 24 + len(figures.causes) * 22 + 8
    title = "Postmortems naming each cause per year: " + "; ".join(
        f"{g.entry.label} {len(g.postmortems)}" + (" (recurring)" if g.recurring else "")
        for g in figures.causes
    )
    chart = _svg("pm-insights-causes", title, height, shapes)
    rows = []
    for group in figures.causes:
        rows.append(
            (
                links.entry(CAUSE, group.entry.value),
                *(
                    str(len(figures.causes_by_year.get((group.entry.value, year), [])))
                    for year in years
                ),
                str(len(group.postmortems)),
                "recurring" if group.recurring else "",
            )
        )
    headers = ("Cause", *map(str, years), "All", "Recurring")
    html = chart + table(headers, rows, caption="Postmortems by cause and year")
    if figures.recurring:
        html += "<h3>Recurring causes</h3>\n"
        for group in figures.recurring:
            html += paragraph(
                f"<strong>{links.entry(CAUSE, group.entry.value)}</strong>: "
                + _pm_links(links, group.postmortems)
            )
    else:
        html += paragraph("No cause is recurring.")
    return html
