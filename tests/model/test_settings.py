"""Plugin options: validation with clear messages, and reading them out of mkdocs.yml."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from helpers import REPO
from postmortem_kb.check.structure import check_structure
from postmortem_kb.model.findings import Level
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import (
    DEFAULT_SECTIONS,
    SectionSpec,
    Settings,
    SettingsError,
    option_names,
)
from postmortem_kb.source.body import parse_body
from postmortem_kb.source.mkdocs_yml import plugin_options, read_site_config


def test_defaults() -> None:
    settings = Settings.from_options({})
    assert settings == Settings()
    assert settings.severities == ("SEV1", "SEV2", "SEV3", "SEV4")
    assert settings.sections == DEFAULT_SECTIONS
    assert settings.timezone is None and settings.zone() is None
    assert settings.rule_levels == {}


def test_valid_options() -> None:
    settings = Settings.from_options(
        {
            "enabled": True,
            "dir": " incidents ",
            "severities": ["P1", "P2", "P3"],
            "timezone": "Europe/Berlin",
            "sections": [
                "Summary",
                {"name": "Causes", "aliases": ["Root Causes"]},
                {"name": "Lessons", "subsections": ["Good", {"name": "Bad", "aliases": ["Worse"]}]},
            ],
            "timeline_min_entries": 0,
            "required_fields": ["participants", "incident", "review_meeting", "causes"],
            "policies": {"P2": {"review_within": 10}},
            "placeholders": ["XXX"],
            "max_file_kb": 64,
            "timeline_section": "lessons",
            "rules": {"unknown-key": "off", "review-late": "error", "no-participants": "info"},
        }
    )
    assert settings.dir == "incidents"
    assert settings.severities == ("P1", "P2", "P3")
    assert settings.zone() is not None and settings.zone().key == "Europe/Berlin"  # type: ignore[union-attr]
    assert settings.sections == (
        SectionSpec("Summary"),
        SectionSpec("Causes", ("Root Causes",)),
        SectionSpec("Lessons", (), (SectionSpec("Good"), SectionSpec("Bad", ("Worse",)))),
    )
    assert settings.sections[1].names() == ("causes", "root causes")
    assert settings.timeline_min_entries == 0
    assert settings.required_fields == ("participants", "incident", "review_meeting", "causes")
    assert settings.policies["P2"].review_within == 10  # type: ignore[union-attr]
    assert settings.placeholders == ("XXX",)
    assert settings.max_file_kb == 64
    assert settings.timeline_section == "lessons"
    assert settings.rule_levels == {
        "unknown-key": None,
        "review-late": Level.ERROR,
        "no-participants": Level.INFO,
    }


@pytest.mark.parametrize(
    "options",
    [{"timezone": None}, {"rules": None}, {"rules": {}}, {"placeholders": []}, {"enabled": False}],
)
def test_empty_values_keep_defaults(options: dict[str, Any]) -> None:
    settings = Settings.from_options(options)
    assert settings.timezone is None and settings.rule_levels == {}


def test_every_empty_option_keeps_its_default() -> None:
    assert Settings.from_options(dict.fromkeys(option_names())) == Settings()


def test_timeline_section_is_checked_as_the_timeline() -> None:
    settings = Settings.from_options(
        {"sections": ["Summary", "Chronology"], "timeline_section": "chronology"}
    )
    text = "## Summary\n\nText.\n\n## Chronology\n\n- 09:12 UTC: one entry.\n"
    report = Report("x.md", settings.rule_levels)
    check_structure(text, parse_body(text, 1), settings, "published", report, None)
    assert [f.rule for f in report.findings] == ["timeline-too-short"]


def test_settings_are_immutable_and_survive_pickling() -> None:
    settings = Settings.from_options({"rules": {"review-late": "error"}, "sections": ["A"]})
    with pytest.raises(ValidationError):
        settings.dir = "elsewhere"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.sections[0].name = "B"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(settings)) == settings


def test_section_specs_are_built_positionally() -> None:
    assert SectionSpec("A", ["B"]) == SectionSpec("A", ("B",))  # type: ignore[arg-type]
    assert SectionSpec("A").names() == ("a",)


def test_yaml_off_is_false() -> None:
    """``unknown-key: off`` in YAML 1.1 is the boolean false."""
    assert Settings.from_options({"rules": {"unknown-key": False}}).rule_levels == {
        "unknown-key": None
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bogus": 1, "also": 2}, "unknown option(s): also, bogus"),
        (
            {"timline_section": "X"},
            "unknown option(s): timline_section (did you mean 'timeline_section'?)",
        ),
        ({"rule_levels": {}}, "unknown option(s): rule_levels (did you mean 'rules'?)"),
        (
            {"timeline_section": "X"},
            "option 'timeline_section': 'X' is not one of the sections: Summary, Impact,",
        ),
        (
            {"sections": ["Summary"], "timeline_section": "Timeline"},
            "option 'timeline_section': 'Timeline' is not one of the sections: Summary",
        ),
        (
            {"timezone": "Mars/Olympus_Mons"},
            "option 'timezone': unknown time zone 'Mars/Olympus_Mons'",
        ),
        ({"timezone": "../../etc/passwd"}, "option 'timezone': unknown time zone"),
        ({"timezone": ""}, "option 'timezone' must be a non-empty string"),
        ({"timezone": 1}, "option 'timezone' must be a non-empty string, got 1"),
        (
            {"rules": {"unknown-key": "loud"}},
            "option 'rules': level of 'unknown-key' must be error, warning, info or off",
        ),
        (
            {"rules": {"unknown-key": True}},
            "option 'rules': level of 'unknown-key' must be error, warning, info",
        ),
        (
            {"rules": {"unknown-key": None}},
            "option 'rules': level of 'unknown-key' must be error, warning, info",
        ),
        (
            {"rules": {"unknown-key": ["off"]}},
            "option 'rules': level of 'unknown-key' must be error, warning, info",
        ),
        (
            {"rules": {"unknown-keys": "off"}},
            "option 'rules': unknown rule id 'unknown-keys' (did you mean 'unknown-key'?)",
        ),
        (
            {"rules": {"yaml-alias": "off"}},
            "option 'rules': 'yaml-alias' guards the build against hostile input and cannot be "
            "changed",
        ),
        (
            {"rules": ["unknown-key"]},
            "option 'rules': must map rule ids to error, warning, info or off",
        ),
        ({"sections": "Summary"}, "option 'sections' must be a list, got 'Summary'"),
        (
            {"sections": [1]},
            "option 'sections[0]' must be a name or {name, aliases, subsections}, got 1",
        ),
        ({"sections": [""]}, "option 'sections[0].name' must be a non-empty string"),
        ({"sections": [{"aliases": ["x"]}]}, "option 'sections[0].name' is required"),
        (
            {"sections": [{"name": "X", "alias": ["Y"]}]},
            "option 'sections[0].alias' is not a known key",
        ),
        (
            {"sections": [{"name": "X", "aliases": "Y"}]},
            "option 'sections[0].aliases' must be a list, got 'Y'",
        ),
        (
            {"sections": [{"name": "X", "subsections": "Y"}]},
            "option 'sections[0].subsections' must be a list",
        ),
        (
            {"sections": [{"name": "X", "subsections": [2]}]},
            "option 'sections[0].subsections[0]' must be a name or {name, aliases, subsections}",
        ),
        (
            {"required_fields": ["title"]},
            "option 'required_fields[0]' must be one of 'participants', 'incident', "
            "'review_meeting' or 'causes', got 'title'",
        ),
        ({"required_fields": "causes"}, "option 'required_fields' must be a list, got 'causes'"),
        ({"severities": []}, "option 'severities' must list at least one value"),
        ({"severities": "SEV1"}, "option 'severities' must be a list, got 'SEV1'"),
        ({"severities": ["SEV1", 2]}, "option 'severities[1]' must be a non-empty string, got 2"),
        ({"placeholders": [""]}, "option 'placeholders[0]' must be a non-empty string"),
        ({"dir": ""}, "option 'dir' must be a non-empty string"),
        ({"dir": ["a"]}, "option 'dir' must be a non-empty string"),
        ({"enabled": "yes"}, "option 'enabled' must be true or false, got 'yes'"),
        ({"timeline_min_entries": -1}, "option 'timeline_min_entries' must be a whole number >= 0"),
        (
            {"policies": {"SEV2": {"review_within": True}}},
            "option 'policies.SEV2.review_within' must be a whole number",
        ),
        ({"max_file_kb": 0}, "option 'max_file_kb' must be a whole number >= 1, got 0"),
        ({"max_file_kb": "10"}, "option 'max_file_kb' must be a whole number, got '10'"),
        ({"max_file_kb": 1.5}, "option 'max_file_kb' must be a whole number, got 1.5"),
        (
            {"dir": "", "severities": []},
            "option 'dir' must be a non-empty string, got ''; "
            "option 'severities' must list at least one value",
        ),
    ],
)
def test_invalid_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_options(options)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("zone", ["Europe", "America"])
def test_timezone_folder_is_a_settings_error(zone: str) -> None:
    with pytest.raises(SettingsError, match="unknown time zone"):
        Settings.from_options({"timezone": zone})


@pytest.mark.parametrize(
    "sections",
    [[{"name": ""}], [{"name": "  "}], [{"name": "X", "aliases": [""]}]],
)
def test_empty_section_names_are_refused(sections: list[Any]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_options({"sections": sections})


# --- mkdocs.yml ---------------------------------------------------------------------------

MATERIAL_HEAD = """\
site_name: Postmortems
theme:
  name: material
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""


