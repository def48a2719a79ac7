"""The home-page dashboard: latest postmortems, action-item counts, review policy compliance,
incidents per month, as HTML.

The chart is drawn at build time as SVG geometry, so it needs no JavaScript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from postmortem_kb.archive.index import SERVICE, Index
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import plural
from postmortem_kb.site.html import Links, esc, paragraph, severity_badge, status_badge, table
from postmortem_kb.site.reviews import compliance_card

MONTHS = 12
CHART_WIDTH, CHART_HEIGHT = 640, 220
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 32, 12, 28
LEGEND_HEIGHT = 22
SEVERITY_COLOURS = ("#b71c1c", "#e65100", "#f9a825", "#546e7a", "#8e24aa", "#00897b")


@dataclass(frozen=True)
class Bar:
    """One stacked segment of the chart."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  # tooltip, e.g. "2026-03: 2 SEV1"


@dataclass(frozen=True)
class Chart:
    """Incidents per month by severity, laid out for an SVG."""

    width: int
    height: int
    bars: list[Bar]
    months: list[tuple[float, str]]  # x centre, label ("Mar")
    ticks: list[tuple[float, int]]  # y, value
    legend: list[tuple[float, str, str]]  # x, colour, severity
    total: int
    first: str
    last: str
    plot_left: int
    plot_bottom: float
    figures: list[tuple[str, list[int]]]  # the data table: month ("2026-03"), count by severity
    severities: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    """What the home page shows."""

    latest: list[Postmortem]
    open_items: int
    overdue_items: int
    stale: int
    with_problems: int
    chart: Chart


def build_dashboard(index: Index, severities: tuple[str, ...], latest: int = 5) -> Dashboard:
    """Summarise the index for the home page."""
    readable = [pm for pm in index.postmortems if pm.meta is not None]
    return Dashboard(
        latest=readable[:latest],
        open_items=len(index.open_items),
        overdue_items=sum(1 for ref in index.open_items if ref.overdue),
        stale=len(index.stale),
        with_problems=len(index.with_problems()),
        chart=monthly_chart(readable, severities, index.today),
    )


