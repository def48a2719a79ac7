"""The ``postmortems`` plugin's options in MkDocs, derived from :class:`Settings`.

MkDocs learns the option names from the model, so it accepts each of them and reports
unknown ones; the values are checked once, by the model, in :func:`settings_from_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mkdocs.config import base

from postmortem_kb.model.settings import REPLACED_OPTIONS, Settings, option_names


class _ModelOption(base.BaseConfigOption[Any]):
    """An option MkDocs passes on as written; unset (``None``) means the model's default."""


class PostmortemsConfig(base.Config):
    """``plugins: - postmortems: {...}`` in ``mkdocs.yml``: one option per field of Settings,
    and the options of earlier versions, so the model says what replaced them."""

    _schema = tuple((name, _ModelOption()) for name in (*option_names(), *REPLACED_OPTIONS))


def settings_from_config(config: Mapping[str, Any]) -> Settings:
    """The settings of the plugin's options (raises ``SettingsError``)."""
    return Settings.from_options(config)
