"""crm config …: where the config lives, what it says, and changing it safely."""

from __future__ import annotations

import math
import tomllib
from datetime import date, time
from typing import Annotated, Any

import typer

from crmcli.cli.options import JsonOpt, app_context, new_app
from crmcli.errors import ConfigError, Conflict

app = new_app("The TOML config: team, currency, pipelines, rules, SLAs.")


@app.command("path")
def config_path(ctx: typer.Context) -> None:
    """Print the path of the config file in use (it need not exist)."""
    typer.echo(str(app_context(ctx).config_path))


@app.command("show")
def config_show(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Print the settings in force: the file over the built-in defaults."""
    context = app_context(ctx)
    merged = context.config.merged()
    if json:
        context.out.json(json_ready(merged))  # JSON numbers as JSON writes them: scripts parse them
        return
    import tomli_w

    context.out.line(tomli_w.dumps(toml_ready(merged)).rstrip())


@app.command("get")
def config_get(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A dotted key: base_currency, team, agenda.days …")],
    json: JsonOpt = False,
) -> None:
    """Print one setting."""
    context = app_context(ctx)
    missing = object()
    value = context.config.in_force(key, missing)
    if value is missing:
        raise ConfigError(
            unknown_setting(key) or f"{key} is not set in {context.config_path} and has no default."
        )
    if json or isinstance(value, dict | list):
        context.out.json(json_ready(value))
    elif isinstance(value, bool):
        context.out.line(str(value).lower())
    else:
        context.out.line(plain_number(value) if isinstance(value, float) else str(value))


@app.command("set")
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A dotted key.")],
    value: Annotated[str, typer.Argument(help='A TOML value (42, true, "text") or bare text.')],
) -> None:
    """Change one setting; the file is validated before it is written, atomically."""
    from crmcli.config import Config
    from crmcli.config_defaults import REPLACED_WHOLE

    context = app_context(ctx)
    # Not context.config, which refuses a file that fails the checks: `set` may mend it.
    config = Config.for_editing(context.config_file)
    table = config.defaults_written_by(key)
    config.set(key, rate_as_text(key, parse_value(value))).save()
    if table is None:
        context.out.note(f"Set {key} in {context.config_path}.")
    else:
        context.out.note(
            f"Set {key} in {context.config_path}; wrote the built-in [{table}] into the file first, "
            f"so {REPLACED_WHOLE[table]}."
        )


@app.command("init")
def config_init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter config."""
    from crmcli.config import STARTER, write_atomic

    context = app_context(ctx)
    path = context.config_path
    if path.exists() and not force:
        raise Conflict(f"{path} already exists; use --force to replace it.")
    write_atomic(path, STARTER)
    context.out.note(f"Wrote {path}.")


def unknown_setting(key: str) -> str | None:
    """The sentence `set` gives for a key that is no setting ("nosuch is not a known setting
    (known: …)"), or None for a known one: the checks `set` runs, on a file of that key alone.
    The value is a stand-in, so only what they say of the key's names counts."""
    from crmcli.config import Config

    parts = key.split(".")
    data: dict[str, Any] = {}
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = True
    for problem in Config("", data).problems():
        named = [part for part in problem.path if isinstance(part, str)]
        if problem.message.startswith("is not a known setting") and named == parts[: len(named)]:
            return f"{problem.key} {problem.message}."
    return None


def parse_value(text: str) -> Any:
    """A TOML value when the text is one (numbers, booleans, arrays, quoted text), else the text.

    The value keeps the spelling it was given, so `0.000036` is written so and not as the
    float's 3.6e-05; tomllib decides what is TOML, as it is what reads the file."""
    try:
        tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    import tomlkit

    return tomlkit.parse(f"v = {text}\n")["v"]  # the line's end comes with the value into the file


def rate_as_text(key: str, value: Any) -> Any:
    """An exchange rate given as a TOML number, as text with its digits as they were written
    (`0.087` is written "0.087"): rates are text, as the starter and the README write them,
    so that a rate keeps its digits exactly. `currencies.rates` given whole (an inline
    table) has its numbers written so too; anything else is left as it was given."""
    parts = key.split(".")
    if parts[:2] != ["currencies", "rates"] or len(parts) > 3:
        return value
    if len(parts) == 3:
        return _number_as_text(value)
    if not isinstance(value, dict):
        return value
    import tomlkit

    table = tomlkit.inline_table()
    for code, rate in value.items():
        table[code] = _number_as_text(rate)
    if hasattr(value, "trivia"):
        table.trivia.comment_ws, table.trivia.comment = value.trivia.comment_ws, value.trivia.comment
    return table


def _number_as_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    from decimal import Decimal, InvalidOperation

    import tomlkit

    if isinstance(value, int):
        spelled = str(int(value))  # 0x10 as 16: a rate's text is read as a decimal
    else:
        # The digits as written (1.50 stays 1.50), in decimal notation: 8.7e-2 is "0.087".
        written = value.as_string() if hasattr(value, "as_string") else repr(value)
        try:
            spelled = format(Decimal(written.replace("_", "")), "f")
        except InvalidOperation:
            spelled = written
    text = tomlkit.string(spelled)
    if hasattr(value, "trivia"):  # a comment given after the number stays with it
        text.trivia.comment_ws, text.trivia.comment = value.trivia.comment_ws, value.trivia.comment
    return text


def json_ready(value: Any) -> Any:
    """`value` with its TOML dates and times as ISO 8601 text, which JSON has no other way
    to write (`holidays = [2026-12-24]`)."""
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_ready(item) for item in value]
    if isinstance(value, date | time):  # a datetime is a date
        return value.isoformat()
    return value


def plain_number(value: float) -> str:
    """A float in decimal notation, with the fewest digits that read back as it: a rate
    written 0.000036 is shown so, not as Python's 3.6e-05, and 3.6e-5 as 0.000036 too."""
    text = repr(value)
    if "e" not in text or not math.isfinite(value):  # inf and nan: as TOML spells them
        return text
    from decimal import Decimal

    plain = format(Decimal(text), "f")
    return plain if "." in plain else f"{plain}.0"  # 1.5e+20 is a float, not an integer


class PlainFloat(float):
    """A float that tomli_w writes in decimal notation: it writes a float as str() gives it."""

    def __str__(self) -> str:
        return plain_number(self)


def toml_ready(value: Any) -> Any:
    """`value` with its floats written by tomli_w in decimal notation (PlainFloat)."""
    if isinstance(value, dict):
        return {key: toml_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [toml_ready(item) for item in value]
    return PlainFloat(value) if isinstance(value, float) else value
