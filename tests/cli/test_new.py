"""``postmortem new`` checks services and causes against the catalogs before writing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from postmortem_kb.cli.main import main

SERVICES = "- id: checkout\n- id: payments-api\n- id: payments-db\n"
CAUSES = "- id: config-change\n- id: capacity\n"
CREATED = Path("postmortems/2026-03-14-test.md")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def new(root: Path, *options: str, catalogs: bool = True) -> Result:
    """Run ``postmortem new "Test"`` in ``root`` (the working folder), with or without the
    catalogs."""
    folder = root / "postmortems"
    folder.mkdir(exist_ok=True)
    if catalogs:
        (folder / "services.yml").write_text(SERVICES, encoding="utf-8")
        (folder / "causes.yml").write_text(CAUSES, encoding="utf-8")
    args = ["new", "Test", "--date", "2026-03-14", "--author", "alice", *options]
    return CliRunner().invoke(main, args)


def front_matter(root: Path) -> dict[str, object]:
    """The front matter of the created postmortem."""
    text = (root / CREATED).read_text(encoding="utf-8")
    data: dict[str, object] = yaml.safe_load(text.split("---\n")[1])
    return data


def test_known_values_are_written(tmp_path: Path) -> None:
    result = new(tmp_path, "-s", "checkout", "--cause", "capacity", "--cause", "config-change")
    assert result.exit_code == 0, result.output
    meta = front_matter(tmp_path)
    assert (meta["services"], meta["causes"]) == (["checkout"], ["capacity", "config-change"])


def test_unknown_service_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    result = new(tmp_path, "--service", "checkot", "--cause", "capacty")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: --service 'checkot' is not in postmortems/services.yml; did you mean 'checkout'?",
        "error: --cause 'capacty' is not in postmortems/causes.yml; did you mean 'capacity'?",
        "nothing was written; fix the values, or use --force to keep them",
    ]
    assert not (tmp_path / CREATED).exists()


def test_unknown_value_without_a_close_one_lists_the_catalog(tmp_path: Path) -> None:
    result = new(tmp_path, "-s", "zzz")
    assert result.exit_code == 2
    assert "use one of: checkout, payments-api, payments-db" in result.stderr


def test_force_keeps_unknown_values(tmp_path: Path) -> None:
    result = new(tmp_path, "-s", "checkot", "--force")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: --service 'checkot' is not in")
    assert front_matter(tmp_path)["services"] == ["checkot"]


def test_without_catalogs_any_value_is_accepted(tmp_path: Path) -> None:
    result = new(tmp_path, "-s", "anything", "--cause", "whatever", catalogs=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert front_matter(tmp_path)["causes"] == ["whatever"]


def test_a_broken_catalog_is_reported(tmp_path: Path) -> None:
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "causes.yml").write_text("- name: no id\n", encoding="utf-8")
    result = new(tmp_path, "-s", "checkout", catalogs=False)
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: postmortems/causes.yml:1:3: entry 1: id:")


TEAMS = "teams:\n  team-db:\n    members: [alice, rafael]\n    aliases: [db-oncall]\n"


def new_with_teams(root: Path, *options: str) -> Result:
    """Run ``postmortem new "Test"`` with a teams.yml (and no other catalog)."""
    (root / "postmortems").mkdir(exist_ok=True)
    (root / "postmortems" / "teams.yml").write_text(TEAMS, encoding="utf-8")
    return CliRunner().invoke(main, ["new", "Test", "--date", "2026-03-14", *options])


def test_a_member_as_author_is_written(tmp_path: Path) -> None:
    result = new_with_teams(tmp_path, "--author", "rafael")
    assert (result.exit_code, result.stderr) == (0, "")
    assert front_matter(tmp_path)["authors"] == ["rafael"]


def test_an_author_who_is_not_a_member_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    result = new_with_teams(tmp_path, "--author", "rafeal")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --author 'rafeal' is not a member of any team in postmortems/teams.yml; "
        "did you mean 'rafael'?",
        "nothing was written; fix the values, or use --force to keep them",
    ]
    assert not (tmp_path / CREATED).exists()


def test_a_team_is_not_an_author(tmp_path: Path) -> None:
    result = new_with_teams(tmp_path, "--author", "team-db")
    assert result.exit_code == 2
    assert "--author 'team-db' is not a member of any team" in result.stderr


def test_force_keeps_an_unknown_author(tmp_path: Path) -> None:
    result = new_with_teams(tmp_path, "--author", "zed", "--force")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: --author 'zed' is not a member of any team in postmortems/teams.yml; "
        "add them to the members of their team"
    ]
    assert front_matter(tmp_path)["authors"] == ["zed"]


def test_a_default_author_who_is_not_a_member_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The author from git or $USER is a guess: the draft is written, with a warning."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("LOGNAME", "zed")
    result = new_with_teams(tmp_path)
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: the author 'zed' (from git or $USER) is not a member of any team in "
        "postmortems/teams.yml; pass --author HANDLE or edit 'authors'\n"
    )
    assert front_matter(tmp_path)["authors"] == ["zed"]


def test_without_teams_any_author_is_accepted(tmp_path: Path) -> None:
    result = new(tmp_path, "--author", "anyone", catalogs=False)
    assert (result.exit_code, result.stderr) == (0, "")
    assert front_matter(tmp_path)["authors"] == ["anyone"]


# --- review policies: a proposed meeting and the stakeholders --------------------------------

OWNED = "- id: checkout\n  owner: team-checkout\n- id: payments-api\n  owner: team-payments\n"


def uncommented(root: Path) -> dict[str, object]:
    """The created front matter with the proposals taken: the lines they replace removed,
    their commented lines uncommented."""
    text = (root / CREATED).read_text(encoding="utf-8").split("---\n")[1]
    lines = []
    for line in text.splitlines():
        if line.startswith(("participants: []", "review_meeting: null")):
            continue
        lines.append(
            line[2:] if line.startswith(("# participants:", "# review_meeting:")) else line
        )
    data: dict[str, object] = yaml.safe_load("\n".join(lines))
    return data


def test_new_proposes_a_meeting_and_the_owning_teams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1773489600")  # 2026-03-14, the incident's day
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "services.yml").write_text(OWNED, encoding="utf-8")
    result = new(
        tmp_path, "-s", "checkout", "-s", "payments-api", "--severity", "SEV1", catalogs=False
    )
    assert result.exit_code == 0, result.output
    assert "proposed in comments: a review meeting on 2026-03-17 and the teams to invite" in (
        result.output
    )
    text = (tmp_path / CREATED).read_text(encoding="utf-8")
    assert (
        "# Stakeholders, the teams owning the services: team-checkout (checkout), "
        "team-payments (payments-api).\n"
    ) in text
    assert "# Proposed: the SEV1 policy asks for the review within 3 calendar days" in text
    meta = front_matter(tmp_path)  # as written: nothing is decided for the author
    assert (meta["participants"], meta["review_meeting"]) == ([], None)
    taken = uncommented(tmp_path)
    assert taken["participants"] == ["team-checkout", "team-payments"]
    assert str(taken["review_meeting"]) == "2026-03-17"


def test_new_counts_business_days_where_the_policy_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1773489600")
    assert new(tmp_path, "-s", "checkout", "--severity", "SEV2").exit_code == 0
    assert str(uncommented(tmp_path)["review_meeting"]) == "2026-03-20"  # Saturday + 5


def test_new_proposes_no_earlier_day_than_today(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1774699200")  # 2026-03-28: the deadline passed
    assert new(tmp_path, "-s", "checkout", "--severity", "SEV1").exit_code == 0
    text = (tmp_path / CREATED).read_text(encoding="utf-8")
    assert "(by 2026-03-17 if it was resolved on 2026-03-14: as soon as possible)" in text
    assert str(uncommented(tmp_path)["review_meeting"]) == "2026-03-28"


def test_new_proposes_nothing_without_a_policy_or_owners(tmp_path: Path) -> None:
    assert new(tmp_path, "-s", "checkout").exit_code == 0  # SEV4: no policy; no owners
    text = (tmp_path / CREATED).read_text(encoding="utf-8")
    assert "Proposed" not in text and "Stakeholders" not in text
