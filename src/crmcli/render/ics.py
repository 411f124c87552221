"""Open follow-ups as an iCalendar file (RFC 5545) that calendar applications import.

Each follow-up is a VEVENT: calendars show events everywhere, while VTODO support is
patchy. A follow-up due at a time of day starts then and lasts its duration (30 minutes
when none was given); one due by the end of a day is an all-day event on that day. The
UID is the activity's uid, so importing a newer file updates the entries, not duplicates.
RFC 5545 allows no control characters but tab in a TEXT value and the icalendar library
passes them through, so those in notes and names are U+FFFD here, as on the screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

PRODID = "-//crm//follow-ups//EN"
DEFAULT_LENGTH = timedelta(minutes=30)


def follow_ups_calendar(items: Iterable[dict[str, Any]], *, now: datetime) -> bytes:
    from icalendar import Calendar, Event

    from crmcli.clock import from_iso
    from crmcli.render.output import visible

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "crm follow-ups")
    for item in items:
        event = Event()
        event.add("uid", f"{item['uid']}@crm")
        event.add("dtstamp", now)
        event.add("summary", visible(summary(item)))
        if item["all_day"]:
            event.add("dtstart", item["local_date"])
            event.add("dtend", item["local_date"] + timedelta(days=1))
        else:
            start = from_iso(item["due_at"])
            event.add("dtstart", start)
            event.add("dtend", start + (timedelta(minutes=item["duration_min"]) if item.get("duration_min")
                                         else DEFAULT_LENGTH))  # fmt: skip
        event.add("description", visible(description(item)))
        event.add("categories", [visible(item["kind"])])
        calendar.add_component(event)
    return calendar.to_ical()


def summary(item: dict[str, Any]) -> str:
    who = item.get("contact") or item.get("company") or ""
    first_line = (item.get("note") or "").strip().splitlines()[0] if item.get("note") else ""
    parts = [f"{item['kind'].capitalize()}: {who}" if who else item["kind"].capitalize()]
    if first_line:
        parts.append(first_line)
    return " — ".join(parts)


def description(item: dict[str, Any]) -> str:
    lines = [item.get("note") or ""]
    if item.get("contact") and item.get("company"):
        lines.append(f"{item['contact']}, {item['company']}")
    if item.get("owner"):
        lines.append(f"Owner: {item['owner']}")
    lines.append(f"Done? crm activity done {item['id']}")
    return "\n".join(line for line in lines if line)
