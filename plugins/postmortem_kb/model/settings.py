"""The plugin's options, each declared once, shared by the MkDocs plugin and the CLI.

:class:`Settings` is the one declaration of every option of ``mkdocs.yml``: its name, type,
default, constraints and description. Everything else is derived from it: the MkDocs
config (``site/config.py``), the CLI's reading of ``mkdocs.yml`` (``source/mkdocs_yml.py``,
through :meth:`Settings.from_options`), the option table in the docs (:func:`options_table`)
and ``schema/plugin-options.schema.json`` (:func:`options_json_schema`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass

from postmortem_kb.model.findings import Level
from postmortem_kb.model.front_matter import ItemType
from postmortem_kb.model.html_policy import HTML_TAG_NAME, NEVER_ALLOWED_TAGS
from postmortem_kb.model.rules import FIXED_RULES, RENAMED_RULES, rule_ids
from postmortem_kb.model.text import did_you_mean
from postmortem_kb.model.tracker import is_web_url

# The value types of options, with their constraints. Strict: `"10"` is not a number.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
Count = Annotated[int, Field(strict=True, ge=0)]
Positive = Annotated[int, Field(strict=True, ge=1)]
RequirableField = Literal["participants", "incident", "review_meeting", "causes"]
LevelName = Literal["error", "warning", "info", "off", False]  # YAML reads a bare off as false

OPTIONAL_REQUIRABLE_FIELDS: tuple[str, ...] = get_args(RequirableField)


class SettingsError(ValueError):
    """The configuration is invalid; the message says which option and why."""


def _by_name(value: Any) -> Any:
    """A section may be written as its name alone."""
    return {"name": value} if isinstance(value, str) else value


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SectionSpec:
    """A required level-2 section, its accepted aliases and expected level-3 subsections."""

    name: Text
    aliases: tuple[Text, ...] = ()
    subsections: tuple[Section, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Return the lowercase names that match this section."""
        return tuple(n.casefold() for n in (self.name, *self.aliases))


Section = Annotated[
    SectionSpec, BeforeValidator(_by_name, json_schema_input_type=Text | SectionSpec)
]

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


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


def _web_url(url: str) -> str:
    if not is_web_url(url):
        raise ValueError(f"{url!r} is not an http(s) URL")
    return url


def _allowable_tag(name: str) -> str:
    """An element a site may allow in bodies: never one that runs, loads or submits."""
    tag = name.lower()
    if not HTML_TAG_NAME.fullmatch(tag):
        raise ValueError(f"{name!r} is not an HTML element name")
    if tag in NEVER_ALLOWED_TAGS:
        raise ValueError(f"<{tag}> can run scripts, load pages or submit forms; it stays removed")
    return tag


def _rule_levels(value: Any) -> dict[str, Level | None]:
    """Read ``rule-id: error|warning|info|off`` into levels (``None``: the rule is off)."""
    if not isinstance(value, Mapping):
        raise ValueError("must map rule ids to error, warning, info or off")
    known = rule_ids()
    levels: dict[str, Level | None] = {}
    for rule_id, level in value.items():
        if rule_id in RENAMED_RULES:
            new, why = RENAMED_RULES[rule_id]
            raise ValueError(f"rule {rule_id!r} is now {new!r}: {why}")
        if rule_id not in known:
            hint = did_you_mean(str(rule_id), known)
            raise ValueError(f"unknown rule id {rule_id!r}" + (f" ({hint})" if hint else ""))
        if rule_id in FIXED_RULES:
            raise ValueError(
                f"{rule_id!r} guards the build against hostile input and cannot be changed"
            )
        if level is False or level == "off":
            levels[rule_id] = None
        elif isinstance(level, str) and level in {lvl.value for lvl in Level}:
            levels[rule_id] = Level(level)
        else:
            raise ValueError(f"level of {rule_id!r} must be error, warning, info or off")
    return levels


