"""Read the plugin's options from ``mkdocs.yml`` without importing MkDocs.

``mkdocs.yml`` often holds tags such as ``!!python/name:...`` that a safe loader rejects;
this loader reads them as null, which is enough to find the plugin's own options.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from postmortem_kb.model.settings import Settings, SettingsError

PLUGIN_NAME = "postmortems"

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TolerantLoader(_Base):  # type: ignore[misc]
    """A safe loader that reads unknown tags as null instead of failing."""


def _ignore_tag(loader: Any, suffix: str, node: yaml.Node) -> None:
    return None


def _env_tag(loader: Any, node: yaml.Node) -> Any:
    """MkDocs' ``!ENV VAR`` / ``!ENV [VAR, OTHER, default]``: the first variable set."""
    if isinstance(node, yaml.ScalarNode):
        return os.environ.get(loader.construct_scalar(node))
    names = loader.construct_sequence(node)
    for name in names[:-1]:
        if isinstance(name, str) and name in os.environ:
            return os.environ[name]
    last = names[-1] if names else None
    return os.environ.get(last, None) if isinstance(last, str) and len(names) == 1 else last


_TolerantLoader.add_multi_constructor("", _ignore_tag)
_TolerantLoader.add_constructor("!ENV", _env_tag)


@dataclass(frozen=True)
class SiteConfig:
    """Where the site lives and the checker settings taken from its plugin options."""

    base: Path
    settings: Settings
    directory_urls: bool = True  # MkDocs' use_directory_urls, for URLs in exports
    site_url: str | None = None  # MkDocs' site_url, ending in "/": absolute URLs when set
    site_name: str = ""  # MkDocs' site_name: the name of feeds and calendars

    @property
    def archive_dir(self) -> Path:
        """The folder holding the postmortems."""
        return self.base / self.settings.dir


def read_site_config(config_file: Path, *, required: bool) -> SiteConfig:
    """Read ``mkdocs.yml``; without one (and not ``required``) use defaults in its folder."""
    base = config_file.parent.resolve()
    if not config_file.is_file():
        if required:
            raise SettingsError(f"config file '{config_file}' does not exist")
        return SiteConfig(base, Settings())
    chain = _inheritance_chain(config_file)  # the file first, then its INHERIT parents
    options: dict[str, Any] = {}
    for data in reversed(chain):
        options.update(plugin_options(data))
    directory_urls = next(
        (data["use_directory_urls"] is not False for data in chain if "use_directory_urls" in data),
        True,
    )
    site_url = next((data["site_url"] for data in chain if "site_url" in data), None)
    site_name = next((data["site_name"] for data in chain if "site_name" in data), "")
    return SiteConfig(
        base,
        Settings.from_options(options),
        directory_urls,
        _folder_url(site_url),
        str(site_name or ""),
    )


def _folder_url(value: Any) -> str | None:
    """``site_url`` as MkDocs reads it: a folder, so it ends in ``/``; None when unset."""
    if not isinstance(value, str) or not value.strip():
        return None
    url: str = value.strip()
    return url if url.endswith("/") else url + "/"


def _inheritance_chain(config_file: Path) -> list[dict[str, Any]]:
    """``mkdocs.yml`` and the files it ``INHERIT``s from, as MkDocs merges them."""
    chain: list[dict[str, Any]] = []
    seen: set[Path] = set()
    current: Path | None = config_file
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            raise SettingsError(f"'{current}' inherits from itself (INHERIT loop)")
        seen.add(resolved)
        try:
            data = yaml.load(current.read_text(encoding="utf-8-sig"), Loader=_TolerantLoader)
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"cannot read '{current}': {error}") from error
        data = data if isinstance(data, dict) else {}
        chain.append(data)
        parent = data.get("INHERIT")
        current = current.parent / parent if isinstance(parent, str) else None
    return chain


def plugin_options(config: Any) -> dict[str, Any]:
    """Return the ``postmortems`` plugin's options from a loaded ``mkdocs.yml``."""
    plugins = config.get("plugins") if isinstance(config, dict) else None
    entries: list[Any] = []
    if isinstance(plugins, list):
        entries = plugins
    elif isinstance(plugins, dict):
        entries = [{name: options} for name, options in plugins.items()]
    for entry in entries:
        if entry == PLUGIN_NAME:
            return {}
        if isinstance(entry, dict) and PLUGIN_NAME in entry:
            options = entry[PLUGIN_NAME] or {}
            if not isinstance(options, dict):
                raise SettingsError(f"options of plugin '{PLUGIN_NAME}' must be a mapping")
            return options
    return {}
