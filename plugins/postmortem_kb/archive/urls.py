"""Page URLs the way MkDocs gives them, so generated HTML can link without MkDocs."""

from __future__ import annotations

SITE_CALENDAR = "action-items.ics"  # every open action item with a due date


def page_url(uri: str, directory_urls: bool) -> str:
    """The URL of the page at ``uri`` from the site root.

    ``services/db.md`` -> ``services/db/`` (or ``services/db.html``); ``services/index.md``
    -> ``services/`` (or ``services/index.html``); ``index.md`` -> ``""`` (or ``index.html``).
    """
    stem = uri.removesuffix(".md")
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def absolute_url(url: str, site_url: str | None) -> str:
    """``url`` (from the site root) under ``site_url`` when the site sets one, else as is.

    ``https://kb.example/docs`` and ``postmortems/a/#ai-1`` give
    ``https://kb.example/docs/postmortems/a/#ai-1`` (MkDocs reads ``site_url`` as a folder).
    """
    if not site_url:
        return url
    return site_url.rstrip("/") + "/" + url


def base_of(url: str) -> str:
    """The folder relative links of the page at ``url`` (as MkDocs gives it) start from."""
    path = url.removeprefix("./")
    return path[: path.rfind("/") + 1]


def relative_url(target: str, base: str) -> str:
    """A relative link from folder ``base`` to ``target`` (both from the site root).

    The link climbs at least out of ``base`` itself (``postmortems/a/`` -> ``../b/``), so it
    is right from every sibling folder of ``base`` too, and can be shared between them.
    """
    base_parts = base.split("/")[:-1]
    target_parts = target.split("/")
    common = 0
    for mine, theirs in zip(base_parts[:-1], target_parts[:-1], strict=False):
        if mine != theirs:
            break
        common += 1
    return "../" * (len(base_parts) - common) + "/".join(target_parts[common:]) or "./"


def postmortem_uri(slug: str) -> str:
    """Where the page of the postmortem with page slug ``slug`` lives, from the site root."""
    return f"postmortems/{slug}.md"
