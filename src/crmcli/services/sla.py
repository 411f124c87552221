"""Service-level agreements: per-priority targets, the case clock, and breach detection.

Modelled on Request Tracker's SLA levels and Frappe Helpdesk: each priority has a
first-response and a resolution target ("4h", "2d"), counted in business hours (the
`[business_hours]` calendar, holidays excluded) or around the clock ("24/7"). The clock
runs only while a case is `new` or `open`: time in `pending` (waiting on the customer),
`resolved` or `closed` does not count, and a reopened case carries on where it stopped.

    policy = load_policy(config)
    clocks = case_clocks(db, [case_row], policy, as_of)   # {case_id: {target: Clock}}

`sla check` (check_breaches) records each breach once in `sla_breaches` (its unique
(case_id, target) index makes a second run a no-op) and fires `case.sla_breached` for the
new ones, so routing rules can escalate. A breach row is permanent and its rules act at
once, so it checks as of now or an earlier moment only (a later one raises NotYet). As of
an earlier moment, each case is judged and shown as it was then (its status, priority,
queue, owner and level, read back from its timeline), and the rules decide on that case;
what they do is done to the case as it is now, so a case closed since is not escalated,
requeued or reassigned (services.routing holds those actions back). On a database crm
cannot write, a check with nothing new to record still shows what it finds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crmcli.errors import Invalid
from crmcli.services.business_hours import (
    ALWAYS,
    DURATION_HELP,
    Calendar,
    add_business_time,
    business_time_between,
    calendar_from_config,
    parse_duration,
)

if TYPE_CHECKING:
    from crmcli.config import Checker, Config, KeyPath
    from crmcli.services.session import Session
    from crmcli.storage.db import Database, Row

TARGETS = ("first_response", "resolution")
HOURS = ("business", "24/7")
RUNNING_STATUSES = ("new", "open")  # the clock counts only in these
ACTIVE_STATUSES = ("new", "open", "pending")  # cases `sla check` looks at
# What a case is judged, shown and routed by at the moment checked; an earlier moment has
# its own values of these, read back from the case's timeline.
AS_IT_WAS = ("status", "priority", "queue", "owner", "escalation_level", "first_response_at",
             "resolved_at", "closed_at")  # fmt: skip

DEFAULT_SLA: dict[str, Any] = {
    "hours": "business",
    "warn_within": "1h",
    "targets": {
        "urgent": {"first_response": "1h", "resolution": "4h"},
        "high": {"first_response": "4h", "resolution": "1d"},
        "normal": {"first_response": "8h", "resolution": "3d"},
        "low": {"first_response": "2d", "resolution": "5d"},
    },
}


@dataclass(frozen=True)
class Target:
    name: str  # first_response | resolution
    allowed: timedelta
    calendar: Calendar
    written: str  # as in the config: "4h"

    @property
    def hours(self) -> str:
        return "24/7" if self.calendar.always else "business"


@dataclass(frozen=True)
class Policy:
    targets: dict[str, dict[str, Target]]  # priority -> target name -> Target
    warn_within: timedelta  # read around the clock: what 24/7 targets are warned within
    # The same setting read as the business-hours targets are ("2d" is two working days),
    # so that a warning of "2d" means what a target of "2d" means.
    business_warn_within: timedelta | None = None

    def for_priority(self, priority: str) -> dict[str, Target]:
        return self.targets.get(priority, {})

    def warn_for(self, target: Target) -> timedelta:
        if target.calendar.always or self.business_warn_within is None:
            return self.warn_within
        return self.business_warn_within

    def warning(self, text: str, business: Calendar) -> Policy:
        """The policy with another warning window, written as the targets are."""
        return Policy(self.targets, _duration(text, ALWAYS), _duration(text, business))


@dataclass(frozen=True)
class Clock:
    """Where one target of one case stands at `as_of`."""

    target: str
    allowed: timedelta
    hours: str
    used: timedelta  # counted time so far (until met, or until as_of)
    due_at: datetime | None  # None while the clock is stopped and time remains
    met_at: datetime | None  # the first response, or the resolution
    state: str  # met | missed | breached | at_risk | running | paused | closed (never reached)
    written: str = ""  # the target as the config writes it: "3d"

    @property
    def remaining(self) -> timedelta:
        return self.allowed - self.used

    @property
    def breached(self) -> bool:
        return self.state in ("breached", "missed")

    def as_dict(self) -> dict[str, Any]:
        from crmcli.clock import to_iso

        return {
            "target": self.target,
            "state": self.state,
            "allowed_minutes": int(self.allowed.total_seconds() // 60),
            "used_minutes": int(self.used.total_seconds() // 60),
            "hours": self.hours,
            "written": self.written,
            "due_at": to_iso(self.due_at) if self.due_at else None,
            "met_at": to_iso(self.met_at) if self.met_at else None,
        }


def load_policy(config: Config) -> Policy:
    """The SLA policy in force: `[sla]` over the built-in defaults."""
    settings: dict[str, Any] = config.get("sla") or {}
    default_hours = settings.get("hours", DEFAULT_SLA["hours"])
    targets_cfg = settings.get("targets", DEFAULT_SLA["targets"])
    business = calendar_from_config(config)
    targets: dict[str, dict[str, Target]] = {}
    for priority, spec in targets_cfg.items():
        hours = spec.get("hours", default_hours)
        calendar = ALWAYS if hours == "24/7" else business
        targets[priority] = {
            name: Target(name, _duration(spec[name], calendar), calendar, spec[name])
            for name in TARGETS
            if name in spec
        }
    warn = settings.get("warn_within", DEFAULT_SLA["warn_within"])
    return Policy(targets, _duration(warn, ALWAYS), _duration(warn, business))


def _duration(text: str, calendar: Calendar) -> timedelta:
    if calendar.always:
        return parse_duration(text)
    return parse_duration(text, day=calendar.day_length, week_days=5)


# --- the clock ----------------------------------------------------------------------------


def running_spans(
    opened_at: datetime, changes: list[tuple[datetime, str]], until: datetime
) -> list[tuple[datetime, datetime]]:
    """The stretches before `until` during which the case was new or open."""
    spans: list[tuple[datetime, datetime]] = []
    status, since = "new", opened_at
    for at, new_status in changes:
        if at > until:
            break
        if at < since:
            at = since
        if status in RUNNING_STATUSES and new_status not in RUNNING_STATUSES and at > since:
            spans.append((since, at))
        if (status in RUNNING_STATUSES) != (new_status in RUNNING_STATUSES):
            since = at
        status = new_status
    if status in RUNNING_STATUSES and until > since:
        spans.append((since, until))
    return spans


def status_at(changes: list[tuple[datetime, str]], moment: datetime) -> str | None:
    """The status a case had at `moment` (None before it was opened)."""
    found: str | None = None
    for at, status in changes:
        if at > moment:
            break
        found = status
    return found


def clock_for(
    target: Target,
    opened_at: datetime,
    changes: list[tuple[datetime, str]],
    met_at: datetime | None,
    as_of: datetime,
    warn_within: timedelta,
) -> Clock:
    """Where `target` stands at `as_of`, given the case's status history."""
    met = met_at if met_at is not None and met_at <= as_of else None
    until = met or as_of
    used = timedelta(0)
    due: datetime | None = None
    for start, end in running_spans(opened_at, changes, until):
        worked = business_time_between(start, end, target.calendar)
        if due is None and used + worked >= target.allowed:
            due = add_business_time(start, target.allowed - used, target.calendar)
        used += worked
    status = status_at(changes, until) if changes else "new"
    running = status in RUNNING_STATUSES
    if met is not None:
        state = "missed" if used > target.allowed else "met"
        return Clock(target.name, target.allowed, target.hours, used, due, met, state, target.written)
    if due is not None:
        return Clock(target.name, target.allowed, target.hours, used, due, None, "breached", target.written)
    if not running:
        # A closed case's clock is finished, not waiting: the target was simply never reached.
        state = "closed" if status == "closed" else "paused"
        return Clock(target.name, target.allowed, target.hours, used, None, None, state, target.written)
    due = add_business_time(as_of, target.allowed - used, target.calendar)
    state = "at_risk" if target.allowed - used <= warn_within else "running"
    return Clock(target.name, target.allowed, target.hours, used, due, None, state, target.written)


