"""crm config set edits the file in place, and crm config show lists every setting in force."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import crm_executable
from crmcli.config import STARTER
from helpers import mode, one_sentence

COMMENTED = """\
# Team config -- shared in git
base_currency = "EUR"   # invoices are in euros
default_country = "NO"  # most customers are Norwegian

[forecast]  # the sales meeting looks a quarter ahead
months = 3
"""


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_set_changes_the_one_value_and_keeps_comments_order_and_layout(crm) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    crm.ok("config", "set", "base_currency", "NOK")
    crm.ok("config", "set", "forecast.months", "6")
    assert crm.config.read_text(encoding="utf-8") == COMMENTED.replace('"EUR"', '"NOK"').replace(
        "months = 3", "months = 6"
    )


def test_set_keeps_the_commented_starter(crm) -> None:  # noqa: ANN001
    crm.ok("config", "init")
    crm.ok("config", "set", "week_start", "sunday")
    assert crm.config.read_text(encoding="utf-8") == STARTER.replace(
        'week_start = "monday"', 'week_start = "sunday"'
    )


def test_set_adds_a_new_key_and_table_without_touching_the_rest(crm) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    crm.ok("config", "set", "timezone", "Europe/Oslo")
    crm.ok("config", "set", "forecast.commit_probability", "80")
    crm.ok("config", "set", "agenda.days", "7")
    text = crm.config.read_text(encoding="utf-8")
    for line in COMMENTED.splitlines():
        assert line in text
    assert tomllib.loads(text) == {
        "base_currency": "EUR",
        "default_country": "NO",
        "timezone": "Europe/Oslo",
        "forecast": {"months": 3, "commit_probability": 80},
        "agenda": {"days": 7},
    }


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_set_follows_a_symlink_and_updates_its_target(crm, tmp_path: Path) -> None:  # noqa: ANN001
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "crm.toml"
    target.write_text(COMMENTED, encoding="utf-8")
    target.chmod(0o640)
    crm.config.symlink_to(os.path.relpath(target, crm.config.parent))
    crm.ok("config", "set", "base_currency", "NOK")
    assert crm.config.is_symlink()
    assert crm.config.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8") == COMMENTED.replace('"EUR"', '"NOK"')
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(dotfiles) == [] and leftovers(tmp_path) == []
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "NOK"


def test_a_refused_value_names_file_line_and_key_and_writes_nothing(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    before = crm.config.read_bytes()
    result = crm.fails("config", "set", "forecast.months", "many")
    assert result.stderr.startswith(
        f"crm: Cannot set forecast.months in {crm.config} (line 6): forecast.months"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert crm.config.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_the_next_command_sees_the_new_value_not_a_cached_one(crm) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "EUR"  # now cached
    crm.ok("config", "set", "base_currency", "SEK")
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "SEK"
    assert crm.ok("config", "show", "--json").json()["base_currency"] == "SEK"


def test_show_lists_the_defaults_of_a_table_the_file_sets_in_part(crm) -> None:  # noqa: ANN001
    crm.write_config("[forecast]\nmonths = 6\n")
    in_force = {"months": 6, "commit_probability": 75}
    assert crm.ok("config", "show", "--json").json()["forecast"] == in_force
    assert tomllib.loads(crm.ok("config", "show").stdout)["forecast"] == in_force
    assert json.loads(crm.ok("config", "get", "forecast").stdout) == in_force
    assert crm.ok("config", "get", "forecast.commit_probability").stdout.strip() == "75"
    # A list in the file stands instead of the default one, not beside it.
    crm.write_config('lost_reasons = ["price"]\n')
    assert crm.ok("config", "show", "--json").json()["lost_reasons"] == ["price"]


def uncomment_the_team_example(text: str) -> str:
    """The starter's commented `# [[team]]` block, as a user who fills it in leaves it."""
    lines = text.splitlines(keepends=True)
    start = lines.index("# [[team]]\n")
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("# ")), len(lines))
    return "".join(lines[:start] + [line[2:] for line in lines[start:end]] + lines[end:])


