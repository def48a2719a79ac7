"""Issue 20: no XSS vector in a postmortem body runs on the published site (real Chromium).

One MkDocs build holds a postmortem per vector of ``tests/data/xss-vectors.yml``, each next to
ordinary content (a sentinel paragraph, a table, an admonition, a link to another postmortem
and an external link). Every page is opened in Chromium with an init script that traps any
write to ``window.__xss`` (in any frame) and turns ``postMessage('__xss')`` from opaque frames
into one; the body's elements are hovered, focused and clicked. No vector may run, no dialog
may open, and the ordinary content must survive. The same harness first opens control pages,
vectors *without* the sanitiser (Python-Markdown's own output), to show that it sees each way
a vector can run. Material's search runs on its own, over the real index.

Playwright drives Debian's Chromium (/usr/bin/chromium); without it the tests are skipped on
a developer machine and fail in CI (CI=true), as in test_browser.py.
"""

from __future__ import annotations

import functools
import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import pytest

from helpers import (
    SAMPLE_TODAY,
    VALID,
    XssVector,
    browser_api,
    build_site,
    make_site,
    serve,
    unsafe_html,
    with_block,
    xss_vectors,
)

browser_api()  # skipped without Playwright and Chromium, a failure in CI

VECTORS = xss_vectors()
OTHER = "2026-03-14-xss-other"
EXTERNAL = "https://status.example.com/incidents/42"
LEGIT = f"""\
Sentinel {{id}}: the replica lag grew before the failover.

| Step | Owner |
| --- | --- |
| Pause failover | team-db |

!!! note "Follow-up"
    The failover runbook is being rewritten.

See the [earlier failover]({OTHER}.md) and the [vendor status page]({EXTERNAL}).
"""
"""Ordinary content put before each vector (``{id}`` makes the sentinel unique)."""

CONTROLS = {
    "script-plain": "a script element, when parsed",
    "img-onerror": "an event handler, on a load error",
    "details-ontoggle": "an event handler, on its own",
    "div-onmouseover": "an event handler, on hover",
    "input-autofocus-onfocus": "an event handler, on focus",
    "md-link-javascript": "a javascript: link, on click",
    "form-action-javascript": "a form's javascript: action, on click",
    "attr-list-heading": "an attribute list's handler, on hover",
    "iframe-srcdoc": "a same-origin frame (top.__xss)",
    "iframe-data": "an opaque-origin frame (postMessage)",
    "noscript-title": "a mutation through a raw-text element",
    "cdata-bogus-comment": "a declaration the browser closes early",
}
"""Vectors that run when nothing sanitises them, one per way of running that the harness
must see (in a full run without the sanitiser, 92 of the 126 vectors ran in Chromium)."""


EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "toc"]
BATCH = 16
"""Pages open at once: they load one after another and wait for their timers together."""
SETTLE_MS = 400
"""How long a batch waits after the interactions (timers, javascript: URLs, frames)."""

INIT_SCRIPT = """
(() => {
  let value;
  const report = (where) => {
    try { window.__pmXssReport(where); } catch (error) {}
  };
  Object.defineProperty(window, '__xss', {
    configurable: false,
    get() { return value; },
    set(v) { value = v; report(String(location.href)); },
  });
  window.__xss_hit = () => { window.__xss = 1; };
  window.addEventListener('message', (event) => {
    if (event.data === '__xss') window.__xss = 1;
  });
})();
"""
"""Every frame of every page: a write to ``__xss`` (or the message) reports a hit."""

