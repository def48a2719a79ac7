"""The ``postmortems`` MkDocs plugin: thin glue between MkDocs events and the core."""

from __future__ import annotations

import gc
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from postmortem_kb.archive.archive import plan_archive
from postmortem_kb.model.clock import today
from postmortem_kb.archive.exports import EXPORT_FILES, write_exports
from postmortem_kb.model.findings import Finding, Level, sort_key
from postmortem_kb.site.html import Markers
from postmortem_kb.archive.index import build_index, catalog_entries
from postmortem_kb.site.config import PostmortemsConfig, settings_from_config
from postmortem_kb.site.postmortem_page import PostmortemHtml
from postmortem_kb.site.renderer import PageSpec, SiteRenderer, avoid_ids, spec_of
from postmortem_kb.site.html import esc
from postmortem_kb.model.settings import Settings, SettingsError
from postmortem_kb.site.pages import entry_pages, listing_pages
from postmortem_kb.site.stream import CHUNK, ArchiveStream, FileSite, SiteJob
from postmortem_kb.archive.urls import postmortem_uri

log = get_plugin_logger(__name__)
T = TypeVar("T")

STYLESHEET = "assets/postmortem-kb/postmortem-kb.css"
FILTER_SCRIPT = "assets/postmortem-kb/archive-filter.js"
DASHBOARD_MARKER = "<!-- postmortems:dashboard -->"
OVERRIDES = Path(__file__).parent / "overrides"
REQUIRED_EXTENSIONS = ("tables", "attr_list", "md_in_html", "admonition", "toc")
SEARCHED_END, CARD = "searched-end", "card"
ID_ATTRIBUTE = re.compile(r'\sid="([^"]*)"')


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    """Publish every postmortem as a page, with cross-linked indexes and exports.

    MkDocs converts only each author's body. Postmortems are read, and everything that
    needs the whole archive is rendered, by a background process while MkDocs renders
    pages (``stream``, ``prepared``); that HTML goes in after Markdown conversion, at
    markers: searchable text before the search plugin indexes a page, the rest after.
    """

    def __init__(self) -> None:
        self.settings = Settings()
        self.archive_dir = Path(self.settings.dir)
        self.stream: ArchiveStream | None = None
        self._reset()

    def _reset(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = None
        self.positions: dict[str, int] = {}  # postmortem page URI -> place in the plan
        self.pages: dict[str, PageSpec] = {}  # generated pages by URI
        self.directory_urls = True
        self.built: dict[str, PostmortemHtml] = {}  # HTML for a page, while search runs
        self.dashboards: set[str] = set()  # URIs of docs pages showing the dashboard
        self.later: dict[str, dict[str, str]] = {}  # HTML to add after search indexing
        self.site: SiteRenderer | FileSite | None = None
        self.today = today()
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
        base_dir = Path(config.config_file_path or ".").resolve().parent
        self.archive_dir = base_dir / self.settings.dir
        for extension in REQUIRED_EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        if FILTER_SCRIPT not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(FILTER_SCRIPT)
        if self.settings.offline and config.theme.name == "material":
            # Nothing loaded from the internet while the site is viewed: no web fonts, no
            # repository statistics from the forge's API.
            config.theme["font"] = False
            if str(OVERRIDES) not in config.theme.dirs:
                config.theme.dirs.insert(0, str(OVERRIDES))
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Name every page from the file names and catalogs; start reading postmortems."""
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
        plan = plan_archive(self.archive_dir, self.archive_dir.parent, self.settings)
        self.today = today()
        self.directory_urls = config.use_directory_urls
        self.dashboards = _dashboard_pages(files)
        dashboards = tuple(files.src_uris[uri].url for uri in sorted(self.dashboards))
        job = SiteJob(Path(config.site_dir), self.directory_urls, self.today, self.mark, dashboards)
        self.stream = ArchiveStream(plan, self.settings, job)
        docs_dir = Path(config.docs_dir)
        for position, planned in enumerate(plan.files):
            uri = postmortem_uri(planned.slug)
            if files.get_file_from_path(uri) is not None:
                raise PluginError(
                    f"postmortems: docs/{uri} exists and would hide the page of "
                    f"{planned.display}; remove it from docs/"
                )
            page_file = File.generated(config, uri, content="", inclusion=InclusionLevel.NOT_IN_NAV)
            # Quoted: themes print it verbatim inside href="...".
            page_file.edit_uri = quote(Path(os.path.relpath(planned.path, docs_dir)).as_posix())
            files.append(page_file)
            self.positions[uri] = position
        context = plan.context
        entries = catalog_entries(context.services, context.causes, self.settings)
        for page in [*listing_pages(), *entry_pages(entries)]:
            self._add(spec_of(page), files, config)
        for uri, asset in ((STYLESHEET, "postmortem-kb.css"), (FILTER_SCRIPT, "archive-filter.js")):
            files.append(File.generated(config, uri, abs_src_path=str(_asset(asset))))
        return files

    def _add(self, page: PageSpec, files: Files, config: MkDocsConfig) -> File | None:
        """Add a generated page, unless a page of the docs takes its place."""
        if files.get_file_from_path(page.uri) is not None:
            if page.listed:
                log.info(f"docs/{page.uri} exists: it replaces the generated page")
                return None
            raise PluginError(
                f"postmortems: docs/{page.uri} exists and would hide a generated page "
                f"({page.title}); remove it from docs/"
            )
        inclusion = InclusionLevel.INCLUDED if page.listed else InclusionLevel.NOT_IN_NAV
        generated = File.generated(config, page.uri, content="", inclusion=inclusion)
        files.append(generated)
        self.pages[page.uri] = page
        return generated

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Give generated pages their Markdown; other pages pass through."""
        uri = page.file.src_uri
        position = self.positions.get(uri)
        if position is not None and self.stream is not None:
            received = len(self.stream.received)
            pm = self.stream.get(position)
            if position % CHUNK == 0 or len(self.stream.received) != received:
                _keep_out_of_gc()  # a new chunk of postmortems: freeze it
            # Themes print page.title unescaped (<title>, <h1>, nav, search): escape it here.
            page.meta["title"] = esc(pm.title)
            source, pm.body = pm.body, ""  # MkDocs keeps the page's Markdown: no second copy
            return source
        spec = self.pages.get(uri)
        if spec is not None:
            page.meta["title"] = esc(spec.title)
            if not spec.searchable:
                page.meta["search"] = {"exclude": True}
            if spec.search_tags:
                page.meta["tags"] = list(spec.search_tags)
            return self._site().markdown(uri)  # its HTML is read when the page is built
        if uri in self.dashboards and self.stream is not None:
            return markdown.replace(DASHBOARD_MARKER, self.mark("dashboard"))
        return markdown

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """Every postmortem is read: report findings, add owner and uncatalogued pages."""
        if self.stream is None:
            return env
        site = self._site()
        _log_findings(site.findings)
        for spec in site.specs:
            if spec.uri in self.pages:
                continue
            added = self._add(spec, files, config)
            if added is not None:
                _populate(Page(None, added, config), config, files)
        return env

    @event_priority(50)  # before the search plugin indexes the page
    def _before_search(
        self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> Any:
        """Give search what it should index of a generated page."""
        uri = page.file.src_uri
        if page.content is None or self.stream is None:
            return context
        position = self.positions.get(uri)
        if position is not None:
            prepared_html = self._from_site(lambda site: site.postmortem_at(position))
            built = avoid_ids(prepared_html, _ids_in(page.content))
            self.built[uri] = built
            # Search reads the card as one line of text, not the card's markup.
            page.content = built.searched + self.mark(SEARCHED_END) + page.content
            return context
        if uri in self.pages:
            prepared = self._from_site(lambda site: site.page(uri))
            later = dict(prepared.later)
            if page.meta.get("search", {}).get("exclude"):
                later.update(prepared.parts)  # nothing to index: kept out of page.content
            else:
                page.content = self.mark.fill(page.content, prepared.parts)
            self.later[uri] = later
        elif uri in self.dashboards:
            dashboard = self._from_site(lambda site: site.dashboard(page.file.url))
            if dashboard is None:
                log.warning(f"{uri}: the dashboard could not be prepared; rebuild the site")
            page.content = self.mark.fill(page.content, {"dashboard": dashboard or ""})
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
        card = self.mark.fill(built.before, built.later, final=True)  # it holds markers too
        self.later[page.file.src_uri] = {**built.later, CARD: card}
        return context

    on_page_context = CombinedEvent(_before_search, _after_search)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        """Put the tables and cross-links in place, after search has indexed the page."""
        later = self.later.pop(page.file.src_uri, None)
        return output if later is None else self.mark.fill(output, later, final=True)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Make sure the exports are written: by the background process, or here."""
        if self.stream is None or self.site is None:
            return
        if not self.stream.exports_written():
            if self.stream.exports_error is not None:
                raise PluginError(
                    f"postmortems: cannot write the exports: {self.stream.exports_error}"
                )
            site = self.site if isinstance(self.site, SiteRenderer) else self._local_site()
            severities = self.settings.severities
            write_exports(site.index, Path(config.site_dir), severities, self.directory_urls)
        self.stream.close()
        gc.unfreeze()

    def on_build_error(self, *, error: Exception) -> None:
        """Stop the background reader of a failed build."""
        if self.stream is not None:
            self.stream.close()
        gc.unfreeze()

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        """Rebuild when a postmortem or a catalog changes."""
        if self.settings.enabled and self.archive_dir.is_dir():
            server.watch(str(self.archive_dir))
        return server

    def _site(self) -> SiteRenderer | FileSite:
        """What needs the whole archive: rendered by the background process, or here."""
        if self.site is None:
            assert self.stream is not None
            self.site = self.stream.prepared_site() or self._local_site()
        return self.site

    def _from_site(self, read: Callable[[SiteRenderer | FileSite], T]) -> T:
        """Read from the site; render it here if the background process stopped early."""
        try:
            return read(self._site())
        except OSError as error:
            if isinstance(self.site, SiteRenderer):
                raise
            log.info(f"postmortem pages are rendered here instead: {error}")
            self.site = self._local_site()
            return read(self.site)

    def _local_site(self) -> SiteRenderer:
        """Index the archive in this process (small archives, one core, or no worker)."""
        assert self.stream is not None
        archive = self.stream.archive()
        index = build_index(archive, self.settings, self.today)
        findings = [*archive.findings(), *index.findings]
        site = SiteRenderer(
            index, self.settings, self.directory_urls, self.mark, findings, archive.postmortems
        )
        _keep_out_of_gc()
        return site


def _populate(page: Page, config: MkDocsConfig, files: Files) -> None:
    """Read and convert a page added after MkDocs has read the others (as MkDocs does)."""
    page = config.plugins.on_pre_page(page, config=config, files=files)
    page.read_source(config)
    assert page.markdown is not None
    page.markdown = config.plugins.on_page_markdown(
        page.markdown, page=page, config=config, files=files
    )
    page.render(config, files)
    assert page.content is not None
    page.content = config.plugins.on_page_content(
        page.content, page=page, config=config, files=files
    )


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


def _keep_out_of_gc() -> None:
    """Move what is alive now (the postmortems read so far, the index) out of the cyclic
    garbage collector's reach until the build ends.

    MkDocs' Markdown and Jinja work triggers thousands of collections; each full one would
    walk every object of the archive again (a quarter of MkDocs' own time at 5,000
    postmortems). Garbage is collected first, so none of it is kept: the collection walks
    only what is not frozen yet. The end of the build unfreezes everything.
    """
    gc.collect()
    gc.freeze()


def _ids_in(html: str) -> set[str]:
    """Every element id of an HTML fragment (headings, attribute lists, footnotes...)."""
    return set(ID_ATTRIBUTE.findall(html))


def _add_headings(page: Page, built: PostmortemHtml) -> None:
    """List the headings the plugin added in the page's table of contents, in page order."""
    before = [AnchorLink(title, ident, 2) for ident, title in built.headings_before]
    after = [AnchorLink(title, ident, 2) for ident, title in built.headings_after]
    page.toc = TableOfContents([*before, *page.toc, *after])


def _asset(name: str) -> Path:
    return Path(__file__).parent / "assets" / name


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
