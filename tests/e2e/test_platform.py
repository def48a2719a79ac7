"""Issue 19: the plugin on each generator of the matrix and on Backstage TechDocs.

The site-building tests run once per combination of the matrix: PM_GENERATOR=mkdocs or
properdocs, PM_THEME=material or materialx (read in tests/helpers.py; `make test-matrix`).
The first tests here check that a run really builds with what it names, so a matrix run that
silently fell back to the default cannot pass. The TechDocs tests run in `make test-techdocs`
(a venv of their own: mkdocs-techdocs-core pins an older Material than ours); elsewhere they
are skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    GENERATOR,
    PM_ID,
    REPO,
    SAMPLE_TODAY,
    TECHDOCS,
    THEME,
    browser_api,
    build_site,
    generator_command,
    make_site,
    page,
    postmortem_text,
    serve,
    site_files,
)

GENERATOR_META = re.compile(r'<meta name="generator" content="([^"]*)">')


def built_site(tmp_path: Path) -> Path:
    """A small Material site (in ``THEME``) with one postmortem, built strictly."""
    config = make_site(tmp_path, {f"{PM_ID}.md": postmortem_text()})
    build_site(config, tmp_path / "site", strict=True)
    return tmp_path / "site"


# --- the matrix ------------------------------------------------------------------------------


def test_the_site_is_built_by_the_generator_and_theme_of_the_run(tmp_path: Path) -> None:
    html = page(built_site(tmp_path), f"postmortems/{PM_ID}")
    generator = GENERATOR_META.search(html)
    assert generator is not None
    name = "ProperDocs" if GENERATOR == "properdocs" else "mkdocs-1."
    assert name in generator[1], generator[1]
    assert f"mkdocs-{THEME}-" in generator[1], generator[1]  # mkdocs-material-9.x, -materialx-10.x
    assert "Checkout errors after a database failover" in html


def test_offline_sites_load_no_fonts_and_no_forge_statistics(tmp_path: Path) -> None:
    """``offline`` (the default) applies to Material and MaterialX alike: no web fonts, and
    the repository link without the theme's component that asks the forge's API."""
    site = built_site(tmp_path)
    for uri in ("", "postmortems", f"postmortems/{PM_ID}"):
        html = page(site, uri)
        assert 'class="md-source"' in html, uri
        assert "fonts.googleapis.com" not in html, uri
        assert 'data-md-component="source"' not in html, uri


def test_properdocs_and_mkdocs_build_the_same_site(tmp_path: Path) -> None:
    """ProperDocs is a drop-in: every file of the sample site is the same byte for byte,
    but for the generator's name in each page's ``<meta name="generator">``."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": SAMPLE_TODAY, "NO_MKDOCS_2_WARNING": "1"}
    sites = {}
    for generator in ("mkdocs", "properdocs"):
        sites[generator] = tmp_path / generator
        command = generator_command(
            "build", "--strict", "-q", "-f", "mkdocs.yml", "-d", str(sites[generator]),
            generator=generator,
        )  # fmt: skip
        result = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, result.stderr[-3000:]

    def files(site: Path) -> dict[str, bytes]:
        meta = GENERATOR_META.pattern.encode()
        return {name: re.sub(meta, b"", data) for name, data in site_files(site).items()}

    mkdocs, properdocs = files(sites["mkdocs"]), files(sites["properdocs"])
    assert len(mkdocs) > 100
    assert mkdocs.keys() == properdocs.keys()
    assert [name for name in mkdocs if mkdocs[name] != properdocs[name]] == []
    pages = [name for name in mkdocs if name.endswith(".html")]
    generators = {
        GENERATOR_META.search((sites["properdocs"] / name).read_text("utf-8"))[1]  # type: ignore[index]
        for name in pages
    }
    assert len(generators) == 1 and "ProperDocs" in generators.pop()


# --- Backstage TechDocs ------------------------------------------------------------------------


TECHDOCS_CONFIG = """\
plugins:
  - techdocs-core
  - postmortems:
      dir: postmortems
"""
"""The recipe's plugin list (docs/guide/techdocs.md): TechDocs' core plugin, then ours."""


