"""The ``postmortems`` MkDocs plugin: thin glue between MkDocs events and the core."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from .archive import Archive, load_archive
from .findings import Finding, Level, sort_key
from .plugin_config import PostmortemsConfig
from .postmortem import Postmortem
from .render import html_text, render_listing, render_postmortem
from .settings import Settings, SettingsError

log = get_plugin_logger(__name__)

PAGES_DIR = "postmortems"
STYLESHEET = "assets/postmortem-kb/postmortem-kb.css"
REQUIRED_EXTENSIONS = ("tables", "attr_list", "md_in_html", "admonition", "toc")


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    """Publish every postmortem of the archive as a page, with a listing page."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.archive_dir = Path(PAGES_DIR)
        self.pages: dict[str, Postmortem] = {}
        self.archive: Archive | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Reset state (``mkdocs serve`` reuses the instance), read options, add extensions."""
        self.pages = {}
        self.archive = None
        if not self.config.enabled:
            return config
        options = {
            key: value
            for key, value in self.config.items()
            if key != "enabled" and value is not None
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
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Load and check the archive once, then add one page per postmortem."""
        if not self.config.enabled:
            return files
        if not self.archive_dir.is_dir():
            log.warning(f"postmortem folder '{self.archive_dir}' does not exist")
        base_dir = self.archive_dir.parent
        self.archive = load_archive(self.archive_dir, base_dir, self.settings)
        _log_findings(self.archive.findings())
        docs_dir = Path(config.docs_dir)
        for postmortem in self.archive.postmortems:
            src_uri = f"{PAGES_DIR}/{postmortem.slug}.md"
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(
                    f"postmortems: docs/{src_uri} exists and would hide {postmortem.path}; "
                    "remove it from docs/"
                )
            page_file = File.generated(
                config, src_uri, content="", inclusion=InclusionLevel.NOT_IN_NAV
            )
            page_file.edit_uri = Path(os.path.relpath(postmortem.file, docs_dir)).as_posix()
            files.append(page_file)
            self.pages[src_uri] = postmortem
        listing = f"{PAGES_DIR}/index.md"
        if files.get_file_from_path(listing) is None:
            files.append(
                File.generated(config, listing, content="", inclusion=InclusionLevel.INCLUDED)
            )
        files.append(
            File.generated(config, STYLESHEET, abs_src_path=str(_asset("postmortem-kb.css")))
        )
        return files

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Render a postmortem page or the listing; other pages pass through."""
        uri = page.file.src_uri
        if uri in self.pages:
            postmortem = self.pages[uri]
            # Themes print page.title unescaped (<title>, nav, search): escape it here.
            page.meta["title"] = html_text(postmortem.title)
            return render_postmortem(postmortem)
        if uri == f"{PAGES_DIR}/index.md" and page.file.generated_by and self.archive:
            return render_listing(self.archive.postmortems)
        return markdown

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