def test_set_puts_a_new_top_level_key_above_the_commented_team_example(crm) -> None:  # noqa: ANN001
    crm.ok("config", "init")
    crm.ok("config", "set", "user", "ada")
    crm.ok("config", "set", "timezone", "Europe/Oslo")
    crm.ok("config", "set", "agenda.days", "5")
    text = crm.config.read_text(encoding="utf-8")
    assert (
        text
        == STARTER.replace(
            'week_start = "monday"\n', 'week_start = "monday"\nuser = "ada"\ntimezone = "Europe/Oslo"\n'
        )
        + "\n[agenda]\ndays = 5\n"
    )
    crm.write_config(uncomment_the_team_example(text))
    assert crm.ok("config", "get", "user").stdout.strip() == "ada"
    data = tomllib.loads(crm.config.read_text(encoding="utf-8"))
    assert (data["user"], data["timezone"], data["agenda"]) == ("ada", "Europe/Oslo", {"days": 5})
    assert data["team"] == [
        {"handle": "ada", "name": "Ada Lovelace", "email": "ada@example.com", "role": "founder",
         "timezone": "Europe/London", "active": True},
    ]  # fmt: skip


EXAMPLE_IN_A_TABLE = """\
base_currency = "EUR"

[forecast]
months = 3

# The people who sell; uncomment to add one.
# [[team]]
# handle = "ada"
"""


def test_set_puts_a_new_key_of_a_table_in_it_above_a_commented_example(crm) -> None:  # noqa: ANN001
    crm.write_config(EXAMPLE_IN_A_TABLE)
    crm.ok("config", "set", "forecast.commit_probability", "80")
    text = crm.config.read_text(encoding="utf-8")
    assert text == EXAMPLE_IN_A_TABLE.replace("months = 3\n", "months = 3\ncommit_probability = 80\n")
    data = tomllib.loads(uncomment_the_team_example(text))
    assert data["forecast"] == {"months": 3, "commit_probability": 80}
    assert data["team"] == [{"handle": "ada"}]


def test_set_puts_a_key_above_an_example_with_no_key_before_it(crm) -> None:  # noqa: ANN001
    crm.write_config('# Our settings.\n\n# [[team]]\n# handle = "ada"\n')
    crm.ok("config", "set", "week_start", "sunday")
    text = crm.config.read_text(encoding="utf-8")
    assert text == '# Our settings.\nweek_start = "sunday"\n\n# [[team]]\n# handle = "ada"\n'
    assert tomllib.loads(uncomment_the_team_example(text))["week_start"] == "sunday"


def test_show_lists_the_defaults_the_services_keep(crm) -> None:  # noqa: ANN001
    from crmcli.services.activities import DEFAULT_KINDS
    from crmcli.services.cases import DEFAULT_QUEUES
    from crmcli.services.sla import DEFAULT_SLA

    shown = crm.ok("config", "show", "--json").json()
    assert shown["queues"] == DEFAULT_QUEUES
    assert shown["sla"] == DEFAULT_SLA
    assert shown["activities"] == {"kinds": list(DEFAULT_KINDS)}
    assert shown["agenda"] == {
        "keep_in_touch": {"customer": 30, "opportunity": 14}, "business_hours": "09:00-18:00",
        "business_days": ["monday", "tuesday", "wednesday", "thursday", "friday"], "days": 7, "limit": 20,
    }  # fmt: skip
    assert shown["business_hours"] == {
        **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), "09:00-17:00"),
        "saturday": "closed", "sunday": "closed", "timezone": "UTC", "day_length": "8h", "holidays": [],
    }  # fmt: skip
    assert shown["holidays"] == []
    # The settings listed before stay as they were: scripts reading them keep working.
    assert {k: shown[k] for k in ("base_currency", "week_start", "team", "forecast", "currencies")} == {
        "base_currency": "EUR", "week_start": "monday", "team": [],
        "forecast": {"months": 3, "commit_probability": 75}, "currencies": {"rates": {}},
    }  # fmt: skip
    assert tomllib.loads(crm.ok("config", "show").stdout) == shown
    assert crm.ok("config", "get", "agenda.days").stdout.strip() == "7"
    assert (
        json.loads(crm.ok("config", "get", "sla.targets.urgent").stdout) == DEFAULT_SLA["targets"]["urgent"]
    )


