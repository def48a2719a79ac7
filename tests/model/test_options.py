"""Every option of the settings model: set from mkdocs.yml, documented, in the JSON Schema."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config

from helpers import REPO
from postmortem_kb.model.settings import (
    NOT_PER_FILE,
    Settings,
    SettingsError,
    option_names,
    options_json_schema,
    options_table,
    policy_table,
)
from postmortem_kb.site.config import settings_from_config
from postmortem_kb.source.mkdocs_yml import read_site_config

# A value other than the default for every option, as written in mkdocs.yml.
NON_DEFAULT = {
    "enabled": "false",
    "offline": "false",
    "cache": "false",
    "cache_dir": ".cache/pm",
    "dir": "incidents",
    "severities": "[SEV1, SEV2, SEV3]",  # policies below name SEV2 with or without it
    "timezone": "Europe/Berlin",
    "sections": "[Summary, {name: Story, aliases: [Narrative], subsections: [Start]}]",
    "timeline_section": "summary",  # one of the default sections and of `sections` here
    "timeline_min_entries": "1",
    "required_fields": "[causes]",
    "policies": "{SEV2: {review_within: 9, require_stakeholders: false}, SEV1: off}",
    "placeholders": "[XXX]",
    "max_file_kb": "64",
    "recurrence_count": "2",
    "recurrence_days": "30",
    "stale_after_days": "7",
    "related_limit": "2",
    "earlier_open_limit": "3",
    "allow_html": "[samp]",
    "jira_url": "https://jira.example.com",
    "roster": "[zoe]",
    "roster_from_git": "true",
    "rules": "{review-late: error, unknown-key: off}",
}


def write_site(tmp_path: Path, options: dict[str, str]) -> Path:
    """A tiny site whose mkdocs.yml sets ``options`` of the plugin; returns mkdocs.yml."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    lines = [f"      {name}: {value}" for name, value in options.items()]
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: Options\nplugins:\n  - postmortems:\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    return config


def test_the_table_of_non_defaults_covers_every_option() -> None:
    assert sorted(NON_DEFAULT) == sorted(option_names())


def test_every_option_can_be_set_from_mkdocs_yml(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config_file = write_site(tmp_path, NON_DEFAULT)
    with caplog.at_level(logging.WARNING):
        config = load_config(str(config_file))
    assert "Unrecognised configuration name" not in caplog.text
    from_mkdocs = settings_from_config(config.plugins["postmortems"].config)
    from_cli = read_site_config(config_file, required=True).settings
    assert from_mkdocs == from_cli
    defaults = Settings()
    unchanged = [n for n in Settings.model_fields if getattr(from_cli, n) == getattr(defaults, n)]
    assert unchanged == []
    assert from_cli.timeline_section == "summary"
    assert from_cli.sections[1].subsections[0].name == "Start"


def test_unknown_option_in_mkdocs_yml_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config_file = write_site(tmp_path, {"timline_section": "Timeline"})
    with caplog.at_level(logging.WARNING):
        config = load_config(str(config_file))
    assert "Unrecognised configuration name: timline_section" in caplog.text
    message = "unknown option(s): timline_section (did you mean 'timeline_section'?)"
    with pytest.raises(SettingsError) as error:
        settings_from_config(config.plugins["postmortems"].config)
    assert str(error.value) == message
    with pytest.raises(SettingsError) as error:
        read_site_config(config_file, required=True)
    assert str(error.value) == message


def test_a_replaced_option_names_its_replacement(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config_file = write_site(tmp_path, {"review_within_days": "5"})
    with caplog.at_level(logging.WARNING):
        config = load_config(str(config_file))
    assert "Unrecognised configuration name" not in caplog.text  # only the message below
    message = (
        "option 'review_within_days' was replaced: the days to the review meeting are part of "
        "the review policy of each severity, e.g. policies: {SEV2: {review_within: 5}} (see "
        "the Review policies guide)"
    )
    with pytest.raises(SettingsError) as error:
        settings_from_config(config.plugins["postmortems"].config)
    assert str(error.value) == message
    with pytest.raises(SettingsError) as error:
        read_site_config(config_file, required=True)
    assert str(error.value) == message


def test_unset_options_keep_their_defaults(tmp_path: Path) -> None:
    config = load_config(str(write_site(tmp_path, {"timezone": ""})))
    assert settings_from_config(config.plugins["postmortems"].config) == Settings()


def test_every_option_is_documented() -> None:
    docs = (REPO / "docs" / "reference" / "front-matter.md").read_text(encoding="utf-8")
    section = docs.split("## Plugin options\n")[1].split("\n## ")[0]
    assert options_table() in section, (
        "paste the output of: python -c 'from postmortem_kb.model.settings import "
        "options_table; print(options_table())' into docs/reference/front-matter.md"
    )
    for name in option_names():
        assert f"| `{name}` |" in section
    assert all(field.description for field in Settings.model_fields.values())


def test_every_policy_field_is_documented() -> None:
    guide = (REPO / "docs" / "guide" / "review-policies.md").read_text(encoding="utf-8")
    assert policy_table() in guide, (
        "paste the output of: python -c 'from postmortem_kb.model.settings import "
        "policy_table; print(policy_table())' into docs/guide/review-policies.md"
    )


def test_committed_json_schema_is_current() -> None:
    committed = (REPO / "schema" / "plugin-options.schema.json").read_text(encoding="utf-8")
    assert committed == json.dumps(options_json_schema(), indent=2) + "\n", (
        "regenerate it: python -c 'import json; from postmortem_kb.model.settings import "
        "options_json_schema as s; print(json.dumps(s(), indent=2))' "
        "> schema/plugin-options.schema.json"
    )


def test_json_schema_names_every_option() -> None:
    schema = options_json_schema()
    assert list(schema["properties"]) == list(option_names())
    assert schema["additionalProperties"] is False


# --- fingerprint --------------------------------------------------------------------------


def test_fingerprint_changes_with_the_options_that_check_a_file() -> None:
    base = Settings().fingerprint()
    assert len(base) == 64 and int(base, 16) >= 0
    for name in option_names():
        changed = read_options({name: NON_DEFAULT[name]}).fingerprint()
        assert (changed == base) == (name in NOT_PER_FILE), name


def test_fingerprint_is_the_same_in_another_process() -> None:
    settings = read_options(NON_DEFAULT)
    code = (
        "import sys, yaml\n"
        "from postmortem_kb.model.settings import Settings\n"
        "print(Settings.from_options(yaml.safe_load(sys.stdin.read())).fingerprint())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=options_yaml(NON_DEFAULT),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert result.stdout.strip() == settings.fingerprint()


def options_yaml(options: dict[str, str]) -> str:
    """Options as a YAML mapping."""
    return "".join(f"{name}: {value}\n" for name, value in options.items())


def read_options(options: dict[str, str]) -> Settings:
    """Settings from options written in YAML, as mkdocs.yml holds them."""
    import yaml

    return Settings.from_options(yaml.safe_load(options_yaml(options)))
