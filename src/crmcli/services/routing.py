"""Routing rules: `[[rules]]` in the config, applied on the events they name.

For each event the rules that name it are tried in the order they are written; the first
whose condition holds is applied and ends the search, unless it says `continue = true`.
Rules run inside the transaction of the change that fired the event: a rule that cannot
be applied raises RuleError and the whole command is rolled back. Each decision is
written to the record's history (action "rule"), condition by condition, which is what
`crm rules explain` reads back.

`on_event` is registered in services.events.HANDLERS and is called for every event;
it returns at once, before importing anything, when no rule names the event.

A rule does not do to a record what the commands refuse for the state it is in now: a
resolved or closed case is not escalated, requeued, reprioritised or reassigned (`crm case
escalate` and `crm case assign` ask to reopen it first), save by the rules on the
resolving itself. Such actions are held back, said in the decision's note and in
`session.held_back`; the rule's other actions (tags, fields) run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from crmcli.services.rules import ASSIGNING, CASE_ONLY, Action, Rule

if TYPE_CHECKING:
    from crmcli.services.conditions import Facts, Trace
    from crmcli.services.events import Event
    from crmcli.services.session import Session
    from crmcli.storage.db import Database, Row

# --- facts --------------------------------------------------------------------------------


def load_facts(db: Database, kind: str, record_id: int, event_data: dict[str, Any] | None = None) -> Facts:
    """What conditions see of one record: itself, its contact and its company."""
    from crmcli.errors import NotFound
    from crmcli.services.conditions import Facts

    row = _record(db, kind, record_id)
    if row is None:
        raise NotFound(f"There is no {kind} #{record_id}.")
    levels = {kind: _level(db, kind, row)}
    contact_id = row.get("contact_id") if kind in ("deal", "case") else None
    company_id = row.get("company_id") if kind != "company" else None
    if contact_id:
        contact = _record(db, "contact", contact_id)
        if contact is not None:
            levels["contact"] = _level(db, "contact", contact)
            company_id = company_id or contact.get("company_id")
    if company_id and kind != "company":
        company = _record(db, "company", company_id)
        if company is not None:
            levels["company"] = _level(db, "company", company)
    return Facts(kind=kind, levels=levels, event=dict(event_data or {}))


def _record(db: Database, kind: str, record_id: int) -> Row | None:
    from crmcli.storage import rules as store

    row = store.record(db, kind, record_id)
    if row is not None and kind == "deal":
        row["amount"] = _major_units(row.get("amount_minor"), row.get("currency"))
    return row


def _level(db: Database, kind: str, row: Row) -> Any:
    from crmcli.services.conditions import Level
    from crmcli.storage import labels

    record_id = row["id"]
    return Level(
        columns=dict(row),
        custom=labels.fields_of(db, kind, [record_id])[record_id],
        tags=labels.tags_of(db, kind, [record_id])[record_id],
    )


def _major_units(minor: int | None, currency: str | None) -> Any:
    from decimal import Decimal

    if minor is None:
        return None
    # ISO 4217 currencies without minor units; every other one has two decimals here.
    exponent = 0 if (currency or "").upper() in {"JPY", "KRW", "ISK", "CLP", "VND", "UGX", "PYG"} else 2
    return Decimal(minor).scaleb(-exponent)


def hypothetical_facts(kind: str, values: dict[str, str], base: Facts | None = None) -> Facts:
    """Facts for `rules test`: `--set field=value` pairs, over an existing record or nothing."""
    from crmcli.errors import Invalid
    from crmcli.services.conditions import Facts, Level, Uncomparable, as_number, resolve

    facts = base or Facts(kind=kind, levels={kind: Level()})
    for name, text in values.items():
        shown = name if name.isprintable() else repr(name)  # a line break stays inside one line
        try:
            where, ftype = resolve(name, kind)
        except ValueError as exc:
            raise Invalid(f"--set {shown}: {exc}.") from None
        if where.source == "event":
            facts.event[where.name] = text
            continue
        level = facts.levels.setdefault(where.level or kind, Level())
        if where.source == "tags":
            level.tags = [t.strip() for t in text.split(",") if t.strip()]
        elif where.source == "custom":
            level.custom[where.name] = text
        elif ftype.kind == "number":
            try:
                level.columns[where.name] = as_number(text, name)
            except Uncomparable as exc:
                raise Invalid(f"--set {shown}: {exc}.") from None
        elif ftype.kind == "choice":
            level.columns[where.name] = text.strip().lower()
        elif ftype.kind == "country":
            from crmcli.validate import country_code

            level.columns[where.name] = country_code(text, name)
        else:
            level.columns[where.name] = text
    return facts


# --- deciding -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened to one rule for one event."""

    rule: Rule
    status: str  # fired | no match | not reached | disabled | skipped (would loop) | applied already
    trace: Trace | None = None
    plan: list[tuple[Action, Any]] = field(default_factory=list)  # action, concrete value

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.name,
            "index": self.rule.index,
            "status": self.status,
            "continue": self.rule.keep_going,
            "conditions": self.trace.as_dict() if self.trace else None,
            "actions": [describe_step(a, v) for a, v in self.plan]
            if self.plan
            else [a.describe() for a in self.rule.actions],
        }