def case_clocks(
    db: Database, cases: list[Row], policy: Policy, as_of: datetime
) -> dict[int, dict[str, Clock]]:
    """The SLA clocks of each case at `as_of` (cases whose priority has no target: none)."""
    from crmcli.clock import from_iso
    from crmcli.storage import cases as store

    history = store.status_changes(db, [c["id"] for c in cases])
    out: dict[int, dict[str, Clock]] = {}
    for case in cases:
        targets = policy.for_priority(case["priority"])
        changes = [(from_iso(at), status) for at, status in history[case["id"]]]
        opened = from_iso(case["opened_at"])
        stamps = {
            "first_response": case.get("first_response_at"),
            "resolution": case.get("resolved_at") or case.get("closed_at"),
        }
        met = {name: from_iso(stamp) if stamp else None for name, stamp in stamps.items()}
        out[case["id"]] = {
            name: clock_for(target, opened, changes, met[name], as_of, policy.warn_for(target))
            for name, target in targets.items()
        }
    return out


def summary(clocks: dict[str, Clock], as_of: datetime) -> str:
    """One short phrase for a case's SLA: "breached: first response", "due in 2h", …"""
    from crmcli.services.business_hours import format_duration

    if not clocks:
        return ""
    breached = [c.target.replace("_", " ") for c in clocks.values() if c.breached]
    if breached:
        return "breached: " + ", ".join(breached)
    pending = [c for c in clocks.values() if c.state in ("running", "at_risk")]
    if pending:
        soonest = min(pending, key=lambda c: c.due_at or as_of)
        left = format_duration((soonest.due_at or as_of) - as_of)
        flag = "at risk, " if soonest.state == "at_risk" else ""
        return f"{flag}{soonest.target.replace('_', ' ')} due in {left}"
    if any(c.state == "paused" for c in clocks.values()):
        return "paused"
    never = [c.target.replace("_", " ") for c in clocks.values() if c.state == "closed"]
    if never:
        return "closed with no " + " or ".join(never)
    return "met"