def write_config(tmp_path: Path, text: str, name: str = "mkdocs.yml") -> Path:
    """Write a config file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_list_form_with_python_name_tags(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        MATERIAL_HEAD + "plugins:\n  - search\n  - postmortems:\n      dir: incidents\n"
        "      severities: [P1, P2]\n      timezone: Europe/Berlin\n",
    )
    site = read_site_config(config, required=True)
    assert site.base == tmp_path.resolve()
    assert site.archive_dir == tmp_path.resolve() / "incidents"
    assert site.settings.severities == ("P1", "P2")
    assert site.settings.timezone == "Europe/Berlin"


def test_dict_form(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        MATERIAL_HEAD
        + "plugins:\n  search: {}\n  postmortems:\n    rules:\n      unknown-key: off\n",
    )
    site = read_site_config(config, required=True)
    assert site.settings.rule_levels == {"unknown-key": None}
    assert site.settings.dir == "postmortems"


@pytest.mark.parametrize(
    "text",
    [
        "plugins:\n  - search\n  - postmortems\n",
        "plugins:\n  - postmortems:\n",
        "plugins:\n  postmortems:\n",
        "plugins:\n  - search\n",
        "site_name: x\n",
        "",
        "- just\n- a list\n",
        "plugins: search\n",
        "\ufeffsite_name: x\n",
    ],
    ids=[
        "bare",
        "null-options",
        "dict-null",
        "other-plugins",
        "no-plugins",
        "empty",
        "list",
        "str",
        "bom",
    ],
)
def test_defaults_when_no_options(tmp_path: Path, text: str) -> None:
    site = read_site_config(write_config(tmp_path, text), required=True)
    assert site.settings == Settings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plugins:\n  - postmortems: [a]\n", "options of plugin 'postmortems' must be a mapping"),
        ("plugins:\n  - postmortems:\n      bogus: 1\n", "unknown option(s): bogus"),
        ("plugins:\n  - postmortems:\n      timezone: Nowhere/City\n", "option 'timezone'"),
        ("plugins: [\n", "cannot read"),
    ],
)
def test_invalid_config(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_site_config(write_config(tmp_path, text), required=True)


def test_not_utf8_config(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_bytes(b"site_name: caf\xe9\n")
    with pytest.raises(SettingsError, match="cannot read"):
        read_site_config(config, required=True)


def test_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "mkdocs.yml"
    with pytest.raises(SettingsError, match="does not exist"):
        read_site_config(missing, required=True)
    site = read_site_config(missing, required=False)
    assert site.settings == Settings()
    assert site.base == (tmp_path / "sub").resolve()
    assert site.archive_dir == (tmp_path / "sub" / "postmortems").resolve()


def test_config_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").mkdir()
    with pytest.raises(SettingsError, match="does not exist"):
        read_site_config(tmp_path / "mkdocs.yml", required=True)


def test_plugin_options_first_match() -> None:
    config = {"plugins": ["search", {"postmortems": {"dir": "a"}}, {"postmortems": {"dir": "b"}}]}
    assert plugin_options(config) == {"dir": "a"}
    assert plugin_options(None) == {}
    assert plugin_options({"plugins": None}) == {}


def test_repository_mkdocs_yml_is_readable() -> None:
    """The example site's own configuration reads without MkDocs."""
    config = REPO / "mkdocs.yml"
    site = read_site_config(config, required=True)
    assert site.settings.dir == "postmortems"