def describe_step(action: Action, value: Any) -> str:
    if action.kind in ASSIGNING:
        how = {"assign": "", "assign_round_robin": " (round robin", "assign_least_busy": " (least busy"}
        extra = (
            f"{how[action.kind]} over {action.source or ', '.join(action.candidates)})"
            if action.kind != "assign"
            else ""
        )
        return f"assign {value}{extra}"
    return action.describe()


# Decisions being applied right now, (rule index, event, entity, id): a rule whose actions
# fire an event that would apply the same rule to the same record again is skipped, so
# rules can never loop.
_applying: list[tuple[int, str, str, int]] = []


def decide(
    db: Database,
    rules: list[Rule],
    event_name: str,
    facts: Facts,
    record_id: int,
    applied: set[tuple[int, str, str, int]] | None = None,
) -> list[Outcome]:
    """Try the rules for an event in order; nothing is written. Raises RuleError.

    `applied` holds the (rule index, event, entity, id) already applied in this command: such
    a rule matches but is not applied again.
    """
    from crmcli.errors import RuleError

    try:
        return _try_rules(
            rules, event_name, facts, record_id, lambda rule: plan_actions(db, rule, facts, record_id),
            applied or set(),
        )  # fmt: skip
    except _Stuck as stuck:
        subject = f"{facts.kind} #{record_id}" if record_id else f"the made-up {facts.kind}"
        raise RuleError(
            f'Rule "{stuck.rule.name}" cannot decide {event_name} for {subject}: {stuck.reason}; '
            "nothing was changed."
        ) from None


def undecidable(rules: list[Rule], event_name: str, facts: Facts, subject: str) -> str | None:
    """Why the rules could not decide `event_name` for `subject` on `facts` (a sentence
    without its full stop, naming the rule and the value it cannot compare), or None when
    they can; `facts` then holds what the rules that fired would change, as after decide().

    It reads and writes nothing, so that an import can try each row's record before the
    record exists (and in a process that has no database): a value a rule cannot compare
    then rejects that row, with its line, instead of stopping the whole import when the
    rules run after the last row. Owners chosen by turns or by workload are known only from
    the database, so here those actions leave the owner as it was: a later rule (after
    `continue = true`) that tests the owner may then be reached here and not there, or the
    reverse, which is why the import still names the line if a real decision fails."""
    try:
        _try_rules(rules, event_name, facts, None, _plan_without_database)
    except _Stuck as stuck:
        return f'Rule "{stuck.rule.name}" cannot decide {event_name} for {subject}: {stuck.reason}'
    return None


def fields_read(rules: list[Rule], level: str) -> tuple[set[str], set[str], bool]:
    """What the rules' conditions may read of the `level` record around the one their
    events are about (a contact's company): its built-in fields, its custom fields, and
    whether its tags. An import loads that much of each existing record, and no more."""
    from crmcli.services.conditions import leaves

    columns: set[str] = set()
    custom: set[str] = set()
    tags = False
    for rule in rules:
        for leaf in leaves(rule.when):
            where = leaf.where
            if where.level not in (None, level):
                continue
            if where.source == "column" and where.level == level:
                columns.add(where.name)
            elif where.source == "custom":  # a bare name is looked for on the company too
                custom.add(where.name)
            elif where.source == "tags":
                tags = True
    return columns, custom, tags


class _Stuck(Exception):
    def __init__(self, rule: Rule, reason: str) -> None:
        self.rule = rule
        self.reason = reason