INTERACT = """
(article) => {
  const all = [...article.querySelectorAll('*')];
  // On a postmortem page, from the sentinel paragraph to the generated cross-links.
  const first = all.findIndex((el) => el.matches('p') && el.textContent.startsWith('Sentinel '));
  const last = all.findIndex((el) => el.matches('h2#related-postmortems'));
  const elements = all.slice(Math.max(first, 0), last < 0 ? all.length : last);
  const safe = new Set(['http:', 'https:', 'mailto:', 'tel:']);
  const make = (type) => type.startsWith('pointer') ? new PointerEvent(type, {bubbles: true})
    : type.startsWith('focus') ? new FocusEvent(type, {bubbles: true})
    : new MouseEvent(type, {bubbles: true, cancelable: true});
  const types = ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove',
                 'pointerdown', 'mousedown', 'pointerup', 'mouseup', 'focusin', 'focus'];
  for (const el of elements) {
    for (const type of types) el.dispatchEvent(make(type));
    for (const name of el.getAttributeNames()) {
      if (name.startsWith('on')) el.dispatchEvent(new Event(name.slice(2)));
    }
    if (typeof el.focus === 'function') el.focus();
    // Links to http(s) pages cannot run script: clicking them would only leave the page.
    const link = el.closest('a[href], area[href]');
    if (link && safe.has(link.protocol)) continue;
    if (typeof el.click === 'function') el.click();
  }
  // Where a real mouse goes next: the vector's blocks (after the links paragraph).
  const links = all.find((el) => el.matches('p') && el.textContent.startsWith('See the earlier'));
  const blocks = [];
  for (let el = links ? links.nextElementSibling : article.firstElementChild;
       el && !el.matches('h2#impact, h2#related-postmortems'); el = el.nextElementSibling) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) {
      blocks.push([box.left + box.width / 2, box.top + Math.min(box.height / 2, 20)]);
    }
  }
  return [elements.length, blocks.slice(0, 6)];
}
"""
"""Hover, focus and click every element of the body from the sentinel on, synthetically."""

INSPECT = """
(article) => {
  const all = [...article.querySelectorAll('*')];
  const first = all.findIndex((el) => el.matches('p') && el.textContent.startsWith('Sentinel '));
  const found = [];
  const banned = 'script,iframe,frame,object,embed,applet,style,form,input,button,textarea,' +
                 'select,meta,base,link,svg,math,template';
  for (const el of all.slice(Math.max(first, 0))) {
    if (el.matches(banned)) found.push('<' + el.localName + '>');
    for (const name of el.getAttributeNames()) {
      if (name.startsWith('on') || name === 'srcdoc') found.push(el.localName + ' ' + name);
    }
    if (el.matches('a[href], area[href]') &&
        !['http:', 'https:', 'mailto:', 'tel:'].includes(el.protocol)) {
      found.push(el.localName + ' href=' + el.getAttribute('href'));
    }
  }
  const shown = (el) => !!el && el.getBoundingClientRect().height > 0 &&
    el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const has = (selector, text) =>
    all.find((el) => el.matches(selector) && el.textContent.includes(text));
  const other = has('a', 'earlier failover');
  const external = has('a', 'vendor status page');
  return {
    xss: window.__xss === undefined ? null : String(window.__xss),
    url: location.href,
    leftovers: found,
    visible: {
      sentinel: shown(has('p', 'Sentinel ')),
      table: shown(has('table', 'Pause failover')),
      admonition: shown(has('.admonition.note', 'runbook is being rewritten')),
    },
    other_link: other ? other.href : '',
    external_rel: external ? external.getAttribute('rel') : null,
  };
}
"""
"""After the page settled: the trap, the DOM of the body, the ordinary content."""


def pm_id(vector: XssVector) -> str:
    """The postmortem of one vector."""
    return f"2026-03-14-xss-{vector.id}"


def postmortem(vector: XssVector) -> str:
    """A valid postmortem with the ordinary content and then the vector in its Summary."""
    text = VALID.format(title=f"Vector {vector.id}", status="published")
    return with_block(text, LEGIT.format(id=vector.id) + "\n" + vector.markdown + "\n")