# --- sla check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    case: Row
    clock: Clock
    new: bool  # first time this breach was seen (an event was fired for it)
    escalated: bool = False  # a rule escalated the case on this breach's event
    # Actions of the rules on this breach's event not done, since the case is closed now.
    held_back: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case["id"],
            "subject": self.case["subject"],
            "contact": self.case.get("contact"),
            "priority": self.case["priority"],
            "status": self.case["status"],
            "queue": self.case.get("queue"),
            "owner": self.case.get("owner"),
            "new": self.new,
            **self.clock.as_dict(),
        }


class NotYet(Invalid):
    """A check as of a moment that has not come yet."""


def check_breaches(session: Session, as_of: datetime, warn_within: str | None = None) -> list[Finding]:
    """Breaches and near-breaches of active cases at `as_of`; new breaches fire events once.

    `warn_within` ("2d", as `sla.warn_within` is written) replaces the policy's warning
    window; like the targets, its days are working days for business-hours targets.

    Everything happens in one transaction: a routing rule that fails on a breach event
    rolls the whole check back, so a later run sees (and fires) the breach again.

    `as_of` is now or earlier, else NotYet is raised: how the cases will stand later is
    not known (someone may reply first), yet a breach row stays and the rules on
    case.sla_breached act at once. As of an earlier moment the cases are those of then
    (`_cases_active_at`): the rules decide on the case as it was when the breach happened,
    and what they do is done to the case as it is now, at the time of the check.

    On a read-only database a check that has nothing new to record writes nothing and
    returns what it found; one with a new breach is refused as every write is there.
    """
    from crmcli.clock import to_iso
    from crmcli.storage import cases as store

    if as_of > session.now:
        raise NotYet(
            f"{to_iso(as_of)} has not come yet (it is {session.now_iso}); sla check records only "
            "breaches that have happened, so check as of now or an earlier moment."
        )
    policy = load_policy(session.config)
    if warn_within is not None:
        policy = policy.warning(warn_within, calendar_from_config(session.config))
    if session.db.read_only:
        unchanged = _findings_already_recorded(session.db, policy, as_of)
        if unchanged is not None:
            return _in_order(unchanged, as_of)
        # A new breach must be recorded and its rules run: the write below refuses that in
        # the read-only sentence, before anything is recorded.
    findings: list[Finding] = []
    escalated_cases: set[int] = set()
    before_rules: dict[int, Row] = {}  # each case as it is now, before its breaches' rules ran
    with session.write("sla check"):
        db = session.db
        for case, clock in _judged(db, policy, as_of):
            if not clock.breached:
                findings.append(Finding(case, clock, new=False))
                continue
            assert clock.due_at is not None  # _judged yields only breaches that fell due
            new = store.record_breach(db, case["id"], clock.target, to_iso(clock.due_at), to_iso(as_of))
            if not new:
                findings.append(Finding(case, clock, new=False))
                continue
            session.record(
                "case", case["id"], "sla_breach", None,
                {"target": clock.target, "due_at": to_iso(clock.due_at), "breached_at": to_iso(as_of)},
                note=f"{clock.target.replace('_', ' ')} target of {_written(policy, case, clock)} "
                f"was due {to_iso(clock.due_at)}",
            )  # fmt: skip
            escalated, held_back = _fire_breach(session, case, clock, before_rules)
            if escalated:
                escalated_cases.add(case["id"])
            findings.append(Finding(case, clock, new=True, held_back=held_back))
        findings = _as_the_rules_left_them(db, findings, escalated_cases, before_rules)
    return _in_order(findings, as_of)


