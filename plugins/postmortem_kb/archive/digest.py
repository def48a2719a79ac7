"""The weekly digest of action items: Markdown for an issue, a chat message or an e-mail.

``postmortem actions --format markdown`` writes it, and the scheduled workflow
``.github/workflows/action-items-digest.yml`` keeps one GitHub issue up to date with it. It
lists the open items that are overdue or due within a number of days, grouped by the team of
their owner (``teams.yml``): overdue first (most overdue first), then by due date, each with
its postmortem, owner, due date, tracker label and a link to the item on the site. Items
whose owner is no team or member of one are under "Other owners".

Links are absolute when the site sets ``site_url``; otherwise they are relative to the site
root, which the digest says at its end. The output depends only on the index and its date.
Pure: no MkDocs, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import quote

from postmortem_kb.archive.index import Entry, Index, ItemRef
from postmortem_kb.archive.urls import absolute_url, page_url, postmortem_uri
from postmortem_kb.model.front_matter import NO_OWNER, NO_SEVERITY
from postmortem_kb.model.text import anchor, plural
from postmortem_kb.model.tracker import tracker_link

OTHER_OWNERS = "Other owners"
COMMAND = "postmortem actions --format markdown"
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")  # Markdown that could format, link or embed
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def digest(
    index: Index,
    *,
    due_within: int,
    overdue_only: bool = False,
    directory_urls: bool = True,
    site_url: str | None = None,
    jira_url: str | None = None,
    teams: Collection[str] = (),
    scope: str | None = None,
) -> str:
    """The digest of ``index``'s open items (already filtered by owner, team or service).

    ``due_within``: items due within that many days of the index's date are listed after the
    overdue ones (``overdue_only`` lists only those). ``teams``: team ids to show (all when
    empty); ``scope`` names the filter in the header (``team-db``).
    """
    digest = _Digest(index, directory_urls, site_url, jira_url, overdue_only)
    today = index.today.toordinal()
    listed = [
        ref
        for ref in index.open_items  # overdue first (most overdue first), then by due date
        if ref.overdue
        or (not overdue_only and ref.item.due and ref.item.due.toordinal() - today <= due_within)
    ]
    overdue = sum(1 for ref in listed if ref.overdue)
    window = "overdue" if overdue_only else f"overdue or due within {plural(due_within, 'day')}"
    counts = f"**{overdue} overdue**"
    if not overdue_only:
        counts += f", **{len(listed) - overdue} due within {plural(due_within, 'day')}**"
    lines = [
        f"Open action items on {index.today.isoformat()}"
        + (f" ({_text(scope)})" if scope else "")
        + f": {counts}, {len(index.open_items)} open in all.",
        "",
    ]
    sections, quiet = _sections(index, listed, teams)
    if not listed:
        lines += [f"Nothing is {window}.", ""]
    for entry, refs in sections:
        lines += digest.section(entry, refs)
    if quiet:
        names = ", ".join(f"{_text(entry.label)} (`{entry.value}`)" for entry in quiet)
        lines += [f"Nothing {window}: {names}.", ""]
    lines += digest.footer(window, with_teams=index.team_catalog is not None)
    return "\n".join(lines) + "\n"


def _sections(
    index: Index, listed: list[ItemRef], teams: Collection[str]
) -> tuple[list[tuple[Entry | None, list[ItemRef]]], list[Entry]]:
    """The teams with items to list (teams.yml order of ids), then the other owners; and the
    teams with none. A member of two teams has their items under both."""
    by_team: dict[str, list[ItemRef]] = {}
    others: list[ItemRef] = []
    for ref in listed:
        owed_by = [group.team.id for group in index.teams_of_owner(ref.item.owner)]
        shown = [team for team in owed_by if not teams or team in teams]
        for team in shown:
            by_team.setdefault(team, []).append(ref)
        if not owed_by:
            others.append(ref)
    sections: list[tuple[Entry | None, list[ItemRef]]] = []
    quiet = []
    for group in index.teams:  # by team id
        if teams and group.team.id not in teams:
            continue
        if group.team.id in by_team:
            sections.append((group.entry, by_team[group.team.id]))
        else:
            quiet.append(group.entry)
    if others:
        sections.append((None, others))
    return sections, quiet


class _Digest:
    """Sections and links of one digest."""

    def __init__(
        self,
        index: Index,
        directory_urls: bool,
        site_url: str | None,
        jira_url: str | None,
        overdue_only: bool,
    ) -> None:
        self.index = index
        self.overdue_only = overdue_only
        self.directory_urls = directory_urls
        self.site_url = site_url
        self.jira_url = jira_url

    def url(self, uri: str) -> str:
        """The link to a page (``teams/db.md``), absolute under ``site_url`` when set."""
        return absolute_url(page_url(uri, self.directory_urls), self.site_url)

    def section(self, entry: Entry | None, refs: list[ItemRef]) -> list[str]:
        """A team's heading, counts and table; or the other owners'."""
        overdue = sum(1 for ref in refs if ref.overdue)
        if entry is None:
            title = OTHER_OWNERS if self.index.team_catalog is not None else "Action items"
            lines = [f"## {title}", ""]
        else:
            lines = [f"## {_text(entry.label)} (`{entry.value}`)", ""]
        facts = [f"{overdue} overdue"]
        if not self.overdue_only:
            facts.append(f"{len(refs) - overdue} due soon")
        if entry is not None:
            facts.append(f"[team page]({self.url(entry.uri)})")
            team = self.index.team(entry.value)
            if team is not None and team.team.channel:
                facts.append(_text(team.team.channel))
        lines += [" · ".join(facts), ""]
        lines += ["| When | Action item | Owner | Due | Tracker | Postmortem |"]
        lines += ["| --- | --- | --- | --- | --- | --- |"]
        lines += [self.row(ref) for ref in refs]
        return [*lines, ""]

    def row(self, ref: ItemRef) -> str:
        """One item as a table row."""
        item, pm = ref.item, ref.postmortem
        assert pm.meta is not None and item.due is not None
        if ref.overdue:
            when = f"**{plural(ref.days_overdue, 'day')} overdue**"
        else:
            days = (item.due - self.index.today).days
            when = "due today" if days == 0 else f"in {plural(days, 'day')}"
        page = self.url(postmortem_uri(pm.slug))
        cells = [
            when,
            f"{_link(item.title, f'{page}#{anchor(item.id)}')} ({_text(item.id)})",
            _text(item.owner or NO_OWNER),
            item.due.isoformat(),
            self.tracker(item.link),
            f"{_link(pm.meta.title, page)} ({_text(pm.meta.severity or NO_SEVERITY)})",
        ]
        return "| " + " | ".join(cells) + " |"

    def tracker(self, link: str | None) -> str:
        """The item's tracker label, linked when it points somewhere."""
        if not link:
            return ""
        found = tracker_link(link, self.jira_url)
        return _link(found.label, found.url) if found.url else _text(found.label)

    def footer(self, window: str, *, with_teams: bool) -> list[str]:
        """What the digest lists, where the rest is, and how links work."""
        lines = [
            "---",
            "",
            f"Open action items that are {window}, by the team of their owner; "
            f"[all open action items]({self.url('action-items/index.md')}). "
            f"Written by `{COMMAND}`.",
        ]
        if not with_teams:
            lines += ["", "Add `teams.yml` to the postmortem folder to group items by team."]
        if not self.site_url:
            lines += [
                "",
                "Links are relative to the site root: set `site_url` in `mkdocs.yml` to make "
                "them absolute.",
            ]
        return lines


def _text(value: str) -> str:
    """Plain text for Markdown on one line: nothing in it formats, links or embeds."""
    return _SPECIAL.sub(r"\\\1", " ".join(_CONTROL.sub(" ", value).split()))


def _link(text: str, url: str) -> str:
    """A Markdown link whose text and URL cannot break out of it (or out of a table)."""
    return f"[{_text(text)}]({_safe_url(url)})"


def _safe_url(url: str) -> str:
    """``url`` with the characters that end a link or a table cell percent-encoded."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._[]")