def control_page(vector: XssVector) -> str:
    """The vector as Python-Markdown writes it, with no sanitiser: the harness's control."""
    body = markdown.markdown(vector.markdown, extensions=EXTENSIONS)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>control</title></head>"
        f"<body><article><h1>Control {vector.id}</h1>\n{body}\n</article></body></html>"
    )


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build: a postmortem per vector and the other postmortem; then the control pages."""
    root = tmp_path_factory.mktemp("xss")
    files = {f"{OTHER}.md": VALID.format(title="Earlier failover", status="published")}
    files.update({f"{pm_id(vector)}.md": postmortem(vector) for vector in VECTORS})
    config = make_site(root, files)
    site = root / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build_site(config, site, strict=False)  # raw-html findings are errors
    for vector in VECTORS:
        if vector.id in CONTROLS:
            folder = site / "xss-control" / vector.id
            folder.mkdir(parents=True)
            (folder / "index.html").write_text(control_page(vector), encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def site_url(site_dir: Path) -> Iterator[str]:
    """Serve the build on a free loopback port."""
    with serve(site_dir) as url:
        yield url


@dataclass
class Outcome:
    """What happened on one page."""

    url: str
    hits: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    elements: int = 0
    state: dict[str, Any] = field(default_factory=dict)


class Harness:
    """Pages of one Chromium context that report hits, dialogs, popups and requests that
    leave the site; ``visit`` opens a batch of pages at once."""

    def __init__(self, browser: Any, base: str, *, pages: int, search: bool) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 1600})
        self.context.set_default_timeout(15_000)
        self.outcomes: dict[Any, Outcome] = {}
        self.outside: list[str] = []
        self.popups: list[str] = []
        self.context.expose_binding("__pmXssReport", self._report)
        self.context.add_init_script(INIT_SCRIPT)
        self.context.on("request", self._request)
        if not search:  # each page's search worker would index the whole site again
            self.context.route("**/assets/javascripts/workers/search.*.js", self._no_worker)
        self.pages = [self.context.new_page() for _ in range(pages)]
        for page in self.pages:
            page.on("dialog", functools.partial(self._dialog, page))
        self.context.on("page", self._popup)

    def _report(self, source: dict[str, Any], where: str) -> None:
        outcome = self.outcomes.get(source["page"])
        if outcome is None:
            self.popups.append(f"a hit outside the visited pages: {where}")
        else:
            outcome.hits.append(where)

    def _dialog(self, page: Any, dialog: Any) -> None:
        outcome = self.outcomes.get(page)
        if outcome is not None:
            outcome.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _popup(self, page: Any) -> None:
        self.popups.append(page.url)

    def _no_worker(self, route: Any) -> None:
        route.fulfill(body="", content_type="text/javascript")

    def _request(self, request: Any) -> None:
        url = request.url
        if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(self.base):
            self.outside.append(url)

    def visit(self, urls: list[str]) -> list[Outcome]:
        """Open ``urls`` (at most BATCH) together, interact, settle, read each outcome."""
        batch = list(zip(self.pages, urls, strict=False))
        for page, url in batch:
            self.outcomes[page] = Outcome(url)
            page.goto(url, wait_until="commit")
        for page, _ in batch:
            page.wait_for_load_state("load")
        for page, _ in batch:
            article = page.locator("article").first
            elements, blocks = article.evaluate(INTERACT)
            self.outcomes[page].elements = elements
            for x, y in blocks:  # and a real mouse over the vector's blocks
                page.mouse.move(x, y)
        batch[-1][0].wait_for_timeout(SETTLE_MS)
        results = []
        for page, _ in batch:
            outcome = self.outcomes.pop(page)
            outcome.state = page.locator("article").first.evaluate(INSPECT)
            results.append(outcome)
        return results

    def search(self, url: str, queries: list[str]) -> tuple[Outcome, list[int]]:
        """Type each query into Material's search on ``url``; hover the results."""
        page = self.pages[0]
        outcome = self.outcomes[page] = Outcome(url)
        page.goto(url, wait_until="load")
        counts = []
        for query in queries:
            page.click("input.md-search__input")
            page.keyboard.press("Control+A")
            page.keyboard.type(query, delay=20)  # Material listens to keys
            results = page.locator(".md-search-result__item")
            results.first.wait_for()
            counts.append(results.count())
            for index in range(min(counts[-1], 5)):
                results.nth(index).hover()
            page.wait_for_timeout(SETTLE_MS)
        outcome.state = {"xss": page.evaluate("() => window.__xss ?? null")}
        return self.outcomes.pop(page), counts

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def runs(browser: Any, site_url: str) -> Iterator[tuple[dict[str, Outcome], Harness]]:
    """The control pages and every vector's postmortem page, visited once; outcomes by name
    (``control/<id>`` and ``<id>``)."""
    pages = [(f"control/{v}", f"{site_url}xss-control/{v}/") for v in CONTROLS]
    pages += [(v.id, f"{site_url}postmortems/{pm_id(v)}/") for v in VECTORS]
    outcomes: dict[str, Outcome] = {}
    started = time.monotonic()
    harness = Harness(browser, site_url, pages=BATCH, search=False)
    for start in range(0, len(pages), BATCH):
        chunk = pages[start : start + BATCH]
        visited = harness.visit([url for _, url in chunk])
        outcomes.update(zip([name for name, _ in chunk], visited, strict=True))
    harness.close()
    print(f"\nvisited {len(outcomes)} pages in {time.monotonic() - started:.1f} s")
    yield outcomes, harness