def _try_rules(
    rules: list[Rule],
    event_name: str,
    facts: Facts,
    record_id: int | None,
    plan: Callable[[Rule], list[tuple[Action, Any]]],
    applied: set[tuple[int, str, str, int]] | None = None,
) -> list[Outcome]:
    from crmcli.services.conditions import Uncomparable, evaluate

    outcomes: list[Outcome] = []
    stopped = False
    for rule in rules:
        if rule.on != event_name:
            continue
        if not rule.enabled:
            outcomes.append(Outcome(rule, "disabled"))
            continue
        if stopped:
            outcomes.append(Outcome(rule, "not reached"))
            continue
        if record_id is not None and (rule.index, event_name, facts.kind, record_id) in _applying:
            outcomes.append(Outcome(rule, "skipped (would loop)"))
            continue
        try:
            trace = evaluate(rule.when, facts)
        except Uncomparable as exc:
            raise _Stuck(rule, str(exc)) from None
        if not trace.result:
            outcomes.append(Outcome(rule, "no match", trace))
            continue
        if applied and (rule.index, event_name, facts.kind, record_id) in applied:
            # The same event twice for one record in one command (a case breaching both its
            # targets): the rule's decision stands and ends the search as it did then.
            outcomes.append(Outcome(rule, "applied already", trace))
            stopped = not rule.keep_going
            continue
        steps = plan(rule)
        outcomes.append(Outcome(rule, "fired", trace, steps))
        _project(facts, steps)
        stopped = not rule.keep_going
    return outcomes


def _plan_without_database(rule: Rule) -> list[tuple[Action, Any]]:
    return [(a, a.value) for a in rule.actions if a.kind not in ("assign_round_robin", "assign_least_busy")]


def _project(facts: Facts, plan: list[tuple[Action, Any]]) -> None:
    """Let later rules (after `continue`) see what this one changes."""
    own = facts.levels[facts.kind]
    for action, value in plan:
        if action.kind in ASSIGNING:
            own.columns["owner"] = value
        elif action.kind in ("queue", "priority"):
            own.columns[action.kind] = value
        elif action.kind == "escalate":
            own.columns["escalation_level"] = int(own.columns.get("escalation_level") or 0) + 1
        elif action.kind == "add_tags":
            own.tags = [*own.tags, *(t for t in value if t not in own.tags)]
        elif action.kind == "set":
            own.custom.update(value)


def plan_actions(db: Database, rule: Rule, facts: Facts, record_id: int) -> list[tuple[Action, Any]]:
    """Each action with the concrete value it would apply (who is next, who is least busy)."""
    from crmcli.errors import RuleError
    from crmcli.storage import rules as store
    from crmcli.storage import state

    plan: list[tuple[Action, Any]] = []
    for action in rule.actions:
        if action.kind == "assign_round_robin":
            plan.append((action, next_in_turn(action, state.get(db, turn_key(rule)))))
        elif action.kind == "assign_least_busy":
            counts = store.open_work(db, facts.kind, action.active, record_id)
            if not counts:
                raise RuleError(f'Rule "{rule.name}" has nobody active to assign to.')
            plan.append((action, min(action.active, key=lambda h: (counts[h], action.active.index(h)))))
        else:
            plan.append((action, action.value))
    return plan


# The history action of a round-robin turn taken (on the change itself, as its timeline is).
TURN = "turn"


def turn_key(rule: Rule) -> str:
    return f"round_robin:{rule.name}"


def next_in_turn(action: Action, last: str | None) -> str:
    """The active candidate after `last` in the listed order, going round."""
    order = action.candidates
    start = order.index(last) + 1 if last in order else 0
    for step in range(len(order)):
        handle = order[(start + step) % len(order)]
        if handle in action.active:
            return handle
    raise AssertionError("compile_rules refuses a rotation with nobody active")


def listens(session: Session, name: str) -> bool:
    """Whether a rule names this event (services.events.listened)."""
    raw = session.config.data.get("rules") or []
    return any(isinstance(r, dict) and r.get("on") == name for r in raw)


