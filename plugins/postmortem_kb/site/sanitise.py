"""Sanitise the HTML of what authors write, after Markdown conversion.

Postmortems arrive as pull requests, sometimes from other teams or imported archives, and
the published site is opened by everyone in the company: author HTML must never run there.
Each postmortem page's converted body goes through an allowlist sanitiser (nh3, the Python
binding of the Rust sanitiser ammonia) holding exactly ``model/html_policy.py``: what
Markdown and the usual extensions write stays, scripts, event handlers, frames, forms,
styles and ``javascript:``/``data:`` URLs go. Every link gets ``rel="noopener noreferrer"``.
The site owner's own ``docs/`` pages are not touched. ``postmortem check`` reports what
would be removed (rule ``raw-html``), so nothing disappears silently.
"""

from __future__ import annotations

from collections.abc import Iterable

import nh3

from postmortem_kb.model.html_policy import (
    ALLOWED_TAGS,
    GENERIC_ATTRIBUTES,
    REMOVED_WITH_CONTENT,
    STYLE_PROPERTIES,
    TAG_ATTRIBUTES,
    URL_SCHEMES,
)


class Sanitiser:
    """An allowlist sanitiser for postmortem bodies; ``extra_tags`` come from ``allow_html``
    and keep only the common attributes."""

    def __init__(self, extra_tags: Iterable[str] = ()) -> None:
        attributes = {"*": set(GENERIC_ATTRIBUTES)}
        attributes.update((tag, set(names)) for tag, names in TAG_ATTRIBUTES.items())
        self._cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS | set(extra_tags)),
            clean_content_tags=set(REMOVED_WITH_CONTENT),
            attributes=attributes,
            url_schemes=set(URL_SCHEMES),
            filter_style_properties=set(STYLE_PROPERTIES),
            link_rel="noopener noreferrer",
            strip_comments=True,
        )

    def clean(self, html: str) -> str:
        """``html`` with everything outside the allowlist removed."""
        return self._cleaner.clean(html)
