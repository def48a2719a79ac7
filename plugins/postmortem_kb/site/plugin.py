"""The ``postmortems`` MkDocs plugin: thin glue between MkDocs events and the core."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.cache import CheckCache, cache_folder
from postmortem_kb.archive.calendars import CalendarSite, calendar_paths, write_calendars
from postmortem_kb.archive.exports import EXPORT_FILES, write_exports
from postmortem_kb.archive.feeds import FeedSite, feed_paths, write_feeds
from postmortem_kb.archive.index import build_index
from postmortem_kb.archive.review_calendar import REVIEW_CALENDAR, write_review_calendar
from postmortem_kb.archive.urls import postmortem_uri
from postmortem_kb.model.clock import today
from postmortem_kb.model.findings import Finding, Level, sort_key
from postmortem_kb.model.record import Postmortem
from postmortem_kb.model.settings import Settings, SettingsError
from postmortem_kb.site.config import PostmortemsConfig, settings_from_config
from postmortem_kb.site.feeds import add_feed_links, service_feeds
from postmortem_kb.site.html import Markers, esc
from postmortem_kb.site.pages import GeneratedPage
from postmortem_kb.site.postmortem_page import PostmortemHtml, ids_in
from postmortem_kb.site.renderer import SiteRenderer
from postmortem_kb.site.sanitise import Sanitiser
from postmortem_kb.site.static import (
    ASSETS,
    DASHBOARD_MARKER,
    FILTER_SCRIPT,
    REQUIRED_EXTENSIONS,
    SORT_SCRIPT,
    STYLESHEET,
    asset,
)

log = get_plugin_logger(__name__)

OVERRIDES = Path(__file__).parent / "overrides"
SEARCHED_END, CARD = "searched-end", "card"


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    """Publish every postmortem as a page, with cross-linked indexes and exports.

    The archive is loaded, checked and indexed once, when MkDocs collects the files
    (single-file checks come from the cache when it has them). MkDocs converts only each
    author's body: generated HTML goes in after Markdown conversion, at markers, the
    searchable text before the search plugin indexes a page and the rest after.
    """

    def __init__(self) -> None:
        self.settings = Settings()
        self.archive_dir = Path(self.settings.dir)
        self.sanitiser = Sanitiser()
        self._reset()

    def _reset(self) -> None:
        self.site: SiteRenderer | None = None
        self.postmortems: dict[str, Postmortem] = {}  # by page URI
        self.dashboards: set[str] = set()  # URIs of docs pages showing the dashboard
        self.built: dict[str, PostmortemHtml] = {}  # HTML for a page, while search runs
        self.later: dict[str, dict[str, str]] = {}  # HTML to add after search indexing
        self.service_feeds: dict[str, tuple[str, str]] = {}  # service page -> its feed
        # Markers name the places for HTML; the random part keeps authors' text out.
        self.mark = Markers(secrets.token_hex(8))

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Reset state (``mkdocs serve`` reuses the instance), read options, add extensions."""
        self._reset()
        try:
            self.settings = settings_from_config(self.config)
        except SettingsError as error:
            raise PluginError(f"postmortems: {error}") from error
        if not self.settings.enabled:
            return config
        self.archive_dir = _config_dir(config) / self.settings.dir
        self.sanitiser = Sanitiser(self.settings.allow_html)
        for extension in REQUIRED_EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        for script in (FILTER_SCRIPT, SORT_SCRIPT):
            if script not in [str(known) for known in config.extra_javascript]:
                config.extra_javascript.append(script)
        if self.settings.offline and config.theme.name in {"material", "materialx"}:
            # Nothing loaded from the internet while the site is viewed: no web fonts, no
            # repository statistics from the forge's API.
            config.theme["font"] = False
            if str(OVERRIDES) not in config.theme.dirs:
                config.theme.dirs.insert(0, str(OVERRIDES))
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Load and index the archive; add a page per postmortem and the generated pages."""
        if not self.settings.enabled:
            return files
        if not self.archive_dir.is_dir():
            log.warning(f"postmortem folder '{self.archive_dir}' does not exist")
        for export in EXPORT_FILES:
            if files.get_file_from_path(export) is not None:
                raise PluginError(
                    f"postmortems: docs/{export} has the name of an export the plugin writes; "
                    "rename or remove it"
                )
        folder = cache_folder(_config_dir(config), self.settings)
        cache = None if folder is None else CheckCache(folder, self.settings)
        day = today()  # one "today" for the build: the policies' and the index's
        archive = load_archive(
            self.archive_dir, self.archive_dir.parent, self.settings, cache=cache, today=day
        )
        index = build_index(archive, self.settings, day)
        for calendar in (*calendar_paths(index), REVIEW_CALENDAR):
            if files.get_file_from_path(calendar) is not None:
                raise PluginError(
                    f"postmortems: docs/{calendar} has the name of a calendar the plugin "
                    "writes; rename or remove it"
                )
        for feed in feed_paths(index):
            if files.get_file_from_path(feed) is not None:
                raise PluginError(
                    f"postmortems: docs/{feed} has the name of a feed the plugin writes; "
                    "rename or remove it"
                )
        self.site = SiteRenderer(
            index, self.settings, config.use_directory_urls, self.mark, config.site_url or None
        )
        self.dashboards = _dashboard_pages(files)
        self.service_feeds = service_feeds(index)
        docs_dir = Path(config.docs_dir)
        for pm in archive.postmortems:
            uri = postmortem_uri(pm.slug)
            if files.get_file_from_path(uri) is not None:
                raise PluginError(
                    f"postmortems: docs/{uri} exists and would hide the page of "
                    f"{pm.path}; remove it from docs/"
                )
            page_file = File.generated(config, uri, content="", inclusion=InclusionLevel.NOT_IN_NAV)
            # Quoted: themes print it verbatim inside href="...".
            page_file.edit_uri = quote(Path(os.path.relpath(pm.file, docs_dir)).as_posix())
            files.append(page_file)
            self.postmortems[uri] = pm
        for page in list(self.site.generated.values()):
            self._add(page, files, config)
        for uri in ASSETS:
            files.append(File.generated(config, uri, abs_src_path=str(asset(uri))))
        _log_findings([*archive.findings(), *index.findings])
        return files

    def _add(self, page: GeneratedPage, files: Files, config: MkDocsConfig) -> None:
        """Add a generated page, unless a page of the docs takes its place."""
        assert self.site is not None
        if files.get_file_from_path(page.uri) is not None:
            if not page.listed:
                raise PluginError(
                    f"postmortems: docs/{page.uri} exists and would hide a generated page "
                    f"({page.title}); remove it from docs/"
                )
            log.info(f"docs/{page.uri} exists: it replaces the generated page")
            del self.site.generated[page.uri]
            return
        inclusion = InclusionLevel.INCLUDED if page.listed else InclusionLevel.NOT_IN_NAV
        files.append(File.generated(config, page.uri, content="", inclusion=inclusion))

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Give generated pages their Markdown; other pages pass through."""
        if self.site is None:
            return markdown
        uri = page.file.src_uri
        pm = self.postmortems.get(uri)
        if pm is not None:
            # Themes print page.title unescaped (<title>, <h1>, nav, search): escape it here.
            page.meta["title"] = esc(pm.title)
            return pm.body
        generated = self.site.generated.get(uri)
        if generated is not None:
            page.meta["title"] = esc(generated.title)
            if not generated.searchable:
                page.meta["search"] = {"exclude": True}
            if generated.search_tags:
                page.meta["tags"] = list(generated.search_tags)
            return self.site.markdown(uri)  # its HTML is put in when the page is built
        if uri in self.dashboards:
            return markdown.replace(DASHBOARD_MARKER, self.mark("dashboard"))
        return markdown

    @event_priority(100)  # first: other plugins' HTML is not the author's
    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Sanitise a postmortem's converted body: author HTML never runs on the site."""
        if page.file.src_uri in self.postmortems:
            return self.sanitiser.clean(html)
        return html

    @event_priority(50)  # before the search plugin indexes the page
    def _before_search(
        self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> Any:
        """Give search what it should index of a generated page."""
        uri = page.file.src_uri
        if page.content is None or self.site is None:
            return context
        pm = self.postmortems.get(uri)
        if pm is not None:
            built = self.site.postmortem(pm, ids_in(page.content))
            self.built[uri] = built
            # Search reads the card as one line of text, not the card's markup.
            page.content = built.searched + self.mark(SEARCHED_END) + page.content
        elif uri in self.site.generated:
            prepared = self.site.page(uri)
            later = dict(prepared.later)
            if page.meta.get("search", {}).get("exclude"):
                later.update(prepared.parts)  # nothing to index: kept out of page.content
            else:
                page.content = self.mark.fill(page.content, prepared.parts)
            self.later[uri] = later
        elif uri in self.dashboards:
            dashboard = self.site.dashboard(page.file.url)
            page.content = self.mark.fill(page.content, {"dashboard": dashboard})
        return context

    @event_priority(-100)  # after the search plugin has indexed the page
    def _after_search(
        self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> Any:
        """Give a postmortem page its card, headings and the markers of its tables."""
        built = self.built.pop(page.file.src_uri, None)
        if built is None or page.content is None:
            return context
        _, _, content = page.content.partition(self.mark(SEARCHED_END))
        # Material prints the title unless the body has its own <h1>: keep both then.
        title = f"<h1>{page.title}</h1>\n" if "<h1" in content else ""
        # MkDocs keeps every page's content until the build ends: the card and the tables
        # go into the page's output only.
        page.content = title + self.mark(CARD) + content + built.after
        _add_headings(page, built)
        self.later[page.file.src_uri] = {**built.later, CARD: built.card(self.mark)}
        return context

    on_page_context = CombinedEvent(_before_search, _after_search)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        """Put the tables and cross-links in place, after search has indexed the page."""
        later = self.later.pop(page.file.src_uri, None)
        if later is not None:
            output = self.mark.fill(output, later, final=True)
        if self.site is None:
            return output
        service = self.service_feeds.get(page.file.src_uri)
        return add_feed_links(output, page.url, config.site_name, config.site_url or None, service)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the exports and the calendars (action items, review meetings)."""
        if self.site is None:
            return
        site_dir = Path(config.site_dir)
        try:
            write_exports(
                self.site.index,
                site_dir,
                self.settings.severities,
                self.site.directory_urls,
                config.site_url or None,
            )
        except OSError as error:
            raise PluginError(f"postmortems: cannot write the exports: {error}") from error
        calendars = CalendarSite(
            config.site_name,
            config.site_url or None,
            self.site.directory_urls,
            self.settings.jira_url,
        )
        try:
            write_calendars(self.site.index, site_dir, calendars)
            write_review_calendar(self.site.index, site_dir, calendars)
        except (OSError, ValueError) as error:
            raise PluginError(f"postmortems: cannot write the calendars: {error}") from error
        feeds = FeedSite(config.site_name, config.site_url or None, self.site.directory_urls)
        try:
            write_feeds(self.site.index, site_dir, feeds)
        except (OSError, ValueError) as error:
            raise PluginError(f"postmortems: cannot write the feeds: {error}") from error

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        """Rebuild when a postmortem or a catalog changes."""
        if self.settings.enabled and self.archive_dir.is_dir():
            server.watch(str(self.archive_dir))
        return server


def _config_dir(config: MkDocsConfig) -> Path:
    """The folder of ``mkdocs.yml``: the archive folder and the cache are relative to it."""
    return Path(config.config_file_path or ".").resolve().parent


def _dashboard_pages(files: Files) -> set[str]:
    """The docs pages that ask for the dashboard, so it is rendered for their URLs."""
    found = set()
    for file in files.documentation_pages():
        if file.abs_src_path is None:
            continue
        try:
            text = Path(file.abs_src_path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # MkDocs reports it when it reads the page
        if DASHBOARD_MARKER in text:
            found.add(file.src_uri)
    return found


def _add_headings(page: Page, built: PostmortemHtml) -> None:
    """List the headings the plugin added in the page's table of contents, in page order."""
    before = [AnchorLink(title, ident, 2) for ident, title in built.headings_before]
    after = [AnchorLink(title, ident, 2) for ident, title in built.headings_after]
    page.toc = TableOfContents([*before, *page.toc, *after])


def _log_findings(findings: list[Finding]) -> None:
    for finding in sorted(findings, key=sort_key):
        text = f"{finding.location()}: {finding.rule}: {finding.message}"
        if finding.suggestion:
            text += f" ({finding.suggestion})"
        if finding.level is Level.ERROR:
            log.error(text)
        elif finding.level is Level.WARNING:
            log.warning(text)
        else:
            log.info(text)
