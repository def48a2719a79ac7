"""Text helpers for generated pages (escaping, anchors, durations, timestamps), and the
Markdown references of the rules, rendered with Jinja."""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache, lru_cache
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined

from .lint_rules import LintRule, lint_rules
from .rules import RULES
from .slugs import slugify

# Characters that start inline markup. Values only follow a heading's "# " in generated
# Markdown, so block markers (# - + . !) need no escape; < > & are HTML-escaped instead.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|])")


def md_text(value: object) -> str:
    """Escape a value for Markdown inline text: no markup, no HTML, one line."""
    text = " ".join(str(value).split())
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=True)


def html_text(value: object) -> str:
    """Escape a value for use as HTML text, e.g. a page title that themes insert verbatim."""
    return html.escape(" ".join(str(value).split()), quote=True)


def safe_url(url: str) -> str | None:
    """Return an http(s) URL safe to put in a Markdown link, or None."""
    if not url.lower().startswith(("https://", "http://")):
        return None
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._")


@lru_cache(maxsize=4096)  # a few ids (AI-1, AI-2...) recur across every postmortem
def anchor(value: str) -> str:
    """Return the HTML id used for an action item (``AI-1`` -> ``ai-1``)."""
    return slugify(value) or "item"


def css_class(value: str) -> str:
    """Return a CSS-safe class suffix for a value such as a severity."""
    return slugify(value) or "other"


def duration(delta: dt.timedelta) -> str:
    """Render a duration as ``8 min``, ``2 h 18 min`` or ``3 d 4 h``."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def timestamp(moment: dt.datetime) -> str:
    """Render a timestamp in its own offset, e.g. ``2026-03-14 09:12 UTC``."""
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
    return f"{moment:%Y-%m-%d %H:%M} {zone}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("postmortem_kb", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # renders Markdown; example sentences go through `cell`
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=table_cell)
    return env


GROUP_TITLES = {
    "file": "Reading the file",
    "front-matter": "Front matter",
    "action-items": "Action items",
    "review": "Review",
    "structure": "Body structure",
    "archive": "Across the archive",
}


def render_rules_reference() -> str:
    """Render the Markdown rule reference from the rule table."""
    groups = {
        title: [r for r in RULES.values() if r.group == key] for key, title in GROUP_TITLES.items()
    }
    return _environment().get_template("rules_reference.md.j2").render(groups=groups.items())


def render_language_reference() -> str:
    """Render the Markdown reference of the blameless-language rules, with their examples."""
    rules = lint_rules()
    categories: dict[str, list[LintRule]] = {}
    for rule in rules.rules:
        categories.setdefault(rule.category, []).append(rule)
    return (
        _environment()
        .get_template("language_reference.md.j2")
        .render(categories=categories.items(), person_words=rules.person_words)
    )


def table_cell(value: str) -> str:
    """Escape an example sentence for a Markdown table cell (shown as written)."""
    return html.escape(value, quote=False).replace("|", "\\|")
