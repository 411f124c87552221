"""The TOML config: defaults, validation with file/line/key, atomic writes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crmcli.config import Config, locate
from crmcli.errors import ConfigError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    config = Config.load(tmp_path / "absent.toml")
    assert not config.exists
    assert config.base_currency == "EUR"
    assert config.team == []
    assert config.week_start == 0


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('base_currency = "EUR"\nfoo = 1\n', 2, "foo is not a known setting"),
        ("base_currency = 12\n", 1, "base_currency must be a three-letter ISO currency code"),
        ('\nbase_currency = "XYZ"\n', 2, "base_currency 'XYZ' is not an ISO 4217 currency code"),
        ('week_start = "funday"\n', 1, "week_start 'funday' is not a weekday"),
        (
            '[[team]]\nhandle = "ada"\n\n[[team]]\nhandle = "bo"\ntimezone = "Europe/Osl"\n',
            6,
            "team[1].timezone 'Europe/Osl' is not an IANA time zone",
        ),
        ('[[team]]\nhandle = "ada"\nactive = "yes"\n', 3, "team[0].active must be true or false"),
        ('[[team]]\nhandle = "Ada Lovelace"\n', 2, "team[0].handle 'Ada Lovelace' must be lower-case"),
        ('[[team]]\nname = "Ada"\n', 1, "team[0] needs a handle"),
        ('default_country = "Narnia"\n', 1, "default_country 'Narnia' is not an ISO country code"),
    ],
)
def test_problems_name_file_line_and_key(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Config.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}: "), message
    assert fragment in message
    assert message.endswith(".")


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('base_currency = "EUR\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not valid TOML: .*line 1"):
        Config.load(path)


def test_set_validates_then_writes_atomically(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    config = Config.load(path)
    updated = config.set("base_currency", "NOK")
    updated.save()
    assert tomllib.loads(path.read_text())["base_currency"] == "NOK"
    with pytest.raises(ConfigError, match="Cannot set base_currency"):
        updated.set("base_currency", "kroner")
    assert tomllib.loads(path.read_text())["base_currency"] == "NOK"
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary left


def test_locate_finds_keys_in_arrays_of_tables() -> None:
    text = '[[team]]\nhandle = "a"\n\n[[team]]\nhandle = "b"\nrole = "x"\n'
    assert locate(text, ("team", 1, "role")) == 6
    assert locate(text, ("team", 0, "handle")) == 2
    assert locate(text, ("team", 1)) == 4


def test_cli_config_commands(crm) -> None:  # noqa: ANN001
    assert crm.ok("config", "path").stdout.strip() == str(crm.config)
    crm.ok("config", "init")
    assert crm.config.exists()
    crm.fails("config", "init")  # refuses to overwrite
    crm.ok("config", "set", "base_currency", "SEK")
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "SEK"
    assert crm.ok("config", "show", "--json").json()["base_currency"] == "SEK"
    result = crm.fails("config", "set", "colour", "blue")
    assert "colour is not a known setting" in result.stderr
    crm.fails("config", "get", "no.such.key")


def test_every_command_fails_cleanly_on_a_broken_config(crm) -> None:  # noqa: ANN001
    crm.write_config("base_currency = [\n")
    result = crm.fails("contact", "list")
    assert result.stderr.startswith(f"crm: {crm.config} is not valid TOML")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not crm.db.exists() or crm.db.stat().st_size >= 0


SERVICE_SETTINGS = """\
[queues.vip]
description = "Our largest customers"

[sla]
warn_within = "2h"

[sla.targets.urgent]
first_response = "30m"
hours = "24/7"

[business_hours]
monday = "08:00-16:00"
timezone = "Europe/Oslo"

[agenda]
days = 3
business_days = ["monday"]

[agenda.keep_in_touch]
vip = 10

[activities]
kinds = ["visit", "call"]
"""


def as_the_services_read_it(config: Config) -> dict[str, object]:
    from crmcli.services.activities import kinds
    from crmcli.services.agenda import settings_from
    from crmcli.services.business_hours import calendar_from_config
    from crmcli.services.cases import queue_names
    from crmcli.services.sla import load_policy

    policy = load_policy(config)
    agenda = settings_from(config)
    return {
        "queues": queue_names(config),
        "targets": {p: {n: (t.written, t.hours) for n, t in ts.items()} for p, ts in policy.targets.items()},
        "warn_within": policy.warn_within,
        "week": calendar_from_config(config).week,
        "keep_in_touch": [(k.scope, k.name, k.days) for k in agenda.keep_in_touch],
        "agenda": (agenda.hours.start, agenda.hours.end, agenda.hours.weekdays, agenda.days, agenda.limit),
        "kinds": kinds(config),
    }


@pytest.mark.parametrize("text", ["", SERVICE_SETTINGS], ids=["no file", "service settings"])
def test_the_settings_shown_are_the_settings_the_services_apply(tmp_path: Path, text: str) -> None:
    """What `crm config show` lists, written as a config file, changes nothing the services do."""
    import tomli_w

    original = tmp_path / "config.toml"
    if text:
        original.write_text(text, encoding="utf-8")
    shown = tmp_path / "shown.toml"
    shown.write_text(tomli_w.dumps(Config.load(original).merged()), encoding="utf-8")
    assert as_the_services_read_it(Config.load(shown)) == as_the_services_read_it(Config.load(original))


def test_in_force_falls_back_on_the_services_defaults(tmp_path: Path) -> None:
    config = Config.load(tmp_path / "absent.toml")
    assert config.in_force("agenda.limit") == 20
    assert config.in_force("queues.first-line.escalate_to") == "second-line"
    assert config.in_force("base_currency") == "EUR"
    assert config.in_force("agenda.no_such_key", "missing") == "missing"


TWO_PIPELINES = """\
[[pipelines]]
name = "sales"

[[pipelines.stages]]
name = "new"
probability = 10

[[pipelines]]
name = "renewals"

[[pipelines.stages]]
name = "due"
probability = 60

[[pipelines.stages]]
name = "quoted"
probability = 185
"""


def test_locate_counts_nested_arrays_of_tables_within_their_parent() -> None:
    assert locate(TWO_PIPELINES, ("pipelines", 1, "stages", 1, "probability")) == 17
    assert locate(TWO_PIPELINES, ("pipelines", 1, "stages", 0, "probability")) == 13
    assert locate(TWO_PIPELINES, ("pipelines", 0, "stages", 0, "name")) == 5
    assert locate(TWO_PIPELINES, ("pipelines", 1, "stages", 1)) == 15


def test_a_problem_in_a_nested_array_of_tables_names_its_own_line(crm) -> None:  # noqa: ANN001
    crm.write_config(TWO_PIPELINES)
    result = crm.fails("config", "show")
    assert result.stderr.startswith(f"crm: {crm.config}, line 17: pipelines[1].stages[1].probability ")


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'\xef\xbb\xbfbase_currency = "NOK"\r\n')
    config = Config.load(path)
    assert config.base_currency == "NOK"
    config.set("base_currency", "SEK").save()
    assert path.read_bytes() == b'\xef\xbb\xbfbase_currency = "SEK"\r\n'
