"""Checker settings: the plugin's options, shared by the MkDocs plugin and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from postmortem_kb.check.language.rules import lint_rules
from postmortem_kb.model.findings import Level
from postmortem_kb.model.rules import FIXED_RULES, RULES

OPTIONAL_REQUIRABLE_FIELDS = ("participants", "incident", "review_meeting", "causes")


class SettingsError(ValueError):
    """The configuration is invalid; the message says which option and why."""


@dataclass(frozen=True)
class SectionSpec:
    """A required level-2 section, its accepted aliases and expected level-3 subsections."""

    name: str
    aliases: tuple[str, ...] = ()
    subsections: tuple[SectionSpec, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Return the lowercase names that match this section."""
        return tuple(n.casefold() for n in (self.name, *self.aliases))


DEFAULT_SECTIONS = (
    SectionSpec("Summary"),
    SectionSpec("Impact"),
    SectionSpec("Timeline"),
    SectionSpec("Contributing Factors", ("Root Causes", "Root Cause", "Causes")),
    SectionSpec("Resolution", ("Mitigation", "Recovery")),
    SectionSpec(
        "Lessons Learned",
        (),
        (
            SectionSpec("What went well"),
            SectionSpec("What went wrong", ("What went poorly",)),
            SectionSpec("Where we got lucky"),
        ),
    ),
)


@dataclass(frozen=True)
class Settings:
    """Everything that tunes checking; defaults match the documented contract."""

    enabled: bool = True
    offline: bool = True
    cache: bool = True
    cache_dir: str = ".cache/plugin/postmortems"
    dir: str = "postmortems"
    severities: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
    timezone: str | None = None
    sections: tuple[SectionSpec, ...] = DEFAULT_SECTIONS
    timeline_section: str = "Timeline"
    timeline_min_entries: int = 3
    required_fields: tuple[str, ...] = ()
    review_within_days: int = 5
    placeholders: tuple[str, ...] = ("TODO", "TBD", "FIXME")
    max_file_kb: int = 1024
    recurrence_count: int = 3
    recurrence_days: int = 365
    stale_after_days: int = 14
    related_limit: int = 5
    earlier_open_limit: int = 10
    roster: tuple[str, ...] = ()
    rule_levels: Mapping[str, Level | None] = field(default_factory=dict)

    def canonical_sections(self) -> dict[str, str]:
        """Map every accepted section heading (lowercase) to its section's name (lowercase)."""
        return {name: spec.name.casefold() for spec in self.sections for name in spec.names()}

    def zone(self) -> ZoneInfo | None:
        """Return the configured time zone, if any."""
        return ZoneInfo(self.timezone) if self.timezone else None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Settings:
        """Build settings from plugin options (as written in ``mkdocs.yml``)."""
        known = {
            "dir",
            "severities",
            "timezone",
            "sections",
            "timeline_min_entries",
            "required_fields",
            "review_within_days",
            "placeholders",
            "max_file_kb",
            "rules",
            "roster",
            *NUMBER_OPTIONS,
            "enabled",
            "offline",
            "cache",
            "cache_dir",
        }
        unknown = sorted(set(options) - known)
        if unknown:
            raise SettingsError(f"unknown option(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for flag in ("enabled", "offline", "cache"):
            if flag in options:
                if not isinstance(options[flag], bool):
                    raise SettingsError(f"option '{flag}' must be true or false")
                values[flag] = options[flag]
        if "cache_dir" in options:
            values["cache_dir"] = _string(options, "cache_dir")
        if "dir" in options:
            values["dir"] = _string(options, "dir")
        if "severities" in options:
            values["severities"] = _strings(options, "severities", non_empty=True)
        if options.get("timezone") is not None:
            values["timezone"] = _timezone(_string(options, "timezone"))
        if "sections" in options:
            values["sections"] = _sections(options["sections"], "sections")
        for name in ("timeline_min_entries", "review_within_days", "max_file_kb", *NUMBER_OPTIONS):
            if name in options:
                values[name] = _natural(options, name, minimum=1 if name in POSITIVE else 0)
        if "required_fields" in options:
            values["required_fields"] = _required_fields(options)
        if "roster" in options:
            values["roster"] = _strings(options, "roster")
        if "placeholders" in options:
            values["placeholders"] = _strings(options, "placeholders")
        if options.get("rules") is not None:
            values["rule_levels"] = _rule_levels(options["rules"])
        return cls(**values)


# Options that tune the generated indexes.
NUMBER_OPTIONS = (
    "recurrence_count",
    "recurrence_days",
    "stale_after_days",
    "related_limit",
    "earlier_open_limit",
)

# Options that make no sense at zero.
POSITIVE = frozenset({"recurrence_count", "recurrence_days", "max_file_kb"})

def _string(options: Mapping[str, Any], name: str) -> str:
    value = options[name]
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"option '{name}' must be a non-empty string, got {value!r}")
    return value.strip()


