"""The Markdown references of the rules (``postmortem rules``), rendered from the registries."""

from __future__ import annotations

import html
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from postmortem_kb.check.language.rules import LanguageRule, language_rules
from postmortem_kb.model.rules import IMPORT_GAPS, RULES


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("postmortem_kb.cli", "templates"),
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
    "policies": "Review policies",
    "structure": "Body structure",
    "archive": "Across the archive",
}


def render_rules_reference() -> str:
    """Render the Markdown rule reference from the rule table."""
    groups = {
        title: [r for r in RULES.values() if r.group == key] for key, title in GROUP_TITLES.items()
    }
    template = _environment().get_template("rules_reference.md.j2")
    return template.render(groups=groups.items(), gaps=IMPORT_GAPS)


def render_language_reference() -> str:
    """Render the Markdown reference of the blameless-language rules, with their examples."""
    rules = language_rules()
    categories: dict[str, list[LanguageRule]] = {}
    for rule in rules.rules:
        categories.setdefault(rule.category, []).append(rule)
    return (
        _environment()
        .get_template("language_reference.md.j2")
        .render(
            categories=categories.items(),
            person_words=rules.person_words,
            technical_terms=rules.technical_terms,
            given_names=len(rules.given_names),
        )
    )


def table_cell(value: str) -> str:
    """Escape an example sentence for a Markdown table cell (shown as written)."""
    return html.escape(value, quote=False).replace("|", "\\|")
