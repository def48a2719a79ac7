"""``postmortem generate``: the pages, exports and assets the plugin adds, as plain files.

A generator that runs no MkDocs plugin (Zensical, MkDocs 2) builds the same site from a
docs folder holding these files. Every page is rendered here, by the code the plugin uses
(``SiteRenderer``), and written as Markdown whose only Markdown is its headings (so the
generator's table of contents lists them); everything else is raw HTML blocks, which
Python-Markdown passes through untouched. Authors' bodies are converted and sanitised here,
as the plugin does, so the files are safe whatever renders them.

The folder may hold other files (the site's own pages): a file is written only where there
is none, or where the list of the last run (``MANIFEST``) says this command wrote it; files
of the last run that are no longer generated (a postmortem removed) are deleted. Every
path is checked to stay inside the folder: ids and slugs come from authors.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from html import unescape
from pathlib import Path

import markdown
import yaml

from postmortem_kb.archive.archive import load_archive
from postmortem_kb.archive.cache import CheckCache, cache_folder
from postmortem_kb.archive.calendars import CalendarSite, CalendarWriter, calendar_files
from postmortem_kb.archive.exports import export_parts
from postmortem_kb.archive.feeds import FeedSite, atom, feed_files
from postmortem_kb.archive.index import Index, build_index
from postmortem_kb.archive.review_calendar import REVIEW_CALENDAR, review_calendar
from postmortem_kb.archive.urls import page_url, postmortem_uri
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.record import Postmortem
from postmortem_kb.site.feeds import add_feed_links, service_feeds
from postmortem_kb.site.html import Markers, esc, md_text
from postmortem_kb.site.postmortem_page import ID_ATTRIBUTE, ids_in
from postmortem_kb.site.renderer import SiteRenderer
from postmortem_kb.site.sanitise import Sanitiser
from postmortem_kb.site.static import ASSETS, DASHBOARD_MARKER, REQUIRED_EXTENSIONS, asset
from postmortem_kb.source.atomic import write_atomically
from postmortem_kb.source.mkdocs_yml import SiteConfig

MANIFEST = ".postmortem-generate"
"""The list of files the last run wrote, in the folder (generators skip dot files)."""
MANIFEST_HEADER = (
    "# Written by 'postmortem generate': the files it wrote into this folder. It replaces\n"
    "# or deletes only these; remove a line to keep a file as your own.\n"
)
EXTENSIONS = ("fenced_code", *REQUIRED_EXTENSIONS)  # MkDocs always adds fenced_code too
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_VOID |= {"track", "wbr"}
_HEADING_ID = re.compile(r"[\w-]+")
DASHBOARD = "dashboard.md"  # the dashboard the plugin puts into docs pages, as a page
SOURCE, PAGE = "source", "page"
LINK_STYLES = (SOURCE, PAGE)
_HTML_LINK = re.compile(r'(href|src)="([^":#?]+)\.html([#?][^"]*)?"')
_TOKEN = re.compile(  # a comment, a script or style with its content, or a tag
    r"<!--.*?-->|<(script|style)\b.*?</\1\s*>"
    r"|<(?P<end>/?)(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?P<attributes>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.DOTALL | re.IGNORECASE,
)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)  # the theme adds its own
_TAG = re.compile(r"<[^>]*>")


class GenerateError(Exception):
    """The site cannot be written; the message says which file and what to do."""


@dataclass(frozen=True)
class Generated:
    """What a run wrote: paths from the folder, the configuration to paste, the findings."""

    files: list[str]
    removed: list[str]
    config: str
    findings: list[Finding]
    asking_for_dashboard: list[str]  # pages of the folder with the plugin's dashboard marker


def generate(site: SiteConfig, into: Path, today: dt.date, links: str = SOURCE) -> Generated:
    """Write the site the plugin adds, for ``site`` (its ``mkdocs.yml``), into ``into``.

    ``links`` (``LINK_STYLES``): ``source`` links each page to the Markdown files of the
    others, relative to its own file, as Zensical reads links in HTML (it turns them into
    the built pages' URLs); ``page`` writes them relative to each page's URL, as MkDocs
    builds it (which leaves links in HTML as they are).
    """
    if links not in LINK_STYLES:
        raise GenerateError(f"links must be one of {', '.join(LINK_STYLES)}, not '{links}'")
    settings = site.settings
    if not site.archive_dir.is_dir():
        raise GenerateError(
            f"the postmortem folder '{site.archive_dir}' does not exist: run in the folder of "
            "mkdocs.yml, or give it with --config"
        )
    folder = cache_folder(site.base, settings)
    cache = None if folder is None else CheckCache(folder, settings)
    archive = load_archive(site.archive_dir, site.base, settings, cache=cache, today=today)
    index = build_index(archive, settings, today)
    # Without directory URLs a page's links start from its file's folder, and name
    # ``.html`` files that ``_PageWriter`` turns into the ``.md`` files they are built from.
    directory_urls = site.directory_urls and links == PAGE
    renderer = SiteRenderer(
        index, settings, directory_urls, Markers(secrets.token_hex(8)), site.site_url
    )
    pages = {postmortem_uri(pm.slug): pm.title for pm in index.postmortems}
    pages.update((uri, page.title) for uri, page in renderer.generated.items())
    pages[DASHBOARD] = "Dashboard"
    outputs = _outputs(index, site)
    files = [*pages, *ASSETS, *(path for path, _ in outputs)]
    root = into.resolve()
    if root.exists() and not root.is_dir():
        raise GenerateError(f"'{into}' is not a folder; give the docs folder to write into")
    earlier = _previous_files(root)
    for path in files:
        target = target_path(root, path)
        if (target.exists() or target.is_symlink()) and path not in earlier:
            raise GenerateError(
                f"'{into / path}' exists and was not written by 'postmortem generate': it "
                "would be overwritten. Move or remove it, or generate into another folder."
            )
    # Listed before anything is written: a run that stops half-way leaves no file unlisted.
    _write_manifest(root, sorted(earlier | set(files)))
    removed = [path for path in sorted(earlier - set(files)) if _remove(root, path)]
    writer = _PageWriter(renderer, Sanitiser(settings.allow_html), site.site_name, set(pages))
    for pm in index.postmortems:
        _write(root, postmortem_uri(pm.slug), writer.postmortem(pm))
    for uri in renderer.generated:
        _write(root, uri, writer.generated(uri))
    _write(root, DASHBOARD, writer.dashboard())
    for uri in ASSETS:
        _write(root, uri, asset(uri).read_text(encoding="utf-8"))
    for path, text in outputs:
        _write(root, path, text())
    _write_manifest(root, files)
    return Generated(
        files,
        removed,
        nav_snippet(renderer),
        archive.findings() + index.findings,
        _asking_for_dashboard(root, set(files)),
    )


def target_path(root: Path, path: str) -> Path:
    """Where ``path`` (relative, ``/``-separated, from authors' ids) goes in ``root``;
    raises ``GenerateError`` when it would leave ``root`` (``..``, absolute, symlinks)."""
    parts = path.split("/")
    if "\\" in path or any(part in ("", ".", "..") for part in parts):
        raise GenerateError(f"refusing to write '{path}': not a plain path inside the folder")
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root):
        raise GenerateError(f"refusing to write '{path}': it leads outside '{root}'")
    return target


def _previous_files(root: Path) -> set[str]:
    """The files the last run wrote into ``root``, from its manifest (none without one)."""
    manifest = root / MANIFEST
    if not manifest.is_file():
        return set()
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise GenerateError(f"cannot read '{manifest}': {error}; remove it") from error
    return {line for line in lines if line and not line.startswith("#")}


def _write_manifest(root: Path, files: list[str]) -> None:
    _write(root, MANIFEST, MANIFEST_HEADER + "".join(f"{path}\n" for path in files))


def _remove(root: Path, path: str) -> bool:
    """Delete a file of the last run that is no longer generated; True when one was."""
    target = target_path(root, path)  # the manifest is a file in the folder: checked too
    if not target.is_file() or target.is_symlink():
        return False
    target.unlink()
    return True


def _write(root: Path, path: str, text: str) -> None:
    # Atomic, as the plugin's outputs: a link that replaced a file of the last run is
    # replaced itself, never followed.
    write_atomically(target_path(root, path), text)


def _asking_for_dashboard(root: Path, generated: set[str]) -> list[str]:
    """The site's own pages in ``root`` that show the dashboard with the plugin."""
    found = []
    for path in sorted(root.rglob("*.md")):
        name = path.relative_to(root).as_posix()
        if name in generated:
            continue
        try:
            if DASHBOARD_MARKER in path.read_text("utf-8", "replace"):
                found.append(name)
        except OSError:
            continue  # the generator reports a page it cannot read
    return found


def _outputs(index: Index, site: SiteConfig) -> list[tuple[str, Callable[[], str]]]:
    """The exports, calendars and feeds (where each goes, from the site root, and its text),
    from the functions the plugin writes them with."""
    urls, site_url = site.directory_urls, site.site_url
    calendars = CalendarSite(site.site_name, site_url, urls, site.settings.jira_url)
    feeds = FeedSite(site.site_name, site_url, urls)
    writer = CalendarWriter(index, calendars)
    outputs: list[tuple[str, Callable[[], str]]] = [
        (name, partial(_joined, parts))
        for name, parts in export_parts(index, site.settings.severities, urls, site_url)
    ]
    outputs += [(c.path, partial(writer.calendar, c)) for c in calendar_files(index, calendars)]
    outputs.append((REVIEW_CALENDAR, partial(review_calendar, index, calendars)))
    outputs += [(f.path, partial(atom, f, index, feeds)) for f in feed_files(index, feeds)]
    return outputs


def _joined(parts: Callable[[], Iterable[str]]) -> str:
    return "".join(parts())


class _PageWriter:
    """Pages as Markdown files: the HTML of the plugin's pages, headings as Markdown."""

    def __init__(
        self, renderer: SiteRenderer, sanitiser: Sanitiser, site_name: str, pages: set[str]
    ) -> None:
        self.renderer = renderer
        self.pages = pages  # every page written, by URI
        self.sanitiser = sanitiser
        self.site_name = site_name
        self.markdown = markdown.Markdown(extensions=list(EXTENSIONS))
        self.feeds = service_feeds(renderer.index)

    def _convert(self, text: str) -> str:
        return str(self.markdown.reset().convert(text))

    def postmortem(self, pm: Postmortem) -> str:
        """A postmortem's page: the author's body converted and sanitised, as in the site."""
        body = self.sanitiser.clean(self._convert(pm.body))
        built = self.renderer.postmortem(pm, ids_in(body))
        html = built.page(pm.title, body, self.renderer.markers)
        return page_file(pm.title, self._sources(postmortem_uri(pm.slug), html), searchable=True)

    def generated(self, uri: str) -> str:
        """A generated page (listing, service, cause, owner, team, person)."""
        spec = self.renderer.generated[uri]
        prepared = self.renderer.page(uri)
        html = self.renderer.markers.fill(
            self._convert(prepared.markdown), {**prepared.parts, **prepared.later}, final=True
        )
        service = self.feeds.get(uri)
        if service is not None:  # the visible link to the service's feed, under its title
            url = page_url(uri, self.renderer.directory_urls)
            html = add_feed_links(html, url, self.site_name, self.renderer.site_url, service)
        return page_file(spec.title, self._sources(uri, html), searchable=spec.searchable)

    def dashboard(self) -> str:
        """The dashboard, as a page of its own."""
        url = page_url(DASHBOARD, self.renderer.directory_urls)
        html = "<h1>Dashboard</h1>\n" + self.renderer.dashboard(url)
        return page_file("Dashboard", self._sources(DASHBOARD, html), searchable=False)

    def _sources(self, uri: str, html: str) -> str:
        """Links to pages as links to their Markdown files (``source`` links); ``.html``
        links to other files stay."""
        if self.renderer.directory_urls:
            return html
        folder = posixpath.dirname(uri)

        def to_source(match: re.Match[str]) -> str:
            attribute, path, rest = match.group(1), match.group(2), match.group(3) or ""
            if posixpath.normpath(posixpath.join(folder, path)) + ".md" not in self.pages:
                return match.group(0)
            return f'{attribute}="{path}.md{rest}"'

        return _HTML_LINK.sub(to_source, html)


def page_file(title: str, html: str, *, searchable: bool) -> str:
    """A Markdown file showing ``html``: front matter with the title, top-level headings as
    Markdown lines (escaped text, the same id), everything else in raw ``<div>`` blocks."""
    meta: dict[str, object] = {"title": esc(title)}  # themes print titles verbatim
    if not searchable:
        meta["search"] = {"exclude": True}
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    blocks = []
    at = 0
    for start, end, level, ident, text in _top_level_headings(html):
        blocks.append(_raw(html[at:start]))
        ident_part = f" {{#{ident}}}" if ident and _HEADING_ID.fullmatch(ident) else ""
        blocks.append("#" * level + " " + md_text(text).replace("#", "\\#") + ident_part)
        at = end
    blocks.append(_raw(html[at:]))
    return f"---\n{front}---\n\n" + "\n\n".join(b for b in blocks if b) + "\n"


def _raw(html: str) -> str:
    """A raw HTML block: Python-Markdown passes a ``<div>`` through whole, blank lines and
    Markdown-like text included."""
    html = html.strip()
    return f"<div>\n{html}\n</div>" if html else ""


def _top_level_headings(html: str) -> list[tuple[int, int, int, str | None, str]]:
    """(start, end, level, id, text) of each heading outside any other element.

    The HTML is well formed (Python-Markdown's, the sanitiser's and the renderers'): a scan
    of its tags is enough, and much faster than a parser on pages of large tables.
    """
    found: list[tuple[int, int, int, str | None, str]] = []
    depth = 0
    opened: tuple[int, int, str | None] | None = None
    for token in _TOKEN.finditer(html):
        name = (token.group("name") or "").lower()
        if not name or name in _VOID or token.group("attributes").endswith("/"):
            continue  # a comment, a script or style as a whole, an element without content
        if not token.group("end"):
            if depth == 0 and name in _HEADINGS:
                found_id = ID_ATTRIBUTE.search(token.group("attributes"))
                opened = (token.start(), token.end(), found_id.group(1) if found_id else None)
            depth += 1
            continue
        depth = max(depth - 1, 0)
        if depth == 0 and opened is not None:
            start, inner, ident = opened
            text = _PERMALINK.sub("", html[inner : token.start()])
            text = unescape(_TAG.sub("", text))
            found.append((start, token.end(), int(name[1]), ident, text))
            opened = None
    return found


def nav_snippet(renderer: SiteRenderer) -> str:
    """The configuration a site without the plugin needs (YAML for ``mkdocs.yml``)."""
    nav = [{"Dashboard": DASHBOARD}]
    nav += [{page.title: uri} for uri, page in renderer.generated.items() if page.listed]
    folders = sorted(
        {uri.rsplit("/", 1)[0] for uri, page in renderer.generated.items() if not page.listed}
        | {"postmortems"}
    )
    config = {
        "nav": nav,
        "extra_css": [ASSETS[0]],
        "extra_javascript": list(ASSETS[1:]),
        "markdown_extensions": ["toc", "attr_list"],
    }
    return (
        "# From 'postmortem generate': merge into the site's configuration. Paths are from\n"
        "# the generated folder (the docs folder); add your own pages to the nav.\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=1000)
        + "not_in_nav: |\n"
        + "".join(f"  /{folder}/*.md\n" for folder in folders)
    )