@pytest.fixture(scope="module")
def techdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample archive built strictly with ``techdocs-core`` next to our plugin."""
    if not TECHDOCS and importlib.util.find_spec("techdocs_core") is None:
        pytest.skip("mkdocs-techdocs-core is not installed: run `make test-techdocs`")
    root = tmp_path_factory.mktemp("techdocs")
    for folder in ("docs", "postmortems"):
        shutil.copytree(REPO / folder, root / folder)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    plugins = "plugins:\n  - search\n  - postmortems:\n      dir: postmortems\n"
    assert plugins in config
    (root / "mkdocs.yml").write_text(config.replace(plugins, TECHDOCS_CONFIG), "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(root / "mkdocs.yml", root / "site", strict=True)
    return root / "site"


INDEX_PAGES = (
    "postmortems",
    "services",
    "causes",
    "insights",
    "action-items",
    "action-items/owners",
    "teams",
    "review-queue",
    "needs-attention",
)


def article(html: str) -> str:
    """The page's content: what TechDocs shows inside Backstage."""
    start = html.index("<article")
    return html[start : html.index("</article>", start)]


def test_techdocs_builds_every_postmortem_and_index_page(techdocs_site: Path) -> None:
    assert (techdocs_site / "techdocs_metadata.json").is_file()  # techdocs-core ran
    records = json.loads((techdocs_site / "postmortems.json").read_text("utf-8"))["postmortems"]
    assert len(records) == len(list((REPO / "postmortems").glob("*.md")))
    for record in records:
        assert record["title"] in page(techdocs_site, f"postmortems/{record['id']}")
    for uri in INDEX_PAGES:
        assert "<table" in article(page(techdocs_site, uri)) or uri == "insights", uri


def test_techdocs_pages_need_no_script(techdocs_site: Path) -> None:
    """TechDocs strips scripts (DOMPurify): no content of ours is a script or a handler."""
    pages = [p for p in techdocs_site.rglob("index.html") if "<article" in p.read_text("utf-8")]
    assert len(pages) > 50
    for path in pages:
        content = article(path.read_text("utf-8"))
        assert "<script" not in content, path
        assert not re.search(r"<[^>]+\son\w+\s*=", content), path
        assert "<canvas" not in content, path


@pytest.fixture(scope="module")
def no_script_browser(techdocs_site: Path) -> Iterator[tuple[object, str]]:
    """Chromium with JavaScript turned off, on the TechDocs build."""
    api = browser_api()
    with serve(techdocs_site) as url, api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        context = browser.new_context(java_script_enabled=False)
        yield context.new_page(), url
        browser.close()


def test_techdocs_archive_lists_every_postmortem_without_javascript(
    techdocs_site: Path, no_script_browser: tuple[object, str]
) -> None:
    """The filter degrades to the full list: every postmortem is a visible link."""
    tab, url = no_script_browser
    records = json.loads((techdocs_site / "postmortems.json").read_text("utf-8"))["postmortems"]
    tab.goto(url + "postmortems/")  # type: ignore[attr-defined]
    links = tab.locator("article a[href*='/postmortems/2']")  # type: ignore[attr-defined]
    shown = {
        links.nth(n).get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
        for n in range(links.count())
        if links.nth(n).is_visible()
    }
    assert shown == {record["id"] for record in records}
    service = records[0]["services"][0]
    tab.goto(url + f"services/{service}/")  # type: ignore[attr-defined]
    text = tab.locator("article").inner_text()  # type: ignore[attr-defined]
    assert records[0]["title"] in text


def test_techdocs_charts_are_svg_without_javascript(
    no_script_browser: tuple[object, str],
) -> None:
    tab, url = no_script_browser
    tab.goto(url + "insights/")  # type: ignore[attr-defined]
    charts = tab.locator("article figure.pm-chart")  # type: ignore[attr-defined]
    assert charts.count() >= 3
    for n in range(charts.count()):
        chart = charts.nth(n).locator("svg")
        assert chart.count() == 1 and chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 30
