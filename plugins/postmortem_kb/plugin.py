"""The ``postmortems`` MkDocs plugin: thin glue between MkDocs events and the core."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from .archive import load_archive
from .atomic import write_atomically
from .clock import today
from .exports import (
    action_items_csv,
    action_items_json,
    archive_filter_json,
    postmortems_json,
)
from .findings import Finding, Level, sort_key
from .indexes import Index, build_index
from .plugin_config import PostmortemsConfig
from .render import html_text
from .settings import IGNORED_OPTIONS, Settings, SettingsError
from .site_pages import GeneratedPage, dashboard_page, postmortem_uri, site_pages

log = get_plugin_logger(__name__)

STYLESHEET = "assets/postmortem-kb/postmortem-kb.css"
FILTER_SCRIPT = "assets/postmortem-kb/archive-filter.js"
DASHBOARD_MARKER = "<!-- postmortems:dashboard -->"
OVERRIDES = Path(__file__).parent / "overrides"
REQUIRED_EXTENSIONS = ("tables", "attr_list", "md_in_html", "admonition", "toc")


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    """Publish every postmortem as a page, with cross-linked indexes and exports."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.archive_dir = Path(self.settings.dir)
        self.pages: dict[str, GeneratedPage] = {}
        self.index: Index | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Reset state (``mkdocs serve`` reuses the instance), read options, add extensions."""
        self.pages = {}
        self.index = None
        if not self.config.enabled:
            return config
        options = {
            key: value
            for key, value in self.config.items()
            if key not in IGNORED_OPTIONS and value is not None
        }
        try:
            self.settings = Settings.from_options(options)
        except SettingsError as error:
            raise PluginError(f"postmortems: {error}") from error
        base_dir = Path(config.config_file_path or ".").resolve().parent
        self.archive_dir = base_dir / self.settings.dir
        for extension in REQUIRED_EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        if FILTER_SCRIPT not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(FILTER_SCRIPT)
        if self.config.offline and config.theme.name == "material":
            # Nothing loaded from the internet while the site is viewed: no web fonts, no
            # repository statistics from the forge's API.
            config.theme["font"] = False
            if str(OVERRIDES) not in config.theme.dirs:
                config.theme.dirs.insert(0, str(OVERRIDES))
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Load, check and index the archive once; add its pages and exports."""
        if not self.config.enabled:
            return files
        if not self.archive_dir.is_dir():
            log.warning(f"postmortem folder '{self.archive_dir}' does not exist")
        archive = load_archive(self.archive_dir, self.archive_dir.parent, self.settings)
        index = build_index(archive, self.settings, today())
        self.index = index
        _log_findings([*archive.findings(), *index.findings])
        docs_dir = Path(config.docs_dir)
        for page in site_pages(index, self.settings):
            if files.get_file_from_path(page.uri) is not None:
                if page.listed:
                    log.info(f"docs/{page.uri} exists: it replaces the generated page")
                    continue
                raise PluginError(
                    f"postmortems: docs/{page.uri} exists and would hide a generated page "
                    f"({page.title}); remove it from docs/"
                )
            inclusion = InclusionLevel.INCLUDED if page.listed else InclusionLevel.NOT_IN_NAV
            generated = File.generated(config, page.uri, content="", inclusion=inclusion)
            files.append(generated)
            self.pages[page.uri] = page
        for postmortem in archive.postmortems:
            page_file = files.get_file_from_path(postmortem_uri(postmortem))
            if page_file is not None:
                # Quoted: themes print it verbatim inside href="...".
                relative = Path(os.path.relpath(postmortem.file, docs_dir)).as_posix()
                page_file.edit_uri = quote(relative)
        for uri, asset in ((STYLESHEET, "postmortem-kb.css"), (FILTER_SCRIPT, "archive-filter.js")):
            files.append(File.generated(config, uri, abs_src_path=str(_asset(asset))))
        return files

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Render a generated page when MkDocs reads it; other pages pass through."""
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            if self.index is not None and DASHBOARD_MARKER in markdown:
                dashboard = dashboard_page(self.index, self.settings, page.file.src_uri)
                return markdown.replace(DASHBOARD_MARKER, dashboard)
            return markdown
        # Themes print page.title unescaped (<title>, nav, search): escape it here.
        page.meta["title"] = html_text(generated.title)
        if not generated.searchable:
            page.meta["search"] = {"exclude": True}
        if generated.search_tags:
            page.meta["tags"] = list(generated.search_tags)
        return generated.render()

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the exports next to the pages (built here, not held in memory all build)."""
        if not self.config.enabled or self.index is None:
            return
        index, directory_urls = self.index, config.use_directory_urls
        site_dir = Path(config.site_dir)
        exports = {
            "postmortems.json": lambda: postmortems_json(index, directory_urls),
            "action-items.json": lambda: action_items_json(index, directory_urls),
            "action-items.csv": lambda: action_items_csv(index, directory_urls),
            "postmortems/archive.json": lambda: archive_filter_json(
                index, self.settings.severities, directory_urls
            ),
        }
        for name, build in exports.items():
            write_atomically(site_dir / name, build())

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        """Rebuild when a postmortem or a catalog changes."""
        if self.config.enabled and self.archive_dir.is_dir():
            server.watch(str(self.archive_dir))
        return server


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