def on_event(session: Session, event: Event) -> None:
    """Apply the rules that name `event` (the handler in services.events.HANDLERS)."""
    raw = session.config.data.get("rules")
    if not raw or not any(isinstance(r, dict) and r.get("on") == event.name for r in raw):
        return
    from crmcli.services.rules import rules_of

    rules = [r for r in rules_of(session.config) if r.on == event.name]
    if not rules:
        return
    facts = load_facts(session.db, event.entity, event.entity_id, event.data)
    facts.levels[event.entity].columns.update(event.as_was)  # decide on the record as the event found it
    outcomes = decide(session.db, rules, event.name, facts, event.entity_id, session.rules_applied)
    fired = [o for o in outcomes if o.status == "fired"]
    if not fired:
        again = next((o for o in outcomes if o.status == "applied already"), None)
        session.record(event.entity, event.entity_id, "rule", None, None,
                       note=_note(event.name, again, outcomes))  # fmt: skip
        return
    for outcome in fired:
        guard = (outcome.rule.index, event.name, event.entity, event.entity_id)
        session.rules_applied.add(guard)
        held, status = _refused_now(session.db, event, outcome.plan)
        session.held_back.extend((event.entity, event.entity_id, describe_step(*step)) for step in held)
        doable = replace(outcome, plan=[step for step in outcome.plan if step not in held])
        _applying.append(guard)
        try:
            before, after = _apply(session, event.entity, event.entity_id, doable)
        finally:
            _applying.remove(guard)
        session.record(event.entity, event.entity_id, "rule", before or None, after or None,
                       note=_note(event.name, outcome, outcomes, held, status))  # fmt: skip


# What the case commands refuse to do to a case they will not change until it is reopened.
REFUSED_UNTIL_REOPENED = (*CASE_ONLY, *ASSIGNING)


def _refused_now(
    db: Database, event: Event, plan: list[tuple[Action, Any]]
) -> tuple[list[tuple[Action, Any]], str]:
    """The steps of `plan` that the commands would refuse for the record as it is now, and
    the status they refuse it for. An event may be about a moment when the case was open
    (`sla check --as-of`), yet what a rule does is done now, to a case that may have been
    resolved or closed since."""
    if event.entity != "case" or not any(action.kind in REFUSED_UNTIL_REOPENED for action, _ in plan):
        return [], ""
    from crmcli.services import cases

    case = cases.get_case(db, event.entity_id)
    if cases.needs_reopening(case):  # the check `crm case escalate|assign` make
        status = str(case["status"])
        if not (status == "resolved" and _resolving(event)):
            return [step for step in plan if step[0].kind in REFUSED_UNTIL_REOPENED], status
    return [], ""


def _resolving(event: Event) -> bool:
    """Whether the event is case.resolved, or fired by a rule on it for the same case: such
    rules are for the case as it has just been resolved (handing it over for review)."""
    about = ("case.resolved", "case", event.entity_id)
    return (event.name, event.entity, event.entity_id) == about or any(
        (name, kind, record_id) == about for _, name, kind, record_id in _applying
    )


def _note(
    event_name: str,
    chosen: Outcome | None,
    outcomes: list[Outcome],
    held: list[tuple[Action, Any]] | None = None,
    status: str = "",
) -> str:
    """The decision as the history keeps it: a headline, then condition by condition, then
    what was done and what the case's state held back."""
    if chosen is None:
        lines = [f"{event_name}: no rule matched"]
    else:
        lines = [f'{event_name}: rule "{chosen.rule.name}" matched']
        assert chosen.trace is not None
        lines += ["  " + line for line in chosen.trace.lines()]
        if chosen.status == "applied already":
            lines.append("  then: nothing; applied to this record for this event earlier in the command")
        elif held:
            done = [describe_step(a, v) for a, v in chosen.plan if (a, v) not in held]
            lines.append("  then: " + ("; ".join(done) or "nothing"))
            lines.append(f"  not done, the case is {status} (reopen it first): "
                         + "; ".join(describe_step(a, v) for a, v in held))  # fmt: skip
        else:
            lines.append("  then: " + "; ".join(describe_step(a, v) for a, v in chosen.plan))
    for other in outcomes:
        if other is chosen or other.status != "no match" or other.trace is None:
            continue
        if chosen is not None and other.rule.index > chosen.rule.index:
            continue
        lines.append(f'  rule "{other.rule.name}" did not match:')
        lines += ["    " + line for line in other.trace.lines()]
    return "\n".join(lines)