TimeZone = Annotated[Text, AfterValidator(_known_zone)]
HtmlTag = Annotated[Text, AfterValidator(_allowable_tag)]
WebUrl = Annotated[Text, AfterValidator(_web_url)]
RuleLevels = Annotated[
    Mapping[str, Level | None],
    BeforeValidator(_rule_levels, json_schema_input_type=dict[str, LevelName]),
]


def _off_is_none(value: Any) -> Any:
    """``off`` (YAML reads a bare off as false) switches a number of days off, as null does."""
    return None if value is False or value == "off" else value


Days = Annotated[
    Count | None,
    BeforeValidator(_off_is_none, json_schema_input_type=Count | Literal["off", False] | None),
]


class ReviewPolicy(BaseModel):
    """The review process asked of one severity (see the "Review policies" guide). Days
    count from ``incident.resolved`` (the postmortem's ``date`` when it is not recorded);
    a number left out, null or ``off`` switches its rule off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    review_within: Days = Field(
        None, description="Most days from resolution to the review meeting (`review-overdue`)."
    )
    business_days: Flag = Field(
        False,
        description="Count `review_within` and `publish_within` in business days (Monday to "
        "Friday) instead of calendar days.",
    )
    publish_within: Days = Field(
        None, description="Most days from resolution until `status: published`."
    )
    action_items_due_within: Days = Field(
        None,
        description="Most calendar days from the postmortem's `date` to the due date of an "
        "open action item.",
    )
    priorities: tuple[Text, ...] = Field(
        (),
        description="The priorities `action_items_due_within` applies to (`P1`); empty: "
        "every open item.",
    )
    require_action_types: tuple[ItemType, ...] = Field(
        (), description="Action-item types that at least one item must have."
    )
    require_stakeholders: Flag = Field(
        False,
        description="The team owning each affected service (`owner` in services.yml) takes "
        "part in the review.",
    )


SEV1_POLICY = ReviewPolicy(
    review_within=3,  # PagerDuty: within 3 calendar days for a SEV-1
    publish_within=10,  # the project's own choice
    action_items_due_within=15,  # PagerDuty: priority items of a Sev-1 within 15 days
    priorities=("P0", "P1"),
    require_action_types=("prevent",),  # the project's own choice
    require_stakeholders=True,  # PagerDuty: service owners are always invited
)
SEV2_POLICY = ReviewPolicy(
    review_within=5,  # PagerDuty: within 5 business days for a SEV-2
    business_days=True,
    publish_within=15,  # the project's own choice (business days, as review_within)
    action_items_due_within=30,  # PagerDuty: items of a Sev-2 within 30 days
    priorities=("P0", "P1"),
    require_stakeholders=True,
)
DEFAULT_POLICIES = (SEV1_POLICY, SEV2_POLICY)
"""The default policies of the most severe and the second most severe level, in that order."""

DEFAULT_SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")

Policies = Annotated[
    Mapping[str, ReviewPolicy | None],
    BeforeValidator(
        lambda value: value,
        json_schema_input_type=dict[str, ReviewPolicy | Literal["off", False] | None],
    ),
]


class Settings(BaseModel):
    """Everything that tunes the plugin and the checker: one field per option."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: Flag = Field(True, description="Build the postmortem pages; false turns it off.")
    offline: Flag = Field(
        True, description="Load nothing from the internet (web fonts, forge API) on the site."
    )
    cache: Flag = Field(True, description="Keep per-file results between builds and checks.")
    cache_dir: Text = Field(
        ".cache/plugin/postmortems", description="Folder of the cache, relative to mkdocs.yml."
    )
    dir: Text = Field("postmortems", description="Folder of postmortems, relative to mkdocs.yml.")
    severities: tuple[Text, ...] = Field(
        DEFAULT_SEVERITIES,
        min_length=1,
        description="Severity levels, most severe first.",
    )
    timezone: TimeZone | None = Field(
        None, description="IANA time zone of timestamps written without an offset."
    )
    sections: tuple[Section, ...] = Field(
        DEFAULT_SECTIONS,
        description="Required level-2 sections; the defaults, with their aliases and "
        "subsections, are listed under [Body](#body).",
    )
    timeline_section: Text = Field(
        "Timeline", description="The section holding the timeline; one of `sections`."
    )
    timeline_min_entries: Count = Field(3, description="Fewest entries the timeline may have.")
    required_fields: tuple[RequirableField, ...] = Field(
        (), description="Optional front-matter fields that every postmortem must have."
    )
    policies: Policies = Field(
        {"SEV1": SEV1_POLICY, "SEV2": SEV2_POLICY},
        description="The review policy of each severity: deadlines for the review meeting, "
        "publication and action items, the action types and stakeholders it needs; see "
        "[Review policies](../guide/review-policies.md). By default the two most severe "
        "levels have one. A severity written here changes only the fields it names; "
        "`SEV3: {...}` adds a policy, `SEV1: off` removes one.",
    )
    placeholders: tuple[Text, ...] = Field(
        ("TODO", "TBD", "FIXME"), description="Words that mark unfinished text."
    )
    max_file_kb: Positive = Field(1024, description="Largest postmortem file read, in KiB.")
    recurrence_count: Positive = Field(
        3, description="A cause recurs when this many postmortems name it ..."
    )
    recurrence_days: Positive = Field(365, description="... within this many days.")
    stale_after_days: Count = Field(
        14, description="Days after the incident a draft or review is stale."
    )
    related_limit: Count = Field(5, description="Computed related postmortems shown per page.")
    earlier_open_limit: Count = Field(
        5, description="Open items of earlier incidents shown per page."
    )
    jira_url: WebUrl | None = Field(
        None,
        description="Base URL of your Jira: an action item's `link` may then be a key "
        "(`PAY-12`), linked to `<jira_url>/browse/PAY-12`.",
    )
    allow_html: tuple[HtmlTag, ...] = Field(
        (),
        description="More HTML elements authors may use in a body (for example `samp`); "
        "they keep only the common attributes.",
    )
    roster: tuple[Text, ...] = Field(
        (), description="More people the language rules recognise by name."
    )
    roster_from_git: bool = Field(
        False,
        description="Also recognise the given names of the commit authors of the git "
        "repository the command runs in (one `git log` per run).",
    )
    rule_levels: RuleLevels = Field(
        default_factory=dict,
        alias="rules",
        description="Level of a rule by id: error, warning, info or off.",
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_policies(cls, data: Any) -> Any:
        """Give the two most severe levels the default policies, and merge each policy the
        options name over its default (its other fields keep theirs; off removes it)."""
        if not isinstance(data, dict):
            return data
        given = data.get("policies")
        if given is not None and not isinstance(given, Mapping):
            return data  # the field's validation says what is wrong
        levels = data.get("severities", DEFAULT_SEVERITIES)
        if not isinstance(levels, list | tuple):
            levels = DEFAULT_SEVERITIES
        names = [level.strip() for level in levels if isinstance(level, str)]
        merged: dict[Any, Any] = {
            name: policy.model_dump()
            for name, policy in zip(names, DEFAULT_POLICIES, strict=False)  # the two first
        }
        for name, policy in (given or {}).items():
            if policy is None or policy is False or policy == "off":
                merged[name] = None
            elif isinstance(policy, Mapping) and isinstance(merged.get(name), Mapping):
                merged[name] = {**merged[name], **policy}
            else:
                merged[name] = policy
        return {**data, "policies": merged}

    @field_validator("policies")
    @classmethod
    def _policies_of_severities(
        cls, policies: Mapping[str, ReviewPolicy | None], info: ValidationInfo
    ) -> Mapping[str, ReviewPolicy | None]:
        levels: tuple[str, ...] | None = info.data.get("severities")
        if levels is None:
            return policies  # the severities are invalid: their own message says why
        for name in policies:
            if name not in levels:
                hint = did_you_mean(str(name), levels)
                raise ValueError(
                    f"{name!r} is not one of the severities ({', '.join(levels)})"
                    + (f"; {hint}" if hint else "")
                )
        return policies

    @field_validator("timeline_section")
    @classmethod
    def _names_a_section(cls, name: str, info: ValidationInfo) -> str:
        sections: tuple[SectionSpec, ...] = info.data.get("sections", ())
        names = [spec.name for spec in sections]
        if sections and name.casefold() not in {n.casefold() for n in names}:
            raise ValueError(f"{name!r} is not one of the sections: {', '.join(names)}")
        return name

    def canonical_sections(self) -> dict[str, str]:
        """Map every accepted section heading (lowercase) to its section's name (lowercase)."""
        return {name: spec.name.casefold() for spec in self.sections for name in spec.names()}

    def policy(self, severity: str | None) -> ReviewPolicy | None:
        """The review policy of ``severity``; None when it has none."""
        return self.policies.get(severity) if severity is not None else None

    def zone(self) -> ZoneInfo | None:
        """Return the configured time zone, if any."""
        return ZoneInfo(self.timezone) if self.timezone else None

    def fingerprint(self) -> str:
        """A sha256 hex digest of the options that change how a single file is checked."""
        options = self.model_dump(mode="json", exclude=set(NOT_PER_FILE))
        return hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Settings:
        """Build settings from plugin options as written in ``mkdocs.yml``.

        An empty option (``timezone:``) keeps its default. Raises :class:`SettingsError`.
        """
        for name, value in options.items():
            if name in REPLACED_OPTIONS and value is not None:
                raise SettingsError(f"option '{name}' was replaced: {REPLACED_OPTIONS[name]}")
        options = {k: v for k, v in options.items() if k not in REPLACED_OPTIONS}
        names = option_names()
        unknown = sorted(str(name) for name in options if name not in names)
        if unknown:
            hints = [(name, did_you_mean(name, names)) for name in unknown]
            listed = (f"{name} ({hint})" if hint else name for name, hint in hints)
            raise SettingsError(f"unknown option(s): {', '.join(listed)}")
        try:
            return cls.model_validate({k: v for k, v in options.items() if v is not None})
        except ValidationError as error:
            raise SettingsError(_readable(error)) from None


REPLACED_OPTIONS = {
    "review_within_days": "the days to the review meeting are part of the review policy of "
    "each severity, e.g. policies: {SEV2: {review_within: 5}} (see the Review policies guide)",
}
"""Options of earlier versions, and what replaced each: a site still setting one is told."""

# Options that do not change how one file is checked (a per-file cache ignores them).
NOT_PER_FILE = frozenset(
    {
        "enabled",
        "policies",
        "offline",
        "cache",
        "cache_dir",
        "recurrence_count",
        "recurrence_days",
        "stale_after_days",
        "related_limit",
        "earlier_open_limit",
    }
)


def option_names() -> tuple[str, ...]:
    """Every option's name as written in ``mkdocs.yml``, in the order of the model."""
    return tuple(field.alias or name for name, field in Settings.model_fields.items())


# What a pydantic error type means, in the words of the docs.
_PROBLEMS = {
    "bool_type": "must be true or false, got {input!r}",
    "int_type": "must be a whole number, got {input!r}",
    "greater_than_equal": "must be a whole number >= {ge}, got {input!r}",
    "string_type": "must be a non-empty string, got {input!r}",
    "string_too_short": "must be a non-empty string, got {input!r}",
    "tuple_type": "must be a list, got {input!r}",
    "too_short": "must list at least one value",
    "literal_error": "must be one of {expected}, got {input!r}",
    "dataclass_type": "must be a name or {{name, aliases, subsections}}, got {input!r}",
    "missing": "is required",
    "unexpected_keyword_argument": "is not a known key",
    "extra_forbidden": "is not a known key",
    "model_type": "must be a mapping such as {{review_within: 3}}, or off, got {input!r}",
    "dict_type": "must be a mapping, got {input!r}",
}


def _readable(error: ValidationError) -> str:
    """One line for all problems, each naming its option, e.g. ``sections[0].name``."""
    problems = []
    for problem in error.errors(include_url=False):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in problem["loc"])
        where = where.removeprefix(".")
        template = _PROBLEMS.get(problem["type"])
        if problem["type"] == "value_error":
            problems.append(f"option '{where}': {problem['ctx']['error']}")
        elif template is None:
            problems.append(f"option '{where}': {problem['msg']}")
        else:
            text = template.format(input=problem["input"], **problem.get("ctx", {}))
            problems.append(f"option '{where}' {text}")
    return "; ".join(problems)


