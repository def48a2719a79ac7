"""What author HTML may hold on a published page: the one allowlist, as data.

The site's sanitiser (``site/sanitise.py``) keeps exactly this after Markdown conversion,
and the ``raw-html`` check (``check/html.py``) tells the author, line by line, what falls
outside it. It keeps what Markdown and the usual extensions write (tables, admonitions,
attribute lists, footnotes, abbreviations, definition lists, code highlighting,
``<details>``) and nothing that runs, loads or submits: scripts, event handlers, frames,
objects, forms, ``<style>``, and URLs other than http, https, mailto and tel (``data:``
images included: attach images as files instead).
"""

from __future__ import annotations

import re
from typing import Final

_ALLOWED_TAG_NAMES = """
    a abbr b blockquote br caption code col colgroup dd del details div dl dt em figcaption
    figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s small span strong sub
    summary sup table tbody td tfoot th thead tr u ul
"""
ALLOWED_TAGS: Final = frozenset(_ALLOWED_TAG_NAMES.split())

# Attributes any allowed element may have, and those of some elements only.
GENERIC_ATTRIBUTES: Final = frozenset({"id", "class", "title", "lang", "dir"})
TAG_ATTRIBUTES: Final[dict[str, frozenset[str]]] = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height", "loading"}),
    "th": frozenset({"colspan", "rowspan", "align", "scope", "style"}),
    "td": frozenset({"colspan", "rowspan", "align", "style"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
    "del": frozenset({"datetime"}),
    "ins": frozenset({"datetime"}),
}
URL_ATTRIBUTES: Final = frozenset({"href", "src"})
URL_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel"})
# The only style the tables extension writes (column alignment); any other is removed.
STYLE_PROPERTIES: Final = frozenset({"text-align"})
# Removed with everything inside them; other elements lose their tags but keep their text.
REMOVED_WITH_CONTENT: Final = frozenset({"script", "style"})
# Attributes that Markdown extensions read and remove before the HTML is written.
MARKDOWN_ATTRIBUTES: Final = frozenset({"markdown"})
# Elements no site may allow (``allow_html``): each can run code, load a page or submit.
_NEVER_ALLOWED_TAG_NAMES = """
    applet audio base body button embed form frame frameset head html iframe input link math
    meta noembed noframes noscript object option plaintext script select source style svg
    template textarea title track video xmp
"""
NEVER_ALLOWED_TAGS: Final = frozenset(_NEVER_ALLOWED_TAG_NAMES.split())
HTML_TAG_NAME: Final = re.compile(r"[a-z][a-z0-9]*")


def attributes_of(tag: str) -> frozenset[str]:
    """The attributes an allowed element keeps."""
    return GENERIC_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())