def _apply(
    session: Session, kind: str, record_id: int, outcome: Outcome
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Carry out one fired rule's actions; returns the fields before and after."""
    from crmcli.storage import labels, state
    from crmcli.storage import rules as store

    db, rule = session.db, outcome.rule
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    current = store.record(db, kind, record_id) or {}
    for action, value in outcome.plan:
        if action.kind in CASE_ONLY:
            _apply_case(session, record_id, action, value, rule, before, after)
        elif action.kind in ASSIGNING:
            if action.kind == "assign_round_robin":
                key = turn_key(rule)
                taken = state.get(db, key)
                state.put(db, key, value)
                # Recorded with the change, so that undoing it gives the turn back.
                session.record("change", session.change_id, TURN, {"key": key, "rule": rule.name,
                               "value": taken}, {"key": key, "rule": rule.name, "value": value})  # fmt: skip
            old = (store.record(db, kind, record_id) or current).get("owner")
            if old == value:
                continue
            before.setdefault("owner", old)
            after["owner"] = value
            if kind == "case":
                from crmcli.services import cases

                cases.set_owner(session, cases.get_case(db, record_id), value, f'rule "{rule.name}"')
                session.emit("case.assigned", "case", record_id, owner=value, rule=rule.name)
            else:
                store.set_owner(db, kind, record_id, value, session.now_iso)
        elif action.kind == "add_tags":
            tags = labels.tags_of(db, kind, [record_id])[record_id]
            new = [t for t in value if t not in tags]
            if new:
                before.setdefault("tags", tags)
                labels.add_tags(db, kind, record_id, new)
                after["tags"] = labels.tags_of(db, kind, [record_id])[record_id]
                store.touch(db, kind, record_id, session.now_iso)
        elif action.kind == "set":
            fields = labels.fields_of(db, kind, [record_id])[record_id]
            changed = {k: v for k, v in value.items() if fields.get(k) != v}
            if changed:
                before.setdefault("fields", {k: fields.get(k) for k in changed})
                labels.set_fields(db, kind, record_id, changed)
                after.setdefault("fields", {}).update(changed)
                store.touch(db, kind, record_id, session.now_iso)
    return before, after


def _apply_case(
    session: Session,
    case_id: int,
    action: Action,
    value: Any,
    rule: Rule,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    from crmcli.services import cases

    case = cases.get_case(session.db, case_id)
    note = f'rule "{rule.name}"'
    if action.kind == "queue" and case["queue"] != value:
        before.setdefault("queue", case["queue"])
        after["queue"] = value
        cases.set_queue(session, case, value, note)
    elif action.kind == "priority" and case["priority"] != value:
        before.setdefault("priority", case["priority"])
        after["priority"] = value
        cases.set_priority(session, case, value, note)
    elif action.kind == "escalate":
        target = cases.escalation_queue(session.config, case["queue"])
        before.setdefault("escalation_level", case["escalation_level"])
        if target and target != case["queue"]:
            before.setdefault("queue", case["queue"])
        cases.raise_level(session, case, target, note)
        raised = cases.get_case(session.db, case_id)
        after["escalation_level"] = raised["escalation_level"]
        if raised["queue"] != case["queue"]:
            after["queue"] = raised["queue"]
        session.emit("case.escalated", "case", case_id, level=raised["escalation_level"],
                     queue=raised["queue"], rule=rule.name)  # fmt: skip


# --- explaining what was decided -------------------------------------------------------------


def explain(db: Database, entity: str, entity_id: int) -> list[dict[str, Any]]:
    """The routing decisions taken for one record, oldest first, as `rules explain` shows them."""
    import json
    import re

    from crmcli.storage import rules as store

    headline = re.compile(r'^(?P<event>\S+): (?:rule "(?P<rule>.*)" matched|no rule matched)$')
    out = []
    for row in store.decisions(db, entity, entity_id):
        lines = (row["note"] or "").splitlines()
        match = headline.match(lines[0]) if lines else None
        out.append({
            "at": row["at"],
            "actor": row["actor"],
            "command": row["command"],
            "event": match.group("event") if match else None,
            "rule": match.group("rule") if match else None,
            "before": json.loads(row["before"]) if row["before"] else None,
            "after": json.loads(row["after"]) if row["after"] else None,
            "why": [line.rstrip() for line in lines[1:]],
        })  # fmt: skip
    return out
