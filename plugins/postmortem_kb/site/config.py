"""Options of the ``postmortems`` MkDocs plugin (defaults come from :class:`Settings`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c

from postmortem_kb.model.settings import Settings

_DEFAULTS = Settings()


class PostmortemsConfig(base.Config):
    """``plugins: - postmortems: {...}`` in ``mkdocs.yml``; see the reference docs."""

    enabled = c.Type(bool, default=True)
    offline = c.Type(bool, default=True)
    cache = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=_DEFAULTS.cache_dir)
    dir = c.Type(str, default=_DEFAULTS.dir)
    severities = c.ListOfItems(c.Type(str), default=list(_DEFAULTS.severities))
    timezone = c.Optional(c.Type(str))
    sections = c.Optional(c.Type(list))
    timeline_min_entries = c.Type(int, default=_DEFAULTS.timeline_min_entries)
    required_fields = c.ListOfItems(c.Type(str), default=list(_DEFAULTS.required_fields))
    review_within_days = c.Type(int, default=_DEFAULTS.review_within_days)
    placeholders = c.ListOfItems(c.Type(str), default=list(_DEFAULTS.placeholders))
    max_file_kb = c.Type(int, default=_DEFAULTS.max_file_kb)
    recurrence_count = c.Type(int, default=_DEFAULTS.recurrence_count)
    recurrence_days = c.Type(int, default=_DEFAULTS.recurrence_days)
    stale_after_days = c.Type(int, default=_DEFAULTS.stale_after_days)
    related_limit = c.Type(int, default=_DEFAULTS.related_limit)
    earlier_open_limit = c.Type(int, default=_DEFAULTS.earlier_open_limit)
    roster = c.ListOfItems(c.Type(str), default=[])
    rules = c.Optional(c.Type(dict))


def settings_from_config(config: Mapping[str, Any]) -> Settings:
    """The settings of the plugin's validated options (raises ``SettingsError``)."""
    return Settings.from_options({k: v for k, v in config.items() if v is not None})