SERVICE_SETTINGS = """\
[queues.vip]
description = "Our largest customers"

[sla]
warn_within = "2h"

[sla.targets.urgent]
first_response = "30m"

[business_hours]
monday = "08:00-16:00"

[agenda]
days = 3

[agenda.keep_in_touch]
vip = 10

[activities]
kinds = ["visit"]
"""


def test_show_combines_the_file_and_the_services_defaults_as_the_services_do(crm) -> None:  # noqa: ANN001
    crm.write_config(SERVICE_SETTINGS)
    shown = crm.ok("config", "show", "--json").json()
    assert shown["queues"] == {"vip": {"description": "Our largest customers"}}  # instead of the built-in
    assert shown["sla"] == {
        "hours": "business",
        "warn_within": "2h",
        "targets": {"urgent": {"first_response": "30m"}},
    }
    assert shown["business_hours"] == {"monday": "08:00-16:00", **dict.fromkeys(
        ("tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), "closed"),
        "timezone": "UTC", "day_length": "8h", "holidays": []}  # fmt: skip
    assert shown["agenda"]["keep_in_touch"] == {"vip": 10}
    assert (shown["agenda"]["days"], shown["agenda"]["limit"]) == (3, 20)
    assert shown["activities"]["kinds"] == ["call", "email", "meeting", "note", "message", "task", "visit"]
    assert tomllib.loads(crm.ok("config", "show").stdout) == shown


# --- QA of the config area: time zones, dates, tables read whole, mending a broken file ----


def test_a_time_zone_written_with_spaces_is_the_zone_it_names(crm) -> None:  # noqa: ANN001
    crm.ok("config", "set", "timezone", " Europe/Oslo ")
    assert tomllib.loads(crm.config.read_text(encoding="utf-8"))["timezone"] == "Europe/Oslo"
    assert "is not an IANA time zone" in crm.fails("config", "set", "timezone", " Europe/Osl ").stderr
    new_york = {"TZ": "America/New_York"}
    crm.write_config('timezone = " Europe/Oslo "\n\n[[team]]\nhandle = "ada"\ntimezone = " Asia/Tokyo"\n')
    assert crm("add", "Kari", env=new_york).exit_code == 0
    logged = crm("log", "1", "call", "--at", "2026-11-20 10:00", "--json", env=new_york)
    assert logged.json()["at"] == "2026-11-20T09:00:00Z"  # 10:00 in Oslo, not in New York
    logged = crm("--user", "ada", "log", "1", "call", "--at", "2026-11-20 10:00", "--json", env=new_york)
    assert logged.json()["at"] == "2026-11-20T01:00:00Z"  # 10:00 in Tokyo
    crm.write_config('[business_hours]\ntimezone = " Europe/Oslo"\n')
    assert crm.ok("sla", "policy", "--json").json()["timezone"] == "Europe/Oslo"


HOLIDAYS = """\
holidays = [2026-12-24, "--05-17"]

[business_hours]
holidays = [{ date = 2026-04-03, name = "Good Friday" }]
"""


def test_toml_dates_are_shown_as_iso_text_in_json_and_as_dates_in_toml(crm) -> None:  # noqa: ANN001
    from datetime import date

    crm.write_config(HOLIDAYS)
    shown = crm.ok("config", "show", "--json").json()
    assert shown["holidays"] == ["2026-12-24", "--05-17"]
    assert shown["business_hours"]["holidays"] == [{"date": "2026-04-03", "name": "Good Friday"}]
    assert json.loads(crm.ok("config", "get", "holidays").stdout) == ["2026-12-24", "--05-17"]
    assert crm.ok("config", "get", "business_hours", "--json").json()["holidays"][0]["date"] == "2026-04-03"
    as_toml = tomllib.loads(crm.ok("config", "show").stdout)
    assert as_toml["holidays"] == [date(2026, 12, 24), "--05-17"]
    assert as_toml["business_hours"]["holidays"] == [{"date": date(2026, 4, 3), "name": "Good Friday"}]


def test_setting_one_key_of_a_table_read_whole_keeps_the_rest_of_the_built_in_table(crm) -> None:  # noqa: ANN001
    from crmcli.services.cases import DEFAULT_QUEUES
    from crmcli.services.sla import DEFAULT_SLA

    result = crm.ok("config", "set", "sla.targets.urgent.first_response", "30m")
    assert result.stderr == (
        f"Set sla.targets.urgent.first_response in {crm.config}; wrote the built-in [sla.targets] into "
        "the file first, so the other priorities keep their targets.\n"
    )
    targets = crm.ok("sla", "policy", "--json").json()["targets"]
    assert {p: {n: t["written"] for n, t in ts.items()} for p, ts in targets.items()} == {
        **DEFAULT_SLA["targets"], "urgent": {"first_response": "30m", "resolution": "4h"},
    }  # fmt: skip
    # The table is in the file now: the next key of it is set alone.
    result = crm.ok("config", "set", "sla.targets.low.resolution", "1w")
    assert result.stderr == f"Set sla.targets.low.resolution in {crm.config}.\n"

    crm.config.unlink()
    crm.ok("config", "set", "queues.first-line.escalate_to", "second-line")
    crm.ok("config", "set", "queues.vip.description", "Our largest customers")
    queues = json.loads(crm.ok("config", "get", "queues").stdout)
    assert queues == {**DEFAULT_QUEUES, "vip": {"description": "Our largest customers"}}

    crm.write_config("[agenda]\ndays = 3\n")
    result = crm.ok("config", "set", "agenda.keep_in_touch.vip", "10")
    assert "wrote the built-in [agenda.keep_in_touch] into the file first" in result.stderr
    assert tomllib.loads(crm.config.read_text(encoding="utf-8"))["agenda"] == {
        "days": 3, "keep_in_touch": {"customer": 30, "opportunity": 14, "vip": 10},
    }  # fmt: skip


def test_get_lists_the_business_hours_defaults_the_calendar_derives(crm) -> None:  # noqa: ANN001
    assert crm.ok("config", "get", "business_hours.timezone").stdout == "UTC\n"
    assert crm.ok("config", "get", "business_hours.day_length").stdout == "8h\n"
    assert json.loads(crm.ok("config", "get", "holidays").stdout) == []
    assert json.loads(crm.ok("config", "get", "business_hours.holidays").stdout) == []
    crm.write_config('timezone = "Europe/Oslo"\n\n[business_hours]\nmonday = "08:00-16:30"\n')
    assert crm.ok("config", "get", "business_hours.timezone").stdout == "Europe/Oslo\n"
    assert crm.ok("config", "get", "business_hours.day_length").stdout == "8h30m\n"


def test_a_small_exchange_rate_is_accepted_and_written_as_given(crm) -> None:  # noqa: ANN001
    crm.ok("config", "set", "currencies.rates.VND", "0.000036")
    assert 'VND = "0.000036"\n' in crm.config.read_text(encoding="utf-8")
    assert crm.ok("config", "show", "--json").json()["currencies"]["rates"] == {"VND": "0.000036"}
    crm.write_config("[currencies]\nrates = { VND = 3.6e-5 }\n")
    crm.ok("config", "show")
    for refused in ("0.0", "-0.000036"):
        result = crm.fails("config", "set", "currencies.rates.VND", "--", refused)
        assert "must be a number above zero" in result.stderr


TEAM = '[[team]]\nhandle = "ada"\n\n[[team]]\nhandle = "bob"\n'


def test_user_must_be_on_the_team_the_config_lists(crm) -> None:  # noqa: ANN001
    crm.write_config(TEAM)
    result = crm.fails("config", "set", "user", "zed")
    assert one_sentence(result.stderr) == (
        f"crm: Cannot set user in {crm.config}: user 'zed' is not on the team (known: ada, bob)."
    )
    assert crm.config.read_text(encoding="utf-8") == TEAM
    crm.ok("config", "set", "user", "bob")
    crm.write_config('user = "zed"\n' + TEAM)
    result = crm.fails("add", "Kari")
    assert one_sentence(result.stderr) == (
        f"crm: {crm.config}, line 1: user 'zed' is not on the team (known: ada, bob)."
    )
    crm.write_config('user = "zed"\n')  # no team: anyone
    crm.ok("add", "Kari")


def test_set_mends_a_value_that_fails_the_checks(crm) -> None:  # noqa: ANN001
    crm.write_config('[agenda]\ndays = "seven"\nlimit = 5\n')
    crm.ok("config", "set", "agenda.days", "7")
    assert crm.config.read_text(encoding="utf-8") == "[agenda]\ndays = 7\nlimit = 5\n"
    assert crm.ok("config", "get", "agenda.days").stdout == "7\n"
    # A change that leaves the file broken is refused, naming what is still wrong.
    crm.write_config('[agenda]\ndays = "seven"\n')
    result = crm.fails("config", "set", "agenda.limit", "5")
    assert one_sentence(result.stderr) == (
        f"crm: Cannot set agenda.limit in {crm.config} (line 2): agenda.days must be a whole number of "
        "days, not the text 'seven'."
    )
    assert crm.config.read_text(encoding="utf-8") == '[agenda]\ndays = "seven"\n'
    crm.write_config('[business_hours]\nmonday = "nonsense"\n')
    result = crm.fails("config", "set", "sla.targets.urgent.first_response", "30m")
    assert "business_hours.monday 'nonsense' is not a span of hours" in one_sentence(result.stderr)


def test_path_and_init_force_work_on_any_file_and_set_needs_toml(crm) -> None:  # noqa: ANN001
    crm.write_config("base_currency = [\n")
    assert crm.ok("config", "path").stdout == f"{crm.config}\n"
    assert "is not valid TOML" in crm.fails("config", "set", "base_currency", "NOK").stderr
    assert crm.config.read_text(encoding="utf-8") == "base_currency = [\n"
    crm.ok("config", "init", "--force")
    assert crm.config.read_text(encoding="utf-8") == STARTER


def test_a_byte_order_mark_is_read_and_kept(crm) -> None:  # noqa: ANN001
    crm.config.write_bytes(
        b'\xef\xbb\xbf# Notepad\r\nbase_currency = "EUR"\r\n\r\n[forecast]\r\nmonths = 3\r\n'
    )
    assert crm.ok("config", "get", "base_currency").stdout == "EUR\n"
    crm.ok("config", "set", "base_currency", "NOK")
    crm.ok("config", "set", "forecast.commit_probability", "80")
    assert crm.config.read_bytes() == (
        b'\xef\xbb\xbf# Notepad\r\nbase_currency = "NOK"\r\n\r\n[forecast]\r\nmonths = 3\r\n'
        b"commit_probability = 80\r\n"
    )
    crm.config.write_bytes(b'\xef\xbb\xbf[forecast]\nmonths = "x"\n')
    assert one_sentence(crm.fails("config", "show").stderr).startswith(f"crm: {crm.config}, line 2: ")


def test_set_keeps_windows_line_endings(crm) -> None:  # noqa: ANN001
    crm.config.write_bytes(b'base_currency = "EUR"\r\nweek_start = "monday"\r\n')
    crm.ok("config", "set", "week_start", "sunday")
    crm.ok("config", "set", "timezone", "Europe/Oslo")
    assert crm.config.read_bytes() == (
        b'base_currency = "EUR"\r\nweek_start = "sunday"\r\ntimezone = "Europe/Oslo"\r\n'
    )


def test_overlapping_spans_are_named_in_a_sentence(crm) -> None:  # noqa: ANN001
    crm.write_config('[business_hours]\ntuesday = ["09:00-12:00", "11:00-13:00"]\n')
    assert one_sentence(crm.fails("config", "show").stderr) == (
        f"crm: {crm.config}, line 2: business_hours.tuesday has spans that overlap."
    )


def test_a_refused_new_key_cites_no_line_the_file_does_not_have(crm) -> None:  # noqa: ANN001
    crm.write_config('base_currency = "EUR"\n')
    result = crm.fails("config", "set", "agenda.days", "seven")
    assert one_sentence(result.stderr) == (
        f"crm: Cannot set agenda.days in {crm.config}: agenda.days must be a whole number of days, "
        "not the text 'seven'."
    )


# --- QA: a config file or folder crm may not write, and what show and get print ---------

DROP = "-dac_override,-dac_read_search"


def as_a_user(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `crm` with `config`, as a user whom a file's or folder's mode stops: as
    root, without CAP_DAC_OVERRIDE (setpriv), since root ignores modes otherwise."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        prefix = [setpriv or "setpriv", f"--bounding-set={DROP}", f"--inh-caps={DROP}"]
        if setpriv is None or subprocess.run([*prefix, "true"], capture_output=True).returncode:
            pytest.skip(
                "as root, modes stop a write only without CAP_DAC_OVERRIDE, and setpriv cannot drop it"
            )
    return subprocess.run(
        [*prefix, *crm_executable(), "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="file modes and symlinks differ on Windows")
def test_a_config_file_made_read_only_is_not_replaced(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """The folder lets a rename replace the file: crm asks the file itself, the real one
    behind a link, and leaves it as it was."""
    crm.write_config(COMMENTED)
    crm.config.chmod(0o444)
    for args in (("config", "set", "week_start", "sunday"), ("config", "init", "--force")):
        result = as_a_user(crm.config, *args)
        assert (result.returncode, result.stdout) == (1, ""), result.stderr
        assert result.stderr == f"crm: The config file {crm.config} is read-only; nothing was changed.\n"
        assert crm.config.read_text(encoding="utf-8") == COMMENTED
        assert mode(crm.config) == 0o444 and leftovers(tmp_path) == []

    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "crm.toml"
    target.write_text(COMMENTED, encoding="utf-8")
    target.chmod(0o444)
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    result = as_a_user(link, "config", "set", "base_currency", "NOK")
    assert result.returncode == 1
    assert result.stderr == (
        f"crm: The config file {link} (a link to {target.resolve()}) is read-only; nothing was changed.\n"
    )
    assert target.read_text(encoding="utf-8") == COMMENTED and link.is_symlink()
    assert leftovers(dotfiles) == [] and leftovers(tmp_path) == []
    target.chmod(0o644)  # writable again: the same command goes through
    assert as_a_user(link, "config", "set", "base_currency", "NOK").returncode == 0
    assert target.read_text(encoding="utf-8") == COMMENTED.replace('"EUR"', '"NOK"')


@pytest.mark.skipif(sys.platform == "win32", reason="folder modes differ on Windows")
def test_a_folder_crm_cannot_write_is_named_with_the_config_file_not_a_temporary_one(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    kept = folder / "kept.toml"
    kept.write_text(COMMENTED, encoding="utf-8")
    folder.chmod(0o555)
    try:
        for config, args in (
            (folder / "config.toml", ("config", "init")),
            (kept, ("config", "set", "week_start", "sunday")),
        ):
            result = as_a_user(config, *args)
            assert (result.returncode, result.stdout) == (1, ""), result.stderr
            assert result.stderr == (
                f"crm: The config file {config} cannot be written: its folder {folder.resolve()} is "
                "read-only; nothing was changed.\n"
            )
        assert sorted(p.name for p in folder.iterdir()) == ["kept.toml"]
        assert kept.read_text(encoding="utf-8") == COMMENTED
    finally:
        folder.chmod(0o755)


ZONES_WITH_SPACES = """\
timezone = " Europe/Oslo "

[business_hours]
timezone = "Asia/Tokyo "

[[team]]
handle = "ada"
timezone = " America/New_York"
"""


def test_show_and_get_print_a_time_zone_as_it_is_used_stripped(crm) -> None:  # noqa: ANN001
    crm.write_config(ZONES_WITH_SPACES)
    assert crm.ok("config", "get", "timezone").stdout == "Europe/Oslo\n"
    assert crm.ok("config", "get", "business_hours.timezone").stdout == "Asia/Tokyo\n"
    team = [{"handle": "ada", "timezone": "America/New_York"}]
    assert json.loads(crm.ok("config", "get", "team").stdout) == team
    for shown in (crm.ok("config", "show", "--json").json(), tomllib.loads(crm.ok("config", "show").stdout)):
        assert (shown["timezone"], shown["business_hours"]["timezone"], shown["team"]) == (
            "Europe/Oslo", "Asia/Tokyo", team,
        )  # fmt: skip
    assert crm.config.read_text(encoding="utf-8") == ZONES_WITH_SPACES  # the file as the user wrote it


def test_show_and_get_print_numbers_in_decimal_notation(crm) -> None:  # noqa: ANN001
    crm.write_config(
        "[currencies]\nrates = { VND = 0.000036, IDR = 6.2e-5, JPY = 0.0061, KWD = 3.0, XAU = 2e16 }\n"
    )
    rates = {"VND": 0.000036, "IDR": 0.000062, "JPY": 0.0061, "KWD": 3.0, "XAU": 2e16}
    written = {
        "VND": "0.000036",
        "IDR": "0.000062",
        "JPY": "0.0061",
        "KWD": "3.0",
        "XAU": "20000000000000000.0",
    }
    for code, text in written.items():
        assert crm.ok("config", "get", f"currencies.rates.{code}").stdout == f"{text}\n"
    # JSON numbers stay as JSON writes them (3.6e-05 is one): scripts read them back exactly.
    assert json.loads(crm.ok("config", "get", "currencies.rates").stdout) == rates
    assert json.loads(crm.ok("config", "show", "--json").stdout)["currencies"]["rates"] == rates
    as_toml = crm.ok("config", "show").stdout
    assert "[currencies.rates]\n" + "".join(f"{c} = {t}\n" for c, t in written.items()) in as_toml
    assert tomllib.loads(as_toml)["currencies"]["rates"] == rates  # XAU read back a float still


def test_a_rate_given_as_a_number_is_written_as_text_with_its_digits(crm) -> None:  # noqa: ANN001
    crm.write_config('[currencies]\nrates = { NOK = "0.085" }\n')
    crm.ok("config", "set", "currencies.rates.SEK", "0.087")
    crm.ok("config", "set", "currencies.rates.USD", "1.50")
    crm.ok("config", "set", "currencies.rates.IDR", "6.2e-5")
    crm.ok("config", "set", "currencies.rates.DKK", '"0.134"')
    text = crm.config.read_text(encoding="utf-8")
    assert 'SEK = "0.087", USD = "1.50", IDR = "0.000062", DKK = "0.134"' in text
    assert tomllib.loads(text)["currencies"]["rates"] == {
        "NOK": "0.085", "SEK": "0.087", "USD": "1.50", "IDR": "0.000062", "DKK": "0.134",
    }  # fmt: skip
    assert crm.ok("config", "get", "currencies.rates.SEK").stdout == "0.087\n"
    assert crm.ok("config", "get", "currencies.rates.USD").stdout == "1.50\n"
    crm.ok("config", "set", "currencies.rates", "{ GBP = 1.16, JPY = 0.0062 }")
    assert tomllib.loads(crm.config.read_text(encoding="utf-8"))["currencies"]["rates"] == {
        "GBP": "1.16", "JPY": "0.0062",
    }  # fmt: skip
    assert "must be a number above zero" in crm.fails("config", "set", "currencies.rates.SEK", "0").stderr


def test_set_keeps_a_blank_line_before_each_table_it_adds(crm) -> None:  # noqa: ANN001
    crm.write_config("[sla.targets]\n")
    crm.ok("config", "set", "sla.targets.urgent.first_response", "1h")
    crm.ok("config", "set", "sla.targets.high.resolution", "2d")
    assert crm.config.read_text(encoding="utf-8") == (
        '[sla.targets]\n\n[sla.targets.urgent]\nfirst_response = "1h"\n\n'
        '[sla.targets.high]\nresolution = "2d"\n'
    )
    crm.write_config('base_currency = "EUR"')  # no newline at the end
    crm.ok("config", "set", "sla.targets.urgent.first_response", "1h")
    text = crm.config.read_text(encoding="utf-8")
    assert text.startswith('base_currency = "EUR"\n\n[sla.targets.urgent]\nfirst_response = "1h"\n')
    headers = [i for i, line in enumerate(text.splitlines()) if line.startswith("[")]
    assert len(headers) == 4 and all(text.splitlines()[i - 1] == "" for i in headers)


def test_a_rate_is_for_a_currency_that_exists(crm) -> None:  # noqa: ANN001
    from helpers import one_sentence

    crm.write_config('[currencies]\nrates = { SEK = "0.087" }\n')
    before = crm.config.read_text(encoding="utf-8")
    result = crm.fails("config", "set", "currencies.rates.XYZ", "1")
    assert one_sentence(result.stderr).endswith(
        "'XYZ' is not an ISO 4217 currency code (for example EUR, NOK or JPY)."
    )
    assert crm.config.read_text(encoding="utf-8") == before
