"""The pages a site gets from an archive index: what to render at which URI, with which title.

No MkDocs here: the plugin turns these into ``File.generated`` pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import groupby

from .dashboard import build_dashboard
from .indexes import Group, Index
from .postmortem import Postmortem
from .render import postmortem_context, render_template
from .settings import Settings


@dataclass(frozen=True)
class GeneratedPage:
    """A page to add to the site; ``render`` is called only when MkDocs reads the page."""

    uri: str
    title: str
    render: Callable[[], str]
    listed: bool  # index pages may sit in the nav; individual pages never do
    searchable: bool = True  # listings stay out of search so they do not bury postmortems
    search_tags: tuple[str, ...] = ()  # Material boosts tag matches: service and cause names


def postmortem_uri(postmortem: Postmortem) -> str:
    """Where the page of a postmortem lives, from the site root."""
    return f"postmortems/{postmortem.slug}.md"


def site_pages(index: Index, settings: Settings) -> list[GeneratedPage]:
    """Every generated page: postmortems, indexes, action-item views, needs attention."""
    base = _Base(index, settings)
    pages = [
        base.page(postmortem_uri(pm), pm.title, "postmortem.md.j2", False, **_pm_context(pm, index))
        for pm in index.postmortems
    ]
    years = [
        (year, list(group))
        for year, group in groupby(
            index.postmortems, key=lambda pm: str(pm.meta.date.year) if pm.meta else "Unreadable"
        )
    ]
    listings = [
        base.page("postmortems/index.md", "Postmortems", "archive.md.j2", True, years=years),
        base.page("services/index.md", "Services", "services.md.j2", True, groups=index.services),
        base.page("causes/index.md", "Causes", "causes.md.j2", True, groups=index.causes),
        base.page(
            "action-items/index.md",
            "Open action items",
            "action_items.md.j2",
            True,
            overdue=sum(1 for ref in index.open_items if ref.overdue),
        ),
        base.page("action-items/owners/index.md", "By owner", "owners.md.j2", True),
        base.page(
            "action-items/services.md",
            "By service",
            "items_by_service.md.j2",
            True,
            groups=[g for g in index.services if g.open_items],
        ),
        base.page("action-items/closed.md", "Closed action items", "closed_items.md.j2", True),
        base.page("needs-attention.md", "Needs attention", "needs_attention.md.j2", True),
    ]
    pages += [replace(page, searchable=False) for page in listings]
    for group in (*index.services, *index.causes):
        page = base.page(group.entry.uri, group.entry.label, "group.md.j2", False, group=group)
        pages.append(
            replace(page, search_tags=tuple(dict.fromkeys((group.entry.label, group.entry.value))))
        )
    for group in index.owners:
        page = base.page(group.entry.uri, group.entry.value, "owner.md.j2", False, group=group)
        pages.append(replace(page, searchable=False))
    return pages


def dashboard_page(index: Index, settings: Settings, uri: str) -> str:
    """Markdown of the dashboard, for the page at ``uri`` that asks for it."""
    values = {
        **_Base(index, settings).context,
        "dashboard": build_dashboard(index, settings.severities),
        "root": "../" * uri.count("/"),
    }
    return render_template("dashboard.md.j2", values)


def _pm_context(pm: Postmortem, index: Index) -> dict[str, object]:
    return {
        **postmortem_context(pm),
        "pm": pm,
        "related": index.related.get(pm.slug, []),
        "referenced_by": index.referenced_by.get(pm.slug, []),
        "earlier_open": index.earlier_open.get(pm.slug, []),
    }


def top_counterparts(group: Group, field: str) -> list[tuple[str, int]]:
    """The causes of a service's postmortems (or the services of a cause's), most first."""
    counts: Counter[str] = Counter(
        value for pm in group.postmortems if pm.meta for value in getattr(pm.meta, field)
    )
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


class _Base:
    """Context shared by every page of one build."""

    def __init__(self, index: Index, settings: Settings) -> None:
        self.context = {
            "index": index,
            "settings": settings,
            "today": index.today,
            "top": top_counterparts,
            "severe_label": "/".join(settings.severities[:2]),
        }

    def page(
        self, uri: str, title: str, template: str, listed: bool, **context: object
    ) -> GeneratedPage:
        root = "../" * uri.count("/")
        values = {**self.context, **context, "root": root}
        return GeneratedPage(uri, title, lambda: render_template(template, values), listed)