def test_env_tag_default_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PM_DIR", raising=False)
    config = write_config(
        tmp_path, "plugins:\n  - postmortems:\n      dir: !ENV [PM_DIR, incidents]\n"
    )
    assert read_site_config(config, required=True).settings.dir == "incidents"


def test_env_tag_elsewhere_is_ignored(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, "site_url: !ENV [SITE_URL, 'https://x.example/']\nplugins:\n  - postmortems\n"
    )
    assert read_site_config(config, required=True).settings == Settings()


def test_inherit_is_followed(tmp_path: Path) -> None:
    write_config(tmp_path, "plugins:\n  - postmortems:\n      dir: incidents\n", "base.yml")
    config = write_config(tmp_path, "INHERIT: base.yml\nsite_name: x\n")
    assert read_site_config(config, required=True).settings.dir == "incidents"


# --- review policies ------------------------------------------------------------------------


def test_default_policies_are_those_of_the_two_most_severe_levels() -> None:
    defaults = Settings()
    assert set(defaults.policies) == {"SEV1", "SEV2"}
    sev1, sev2 = defaults.policy("SEV1"), defaults.policy("SEV2")
    assert sev1 is not None and sev2 is not None
    assert (sev1.review_within, sev1.business_days, sev1.action_items_due_within) == (3, False, 15)
    assert (sev2.review_within, sev2.business_days, sev2.action_items_due_within) == (5, True, 30)
    assert sev1.require_action_types == ("prevent",) and sev2.require_action_types == ()
    assert defaults.policy("SEV3") is None and defaults.policy(None) is None
    custom = Settings.from_options({"severities": ["critical", "major", "minor"]})
    assert custom.policies == {"critical": sev1, "major": sev2}