def _judged(db: Database, policy: Policy, as_of: datetime) -> Iterator[tuple[Row, Clock]]:
    """Each target, of the cases active at `as_of`, that is at risk or has fallen due."""
    candidates = _cases_active_at(db, as_of)
    clocks = case_clocks(db, candidates, policy, as_of)
    for case in candidates:
        for clock in clocks[case["id"]].values():
            if clock.state == "at_risk" or (clock.breached and clock.due_at is not None):
                yield case, clock


def _findings_already_recorded(db: Database, policy: Policy, as_of: datetime) -> list[Finding] | None:
    """The findings of a check that has nothing new to record, read without writing (a
    look ahead with --warn, a cron run on a read-only copy); None when a breach is new."""
    from crmcli.storage import cases as store

    judged = list(_judged(db, policy, as_of))
    recorded = store.breaches_of(db, sorted({case["id"] for case, _ in judged}))
    if any(clock.breached and clock.target not in recorded[case["id"]] for case, clock in judged):
        return None
    return [Finding(case, clock, new=False) for case, clock in judged]


def _in_order(findings: list[Finding], as_of: datetime) -> list[Finding]:
    """Breaches before warnings, the longest overdue first."""
    return sorted(findings, key=lambda f: (not f.clock.breached, f.clock.due_at or as_of, f.case["id"]))


def _fire_breach(
    session: Session, case: Row, clock: Clock, before_rules: dict[int, Row]
) -> tuple[bool, tuple[str, ...]]:
    """Fire case.sla_breached for a new breach of `case` (as it was at the moment checked);
    whether a rule escalated it, and the rules' actions held back because the case is
    closed now. The rules decide on the case as it was then, with what they changed of it
    earlier in this check, and act on the case as it is now."""
    from crmcli.clock import to_iso
    from crmcli.services.events import Event
    from crmcli.storage import cases as store

    fired, held = len(session.emitted), len(session.held_back)
    now = store.get(session.db, case["id"]) or case
    before_rules.setdefault(case["id"], now)
    seen = _as_the_rules_left_it(case, before_rules[case["id"]], now)
    session.deliver(Event(
        "case.sla_breached", "case", case["id"],
        {"target": clock.target, "due_at": to_iso(clock.due_at) if clock.due_at else None},
        as_was={key: seen[key] for key in AS_IT_WAS if seen[key] != now[key]},
    ))  # fmt: skip
    # What the rules did is told from the events they emitted, so that the summary claims
    # an escalation only when one happened.
    escalated = any(e.name == "case.escalated" for e in session.emitted[fired:])
    return escalated, tuple(action for _, _, action in session.held_back[held:])


def _as_the_rules_left_it(then: Row, before_rules: Row, now: Row) -> Row:
    """The case as it was at the moment checked, with what the rules have changed since the
    check began: what the rules on a later breach of the same case see, and what it shows."""
    return {**then, **{key: value for key, value in now.items() if before_rules.get(key) != value}}


def _as_the_rules_left_them(
    db: Database, findings: list[Finding], escalated: set[int], before_rules: dict[int, Row]
) -> list[Finding]:
    """The findings of cases whose new breaches ran the rules, with the priority, queue,
    owner and level the rules gave them: what a reader acts on is the case as it stands
    after the check (the targets and due times stay those the case was judged by). A rule
    escalates a case once for all its breaches: each new one counts as escalated."""
    from dataclasses import replace

    from crmcli.storage import cases as store

    now = {case_id: store.get(db, case_id) or {} for case_id in before_rules}

    def shown(then: Row) -> Row:
        return _as_the_rules_left_it(then, before_rules[then["id"]], now[then["id"]])

    return [
        replace(f, case=shown(f.case), escalated=f.new and f.case["id"] in escalated)
        if f.case["id"] in now else f
        for f in findings
    ]  # fmt: skip