def _strings(options: Mapping[str, Any], name: str, *, non_empty: bool = False) -> tuple[str, ...]:
    value = options[name]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SettingsError(f"option '{name}' must be a list of strings, got {value!r}")
    if non_empty and not value:
        raise SettingsError(f"option '{name}' must list at least one value")
    return tuple(value)


def _natural(options: Mapping[str, Any], name: str, minimum: int = 0) -> int:
    value = options[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(f"option '{name}' must be a whole number >= {minimum}, got {value!r}")
    return value


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise SettingsError(f"option 'timezone': unknown time zone {name!r}") from error
    return name


def _required_fields(options: Mapping[str, Any]) -> tuple[str, ...]:
    fields = _strings(options, "required_fields")
    for name in fields:
        if name not in OPTIONAL_REQUIRABLE_FIELDS:
            allowed = ", ".join(OPTIONAL_REQUIRABLE_FIELDS)
            raise SettingsError(f"option 'required_fields': {name!r} is not one of {allowed}")
    return fields


def _sections(value: Any, where: str) -> tuple[SectionSpec, ...]:
    if not isinstance(value, list):
        raise SettingsError(f"option '{where}' must be a list of section names or mappings")
    return tuple(_section(item, where) for item in value)


def _section(item: Any, where: str) -> SectionSpec:
    if isinstance(item, str) and item.strip():
        return SectionSpec(item.strip())
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
        extra = set(item) - {"name", "aliases", "subsections"}
        if extra:
            raise SettingsError(f"option '{where}': unknown key(s) {sorted(extra)}")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            raise SettingsError(f"option '{where}': 'aliases' of {item['name']!r} must be a list")
        subsections = _sections(item.get("subsections", []), f"{where}.subsections")
        return SectionSpec(item["name"].strip(), tuple(a.strip() for a in aliases), subsections)
    raise SettingsError(
        f"option '{where}': each entry is a name or {{name, aliases, subsections}}, got {item!r}"
    )


def _rule_levels(value: Any) -> dict[str, Level | None]:
    if not isinstance(value, dict):
        raise SettingsError("option 'rules' must map rule ids to error, warning, info or off")
    levels: dict[str, Level | None] = {}
    for rule_id, level in value.items():
        if rule_id not in RULES and rule_id not in lint_rules().ids():
            raise SettingsError(f"option 'rules': unknown rule id {rule_id!r}")
        if rule_id in FIXED_RULES:
            raise SettingsError(
                f"option 'rules': {rule_id!r} guards the build against hostile input and "
                "cannot be changed"
            )
        if level is False or level == "off":
            levels[rule_id] = None
        elif level in {lvl.value for lvl in Level}:
            levels[rule_id] = Level(level)
        else:
            raise SettingsError(
                f"option 'rules': level of {rule_id!r} must be error, warning, info or off"
            )
    return levels