def test_a_policy_merges_over_its_default() -> None:
    settings = Settings.from_options(
        {"policies": {"SEV2": {"review_within": 2, "publish_within": None}, "SEV3": {}}}
    )
    sev2 = settings.policy("SEV2")
    assert sev2 is not None
    assert (sev2.review_within, sev2.publish_within, sev2.business_days) == (2, None, True)
    assert settings.policy("SEV1") == Settings().policy("SEV1")  # untouched
    assert settings.policy("SEV3") is not None and settings.policy("SEV3").review_within is None  # type: ignore[union-attr]


@pytest.mark.parametrize("off", ["off", False, None])
def test_a_policy_or_a_deadline_can_be_switched_off(off: object) -> None:
    settings = Settings.from_options({"policies": {"SEV1": off, "SEV2": {"review_within": off}}})
    assert settings.policy("SEV1") is None
    assert settings.policy("SEV2") is not None and settings.policy("SEV2").review_within is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("policies", "message"),
    [
        (
            {"SEV5": {}},
            "option 'policies': 'SEV5' is not one of the severities (SEV1, SEV2, SEV3, SEV4); "
            "did you mean one of 'SEV1', 'SEV2', 'SEV3', 'SEV4'?",
        ),
        ({"SEV1": {"review_within": -1}}, "option 'policies.SEV1.review_within' must be a whole"),
        ({"SEV1": {"reviw_within": 1}}, "option 'policies.SEV1.reviw_within' is not a known key"),
        ({"SEV1": 3}, "option 'policies.SEV1' must be a mapping such as {review_within: 3}"),
        (
            {"SEV1": {"require_action_types": ["prevnt"]}},
            "option 'policies.SEV1.require_action_types[0]' must be one of 'prevent', ",
        ),
        ("strict", "option 'policies' must be a mapping, got 'strict'"),
    ],
)
def test_invalid_policies(policies: object, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_options({"policies": policies})
    assert str(error.value).startswith(message), str(error.value)


@pytest.mark.parametrize(
    ("old", "new"), [("late-review", "review-late"), ("no-review-meeting", "review-overdue")]
)
def test_a_renamed_rule_names_its_replacement(old: str, new: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_options({"rules": {old: "error"}})
    assert str(error.value).startswith(f"option 'rules': rule '{old}' is now '{new}': ")


def test_policies_do_not_change_the_fingerprint() -> None:
    """The policies run on every build, never from the per-file cache."""
    changed = Settings.from_options({"policies": {"SEV1": "off"}})
    assert changed.fingerprint() == Settings().fingerprint()
