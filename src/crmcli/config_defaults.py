"""Every setting in force: the config file over crm's defaults, those of config.DEFAULTS and
those the services keep beside the code that applies them (DEFAULT_QUEUES in
services/cases.py …), combined as each service combines them. What `crm config show` and
`crm config get` print; only they import this module, and it imports the services."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from crmcli.config import WEEKDAYS

# Each function is given the file's table (None when absent) and the whole file, and returns
# the default as a config file would spell it.


def _queues_default(_: Any, __: dict[str, Any]) -> Any:
    from crmcli.services.cases import DEFAULT_QUEUES

    return DEFAULT_QUEUES


def _sla_default(_: Any, __: dict[str, Any]) -> Any:
    from crmcli.services.sla import DEFAULT_SLA

    return DEFAULT_SLA


def _activities_default(_: Any, __: dict[str, Any]) -> Any:
    from crmcli.services.activities import DEFAULT_KINDS

    return {"kinds": list(DEFAULT_KINDS)}


def _agenda_default(_: Any, __: dict[str, Any]) -> Any:
    from crmcli.services import agenda

    return {
        "keep_in_touch": agenda.DEFAULT_KEEP_IN_TOUCH,
        "business_hours": agenda.DEFAULT_HOURS,
        "business_days": list(agenda.DEFAULT_BUSINESS_DAYS),
        "days": agenda.DEFAULT_DAYS,
        "limit": agenda.DEFAULT_LIMIT,
    }


def _business_hours_default(table: Any, data: dict[str, Any]) -> Any:
    """The built-in week (a file naming any weekday has the days it leaves out closed
    instead), and the time zone and day length the calendar derives where the file gives
    none: the config's timezone else UTC, the usual open day."""
    from crmcli.config import Config
    from crmcli.services.business_hours import DEFAULT_WEEK, calendar_from_config

    if isinstance(table, dict) and any(day in table for day in WEEKDAYS):
        week: dict[str, Any] = dict.fromkeys(WEEKDAYS, "closed")
    else:
        week = {day: _spans_text(spans) for day, spans in zip(WEEKDAYS, DEFAULT_WEEK, strict=True)}
    calendar = calendar_from_config(Config(path="", data=data))  # as the services read the file
    return {
        **week,
        "timezone": getattr(calendar.tz, "key", "UTC"),
        "day_length": _duration_text(calendar.day_length),
        "holidays": [],
    }


def _duration_text(length: timedelta) -> str:
    """A duration as the config writes it: "8h", "7h30m", "45m"."""
    hours, minutes = divmod(int(length.total_seconds()) // 60, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")


def _spans_text(spans: tuple[tuple[int, int], ...]) -> str | list[str]:
    """A day's spans of minutes as the config writes them: "09:00-17:00", a list, or "closed"."""
    texts = [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in spans]
    return texts[0] if len(texts) == 1 else texts or "closed"


SERVICE_DEFAULTS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "queues": _queues_default,
    "sla": _sla_default,
    "business_hours": _business_hours_default,
    "agenda": _agenda_default,
    "activities": _activities_default,
}
# Tables a service reads whole: a file's [queues] stand instead of the built-in ones, not
# beside them, as a list does. Any other table keeps the defaults of the keys it leaves out.
# Each with what stays in force when `crm config set` writes the built-in table into a file
# without it before the one key it sets (Config.defaults_written_by).
REPLACED_WHOLE: dict[str, str] = {
    "queues": "the other queues stay as they were",
    "sla.targets": "the other priorities keep their targets",
    "agenda.keep_in_touch": "the other keep-in-touch rules keep their days",
}
# Lists a file adds to: the built-in activity kinds stay, whatever `[activities] kinds` lists.
ADDED_TO = frozenset({"activities.kinds"})


def settings_in_force(defaults: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The file's `data` over `defaults` and over the services' defaults."""
    every_default = dict(defaults)
    for section, default_of in SERVICE_DEFAULTS.items():
        every_default[section] = default_of(data.get(section), data)
    return _in_force(every_default, data, ())


def _in_force(default: Any, value: Any, path: tuple[str, ...]) -> Any:
    """The file's `value` over the `default` at `path`, as the code that reads it combines them."""
    dotted = ".".join(path)
    if dotted in ADDED_TO and isinstance(default, list) and isinstance(value, list):
        return default + [item for item in value if item not in default]
    if not isinstance(default, dict) or not isinstance(value, dict) or dotted in REPLACED_WHOLE:
        return value
    out = copy.deepcopy(default)
    for key, item in value.items():
        out[key] = _in_force(out[key], item, (*path, key)) if key in out else item
    return out