def last_months(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """First days of the ``count`` months ending with the month of ``today``."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def monthly_chart(
    postmortems: list[Postmortem], severities: tuple[str, ...], today: dt.date
) -> Chart:
    """Stacked bars of postmortems per month and severity over the last twelve months."""
    months = last_months(today)
    counts = {(m.year, m.month): dict.fromkeys(severities, 0) for m in months}
    for pm in postmortems:
        assert pm.meta is not None
        key = (pm.meta.date.year, pm.meta.date.month)
        if key in counts and pm.meta.severity in counts[key]:
            counts[key][pm.meta.severity] += 1
    peak = max([sum(c.values()) for c in counts.values()] + [1])
    plot_bottom = CHART_HEIGHT - PLOT_BOTTOM - LEGEND_HEIGHT
    scale = (plot_bottom - PLOT_TOP) / peak
    slot = (CHART_WIDTH - PLOT_LEFT) / len(months)
    colours = {sev: SEVERITY_COLOURS[i % len(SEVERITY_COLOURS)] for i, sev in enumerate(severities)}
    bars: list[Bar] = []
    for position, month in enumerate(months):
        x = PLOT_LEFT + position * slot + slot * 0.15
        y = float(plot_bottom)
        for severity, count in counts[(month.year, month.month)].items():
            if not count:
                continue
            height = count * scale
            y -= height
            label = f"{month:%Y-%m}: {count} {severity}"
            bars.append(
                Bar(
                    round(x, 1),
                    round(y, 1),
                    round(slot * 0.7, 1),
                    round(height, 1),
                    colours[severity],
                    label,
                )
            )
    step = max(1, -(-peak // 4))
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        bars=bars,
        months=[(round(PLOT_LEFT + (i + 0.5) * slot, 1), f"{m:%b}") for i, m in enumerate(months)],
        ticks=[(round(plot_bottom - v * scale, 1), v) for v in range(0, peak + 1, step)],
        legend=[(PLOT_LEFT + i * 90.0, colours[sev], sev) for i, sev in enumerate(severities)],
        total=sum(sum(c.values()) for c in counts.values()),
        first=f"{months[0]:%B %Y}",
        last=f"{months[-1]:%B %Y}",
        plot_left=PLOT_LEFT,
        plot_bottom=plot_bottom,
        figures=[(f"{m:%Y-%m}", list(counts[(m.year, m.month)].values())) for m in months],
        severities=severities,
    )


def dashboard_html(index: Index, settings: Settings, links: Links) -> str:
    """The home-page dashboard: counts, the latest postmortems, incidents per month."""
    board = build_dashboard(index, settings.severities)
    open_url = links.url("action-items/index.md")
    owners_url = links.url("action-items/owners/index.md")
    cards = (
        (
            f'<a href="{open_url}">{plural(board.open_items, "open action item")}</a>',
            f'Follow-ups that are not done yet, <a href="{owners_url}">by owner</a> and '
            f'<a href="{links.url("action-items/services.md")}">by service</a>.',
        ),
        (
            f'<a href="{open_url}">{board.overdue_items} overdue</a>',
            f"Open action items past their due date on {index.today}.",
        ),
        (
            f'<a href="{links.url("postmortems/index.md")}">'
            f"{plural(len(index.postmortems), 'postmortem')}</a>",
            "The archive, with filters by service, cause, severity, status and year.",
        ),
        (
            f'<a href="{links.url("needs-attention.md")}">'
            f"{board.stale + board.with_problems} need attention</a>",
            f"{board.stale} waiting for review, {board.with_problems} with problems.",
        ),
        compliance_card(index, links),
    )
    items = "".join(
        f"<li>\n<p><strong>{title}</strong></p>\n<p>{text}</p>\n</li>\n" for title, text in cards
    )
    # The whole dashboard in one element: the plugin's part of the page (tests check it).
    html = '<div class="pm-home">\n'
    html += f'<div class="grid cards pm-dashboard">\n<ul>\n{items}</ul>\n</div>\n'
    html += '<h3 id="latest-postmortems">Latest postmortems</h3>\n'
    if board.latest:
        rows = []
        for pm in board.latest:
            assert pm.meta is not None
            rows.append(
                (
                    str(pm.meta.date),
                    links.postmortem(pm),
                    severity_badge(pm.meta),
                    links.entries(SERVICE, pm.meta.services),
                    status_badge(pm.meta.status),
                )
            )
        headers = ("Date", "Postmortem", "Severity", "Services", "Status")
        html += table(headers, rows, caption="Latest postmortems")
    else:
        html += paragraph("No postmortems yet.")
    return (
        html
        + '<h3 id="incidents-per-month">Incidents per month</h3>\n'
        + _chart(board.chart)
        + "</div>\n"
    )


def _chart(c: Chart) -> str:
    """The chart as an image for assistive technology, and its figures as a table."""
    title = f"Postmortems per month by severity, {c.first} to {c.last}: {c.total} in all"
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {c.width} {c.height}" '
        'role="img" aria-labelledby="pm-chart-title">',
        f'<title id="pm-chart-title">{esc(title)}</title>',
    ]
    for y, value in c.ticks:
        svg.append(
            f'<line x1="{c.plot_left}" x2="{c.width}" y1="{y}" y2="{y}" class="pm-chart-grid"/>'
        )
        svg.append(
            f'<text x="{c.plot_left - 6}" y="{y + 4}" text-anchor="end" '
            f'class="pm-chart-label">{value}</text>'
        )
    for bar in c.bars:
        svg.append(
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" '
            f'fill="{bar.colour}"><title>{esc(bar.label)}</title></rect>'
        )
    for x, label in c.months:
        svg.append(
            f'<text x="{x}" y="{c.plot_bottom + 16}" text-anchor="middle" '
            f'class="pm-chart-label">{label}</text>'
        )
    for x, colour, severity in c.legend:
        svg.append(f'<rect x="{x}" y="{c.height - 14}" width="10" height="10" fill="{colour}"/>')
        svg.append(
            f'<text x="{x + 14}" y="{c.height - 5}" class="pm-chart-label">{esc(severity)}</text>'
        )
    svg.append("</svg>")
    caption = (
        f"Postmortems per month by severity, {c.first} to {c.last} "
        f"({plural(c.total, 'postmortem')})."
    )
    rows = [(month, *map(str, counts), str(sum(counts))) for month, counts in c.figures]
    figures = table(
        ("Month", *map(esc, c.severities), "All"), rows, caption="Postmortems per month"
    )
    return (
        '<figure class="pm-chart">\n'
        + "\n".join(svg)
        + f"\n<figcaption>{caption}</figcaption>\n</figure>\n"
        + f'<details class="pm-chart-figures">\n<summary>The figures</summary>\n{figures}'
        + "</details>\n"
    )