# --- the harness sees vectors that run -------------------------------------------------------


@pytest.mark.parametrize("vector", CONTROLS, ids=str)
def test_the_harness_sees_the_vector_run_without_the_sanitiser(
    runs: tuple[dict[str, Outcome], Harness], vector: str
) -> None:
    outcome = runs[0][f"control/{vector}"]
    assert outcome.hits, f"the harness did not see {CONTROLS[vector]} run"
    assert outcome.state["xss"] == "1"


# --- on the site, none does -----------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_vector_does_not_run_and_the_page_survives(
    runs: tuple[dict[str, Outcome], Harness], site_url: str, vector: XssVector
) -> None:
    outcome = runs[0][vector.id]
    state = outcome.state
    assert outcome.hits == [], f"the vector ran: {outcome.hits}"
    assert state["xss"] is None
    assert outcome.dialogs == []
    assert state["url"] == outcome.url
    assert outcome.elements > 10, "the body was hovered, focused and clicked"
    assert state["leftovers"] == [], "the DOM of the body still holds these"
    assert state["visible"] == {"sentinel": True, "table": True, "admonition": True}
    assert state["other_link"] == f"{site_url}postmortems/{OTHER}/"
    with urllib.request.urlopen(state["other_link"], timeout=5) as response:
        assert response.status == 200
    assert state["external_rel"] is not None
    assert {"noopener", "noreferrer"} <= set(state["external_rel"].split())


SEARCHES = ["Sentinel", "script", "onerror", "javascript"]
"""Queries whose results show what is left of the vectors in the search index."""


def test_search_results_run_nothing(browser: Any, site_url: str) -> None:
    harness = Harness(browser, site_url, pages=1, search=True)
    outcome, counts = harness.search(site_url, SEARCHES)
    harness.close()
    assert min(counts) > 0, "every query found something"
    assert outcome.hits == []
    assert outcome.state["xss"] is None
    assert outcome.dialogs == []
    assert harness.outside == []
    assert harness.popups == []


def test_nothing_left_the_site_and_no_popup_opened(
    runs: tuple[dict[str, Outcome], Harness],
) -> None:
    _, harness = runs
    assert harness.outside == []
    assert harness.popups == []


# --- the built HTML and the search index -----------------------------------------------------


def body_of(page_html: str) -> str:
    """A postmortem page's article after its <h1> (before: the theme's edit button)."""
    article = page_html[page_html.index("<article") : page_html.index("</article>")]
    return article[article.index("</h1>") :]


def test_no_vector_reaches_the_built_pages(site_dir: Path) -> None:
    unsanitised = [v.id for v in VECTORS if unsafe_html(control_page(v).split("<article>")[1])]
    assert len(unsanitised) > len(VECTORS) * 3 // 4, "the check sees what Markdown lets through"
    found = {}
    for vector in VECTORS:
        page_html = (site_dir / "postmortems" / pm_id(vector) / "index.html").read_text("utf-8")
        problems = unsafe_html(body_of(page_html)) + unsafe_html(page_html, elements=False)
        if problems:
            found[vector.id] = problems
    assert found == {}


def test_no_vector_reaches_the_search_index(site_dir: Path) -> None:
    index = json.loads((site_dir / "search" / "search_index.json").read_text("utf-8"))
    pages = {f"postmortems/{pm_id(vector)}/" for vector in VECTORS}
    docs = [doc for doc in index["docs"] if doc["location"].split("#")[0] in pages]
    assert len({doc["location"].split("#")[0] for doc in docs}) == len(VECTORS)
    found = [
        (doc["location"], problems)
        for doc in docs
        for problems in [unsafe_html(doc["title"] or "") + unsafe_html(doc["text"])]
        if problems
        or any(tag in doc["text"].lower() for tag in ("<script", "<img", "<iframe", "<svg"))
    ]
    assert found == []
    sentinels = {v.id for v in VECTORS if f"Sentinel {v.id}:" in json.dumps(docs)}
    assert sentinels == {v.id for v in VECTORS}