def _written(policy: Policy, case: Row, clock: Clock) -> str:
    target = policy.for_priority(case["priority"]).get(clock.target)
    return f"{target.written} ({target.hours})" if target else "?"


def _cases_active_at(db: Database, as_of: datetime) -> list[Row]:
    """Cases that were new, open or pending at `as_of`, as they were then: the targets of
    the priority they had are the ones judged, and their queue and owner then are shown."""
    from crmcli.clock import to_iso
    from crmcli.storage import cases as store

    moment = to_iso(as_of)  # stored moments are whole seconds, so text compares as time does
    rows = store.possibly_active(db, moment, ACTIVE_STATUSES)
    then = store.values_before(db, [r["id"] for r in rows], moment)
    for row in rows:
        row.update(then[row["id"]])
        if "escalation_level" in then[row["id"]]:
            row["escalation_level"] = int(row["escalation_level"] or 0)  # the timeline keeps text
        for stamp in ("first_response_at", "resolved_at", "closed_at"):
            if row[stamp] and row[stamp] > moment:
                row[stamp] = None  # not yet answered, resolved or closed then
    return [row for row in rows if row["status"] in ACTIVE_STATUSES]


# --- validator registered in config.SECTIONS -------------------------------------------------


def check_sla(value: Any, checker: Checker, path: KeyPath) -> None:
    from crmcli.services.cases import PRIORITIES

    if not checker.expect(value, dict, path, "a table"):
        return
    known = ("hours", "warn_within", "targets")
    for key, item in value.items():
        where = (*path, key)
        if key not in known:
            checker.add(where, f"is not a known setting (known: {', '.join(known)})")
        elif key == "hours":
            _check_hours(item, checker, where)
        elif key == "warn_within":
            _check_duration(item, checker, where)
        elif checker.expect(item, dict, where, "a table of priorities"):
            for priority, spec in item.items():
                at = (*where, priority)
                if priority not in PRIORITIES:
                    checker.add(at, f"is not a priority (one of {', '.join(PRIORITIES)})")
                    continue
                if not checker.expect(spec, dict, at, "a table"):
                    continue
                for name, setting in spec.items():
                    if name in TARGETS:
                        _check_duration(setting, checker, (*at, name))
                    elif name == "hours":
                        _check_hours(setting, checker, (*at, name))
                    else:
                        checker.add((*at, name), "is not a known setting (known: first_response, "
                                    "hours, resolution)")  # fmt: skip
                if not any(name in spec for name in TARGETS):
                    checker.add(at, "needs first_response, resolution or both")


def _check_hours(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, str, path, '"business" or "24/7"') and value not in HOURS:
        checker.add(path, f'{value!r} must be "business" or "24/7"')


def _check_duration(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, str, path, DURATION_HELP):
        try:
            parse_duration(value)
        except ValueError as exc:
            checker.add(path, str(exc))


def describe_policy(config: Config, policy: Policy) -> dict[str, Any]:
    """The policy and the calendar as plain data, for `crm sla policy`."""
    from crmcli.services.business_hours import WEEKDAYS

    calendar = calendar_from_config(config)
    return {
        "targets": {
            priority: {name: {"written": t.written, "hours": t.hours,
                              "minutes": int(t.allowed.total_seconds() // 60)}
                       for name, t in targets.items()}
            for priority, targets in policy.targets.items()
        },
        "warn_within": str(config.get("sla.warn_within") or DEFAULT_SLA["warn_within"]),
        "timezone": str(getattr(calendar.tz, "key", calendar.tz)),
        "week": {day: [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in spans]
                 for day, spans in zip(WEEKDAYS, calendar.week, strict=True)},
        "day_length_minutes": int(calendar.day_length.total_seconds() // 60),
        "holidays": sorted(d.isoformat() for d in calendar.holidays)
        + sorted(f"--{m:02d}-{d:02d}" for m, d in calendar.yearly_holidays),
    }  # fmt: skip


def with_sla(db: Database, config: Config, cases: list[Row], now: datetime) -> list[Row]:
    """The cases with `sla` (a short phrase) and `sla_targets` (each clock as a dict) added."""
    clocks = case_clocks(db, cases, load_policy(config), now)
    for row in cases:
        row["sla"] = summary(clocks[row["id"]], now)
        row["sla_targets"] = [c.as_dict() for c in clocks[row["id"]].values()]
    return cases