# --- derived: the JSON Schema and the table of the reference docs ---------------------------


def options_json_schema() -> dict[str, Any]:
    """The JSON Schema of the plugin's options (``schema/plugin-options.schema.json``)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://postmortem-kb.dev/schema/plugin-options.json",
        **Settings.model_json_schema(),
        "title": "postmortems plugin options",
        "description": "Options of the postmortems MkDocs plugin (postmortem-kb).",
    }


def options_table() -> str:
    """The Markdown table of every option (in ``docs/reference/front-matter.md``)."""
    schema = options_json_schema()
    defaults = Settings().model_dump(mode="json", by_alias=True)
    rows = ["| Option | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        option = field.alias or name
        kind = _kind(schema["properties"][option], schema["$defs"], _KEYS.get(option, "key"))
        rows.append(f"| `{option}` | {kind} | `{_yaml(defaults[option])}` | {field.description} |")
    return "\n".join(rows) + "\n"


def policy_table() -> str:
    """The Markdown table of the fields of a review policy, with the default policies of the
    two most severe levels (in ``docs/guide/review-policies.md``)."""
    schema = ReviewPolicy.model_json_schema()
    first, second = (policy.model_dump(mode="json") for policy in DEFAULT_POLICIES)
    rows = [
        "| Field | Type | SEV1 (the most severe) | SEV2 (the second) | Description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, field in ReviewPolicy.model_fields.items():
        kind = _kind(schema["properties"][name], schema.get("$defs", {}))
        rows.append(
            f"| `{name}` | {kind} | `{_yaml(first[name])}` | `{_yaml(second[name])}` "
            f"| {field.description} |"
        )
    return "\n".join(rows) + "\n"


_KEYS = {"rules": "rule id", "policies": "severity"}
"""What the keys of each mapping option are, in words."""


def _kind(prop: Mapping[str, Any], defs: Mapping[str, Any], key: str = "key") -> str:
    """A JSON Schema type in words, e.g. 'list of text, at least 1'."""
    if "anyOf" in prop:
        return " or ".join(_kind(p, defs) for p in prop["anyOf"] if p.get("type") != "null")
    if "$ref" in prop:
        return "`{" + ", ".join(defs[prop["$ref"].split("/")[-1]]["properties"]) + "}`"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{_yaml(value)}`" for value in prop["enum"])
    if prop["type"] == "array":
        least = f", at least {prop['minItems']}" if "minItems" in prop else ""
        return f"list of {_kind(prop['items'], defs)}{least}"
    if prop["type"] == "object":
        return f"map of {key} to {_kind(prop['additionalProperties'], defs)}"
    if "minimum" in prop:
        return f"whole number >= {prop['minimum']}"
    return {"boolean": "true or false", "integer": "whole number", "string": "text"}[prop["type"]]


def _yaml(value: Any) -> str:
    """A value as written in ``mkdocs.yml``; sections by their names, mappings without the
    fields that are off (null, false or empty)."""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if isinstance(value, dict):
        fields = (f"{k}: {_yaml(v)}" for k, v in value.items() if v not in (None, False, []))
        return "{" + ", ".join(fields) + "}"
    return value if isinstance(value, str) else json.dumps(value)
